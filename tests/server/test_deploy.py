"""Served as the Dockerfile serves it (gunicorn, scripts/gunicorn.conf.py) on loopback, from a warehouse in a
folder the app may not write (read-only where the test runs as a user chmod binds; as root, a folder the app is
shown to write nothing to): every line on stderr is JSON, one per request with its id and no access-log twin;
the health checks answer; the Dockerfile's HEALTHCHECK command passes against it and fails where nothing answers.
And SEND_TEMP_DIR moves DuckDB's spill space away from the warehouse."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest

from bench import server as bench_server
from dashboard import warm
from data.settings import settings
from data.warehouse.connect import HOST, open_readonly
from tests.server.conftest import SAMPLE

ROOT = Path(__file__).resolve().parents[2]
AS_ROOT = os.geteuid() == 0


def _get(url: str, request_id: str, body: dict | None = None) -> tuple[int, dict[str, str], bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"X-Request-Id": request_id,
                                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _healthcheck() -> list[str]:
    """The Dockerfile's HEALTHCHECK command (exec form), to run here with this Python."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    found = re.search(r"^HEALTHCHECK\b.*?\bCMD\s+(\[.*\])\s*$", text, re.M)
    assert found, "the Dockerfile has no HEALTHCHECK in exec form"
    command = json.loads(found.group(1))
    assert command[0] == "python"  # the image's Python: the slim image has no curl
    return [sys.executable, *command[1:]]


def _check(port: str | int) -> int:
    return subprocess.run(_healthcheck(), env={**os.environ, "PORT": str(port)}, capture_output=True,
                          timeout=30).returncode


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """gunicorn on a copy of the sample in a folder made read-only (chmod 555), spilling to a folder of its own:
    what a load balancer and a reader asked and were answered, the Dockerfile's health check run against it, the
    folder's listing before and after, and the server's log read once it has stopped (every line complete)."""
    if not SAMPLE.exists():
        pytest.fail("the sample warehouse is missing: run `python -m data sample` first (scripts/test.sh does)")
    base = tmp_path_factory.mktemp("deploy")
    folder = base / "warehouse"
    folder.mkdir()
    shutil.copyfile(SAMPLE, folder / "warehouse.duckdb")
    found = {"before": sorted(p.name for p in folder.iterdir())}
    folder.chmod(0o555)
    env = {"SEND_TEMP_DIR": str(base / "spill"), "SEND_AUDIT_LOG": str(base / "audit.jsonl")}
    try:
        with bench_server.gunicorn(base / "server", folder / "warehouse.duckdb", workers=1, threads=2, timeout=90,
                                   env=env) as running:
            url = running.url
            found["answers"] = {
                "hz-1": _get(f"{url}/healthz", "hz-1"),
                "rz-1": _get(f"{url}/readyz", "rz-1"),
                "page-1": _get(f"{url}/board?area=E06000023&caseworker=Jane", "page-1"),
                "cb-1": _get(f"{url}/_dash-update-component", "cb-1", warm.page_request("/board", "")),
                "bad id!": _get(f"{url}/board", "bad id!"),
            }
            found["check"] = _check(url.rsplit(":", 1)[1])
            log = running.log
        found["check_nobody"] = _check(bench_server.free_port())
        found["after"] = sorted(p.name for p in folder.iterdir())
        try:
            (folder / "probe").write_text("x")
            found["writable"] = True
        except PermissionError:
            found["writable"] = False
        found["log"] = log.read_text(encoding="utf-8")
    except bench_server.ServerError as exc:
        pytest.fail(str(exc))
    finally:
        folder.chmod(0o755)
    return found


def test_the_health_checks_answer_from_a_read_only_folder(run):
    status, _headers, body = run["answers"]["hz-1"]
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    status, headers, body = run["answers"]["rz-1"]
    with duckdb.connect(str(SAMPLE), read_only=True) as con:
        version = con.execute("SELECT value FROM warehouse_info WHERE key = 'version'").fetchone()[0]
    assert status == 200 and json.loads(body)["version"] == version
    assert headers["X-Request-Id"] == "rz-1"


def test_pages_are_drawn_from_a_read_only_folder_which_stays_untouched(run):
    status, _headers, body = run["answers"]["cb-1"]
    assert status == 200 and b"_pages_content" in body  # the board drawn: its figures read from the warehouse
    assert run["answers"]["page-1"][0] == 200
    assert run["after"] == run["before"]  # nothing written beside the warehouse


@pytest.mark.skipif(AS_ROOT, reason="run as root, where chmod 555 does not stop writes: the folder is shown "
                                    "untouched above, not unwritable (a non-root run checks that)")
def test_the_folder_served_from_was_really_read_only(run):
    assert not run["writable"]


def test_every_line_is_json_once_per_request_and_gunicorn_adds_no_access_line(run):
    text = run["log"]
    parsed = [json.loads(line) for line in text.splitlines() if line.strip()]  # a line that is not JSON fails
    assert any(p["logger"] == "gunicorn.error" and p["message"].startswith("Booting worker") for p in parsed)
    for request_id, path in (("page-1", "/board"), ("cb-1", "/_dash-update-component")):
        mine = [p for p in parsed if p.get("request_id") == request_id and "status" in p]
        assert len(mine) == 1 and mine[0]["path"] == path and mine[0]["status"] == 200
    given = run["answers"]["bad id!"][1]["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", given)
    assert [p["path"] for p in parsed if p.get("request_id") == given] == ["/board"]
    assert "Jane" not in text  # a query's value
    assert not [p for p in parsed if p.get("request_id") in ("hz-1", "rz-1")]  # healthy checks at DEBUG only
    assert not re.search(r'"(GET|POST) /\S* HTTP/1\.[01]" \d{3}', text), "gunicorn's access log is on again"


def test_the_dockerfile_healthcheck_passes_against_the_server_and_fails_without_one(run):
    assert run["check"] == 0
    assert run["check_nobody"] != 0


def test_the_dockerfile_runs_as_a_user_and_spills_away_from_a_read_only_mount():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^ENV\b.*\bSEND_TEMP_DIR=/tmp/\S+", text, re.M)


@pytest.fixture
def fresh_settings():
    settings.cache_clear()
    yield
    settings.cache_clear()


def _spill_folder(path: Path) -> str:
    con = open_readonly(path)
    try:
        return con.execute("SELECT current_setting('temp_directory')").fetchone()[0]
    finally:
        con.close()


def test_spill_space_is_beside_the_warehouse_unless_send_temp_dir_says_elsewhere(monkeypatch, tmp_path,
                                                                                 fresh_settings):
    monkeypatch.delenv("SEND_TEMP_DIR", raising=False)
    first, second = Path(_spill_folder(SAMPLE)), Path(_spill_folder(SAMPLE))
    assert first.parent == SAMPLE.parent and first.name.startswith("warehouse.duckdb.tmp-")
    assert second.parent == first.parent and second != first  # each DuckDB instance spills apart
    assert not first.exists()  # made only by a query that spills
    monkeypatch.setenv("SEND_TEMP_DIR", str(tmp_path / "spill"))
    # a worker killed mid-query left its folder: the first instance this process opens there removes it
    killed = subprocess.Popen([sys.executable, "-c", "pass"])
    killed.wait()
    left = tmp_path / "spill" / f"instance-{HOST}-{killed.pid}-1"
    left.mkdir(parents=True)
    (left / "duckdb_temp_storage-0.tmp").write_bytes(b"spilled")
    assert Path(_spill_folder(SAMPLE)).parent == tmp_path / "spill"
    assert not left.exists()
