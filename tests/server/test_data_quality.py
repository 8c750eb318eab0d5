"""The officers' data-quality workbench and its fix lists through the real app on the sample: an officer of the
sample's council sees every rule's count (two of them counted here from the warehouse's own tables, not by the
rules), one rule's records grouped by who holds them, fix lists that read back as the page shows them; everyone
else gets an explained panel or a 403 and never a child's record; every view, download and refusal is audited."""

from __future__ import annotations

import io
from functools import partial
from urllib.parse import urlencode

import dash
import duckdb
import openpyxl
import pandas as pd
import pytest

from dashboard import quality
from indicators import quality as rules
from indicators.engine import Engine
from tests.forbidden import forbidden
from tests.identity import ELSEWHERE, HOME
from tests.server import officer_views, tree
from tests.server.conftest import SAMPLE
from tests.server.officer_views import csv_rows, entries

PAGE = quality.PAGE_PATH
page = partial(officer_views.page, path=PAGE)
grid_rows = partial(officer_views.grid_rows, grid_id="quality-grid")
HEADERS = ["Record to fix", "Child id (pseudonymous)", "Name", "Request id", "What is wrong", "Team", "Caseworker"]


@pytest.fixture(scope="module")
def server(sample_server):
    return sample_server


@pytest.fixture(scope="module")
def truth() -> dict:
    """Counted in pandas from the raw tables: plans named at issue with no plan detail (DQ404), and open cases
    (no decision yet, or agreed and the assessment not finished) that nobody holds on the reference date (DQ702)."""
    with duckdb.connect(str(SAMPLE), read_only=True) as con:
        reference = pd.Timestamp(con.execute(
            "SELECT value FROM warehouse_info WHERE key = 'reference_date'").fetchone()[0])
        plans = con.execute("SELECT plan_id FROM named_plan").df()
        details = con.execute("SELECT plan_id FROM plan_detail").df()
        requests = con.execute("SELECT request_id, person_id, received_date, outcome FROM request").df()
        assessments = con.execute("SELECT request_id, outcome FROM assessment").df()
        allocations = con.execute("SELECT request_id, assigned_date, unassigned_date FROM casework").df()
        people = con.execute("SELECT person_id, forename, surname FROM person").df()
    no_detail = set(plans["plan_id"]) - set(details["plan_id"])
    requests = requests[pd.to_datetime(requests["received_date"]) <= reference]
    unfinished = set(assessments.loc[assessments["outcome"].isna() | (assessments["outcome"] == "A"), "request_id"])
    assessed = set(assessments["request_id"])
    open_ = requests[requests["outcome"].isna() | (requests["outcome"] == "A") | (
        (requests["outcome"] == "Y") & (requests["request_id"].isin(unfinished) | ~requests["request_id"].isin(assessed)))]
    held = allocations[(pd.to_datetime(allocations["assigned_date"]) <= reference) & (
        allocations["unassigned_date"].isna() | (pd.to_datetime(allocations["unassigned_date"]) > reference))]
    unheld = open_[~open_["request_id"].isin(set(held["request_id"]))]
    return {"reference": reference.date(), "DQ404": no_detail, "DQ702": set(unheld["request_id"]),
            "DQ702_children": set(unheld["person_id"]),
            "names": unheld.merge(people, on="person_id").head(5)}


@pytest.fixture(scope="module")
def sample_children(truth) -> list[str]:
    """Real ids and names behind DQ702: none may reach anyone but the officer."""
    frame = truth["names"]
    return [*frame["person_id"].astype(str), *(frame["forename"] + " " + frame["surname"])]


def counts_table(server) -> dict[str, int]:
    with tree.request_as(server, PAGE, "officer"):
        laid_out = dash.page_registry["pages.data_quality"]["layout"]()
    table = tree.find(laid_out, lambda n: getattr(n, "id", None) == "quality-counts")[0]
    out = {}
    for row in tree.find(table, lambda n: type(n).__name__ == "Tr")[1:]:
        cells = tree.texts(row)
        out[cells[0]] = int(cells[-1].replace(",", ""))
    return out


# --- what an officer sees -----------------------------------------------------------------------------------

