"""Shared fixtures: small warehouses built through the real ingest, never by hand-made shortcuts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from data.bundle import PUBLISHED_DIR

SEN2_SAMPLES = PUBLISHED_DIR / "sen2_samples"  # synthetic SEN2 returns, MIT (see their LICENSE)


@pytest.fixture(scope="session")
def samples_warehouse(tmp_path_factory) -> Path:
    """The four synthetic SEN2 sample returns, without the national bundle (fast)."""
    from data.ingest import ingest

    path = tmp_path_factory.mktemp("samples") / "warehouse.duckdb"
    ingest([SEN2_SAMPLES], path, bundle=False, today=pd.Timestamp("2026-01-15"), progress=False)
    return path


@pytest.fixture(scope="session", autouse=True)
def audit_log_of_its_own(tmp_path_factory):
    """Every test writes audit entries to a log of the test run's own, never the repository's."""
    patch = pytest.MonkeyPatch()
    patch.setenv("SEND_AUDIT_LOG", str(tmp_path_factory.mktemp("audit") / "audit.jsonl"))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def hostile_warehouse(tmp_path_factory) -> Path:
    """The sample extract with script and formula payloads for names (tests/hostile.py), through the real ingest."""
    from tests.hostile import build

    return build(tmp_path_factory.mktemp("hostile"))
