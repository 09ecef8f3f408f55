#!/usr/bin/env bash
# The one test command (README): installs what the suites need on a fresh
# Debian machine of this kind, then builds once and runs every suite.
set -euo pipefail
cd "$(dirname "$0")/.."

# The browser test drives Debian's Chromium through chromedriver.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "installing chromium and chromium-driver from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -q chromium chromium-driver \
    || { $SUDO apt-get update -q && $SUDO apt-get install -y -q chromium chromium-driver; }
fi

# The load-balancer suite (tests/lb_failover.rs) runs Debian's nginx in
# front of real replicas.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  echo "installing nginx-light from Debian's packages"
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get install -y -q nginx-light \
    || { $SUDO apt-get update -q && $SUDO apt-get install -y -q nginx-light; }
fi

# Deployment files (k8s, compose, nginx, alert rules, dashboard, Dockerfile),
# validated offline; quick, so it runs before the build.
bash tests/deploy/check.sh

# Integration suites talk to the machine's PostgreSQL (127.0.0.1:5432, user
# postgres) and Redis (127.0.0.1:6379); suites that kill a server start
# their own redis-server / postgres on a free port.
export CHATHUB_TEST_PG_URL="${CHATHUB_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432}"
export CHATHUB_TEST_REDIS_URL="${CHATHUB_TEST_REDIS_URL:-redis://127.0.0.1:6379}"

cargo test --locked --all-targets
