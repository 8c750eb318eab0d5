"""Data book exports from a hand-made result frame: CSV text and an XLSX workbook read back with openpyxl."""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime

import openpyxl
import pandas as pd
import pytest

from dashboard import exports
from indicators.catalogue.model import Indicator
from indicators.disclosure import suppression_note
from indicators.vocabulary import RESULT_COLUMNS, Audience

NAN = math.nan

ENTRY = {
    "id": "plans_20wk", "title": "Plans issued within 20 weeks", "short_title": "Plans in 20 weeks",
    "theme": "governance", "outcome": "Plans are put in place without delay.",
    "definition": {"numerator": "Plans issued within 20 weeks", "denominator": "Plans issued", "unit": "percent"},
    "polarity": "high_is_good", "decimal_places": 1,
    "source": "DfE, Education, health and care plans (SEN2)", "publication": "https://example.gov.uk/sen2",
    "frequency": "annual", "year_type": "calendar", "breakdowns": ["ward"], "comparators": ["england"],
    "last_update": "2025-06-26", "next_update": "2026-06-25", "methodology": "Counted by issue date.",
    "aggregate": {"measure_code": "plans_20wk", "breakdowns": ["ward"]},
}


def entry(**changes) -> Indicator:
    """A catalogue entry made by hand (a partner's figures; `national` for one DfE also publishes)."""
    return Indicator.model_validate({**ENTRY, **changes})


META = entry()
PUBLISHED = entry(national=[{"dataset": "sen2", "query": "national", "topic": "t",
                             "measures": [{"label": "x", "value": "v"}]}])


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


# Two wards, one of them suppressed (its numerator and value hidden), one a true zero; a ward whose name
# would run as a formula in a spreadsheet; and an area name that would too.
ROWS = _frame([
    ("2024", "E06000023", "Bristol", "Total", "Total", 43.0, 200.0, 21.5, "value"),
    ("2024", "E06000023", "Bristol", "ward", "Ashley", NAN, 12.0, NAN, "c"),
    ("2024", "E06000023", "Bristol", "ward", "Bedminster", 0.0, 30.0, 0.0, "value"),
    ("2024", "E06000023", "Bristol", "ward", "=HYPERLINK(\"http://evil\",\"x\")", 43.0, 158.0, 27.2, "value"),
    ("2023", "E06000023", "+SUM(A1:A9)", "Total", "Total", NAN, NAN, NAN, "x"),
])
CONTEXT = exports.Context(
    area_code="E06000023", area_name="Bristol, City of", audience="partner",
    suppression_note=suppression_note(Audience.PARTNER), warehouse_version="abc123",
    generated=datetime(2026, 1, 20, 9, 30), period=None, reference_date="2026-01-15", synthetic=True)


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _workbook(tables=None, context=CONTEXT) -> openpyxl.Workbook:
    data = exports.to_xlsx(tables or [exports.Table(META, "local", ROWS)], context)
    return openpyxl.load_workbook(io.BytesIO(data))


def _metadata(book: openpyxl.Workbook) -> dict[str, str]:
    return {row[0]: row[1] for row in book["Metadata"].iter_rows(values_only=True) if row[0]}


# --- CSV -------------------------------------------------------------------------------------------------

def test_csv_has_the_header_and_one_row_per_figure():
    rows = _csv_rows(exports.to_csv([exports.Table(META, "local", ROWS)], CONTEXT))
    assert rows[0] == ["Indicator ID", "Indicator", "Period", "Area code", "Area", "Breakdown", "Breakdown value",
                       "Numerator", "Denominator", "Value", "Unit", "Status", "Source"]
    assert len(rows) == 1 + 5
    assert rows[1] == ["plans_20wk", "Plans issued within 20 weeks", "2024", "E06000023", "Bristol", "Total",
                       "All children and young people", "43", "200", "21.5", "Percentage (%)", "", ""]


