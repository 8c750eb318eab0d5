#!/usr/bin/env bash
# Set up, build the sample warehouse (synthetic Bristol extract + published national data) and serve the
# dashboard with gunicorn at http://127.0.0.1:8050 (HOST and PORT change it; scripts/gunicorn.conf.py says how).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m data sample
echo "Serving the dashboard at http://${HOST:-127.0.0.1}:${PORT:-8050}"
exec .venv/bin/gunicorn --config scripts/gunicorn.conf.py app:server
