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
# BENCH_PG_PROFILE=1: run on a scratch PostgreSQL cluster of the run's own
# (same durability settings) with pg_stat_statements loaded, and print where
# the database spent its time at the end (`pg_profile`).
SCRATCH=""

bench_build() {
  command -v redis-benchmark >/dev/null || { echo "redis-benchmark missing: apt-get install -y redis-tools" >&2; exit 1; }
  [ -n "${BENCH_NO_BUILD:-}" ] || cargo build --profile "$PROFILE" --locked --bin chathub --bin chathub-load
  trap bench_cleanup EXIT
  [ -z "${BENCH_PG_PROFILE:-}" ] || scratch_pg
  psql "$PG/postgres" -qc "CREATE DATABASE $DB"
  [ -z "$SCRATCH" ] || psql "$PG/$DB" -qc "CREATE EXTENSION pg_stat_statements"
}

# A throw-away cluster owned by the postgres user (initdb refuses root),
# on a free port, with statement statistics on.
scratch_pg() {
  local bin port
  bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  SCRATCH="$(mktemp -d /tmp/chathub-bench-pg.XXXXXX)"
  chown postgres "$SCRATCH"
  runuser -u postgres -- "$bin/initdb" -D "$SCRATCH/data" -A trust -U postgres >/dev/null
  runuser -u postgres -- "$bin/pg_ctl" -D "$SCRATCH/data" -l "$SCRATCH/log" -w start \
    -o "-p $port -k $SCRATCH -c listen_addresses=127.0.0.1 -c max_connections=200 \
        -c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on \
        -c shared_preload_libraries=pg_stat_statements,auto_explain -c auto_explain.log_min_duration=${BENCH_PG_EXPLAIN_MS:--1} \
        -c auto_explain.log_analyze=on -c auto_explain.log_nested_statements=on" >/dev/null
  PG="postgres://postgres@127.0.0.1:$port"
}

# pg_profile: the statements that took the database's time during the run.
pg_profile() {
  [ -n "$SCRATCH" ] || return 0
  echo "== PostgreSQL time by statement (pg_stat_statements, this run)"
  psql "$PG/$DB" -P pager=off -c "
    SELECT calls, rows, round(total_exec_time::numeric, 0) AS exec_ms,
           round(total_plan_time::numeric, 0) AS plan_ms,
           round(mean_exec_time::numeric, 3) AS mean_ms,
           round((100 * total_exec_time / sum(total_exec_time) OVER ())::numeric, 1) AS pct,
           left(regexp_replace(query, '\s+', ' ', 'g'), 90) AS statement
    FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15"
  echo "== PostgreSQL writes by table (HOT updates touch no index)"
  psql "$PG/$DB" -P pager=off -c "
    SELECT relname AS table, n_tup_ins AS inserted, n_tup_upd AS updated,
           n_tup_hot_upd AS hot_updated, n_dead_tup AS dead
    FROM pg_stat_user_tables WHERE n_tup_ins + n_tup_upd > 0 ORDER BY n_tup_upd + n_tup_ins DESC"
}

bench_cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
  if [ -n "$SCRATCH" ]; then
    runuser -u postgres -- "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl" \
      -D "$SCRATCH/data" -m immediate stop >/dev/null || true
    [ -z "${BENCH_PG_EXPLAIN_MS:-}" ] || cp "$SCRATCH/log" /tmp/chathub-bench-pg.log
    rm -rf "$SCRATCH"
  fi
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
