"""Download routes with the Flask test client on the sample warehouse: files hold exactly what the engine lets
the partner audience see, a query cannot raise the audience, and bad requests get a plain 4xx message."""

from __future__ import annotations

import csv
import io
import math

import openpyxl
import pytest

from dashboard.figures import format_period
from indicators.catalogue.model import BREAKDOWNS
from indicators.engine import Engine
from indicators.vocabulary import TOTAL, Audience
from tests.server.conftest import SAMPLE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A local percentage with many breakdowns, a published (national) measure, and a local count.
INDICATORS = ["ehcp_issued_20wk", "ks2_rwm_ehcp", "mediation_cases"]


@pytest.fixture(scope="module")
def client(sample_server):
    return sample_server.test_client()


@pytest.fixture(scope="module")
def engine():
    if not SAMPLE.exists():
        pytest.skip("the sample warehouse is missing")
    engine = Engine(SAMPLE)
    yield engine
    engine.close()


def _csv(response) -> list[dict[str, str]]:
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def _shown(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number}"


def _expected_rows(engine: Engine, indicator_id: str, audience: Audience) -> tuple[list[tuple], dict[str, set]]:
    """Every breakdown row the engine gives the audience, as (period, breakdown, group, value text), and for each
    period the all-children values the engine's tables show."""
    first = engine.result(indicator_id, "E06000023", audience)
    rows, totals = [], {}
    for breakdown in engine.breakdowns_for(first.indicator, first.source, audience):
        frame = engine.result(indicator_id, "E06000023", audience, breakdown=breakdown, source=first.source).frame
        for r in frame.to_dict("records"):
            value = "c" if r["status"] == "c" else (r["status"] if math.isnan(r["value"]) else _shown(r["value"]))
            if r["breakdown"] == TOTAL:
                totals.setdefault(format_period(r["period"]), set()).add(value)
            else:
                rows.append((format_period(r["period"]), BREAKDOWNS[r["breakdown"]], r["breakdown_value"], value))
    return rows, totals


@pytest.mark.parametrize("indicator_id", INDICATORS)
def test_csv_download_equals_the_engines_partner_rows(client, engine, indicator_id):
    response = client.get(f"/download/{indicator_id}.csv?area=E06000023")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{indicator_id}_E06000023_partner.csv"'
    rows = _csv(response)
    expected, totals = _expected_rows(engine, indicator_id, Audience.PARTNER)
    got = [(r["Period"], r["Breakdown"], r["Breakdown value"], r["Value"]) for r in rows if r["Breakdown"] != "Total"]
    assert sorted(got) == sorted(expected)
    for r in (r for r in rows if r["Breakdown"] == "Total"):
        shown = totals[r["Period"]]
        # One all-children row per period: the figure every table agrees on, or `c` if any table hid it.
        assert r["Value"] == (shown.pop() if len(shown) == 1 else "c")
    assert len([r for r in rows if r["Breakdown"] == "Total"]) == len(totals)


@pytest.mark.parametrize("indicator_id", INDICATORS)
def test_xlsx_download_has_the_same_figures_as_the_csv(client, indicator_id):
    response = client.get(f"/download/{indicator_id}.xlsx?area=E06000023")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == f'attachment; filename="{indicator_id}_E06000023_partner.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Data", "Metadata", "Symbols"]
    data = list(book["Data"].iter_rows(min_row=2, values_only=True))
    rows = _csv(client.get(f"/download/{indicator_id}.csv?area=E06000023"))
    assert len(data) == len(rows)
    for sheet_row, csv_row in zip(data, rows, strict=True):
        value = sheet_row[9]
        assert (value if isinstance(value, str) else _shown(value)) == csv_row["Value"]
    meta = {r[0]: r[1] for r in book["Metadata"].iter_rows(values_only=True) if r[0]}
    assert meta["Indicator ID"] == indicator_id and meta["Audience"].startswith("Partners")


