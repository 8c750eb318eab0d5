"""The tracker's performance by team and caseworker on /casework, through the real app on the sample: the plans
issued and the open caseload are worked out again here in pandas from the warehouse's raw tables (never from the
engine), the drill from team to caseworker to cases holds together, forged periods and teams are set aside (a
note on the page, a 400 on a file), everyone but the council's officers gets the panel or a 403, and each view and
download is in the audit log."""

from __future__ import annotations

from functools import partial
from urllib.parse import urlencode

import duckdb
import pandas as pd
import pytest

from dashboard import casework
from indicators.engine import Engine
from tests.identity import HOME
from tests.server import officer_views
from tests.server.conftest import SAMPLE
from tests.server.officer_views import csv_rows, entries, workbook

PAGE = casework.PAGE_PATH
page = partial(officer_views.page, path=PAGE)
grid_rows = partial(officer_views.grid_rows, grid_id="casework-grid")
TABLE = "casework-performance-table"
CSV = "/casework/performance.csv"
XLSX = "/casework/performance.xlsx"


@pytest.fixture(scope="module")
def server(sample_server):
    return sample_server


def _node(text: str, node_id: str) -> dict | None:
    """The component `node_id` in the page Dash sends."""
    found = officer_views.nodes(text, node_id)
    return found[0] if found else None


def _text(node) -> str:
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list):
        return "".join(_text(n) for n in node)
    if isinstance(node, dict):
        return _text(node.get("props", {}).get("children", ""))
    return ""


def _links(node) -> list[tuple[str, str]]:
    out = []
    if isinstance(node, dict):
        props = node.get("props", {})
        if node.get("type") == "A":
            out.append((_text(props.get("children")), props.get("href")))
        out += _links(props.get("children"))
    elif isinstance(node, list):
        for n in node:
            out += _links(n)
    return out


def table(text: str) -> dict[str, list[str]]:
    """The performance table as {first cell: the other cells' texts}."""
    found = _node(text, TABLE)
    assert found is not None, "no performance table"
    rows = {}
    for part in found["props"]["children"][2:]:  # tbody, tfoot
        trs = part["props"]["children"]
        for tr in trs if isinstance(trs, list) else [trs]:
            cells = [_text(c) for c in tr["props"]["children"]]
            rows[cells[0]] = cells[1:]
    return rows


@pytest.fixture(scope="module")
def truth() -> dict:
    """Worked out in pandas from the raw tables, on the reference date (15 January 2026): the plans issued
    (AssessmentOutcome Y) in the 12 months to it (16 January 2025 on) and in each calendar month, held by whoever
    held the request on the day of issue (the latest allocation begun by then and not ended before it), and the
    open requests held by whoever holds them on the reference date."""
    with duckdb.connect(str(SAMPLE), read_only=True) as con:
        reference = pd.Timestamp(con.execute(
            "SELECT value FROM warehouse_info WHERE key = 'reference_date'").fetchone()[0])
        requests = con.execute("SELECT request_id, received_date, outcome, outcome_date FROM request").df()
        assessments = con.execute("SELECT request_id, outcome, outcome_date FROM assessment").df()
        allocations = con.execute("SELECT c.request_id, c.assigned_date, c.unassigned_date, k.team, "
                                  "k.caseworker_name FROM casework c JOIN caseworker k USING (caseworker_id)").df()
    for frame, columns in ((requests, ["received_date", "outcome_date"]), (assessments, ["outcome_date"]),
                           (allocations, ["assigned_date", "unassigned_date"])):
        for column in columns:
            frame[column] = pd.to_datetime(frame[column])
    issued = assessments[(assessments["outcome"] == "Y") & (assessments["outcome_date"] <= reference)]
    held = issued.merge(allocations, on="request_id")
    held = held[(held["assigned_date"] <= held["outcome_date"])
                & (held["unassigned_date"].isna() | (held["unassigned_date"] >= held["outcome_date"]))]
    holder = held.sort_values("assigned_date").groupby("request_id")[["team", "caseworker_name"]].last()
    issued = issued.join(holder, on="request_id")
    issued[["team", "caseworker_name"]] = issued[["team", "caseworker_name"]].fillna("Unallocated")
    year = issued[issued["outcome_date"] > reference - pd.DateOffset(months=12)]
    months = issued[issued["outcome_date"] >= pd.Timestamp("2025-02-01")]
    requests = requests[requests["received_date"] <= reference]
    undecided = requests["outcome"].isna() | (requests["outcome"] == "A") | (requests["outcome_date"] > reference)
    unfinished = set(assessments.loc[assessments["outcome"].isna() | (assessments["outcome"] == "A")
                                     | (assessments["outcome_date"] > reference), "request_id"])
    assessing = (requests["outcome"] == "Y") & (requests["request_id"].isin(unfinished)
                                                | ~requests["request_id"].isin(set(assessments["request_id"])))
    open_ = requests[undecided | assessing]
    now = allocations[allocations["unassigned_date"].isna() | (allocations["unassigned_date"] > reference)]
    team_now = now.sort_values("assigned_date").groupby("request_id")["team"].last()
    open_teams = open_["request_id"].map(team_now).fillna("Unallocated")
    return {"issued": year["team"].value_counts().to_dict(),
            "issued_primary": year.loc[year["team"] == "Primary", "caseworker_name"].value_counts().to_dict(),
            "monthly": months["outcome_date"].dt.strftime("%Y-%m").value_counts().to_dict(),
            "open": open_teams.value_counts().to_dict(), "issued_all": len(year)}


