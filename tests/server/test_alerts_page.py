"""The alerts section of the officers' page: the same counts the alerts job writes for each team (one source), in
a plain table a screen reader can read, and nothing of it for anyone but an officer of the council."""

from __future__ import annotations

import csv
import io
import json

import dash
import duckdb
import pytest

from dashboard import alerts
from tests.identity import client_as
from tests.server import tree
from tests.server.conftest import SAMPLE


@pytest.fixture(scope="module")
def server(sample_server):
    return sample_server


@pytest.fixture
def log(tmp_path, monkeypatch):
    monkeypatch.setenv("SEND_AUDIT_LOG", str(tmp_path / "audit.jsonl"))


def _layout(server, role):
    with tree.request_as(server, "/casework", role):
        return dash.page_registry["pages.casework"]["layout"]()


def _rows(laid_out) -> dict[str, list[str]]:
    """The alerts table as {row heading: [cell texts]}, and the column headings under 'Team'."""
    table = tree.find(laid_out, lambda n: getattr(n, "id", None) == "casework-alerts")[0]
    out = {}
    for row in tree.find(table, lambda n: type(n).__name__ == "Tr"):
        cells = row.children
        out[tree.text(cells[0])] = [tree.text(c) for c in cells[1:]]
    return out


def test_the_page_shows_what_the_alerts_job_writes_for_each_team(server, log, tmp_path):
    rows = _rows(_layout(server, "officer"))
    alerts.run(SAMPLE, None, tmp_path / "out")  # the sample's reference date, 15 January 2026
    index = json.loads((tmp_path / "out" / "index.json").read_text(encoding="utf-8"))
    assert rows["Team"] == ["Past due", "This week, 15 Jan to 21 Jan", "22 Jan to 28 Jan", "29 Jan to 4 Feb",
                            "5 Feb to 11 Feb", "12 Feb to 18 Feb"]
    assert {t["team"] for t in index["teams"]} == set(rows) - {"Team", "Every team"}
    for team in index["teams"]:
        assert rows[team["team"]] == [f"{n:,}" for n in team["by_week"].values()]
    totals = [sum(t["by_week"][label] for t in index["teams"]) for label in index["teams"][0]["by_week"]]
    assert rows["Every team"] == [f"{n:,}" for n in totals]


def test_the_table_is_captioned_with_headings_scoped(server, log):
    laid_out = _layout(server, "officer")
    table = tree.find(laid_out, lambda n: getattr(n, "id", None) == "casework-alerts")[0]
    assert tree.find(table, lambda n: type(n).__name__ == "Caption")
    headings = tree.find(table, lambda n: type(n).__name__ == "Th")
    assert headings and all(h.scope in ("col", "row") for h in headings)
    assert "Breaching this week and in each of the next four weeks" in tree.texts(laid_out)


@pytest.mark.parametrize("role", [None, "partner", "public", "admin"])
def test_no_one_but_an_officer_sees_the_alerts(server, log, role):
    laid_out = _layout(server, role)
    assert not tree.find(laid_out, lambda n: getattr(n, "id", None) == "casework-alerts")
    assert "Breaching this week and in each of the next four weeks" not in tree.texts(laid_out)


def test_each_clock_downloads_like_the_open_cases(server, log):
    """Phase transfers in the sample: the plans whose transfer falls in 2026 (the reference date is 15 January
    2026, so its September is to come) and is not yet finalised, counted from the raw table."""
    with duckdb.connect(str(SAMPLE), read_only=True) as con:
        expected = con.execute("SELECT count(*) FROM active_plan WHERE year(phase_transfer_due) = 2026 "
                               "AND phase_transfer_final IS NULL").fetchone()[0]
    client = client_as(server, "officer")
    response = client.get("/casework/phase-transfer.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == expected == 1086
    assert {r["Due date"] for r in rows} <= {"2026-02-15", "2026-03-31"}
    for kind in ("no-plan-16wk", "health-advice", "annual-review", "review-decision"):
        assert client.get(f"/casework/{kind}.xlsx").status_code == 200
    assert client_as(server, "partner").get("/casework/phase-transfer.csv").status_code == 403


def test_the_page_lists_any_clock_chosen(server, log):
    """The page's clock choice: the phase transfers' own rows (as the download above), a link to their files,
    and a clock the page does not keep set aside with a note."""
    text = json.dumps(tree.layout(server, "/casework", as_role="officer", clock="phase-transfer").to_plotly_json(),
                      default=str)
    assert "Phase transfer: 15 February (31 March post-16): open cases by due date, every team and caseworker: " \
           "1,086" in text
    assert "/casework/phase-transfer.csv" in text
    odd = tree.texts(tree.layout(server, "/casework", as_role="officer", clock="x' OR 1=1"))
    assert "The link asks for a clock the page does not keep, so the open requests are shown." in odd
    assert any(t.startswith("Open cases by due date, every team and caseworker: 1,205") for t in odd)
