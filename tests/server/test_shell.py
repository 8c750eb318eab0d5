"""The app shell: read-only warehouse, clear messages when it is missing or corrupt, accessible frame."""

from __future__ import annotations

import importlib

import duckdb
import pytest

from tests.server import tree
from tests.server.conftest import forget_engines


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
    from dashboard.pages import home

    text = tree.text(home.layout())
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
    from dashboard.pages import home

    text = tree.text(home.layout())
    assert "No warehouse at" in text and "python -m data sample" in text


def test_corrupt_warehouse_is_refused_with_a_clear_message(app_on, tmp_path, samples_warehouse):
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(samples_warehouse.read_bytes()[:5000])  # truncated copy
    app_on(broken)
    from dashboard.pages import home

    text = tree.text(home.layout())
    assert "corrupt" in text and "previous" in text


def test_pages_carry_the_basic_plotly_bundle_unless_ward_boundaries_need_the_full_one(app_on, samples_warehouse,
                                                                                      monkeypatch, tmp_path):
    """The basic bundle (scatter and bar) is on every page, so dcc.Graph never fetches the full one; a council's
    ward boundaries are drawn as a choropleth, which only the full bundle has, so then the basic one is left out."""
    monkeypatch.delenv("SEND_WARD_GEOJSON", raising=False)
    html = app_on(samples_warehouse).server.test_client().get("/board").get_data(as_text=True)
    assert "/assets/vendor/plotly-basic.min.js" in html

    boundaries = tmp_path / "wards.geojson"
    boundaries.write_text('{"type": "FeatureCollection", "features": []}')
    monkeypatch.setenv("SEND_WARD_GEOJSON", str(boundaries))
    html = app_on(samples_warehouse).server.test_client().get("/board").get_data(as_text=True)
    assert "plotly-basic" not in html
