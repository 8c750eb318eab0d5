"""The administration page: what is loaded and who may sign in, for administrators of the council only."""

from __future__ import annotations

import io
import json

import duckdb
import pytest

from dashboard import users, warm
from tests.server.conftest import SAMPLE

PASSWORD = "correct horse battery"


@pytest.fixture
def local_server(sample_server, tmp_path, monkeypatch):
    path = tmp_path / "users.yaml"
    for login, council, role in [("ada", "E06000023", "admin"), ("bob", "E06000023", "partner"),
                                 ("kim", "E10000016", "officer")]:
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        users.main(["--file", str(path), "add", login, "--council", council, "--role", role, "--password-stdin"])
    monkeypatch.setenv("SEND_AUTH", "local")
    monkeypatch.setenv("SEND_USERS_FILE", str(path))
    monkeypatch.setenv("SEND_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    return sample_server


def _page(client) -> str:
    answer = client.post("/_dash-update-component", data=json.dumps(warm.page_request("/admin", "")),
                         content_type="application/json")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_an_administrator_sees_the_load_and_the_councils_accounts(local_server, tmp_path):
    with duckdb.connect(str(SAMPLE), read_only=True) as con:
        people = con.execute("SELECT count(*) FROM person").fetchone()[0]
        reference = con.execute("SELECT value FROM warehouse_info WHERE key = 'reference_date'").fetchone()[0]
    text = _page(local_server.test_client(role="admin"))
    assert "Bristol, City of (E06000023)" in text and reference in text
    assert '"person"' in text and f"{people:,}" in text
    assert "ada" in text and "admin in E06000023" in text and "partner in E06000023" in text
    assert "kim" not in text  # Kent's officer: not a council this administrator holds
    assert "chain intact" in text
    entry = json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[-1])
    assert entry["action"] == "view" and entry["target"] == "/admin"


@pytest.mark.parametrize(("role", "council"), [(None, "E06000023"), ("partner", "E06000023"),
                                               ("officer", "E06000023")])
def test_anyone_else_gets_the_panel_and_nothing_of_the_load(local_server, tmp_path, role, council):
    text = _page(local_server.test_client(role=role, council=council))
    assert "This page is for administrators" in text
    assert "Warehouse version" not in text and "ada" not in text and "bob" not in text
    entry = json.loads((tmp_path / "audit.jsonl").read_text().splitlines()[-1])
    assert entry["action"] == "denied" and entry["target"] == "/admin"


def test_an_administrator_of_another_council_sees_nothing_of_this_one(local_server):
    text = _page(local_server.test_client(role="admin", council="E10000016"))
    assert "another council's, which you do not administer" in text
    assert "Warehouse version" not in text and "ada" not in text and "bob" not in text
    assert "kim" in text  # their own council's officer
