"""Shared fixtures: small warehouses built through the real ingest, never by hand-made shortcuts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEN2_SAMPLES = SHARED / "data" / "sen2_samples"


@pytest.fixture(scope="session")
def samples_warehouse(tmp_path_factory) -> Path:
    """The four synthetic SEN2 sample returns, without the national bundle (fast)."""
    from data.ingest import ingest

    path = tmp_path_factory.mktemp("samples") / "warehouse.duckdb"
    ingest([SEN2_SAMPLES], path, bundle=False, today=pd.Timestamp("2026-01-15"), progress=False)
    return path
