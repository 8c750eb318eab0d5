"""Faults of a load, with real processes: `python -m data ingest` killed before its swap, two loads at once, a
damaged live warehouse put right with `python -m data rollback`, and a disk that fills up during a load.

Each test works on copies in its own temporary folder: the fixture extract's warehouse (built once, through the
real ingest, by `indicators.testing`) as the live one, and the fixture extract as the files loaded. Where the app
matters, gunicorn serves the live warehouse (`bench.server`), and what it answers is what a reader would see:
the officer's workbook of requests received in 2025 (`/download/ehcp_requests.xlsx`), whose Data sheet holds the
figure (the fixture holds one such request, R8) and whose Metadata sheet the warehouse version.
"""

from __future__ import annotations

import calendar
import getpass
import hashlib
import io
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.server import gunicorn, stop
from dashboard.warm import page_request
from data import __main__ as data_cli
from data.warehouse.connect import open_readonly, warehouse_info
from indicators.testing import FIXTURE_DIR, FIXTURE_LA, fixture_warehouse
from tests.identity import session_cookie
from tests.server.conftest import SAMPLE

ROOT = Path(__file__).resolve().parents[2]
WORKBOOK = "/download/ehcp_requests.xlsx?area=E06000023&period=2025"
OFFICER = session_cookie("officer")  # the officer's workbook: the figure unsuppressed
FIXTURE_REQUESTS_2025 = 1  # R8, the fixture's one request received in 2025
STEP_TIMEOUT_S = 120  # the longest any one step may take on a busy machine before the test fails


@pytest.fixture(scope="module", autouse=True)
def _fixture_built() -> None:
    fixture_warehouse()  # once per process, before any test's own clock starts


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def version_of(path: Path) -> str:
    con = open_readonly(path)
    try:
        return warehouse_info(con)["version"]
    finally:
        con.close()


def live_copy(folder: Path) -> Path:
    """A live warehouse in `folder`: a copy of the fixture extract's."""
    folder.mkdir(parents=True, exist_ok=True)
    live = folder / "warehouse.duckdb"
    shutil.copyfile(fixture_warehouse(), live)
    return live


def environment(folder: Path) -> dict[str, str]:
    """The command line's settings: its own file cache, unbuffered output (the test reads it as it comes)."""
    env = {name: value for name, value in os.environ.items() if name not in ("SEND_CACHE_REDIS_URL", "SEND_WAREHOUSE")}
    return {**env, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT), "SEND_CACHE_DIR": str(folder / "cache")}


def data_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "data", *args]


def ingest_args(live: Path) -> list[str]:
    return data_command("ingest", "--warehouse", str(live), "--la", FIXTURE_LA, str(FIXTURE_DIR))


def run(command: list[str], folder: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=environment(folder), cwd=ROOT, capture_output=True, text=True,
                          timeout=STEP_TIMEOUT_S, **kwargs)


