"""/healthz and /readyz (dashboard/health.py): no sign-in, nothing beyond what is loaded, not audited, not kept;
readiness refuses a missing, truncated or foreign warehouse with the reason and what to run.

The expected values are read from the sample file by a plain DuckDB connection of the test's own (and the file's
modification time from the file system), not from the app's code."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime

import duckdb
import pytest

from dashboard import health
from data.settings import settings
from data.warehouse.model import MODEL_VERSION
from tests.server.conftest import SAMPLE

READY_KEYS = {"status", "version", "model_version", "reference_date", "built", "councils"}


@pytest.fixture(scope="module")
def server(sample_server):
    return sample_server


@pytest.fixture(autouse=True)
def fresh_answers():
    health._last.clear()
    yield
    health._last.clear()
    settings.cache_clear()


def _point_at(monkeypatch, path) -> None:
    monkeypatch.setenv("SEND_WAREHOUSE", str(path))


def test_liveness_answers_anyone_without_a_session(server):
    answer = server.test_client(role=None).get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {"status": "ok"}
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in answer.headers


def test_readiness_says_what_is_loaded_and_nothing_more(server):
    with duckdb.connect(str(SAMPLE), read_only=True) as con:
        info = dict(con.execute("SELECT key, value FROM warehouse_info").fetchall())
        councils = con.execute("SELECT count(*) FROM loads").fetchone()[0]
    built = datetime.fromtimestamp(SAMPLE.stat().st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    answer = server.test_client(role=None).get("/readyz")
    assert answer.status_code == 200
    body = answer.get_json()
    assert set(body) == READY_KEYS
    assert body == {"status": "ready", "version": info["version"], "model_version": str(MODEL_VERSION),
                    "reference_date": info["reference_date"], "built": built, "councils": councils}
    assert councils == 1  # the sample holds Bristol alone
    assert answer.headers["Cache-Control"] == "no-store"
    # an officer is told exactly what a signed-out load balancer is told
    assert server.test_client(role="officer").get("/readyz").get_json() == body


def test_readiness_refuses_a_missing_warehouse(server, monkeypatch, tmp_path):
    missing = tmp_path / "nothing-here.duckdb"
    _point_at(monkeypatch, missing)
    answer = server.test_client(role=None).get("/readyz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["status"] == "unavailable"
    assert f"No warehouse at {missing}" in body["reason"]
    assert "python -m data sample" in body["reason"] and "python -m data ingest" in body["reason"]
    assert server.test_client(role=None).get("/healthz").status_code == 200  # alive, only not ready


def _truncated(path) -> None:
    with open(SAMPLE, "rb") as whole, open(path, "wb") as cut:
        cut.write(whole.read(1 << 20))  # the first MB of 66: the header is there, the tables are not


def _foreign_duckdb(path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE customers (id INTEGER)")


def _unversioned(path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE warehouse_info (key VARCHAR, value VARCHAR)")
        con.execute("INSERT INTO warehouse_info VALUES ('model_version', '3')")


@pytest.mark.parametrize(("make", "says"), [
    (_truncated, "cannot be read: it is damaged (truncated or corrupt) or was not built by this product"),
    (lambda path: path.write_text("id,name\n1,not a database\n"),
     "cannot be read: it is damaged (truncated or corrupt) or was not built by this product"),
    (_foreign_duckdb, "cannot be read: it is damaged (truncated or corrupt) or was not built by this product"),
    (_unversioned, "has no version record"),
], ids=["truncated", "text", "another-duckdb", "no-version"])
def test_readiness_refuses_a_warehouse_that_is_not_whole_or_not_ours(server, monkeypatch, tmp_path, make, says):
    path = tmp_path / "warehouse.duckdb"
    make(path)
    _point_at(monkeypatch, path)
    answer = server.test_client(role=None).get("/readyz")
    assert answer.status_code == 503
    reason = answer.get_json()["reason"]
    assert says in reason and str(path) in reason
    assert "python -m data ingest" in reason  # what to run
    if "corrupt" in says:  # no load before it is kept here: nothing to roll back to, and it says so
        assert "No previous load is kept beside it" in reason


def test_a_file_another_program_holds_for_writing_is_not_called_damaged(server, monkeypatch, tmp_path):
    """DuckDB refuses to open a file another process holds read-write: that is no reason to roll back."""
    held = tmp_path / "warehouse.duckdb"
    shutil.copyfile(SAMPLE, held)
    (tmp_path / "warehouse.duckdb.previous").write_bytes(b"")  # a rollback would be offered, were it damage
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               "con = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(120)",
                               str(held)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        _point_at(monkeypatch, held)
        answer = server.test_client(role=None).get("/readyz")
        reason = answer.get_json()["reason"]
        assert answer.status_code == 503 and "cannot be opened now" in reason and "lock" in reason.lower()
        assert "The file is not damaged" in reason and "rollback" not in reason and "damaged (" not in reason
    finally:
        holder.kill()
        holder.wait()


def test_a_refusal_is_reused_for_a_few_seconds_too(server, monkeypatch, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _truncated(path)
    _point_at(monkeypatch, path)
    opened = []
    real = health.open_readonly
    monkeypatch.setattr(health, "open_readonly", lambda p: opened.append(p) or real(p))
    client = server.test_client(role=None)
    answers = [client.get("/readyz") for _ in range(3)]
    assert [a.status_code for a in answers] == [503] * 3 and len({a.get_json()["reason"] for a in answers}) == 1
    assert len(opened) == 1  # a load balancer asking every second does not reopen a damaged file each time


def test_a_file_swapped_under_the_name_is_seen_at_once(server, monkeypatch, tmp_path):
    """The answer is reused for a few seconds only while the name points at the same file."""
    live = tmp_path / "warehouse.duckdb"
    shutil.copyfile(SAMPLE, live)
    _point_at(monkeypatch, live)
    client = server.test_client(role=None)
    assert client.get("/readyz").status_code == 200
    cut = tmp_path / "cut.duckdb"
    _truncated(cut)
    os.replace(cut, live)  # as a bad copy landing under the live name
    answer = client.get("/readyz")
    assert answer.status_code == 503, "a stale 'ready' was served for a file that is no longer there"
    assert "corrupt" in answer.get_json()["reason"]


def test_readiness_opens_the_file_once_in_a_few_seconds(server, monkeypatch):
    opened = []
    real = health.open_readonly
    monkeypatch.setattr(health, "open_readonly", lambda path: opened.append(path) or real(path))
    client = server.test_client(role=None)
    for _ in range(5):
        assert client.get("/readyz").status_code == 200
    assert len(opened) == 1
    monkeypatch.setattr(health, "REUSE_S", 0.0)
    assert client.get("/readyz").status_code == 200
    assert len(opened) == 2


def test_health_checks_are_neither_audited_nor_kept(server, monkeypatch, tmp_path):
    log = tmp_path / "audit.jsonl"
    monkeypatch.setenv("SEND_AUDIT_LOG", str(log))
    from dashboard import response_cache

    officer = server.test_client(role="officer")
    for path in health.PATHS:
        assert officer.get(path).status_code == 200
        with server.test_request_context(path):
            assert response_cache._current_key() is None  # never looked up in, nor written to, the kept answers
    assert not log.exists()