def test_every_row_says_its_source():
    """DfE's figure for a published year, local records for a ward in it, and a local figure for a year DfE has
    not published yet: provisional."""
    frame = ROWS.iloc[[0, 2]].assign(source=["published", "local"])
    later = _frame([("2025", "E06000023", "Bristol", "Total", "Total", 50.0, 200.0, 25.0, "value")])
    frame = pd.concat([frame, later.assign(source="local")], ignore_index=True)
    for text in (exports.to_csv([exports.Table(PUBLISHED, "local", frame)], CONTEXT),):
        rows = _csv_rows(text)
        assert [(r[2], r[6], r[12]) for r in rows[1:]] == [
            ("2024", "All children and young people", "Published by DfE"),
            ("2024", "Bedminster", "Local records"),
            ("2025", "All children and young people", "Local records, provisional (not yet published)")]
    data = list(_workbook([exports.Table(PUBLISHED, "local", frame)])["Data"].iter_rows(min_row=2, values_only=True))
    assert [r[12] for r in data] == ["Published by DfE", "Local records",
                                     "Local records, provisional (not yet published)"]


def test_csv_shows_a_suppressed_figure_as_c_and_a_true_zero_as_0():
    rows = _csv_rows(exports.to_csv([exports.Table(META, "local", ROWS)], CONTEXT))
    ashley = next(r for r in rows if r[6] == "Ashley")
    assert ashley[7] == "c" and ashley[9] == "c" and ashley[11] == "c"
    assert ashley[8] == "12"  # the denominator was not hidden
    bedminster = next(r for r in rows if r[6] == "Bedminster")
    assert bedminster[7] == "0" and bedminster[9] == "0"
    missing = rows[-1]
    assert missing[9] == "x" and missing[11] == "x"


def test_csv_neutralises_formulas():
    text = exports.to_csv([exports.Table(META, "local", ROWS)], CONTEXT)
    rows = _csv_rows(text)
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in [r[6] for r in rows]
    assert rows[-1][4] == "'+SUM(A1:A9)"
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "@")) and not (cell.startswith("-") and not cell[1:2].isdigit())


def test_a_count_has_no_denominator_z():
    meta = entry(decimal_places=0, definition={"numerator": "Plans", "denominator": None, "unit": "count"})
    frame = _frame([("2024", "E1", "A", "Total", "Total", 17.0, NAN, 17.0, "value")])
    row = _csv_rows(exports.to_csv([exports.Table(meta, "local", frame)]))[1]
    assert row[7:10] == ["17", "z", "17"]


# --- XLSX ------------------------------------------------------------------------------------------------

def test_workbook_has_data_metadata_and_symbols_sheets():
    book = _workbook()
    assert book.sheetnames == ["Data", "Metadata", "Symbols"]
    data = book["Data"]
    header = [c.value for c in data[1]]
    assert header == exports.DATA_HEADERS
    assert data.freeze_panes == "A2"


def test_workbook_values_numbers_and_symbols():
    data = list(_workbook()["Data"].iter_rows(min_row=2, values_only=True))
    total = data[0]
    assert total[9] == 21.5 and total[7] == 43 and total[8] == 200
    ashley = next(r for r in data if r[6] == "Ashley")
    assert ashley[9] == "c" and ashley[7] == "c"  # not 0, not blank
    bedminster = next(r for r in data if r[6] == "Bedminster")
    assert bedminster[9] == 0 and bedminster[9] is not None


def test_workbook_number_formats_follow_the_unit():
    sheet = _workbook()["Data"]
    assert sheet.cell(row=2, column=10).number_format == "#,##0.0"  # one decimal place for this percentage
    assert sheet.cell(row=2, column=8).number_format == "#,##0"


