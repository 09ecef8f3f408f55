#!/usr/bin/env bash
# Telegram benchmark (not a test): K release replicas on the machine's Redis
# and PostgreSQL, the Bot API budget and per-chat pacing lifted, N chats
# paired through /search, each sending texts through the replicas' webhooks
# (round-robin per update); chathub-load runs the fake Bot API the replicas
# call and counts the copies that reach partners.
# Usage: bash tests/bench/telegram.sh [chats] [messages] [replicas]
set -euo pipefail
cd "$(dirname "$0")/../.."
CHATS="${1:-100}"
MESSAGES="${2:-40}"
REPLICAS="${3:-1}"
FAKE=127.0.0.1:18190
SECRET="bench_secret_$RANDOM"
source tests/bench/common.sh
bench_build
hooks=()
for i in $(seq 1 "$REPLICAS"); do
  port=$((18180 + i))
  start_replica "$port" TELEGRAM_BOT_TOKEN=123456:BENCH-token TELEGRAM_API_URL="http://$FAKE" \
    TELEGRAM_WEBHOOK_SECRET="$SECRET" TELEGRAM_REDIS_PREFIX="${PREFIX}tg" \
    TELEGRAM_RATE_PER_SEC=1000000 TELEGRAM_CHAT_RATE_PER_SEC=1000000 TELEGRAM_CHAT_BURST=1000000
  hooks+=("http://127.0.0.1:$port/telegram/webhook")
done

echo "== chathub telegram through $REPLICAS replica(s)"
hooklist="$(IFS=,; echo "${hooks[*]}")"
# shellcheck disable=SC2046
TELEGRAM_WEBHOOK_SECRET="$SECRET" "$BIN/chathub-load" telegram --webhooks "$hooklist" \
  --fake-listen "$FAKE" --chats "$CHATS" --messages "$MESSAGES" \
  --label "telegram ${CHATS}x$MESSAGES k$REPLICAS" $(measure_args)
pg_profile