def test_the_counts_agree_with_counts_made_from_the_raw_tables(server, log, truth):
    shown = counts_table(server)
    assert list(shown) == [r.code for r in rules.rules()]
    assert shown["DQ404"] == len(truth["DQ404"]) == 22
    assert shown["DQ702"] == len(truth["DQ702"]) == 806
    assert shown["DQ107"] == 0  # the synthetic UPNs carry the right check letters


def test_a_rules_records_are_grouped_by_who_holds_them(server, log, truth):
    text = page(server.test_client(role="officer"), "?rule=DQ404")
    rows = grid_rows(text)
    assert {r["record"] for r in rows} == truth["DQ404"]
    assert all(r["detail"] == "no plan detail" for r in rows)
    assert "Download this fix list" in text and "/data-quality/DQ404.csv" in text
    assert "DQ404: Plan named at issue with no setting (no plan detail), every team and caseworker: 22" in text
    with tree.request_as(server, PAGE, "officer"):
        laid_out = dash.page_registry["pages.data_quality"]["layout"](rule="DQ404")
    table = tree.find(laid_out, lambda n: getattr(n, "id", None) == "quality-groups")[0]
    groups = [tree.texts(r) for r in tree.find(table, lambda n: type(n).__name__ == "Tr")[1:]]
    assert sum(int(g[-1]) for g in groups) == 22
    by_worker = pd.Series([r["caseworker"] for r in rows]).value_counts()
    assert {g[1]: int(g[2]) for g in groups} == by_worker.to_dict()


def test_a_caseworker_narrows_the_list(server, log):
    client = server.test_client(role="officer")
    every = grid_rows(page(client, "?rule=DQ605"))
    worker = next(r["caseworker"] for r in every if r["caseworker"] != "Unallocated")
    theirs = {r["record"] for r in every if r["caseworker"] == worker}
    rows = grid_rows(page(client, "?" + urlencode({"rule": "DQ605", "caseworker": worker})))
    assert {r["record"] for r in rows} == theirs and {r["caseworker"] for r in rows} == {worker}


def test_the_officers_view_reads_cleanly(server, log):
    with tree.request_as(server, PAGE, "officer"):
        laid_out = dash.page_registry["pages.data_quality"]["layout"](rule="DQ605")
    assert forbidden("\n".join(tree.texts(laid_out))) == []
    assert len(tree.find(laid_out, lambda n: type(n).__name__ == "H1")) == 1
    labels = {n.htmlFor for n in tree.find(laid_out, lambda n: type(n).__name__ == "Label")}
    assert labels == {"quality-rule", "quality-team", "quality-caseworker"}
    assert "The last load set nothing aside" in " ".join(tree.texts(laid_out))  # the sample's quarantine is empty


def test_the_loads_so_far_are_shown_with_their_counts(server, log):
    """The sample is one load: its row holds the records the rules found when it was built, by severity, which
    are the counts the page shows now (the same data)."""
    with tree.request_as(server, PAGE, "officer"):
        laid_out = dash.page_registry["pages.data_quality"]["layout"](rule="DQ605")
    table = tree.find(laid_out, lambda n: getattr(n, "id", None) == "quality-trend")[0]
    rows = [tree.texts(r) for r in tree.find(table, lambda n: type(n).__name__ == "Tr")]
    assert rows[0] == ["Loaded", "Data runs to", "Error records", "Warning records", "Query records", "DQ605 records"]
    shown = counts_table(server)
    severity = {r.code: r.severity for r in rules.rules()}
    by = {s: sum(n for c, n in shown.items() if severity[c] == s) for s in ("error", "warning", "query")}
    assert len(rows) == 2 and rows[1][1] == "15 Jan 2026"
    assert [int(v.replace(",", "")) for v in rows[1][2:]] == [by["error"], by["warning"], by["query"], shown["DQ605"]]