def test_the_figures_are_those_worked_out_from_the_raw_tables(server, log, truth):
    # a fixed synthetic extract: these only move with the generator
    assert truth["issued_all"] == 1055 and truth["open"]["Primary"] == 218
    shown = table(page(server.test_client(role="officer")))
    assert list(shown) == ["Early years", "Post-16", "Primary", "Secondary", "Unallocated", "Every team"]
    headers = [h for _, h in casework.MEASURES]
    for team, cells in shown.items():
        row = dict(zip(headers, cells, strict=True))
        expected = truth["issued_all"] if team == "Every team" else truth["issued"].get(team, 0)
        assert row["Plans issued"] == f"{expected:,}", team
        opened = sum(truth["open"].values()) if team == "Every team" else truth["open"][team]
        assert row["Open cases"] == f"{opened:,}", team
    assert shown["Unallocated"][headers.index("On time (%)")] == "0.0%"  # late, no plan: counted, never on time


def test_the_throughput_chart_is_the_months_issued(server, log, truth):
    text = page(server.test_client(role="officer"))
    chart = _node(text, "casework-performance-throughput")
    months = pd.period_range("2025-02", "2026-01", freq="M")
    cells = _text(chart)
    for month in months:
        assert f"{month:%b %Y}" in cells
    graph = _node(text, "casework-performance-throughput-graph")
    bars = graph["props"]["figure"]["data"][0]["y"]
    values = bars if isinstance(bars, list) else bars.get("_inputArray", bars)
    assert [int(v) for v in (values.values() if isinstance(values, dict) else values)][:len(months)] == [
        truth["monthly"].get(f"{m:%Y-%m}", 0) for m in months]
    assert "Provisional." in _text(_node(text, "casework-performance-status"))


def test_drill_team_to_caseworker_to_cases(server, log, truth):
    client = server.test_client(role="officer")
    teams = dict(_links(_node(page(client), TABLE)))
    assert teams["Primary"] == "/casework?team=Primary&period=rolling-12"
    text = page(client, "?team=Primary&period=rolling-12")
    shown = table(text)
    assert "Every caseworker" in shown and len(shown) == len(truth["issued_primary"]) + 1
    for worker, count in truth["issued_primary"].items():
        assert shown[worker][1] == f"{count:,}", worker
    links = dict(_links(_node(text, TABLE)))
    worker = sorted(links)[0]
    assert links[worker] == "/casework?" + urlencode({"team": "Primary", "caseworker": worker,
                                                      "period": "rolling-12"})
    rows = grid_rows(page(client, links[worker].removeprefix(PAGE)))
    assert rows and {r["caseworker"] for r in rows} == {worker} and {r["team"] for r in rows} == {"Primary"}
    assert f"{len(rows):,}" == shown[worker][0]  # the caseworker's open caseload is the list's length


def test_a_month_and_rolling_three_months(server, log):
    client = server.test_client(role="officer")
    december = page(client, "?period=month:2025-12")
    assert "December 2025: 1 December 2025 to 31 December 2025." in december
    three = page(client, "?period=rolling-3")
    assert "3 months to 15 January 2026: 16 October 2025 to 15 January 2026." in three
    issued = [int(cells[1].replace(",", "")) for name, cells in table(three).items() if name != "Every team"]
    assert sum(issued) == int(table(three)["Every team"][1].replace(",", ""))


