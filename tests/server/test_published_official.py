"""Published figures are the official ones: for Bristol (the sample warehouse's own council), every annual
figure DfE has published is shown as published on the board tile, the indicator's trend, the board pack and the
data book, for partners and the public alike, never a local estimate in its place and never suppressed.

The expected values are read straight from DfE's published files in `data/published/` with the `csv` module,
independently of the product's readers, bundle and queries.
"""

from __future__ import annotations

import csv
import gzip
from functools import cache
from pathlib import Path

import pytest
from dash import html

from dashboard.figures import format_period, format_value
from indicators.vocabulary import Audience
from tests.server import tree
from tests.server.tree import find, layout, text

EHCP = Path(__file__).resolve().parents[2] / "data" / "published" / "national" / "ehcp_2025"
BRISTOL = "E06000023"
# indicator, published file, its all-children topic, the published value column, unit, decimal places
CASES = [
    ("ehcp_issued_20wk", "timeliness_20_week", "All EHC plans issued", "pc_plans_issued_within_20_weeks", "percent", 1),
    ("requests_decided_6wk", "requests", "All requests for EHC needs assessments", "request_outcome_six_weeks_pc",
     "percent", 1),
    ("ehcp_requests", "requests", "All requests for EHC needs assessments", "requests_received_in_year", "count", 0),
    ("ehcp_caseload", "caseload", "All EHC plans", "ehcplans", "count", 0),
    ("send_in_mainstream", "caseload", "All EHC plans", "mainstream_total_pc", "percent", 1),
]
IDS = [c[0] for c in CASES]


@cache
def published(file: str, topic: str, column: str) -> dict[str, float]:
    """{period: Bristol's published all-children figure} from the raw file."""
    with gzip.open(EHCP / f"{file}.csv.gz", "rt", encoding="utf-8-sig", newline="") as handle:
        rows = [r for r in csv.DictReader(handle)
                if r["new_la_code"] == BRISTOL and r["breakdown_topic"] == topic and r["breakdown"] == topic]
    out = {r["time_period"]: float(r[column]) for r in rows if r[column] not in ("", "x", "z", "c")}
    assert out, f"no published figures for Bristol in {file}.csv.gz"
    return out


@pytest.fixture(scope="module")
def server(sample_server):
    return sample_server


def _year(period: str) -> str:
    """The calendar year at whose end a period had ended: 2024 for 2024, 2025 for January 2025's census."""
    return period if len(period) == 4 else str(int(period[:4]) + 1)


@pytest.mark.parametrize("audience", [Audience.PARTNER, Audience.PUBLIC])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_engine_gives_the_published_figure_for_every_published_year(server, case, audience):
    from dashboard.access import engine

    indicator, file, topic, column, _, _ = case
    with tree.request_as(server, "/"):
        frame = engine().result(indicator, BRISTOL, audience).frame
    totals = frame[frame["breakdown"] == "Total"].set_index("period")
    for period, value in published(file, topic, column).items():
        row = totals.loc[period]
        assert (row["value"], row["status"], row["source"]) == (pytest.approx(value), "value", "published"), period


def test_bristol_2019_twenty_week_rate_is_shown_not_suppressed(server):
    """0.8% (3 of 395) is DfE's published figure: small numerator or not, it is public."""
    from dashboard.access import engine

    assert published("timeliness_20_week", "All EHC plans issued", "pc_plans_issued_within_20_weeks")["2019"] == 0.8
    with tree.request_as(server, "/"):
        for audience in Audience:
            row = engine().result("ehcp_issued_20wk", BRISTOL, audience, period="2019").frame.iloc[0]
            assert (row["value"], row["status"]) == (0.8, "value")


def test_trends_go_back_as_far_as_the_publications(server):
    from dashboard.access import engine

    with tree.request_as(server, "/"):
        timely = engine().show("ehcp_issued_20wk", BRISTOL, Audience.PARTNER, forecast=False)
        caseload = engine().show("ehcp_caseload", BRISTOL, Audience.PARTNER, forecast=False)
    assert timely.rows[0].period == "2014"  # SEN2 MI series, 2014-2018, then the 2025 release
    assert [b.period for b in timely.series_breaks] == ["2019"]
    assert caseload.rows[0].period == "200910"  # January 2010 census, SEN2 by age
    assert caseload.rows[0].value == 1884  # statements and plans, Bristol, January 2010 (published)
    assert [b.period for b in caseload.series_breaks] == ["201819"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_trend_table_shows_each_published_year_as_published(server, case):
    indicator, file, topic, column, unit, places = case
    page = layout(server, "/indicator", indicator_id=indicator, area=BRISTOL)
    rows = [text(tr) for tr in find(page, lambda n: getattr(n, "_type", "") == "Tr")]
    for period, value in published(file, topic, column).items():
        expected = f"{format_period(period)} {format_value(value, unit, places)} Published by DfE"
        assert any(r.startswith(expected) for r in rows), f"{indicator} {period}: no row starting {expected!r}"


@pytest.mark.parametrize("year", ["2019", "2021", "2024"])
def test_board_tiles_and_pack_show_the_published_figure(server, year):
    board = layout(server, "/board", area=BRISTOL, period=year)
    pack = layout(server, "/board-pack", area=BRISTOL, period=year)
    tiles = {}
    for tile in find(board, lambda n: getattr(n, "_type", "") == "Li" and "tile" in (getattr(n, "className", None) or "").split()):
        links = find(tile, lambda n: isinstance(n, html.A) and str(getattr(n, "href", "")).startswith("/indicator/"))
        if links:
            tiles[links[0].href.split("?")[0].rsplit("/", 1)[-1]] = text(tile)
    pack_rows = [text(tr) for tr in find(pack, lambda n: getattr(n, "_type", "") == "Tr")]
    for indicator, file, topic, column, unit, places in CASES:
        figures = published(file, topic, column)
        ended = [p for p in figures if _year(p) <= year]
        if not ended:
            continue  # DfE published this measure later (6-week decisions from 2023): local figures stand
        period = max(ended, key=_year)
        shown = format_value(figures[period], unit, places)
        assert f"{shown} {format_period(period)} · Published by DfE" in tiles[indicator], (indicator, tiles[indicator])
        assert any(shown in text and f"{format_period(period)} · Published by DfE" in text
                   for text in pack_rows), (indicator, period, shown)


@pytest.mark.parametrize("audience", [Audience.PARTNER, Audience.PUBLIC])
def test_data_book_rows_are_the_published_figures(server, audience):
    from dashboard.access import engine
    from dashboard.exports import records
    from dashboard.routes import gather

    for indicator, file, topic, column, _, _ in CASES:
        with tree.request_as(server, "/"):
            table = gather(engine(), indicator, BRISTOL, audience)
        totals = {r["period"]: r for r in records(table) if r["breakdown"] == "Total"}
        for period, value in published(file, topic, column).items():
            row = totals[period]
            assert (row["value"], row["source_label"]) == (pytest.approx(value), "Published by DfE"), (indicator, period)
