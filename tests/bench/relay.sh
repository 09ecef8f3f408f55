#!/usr/bin/env bash
# Relay benchmark (not a test): two release replicas on the machine's Redis
# and PostgreSQL, every message stored, clients of each pair on different
# replicas; then redis-benchmark's raw unpipelined PUBLISH rate in the same
# run, for the ratio. Usage: bash tests/bench/relay.sh [pairs] [messages]
set -euo pipefail
cd "$(dirname "$0")/../.."
PAIRS="${1:-200}"
MESSAGES="${2:-200}"
PG="${CHATHUB_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"
REDIS="${CHATHUB_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
DB="chathub_bench_$(date +%s)"
PREFIX="bench-$(date +%s):"

cargo build --release --locked --bin chathub --bin chathub-load
psql "$PG/postgres" -qc "CREATE DATABASE $DB"
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
}
trap cleanup EXIT

for port in 18181 18182; do
  DATABASE_URL="$PG/$DB" REDIS_URL="$REDIS" CHATHUB_REDIS_PREFIX="$PREFIX" \
  CHATHUB_LISTEN="127.0.0.1:$port" CHATHUB_INSTANCE_ID="bench-$port" RUST_LOG="${RUST_LOG:-warn}" \
  CHATHUB_FLOOD_PER_SEC=100000 CHATHUB_FLOOD_BURST=100000 \
    ./target/release/chathub &
  pids+=($!)
done
for port in 18181 18182; do
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.2; done
done

echo "== chathub relay through two replicas"
./target/release/chathub-load relay --a ws://127.0.0.1:18181/ws --b ws://127.0.0.1:18182/ws \
  --pairs "$PAIRS" --messages "$MESSAGES"
curl -s http://127.0.0.1:18182/metrics | grep -E "^chathub_(catch_ups|messages_(stored|delivered))" || true
echo "== redis-benchmark: raw PUBLISH, unpipelined, 50 clients"
host_port="${REDIS#redis://}"
redis-benchmark -h "${host_port%:*}" -p "${host_port##*:}" -q -n 200000 -c 50 PUBLISH chathub-bench-channel "a chat-sized payload of some forty bytes"
