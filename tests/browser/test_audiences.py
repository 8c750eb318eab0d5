"""Each audience's way in, as a reader takes it: from the start page, follow "Board (LASSPG)", "Performance
clinic" and "Commissioners" by their accessible names and check what each view is for is on it."""

from __future__ import annotations

import re

from tests.browser.conftest import check_view, query_of, repeated_ticks, settle

AREA_NAME = "Bristol, City of"
MONTH = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}"
# A tile's figure: a number (with a unit) or one of the GSS symbols with its meaning.
FIGURE = re.compile(r"^(-?[\d,]+(\.\d+)?( ?%| points| per 10,000)?|(c|x|z|low|u)( \(.+\))?)$")
RAG_WORDS = re.compile(r"^(Green|Amber|Red) — \S.+")


def _follow_from_home(page, app_url: str, name: str) -> None:
    page.goto(app_url + "/")
    check_view(page, "audience_home")
    cards = page.get_by_role("main").get_by_role("link", name=re.compile("^" + re.escape(name)))
    assert cards.count() == 1, f"one '{name}' link on the start page"
    cards.click()


def test_board_entry_view(page, app_url):
    _follow_from_home(page, app_url, "Board (LASSPG)")
    page.wait_for_url("**/board**")
    main = check_view(page, "audience_board")
    assert page.get_by_role("heading", level=1).inner_text() == f"Board view: {AREA_NAME}"

    # Twelve headline tiles, each with a figure (or a symbol) and a rating in words that matches its colour.
    tiles = page.locator("#board-tiles > li")
    assert tiles.count() == 12
    rated = 0
    for i in range(12):
        tile = tiles.nth(i)
        title = tile.locator(".tile__title").inner_text()
        assert tile.locator(".tile__title a").get_attribute("href").startswith("/indicator/"), title
        value = tile.locator(".tile__value").inner_text().strip()
        assert FIGURE.match(value), f"tile '{title}' shows '{value}'"
        badge = tile.locator(".badge")
        words = badge.inner_text().strip()
        colour = re.search(r"badge--(\w+)", badge.get_attribute("class")).group(1)
        if colour in ("green", "amber", "red"):
            rated += 1
            assert RAG_WORDS.match(words) and words.lower().startswith(colour), f"'{title}': {colour} / {words}"
        else:
            assert words and not RAG_WORDS.match(words), f"'{title}': no rating, but the words say '{words}'"
        assert tile.locator(".direction").inner_text().strip(), f"'{title}' has no direction of travel"
    assert rated >= 3, "most headline measures have a target or comparators to be rated against"

    # The narrative: both lists, every sentence linking to its indicator's page.
    narrative = page.locator("#board-narrative")
    for heading in ("What is going well", "What needs attention"):
        assert narrative.get_by_role("heading", name=heading, level=3).is_visible()
    sentences = narrative.locator("li")
    assert sentences.count() >= 2
    for i in range(sentences.count()):
        link = sentences.nth(i).get_by_role("link")
        assert link.count() == 1 and link.get_attribute("href").startswith("/indicator/"), sentences.nth(i).inner_text()
    assert "See the evidence" in main

    # Following a sentence's evidence opens that measure's report for the same area.
    attention = narrative.locator(".narrative-columns__column--attention li").first
    link = attention.get_by_role("link")
    title = link.locator(".visually-hidden").text_content().strip().removeprefix("for ").strip()
    link.click()
    page.wait_for_url("**/indicator/**")
    check_view(page, "audience_board_evidence")
    assert page.get_by_role("heading", level=1).inner_text() == title
    assert query_of(page.url).get("area") == "E06000023"
    assert page.locator("#trend").is_visible() and page.locator("#benchmark").is_visible()


