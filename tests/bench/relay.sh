#!/usr/bin/env bash
# Relay benchmark (not a test): two release replicas on the machine's Redis
# and PostgreSQL, every message stored, clients of each pair on different
# replicas; CPU of every component over the run and redis-benchmark's raw
# unpipelined PUBLISH rate in the same run, for the ratio.
# Usage: bash tests/bench/relay.sh [pairs] [messages] [rate]
# (rate: messages per second over all senders; unset, as fast as acks come)
set -euo pipefail
cd "$(dirname "$0")/../.."
PAIRS="${1:-200}"
MESSAGES="${2:-200}"
RATE="${3:-}"
source tests/bench/common.sh
bench_build
start_replica 18181
start_replica 18182

echo "== chathub relay through two replicas"
# shellcheck disable=SC2046
"$BIN/chathub-load" relay --a ws://127.0.0.1:18181/ws --b ws://127.0.0.1:18182/ws \
  --pairs "$PAIRS" --messages "$MESSAGES" ${RATE:+--rate "$RATE"} \
  --label "relay ${PAIRS}x$MESSAGES${RATE:+ at $RATE/s}" $(measure_args)
curl -s http://127.0.0.1:18182/metrics | grep -E "^chathub_(catch_ups|messages_(stored|delivered))" || true
pg_profile
