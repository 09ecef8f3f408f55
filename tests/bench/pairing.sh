#!/usr/bin/env bash
# Pairing benchmark (not a test): searches with preferences on, through the
# shared queue on the machine's Redis (the Lua script every replica runs),
# from N connections standing for replicas; prints pairings per second.
# Usage: bash tests/bench/pairing.sh [people] [replicas] [in-flight]
set -euo pipefail
cd "$(dirname "$0")/../.."
PEOPLE="${1:-20000}"
REPLICAS="${2:-2}"
CONCURRENCY="${3:-64}"
REDIS="${CHATHUB_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
PROFILE="${BENCH_PROFILE:-release}"
if [ "$PROFILE" = release ]; then BIN="${CARGO_TARGET_DIR:-target}/release"; else BIN="${CARGO_TARGET_DIR:-target}/debug"; fi
[ -n "${BENCH_NO_BUILD:-}" ] || cargo build --profile "$PROFILE" --locked --bin chathub-load

echo "== chathub pairing: $PEOPLE people, $REPLICAS replicas, $CONCURRENCY in flight"
"$BIN/chathub-load" pairing --redis-url "$REDIS" --people "$PEOPLE" \
  --replicas "$REPLICAS" --concurrency "$CONCURRENCY"