def test_clinic_entry_view(page, app_url):
    _follow_from_home(page, app_url, "Performance clinic")
    page.wait_for_url("**/clinic**")
    check_view(page, "audience_clinic")
    assert page.get_by_role("heading", level=1).inner_text() == f"Performance clinic: {AREA_NAME}"

    # Four statutory clocks, month by month: each a drawn chart whose title names a month and whose summary
    # says how the latest month compares with the target.
    section = page.locator("#clinic-monthly")
    assert page.get_by_role("heading", name="Timeliness month by month", level=2).is_visible()
    for indicator in ("requests_decided_6wk", "health_advice_6wk", "ehcp_issued_20wk", "annual_reviews_4wk"):
        figure = section.locator(f"#clinic-{indicator}")
        title = figure.locator(".chart__title").inner_text()
        assert re.search(MONTH, title), f"{indicator}: '{title}' names no month"
        assert figure.locator(".js-plotly-plot .scatterlayer .trace").count() >= 1, f"{indicator}: no line drawn"
        assert "target" in figure.locator(".chart__summary").inner_text()
        assert figure.get_by_text("View as table").is_visible()
        assert figure.locator("xpath=..").get_by_role("link", name=re.compile("^Open the report")).count() == 1
    months = section.locator("#clinic-ehcp_issued_20wk table tbody tr")
    assert months.count() >= 12, "at least a year of months in the table"

    # Where delays arise: by team and need; named caseworkers' figures are for officers only (QUALITY.md).
    assert page.get_by_role("heading", name=re.compile("^Where delays arise"), level=2).is_visible()
    for part in ("team", "primary_need"):
        assert page.locator(f"#clinic-{part} .js-plotly-plot").count() == 1, f"no chart by {part}"
    assert page.locator("#clinic-caseworker .js-plotly-plot").count() == 0, "a partner sees a caseworker chart"


def test_commissioners_entry_view(page, app_url):
    _follow_from_home(page, app_url, "Commissioners")
    page.wait_for_url("**/commissioners**")
    # Repeated axis labels on the all-zero placement charts: see test_all_zero_series_axis_labels_do_not_repeat.
    main = check_view(page, "audience_commissioners")
    assert page.get_by_role("heading", level=1).inner_text() == f"Commissioners' view: {AREA_NAME}"

    # Benchmarks: the area beside its statistical neighbours' average, its region and England.
    benchmarks = page.locator("figure[id^='comm-bench-']")
    assert benchmarks.count() == 5  # the five compared measures of pages.yaml
    for i in range(5):
        summary = benchmarks.nth(i).locator(".chart__summary").inner_text()
        assert AREA_NAME in summary and "statistical neighbours' average" in summary, summary
        assert "South West" in summary and "England" in summary, summary
    ranked = page.locator("#comm-ranked .chart__summary").inner_text()
    assert re.search(r"ranks \d+(st|nd|rd|th) of 15\d councils", ranked), ranked

    # Demand and its forecast: each demand measure drawn with a forecast and its likely range.
    assert page.get_by_role("heading", name="Demand and its forecast", level=2).is_visible()
    for indicator in ("ehcp_caseload", "ehcp_requests", "ehcp_new_plans"):
        figure = page.locator(f"#comm-trend-{indicator}")
        summary = figure.locator(".chart__summary").inner_text()
        assert re.search(r"The forecast for \S+ is [\d,]+ \(likely between [\d,]+ and [\d,]+\)", summary), summary
        assert "Forecast" in figure.locator(".js-plotly-plot .legend").text_content()
    assert page.get_by_role("heading", name="Placements", level=2).is_visible()
    assert "Placement" in main
    # The placement mix over DfE's published years: a chart with its summary and table.
    over_time = page.locator("#comm-settings-over-time")
    assert over_time.locator(".js-plotly-plot").count() == 1
    assert "2018/19" in over_time.inner_text() or "2018-19" in over_time.inner_text()


def test_board_tile_never_says_no_target_beside_a_target(page, app_url):
    page.goto(app_url + "/board?area=E06000023")
    settle(page)
    contradictions = []
    for tile in page.locator("#board-tiles > li").all():
        facts = tile.locator(".tile__facts").inner_text()
        target = re.search(r"Target\s+(.+)", facts).group(1).strip()
        badge = tile.locator(".badge").inner_text().strip()
        if target != "Not set" and badge == "No target set":
            contradictions.append(f"{tile.locator('.tile__title').inner_text()}: target {target}, badge '{badge}'")
    assert contradictions == []


def test_all_zero_series_axis_labels_do_not_repeat(page, app_url):
    page.goto(app_url + "/commissioners?area=E06000023")
    settle(page)
    assert repeated_ticks(page) == []
