"""The audit log's admin page and CSV through the real app: only an administrator of a council sees its entries,
everyone else gets an explained panel or a 403 and never an entry, bad filters get a 400, the CSV carries no
formula, and every view and download is itself an entry (never answered from the response cache)."""

from __future__ import annotations

import csv
import io
import json
import time

import dash
import pytest

from dashboard import audit, warm
from dashboard.identity import Role, User, sign_in
from tests.forbidden import forbidden
from tests.server import tree

BRISTOL, BIRMINGHAM = "E06000023", "E08000025"
PAYLOAD = '=HYPERLINK("http://x")'
ADMIN = User("oidc:ada", "Ada Admin", {BRISTOL: frozenset({Role.ADMIN})}, "oidc")
OTHER_ADMIN = User("oidc:oz", "Oz Admin", {BIRMINGHAM: frozenset({Role.ADMIN})}, "oidc")
PARTNER = User("oidc:pat", "Pat Partner", {BRISTOL: frozenset({Role.PARTNER})}, "oidc")
OFFICER = User("oidc:olu", "Olu Officer", {BRISTOL: frozenset({Role.OFFICER})}, "oidc")
BRUM_OFFICER = User("oidc:bea", "Bea Officer", {BIRMINGHAM: frozenset({Role.OFFICER})}, "oidc")


@pytest.fixture(scope="module")
def server(sample_server):
    return sample_server


@pytest.fixture
def log(server, tmp_path, monkeypatch):
    """A log holding one Bristol officer's case list (with a formula in a filter) and one Birmingham officer's."""
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("SEND_AUDIT_LOG", str(path))
    for user, council, ids in ((OFFICER, BRISTOL, ["P-BRISTOL-1", "P-BRISTOL-2"]), (BRUM_OFFICER, BIRMINGHAM,
                                                                                   ["Q-BRUM-1"])):
        with server.test_request_context("/tracker"):
            sign_in(user)
            audit.record("sign-in", target="/sign-in")
            audit.record("view", target="/tracker", council=council, filters={"school": PAYLOAD}, child_ids=ids)
    return path


def client_as(server, user: User | None):
    client = server.test_client(role=None)
    if user is not None:
        now = int(time.time())
        with client.session_transaction() as session:
            session["who"] = {**user.to_session(), "sid": f"test-{user.id}", "issued": now, "seen": now}
    return client


