"""Chart pages load the small plotly.js bundle their charts need, never the full one (three times the size)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import settle

CHART_PAGES = ["/board?area=E06000023", "/indicator/ehcp_issued_20wk?area=E06000023"]


@pytest.mark.parametrize("path", CHART_PAGES)
def test_chart_pages_draw_with_the_basic_bundle_only(page, app_url, path):
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(app_url + path)
    settle(page)
    assert page.locator(".js-plotly-plot .main-svg").count() > 0  # the charts are drawn
    assert any("/assets/vendor/plotly-basic.min.js" in url for url in fetched)
    assert not [url for url in fetched if "package_data/plotly" in url]
