"""A fresh worker's first requests all succeed, however many arrive at once.

Dash registers its script bundles while serving its first request; a worker with several threads used to
answer some of the script requests that arrived with that first one with HTTP 500 ("plotly is not a
registered library"), so the first visitors after a start or a worker restart saw a broken page.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.server import status
from indicators.testing import fixture_warehouse
from tests.server.serve import gunicorn

# What a browser asks for first, unfingerprinted (Dash serves either form): the page, its script bundles and
# the renderer's first calls.
FIRST = ["/board", "/_dash-layout", "/_dash-dependencies",
         "/_dash-component-suites/dash/dcc/dash_core_components.js",
         "/_dash-component-suites/dash/html/dash_html_components.min.js",
         "/_dash-component-suites/dash/dash-renderer/build/dash_renderer.min.js",
         "/_dash-component-suites/plotly/package_data/plotly.min.js",
         "/_dash-component-suites/dash_ag_grid/dash_ag_grid.min.js"]


@pytest.mark.slow
def test_concurrent_first_requests_to_a_fresh_worker_all_succeed(tmp_path):
    live = tmp_path / "warehouse.duckdb"
    shutil.copyfile(fixture_warehouse(), live)
    with gunicorn(tmp_path, live, workers=1, threads=8) as base:
        urls = [base + path for path in FIRST * 3]
        with ThreadPoolExecutor(len(urls)) as pool:
            statuses = dict(zip(urls, pool.map(status, urls), strict=True))
    failed = {url: code for url, code in statuses.items() if code != 200}
    assert not failed, f"a fresh worker failed its first requests: {failed}"


def test_a_new_app_has_registered_its_scripts_before_it_serves_anyone(sample_server):
    """The cause, checked directly (the race above needs unlucky timing to show): the bundles are registered
    when the app is built, not by whichever request happens to come first."""
    import app

    assert {"dash", "plotly", "dash_ag_grid"} <= set(app.app.registered_paths)
