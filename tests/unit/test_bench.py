"""The benchmark's plumbing (no timings): requests are named as documented, a journeys file round-trips and the
locustfile loads it, and load-test percentiles are worked out as stated."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import journeys, load

ROOT = Path(__file__).resolve().parents[2]


def _payload(outputs, pathname: str | None = "/board") -> str:
    inputs = [{"id": "url", "property": "pathname", "value": pathname}] if pathname else []
    return json.dumps({"output": "..x..", "outputs": outputs, "inputs": inputs, "changedPropIds": []})


def test_requests_are_named_by_kind_page_and_callback_output():
    pages = {"id": "_pages_content", "property": "children"}
    store = {"id": "_pages_store", "property": "data"}
    nav = [{"id": {"type": "nav-link", "path": "/board"}, "property": "href"}]
    assert journeys.request_name("GET", "/board?area=E06000023", None, "/") == ("page", "page /board")
    assert journeys.request_name("GET", "/_dash-layout", None, "/board") == ("layout", "layout")
    assert journeys.request_name("GET", "/_dash-dependencies", None, "/board") == ("dependencies", "dependencies")
    assert journeys.request_name("POST", "/_dash-update-component?endId=x", _payload([pages, store]), "/") == (
        "callback", "callback _pages_content+_pages_store /board")
    assert journeys.request_name("POST", "/_dash-update-component", _payload([nav], None), "/clinic") == (
        "callback", "callback nav-link /clinic")  # no pathname among its inputs: the page the browser was on
    assert journeys.request_name("GET", "/download/ehcp_caseload.csv?area=E06000023", None, "/data-book") == (
        "download", "download csv")
    assert journeys.request_name("GET", "/assets/style.css?m=1", None, "/")[0] == "asset"
    assert journeys.request_name("GET", "/_dash-component-suites/dash/dcc/x.js", None, "/")[0] == "asset"


def _document() -> dict:
    step = {"action": "open the board", "browser_seconds": 1.0, "requests": [
        {"kind": "page", "name": "page /board", "method": "GET", "path": "/board", "body": None, "status": 200},
        {"kind": "callback", "name": "callback url /board", "method": "POST", "path": "/_dash-update-component",
         "body": "{\"a\": 1}", "status": 200},
        {"kind": "callback", "name": "callback url /board", "method": "POST", "path": "/_dash-update-component",
         "body": "{\"a\": 1}", "status": 200}]}
    return {"format": journeys.FORMAT, "warehouse_version": "v1", "area": "E06000023", "audience": "partner",
            "journeys": [{"name": "board member", "steps": [step]}],
            "assets": [{"path": "/assets/style.css", "status": 200}]}


def test_a_journeys_file_round_trips_and_repeated_callbacks_are_replayed_once(tmp_path):
    path = tmp_path / "journeys.json"
    path.write_text(json.dumps(_document()))
    assert journeys.load(path) == _document()
    assert [c["body"] for c in journeys.callbacks(journeys.load(path))] == ["{\"a\": 1}"]
    path.write_text(json.dumps({**_document(), "format": "something else"}))
    with pytest.raises(SystemExit, match="capture again"):
        journeys.load(path)


def test_load_summary_counts_failures_and_takes_percentiles_per_kind_and_name():
    # page /board: 1..100 ms, one failed; layout: 10 ms twice. Linear percentiles of 1..100: p50 50.5, p95 95.05.
    lines = [f"page /board\t{ms}\t{'HTTP 500' if ms == 7 else ''}" for ms in range(1, 101)]
    lines += ["layout\t10\t", "layout\t10\t", "retried layout\t3\tconnection reset, sent again"]
    summary = load.summarise(lines)
    board = summary["name"]["page /board"]
    assert (board["requests"], board["failures"]) == (100, 1)
    assert board["p50"] == pytest.approx(50.5) and board["p95"] == pytest.approx(95.05) and board["max"] == 100
    assert summary["kind"]["layout"] == {"requests": 2, "failures": 0, "p50": 10, "p95": 10, "p99": 10, "max": 10}
    assert summary["overall"]["all requests"]["requests"] == 102  # the reset connection is counted apart
    assert summary["overall"]["all requests"]["failures"] == 1
    assert summary["kind"]["retried"]["requests"] == 1
    assert summary["errors"] == {"page /board: HTTP 500": 1, "retried layout: connection reset, sent again": 1}


def test_the_locustfile_loads_a_captured_journeys_file(tmp_path):
    """In a child process: locust patches the standard library with gevent when imported."""
    path = tmp_path / "journeys.json"
    path.write_text(json.dumps(_document()))
    code = ("import types, bench.locustfile as f; "
            f"f._configure(types.SimpleNamespace(parsed_options=types.SimpleNamespace(journeys={str(path)!r}, "
            "think='2-4', request_log=''))); "
            "print(f.JourneyUser.__name__, len(f.JOURNEYS['journeys']), f.JOURNEYS['assets'][0]['path'], f.THINK)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-1000:]
    assert done.stdout.split() == ["JourneyUser", "1", "/assets/style.css", "(2.0,", "4.0)"]
