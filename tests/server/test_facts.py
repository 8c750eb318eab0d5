"""Facts computed at load (indicators.facts) are the figures the engine computes from child-level rows.

The sample warehouse is built by the load commands, so it holds facts; every stored frame (every indicator,
source, breakdown, year and month, and each audience's protected figures) is compared with the same frame
computed afresh from the child-level tables by an engine told to ignore the facts.
"""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from data.ingest import ingest
from indicators import facts
from indicators.cache import SimpleCache
from indicators.engine import Engine
from indicators.testing import FIXTURE_DIR, FIXTURE_REFERENCE_DATE, fixture_warehouse
from indicators.vocabulary import Audience
from tests.server.conftest import SAMPLE


@pytest.fixture(scope="module")
def engines():
    stored = Engine(SAMPLE, cache=SimpleCache())
    computed = Engine(SAMPLE, cache=SimpleCache(), use_facts=False)  # every frame from child-level rows
    yield stored, computed
    stored.close()
    computed.close()


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    # SQL gives rows in no set order; the engine sorts what it shows (result()), so compare as sets of rows
    return frame.sort_values(list(frame.columns), ignore_index=True)


def test_the_sample_holds_facts_for_every_key(engines):
    stored, computed = engines
    wanted = set(facts.keys(computed))
    assert len(wanted) > 500  # 86 indicators: every source, breakdown, month and protected audience
    assert set(stored._facts) == wanted


@pytest.mark.slow
def test_every_stored_frame_equals_the_frame_computed_from_child_level_rows(engines):
    stored, computed = engines
    differ = []
    for key in facts.keys(computed):
        indicator = computed.indicator(key.indicator)
        if key.kind == "frame":
            fresh = computed._compute(indicator, key.source, key.breakdown, key.monthly)
        elif key.breakdown == facts.ALL_BREAKDOWNS:
            fresh = computed._protect_families(indicator, key.source, Audience(key.audience))
        else:  # the months for all children of the protected figures, stored on their own
            protected = computed._protect_families(indicator, key.source, Audience(key.audience))
            fresh = protected[(protected["breakdown"] == key.breakdown) & protected["period"].str.match(r"\d{4}-\d{2}$")]
        try:
            assert_frame_equal(_sorted(stored._stored(key)), _sorted(fresh))
        except AssertionError as problem:
            differ.append(f"{key}: {str(problem)[:200]}")
    assert differ == []


def test_pages_read_facts_not_child_level_rows(engines):
    """With facts, a partner's indicator reads no local family query: the child-level SQL never runs."""
    stored, _ = engines
    ran = []
    original = stored._local
    stored._local = lambda *args, **kwargs: ran.append(args) or original(*args, **kwargs)
    try:
        shown = stored.show("ehcp_issued_20wk", "E06000023", Audience.PARTNER, breakdown="ward")
    finally:
        stored._local = original
    assert shown.rows and ran == []


def test_facts_made_with_another_catalogue_or_queries_are_not_used(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(SAMPLE, path)
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE warehouse_info SET value = 'stale' WHERE key = 'facts_key'")
    engine = Engine(path, cache=SimpleCache())
    try:
        assert engine._facts == {}
    finally:
        engine.close()


def test_a_load_whose_facts_fail_leaves_the_live_warehouse_untouched(tmp_path):
    live = tmp_path / "warehouse.duckdb"
    shutil.copyfile(fixture_warehouse(), live)
    before = live.read_bytes()

    def broken(_path):
        raise RuntimeError("facts could not be computed")

    with pytest.raises(RuntimeError, match="facts could not be computed"):
        ingest([FIXTURE_DIR], live, la="E06000023", today=pd.Timestamp(FIXTURE_REFERENCE_DATE), progress=False,
               prepare=broken)
    assert live.read_bytes() == before
    assert not list(tmp_path.glob("warehouse.duckdb.building-*"))
