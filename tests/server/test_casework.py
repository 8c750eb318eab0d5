"""The officers' open cases page and its CSV and workbook through the real app: an officer of the sample's council
sees every open case (counts worked out here from the warehouse's own tables, not from the engine's case list),
everyone else gets an explained panel or a 403 and never a child's record, forged filters never reach the
engine, the files neutralise formulas, and every view, download and refusal is an entry in the audit log."""

from __future__ import annotations

import csv
import io
from functools import partial
from urllib.parse import urlencode

import dash
import duckdb
import pandas as pd
import pytest

from dashboard import casework, officers
from indicators.engine import Engine
from tests.forbidden import forbidden
from tests.identity import ELSEWHERE, HOME
from tests.server import officer_views, tree
from tests.server.conftest import SAMPLE
from tests.server.officer_views import csv_rows, entries, workbook

PAGE = casework.PAGE_PATH
page = partial(officer_views.page, path=PAGE)
grid_rows = partial(officer_views.grid_rows, grid_id="casework-grid")
CSV = "/casework/open-cases.csv"
XLSX = "/casework/open-cases.xlsx"
PAYLOAD = '=HYPERLINK("http://x","y")'
HEADERS = ["Request id", "Child id (pseudonymous)", "Name", "Due date", "Days to due date", "Clock", "Stage", "Team",
           "Caseworker", "Request received", "Days open", "Date of birth"]


@pytest.fixture(scope="module")
def server(sample_server):
    return sample_server


def as_role(server, role: str | None, path: str = PAGE):
    """Direct page calls inside a request on `server` made by a person holding `role` in the sample's council."""
    return tree.request_as(server, path, role)


@pytest.fixture(scope="module")
def truth() -> dict:
    """The open cases on the reference date, worked out in pandas from the warehouse's raw tables: a request
    with no decision yet (outcome missing or A) is due 6 weeks after it arrived; one agreed for assessment
    (outcome Y) whose assessment has no outcome yet (missing or A) has its plan due 20 weeks after."""
    with duckdb.connect(str(SAMPLE), read_only=True) as con:
        reference = pd.Timestamp(con.execute(
            "SELECT value FROM warehouse_info WHERE key = 'reference_date'").fetchone()[0])
        requests = con.execute("SELECT request_id, person_id, received_date, outcome FROM request").df()
        assessments = con.execute("SELECT request_id, outcome FROM assessment").df()
        people = con.execute("SELECT person_id, forename, surname FROM person").df()
        owners = con.execute("SELECT c.request_id, c.assigned_date, c.unassigned_date, k.team FROM casework c "
                             "JOIN caseworker k USING (caseworker_id)").df()
    requests["received_date"] = pd.to_datetime(requests["received_date"])
    requests = requests[requests["received_date"] <= reference]
    undecided = requests["outcome"].isna() | (requests["outcome"] == "A")
    still_assessed = set(assessments.loc[assessments["outcome"].isna() | (assessments["outcome"] == "A"),
                                         "request_id"])
    assessing = (requests["outcome"] == "Y") & (
        requests["request_id"].isin(still_assessed) | ~requests["request_id"].isin(set(assessments["request_id"])))
    open_ = requests[undecided | assessing].copy()
    open_["due"] = open_["received_date"] + pd.to_timedelta(
        [42 if u else 140 for u in undecided[undecided | assessing]], unit="D")
    left = (open_["due"] - reference).dt.days
    held = owners[owners["unassigned_date"].isna() | (pd.to_datetime(owners["unassigned_date"]) > reference)]
    latest = held.sort_values("assigned_date").groupby("request_id")["team"].last()
    open_["team"] = open_["request_id"].map(latest).fillna("Unallocated")
    named = open_.merge(people, on="person_id")
    return {
        "reference": reference.date(), "frame": named,
        "counts": {"Open cases": len(open_), "Breached": int((left < 0).sum()),
                   "Due this week": int(((left >= 0) & (left < 7)).sum()),
                   "Due in the next four weeks": int(((left >= 7) & (left < 35)).sum()),
                   "On track": int((left >= 35).sum())},
    }


