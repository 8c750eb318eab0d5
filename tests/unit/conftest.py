"""Warehouses the load tests share: the good fixture extract loaded once, and a fresh copy of it per test to
load over (so a test can check that a refused load leaves the live warehouse untouched)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

GOOD = Path(__file__).resolve().parents[1] / "fixtures" / "good"


@pytest.fixture(scope="module")
def good_warehouse(tmp_path_factory) -> Path:
    from data.ingest import ingest

    path = tmp_path_factory.mktemp("good") / "warehouse.duckdb"
    ingest([GOOD], path, bundle=False, today=pd.Timestamp("2025-01-16"), progress=False)
    return path


@pytest.fixture
def live(good_warehouse: Path, tmp_path: Path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(good_warehouse, path)
    return path
