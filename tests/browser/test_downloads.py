"""The data book's downloads, clicked as a reader clicks them: the CSV and the Excel workbook hold the same
figures as the grid on the page, with their definitions, symbols and the Open Government Licence, and a
suppressed figure stays a `c` (never a 0 or a blank)."""

from __future__ import annotations

import openpyxl
import pandas as pd
from playwright.sync_api import expect

from tests.browser.conftest import DOWNLOADS, check_view, settle

INDICATOR = "ehcp_issued_20wk"
AREA = "E06000023"
COLUMNS = ["Indicator ID", "Indicator", "Period", "Area code", "Area", "Breakdown", "Breakdown value", "Numerator",
           "Denominator", "Value", "Unit", "Status", "Source"]
TOTAL = ("Total", "All children and young people")
OGL = "Open Government Licence v3.0"


def _grid_row(page, period: str, breakdown: str) -> dict[str, str]:
    """Filter the grid with its own filter boxes to one period and breakdown, and read the first row's cells."""
    for column, text in (("Period", period), ("Breakdown", breakdown)):
        box = page.get_by_role("textbox", name=f"{column} Filter Input")
        box.fill(text)
    rows = page.locator("#databook-grid .ag-center-cols-container .ag-row")
    row = rows.filter(has=page.locator("[col-id='pc']", has_text=period)).filter(
        has=page.locator("[col-id='breakdown']", has_text=breakdown))
    expect(rows).to_have_count(1)  # the filters leave one row
    expect(row).to_have_count(1)
    cells = {c: row.locator(f"[col-id='{c}']").inner_text().strip() for c in ("pc", "breakdown", "group", "n", "d",
                                                                                "v", "status", "source")}
    return cells


def _download(page, name: str, dest: str):
    with page.expect_download() as info:
        page.get_by_role("link", name=name).click()
    download = info.value
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    path = DOWNLOADS / dest
    download.save_as(path)
    return download, path


def test_data_book_downloads_match_the_grid(page, app_url):
    page.goto(app_url + f"/data-book?indicator={INDICATOR}&area={AREA}")
    main = check_view(page, "downloads_data_book")
    assert "New EHC plans issued within 20 weeks, including exceptions: Bristol, City of, every period" in main
    assert page.locator("#databook-grid .ag-row").count() > 0

    csv_download, csv_path = _download(page, "CSV (comma-separated values)", "ehcp_issued_20wk.csv")
    assert csv_download.suggested_filename == f"{INDICATOR}_{AREA}_partner.csv"
    xlsx_download, xlsx_path = _download(page, "Excel workbook, with definitions and symbols", "ehcp_issued_20wk.xlsx")
    assert xlsx_download.suggested_filename == f"{INDICATOR}_{AREA}_partner.xlsx"

    # The grid's all-children figure for 2024, and 2019's: DfE's published 0.8% (3 of 395), shown to partners as
    # published although its numerator is small (it is already public), read from the page.
    shown_2024 = _grid_row(page, "2024", "Total")
    assert (shown_2024["pc"], shown_2024["breakdown"], shown_2024["group"]) == ("2024", *TOTAL)
    assert shown_2024["v"].endswith("%") and shown_2024["v"][:-1].replace(".", "").isdigit(), shown_2024
    shown_2019 = _grid_row(page, "2019", "Total")
    assert (shown_2019["v"], shown_2019["status"], shown_2019["source"]) == ("0.8%", "", "Published by DfE"), shown_2019
    every_row = main.split(" rows.")[0].rsplit("\n", 1)[-1]
    expect(page.locator("#databook-row-count")).to_have_text(f"Showing 1 of {every_row} rows")  # follows the filters
    check_view(page, "downloads_data_book_filtered")

    # CSV: the columns, the same 2024 figure, and suppressed cells as `c`.
    csv = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(csv.columns) == COLUMNS
    assert set(csv["Indicator ID"]) == {INDICATOR} and set(csv["Area code"]) == {AREA}
    assert set(csv["Area"]) == {"Bristol, City of"}
    total = csv[(csv["Breakdown"] == TOTAL[0]) & (csv["Breakdown value"] == TOTAL[1])].set_index("Period")
    assert total.loc["2024", "Value"] == shown_2024["v"].removesuffix("%")
    assert total.loc["2024", "Numerator"] == shown_2024["n"].replace(",", "")
    assert total.loc["2024", "Denominator"] == shown_2024["d"].replace(",", "")
    assert (total.loc["2019", "Value"], total.loc["2019", "Status"], total.loc["2019", "Source"]) == (
        "0.8", "", "Published by DfE")
    suppressed = csv[csv["Status"] == "c"]
    assert len(suppressed) > 0 and set(suppressed["Value"]) == {"c"}, "a suppressed value is c, never 0 or blank"
    assert not csv.isin(["None", "nan", "NaN"]).any().any()
    assert len(csv) == int(main.split(" rows.")[0].rsplit("\n", 1)[-1].replace(",", "")), "every row of the grid"

    # Excel: Data, Metadata and Symbols sheets; the same figures; definitions, symbols and the licence.
    book = openpyxl.load_workbook(xlsx_path)
    assert {"Data", "Metadata", "Symbols"} <= set(book.sheetnames)
    data = list(book["Data"].iter_rows(values_only=True))
    assert list(data[0]) == COLUMNS
    assert len(data) - 1 == len(csv), "the workbook holds the same rows as the CSV"
    by_key = {(r[2], r[5], r[6]): r for r in data[1:]}
    assert by_key[("2024", *TOTAL)][9] == float(shown_2024["v"].removesuffix("%"))
    assert by_key[("2019", *TOTAL)][9] == 0.8 and by_key[("2019", *TOTAL)][12] == "Published by DfE"
    assert all(r[9] == "c" for r in data[1:] if r[11] == "c"), "suppressed cells hold the symbol, not 0"
    metadata = {r[0]: r[1] for r in book["Metadata"].iter_rows(values_only=True) if r[0]}
    assert metadata["Area"] == f"Bristol, City of ({AREA})"
    assert OGL in metadata["Licence"]
    assert metadata["Indicator ID"] == INDICATOR
    symbols = {r[0]: r[1] for r in book["Symbols"].iter_rows(values_only=True) if r[0]}
    assert symbols["c"].startswith("Confidential")
    assert {"c", "x", "z", "low", "u"} <= set(symbols)
    assert any(OGL in str(k) for k in symbols), "the licence on the symbols sheet"
    settle(page)