@pytest.fixture(scope="module")
def sample_children(truth) -> list[str]:
    """A handful of real ids and names from the open cases: none may reach anyone but the officer."""
    frame = truth["frame"].sort_values("due").head(5)
    return [*frame["person_id"].astype(str), *frame["surname"], *(frame["forename"] + " " + frame["surname"])]


# --- what an officer sees -----------------------------------------------------------------------------------

def test_the_counts_are_those_worked_out_from_the_raw_tables(truth):
    # The sample on its reference date: a fixed synthetic extract, so these figures only move with the generator.
    assert truth["reference"].isoformat() == "2026-01-15"
    assert truth["counts"] == {"Open cases": 1205, "Breached": 665, "Due this week": 62,
                               "Due in the next four weeks": 215, "On track": 263}


def test_an_officer_sees_every_open_case_with_its_clock(server, log, truth):
    text = page(server.test_client(role="officer"))
    rows = grid_rows(text)
    counts = truth["counts"]
    assert len(rows) == counts["Open cases"]
    assert {r["request_id"] for r in rows} == set(truth["frame"]["request_id"])
    for label, count in counts.items():  # each summary tile: its label, then its count
        assert f'"{label}"' in text and f'"{count:,}"' in text
    clocks = pd.Series([r["clock"] for r in rows]).value_counts().to_dict()
    assert {k: clocks.get(k, 0) for k in casework.CLOCKS} == {k: counts[k] for k in casework.CLOCKS}
    due = [r["due_date"] for r in rows]
    assert due == sorted(due)  # the earliest due date first
    first = truth["frame"].sort_values(["due", "request_id"]).iloc[0]
    row = rows[0]
    assert (row["request_id"], row["person_id"], row["name"]) == (
        first["request_id"], first["person_id"], f"{first['forename']} {first['surname']}")
    assert row["due_date"] == first["due"].date().isoformat()
    assert row["days_to_due"] == (first["due"].date() - truth["reference"]).days < 0 and row["clock"] == "Breached"
    assert row["due_date_text"] == f"{first['due']:%-d %b %Y}"
    assert "Download this list" in text and CSV in text and XLSX in text


def test_the_officers_view_reads_cleanly(server, log):
    """What the page walk checks, for the officer's view: no forbidden word, one H1, labelled choices."""
    with as_role(server, "officer"):
        laid_out = dash.page_registry["pages.casework"]["layout"]()
    assert forbidden("\n".join(tree.texts(laid_out))) == []
    assert len(tree.find(laid_out, lambda n: type(n).__name__ == "H1")) == 1
    labels = {n.htmlFor for n in tree.find(laid_out, lambda n: type(n).__name__ == "Label")}
    assert labels == {"casework-clock", "casework-team", "casework-caseworker", "casework-period"}
    teams = [o.value for o in tree.find(laid_out, lambda n: type(n).__name__ == "Option")
             if o.value in ("Early years", "Primary", "Secondary", "Post-16", "Unallocated", "")]
    assert {"Early years", "Primary", "Secondary", "Post-16", "Unallocated", ""} <= set(teams)


def test_a_team_narrows_the_list_and_the_summary(server, log, truth):
    primary = truth["frame"][truth["frame"]["team"] == "Primary"]
    assert len(primary) == 218  # counted from the raw tables, as above
    text = page(server.test_client(role="officer"), "?team=Primary")
    rows = grid_rows(text)
    assert {r["request_id"] for r in rows} == set(primary["request_id"])
    assert {r["team"] for r in rows} == {"Primary"}
    assert '"218"' in text and "Open cases by due date, team Primary: 218" in text
    assert f"{CSV}?team=Primary" in text


def test_one_caseworker(server, log):
    everyone = grid_rows(page(server.test_client(role="officer")))
    worker = next(r["caseworker"] for r in everyone if r["caseworker"] != "Unallocated")
    theirs = {r["request_id"] for r in everyone if r["caseworker"] == worker}
    rows = grid_rows(page(server.test_client(role="officer"), "?" + urlencode({"caseworker": worker})))
    assert {r["request_id"] for r in rows} == theirs and {r["caseworker"] for r in rows} == {worker}


# --- forged filters never reach the engine --------------------------------------------------------------------

FORGED = ["x' OR '1'='1", "Primary'; DROP TABLE request; --", "Nobody's team", PAYLOAD, "P" * 500]


