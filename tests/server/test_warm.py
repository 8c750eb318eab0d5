"""Warm after load: the default views of a load not yet live are drawn into the app's cache, and the app that
serves the load afterwards hands them out without drawing them."""

from __future__ import annotations

import json
import shutil

import dash
import pytest

from dashboard.warm import default_views, page_request, warm
from tests.server.conftest import SAMPLE, forget_engines


def _broken(**_query):
    raise RuntimeError("drawn on request")


@pytest.fixture
def warmed(tmp_path, monkeypatch):
    """A copy of the sample warehouse warmed as a load does, then an app serving it with every page's drawing
    broken: whatever it still answers, it answers from the cache."""
    building = tmp_path / "building.duckdb"
    shutil.copy(SAMPLE, building)
    monkeypatch.setenv("SEND_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SEND_KPIS", raising=False)
    forget_engines()
    report = warm(building)
    live = building.rename(tmp_path / "warehouse.duckdb")  # the swap
    monkeypatch.setenv("SEND_WAREHOUSE", str(live))
    from dashboard.shell import create_app

    app = create_app()
    drawn = {key: page["layout"] for key, page in dash.page_registry.items()}
    for page in dash.page_registry.values():
        page["layout"] = _broken
    yield report, app.server
    for key, layout in drawn.items():
        dash.page_registry[key]["layout"] = layout
    forget_engines()


def _status(server, path: str, search: str) -> int:
    return server.test_client().post("/_dash-update-component", data=json.dumps(page_request(path, search)),
                                     content_type="application/json").status_code


def test_a_load_draws_its_default_views_before_it_goes_live(warmed):
    report, server = warmed
    with server.app_context():
        views = default_views()
    assert report.failed == [] and report.views == 2 * len(views) >= 60  # for partners and signed-out visitors
    for path, search in [("/board", ""), ("/board", "?area=E06000023"), ("/", ""), ("/clinic", "?area=E06000023"),
                         ("/commissioners", ""), ("/theme/governance", "?area=E06000023"),
                         ("/indicator/ehcp_issued_20wk", "?area=E06000023"),
                         ("/clinic", "?area=E06000023&indicator=requests_decided_6wk"),
                         ("/commissioners", "?area=E06000023&indicator=sen_support_pct"), ("/region", "")]:
        assert (path, search) in views
        assert _status(server, path, search) == 200, (path, search)
    assert server.test_client().get("/_dash-layout").status_code == 200


def test_views_a_load_does_not_draw_are_drawn_on_request(warmed):
    _, server = warmed
    assert _status(server, "/indicator/ehcp_issued_20wk", "?area=E06000023&breakdown=school") == 500
    assert _status(server, "/board", "?area=E06000015") == 500  # another council