def test_workbook_never_holds_a_formula():
    sheet = _workbook()["Data"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    injected = next(c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert injected.value.startswith("'=") and injected.data_type == "s"


def test_workbook_metadata_describes_the_indicator_and_the_file():
    meta = _metadata(_workbook())
    assert meta["Indicator ID"] == "plans_20wk"
    assert meta["Definition: numerator"] == "Plans issued within 20 weeks"
    assert meta["Definition: denominator"] == "Plans issued"
    assert meta["Unit"] == "Percentage (%)"
    assert meta["Polarity"] == "Higher is better"
    assert meta["Source"] == "DfE, Education, health and care plans (SEN2)"
    assert meta["Publication"] == "https://example.gov.uk/sen2"
    assert meta["Frequency"] == "Annual"
    assert meta["Last update"] == "26 June 2025" and meta["Next update"] == "25 June 2026"
    assert meta["Methodology notes"] == "Counted by issue date."
    assert meta["Audience"].startswith("Partners")
    assert meta["Suppression"] == suppression_note(Audience.PARTNER)
    assert meta["Generated"] == "20 January 2026 at 09:30"
    assert meta["Warehouse version"] == "abc123"
    assert meta["Licence"].startswith("Contains public sector information licensed under the Open Government "
                                      "Licence v3.0.")
    assert "synthetic" in meta["Synthetic data"]


def test_synthetic_note_only_for_synthetic_local_figures():
    assert "Synthetic data" not in _metadata(_workbook(context=exports.Context(**{**CONTEXT.__dict__,
                                                                                 "synthetic": False})))
    national = exports.Table(PUBLISHED, "national", ROWS)
    assert "Synthetic data" not in _metadata(_workbook([national]))


def test_symbols_sheet_explains_every_symbol_and_carries_the_licence():
    rows = list(_workbook()["Symbols"].iter_rows(values_only=True))
    assert rows[0] == ("Symbol", "Meaning")
    assert [r[0] for r in rows[1:6]] == ["c", "x", "z", "low", "u"]
    assert any(r[0] == exports.OGL_ATTRIBUTION for r in rows)


def test_several_indicators_share_one_data_sheet_and_list_their_metadata():
    other = entry(id="requests", title="Requests", decimal_places=0,
                  definition={"numerator": "Requests", "denominator": None, "unit": "count"})
    frame = _frame([("2024", "E06000023", "Bristol", "Total", "Total", 120.0, NAN, 120.0, "value")])
    book = _workbook([exports.Table(META, "local", ROWS), exports.Table(other, "local", frame)])
    ids = [r[0] for r in book["Data"].iter_rows(min_row=2, values_only=True)]
    assert ids.count("plans_20wk") == 5 and ids.count("requests") == 1
    rows = list(book["Metadata"].iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r[0] == "Indicator ID" and r[1] == "Title")
    assert [r[0] for r in rows[header + 1:header + 3]] == ["plans_20wk", "requests"]


# --- helpers ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("=1+1", "'=1+1"), ("+44 117", "'+44 117"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("Ashley", "Ashley"), (None, ""), (NAN, ""), ("", ""),
])
def test_safe_text(text, expected):
    assert exports.safe_text(text) == expected


def test_file_names_are_safe():
    assert exports.safe_file_name("ehcp_issued_20wk", "E06000023", None, "partner", ext="csv") == \
        "ehcp_issued_20wk_E06000023_partner.csv"
    name = exports.safe_file_name('../../etc/"passwd"\r\n', "x;y", ext="xlsx")
    assert "/" not in name and '"' not in name and "\n" not in name and ";" not in name
    assert name.endswith(".xlsx")


def test_combined_breakdowns_keep_a_total_hidden_by_any_table():
    total = ("2024", "E1", "A", "Total", "Total", 10.0, NAN, 10.0, "value")
    by_ward = _frame([("2024", "E1", "A", "Total", "Total", NAN, NAN, NAN, "c"),
                      ("2024", "E1", "A", "ward", "North", 7.0, NAN, 7.0, "value"),
                      ("2024", "E1", "A", "ward", "South", NAN, NAN, NAN, "c")])
    by_sex = _frame([total, ("2024", "E1", "A", "sex", "Female", 6.0, NAN, 6.0, "value"),
                     ("2024", "E1", "A", "sex", "Male", NAN, NAN, NAN, "c")])
    out = exports.combine_breakdowns([_frame([total]), by_ward, by_sex])
    totals = out[out["breakdown"] == "Total"]
    assert len(totals) == 1
    assert math.isnan(totals["value"].iat[0]) and totals["status"].iat[0] == "c"
    assert list(out["breakdown_value"]) == ["Total", "North", "South", "Female", "Male"]
