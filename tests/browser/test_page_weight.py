"""A page's first load fetches only the large scripts it uses: chart pages the small plotly.js bundle their charts
need, never the full one (three times the size); AG Grid only on the data book, the one page with a grid."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import settle

CHART_PAGES = ["/board?area=E06000023", "/clinic?area=E06000023", "/commissioners?area=E06000023",
               "/indicator/ehcp_issued_20wk?area=E06000023"]
PLAIN_PAGES = ["/", "/dictionary", "/theme/governance?area=E06000023"]
DATA_BOOK = "/data-book?indicator=ehcp_issued_20wk&area=E06000023"
BASIC_PLOTLY = "/assets/vendor/plotly-basic.min.js"
FULL_PLOTLY = "/_dash-component-suites/plotly/"
AG_GRID = "/_dash-component-suites/dash_ag_grid/"


@pytest.fixture
def fetched(page) -> list[str]:
    """The path of every request the page makes (the query left off), and no script error on the way."""
    paths: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: paths.append("/" + request.url.split("/", 3)[-1].split("?")[0]))
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield paths
    assert errors == []


def _open(page, url: str) -> None:
    page.goto(url)
    settle(page)


@pytest.mark.parametrize("path", CHART_PAGES)
def test_chart_pages_draw_with_the_basic_bundle_and_no_grid(page, app_url, fetched, path):
    _open(page, app_url + path)
    assert page.locator(".js-plotly-plot .main-svg").count() > 0  # the charts are drawn
    assert BASIC_PLOTLY in fetched
    assert not [url for url in fetched if url.startswith(FULL_PLOTLY)]
    assert not [url for url in fetched if url.startswith(AG_GRID)]


@pytest.mark.parametrize("path", PLAIN_PAGES)
def test_pages_without_charts_or_a_grid_fetch_neither_plotly_nor_ag_grid(page, app_url, fetched, path):
    _open(page, app_url + path)
    assert page.locator("h1").count() == 1  # the page is drawn
    assert not [url for url in fetched if "plotly" in url or url.startswith(AG_GRID)]


def test_the_data_book_fetches_ag_grid_and_its_grid_shows_and_filters_rows(page, app_url, fetched):
    _open(page, app_url + DATA_BOOK)
    assert [url for url in fetched if url.startswith(AG_GRID + "dash_ag_grid")]
    assert AG_GRID + "async-community.js" in fetched  # the grid's own chunk, loaded by the bundle on demand
    assert not [url for url in fetched if "plotly" in url]  # no chart here
    rows = page.locator("#databook-grid .ag-center-cols-container .ag-row")
    expect(rows.first).to_be_visible()
    every = rows.count()
    assert every > 1
    page.get_by_role("textbox", name="Breakdown Filter Input").fill("Total")
    expect(rows).not_to_have_count(every)  # the filter box narrows the rows
    assert rows.count() > 0 and all("Total" in rows.nth(i).locator("[col-id='breakdown']").inner_text()
                                    for i in range(rows.count()))
