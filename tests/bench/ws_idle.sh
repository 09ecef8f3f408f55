#!/usr/bin/env bash
# Idle WebSocket benchmark (not a test): one release replica on the
# machine's Redis and PostgreSQL, N idle connections without a resume
# token; resident memory per connection from the replica's VmRSS.
# Usage: bash tests/bench/ws_idle.sh [connections]
set -euo pipefail
cd "$(dirname "$0")/../.."
CONNECTIONS="${1:-1000}"
source tests/bench/common.sh
# Each connection is a file descriptor on both sides.
ulimit -n "$(ulimit -Hn)" || true
bench_build
start_replica 18181

echo "== chathub ws-idle: $CONNECTIONS connections"
# shellcheck disable=SC2046
"$BIN/chathub-load" ws-idle --url ws://127.0.0.1:18181/ws --connections "$CONNECTIONS" \
  --label "ws-idle $CONNECTIONS" $(measure_args)
