"""The regional view in a browser on the sample warehouse (one council): it reads cleanly with no axe-core
violations for a partner and an officer, its tables open, and choosing a measure redraws its months."""

from __future__ import annotations

from tests.browser.conftest import check_view, query_of, settle, table_rows


def _reads_cleanly(page, url: str, name: str) -> list[str]:
    page.goto(url + "/region")
    text = check_view(page, name, open_details=True)
    assert "Councils compared" in text and "no other council to compare" in text
    rows = table_rows(page, "#region-table")
    assert [row[0] for row in rows] == ["Bristol, City of"]
    return rows[0]


def test_the_regional_view_reads_cleanly_for_a_partner(page, app_url):
    assert _reads_cleanly(page, app_url, "region-partner")[-1] == "as partners see them (small numbers suppressed)"


def test_the_regional_view_reads_cleanly_for_an_officer(page, officer_url):
    assert _reads_cleanly(page, officer_url, "region-officer")[-1] == "in full (officer)"


def test_choosing_a_measure_draws_its_months(page, app_url):
    page.goto(app_url + "/region")
    settle(page)
    page.get_by_role("link", name="Requests for assessment").click()
    settle(page)
    assert query_of(page.url) == {"indicator": "ehcp_requests"}
    assert "Requests for assessment: each council by month" in page.locator("#region-months").inner_text()