def test_the_trend_of_loads_that_could_not_check_a_rule():
    """Two loads: the first without the ward lookup (DQ701 unchecked, NULL), the second finding 4 wards outside
    the council; DQ101 found 2 then 1. Errors: 2 then 1 + 4 = 5."""
    counts = pd.DataFrame([{"code": c, "severity": s} for c, s in (("DQ101", "error"), ("DQ701", "error"))])
    history = pd.DataFrame([("v1", "2025-01-16", "2025-01-20 09:00", "DQ101", 2),
                            ("v1", "2025-01-16", "2025-01-20 09:00", "DQ701", None),
                            ("v2", "2026-01-15", "2026-01-19 09:00", "DQ101", 1),
                            ("v2", "2026-01-15", "2026-01-19 09:00", "DQ701", 4)],
                           columns=["version", "reference_date", "loaded_at", "code", "records"])
    history["records"] = history["records"].astype("Int64")
    bench = quality.Workbench(
        council=HOME, council_name="x", reference_date=pd.Timestamp("2026-01-15").date(), counts=counts,
        quarantine=pd.DataFrame(), history=history, rule=rules.rule("DQ701"), frame=pd.DataFrame(), team=None,
        caseworker=None, teams=[], caseworkers={}, synthetic=True, warehouse_version="v2")
    assert [(r["reference_date"].isoformat(), r["error"], r["rule"]) for r in bench.trend()] == [
        ("2025-01-16", 2, None), ("2026-01-15", 5, 4)]


def test_the_quarantine_is_shown_by_file_and_reason(server, log, monkeypatch):
    set_aside = pd.DataFrame([{"source_file": "requests.csv", "table_name": "request",
                               "reason": "requestoutcome 'Q' is not one of Y, N, A, W, H", "action": "rejected",
                               "rows": 3}])
    monkeypatch.setattr(Engine, "quarantined", lambda self, audience: set_aside)
    with tree.request_as(server, PAGE, "officer"):
        laid_out = dash.page_registry["pages.data_quality"]["layout"]()
    table = tree.find(laid_out, lambda n: getattr(n, "id", None) == "quality-quarantine")[0]
    assert tree.texts(tree.find(table, lambda n: type(n).__name__ == "Tr")[1]) == [
        "requests.csv", "request", "requestoutcome 'Q' is not one of Y, N, A, W, H", "rejected", "3"]


# --- forged choices -------------------------------------------------------------------------------------------

FORGED = ["x' OR '1'='1", "DQ404'; DROP TABLE request; --", "DQ999", '=HYPERLINK("http://x","y")', "P" * 500]


@pytest.mark.parametrize("value", FORGED, ids=range(len(FORGED)))
def test_a_forged_choice_on_the_page_is_set_aside(server, log, monkeypatch, value):
    asked = []
    real = Engine.quality_records
    monkeypatch.setattr(Engine, "quality_records", lambda self, audience, **kw: asked.append(kw) or real(
        self, audience, **kw))
    text = page(server.test_client(role="officer"), "?" + urlencode({"rule": value, "team": value}))
    assert "The link asks for a rule not found in the workbench" in text and grid_rows(text) == []
    assert asked == []
    text = page(server.test_client(role="officer"), "?" + urlencode({"rule": "DQ404", "caseworker": value}))
    assert len(grid_rows(text)) == 22 and all(a.get("caseworker") is None for a in asked)


@pytest.mark.parametrize("path, status", [
    ("/data-quality/DQ999.csv", 404), ("/data-quality/DQ404.pdf", 404), ("/data-quality/DQ404.csv?team=Nobody", 400),
    ("/data-quality/DQ404.xlsx?caseworker=x%27%20OR%20%271%27%3D%271", 400),
    ("/data-quality/DQ404.csv?team=Primary&team=Secondary", 400), ("/data-quality/DQ404.csv?audience=officer", 400)])
def test_a_forged_download_is_refused(server, log, path, status):
    response = server.test_client(role="officer").get(path)
    assert response.status_code == status and response.mimetype == "text/plain"
    assert not [e for e in entries(log) if e["action"] == "export"]


# --- the files ----------------------------------------------------------------------------------------------

