"""The officers' open cases page in a browser: the officer's list draws, a team narrows it, the CSV downloads with
the same rows, the performance table drills team -> caseworker -> cases by its links, and axe finds nothing; a
partner gets the explained panel and no row."""

from __future__ import annotations

import pandas as pd
from playwright.sync_api import expect

from tests.browser.conftest import DOWNLOADS, check_view, query_of

GRID = "#casework-grid"


def _count(page) -> int:
    """The number of cases the list's heading gives ('Open cases by due date, ...: 1,205')."""
    return int(page.locator("#casework-grid-heading").inner_text().rsplit(": ", 1)[1].replace(",", ""))


def test_an_officer_lists_narrows_and_downloads_the_open_cases(page, officer_url):
    page.goto(officer_url + "/casework")
    check_view(page, "casework_officer")
    expect(page.get_by_role("heading", level=1)).to_have_text("Open cases")
    every = _count(page)
    assert every > 100
    tiles = page.locator("#casework-summary > li")
    assert tiles.count() == 5 and tiles.first.locator(".tile__value").inner_text() == f"{every:,}"
    assert page.locator(f"{GRID} .ag-row").count() > 0
    clock = page.locator(f"{GRID} .ag-row[row-index='0'] [col-id='clock']").inner_text()
    assert clock == "Breached"  # the earliest due date first, and long past

    page.get_by_label("Team", exact=True).select_option("Early years")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/casework?team=Early+years**")
    check_view(page, "casework_officer_team")
    narrowed = _count(page)
    assert 0 < narrowed < every
    teams = page.locator(f"{GRID} .ag-center-cols-container [col-id='team']").all_inner_texts()
    assert teams and set(teams) == {"Early years"}

    with page.expect_download() as info:
        page.locator("#casework-downloads").get_by_role("link", name="CSV", exact=True).click()
    download = info.value
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    path = DOWNLOADS / "open-cases.csv"
    download.save_as(path)
    assert download.suggested_filename.startswith("open-cases_E06000023_") and "Early-years" in download.suggested_filename
    rows = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(rows) == narrowed and set(rows["Team"]) == {"Early years"}
    first = page.locator(f"{GRID} .ag-row[row-index='0'] [col-id='request_id']").inner_text()
    assert rows["Request id"].iloc[0] == first


def test_the_tracker_drills_from_team_to_caseworker_to_cases(page, officer_url):
    page.goto(officer_url + "/casework?period=rolling-3")
    table = page.locator("#casework-performance-table")
    expect(table.locator("caption")).to_contain_text("Teams, 3 months to")
    table.get_by_role("link", name="Primary", exact=True).click()
    page.wait_for_url("**/casework?team=Primary**")
    assert query_of(page.url) == {"team": "Primary", "period": "rolling-3"}
    check_view(page, "casework_performance_team", open_details=True)
    expect(page.get_by_role("heading", level=2, name="Performance of team Primary's caseworkers")).to_be_visible()
    first = table.locator("tbody tr").first
    worker = first.locator("th a").inner_text()
    open_cases = int(first.locator("td").first.inner_text().replace(",", ""))
    assert open_cases > 0
    first.locator("th a").click()
    page.wait_for_url("**caseworker=**")
    assert query_of(page.url) == {"team": "Primary", "caseworker": worker, "period": "rolling-3"}
    check_view(page, "casework_performance_caseworker")
    assert _count(page) == open_cases  # the caseworker's open caseload is their list
    page.locator(f"{GRID} .ag-row").first.wait_for()
    workers = page.locator(f"{GRID} .ag-center-cols-container [col-id='caseworker']").all_inner_texts()
    teams = page.locator(f"{GRID} .ag-center-cols-container [col-id='team']").all_inner_texts()
    assert len(workers) == min(open_cases, 50) and set(workers) == {worker} and set(teams) == {"Primary"}
    expect(page.locator("#casework-performance-throughput .chart__title")).to_contain_text(worker)
    expect(page.locator("#casework-downloads")).to_contain_text("Download this list")


def test_a_partner_gets_the_panel_and_no_row(page, app_url):
    page.goto(app_url + "/casework")
    main = check_view(page, "casework_partner")
    assert "This page is for council officers" in main and "does not hold the officer role" in main
    assert page.locator(GRID).count() == 0 and page.locator(".ag-row").count() == 0
    response = page.request.get(app_url + "/casework/open-cases.csv")
    assert response.status == 403 and "Request id" not in response.text()
