"""The regional view on the sample warehouse (one council: Bristol's synthetic extract): it says there is no
other council to compare, ranks and places the one it has, and labels every figure local and provisional where
clocks still run; a partner sees the council's figures protected, an officer of the council in full."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from tests.forbidden import forbidden
from tests.server import tree
from tests.server.conftest import SAMPLE
from tests.server.test_pages import find

PATH = "/region"


def _text(node) -> str:
    return " ".join(tree.texts(node))


def _table(layout) -> list[list[str]]:
    [found] = find(layout, lambda n: getattr(n, "id", None) == "region-table")
    rows = find(found, lambda n: type(n).__name__ == "Tr")
    return [[" ".join(tree.texts(cell)) for cell in row.children] for row in rows]


@pytest.fixture(scope="module")
def requests_twelve_months() -> tuple[str, str, int]:
    """Requests received in the twelve whole months before the sample's reference date, counted from the
    warehouse's own table (requests have no clock: every ended month is settled)."""
    with duckdb.connect(str(SAMPLE), read_only=True) as con:
        reference = pd.Timestamp(con.execute(
            "SELECT value FROM warehouse_info WHERE key = 'reference_date'").fetchone()[0])
        received = pd.to_datetime(con.execute("SELECT received_date FROM request").df()["received_date"])
    last = reference.to_period("M") if reference.is_month_end else reference.to_period("M") - 1
    first = last - 11
    months = received.dt.to_period("M")
    return str(first), str(last), int(((months >= first) & (months <= last)).sum())


@pytest.mark.parametrize("role", ["partner", "officer"])
def test_one_council_says_so_and_is_labelled_local_and_provisional(sample_server, role):
    layout = tree.layout(sample_server, PATH, as_role=role)
    text = _text(layout)
    assert "Councils compared" in text
    assert "one council in this group, Bristol, City of, so there is no other council to compare" in text
    assert "local figures, not DfE's" in text and "provisional" in text
    table = _table(layout)
    assert table[0][:2] == ["Council", "Rank"] and len(table) == 2  # the header and Bristol
    assert table[1][0] == "Bristol, City of" and table[1][1] == "1"
    tier = "in full (officer)" if role == "officer" else "as partners see them (small numbers suppressed)"
    assert table[1][-1] == tier


def test_an_officer_sees_the_twelve_months_of_requests_counted_from_the_records(sample_server,
                                                                                 requests_twelve_months):
    first, last, count = requests_twelve_months
    table = _table(tree.layout(sample_server, PATH, as_role="officer"))
    header, bristol = table[0], dict(zip(table[0], table[1], strict=True))
    assert "Requests (12 months)" in header
    assert bristol["Requests (12 months)"] == (f"{count:,} ({pd.Period(first).strftime('%b %Y')} to "
                                               f"{pd.Period(last).strftime('%b %Y')})")


def test_a_partner_sees_the_funnel_and_months_with_text_alternatives(sample_server):
    layout = tree.layout(sample_server, PATH, as_role="partner", indicator="ehcp_requests")
    [funnel] = find(layout, lambda n: getattr(n, "id", None) == "region-funnel")
    assert "control limits" in _text(funnel)
    [months] = find(layout, lambda n: getattr(n, "id", None) == "region-months")
    assert "Requests for assessment: each council by month" in _text(months)
    assert "View as table" in _text(months)


def test_a_forged_measure_falls_back_to_timeliness(sample_server):
    layout = tree.layout(sample_server, PATH, as_role=None, indicator="'; DROP TABLE request;--")
    assert "Plans issued in 20 weeks: each council by month" in _text(layout)


@pytest.mark.parametrize("role", ["officer", "partner", None])
@pytest.mark.parametrize("indicator", ["ehcp_issued_20wk", "ehcp_caseload", "ehcp_independent_special"])
def test_every_measure_reads_cleanly(sample_server, role, indicator):
    layout = tree.layout(sample_server, PATH, as_role=role, indicator=indicator)
    text = _text(layout)
    assert forbidden(text) == [] and "Something went wrong" not in text
    assert len(find(layout, lambda n: type(n).__name__ == "H1")) == 1