def test_a_suppressed_figure_is_c_in_both_files(client):
    rows = _csv(client.get("/download/ehcp_issued_20wk.csv?area=E06000023&period=2024&breakdown=ward"))
    assert any(r["Value"] == "c" and r["Status"] == "c" for r in rows)
    assert all(r["Value"] not in ("", "nan", "None") for r in rows)


def test_asking_for_officer_cannot_raise_the_audience(client):
    partner = client.get("/download/ehcp_issued_20wk.csv?area=E06000023&breakdown=ward")
    asked = client.get("/download/ehcp_issued_20wk.csv?area=E06000023&breakdown=ward&audience=officer")
    assert asked.status_code == 200
    assert asked.data == partner.data
    assert asked.headers["Content-Disposition"].endswith('_partner.csv"')
    book = openpyxl.load_workbook(io.BytesIO(client.get(
        "/download/ehcp_issued_20wk.xlsx?area=E06000023&audience=officer").data))
    meta = {r[0]: r[1] for r in book["Metadata"].iter_rows(values_only=True) if r[0]}
    assert meta["Audience"].startswith("Partners")


def test_a_stricter_audience_may_be_asked_for(client):
    public = client.get("/download/ehcp_issued_20wk.csv?area=E06000023&breakdown=ward&audience=public")
    assert public.status_code == 200
    assert public.headers["Content-Disposition"].endswith('_public.csv"')
    assert public.data != client.get("/download/ehcp_issued_20wk.csv?area=E06000023&breakdown=ward").data


def test_one_period_and_one_breakdown(client, engine):
    rows = _csv(client.get("/download/ehcp_issued_20wk.csv?area=E06000023&period=2024&breakdown=team"))
    assert {r["Period"] for r in rows} == {"2024"}
    assert {r["Breakdown"] for r in rows} == {"Total", "SEND team"}
    frame = engine.result("ehcp_issued_20wk", "E06000023", Audience.PARTNER, period="2024", breakdown="team").frame
    assert len(rows) == len(frame)


@pytest.mark.parametrize(("url", "status", "words"), [
    ("/download/no_such_indicator.csv", 404, "no indicator"),
    ("/download/no_such_indicator.xlsx", 404, "no indicator"),
    ("/download/ehcp_issued_20wk.csv?area=Z99999999", 400, "Unknown area"),
    ("/download/ehcp_issued_20wk.csv?area=<script>alert(1)</script>", 400, "Unknown area"),
    ("/download/ehcp_issued_20wk.csv?period=1899", 400, "no figures for that period"),
    ("/download/ehcp_issued_20wk.xlsx?breakdown=shoe_size", 400, "no such breakdown"),
    ("/download/ehcp_issued_20wk.csv?source=rumour", 400, "Unknown source"),
    ("/download/ehcp_issued_20wk.csv?area=E06000001&source=local", 404, "no figures for this area"),
    ("/download/ehcp_issued_20wk.csv?area=E06000023&area=E06000001", 400, "once only"),
    ("/download/ehcp_issued_20wk.csv?area=" + "9" * 500, 400, "too long"),
    ("/download/theme/not-a-theme.xlsx", 404, "no theme"),
    ("/board-pack.pdf?period=1066", 400, "period must be a year"),
    ("/board-pack.pdf?area=E92000001", 400, "one council"),
])
def test_bad_requests_get_a_plain_message(client, url, status, words):
    response = client.get(url)
    assert response.status_code == status
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert words in text
    assert "Traceback" not in text and "<script>" not in text
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Disposition" not in response.headers


def test_theme_workbook_holds_every_indicator_of_the_theme(client):
    response = client.get("/download/theme/good-health.xlsx?area=E06000023")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="send-data-book-good-health_E06000023_partner.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    ids = {r[0] for r in book["Data"].iter_rows(min_row=2, values_only=True)}
    assert ids == {"parent_carer_confidence"}  # the theme's one indicator
