"""A shared link reopens the same view: build a view through the page (area, period, breakdown and a ward),
copy the address, open it in a fresh browser context (no history, no state) and find the same heading,
breadcrumbs, choices and figures."""

from __future__ import annotations

import re

from tests.browser.conftest import check_view, crumbs, query_of, settle, signed_in, table_rows

INDICATOR = "ehcp_caseload"
WARD = "Knowle"
PERIOD_LABEL = "2024/25"


def _view(page) -> dict:
    """What a reader sees of the view: heading, breadcrumbs, the choices made and the figures shown."""
    return {
        "h1": page.get_by_role("heading", level=1).inner_text(),
        "crumbs": crumbs(page),
        "level": page.locator("#drill").inner_text(),
        "area": page.get_by_role("combobox", name=re.compile("^Area")).input_value(),
        "period": page.locator("#filter-period option:checked").inner_text(),
        "breakdown": page.locator("nav[aria-label='Breakdowns'] a[aria-current='page']").inner_text(),
        "headline": page.locator(".headline-facts").inner_text(),
        "ward_title": page.locator("#chart-drill-ward .chart__title").inner_text(),
        "ward_table": table_rows(page, "#chart-drill-ward"),
        "breakdown_title": page.locator("#chart-breakdown-age_band .chart__title").inner_text(),
        "breakdown_table": table_rows(page, "#chart-breakdown-age_band"),
        "main": page.locator("main").inner_text(),
    }


def test_shared_url_reopens_the_same_view(page, browser, officer_url):
    app_url = officer_url  # drilling into a ward is for officers only
    page.goto(app_url + f"/indicator/{INDICATOR}")
    settle(page)

    # Area and period through the picker.
    page.get_by_role("combobox", name=re.compile("^Area")).fill("Bristol, City of")
    page.get_by_role("combobox", name=re.compile("^Period")).select_option(label=PERIOD_LABEL)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"period=202425"))
    settle(page)
    # A ward, through its link.
    page.locator("summary", has_text="Open a ward").click()
    page.get_by_role("link", name=WARD, exact=True).click()
    page.wait_for_url(re.compile(rf"ward={WARD}"))
    settle(page)
    # A breakdown of the ward's figures, through the breakdown choices.
    page.locator("nav[aria-label='Breakdowns']").get_by_role("link", name="Age band").click()
    page.wait_for_url(re.compile(r"breakdown=age_band"))
    check_view(page, "url_built")

    shared = page.url
    query = query_of(shared)
    assert query["period"] == "202425" and query["ward"] == WARD and query["breakdown"] == "age_band"
    assert query["area"] in ("E06000023", "Bristol, City of")
    built = _view(page)
    assert built["period"] == PERIOD_LABEL and built["breakdown"] == "Age band"
    assert built["crumbs"][-1] == f"Ward: {WARD}" and built["level"] == f"Ward: {WARD}"
    assert "2024/25" in built["ward_title"] and "2024/25" in built["breakdown_title"]
    assert len(built["breakdown_table"]) >= 2

    # The same address in a new browser context, the same officer signed in: nothing carried over but the URL.
    context = signed_in(browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB"))
    try:
        fresh = context.new_page()
        fresh.set_default_timeout(30_000)
        fresh.goto(shared)
        check_view(fresh, "url_reopened")
        assert fresh.url == shared
        reopened = _view(fresh)
        for key, value in built.items():
            assert reopened[key] == value, key
    finally:
        context.close()
