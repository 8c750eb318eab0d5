"""Settings read from the environment, with documented defaults (see README)."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "data" / "sample"
DEFAULT_WAREHOUSE = SAMPLE_DIR / "warehouse.duckdb"
DEFAULT_LA = "E06000023"  # Bristol, City of (801): the bundled sample's area
DEFAULT_SEED = 2026


def warehouse_path() -> Path:
    """SEND_WAREHOUSE: path of the DuckDB warehouse the app reads (default: the bundled sample)."""
    return Path(os.environ.get("SEND_WAREHOUSE", DEFAULT_WAREHOUSE))


DEFAULT_STALE_AFTER_DAYS = 45


def stale_after_days() -> int:
    """SEND_STALE_AFTER_DAYS: a local extract older than this many days (from its reference date to today) is
    flagged as out of date beside the figures it gives (default 45: a monthly extract plus a fortnight)."""
    text = os.environ.get("SEND_STALE_AFTER_DAYS", "").strip()
    return int(text) if text.isdigit() else DEFAULT_STALE_AFTER_DAYS