@pytest.mark.parametrize("value", ["month:1999-01", "rolling-7", "x' OR '1'='1", "P" * 500])
def test_a_forged_period_is_set_aside(server, log, monkeypatch, value):
    asked = []
    real = Engine.caseload_performance
    monkeypatch.setattr(Engine, "caseload_performance",
                        lambda self, audience, **kw: asked.append(kw) or real(self, audience, **kw))
    client = server.test_client(role="officer")
    text = page(client, "?" + urlencode({"period": value, "team": "Primary"}))
    assert "The link asks for a period the tracker does not offer, so 12 months to 15 January 2026 is shown." in text
    assert asked and {a["period"] for a in asked} == {"rolling-12"}
    for path in (CSV, XLSX):
        response = client.get(f"{path}?" + urlencode({"period": value}))
        assert response.status_code == 400 and response.mimetype == "text/plain"
    response = client.get(f"{CSV}?team=Nowhere")
    assert response.status_code == 400
    assert not [e for e in entries(log) if e["action"] == "export"]


def test_the_table_as_files(server, log):
    client = server.test_client(role="officer")
    shown = table(page(client, "?team=Primary&period=rolling-3"))
    response = client.get(f"{CSV}?period=rolling-3&team=Primary")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="performance_E06000023_rolling-3_Primary.csv"')
    rows = csv_rows(response)
    assert [r["Caseworker in team Primary"] for r in rows] == list(shown)
    assert [r["Plans issued"] for r in rows] == [c[1].replace(",", "") for c in shown.values()]
    book = workbook(client.get(f"{XLSX}?period=rolling-3&team=Primary"))
    assert book["Performance"].max_row == len(shown) + 1
    logged = [e for e in entries(log) if e["action"] == "export"]
    assert [(e["target"], e["filters"]) for e in logged] == [
        (CSV, {"period": "rolling-3", "team": "Primary"}), (XLSX, {"period": "rolling-3", "team": "Primary"})]


@pytest.mark.parametrize("role", [None, "partner"], ids=["signed-out", "partner"])
def test_everyone_else_gets_the_panel_and_a_403(server, log, role):
    client = server.test_client(role=role, council=HOME)
    text = page(client, "?period=rolling-3&team=Primary")
    assert "This page is for council officers" in text and _node(text, TABLE) is None
    assert "Performance by team" not in text and "Plans issued" not in text
    for path in (CSV, XLSX):
        response = client.get(f"{path}?period=rolling-3")
        assert response.status_code == 403 and "Plans issued" not in response.get_data(as_text=True)
    logged = entries(log)
    assert [(e["action"], e["outcome"]) for e in logged] == [("denied", "refused")] * 3
    assert logged[0]["filters"] == {"team": "Primary", "period": "rolling-3"}
    assert [e["target"] for e in logged] == [PAGE, CSV, XLSX]


def test_each_view_is_audited_with_its_period(server, log):
    client = server.test_client(role="officer")
    page(client, "?period=month:2025-11&team=Primary")
    logged = entries(log)
    assert len(logged) == 1 and logged[0]["action"] == "view" and logged[0]["user"] == f"test:officer-{HOME}"
    assert logged[0]["filters"] == {"team": "Primary", "caseworker": "", "period": "month:2025-11"}


def test_one_definition_with_the_catalogues_measure():
    """The plans issued in the period, judged as ehcp_issued_20wk judges a year (by the date of issue, mediation
    and tribunal left out), are the tracker's on-time count less the late cases with no plan yet."""
    engine = Engine(SAMPLE)
    try:
        first, last = pd.Timestamp("2025-01-16").date(), pd.Timestamp("2026-01-15").date()
        catalogue = engine.local_records("officer", "ehcp_issued_20wk", first, last, user="test")
        without = engine.local_records("officer", "ehcp_issued_20wk_ex", first, last, user="test")
        every = engine.caseload_performance("officer", user="test", period="rolling-12")
    finally:
        engine.close()
    total = every[every["total"]].iloc[0]
    assert total["timed"] - total["late_open"] == catalogue["denominator"].sum() == 941
    assert total["timed_on_time"] == catalogue["numerator"].sum() == 150 == without["numerator"].sum()
