"""The app shell: read-only warehouse, clear messages when it is missing or corrupt, accessible frame."""

from __future__ import annotations

import importlib

import dash
import duckdb
import pytest

from tests import walk
from tests.server import tree
from tests.server.conftest import SAMPLE, forget_engines


def _home():
    """The home page laid out, from the module Dash registered (importing `dashboard.pages.home` would register
    the page a second time, and Dash then refuses every request for duplicate paths)."""
    return dash.page_registry["pages.home"]["layout"]()


@pytest.fixture()
def app_on(monkeypatch):
    def point(path):
        monkeypatch.setenv("SEND_WAREHOUSE", str(path))
        forget_engines()
        import app

        return importlib.reload(app)

    yield point
    forget_engines()


def test_page_frame_is_english_with_skip_link(app_on, samples_warehouse):
    module = app_on(samples_warehouse)
    client = module.server.test_client()
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en-GB">' in html
    frame = tree.text(module.app.layout())
    assert "Skip to main content" in frame
    assert "Open Government Licence v3.0" in frame


def test_home_lists_what_is_loaded(app_on, samples_warehouse):
    app_on(samples_warehouse)
    text = tree.text(_home())
    # The four SEN2 samples hold 9 persons and 12 requests once their bad rows are set aside.
    assert "Children and young people 9" in text
    assert "Requests for assessment 12" in text
    assert "row(s) were set aside" in text


def test_warehouse_is_opened_read_only(app_on, samples_warehouse):
    app_on(samples_warehouse)
    from dashboard import views

    engine = views.get_engine()
    for cursor in (engine._con, engine._con.cursor()):  # the connection, and the cursor each query runs on
        with pytest.raises(duckdb.Error):
            cursor.execute("CREATE TABLE sneaky (x INTEGER)")
    assert "sneaky" not in engine.tables


def test_missing_warehouse_gives_a_clear_message(app_on, tmp_path):
    app_on(tmp_path / "nowhere.duckdb")
    text = tree.text(_home())
    assert "No warehouse at" in text and "python -m data sample" in text


def test_corrupt_warehouse_is_refused_with_a_clear_message(app_on, tmp_path, samples_warehouse):
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(samples_warehouse.read_bytes()[:5000])  # truncated copy
    app_on(broken)
    text = tree.text(_home())
    assert "corrupt" in text and "previous" in text


def test_pages_carry_the_basic_plotly_bundle_unless_ward_boundaries_need_the_full_one(app_on, samples_warehouse,
                                                                                      monkeypatch, tmp_path):
    """The basic bundle (scatter and bar) is on every chart page, so dcc.Graph never fetches the full one; a council's
    ward boundaries are drawn as a choropleth, which only the full bundle has, so then the basic one is left out."""
    monkeypatch.delenv("SEND_WARD_GEOJSON", raising=False)
    html = app_on(samples_warehouse).server.test_client().get("/board").get_data(as_text=True)
    assert "/assets/vendor/plotly-basic.min.js" in html

    boundaries = tmp_path / "wards.geojson"
    boundaries.write_text('{"type": "FeatureCollection", "features": []}')
    monkeypatch.setenv("SEND_WARD_GEOJSON", str(boundaries))
    html = app_on(samples_warehouse).server.test_client().get("/board").get_data(as_text=True)
    assert "plotly-basic" not in html


# --- the large scripts: each page's index brings plotly.js and AG Grid only if the page declares it needs them ---

BASIC_PLOTLY = 'src="/assets/vendor/plotly-basic.min.js'
AG_GRID = 'src="/_dash-component-suites/dash_ag_grid/'
# Show each page's content rather than its index: an area, and an indicator for the data book's grid.
CONTENT = {"area": "E06000023", "indicator": "ehcp_issued_20wk"}


def undeclared(page: dict, layout) -> list[str]:
    """What a page's layout uses that its registration does not declare (so its index would leave it out)."""
    uses = {"charts": "Graph", "grid": "AgGrid"}
    return [need for need, kind in uses.items()
            if tree.find(layout, lambda n, kind=kind: type(n).__name__ == kind) and not page.get(need)]


def test_every_page_declares_the_charts_and_grid_its_layout_has(app_on):
    server = app_on(SAMPLE).server
    stops = walk.stops()
    found = {stop.url: undeclared(dash.page_registry[stop.module],
                                  tree.layout(server, stop.path, **CONTENT, **stop.variables)) for stop in stops}
    assert {url: needs for url, needs in found.items() if needs} == {}
    # The rule has teeth: the board's layout has charts, the data book's a grid.
    board = dash.page_registry["pages.board"]
    book = dash.page_registry["pages.data_book"]
    assert undeclared({**board, "charts": False}, tree.layout(server, "/board", **CONTENT)) == ["charts"]
    assert undeclared({**book, "grid": False}, tree.layout(server, "/data-book", **CONTENT)) == ["grid"]


def test_a_page_index_carries_plotly_and_ag_grid_only_where_the_page_declares_them(app_on, monkeypatch):
    monkeypatch.delenv("SEND_WARD_GEOJSON", raising=False)
    client = app_on(SAMPLE).server.test_client()
    scripts = {}
    for stop in walk.stops():
        page = dash.page_registry[stop.module]
        html = client.get(stop.url).get_data(as_text=True)
        scripts[stop.url] = (BASIC_PLOTLY in html, AG_GRID in html)
        assert scripts[stop.url] == (bool(page.get("charts")), bool(page.get("grid"))), stop.url
    assert scripts["/data-book"] == (False, True)  # the one page with a grid
    for url in ("/board", "/clinic", "/commissioners", "/indicator/ehcp_issued_20wk", "/board-pack"):
        assert scripts[url] == (True, False), url
    for url in ("/", "/dictionary", "/theme/governance"):
        assert scripts[url] == (False, False), url
    html = client.get("/no-such-page").get_data(as_text=True)  # Dash's 404 needs neither
    assert BASIC_PLOTLY not in html and AG_GRID not in html and "dash_renderer" in html
