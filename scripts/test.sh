#!/usr/bin/env bash
# Set up and run the whole test suite: lint, then unit, server and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Browser tests drive Debian's Chromium (never a downloaded browser).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# The test of several app servers (tests/server/test_two_instances.py) starts its own redis-server and nginx, as
# this user, on free loopback ports, from Debian's packages. Where they cannot be installed it is skipped, saying so.
if [ ! -x /usr/bin/redis-server ] || [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server nginx >/dev/null; } \
    || echo "redis-server and nginx could not be installed: the two-instance test will be skipped" >&2
fi
.venv/bin/ruff check .
.venv/bin/python -m data sample
.venv/bin/python -m pytest "$@"
