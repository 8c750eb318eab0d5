"""A new load goes live in the running app: gunicorn with two workers, as the Dockerfile serves it, no restart.

Each answer is the officer's workbook of requests received in 2025 (`/download/ehcp_requests.xlsx`): its Data
sheet holds the figure and its Metadata sheet the warehouse version, so one answer shows whether version and
figure agree. The first load is the fixture extract (1 request in 2025: R8); the second adds R11 (2 requests).
"""

from __future__ import annotations

import io
import shutil
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from data.warehouse.connect import open_readonly, warehouse_info
from indicators.testing import build_warehouse, fixture_warehouse, second_extract
from tests.identity import session_cookie
from tests.server.serve import gunicorn

WORKBOOK = "/download/ehcp_requests.xlsx?area=E06000023&period=2025"
OFFICER = session_cookie("officer")  # the officer's workbook: unsuppressed
ROUNDS = 10  # rounds of four requests at once, at most, for both workers to answer


def _get(base: str) -> tuple[str, str, float]:
    """(worker, warehouse version, requests received in 2025) from one workbook."""
    import openpyxl

    request = urllib.request.Request(base + WORKBOOK, headers={"Cookie": f"send_session={OFFICER}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        worker, body = answer.headers["X-Worker"], answer.read()
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    data = list(book["Data"].iter_rows(values_only=True))
    column = {name: i for i, name in enumerate(data[0])}
    totals = [row[column["Value"]] for row in data[1:]
              if row[column["Period"]] == "2025" and row[column["Breakdown"]] == "Total"]
    version = next(value for label, value in book["Metadata"].iter_rows(max_col=2, values_only=True)
                   if label == "Warehouse version")
    assert len(totals) == 1
    return worker, version, totals[0]


def _from_both_workers(base: str) -> list[tuple[str, str, float]]:
    """Answers to rounds of four requests at once (so a busy worker leaves some to the other) until both
    workers have answered."""
    answers: list[tuple[str, str, float]] = []
    with ThreadPoolExecutor(4) as pool:
        for _ in range(ROUNDS):
            answers += pool.map(lambda _: _get(base), range(4))
            if len({worker for worker, _, _ in answers}) == 2:
                break
    return answers


@pytest.fixture()
def running_app(tmp_path):
    """gunicorn (two workers, four threads each) on a copy of the fixture warehouse."""
    live = tmp_path / "warehouse.duckdb"
    shutil.copyfile(fixture_warehouse(), live)
    with gunicorn(tmp_path, live, app="tests.server.worker_app:application") as base:
        yield base, live


@pytest.mark.slow
def test_both_workers_serve_a_new_load_without_restart(running_app, tmp_path):
    base, live = running_app
    before = _from_both_workers(base)
    assert len({worker for worker, _, _ in before}) == 2  # both workers have the first load open
    (first_version,) = {version for _, version, _ in before}
    assert {value for _, _, value in before} == {1}  # R8

    during: list[tuple[str, str, float]] = []
    loaded = threading.Event()

    def ask_while_loading() -> None:
        while not loaded.is_set():
            during.append(_get(base))

    with ThreadPoolExecutor(2) as pool:
        asking = [pool.submit(ask_while_loading) for _ in range(2)]
        try:
            build_warehouse(live, [second_extract(tmp_path / "second")])  # swapped in under the same name
        finally:
            loaded.set()
        for future in asking:
            future.result()
    with open_readonly(live) as con:
        second_version = warehouse_info(con)["version"]
    assert second_version != first_version

    after = _from_both_workers(base)
    assert len({worker for worker, _, _ in after}) == 2
    # Every answer after the swap, from either worker, is the new load: its version with its figure (R8, R11).
    assert {(version, value) for _, version, value in after} == {(second_version, 2)}
    # While the load ran, each answer was one load or the other, whole: never one's version with the other's figure.
    assert during and {(version, value) for _, version, value in during} <= {(first_version, 1), (second_version, 2)}
