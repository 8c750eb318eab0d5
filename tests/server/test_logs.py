"""Structured logs (dashboard/logs.py): one JSON line on stderr per request, carrying its request id (the caller's
when it is a safe token, else a new one, returned in X-Request-Id), who asked as roles per council and never a
name, and of the query string the parameters' names only. A failure is logged as JSON with the same id and its
traceback, and the audit entry of the same request carries the same id."""

from __future__ import annotations

import json
import logging
import re

import pytest

from dashboard import health, logs, views, warm
from tests.identity import HOME
from tests.server.officer_views import entries

NEW_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def server(sample_server):
    return sample_server


def lines(capsys) -> list[dict]:
    """Every line written to stderr since the last call, each parsed (a line that is not JSON fails the test)."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]


def request_line(capsys, request_id: str) -> dict:
    found = [line for line in lines(capsys) if line.get("request_id") == request_id and "status" in line]
    assert len(found) == 1, f"expected one request line with id {request_id}, found {found}"
    return found[0]


def test_one_json_line_per_request_without_names_or_query_values(server, capsys):
    capsys.readouterr()
    answer = server.test_client(role="officer").get(
        "/board?area=E06000023&caseworker=Jane%20Smith&period=2024", headers={"X-Request-Id": "lb-7f3a.9:01"})
    assert answer.status_code == 200
    assert answer.headers["X-Request-Id"] == "lb-7f3a.9:01"
    raw = capsys.readouterr().err
    line = next(json.loads(text) for text in raw.splitlines() if '"lb-7f3a.9:01"' in text)
    assert line["level"] == "INFO" and line["logger"] == "dashboard.requests"
    assert line["method"] == "GET" and line["path"] == "/board" and line["status"] == 200
    assert line["query"] == ["area", "caseworker", "period"]  # the names, never the values
    assert isinstance(line["duration_ms"], float) and 0 <= line["duration_ms"] < 60_000
    assert line["roles"] == {HOME: ["officer"]} and line["auth"] == "test"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    for private in ("Jane", "Smith", "Test officer", "test:officer"):
        assert private not in raw, f"{private!r} reached the log"


def test_a_signed_out_request_says_so(server, capsys):
    capsys.readouterr()
    answer = server.test_client(role=None).get("/board", headers={"X-Request-Id": "anon-1"})
    line = request_line(capsys, "anon-1")
    assert answer.headers["X-Request-Id"] == "anon-1"
    assert line["roles"] == {} and line["auth"] == "anonymous" and line["query"] == []


def test_a_refused_request_is_logged_without_reading_its_session(server, capsys):
    capsys.readouterr()
    answer = server.test_client(role="officer").post("/_dash-update-component", data="not json",
                                                      content_type="text/plain", headers={"X-Request-Id": "forged-1"})
    assert answer.status_code == 400
    assert "Set-Cookie" not in answer.headers  # the session was neither read nor renewed
    line = request_line(capsys, "forged-1")
    assert line["status"] == 400 and line["auth"] == "unread" and line["roles"] == {}


@pytest.mark.parametrize("asked", ["x" * 65, "has space", "tab\tinside", "a%0Ab", "quote\"d", "<script>", "é-accent", ""])
def test_an_unsafe_request_id_is_replaced(server, capsys, asked):
    capsys.readouterr()
    answer = server.test_client(role=None).get("/board", headers={"X-Request-Id": asked})
    given = answer.headers["X-Request-Id"]
    assert NEW_ID.fullmatch(given) and given != asked
    assert request_line(capsys, given)["path"] == "/board"


def test_requests_without_an_id_get_different_ones(server):
    client = server.test_client(role=None)
    ids = {client.get("/board").headers["X-Request-Id"] for _ in range(3)}
    assert len(ids) == 3 and all(NEW_ID.fullmatch(i) for i in ids)


def test_a_callback_line_names_its_output_not_what_was_sent(server, capsys):
    capsys.readouterr()
    answer = server.test_client(role="officer").post(
        "/_dash-update-component", data=json.dumps(warm.page_request("/casework", "?caseworker=Jane%20Smith")),
        content_type="application/json", headers={"X-Request-Id": "cb-1"})
    assert answer.status_code == 200
    raw = capsys.readouterr().err
    line = next(json.loads(text) for text in raw.splitlines() if '"cb-1"' in text and '"status"' in text)
    assert line["method"] == "POST" and line["path"] == "/_dash-update-component"
    assert line["callback"] == warm.CONTENT
    assert "Jane" not in raw and "/casework" not in raw


def test_a_failure_is_logged_as_json_with_the_request_id_and_traceback(server, capsys, monkeypatch):
    def broken(_path):
        raise RuntimeError("readiness broke on purpose")

    monkeypatch.setattr(health, "readiness", broken)
    capsys.readouterr()
    answer = server.test_client(role=None).get("/readyz", headers={"X-Request-Id": "fail-1"})
    assert answer.status_code == 500
    assert "broke" not in answer.get_data(as_text=True)  # the traceback goes to the log, never to the client
    assert answer.headers["X-Request-Id"] == "fail-1"
    mine = [line for line in lines(capsys) if line.get("request_id") == "fail-1"]
    failure = [line for line in mine if "traceback" in line]
    assert len(failure) == 1 and failure[0]["level"] == "ERROR"
    assert "RuntimeError: readiness broke on purpose" in failure[0]["traceback"]
    assert "Traceback (most recent call last)" in failure[0]["traceback"]
    [request] = [line for line in mine if "status" in line]
    assert request["status"] == 500 and request["level"] == "ERROR"


def test_a_page_that_fails_logs_its_parameters_names_never_their_values(server, caplog, monkeypatch):
    import dash

    def broken():
        raise RuntimeError("the engine broke on purpose")

    monkeypatch.setattr(views, "get_engine", broken)
    board = next(page for page in dash.page_registry.values() if page["path"] == "/board")
    with server.test_request_context("/board"), caplog.at_level(logging.ERROR, logger="dashboard"):
        shown = str(board["layout"](area="E06000023", caseworker="Jane Smith"))
    assert "Something went wrong" in shown and "broke" not in shown
    [failed] = [record.getMessage() for record in caplog.records if "failed for" in record.getMessage()]
    assert "caseworker" in failed and "Jane" not in failed


def test_the_development_servers_access_lines_are_left_out():
    logs.configure()  # werkzeug writes each request's whole URL, query values and all, at INFO
    assert not logging.getLogger("werkzeug").isEnabledFor(logging.INFO)


def test_health_checks_log_only_when_they_fail(server, capsys, monkeypatch, tmp_path):
    client = server.test_client(role=None)
    capsys.readouterr()
    client.get("/healthz", headers={"X-Request-Id": "hc-1"})
    client.get("/readyz", headers={"X-Request-Id": "hc-2"})
    assert not [line for line in lines(capsys) if line.get("request_id") in ("hc-1", "hc-2")]
    monkeypatch.setenv("SEND_WAREHOUSE", str(tmp_path / "missing.duckdb"))
    assert client.get("/readyz", headers={"X-Request-Id": "hc-3"}).status_code == 503
    line = request_line(capsys, "hc-3")
    assert line["status"] == 503 and line["level"] == "ERROR"


def test_the_audit_entry_carries_the_same_request_id(server, log):
    officer = server.test_client(role="officer")
    given = officer.get("/casework/open-cases.csv", headers={"X-Request-Id": "audit-1"})
    made = officer.get("/casework/open-cases.csv")
    assert given.status_code == made.status_code == 200
    ids = [entry["request_id"] for entry in entries(log)]
    assert ids == ["audit-1", made.headers["X-Request-Id"]]
