"""The officers' data-quality workbench in a browser: a rule chosen through the form lists as many records as the
rule table counts, its fix list downloads as a CSV and a workbook holding the grid's rows, and a caseworker's link
in the table of who holds the records narrows the list (and its file) to that caseworker's records."""

from __future__ import annotations

import openpyxl
import pandas as pd
from playwright.sync_api import expect

from tests.browser.conftest import DOWNLOADS, settle, table_rows

GRID = "quality-grid"
RULE = "DQ702"  # an open case nobody holds: 806 on the sample (tests/server/test_data_quality.py counts them)


def rule_counts(page) -> dict[str, int]:
    """The rule table's counts, by rule code (rules not checked left out)."""
    return {row[0]: int(row[-1].replace(",", "")) for row in table_rows(page, "#quality-counts")
            if row[-1] != "not checked"}


def heading_count(page) -> int:
    """The number of records the list's heading gives ('DQ702: ..., every team and caseworker: 806')."""
    return int(page.locator("#quality-grid-heading").inner_text().rsplit(": ", 1)[1].replace(",", ""))


def grid_records(page) -> list[str]:
    """Every row of the grid in its order, across all its pages, read through AG Grid's own API."""
    page.wait_for_function(f"() => window.dash_ag_grid && dash_ag_grid.getApi('{GRID}')")
    return page.evaluate(f"""() => {{
        const ids = [];
        dash_ag_grid.getApi('{GRID}').forEachNodeAfterFilterAndSort(node => ids.push(node.data.record));
        return ids;
    }}""")


def download(page, link: str, name: str):
    """Click the fix list's `link` and save the file it gives as test-artifacts/downloads/<name>."""
    with page.expect_download() as info:
        page.locator("#quality-downloads").get_by_role("link", name=link, exact=True).click()
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    path = DOWNLOADS / name
    info.value.save_as(path)
    return info.value, path


def csv_records(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_an_officer_chooses_a_rule_and_reads_its_fix_lists_back(page, officer_url):
    page.goto(officer_url + "/data-quality")
    settle(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Data quality")
    counted = rule_counts(page)[RULE]
    assert counted == 806
    assert page.locator(f"#{GRID}").count() == 0  # no rule chosen, no records

    # the form by keyboard: choose the rule, Tab on to the Show button, press Enter
    page.get_by_label("Rule", exact=True).select_option(RULE)
    page.get_by_role("button", name="Show").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/data-quality?rule={RULE}**")
    settle(page)
    assert heading_count(page) == counted
    records = grid_records(page)
    assert len(records) == counted == len(set(records))
    # the grid shows its first page of 50 rows and says how many there are in all
    assert page.locator(f"#{GRID} .ag-center-cols-container .ag-row").count() == 50
    expect(page.locator(f"#{GRID} .ag-paging-row-summary-panel")).to_contain_text(f"of {counted}")

    file, path = download(page, "CSV", "fix-list-DQ702.csv")
    assert file.suggested_filename.startswith(f"fix-list_{RULE}_E06000023_") and path.suffix == ".csv"
    rows = csv_records(path)
    assert list(rows.columns) == ["Record to fix", "Child id (pseudonymous)", "Name", "Request id", "What is wrong",
                                  "Team", "Caseworker"]
    assert list(rows["Record to fix"]) == records
    assert set(rows["Caseworker"]) == {"Unallocated"}  # what the rule is about: nobody holds these cases

    file, path = download(page, "Excel workbook", "fix-list-DQ702.xlsx")
    assert file.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == [RULE, "About"]
    sheet = list(book[RULE].values)
    assert sheet[0][0] == "Record to fix" and [r[0] for r in sheet[1:]] == records
    about = {k: v for k, v in book["About"].values}
    assert about["Records"] == "806, every team and caseworker"


def test_a_caseworker_link_narrows_the_fix_list(page, officer_url):
    """DQ605's records are held by many caseworkers: the link of one of them lists that caseworker's only."""
    page.goto(officer_url + "/data-quality?rule=DQ605")
    settle(page)
    every = grid_records(page)
    assert heading_count(page) == len(every) == rule_counts(page)["DQ605"]
    groups = table_rows(page, "#quality-groups")
    assert sum(int(n.replace(",", "")) for _, _, n in groups) == len(every)
    team, worker, n = next(g for g in groups if g[1] != "Unallocated")
    expected = int(n.replace(",", ""))
    assert 0 < expected < len(every)

    page.locator("#quality-groups").get_by_role("link", name=worker, exact=True).click()
    page.wait_for_url("**caseworker=**")
    settle(page)
    assert page.get_by_label("Caseworker", exact=True).input_value() == worker
    assert heading_count(page) == expected
    narrowed = grid_records(page)
    assert len(narrowed) == expected and set(narrowed) < set(every)
    cells = page.locator(f"#{GRID} .ag-center-cols-container [col-id='caseworker']").all_inner_texts()
    assert cells and set(cells) == {worker}
    assert table_rows(page, "#quality-groups") == [[team, worker, n]]

    file, path = download(page, "CSV", "fix-list-DQ605-caseworker.csv")
    rows = csv_records(path)
    assert list(rows["Record to fix"]) == narrowed and set(rows["Caseworker"]) == {worker}