def page(client, search: str = "") -> str:
    response = client.post("/_dash-update-component", data=json.dumps(warm.page_request(audit.PAGE_PATH, search)),
                           content_type="application/json")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def last(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8").splitlines()[-1])


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


# --- who may see it -----------------------------------------------------------------------------------------

def test_signed_out_gets_the_panel_and_a_403(server, log):
    client = client_as(server, None)
    text = page(client)
    assert "Sign in as an administrator" in text
    assert "P-BRISTOL-1" not in text and "Q-BRUM-1" not in text and "Olu Officer" not in text
    assert (last(log)["action"], last(log)["user"], last(log)["outcome"]) == ("denied", "", "signed out")
    response = client.get(audit.CSV_PATH)
    assert response.status_code == 403 and response.mimetype == "text/plain"
    assert "Sign in as an administrator" in response.get_data(as_text=True)
    assert (last(log)["action"], last(log)["target"]) == ("denied", audit.CSV_PATH)


@pytest.mark.parametrize("user", [PARTNER, OFFICER], ids=["partner", "officer"])
def test_a_person_without_admin_is_told_what_they_hold(server, log, user):
    client = client_as(server, user)
    text = page(client, f"?council={BRISTOL}")
    assert f"{user.describe()}" in text and "does not hold the admin role" in text
    assert "P-BRISTOL-1" not in text and "/tracker" not in text
    assert (last(log)["action"], last(log)["user"]) == ("denied", user.id)
    response = client.get(f"{audit.CSV_PATH}?council={BRISTOL}")
    assert response.status_code == 403 and "P-BRISTOL-1" not in response.get_data(as_text=True)


def test_an_admin_of_another_council_sees_none_of_this_councils_entries(server, log):
    client = client_as(server, OTHER_ADMIN)
    text = page(client)
    assert "Q-BRUM-1" in text and "Bea Officer" in text
    assert "P-BRISTOL" not in text and "Olu Officer" not in text
    searched = page(client, "?text=P-BRISTOL")  # the search itself is echoed in the form and in its own entry
    assert "P-BRISTOL-1" not in searched and "Olu Officer" not in searched
    rows = csv_rows(client.get(audit.CSV_PATH))
    assert {r["Person id"] for r in rows} == {BRUM_OFFICER.id, OTHER_ADMIN.id}  # and their own view of the page
    assert client.get(f"{audit.CSV_PATH}?council={BRISTOL}").status_code == 403


def test_an_admin_sees_their_councils_entries_and_the_chain(server, log):
    client = client_as(server, ADMIN)
    text = page(client)
    assert "P-BRISTOL-1 P-BRISTOL-2" in text and "Olu Officer" in text
    assert "Q-BRUM-1" not in text and "Bea Officer" not in text
    assert "4 entries, chain intact" in text  # the whole log before this view is recorded
    found = page(client, "?action=sign-in&who=olu")
    assert "Olu Officer" in found and "P-BRISTOL-1" not in found  # the sign-in, not the case list


def test_a_broken_chain_is_shown_to_the_admin(server, log):
    lines = log.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("P-BRISTOL-2", "P-BRISTOL-3")
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = page(client_as(server, ADMIN))
    assert "chain broken" in text and "line 3: does not follow line 2" in text


# --- every view and download is recorded, none from the cache --------------------------------------------------

def test_each_view_and_download_is_an_entry_of_its_own(server, log):
    client = client_as(server, ADMIN)
    for n in (5, 6):  # the same view twice: the second is drawn (and recorded) afresh, never kept
        page(client, "?who=olu")
        assert len(log.read_text(encoding="utf-8").splitlines()) == n
        entry = last(log)
        assert (entry["action"], entry["target"], entry["user"], entry["filters"]) == (
            "view", audit.PAGE_PATH, ADMIN.id, {"who": "olu"})
    response = client.get(f"{audit.CSV_PATH}?since=2020-01-01&council={BRISTOL}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    entry = last(log)
    assert (entry["action"], entry["target"], entry["council"], entry["filters"]) == (
        "export", audit.PAGE_PATH, BRISTOL, {"council": BRISTOL, "since": "2020-01-01"})


# --- the CSV ------------------------------------------------------------------------------------------------

def test_the_csv_neutralises_a_formula_in_a_filter_value(server, log):
    client = client_as(server, ADMIN)
    client.get(audit.CSV_PATH, query_string={"text": PAYLOAD})  # the payload now in the export's own filters too
    response = client.get(audit.CSV_PATH)
    rows = csv_rows(response)
    assert [r["Action"] for r in rows] == ["export", "view", "sign-in"]  # newest first, Bristol's only
    assert json.loads(rows[0]["Filters"]) == {"text": PAYLOAD}
    assert json.loads(rows[1]["Filters"]) == {"school": PAYLOAD}
    assert rows[1]["Child ids"] == "P-BRISTOL-1 P-BRISTOL-2" and rows[1]["Child records"] == "2"
    cells = [cell for row in csv.reader(io.StringIO(response.get_data(as_text=True))) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


@pytest.mark.parametrize("query, status", [
    ("since=31-01-2026", 400), ("until=2026-13-01", 400), ("since=2026-02-01&until=2026-01-01", 400),
    ("action=erase", 400), ("council=nowhere", 400), ("order=time", 400), ("who=a&who=b", 400),
    (f"council={BIRMINGHAM}", 403)])
def test_bad_filters_are_refused(server, log, query, status):
    before = log.read_text(encoding="utf-8")
    response = client_as(server, ADMIN).get(f"{audit.CSV_PATH}?{query}")
    assert response.status_code == status and response.mimetype == "text/plain"
    assert "P-BRISTOL" not in response.get_data(as_text=True)
    assert log.read_text(encoding="utf-8") == before  # nothing was given, so nothing was exported


def test_a_bad_filter_on_the_page_is_explained_not_run(server, log):
    text = page(client_as(server, ADMIN), "?since=yesterday")
    assert "The search was not run as asked" in text and "YYYY-MM-DD" in text


def test_the_admins_view_reads_cleanly(server, log):
    """What the page walk (signed out: the panel) cannot see: the admin's view, with no forbidden word, one H1, a
    labelled form field for each filter and a table headed by column."""
    with server.test_request_context(audit.PAGE_PATH):
        sign_in(ADMIN)
        laid_out = dash.page_registry["pages.admin_audit"]["layout"](who="olu")
    assert forbidden("\n".join(tree.texts(laid_out))) == []
    assert len(tree.find(laid_out, lambda n: type(n).__name__ == "H1")) == 1
    labels = {n.htmlFor for n in tree.find(laid_out, lambda n: type(n).__name__ == "Label")}
    assert labels == {f"{admin_audit_form()}-{k}" for k in audit.SEARCH_KEYS}
    headers = tree.find(laid_out, lambda n: type(n).__name__ == "Th" and getattr(n, "scope", None) == "col")
    assert len(headers) == 11
    assert "Olu Officer" in tree.text(laid_out)


def admin_audit_form() -> str:
    import sys

    return sys.modules[dash.page_registry["pages.admin_audit"]["module"]].FORM