@pytest.mark.parametrize("value", FORGED, ids=range(len(FORGED)))
def test_a_forged_filter_on_the_page_is_set_aside(server, log, monkeypatch, value, truth):
    asked = []
    real = Engine.case_list

    def spy(self, audience, **kwargs):
        asked.append(kwargs)
        return real(self, audience, **kwargs)

    monkeypatch.setattr(Engine, "case_list", spy)
    query = urlencode({"team": value, "caseworker": value})
    text = page(server.test_client(role="officer"), "?" + query)
    assert "The link asks for a team not found in the open cases, so every team is shown." in text
    assert len(grid_rows(text)) == truth["counts"]["Open cases"]
    assert asked and all(a.get("team") in (None, "") and a.get("caseworker") in (None, "") for a in asked)
    assert entries(log)[-1]["filters"] == {"caseworker": "", "team": "", "period": "rolling-12"}


@pytest.mark.parametrize("query", [
    "team=x%27%20OR%20%271%27%3D%271", "team=Unknown", "caseworker=Nobody", "team=Primary&team=Secondary",
    "audience=officer", "team=" + "P" * 500])
def test_a_forged_filter_on_a_download_is_refused(server, log, monkeypatch, query):
    asked = []
    real = Engine.case_list
    monkeypatch.setattr(Engine, "case_list", lambda self, audience, **kw: asked.append(kw) or real(self, audience, **kw))
    for path in (CSV, XLSX):
        response = server.test_client(role="officer").get(f"{path}?{query}")
        assert response.status_code == 400 and response.mimetype == "text/plain"
    assert all(a.get("team") in (None, "") and a.get("caseworker") in (None, "") for a in asked)
    assert not [e for e in entries(log) if e["action"] == "export"]  # nothing was given, so nothing exported


# --- the files ----------------------------------------------------------------------------------------------

def test_the_csv_and_workbook_hold_the_pages_rows(server, log, truth):
    client = server.test_client(role="officer")
    shown = grid_rows(page(client, "?team=Early%20years"))
    response = client.get(f"{CSV}?team=Early%20years")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="open-cases_E06000023_2026-01-15_Early-years.csv"')
    assert response.headers["Cache-Control"] == "no-store"
    rows = csv_rows(response)
    assert list(rows[0]) == HEADERS
    assert [r["Request id"] for r in rows] == [r["request_id"] for r in shown]
    assert len(rows) == (truth["frame"]["team"] == "Early years").sum() == 28
    assert {r["Team"] for r in rows} == {"Early years"}
    first = rows[0]
    assert (first["Name"], first["Due date"], first["Days to due date"]) == (
        shown[0]["name"], shown[0]["due_date"], str(shown[0]["days_to_due"]))

    book = workbook(client.get(f"{XLSX}?team=Early%20years"))
    assert book.sheetnames == ["Open cases", "About"]
    data = list(book["Open cases"].values)
    assert list(data[0]) == HEADERS and len(data) == 29
    assert [str(r[0]) for r in data[1:]] == [r["request_id"] for r in shown]
    assert data[1][3].date().isoformat() == shown[0]["due_date"]  # a real date
    assert data[1][4] == shown[0]["days_to_due"]  # a real number
    about = dict(book["About"].values)
    assert about["Council"] == "Bristol, City of (E06000023)" and about["Cases"] == "28, team Early years"
    assert about["Synthetic data"] == officers.SYNTHETIC_NOTE  # the sample is synthetic
    assert "Personal data about children" in about["Handling"]
    # Children's records are not open data: no Open Government Licence line, unlike the data book's files.
    assert not any("Open Government Licence" in str(v) for r in book["About"].values for v in r)


def test_the_files_neutralise_a_formula(server, log, monkeypatch):
    real = Engine.case_list

    def planted(self, audience, **kwargs):
        frame = real(self, audience, **kwargs).copy()
        frame.loc[frame.index[0], ["forename", "caseworker"]] = [PAYLOAD, "@SUM(1+1)"]
        return frame

    monkeypatch.setattr(Engine, "case_list", planted)
    client = server.test_client(role="officer")
    rows = csv_rows(client.get(CSV))
    assert rows[0]["Name"].startswith("'" + PAYLOAD) and rows[0]["Caseworker"] == "'@SUM(1+1)"
    cells = [c for r in csv.reader(io.StringIO(client.get(CSV).get_data(as_text=True).lstrip("\ufeff")))
             for c in r]
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    sheet = workbook(client.get(XLSX))["Open cases"]
    assert sheet["C2"].value.startswith("'" + PAYLOAD) and sheet["C2"].data_type == "s"
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


