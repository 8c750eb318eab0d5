"""The data book's exports: protected result frames and their metadata in, CSV text or XLSX bytes out.

Pure functions with no engine, no Flask and no Dash: the routes (`dashboard.routes`) and the data book page
(`dashboard.pages.data_book`) fetch the figures from the engine for the caller's audience and hand them here,
so a file can never hold more than the page shows.

    table = Table(indicator=result.indicator, source_used=result.source, frame=result.frame)
    text = to_csv([table], context)
    data = to_xlsx([table], context)   # sheets: Data, Metadata, Symbols

Rules every cell follows:
* a figure hidden for the audience is written as its symbol (`c`), never as 0 or a blank;
* a figure the source does not give is `x` (not available), a denominator the definition has none of is `z`;
* text that a spreadsheet could read as a formula (starting `=`, `+`, `-`, `@`, a tab or a carriage return)
  is prefixed with an apostrophe, and XLSX strings are written as strings (`strings_to_formulas=False`).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from dashboard.figures import format_change, format_period
from dashboard.format import SYMBOL_MEANINGS, SYMBOL_SHORT
from indicators.catalogue.model import BREAKDOWNS, THEME_TITLES, Indicator
from indicators.results import sources_of
from indicators.vocabulary import RESULT_COLUMNS, SOURCE_COLUMN, TOTAL

OGL_ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."
OGL_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
SYNTHETIC_NOTE = ("Figures computed from local records in this file are synthetic: they were generated for "
                  "demonstration and describe no real child or young person. Published national figures are real.")

SYMBOLS = SYMBOL_MEANINGS  # every symbol and what it means, in legend order (dashboard.format)
PROVISIONAL = "p"  # marks a row the engine flags `provisional`, beside (never instead of) its figure or symbol

UNIT_WORDS = {"percent": "Percentage (%)", "count": "Number", "rate_per_10000": "Rate per 10,000",
              "mean_score": "Average score", "gap_points": "Gap in points", "weeks": "Weeks", "days": "Days"}
VALUE_HEADERS = {"percent": "Value (%)", "count": "Value (number)", "rate_per_10000": "Value (rate per 10,000)",
                 "mean_score": "Value (average score)", "gap_points": "Value (gap in points)",
                 "weeks": "Value (weeks)", "days": "Value (days)"}
POLARITY_WORDS = {"high_is_good": "Higher is better", "low_is_good": "Lower is better",
                  "no_judgement": "No judgement (neither higher nor lower is better)"}
FREQUENCY_WORDS = {"monthly": "Monthly", "termly": "Termly", "annual": "Annual"}
YEAR_TYPE_WORDS = {"calendar": "Calendar year (January to December)",
                   "academic": "Academic year (September to August)",
                   "financial": "Financial year (April to March)"}
SOURCE_WORDS = {"local": "Local records (the council's case-management extract)",
                "aggregate": "Partner returns (aggregate measures template)",
                "national": "Published national statistics (Department for Education)",
                "official": "Published national statistics (Department for Education) for every period DfE has "
                            "published; the council's local records for the rest and for breakdowns DfE does not "
                            "publish (each row says which)"}
SOURCE_SHORT = {"local": "Local records", "aggregate": "Partner returns", "national": "Published (DfE)",
                "official": "Published (DfE), then local records"}
COMPARATOR_WORDS = {"statistical_neighbours": "Statistical neighbours", "region": "Region",
                    "england": "England", "all_las": "All local authorities"}
AUDIENCE_WORDS = {"officer": "Council officers (unsuppressed)",
                  "partner": "Partners: board, commissioners and NHS (small numbers suppressed)",
                  "public": "Public and parent carer forum (small numbers suppressed, counts rounded to 5)"}
TOTAL_LABEL = "All children and young people"

DATA_HEADERS = ["Indicator ID", "Indicator", "Period", "Area code", "Area", "Breakdown", "Breakdown value",
                "Numerator", "Denominator", "Value", "Unit", "Status", "Source"]
ROW_SOURCE_WORDS = {"published": "Published by DfE", "local": "Local records", "partner": "Partner return"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


# --- inputs ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Table:
    """One indicator's protected rows, its catalogue entry and the figures used (`local`, `aggregate`,
    `national`, or `official`: DfE's published figures with local records for the periods not yet published)."""

    indicator: Indicator
    source_used: str
    frame: pd.DataFrame = field(repr=False)


