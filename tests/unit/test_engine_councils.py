"""A warehouse of two councils gives the home council's pages exactly the home council's figures.

Bristol's extract is the indicator fixture (tests/fixtures/indicators/local/, figures worked out by hand in
test_engine_local.py); Kent's is the same children under the same ids with one more request (R11, received
1 February 2025), so a query that mixed the councils or joined across them would count twice or find Kent's R11.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data.warehouse.connect import open_readonly
from indicators.cache import SimpleCache
from indicators.engine import Engine
from indicators.testing import FIXTURE_DIR, FIXTURE_REFERENCE_DATE, fixture_warehouse, second_extract
from indicators.vocabulary import Audience
from tests.unit.test_engine_local import EXPECTED, _row

BRISTOL, KENT = "E06000023", "E10000016"


@pytest.fixture(scope="module")
def two(tmp_path_factory) -> Path:
    from data.ingest import ingest

    folder = tmp_path_factory.mktemp("two")
    for code, old, extract in ((BRISTOL, "801", None), (KENT, "886", second_extract)):
        target = folder / code
        if extract:
            extract(target)
        else:
            import shutil

            shutil.copytree(FIXTURE_DIR, target)
        (target / "MANIFEST.json").write_text(json.dumps({"la": {"new_la_code": code, "old_la_code": old}}))
    warehouse = folder / "warehouse.duckdb"
    ingest([folder / BRISTOL, folder / KENT], warehouse, today=pd.Timestamp(FIXTURE_REFERENCE_DATE), progress=False)
    return warehouse


@pytest.fixture(scope="module")
def engines(two: Path):
    both, alone = Engine(two, cache=SimpleCache()), Engine(fixture_warehouse(), cache=SimpleCache())
    yield both, alone
    both.close()
    alone.close()


def test_the_warehouse_holds_both_councils_under_the_same_ids(two: Path):
    with duckdb.connect(str(two), read_only=True) as con:
        assert con.execute("SELECT la_code, count(*) FROM request GROUP BY 1 ORDER BY 1").fetchall() == [
            (BRISTOL, 10), (KENT, 11)]
        assert con.execute("SELECT count(*) FROM quarantine WHERE rule = 'DUPLICATE'").fetchone() == (0,)


def test_the_engine_reads_the_home_council_only(engines):
    both, _ = engines
    assert both.local_area == BRISTOL
    assert both.tables["request"] == 10  # R1-R10: Kent's eleven are not in view
    found = both._query("SELECT count(*) AS n, min(la_code) AS lo, max(la_code) AS hi FROM request", {})
    assert found.iloc[0].tolist() == [10, BRISTOL, BRISTOL]
    # the file itself is untouched and read-only: the narrowing lives in each query's own cursor
    con = open_readonly(both.path)
    try:
        assert con.execute("SELECT count(*) FROM request").fetchone() == (21,)
    finally:
        con.close()


@pytest.mark.parametrize("sql", ["CREATE TABLE planted AS SELECT 1 AS x", "DELETE FROM request",
                                 "INSERT INTO warehouse_info VALUES ('k', 'v')"])
def test_the_narrowed_connection_still_only_reads(engines, sql):
    both, _ = engines
    with pytest.raises(duckdb.Error):
        both._query(sql, {})
    assert both._query("SELECT count(*) AS n FROM request", {})["n"].iat[0] == 10


def test_a_view_left_by_one_query_is_gone_for_the_next(engines):
    both, _ = engines
    both._query("DROP VIEW request", {})  # a query's own views may go: the next query has its own
    assert both._query("SELECT count(*) AS n FROM request", {})["n"].iat[0] == 10
    both._query("CREATE OR REPLACE TEMP VIEW request AS SELECT * FROM warehouse.main.request", {})  # every council
    assert both._query("SELECT count(*) AS n FROM request", {})["n"].iat[0] == 10


@pytest.mark.parametrize("indicator, period, breakdown, value_label, numerator, denominator, value", EXPECTED)
def test_home_figures_beside_another_council_are_the_hand_worked_ones(engines, indicator, period, breakdown,
                                                                       value_label, numerator, denominator, value):
    both, _ = engines
    result = both.result(indicator, BRISTOL, Audience.OFFICER, period=period,
                         breakdown=None if breakdown == "Total" else breakdown, official=False)
    row = _row(result.frame, period, breakdown, value_label)
    assert row["numerator"] == numerator
    assert row["value"] == pytest.approx(value)


def test_requests_in_2025_count_bristols_one_not_kents_two(engines):
    both, _ = engines
    frame = both.local_figures(Audience.OFFICER, "ehcp_requests")
    assert frame.loc[frame["period"] == "2025", "numerator"].tolist() == [1]  # R8; Kent also has R11


@pytest.mark.parametrize("indicator", ["ehcp_issued_20wk", "ehcp_requests", "requests_decided_6wk"])
def test_home_figures_are_those_of_the_council_alone(engines, indicator):
    both, alone = engines
    for breakdown in ("Total", "team", "ward"):
        pd.testing.assert_frame_equal(both.local_figures(Audience.OFFICER, indicator, breakdown),
                                      alone.local_figures(Audience.OFFICER, indicator, breakdown), obj=breakdown)


def test_quality_counts_are_those_of_the_council_alone(engines):
    both, alone = engines
    pd.testing.assert_frame_equal(both.quality_counts(Audience.OFFICER, user="test"),
                                  alone.quality_counts(Audience.OFFICER, user="test"))


def test_a_warehouse_file_whose_name_sql_must_quote_is_read(two: Path, tmp_path):
    """A file attaches under its name without the extension: my-council.duckdb is a database called my-council."""
    import shutil

    from data.warehouse.connect import councils, home_council

    named = tmp_path / "my-council.duckdb"
    shutil.copyfile(two, named)
    with duckdb.connect() as con:
        con.execute("ATTACH $path (READ_ONLY)", {"path": str(named)})
        assert councils(con, "my-council") == [BRISTOL, KENT]
        assert home_council(con, "my-council") == BRISTOL