# --- who may not see it -----------------------------------------------------------------------------------------

REFUSED = [(None, HOME, "Sign in to see this"), ("public", HOME, "does not hold the officer role"),
           ("partner", HOME, "does not hold the officer role"), ("admin", HOME, "does not hold the officer role"),
           ("officer", ELSEWHERE, "officer in E10000016")]


@pytest.mark.parametrize("role, council, why", REFUSED, ids=["signed-out", "public", "partner", "admin", "elsewhere"])
def test_everyone_else_gets_the_panel_and_a_403_and_no_child(server, log, sample_children, role, council, why):
    client = server.test_client(role=role, council=council)
    bodies = [page(client), page(client, "?team=Primary")]
    assert all("This page is for council officers" in b and why in b for b in bodies)
    assert all(grid_rows(b) == [] for b in bodies)
    assert ("/sign-in?next=/casework" in bodies[0]) == (role is None)
    for path in (CSV, XLSX, f"{CSV}?team=Primary"):
        response = client.get(path)
        assert response.status_code == 403 and response.mimetype == "text/plain" and why in response.get_data(
            as_text=True)
        bodies.append(response.get_data(as_text=True))
    for body in bodies:
        assert not [child for child in sample_children if child in body]
    logged = entries(log)
    assert [(e["action"], e["outcome"], e["child_records"]) for e in logged] == [("denied", "refused", 0)] * 5
    assert [e["target"] for e in logged] == [PAGE, PAGE, CSV, XLSX, CSV]
    assert logged[1]["filters"] == {"team": "Primary"} and logged[0]["council"] == HOME
    assert {e["user"] for e in logged} == {"" if role is None else f"test:{role}-{council}"}


# --- the audit log ----------------------------------------------------------------------------------------------

def test_each_view_and_download_is_an_entry_with_its_children(server, log, truth):
    client = server.test_client(role="officer")
    page(client)
    page(client)  # the same view again: drawn and recorded afresh, never from the cache
    page(client, "?team=Post-16")
    client.get(f"{CSV}?team=Post-16")
    client.get(XLSX)
    logged = entries(log)
    assert [(e["action"], e["target"]) for e in logged] == [("view", PAGE)] * 3 + [("export", CSV), ("export", XLSX)]
    every = set(truth["frame"]["person_id"])
    post16 = set(truth["frame"].loc[truth["frame"]["team"] == "Post-16", "person_id"])
    assert len(post16) == 19
    for entry, children in zip(logged, [every, every, post16, post16, every], strict=True):
        assert set(entry["child_ids"]) == children and entry["child_records"] == len(children)
        assert entry["user"] == f"test:officer-{HOME}" and entry["council"] == HOME and entry["outcome"] == "ok"
    assert logged[0]["filters"] == {"team": "", "caseworker": "", "period": "rolling-12"}  # the performance's too
    assert logged[2]["filters"] == {"team": "Post-16", "caseworker": "", "period": "rolling-12"}
    assert logged[3]["filters"] == {"team": "Post-16", "caseworker": ""}


def test_nothing_is_given_when_the_audit_log_cannot_be_written(server, tmp_path, monkeypatch, sample_children):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the log's folder should be")
    monkeypatch.setenv("SEND_AUDIT_LOG", str(blocked / "audit.jsonl"))
    client = server.test_client(role="officer")
    response = client.get(CSV)
    assert response.status_code == 500 and not [c for c in sample_children if c in response.get_data(as_text=True)]


def test_the_clinic_links_here(server):
    with as_role(server, "partner", "/clinic"):
        laid_out = dash.page_registry["pages.clinic"]["layout"]()
    assert tree.find(laid_out, lambda n: type(n).__name__ == "A" and getattr(n, "href", None) == PAGE)