@dataclass(frozen=True)
class Context:
    """What a file says about itself: where, when, for whom, from which warehouse."""

    area_code: str
    area_name: str
    audience: str
    suppression_note: str
    warehouse_version: str
    generated: datetime
    period: str | None = None  # None: every period
    reference_date: str | None = None  # the date the data runs to
    synthetic: bool = False  # warehouse_info synthetic_local_data
    title: str = "SEND data book"
    missing: tuple[str, ...] = ()  # indicators left out because they have no figures here
    notes: tuple[str, ...] = ()  # anything else a reader of the file should know


# --- text helpers ----------------------------------------------------------------------------------------

def plain(value: Any) -> str:
    """Text for a page or a cell: never None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def safe_text(value: Any) -> str:
    """Text for a file's cell: never None or NaN, and never something a spreadsheet would run as a formula."""
    text = plain(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def file_stem(*parts: str | None) -> str:
    """`ehcp_issued_20wk_E06000023_2024_partner`: letters, digits, `_`, `-` and `.` only, never empty."""
    words = [_SAFE_NAME.sub("-", str(p)).strip("-.") for p in parts if p]
    return "_".join(w for w in words if w)[:150] or "data"


def safe_file_name(*parts: str | None, ext: str) -> str:
    """`ehcp_issued_20wk_E06000023_2024_partner.xlsx` (see `file_stem`)."""
    return f"{file_stem(*parts)}.{_SAFE_NAME.sub('', ext)}"


def number_text(value: float) -> str:
    """A number as a CSV writes it: whole numbers without a point, others without float noise."""
    if float(value).is_integer():
        return str(int(value))
    return f"{round(float(value), 6):.6f}".rstrip("0").rstrip(".")


def value_text(value: float, unit: str, places: int) -> str:
    """A number as a page shows it: thousands separators, the indicator's decimal places, `%` for percentages."""
    text = f"{float(value):,.{places}f}"
    return f"{text}%" if unit == "percent" else text


def status_text(status: str | None) -> str:
    """`c (suppressed)`; empty for a figure that is shown."""
    if status is None or status == "value" or status not in SYMBOLS:
        return ""
    return f"{status} ({SYMBOL_SHORT[status]})"


def breakdown_label(name: str) -> str:
    return "Total" if name == TOTAL else BREAKDOWNS.get(name, name.replace("_", " "))


def join_words(items: Iterable[str], words: dict[str, str] | None = None) -> str:
    return ", ".join((words or {}).get(i, i) for i in items)


# --- combining breakdowns --------------------------------------------------------------------------------

def combine_breakdowns(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """One tidy frame from an indicator's results at several breakdowns (each with its all-children rows).

    The engine protects each breakdown's table on its own, so an all-children figure that one breakdown's
    secondary suppression hid may be shown in another's. A data book shows them side by side, so each
    all-children figure is kept only where *every* table showed it: the most protected version wins.
    """
    frames = [f for f in frames if f is not None and len(f)]
    columns = [*RESULT_COLUMNS, *[c for c in (SOURCE_COLUMN, "provisional") if frames and all(c in f for f in frames)]]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in RESULT_COLUMNS})
    totals = [f[f["breakdown"] == TOTAL] for f in frames]
    parts = [f[f["breakdown"] != TOTAL] for f in frames]
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    order: list[tuple[str, str]] = []
    for frame in totals:
        for row in frame.to_dict("records"):
            key = (str(row["period"]), str(row["area_code"]))
            if key not in merged:
                merged[key] = dict(row)
                order.append(key)
                continue
            kept = merged[key]
            for column in ("numerator", "denominator", "value"):
                if _missing(row[column]) and not _missing(kept[column]):
                    kept[column] = math.nan
            if row["status"] != "value" and kept["status"] == "value":
                kept["status"] = row["status"]
    total_frame = pd.DataFrame([merged[k] for k in order], columns=columns)
    seen: set[str] = set()
    unique_parts = []
    for part in parts:  # a breakdown asked for twice is kept once
        names = set(part["breakdown"].unique())
        if names & seen:
            continue
        seen |= names
        unique_parts.append(part)
    out = pd.concat([total_frame, *unique_parts], ignore_index=True)
    for column in ("numerator", "denominator", "value"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    return out[columns].reset_index(drop=True)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


# --- one row as every output shows it --------------------------------------------------------------------

def cell(value: Any, status: str, column: str, indicator: Indicator) -> float | str:
    """A figure, or the symbol that stands in for it.

    Hidden (`c` rows) -> `c`; a row the source marks x/z/low/u -> that symbol; a component the source does
    not give -> `x`; a denominator the definition does not have -> `z`.
    """
    if not _missing(value):
        return float(value)
    if column == "denominator" and not indicator.definition.denominator:
        return "z"
    if status in SYMBOLS:
        return status
    return "x"


def records(table: Table) -> list[dict[str, Any]]:
    """Every row of the table with numbers (or symbols) and display text, in the engine's order.

    Keys: indicator_id, indicator, period, period_label, area_code, area_name, breakdown, breakdown_label,
    breakdown_value, numerator, denominator, value (a float or a symbol), *_text (as shown on a page),
    unit, unit_label, status, status_text, provisional, status_code (the Status cell of a file: the status
    symbol and/or `p`), source, source_label (local figures for a period DfE has not yet published are
    "Local records, provisional (not yet published)").
    """
    indicator = table.indicator
    unit = indicator.definition.unit.value
    places = indicator.decimal_places
    frame = table.frame
    sources = frame[SOURCE_COLUMN] if SOURCE_COLUMN in frame else pd.Series([None] * len(frame), index=frame.index)
    published_periods = set(frame.loc[sources == "published", "period"].astype(str))
    publishes = bool(indicator.national)
    out = []
    for row in frame.to_dict("records"):
        status = str(row.get("status") or "value")
        status = status if status in SYMBOLS or status == "value" else "value"
        item: dict[str, Any] = {
            "indicator_id": indicator.id, "indicator": indicator.title,
            "period": str(row["period"]), "period_label": format_period(str(row["period"])),
            "area_code": plain(row["area_code"]), "area_name": plain(row["area_name"]),
            "breakdown": str(row["breakdown"]), "breakdown_label": breakdown_label(str(row["breakdown"])),
            "breakdown_value": TOTAL_LABEL if row["breakdown_value"] == TOTAL else plain(row["breakdown_value"]),
            "unit": unit, "unit_label": UNIT_WORDS.get(unit, unit), "status": status,
            "status_text": status_text(status), "provisional": bool(row.get("provisional") == 1),  # NaN: no
        }
        source = row.get(SOURCE_COLUMN) if isinstance(row.get(SOURCE_COLUMN), str) else ""
        item["source"] = source
        item["source_label"] = ROW_SOURCE_WORDS.get(source, "") + (
            ", provisional (not yet published)" if source == "local" and publishes
            and str(row["period"]) not in published_periods else "")
        codes = ([] if status == "value" else [status]) + ([PROVISIONAL] if item["provisional"] else [])
        item["status_code"] = " ".join(codes)
        if item["provisional"]:
            item["status_text"] = "; ".join(t for t in (item["status_text"], status_text(PROVISIONAL)) if t)
        for column in ("numerator", "denominator", "value"):
            figure = cell(row.get(column), status, column, indicator)
            item[column] = figure
            if isinstance(figure, str):
                item[f"{column}_text"] = f"{figure} ({SYMBOL_SHORT[figure]})" if figure in SYMBOL_SHORT else figure
            elif column == "value":
                item[f"{column}_text"] = value_text(figure, unit, places)
            else:
                item[f"{column}_text"] = (f"{figure:,.0f}" if float(figure).is_integer() else f"{figure:,.1f}")
        out.append(item)
    return out


# --- CSV -------------------------------------------------------------------------------------------------

def to_csv(tables: Sequence[Table], context: Context | None = None) -> str:
    """Tidy CSV, one row per figure, headed by DATA_HEADERS; symbols in place of hidden figures."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(DATA_HEADERS)
    for table in tables:
        for r in records(table):
            writer.writerow([
                safe_text(r["indicator_id"]), safe_text(r["indicator"]), safe_text(r["period_label"]),
                safe_text(r["area_code"]), safe_text(r["area_name"]), safe_text(r["breakdown_label"]),
                safe_text(r["breakdown_value"]),
                *[r[c] if isinstance(r[c], str) else number_text(r[c]) for c in ("numerator", "denominator", "value")],
                safe_text(r["unit_label"]), r["status_code"], safe_text(r["source_label"]),
            ])
    return buffer.getvalue()


# --- metadata --------------------------------------------------------------------------------------------

METADATA_FIELDS = ["Indicator ID", "Title", "Theme", "Outcome it evidences", "Definition: numerator",
                   "Definition: denominator", "Unit", "Decimal places", "Polarity", "Source", "Publication",
                   "Frequency", "Year", "Breakdowns", "Comparators", "Similar within", "Figures used", "Last update", "Next update",
                   "Methodology notes"]


def metadata_fields(indicator: Indicator, source_used: str | None = None) -> list[tuple[str, str]]:
    """The catalogue entry as (label, plain text) pairs, for a metadata sheet or a dictionary page. source_used:
    the figures a table holds (else "Figures used" lists every source the catalogue gives)."""
    definition = indicator.definition
    unit = definition.unit.value
    polarity, frequency, year_type = indicator.polarity.value, indicator.frequency.value, indicator.year_type.value
    breakdowns = [TOTAL_LABEL, *[BREAKDOWNS.get(b, b) for b in indicator.breakdowns]]
    values = [
        indicator.id, indicator.title, THEME_TITLES[indicator.theme], indicator.outcome, definition.numerator,
        definition.denominator or ("Not applicable (a count)" if unit == "count" else "Not applicable"), UNIT_WORDS.get(unit, unit),
        str(indicator.decimal_places), POLARITY_WORDS.get(polarity, polarity),
        indicator.source, indicator.publication or "Not published nationally",
        FREQUENCY_WORDS.get(frequency, frequency), YEAR_TYPE_WORDS.get(year_type, year_type), "; ".join(breakdowns),
        join_words([c.value for c in indicator.comparators], COMPARATOR_WORDS) or "Not benchmarked",
        _similar_words(indicator.similar_within, unit),
        SOURCE_WORDS.get(source_used or "", "") or join_words(sources_of(indicator), SOURCE_WORDS),
        date_text(indicator.last_update), date_text(indicator.next_update),
        indicator.methodology or "Not recorded",
    ]
    return [(label, plain(v) or "Not recorded") for label, v in zip(METADATA_FIELDS, values, strict=True)]


def _similar_words(within: Any, unit: str) -> str:
    """The band within which a figure reads as similar to a comparator (the catalogue's `similar_within`)."""
    if within is None:
        return ""
    if unit == "count":
        return "Not rated against other councils (a count mostly reflects a council's size)"
    return (f"Within {format_change(float(within), unit, 1)} of the statistical neighbours' average or England, or "
            "with the comparator inside the figure's 95% confidence interval, the figure reads as similar")


def date_text(value: Any) -> str:
    if not value:
        return "Not recorded"
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return f"{when.day} {when:%B %Y}"


def about_fields(context: Context, tables: Sequence[Table]) -> list[tuple[str, str]]:
    """What the file is: area, period, audience and its suppression rules, date, warehouse, licence."""
    fields = [
        ("Title", context.title),
        ("Area", f"{context.area_name} ({context.area_code})"),
        ("Period", format_period(context.period) if context.period else "Every period available"),
        ("Audience", AUDIENCE_WORDS.get(context.audience, context.audience)),
        ("Suppression", context.suppression_note),
        ("Generated", f"{context.generated.day} {context.generated:%B %Y at %H:%M}"),
        ("Data to", date_text(context.reference_date) if context.reference_date else "Not recorded"),
        ("Warehouse version", context.warehouse_version),
    ]
    if context.synthetic and any(t.source_used in ("local", "aggregate", "official") for t in tables):
        fields.append(("Synthetic data", SYNTHETIC_NOTE))
    fields += [("Note", note) for note in context.notes]
    if context.missing:
        fields.append(("Not included", "These indicators have no figures for this area and period, so they are "
                       "not in this file: " + "; ".join(context.missing) + "."))
    fields.append(("Licence", f"{OGL_ATTRIBUTION} {OGL_URL}"))
    return [(label, plain(text)) for label, text in fields]


# --- XLSX ------------------------------------------------------------------------------------------------

def workbook(buffer: io.BytesIO, title: str, subject: str, comments: str = ""):
    """An in-memory xlsxwriter workbook that writes every string as a string: never a formula, URL or number."""
    import xlsxwriter

    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    book.set_properties({"title": safe_text(title), "subject": safe_text(subject), "comments": safe_text(comments)})
    return book


def _number_format(unit: str, places: int) -> str:
    return "#,##0" + ("." + "0" * places if places else "")


def to_xlsx(tables: Sequence[Table], context: Context) -> bytes:
    """A workbook with sheets Data (tidy rows), Metadata (about the file, then each indicator) and Symbols."""
    buffer = io.BytesIO()
    book = workbook(buffer, context.title, context.area_name, OGL_ATTRIBUTION)
    bold = book.add_format({"bold": True, "bg_color": "#F3F2F1", "border": 1, "text_wrap": True, "valign": "top"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    label = book.add_format({"bold": True, "valign": "top"})
    symbol = book.add_format({"align": "right"})
    formats: dict[str, Any] = {}

    def number(fmt: str):
        if fmt not in formats:
            formats[fmt] = book.add_format({"num_format": fmt})
        return formats[fmt]

    # Data
    data = book.add_worksheet("Data")
    widths = [len(h) for h in DATA_HEADERS]
    for col, header in enumerate(DATA_HEADERS):
        data.write_string(0, col, header, bold)
    row_no = 0
    for table in tables:
        places = table.indicator.decimal_places
        for r in records(table):
            row_no += 1
            texts = [r["indicator_id"], r["indicator"], r["period_label"], r["area_code"], r["area_name"],
                     r["breakdown_label"], r["breakdown_value"]]
            for col, text in enumerate(texts):
                text = safe_text(text)
                data.write_string(row_no, col, text)
                widths[col] = max(widths[col], len(text))
            for offset, column in enumerate(("numerator", "denominator", "value")):
                col = 7 + offset
                figure = r[column]
                if isinstance(figure, str):
                    data.write_string(row_no, col, figure, symbol)
                else:
                    fmt = (_number_format(r["unit"], places) if column == "value"
                           else "#,##0" if float(figure).is_integer() else "#,##0.0#")
                    data.write_number(row_no, col, figure, number(fmt))
                widths[col] = max(widths[col], len(r[f"{column}_text"]))
            data.write_string(row_no, 10, safe_text(r["unit_label"]))
            widths[10] = max(widths[10], len(r["unit_label"]))
            data.write_string(row_no, 11, r["status_code"])
            data.write_string(row_no, 12, safe_text(r["source_label"]))
            widths[12] = max(widths[12], len(r["source_label"]))
    _finish_table(data, widths, row_no, "No figures: the loaded data has none for this selection.", widest=60)

    # Metadata
    sheet = book.add_worksheet("Metadata")
    sheet.set_column(0, 0, 28)
    line = 0
    sheet.write_string(line, 0, "About this file", bold)
    sheet.write_string(line, 1, "", bold)
    for key, text in about_fields(context, tables):
        line += 1
        sheet.write_string(line, 0, key, label)
        sheet.write_string(line, 1, safe_text(text), wrap)
    line += 2
    if len(tables) == 1:
        sheet.set_column(1, 1, 100)
        sheet.write_string(line, 0, "Indicator", bold)
        sheet.write_string(line, 1, "", bold)
        for key, text in metadata_fields(tables[0].indicator, tables[0].source_used):
            line += 1
            sheet.write_string(line, 0, key, label)
            sheet.write_string(line, 1, safe_text(text), wrap)
    else:
        sheet.set_column(1, 1, 60)
        sheet.set_column(2, len(METADATA_FIELDS) - 1, 40)
        for col, key in enumerate(METADATA_FIELDS):
            sheet.write_string(line, col, key, bold)
        for table in tables:
            line += 1
            for col, (_, text) in enumerate(metadata_fields(table.indicator, table.source_used)):
                sheet.write_string(line, col, safe_text(text), wrap)

    # Symbols
    legend = book.add_worksheet("Symbols")
    legend.set_column(0, 0, 10)
    legend.set_column(1, 1, 70)
    legend.write_string(0, 0, "Symbol", bold)
    legend.write_string(0, 1, "Meaning", bold)
    for line, (sym, meaning) in enumerate(SYMBOLS.items(), start=1):
        legend.write_string(line, 0, sym)
        legend.write_string(line, 1, meaning[0].upper() + meaning[1:] + ".")
    legend.write_string(len(SYMBOLS) + 2, 0, "Symbols follow the Government Statistical Service convention.")
    legend.write_string(len(SYMBOLS) + 3, 0, OGL_ATTRIBUTION)
    book.close()
    return buffer.getvalue()


# --- lists of records (the officers' case lists) -----------------------------------------------------------

def _list_cell(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool) and not _missing(value):
        return number_text(value)
    return safe_text(value)


def _finish_table(sheet: Any, widths: list[int], rows: int, empty: str, *, widest: int) -> None:
    """Column widths from their longest text, the header frozen and filterable, and a line when there are no rows."""
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(max(width + 2, 8), widest))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(rows, 1), len(widths) - 1)
    if rows == 0:
        sheet.write_string(1, 0, empty)


def list_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A list of records as CSV headed by `headers`: dates as YYYY-MM-DD, numbers plain, text never a formula."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_text(h) for h in headers])
    writer.writerows([_list_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def list_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], about: Sequence[tuple[str, str]], *,
              title: str, subject: str, sheet: str = "Data") -> bytes:
    """A list of records as a workbook: a sheet of the rows (dates as dates, numbers as numbers, text as text)
    and an About sheet of (label, text) pairs saying what the file is."""
    buffer = io.BytesIO()
    book = workbook(buffer, title, subject)
    bold = book.add_format({"bold": True, "bg_color": "#F3F2F1", "border": 1, "text_wrap": True, "valign": "top"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    data = book.add_worksheet(sheet)
    widths = [len(h) for h in headers]
    for col, header in enumerate(headers):
        data.write_string(0, col, safe_text(header), bold)
    row_no = 0
    for row_no, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if isinstance(value, date):
                data.write_datetime(row_no, col, datetime(value.year, value.month, value.day), day)
            elif isinstance(value, int | float) and not isinstance(value, bool) and not _missing(value):
                data.write_number(row_no, col, value)
            else:
                data.write_string(row_no, col, safe_text(value))
            widths[col] = max(widths[col], len(_list_cell(value)))
    _finish_table(data, widths, row_no, "No records match this selection.", widest=40)
    notes = book.add_worksheet("About")
    notes.set_column(0, 0, 24)
    notes.set_column(1, 1, 100)
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    label = book.add_format({"bold": True, "valign": "top"})
    for line, (key, text) in enumerate(about):
        notes.write_string(line, 0, safe_text(key), label)
        notes.write_string(line, 1, safe_text(text), wrap)
    book.close()
    return buffer.getvalue()
