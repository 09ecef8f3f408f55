# Shared by the benchmark scripts (sourced, not run): release binaries, a
# database and Redis key prefixes of the run's own on the machine's
# PostgreSQL and Redis, replicas started in the background, cleanup on exit.
# Results are appended to docs/bench/results.jsonl (`chathub-load plot`).
PG="${CHATHUB_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"
REDIS="${CHATHUB_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
RUN="$(date +%s)_$$"
DB="chathub_bench_$RUN"
PREFIX="bench-$RUN:"
RESULTS="${RESULTS:-docs/bench/results.jsonl}"
# BENCH_PROFILE=dev only proves the tools run (debug figures mean nothing).
PROFILE="${BENCH_PROFILE:-release}"
if [ "$PROFILE" = release ]; then BIN="${CARGO_TARGET_DIR:-target}/release"; else BIN="${CARGO_TARGET_DIR:-target}/debug"; fi
pids=()

bench_build() {
  command -v redis-benchmark >/dev/null || { echo "redis-benchmark missing: apt-get install -y redis-tools" >&2; exit 1; }
  [ -n "${BENCH_NO_BUILD:-}" ] || cargo build --profile "$PROFILE" --locked --bin chathub --bin chathub-load
  psql "$PG/postgres" -qc "CREATE DATABASE $DB"
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
}

# start_replica PORT [VAR=VALUE...]: a release replica on 127.0.0.1:PORT.
start_replica() {
  local port="$1"; shift
  env DATABASE_URL="$PG/$DB" REDIS_URL="$REDIS" CHATHUB_REDIS_PREFIX="$PREFIX" \
    CHATHUB_LISTEN="127.0.0.1:$port" CHATHUB_INSTANCE_ID="bench-$RUN-$port" RUST_LOG="${RUST_LOG:-warn}" \
    CHATHUB_FLOOD_PER_SEC=100000 CHATHUB_FLOOD_BURST=100000 \
    CHATHUB_MAX_CONNECTIONS=1000000 CHATHUB_MAX_CONNECTIONS_PER_ADDRESS=1000000 \
    CHATHUB_SEARCHES_PER_ADDRESS_PER_MIN=1000000 "$@" \
    "$BIN/chathub" &
  pids+=($!)
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.2; done
}

# The measuring options every chathub-load run takes: CPU of the replicas
# started here, this run's database apart, the same-run PUBLISH baseline.
measure_args() {
  local IFS=,
  echo "--replica-pid ${pids[*]} --pg-database $DB --publish-baseline $REDIS --results $RESULTS"
}
