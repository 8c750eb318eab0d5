#!/usr/bin/env bash
# Set up and run the whole test suite: lint, then unit, server and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/python -m data sample
.venv/bin/python -m pytest "$@"