def start(command: list[str], folder: Path, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(command, env=environment(folder), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def wait_until(check: Callable[[], bool], what: str, process: subprocess.Popen | None = None,
               log: Path | None = None) -> None:
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while not check():
        if (process is not None and process.poll() is not None) or time.monotonic() > deadline:
            told = log.read_text(errors="replace")[-2000:] if log else ""
            raise AssertionError(f"never happened: {what}\n{told}")
        time.sleep(0.05)


def building_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.building-*"))


def workbook(base: str) -> tuple[int, str, float]:
    """(status, warehouse version, requests received in 2025) of the officer's workbook as the app serves it."""
    import openpyxl

    request = urllib.request.Request(base + WORKBOOK, headers={"Cookie": f"send_session={OFFICER}"})
    with urllib.request.urlopen(request, timeout=STEP_TIMEOUT_S) as answer:
        status, body = answer.status, answer.read()
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    data = list(book["Data"].iter_rows(values_only=True))
    column = {name: i for i, name in enumerate(data[0])}
    (total,) = [row[column["Value"]] for row in data[1:]
                if row[column["Period"]] == "2025" and row[column["Breakdown"]] == "Total"]
    version = next(value for label, value in book["Metadata"].iter_rows(max_col=2, values_only=True)
                   if label == "Warehouse version")
    return status, version, total


def serving(folder: Path, live: Path):
    """gunicorn on `live` (one worker, two threads: enough to answer a test, light on a busy machine)."""
    return gunicorn(folder / "server", live, workers=1, threads=2, timeout=STEP_TIMEOUT_S)


# --- 2. a load killed before its swap ---------------------------------------------------------------------

@pytest.mark.slow  # serves the app with gunicorn
def test_an_ingest_killed_before_its_swap_leaves_the_live_warehouse_serving_and_the_next_one_cleans_up(
        tmp_path, monkeypatch, capsys):
    live = live_copy(tmp_path / "live")
    before, first_version = sha256(live), version_of(live)
    with serving(tmp_path, live) as server:
        assert workbook(server.url) == (200, first_version, FIXTURE_REQUESTS_2025)

        log = tmp_path / "killed-ingest.log"
        load = start(ingest_args(live), tmp_path, log)
        building = live.with_name(f"{live.name}.building-{load.pid}")
        try:
            # its new warehouse is written and it has begun the facts (the prepare step), well before the swap
            wait_until(lambda: building.exists() and "Data-quality counts recorded" in log.read_text(),
                       "the load reaching its facts step", load, log)
            os.kill(load.pid, signal.SIGKILL)
            assert load.wait(timeout=STEP_TIMEOUT_S) == -signal.SIGKILL
        finally:
            stop(load)
        assert "Computed" not in log.read_text()  # killed inside the facts step, not after it

        assert sha256(live) == before  # byte for byte
        assert not live.with_name(live.name + ".previous").exists()  # no swap began
        assert building_files(live.parent) == [building]  # a killed process cleans nothing up
        assert workbook(server.url) == (200, first_version, FIXTURE_REQUESTS_2025)  # and the app still serves it

        # The next load: the command line, here in this process with its facts and warm-up (tested elsewhere) left
        # out, for time
        monkeypatch.setattr(data_cli, "_prepare", lambda _path, _live: None)
        assert data_cli.main(ingest_args(live)[3:]) == 0
        assert f"Removed {building.name}: a partial warehouse left by a load that was stopped" in capsys.readouterr().out
        assert building_files(live.parent) == []
        assert sha256(live.with_name(live.name + ".previous")) == before  # the old live one, kept as ever
        second_version = version_of(live)
        assert second_version != first_version
        status, served_version, _ = workbook(server.url)  # the running app moved to the new load
        assert (status, served_version) == (200, second_version)


def test_a_load_keeps_the_partial_warehouse_of_a_process_still_running(tmp_path):
    """Only the files of dead processes are removed: a name whose process runs (here, this test's own parent,
    which holds no lock) is left alone, and so is a spill folder of another host (its pids mean nothing here)."""
    from data.ingest import remove_stale_builds
    from data.warehouse.connect import HOST

    live = tmp_path / "warehouse.duckdb"
    alive = tmp_path / f"warehouse.duckdb.building-{os.getppid()}"
    dead_process = subprocess.Popen([sys.executable, "-c", "pass"])
    dead_process.wait()
    dead = tmp_path / f"warehouse.duckdb.building-{dead_process.pid}"
    dead_wal = tmp_path / f"warehouse.duckdb.building-{dead_process.pid}.wal"
    dead_spill = tmp_path / f"warehouse.duckdb.building-{dead_process.pid}.tmp"  # DuckDB's, for the load
    for path in (alive, dead, dead_wal):
        path.write_bytes(b"partial")
    # the app's spill folders: a killed worker's, a live one's, and one of the same pid on another host
    app_dead, app_alive, elsewhere = (tmp_path / f"warehouse.duckdb.tmp-{host}-{pid}-1" for host, pid in (
        (HOST, dead_process.pid), (HOST, os.getppid()), (HOST + "-other", dead_process.pid)))
    for folder in (dead_spill, app_dead, app_alive, elsewhere):
        folder.mkdir()
        (folder / "duckdb_temp_storage-0.tmp").write_bytes(b"spilled")
    assert remove_stale_builds(live) == [dead, dead_spill, dead_wal, app_dead]
    assert building_files(tmp_path) == [alive]
    assert not dead_spill.exists() and not app_dead.exists() and app_alive.exists() and elsewhere.exists()


# --- 6. a second load while one runs ----------------------------------------------------------------------

HOLDER = re.compile(r"another load into this warehouse is running: process (\d+) on (\S+) \(user (\S+)\), "
                    r"since (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC \((\d+) s ago\), running `(.+?)`")


def test_a_second_ingest_while_one_runs_is_told_who_holds_the_lock_and_since_when(tmp_path):
    live = live_copy(tmp_path / "live")
    before = sha256(live)
    lock = live.with_name(live.name + ".lock")
    log = tmp_path / "first-ingest.log"
    started = time.time()
    first = start(ingest_args(live), tmp_path, log)
    try:
        wait_until(lambda: lock.exists() and f'"pid": {first.pid}' in lock.read_text(),
                   "the first load holding the lock", first, log)
        second = run(ingest_args(live), tmp_path)
        assert first.poll() is None, "the first load ended before the second was refused"
        assert second.returncode == 2 and "Traceback" not in second.stderr
        assert second.stderr.startswith(f"Load stopped, nothing changed: {live}: another load")
        found = HOLDER.search(second.stderr)
        assert found, second.stderr
        pid, host, user, since, ago, command = found.groups()
        assert (int(pid), host, user) == (first.pid, socket.gethostname(), getpass.getuser())
        since_s = calendar.timegm(time.strptime(since, "%Y-%m-%d %H:%M:%S"))
        assert int(started) - 1 <= since_s <= time.time()
        assert 0 <= int(ago) <= time.time() - started + 1
        assert "-m data ingest --warehouse" in command and str(live) in command
        assert "wait for it to finish" in second.stderr

        # a rollback respects the same lock
        refused = run(data_command("rollback", "--warehouse", str(live)), tmp_path)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert refused.stderr.startswith("Rollback refused, nothing changed:")
        assert f"process {first.pid} on {socket.gethostname()}" in refused.stderr
        assert first.poll() is None and sha256(live) == before  # the refusals changed nothing
    finally:
        stop(first)


# --- 3. a damaged live warehouse, and the rollback ----------------------------------------------------------

@pytest.mark.slow  # serves the app with gunicorn
def test_a_truncated_warehouse_is_refused_naming_the_rollback_which_puts_the_previous_one_back(tmp_path):
    if not SAMPLE.exists():
        pytest.fail("the sample warehouse is missing: run `python -m data sample` first (scripts/test.sh does)")
    live = live_copy(tmp_path / "live")  # the fixture's load, kept as the previous one ...
    previous = live.with_name(live.name + ".previous")
    live.rename(previous)
    previous_bytes, previous_version = sha256(previous), version_of(previous)
    shutil.copyfile(SAMPLE, live)  # ... and a later load (the sample's) as the live one, then cut to half its size
    assert version_of(live) != previous_version
    os.truncate(live, live.stat().st_size // 2)
    damaged = sha256(live)
    rollback = f"python -m data rollback --warehouse {live}"

    with serving(tmp_path, live) as server:
        # a page: its content says what is wrong, what is kept and what to run
        request = urllib.request.Request(server.url + "/_dash-update-component", method="POST",
                                         data=json.dumps(page_request("/board", "?area=E06000023")).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=STEP_TIMEOUT_S) as answer:
            page = json.loads(answer.read())["response"]["_pages_content"]["children"]
        shown = " ".join(re.findall(r'"children": "([^"]*)"', json.dumps(page)))
        assert "The data is not available" in shown
        assert f"The warehouse at {live} cannot be read: it is damaged (truncated or corrupt)" in shown
        assert "warehouse.duckdb.previous" in shown and f"`{rollback}`" in shown
        # a download: refused, saying the same
        try:
            urllib.request.urlopen(urllib.request.Request(server.url + WORKBOOK,
                                                          headers={"Cookie": f"send_session={OFFICER}"}), timeout=60)
            raise AssertionError("a figure was served from a truncated warehouse")
        except urllib.error.HTTPError as refused:
            text = refused.read().decode()
            assert refused.code == 503
            assert "warehouse.duckdb.previous" in text and f"`{rollback}`" in text

        done = run(data_command("rollback", "--warehouse", str(live)), tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"{live} is version {previous_version} again" in done.stdout
        assert "(unreadable) is kept as warehouse.duckdb.rejected" in done.stdout
        assert sha256(live) == previous_bytes and not previous.exists()
        assert sha256(live.with_name(live.name + ".rejected")) == damaged  # kept for inspection
        # the running app serves the previous load again, no restart
        assert workbook(server.url) == (200, previous_version, FIXTURE_REQUESTS_2025)

    # nothing left to roll back to: refused, saying so, and nothing changes
    again = run(data_command("rollback", "--warehouse", str(live)), tmp_path)
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert "there is no previous warehouse to put back" in again.stderr
    assert sha256(live) == previous_bytes


def test_a_rollback_to_an_unreadable_previous_warehouse_is_refused(tmp_path):
    live = live_copy(tmp_path / "live")
    previous = live.with_name(live.name + ".previous")
    shutil.copyfile(live, previous)
    os.truncate(previous, previous.stat().st_size // 2)
    before = {path.name: sha256(path) for path in (live, previous)}
    refused = run(data_command("rollback", "--warehouse", str(live)), tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"{previous}: the previous warehouse cannot be read either, so it was not put back" in refused.stderr
    assert {path.name: sha256(path) for path in (live, previous)} == before
    assert not live.with_name(live.name + ".rejected").exists()


def test_a_rollback_with_no_live_warehouse_puts_the_previous_one_back_and_sets_nothing_aside(tmp_path):
    live = live_copy(tmp_path / "live")
    previous = live.with_name(live.name + ".previous")
    os.replace(live, previous)  # the live file was removed by hand
    done = run(data_command("rollback", "--warehouse", str(live)), tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "There was no live warehouse to set aside." in done.stdout and "rejected" not in done.stdout
    assert live.exists() and not previous.exists() and not live.with_name(live.name + ".rejected").exists()


# --- 4. a disk that fills up during a load ------------------------------------------------------------------

ROOM_MB = 4  # free space left in the folder beside the live warehouse


def _mounted(folder: Path, size: int) -> str | None:
    """Mount a tmpfs of `size` bytes at `folder`; None when done, else why it cannot be."""
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root; this run is not root"
    mount = shutil.which("mount") or "/bin/mount"
    made = subprocess.run([mount, "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(folder)],
                          capture_output=True, text=True, timeout=30)
    return None if made.returncode == 0 else f"mount -t tmpfs was refused: {made.stderr.strip()}"


def _limited(limit: int) -> Callable[[], None]:
    """For a child process: writes past `limit` bytes of any file fail with EFBIG (SIGXFSZ ignored, so the
    write fails instead of the signal killing the process)."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.parametrize("disk", ["tmpfs", "file-size limit"])
def test_a_load_onto_a_full_disk_fails_cleanly_and_loses_nothing(tmp_path, disk):
    """`tmpfs`: a real small disk (root only); `file-size limit`: a full disk simulated without root, every
    write of the load past 4 MB of a file refused (EFBIG) as a full disk refuses it (ENOSPC)."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    fixture = fixture_warehouse()
    limit = None
    if disk == "tmpfs":
        size = fixture.stat().st_size + ROOM_MB * 2**20
        if why := _mounted(folder, size):
            pytest.skip(f"{why}: the file-size limit case simulates the full disk instead")
    else:
        limit = ROOM_MB * 2**20
    try:
        live = folder / "warehouse.duckdb"
        shutil.copyfile(fixture, live)
        before = sha256(live)
        failed = run(ingest_args(live), tmp_path, preexec_fn=_limited(limit) if limit else None)
        assert failed.returncode == 2, failed.stdout + failed.stderr
        assert "Traceback" not in failed.stderr
        reason = "No space left on device" if disk == "tmpfs" else "File too large"
        assert failed.stderr.startswith(f"Load stopped, nothing changed: {folder}: there is no room to write the new "
                                        f"warehouse in this folder ({reason})"), failed.stderr
        size = f"({fixture.stat().st_size / 1e6:,.0f} MB)"
        assert f"Fix: make room on that disk: a load writes its new warehouse beside the live one {size}" in failed.stderr
        assert "(--warehouse)" in failed.stderr
        assert sha256(live) == before  # nothing lost
        assert not live.with_name(live.name + ".previous").exists()
        left = sorted(p.name for p in folder.iterdir() if p.is_file())
        assert left == ["warehouse.duckdb", "warehouse.duckdb.lock"], left  # no partial warehouse or WAL
        for kept in (folder / "raw").glob("*"):  # any raw copy kept is whole: named by its own contents' hash
            assert kept.stem == sha256(kept), f"a partial raw copy was kept: {kept.name}"
    finally:
        if disk == "tmpfs":
            subprocess.run([shutil.which("umount") or "/bin/umount", str(folder)], capture_output=True, timeout=30)
