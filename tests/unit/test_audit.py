"""The audit log: every entry holds what it was given, the hash chain shows an edited, deleted or reordered line
by its number, concurrent writers keep one chain, and the CSV never carries a formula."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from datetime import date

import flask
import pytest

from dashboard import audit
from dashboard.identity import Role, User, sign_in
from data.settings import settings

ALICE = User("oidc:alice", "Alice Admin", {"E06000023": frozenset({Role.ADMIN, Role.OFFICER})}, "oidc")
BOB = User("oidc:bob", "Bob Officer", {"E08000025": frozenset({Role.OFFICER})}, "oidc")


@pytest.fixture
def log(tmp_path, monkeypatch):
    path = tmp_path / "audit" / "audit.jsonl"
    monkeypatch.setenv("SEND_AUDIT_LOG", str(path))
    settings.cache_clear()
    return path


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("SEND_CACHE_DIR", str(tmp_path / "cache"))  # where revoked sessions are looked up
    app = flask.Flask(__name__)
    app.secret_key = "a test key that is long enough for signing"
    return app


def as_person(app, user: User, **request):
    """A request context with `user` signed in (as the sign-in routes will do)."""
    ctx = app.test_request_context("/somewhere", **request)
    ctx.push()
    sign_in(user)
    return ctx


def lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def write_three(path):
    for n in range(3):
        audit.record("view", target=f"/page/{n}")
    return lines(path)


# --- an entry -----------------------------------------------------------------------------------------------

def test_an_entry_holds_every_field_with_the_values_passed(log, app):
    ctx = as_person(app, ALICE, environ_base={"REMOTE_ADDR": "10.1.2.3"}, headers={"X-Request-ID": "req-42"})
    try:
        audit.record("view", target="/tracker", council="e06000023", filters={"team": "North", "stage": "draft"},
                     child_ids=["P001", "P002", "P003"], outcome="ok")
    finally:
        ctx.pop()
    [line] = lines(log)
    entry = json.loads(line)
    assert list(entry) == list(audit.FIELDS)
    assert entry["user"] == "oidc:alice" and entry["name"] == "Alice Admin"
    assert entry["roles"] == "admin, officer in E06000023"
    assert entry["councils"] == ["E06000023"]
    assert entry["council"] == "E06000023"
    assert (entry["action"], entry["target"], entry["outcome"]) == ("view", "/tracker", "ok")
    assert entry["filters"] == {"stage": "draft", "team": "North"}
    assert entry["child_records"] == 3 and entry["child_ids"] == ["P001", "P002", "P003"]
    assert (entry["request_id"], entry["remote_addr"]) == ("req-42", "10.1.2.3")
    assert entry["prev"] == audit.GENESIS
    assert len(entry["time"]) == 20 and entry["time"].endswith("Z")  # 2026-01-31T09:15:02Z: UTC, to the second
    assert date.fromisoformat(entry["time"][:10]) <= date.today()


def test_a_signed_out_visitor_is_recorded_as_nobody(log):
    audit.record("denied", target="/admin/audit", outcome="signed out")
    entry = json.loads(lines(log)[0])
    assert (entry["user"], entry["roles"], entry["councils"], entry["remote_addr"]) == ("", "no role", [], None)


def test_passwords_and_session_contents_are_never_written(log, app):
    ctx = as_person(app, ALICE)
    try:
        audit.record("sign-in-failed", target="/sign-in", filters={"username": "alice", "password": "hunter2",
                                                                    "session": "s3ss10n", "csrf_token": "t0k3n"})
    finally:
        ctx.pop()
    text = log.read_text(encoding="utf-8")
    assert json.loads(text)["filters"] == {"username": "alice"}
    for secret in ("hunter2", "s3ss10n", "t0k3n", '"sid"', '"issued"'):
        assert secret not in text


def test_child_ids_make_the_answer_uncached(log, app):
    with app.test_request_context("/x"):
        audit.record("view", target="/x")
        assert not flask.g.get("dont_keep")
        audit.record("view", target="/x", child_ids=["P001"])
        assert flask.g.get("dont_keep") is True


def test_a_bad_action_or_a_single_id_string_is_refused(log):
    with pytest.raises(ValueError):
        audit.record("View Everything", target="/x")
    with pytest.raises(TypeError):
        audit.record("view", target="/x", child_ids="P001")
    assert not log.exists()


def test_the_log_is_readable_by_its_owner_alone(log):
    audit.record("view", target="/x")
    assert log.stat().st_mode & 0o077 == 0
    assert log.parent.stat().st_mode & 0o077 == 0


# --- the chain ----------------------------------------------------------------------------------------------

def test_each_entry_carries_the_hash_of_the_line_before(log):
    first, second, third = write_three(log)
    assert json.loads(first)["prev"] == "0" * 64
    assert json.loads(second)["prev"] == hashlib.sha256(first.encode()).hexdigest()
    assert json.loads(third)["prev"] == hashlib.sha256(second.encode()).hexdigest()
    result = audit.check(log)
    assert (result.entries, result.problems, result.summary()) == (3, [], "3 entries, chain intact")
    assert result.head == hashlib.sha256(third.encode()).hexdigest()
    assert audit.verify(log) == []


def test_an_edited_line_is_named(log):
    first, second, third = write_three(log)
    log.write_text("\n".join([first, second.replace("/page/1", "/page/9"), third]) + "\n", encoding="utf-8")
    assert audit.verify(log) == ["line 3: does not follow line 2 (line 2 was edited, or lines were deleted or "
                                 "moved here)"]


def test_a_deleted_line_is_named(log):
    first, second, third = write_three(log)
    log.write_text("\n".join([first, third]) + "\n", encoding="utf-8")
    assert [p.split(":")[0] for p in audit.verify(log)] == ["line 2"]
    log.write_text("\n".join([second, third]) + "\n", encoding="utf-8")
    assert audit.verify(log) == ["line 1: does not start the chain (an entry before it was deleted, or it was "
                                 "edited)"]


def test_reordered_lines_are_named(log):
    first, second, third = write_three(log)
    log.write_text("\n".join([first, third, second]) + "\n", encoding="utf-8")
    assert [p.split(":")[0] for p in audit.verify(log)] == ["line 2", "line 3"]


def test_a_line_that_is_not_an_entry_is_named_and_the_next_one_chains_on(log):
    first, second, _ = write_three(log)
    log.write_text("\n".join([first, second[:40]]) + "\n", encoding="utf-8")  # cut short by a crash
    assert audit.verify(log) == ["line 2: not a complete entry (edited, or cut short)"]
    with log.open("ab") as file:
        file.write(b'{"partial')  # a crash mid-line, then a new entry
    audit.record("view", target="/after")
    problems = audit.verify(log)
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 3"]  # the new entry is on line 4, chained
    assert json.loads(lines(log)[3])["target"] == "/after"


def test_lines_cut_from_the_end_are_caught_by_a_noted_head(log):
    write_three(log)
    head = audit.check(log).head
    log.write_text("\n".join(lines(log)[:2]) + "\n", encoding="utf-8")
    assert audit.verify(log) == []  # a chain alone cannot see its end cut off
    assert len(audit.check(log, head).problems) == 1


def test_four_threads_writing_at_once_keep_one_chain(log):
    def write(n: int) -> None:
        for i in range(50):
            audit.record("view", target=f"/thread/{n}/{i}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = audit.check(log)
    assert (result.entries, result.problems) == (200, [])
    assert sorted(json.loads(line)["target"] for line in lines(log)) == sorted(
        f"/thread/{n}/{i}" for n in range(4) for i in range(50))


def test_the_command_prints_the_count_and_fails_on_a_problem(log, capsys):
    first, second, third = write_three(log)
    assert audit.main(["verify"]) == 0
    out = capsys.readouterr().out
    assert "3 entries, chain intact" in out
    log.write_text("\n".join([first, third]) + "\n", encoding="utf-8")
    assert audit.main(["verify", "--log", str(log)]) == 1
    out = capsys.readouterr().out
    assert "2 entries, chain broken: 1 problem(s)" in out and "line 2: does not follow line 1" in out


# --- searching ----------------------------------------------------------------------------------------------

def test_search_filters_newest_first_and_scopes_to_councils(log, app):
    ctx = as_person(app, ALICE)
    audit.record("sign-in", target="/sign-in")
    audit.record("view", target="/tracker", council="E06000023", child_ids=["P9"])
    audit.record("export", target="/download/x.csv", council="E06000023", filters={"ward": "Lawrence Hill"})
    ctx.pop()
    ctx = as_person(app, BOB)
    audit.record("sign-in", target="/sign-in")
    audit.record("view", target="/tracker", council="E08000025", child_ids=["Q1"])
    ctx.pop()
    everything = audit.entries(log)
    assert [e["line"] for e in everything] == [5, 4, 3, 2, 1]
    bristol = audit.entries(log, councils={"E06000023"})
    assert [e["line"] for e in bristol] == [3, 2, 1]  # Bob's sign-in and views are Birmingham's
    assert [e["line"] for e in audit.entries(log, who="bob")] == [5, 4]
    assert [e["line"] for e in audit.entries(log, action="sign-in")] == [4, 1]
    assert [e["line"] for e in audit.entries(log, council="E08000025")] == [5]
    assert [e["line"] for e in audit.entries(log, text="lawrence")] == [3]
    assert [e["line"] for e in audit.entries(log, text="q1")] == [5]
    assert [e["line"] for e in audit.entries(log, limit=2)] == [5, 4]
    today = date.today()
    assert len(audit.entries(log, since=today, until=today)) == 5
    assert audit.entries(log, until=date(2000, 1, 1)) == []


def test_a_search_from_a_query_is_checked():
    mine = {"E06000023"}
    found = audit.parse_search({"who": ["alice"], "since": "2026-01-01", "council": "e06000023"}, mine)
    assert found == audit.Search(who="alice", council="E06000023", since=date(2026, 1, 1))
    assert found.query() == {"who": "alice", "council": "E06000023", "since": "2026-01-01"}
    for bad, status in [({"since": "31/01/2026"}, 400), ({"until": "2026-02-30"}, 400),
                        ({"since": "2026-02-01", "until": "2026-01-01"}, 400), ({"action": "delete"}, 400),
                        ({"council": "'; DROP TABLE x"}, 400), ({"council": "E08000025"}, 403),
                        ({"who": "x" * 101}, 400), ({"text": "a\x00b"}, 400), ({"sort": "time"}, 400),
                        ({"who": ["a", "b"]}, 400)]:
        with pytest.raises(audit.BadSearch) as caught:
            audit.parse_search(bad, mine)
        assert caught.value.status == status, bad


def test_the_csv_neutralises_formulas(log, app):
    payload = '=HYPERLINK("http://x")'
    ctx = as_person(app, User("oidc:eve", payload, {"E06000023": frozenset({Role.OFFICER})}, "oidc"))
    audit.record("export", target=payload, council="E06000023", filters={"school": payload}, child_ids=["+1", "@2"],
                 outcome="-bad")
    ctx.pop()
    rows = list(csv.reader(io.StringIO(audit.to_csv(audit.entries(log)))))
    assert rows[0] == audit.CSV_HEADERS
    [row] = rows[1:]
    cells = dict(zip(rows[0], row, strict=True))
    assert cells["Person"] == "'" + payload and cells["Target"] == "'" + payload
    assert cells["Child ids"] == "'+1 @2" and cells["Outcome"] == "'-bad"
    assert json.loads(cells["Filters"]) == {"school": payload}  # inside the JSON, never the cell's first character
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)