def test_the_fix_lists_read_back_as_the_page_shows_them(server, log, truth):
    client = server.test_client(role="officer")
    shown = grid_rows(page(client, "?rule=DQ702"))
    response = client.get("/data-quality/DQ702.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="fix-list_DQ702_E06000023_2026-01-15.csv"')
    assert response.headers["Cache-Control"] == "no-store"
    rows = csv_rows(response)
    assert list(rows[0]) == HEADERS
    assert [r["Record to fix"] for r in rows] == [r["record"] for r in shown]
    assert {r["Record to fix"] for r in rows} == truth["DQ702"]
    assert {r["Team"] for r in rows} == {"Unallocated"}  # nobody holds these cases: that is the rule

    book = openpyxl.load_workbook(io.BytesIO(client.get("/data-quality/DQ702.xlsx").data))
    assert book.sheetnames == ["DQ702", "About"]
    data = list(book["DQ702"].values)
    assert list(data[0]) == HEADERS and len(data) == len(truth["DQ702"]) + 1
    assert [str(r[0]) for r in data[1:]] == [r["record"] for r in shown]
    about = dict(book["About"].values)
    assert about["Council"] == "Bristol, City of (E06000023)" and about["Severity"] == "Warning"
    assert about["Records"] == f"{len(truth['DQ702']):,}, every team and caseworker"
    assert about["Synthetic data"] and "Personal data about children" in about["Handling"]


# --- who may not see it -----------------------------------------------------------------------------------------

REFUSED = [(None, HOME, "Sign in to see this"), ("public", HOME, "does not hold the officer role"),
           ("partner", HOME, "does not hold the officer role"), ("admin", HOME, "does not hold the officer role"),
           ("officer", ELSEWHERE, "officer in E10000016")]


@pytest.mark.parametrize("role, council, why", REFUSED, ids=["signed-out", "public", "partner", "admin", "elsewhere"])
def test_everyone_else_gets_the_panel_and_a_403_and_no_child(server, log, sample_children, role, council, why):
    client = server.test_client(role=role, council=council)
    bodies = [page(client), page(client, "?rule=DQ702")]
    assert all("This page is for council officers" in b and why in b for b in bodies)
    assert all(grid_rows(b) == [] and "DQ702" not in b.replace("rule=DQ702", "") for b in bodies)
    assert ("/sign-in?next=/data-quality" in bodies[0]) == (role is None)
    for path in ("/data-quality/DQ702.csv", "/data-quality/DQ702.xlsx"):
        response = client.get(path)
        assert response.status_code == 403 and why in response.get_data(as_text=True)
        bodies.append(response.get_data(as_text=True))
    for body in bodies:
        assert not [child for child in sample_children if child in body]
    logged = entries(log)
    assert [(e["action"], e["outcome"], e["child_records"]) for e in logged] == [("denied", "refused", 0)] * 4
    assert [e["target"] for e in logged] == [PAGE, PAGE, "/data-quality/DQ702.csv", "/data-quality/DQ702.xlsx"]
    assert logged[1]["filters"] == {"rule": "DQ702"} and logged[2]["filters"] == {"rule": "DQ702"}


def test_the_engine_refuses_every_audience_but_officers(server):
    from indicators.engine import NotPermitted
    from indicators.vocabulary import Audience

    engine = Engine(SAMPLE)
    try:
        for audience in (Audience.PUBLIC, Audience.PARTNER):
            with pytest.raises(NotPermitted):
                engine.quality_counts(audience, user="x")
            with pytest.raises(NotPermitted):
                engine.quality_records(audience, user="x", code="DQ702")
            with pytest.raises(NotPermitted):
                engine.quarantined(audience)
    finally:
        engine.close()


# --- the audit log ----------------------------------------------------------------------------------------------

def test_each_view_and_download_is_an_entry_with_its_children(server, log, truth):
    client = server.test_client(role="officer")
    page(client)
    page(client, "?rule=DQ702")
    client.get("/data-quality/DQ702.csv")
    logged = entries(log)
    assert [(e["action"], e["target"]) for e in logged] == [
        ("view", PAGE), ("view", PAGE), ("export", "/data-quality/DQ702.csv")]
    assert logged[0]["child_records"] == 0 and logged[0]["filters"] == {"rule": "", "team": "", "caseworker": ""}
    for entry in logged[1:]:
        assert set(entry["child_ids"]) == truth["DQ702_children"]
        assert entry["user"] == f"test:officer-{HOME}" and entry["outcome"] == "ok"
        assert entry["filters"]["rule"] == "DQ702"


def test_the_header_and_the_clinic_link_here(server):
    from dashboard import shell

    assert ("officer", "Data quality", PAGE) in [(r.value, t, p) for r, t, p in shell.ACCOUNT_TOOLS]
    with tree.request_as(server, "/clinic", "partner"):
        laid_out = dash.page_registry["pages.clinic"]["layout"]()
    assert tree.find(laid_out, lambda n: type(n).__name__ == "A" and getattr(n, "href", None) == PAGE)
