"""Reading messy real-world files: encodings, header rows, DfE symbols, numbers and dates.

Everything here is vectorised over pandas string Series and never turns a symbol or a blank into zero.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from data.errors import SourceError

# DfE / GSS symbols and the older ones still found in LAIT and historic files, mapped to the status the
# product carries. A symbol always becomes a null value plus this status, never a zero.
SYMBOL_STATUS = {
    "x": "x",  # not available
    "z": "z",  # not applicable
    "c": "c",  # confidential (suppressed)
    "low": "low",  # rounds to zero but is not zero
    "u": "u",  # low reliability
    ":": "x",
    "..": "x",
    "-": "x",
    "~": "low",
    "n/a": "z",
    "na": "x",
    "": "x",
}
STATUSES = ("value", "c", "x", "z", "low", "u")

_NUMBER_JUNK = re.compile(r"[,£%\s]")


def normalise_column(name: str) -> str:
    """`Received Date ` / `RECEIVED-DATE` / BOM-prefixed names all become `received_date`."""
    name = str(name).replace("\ufeff", "").strip().lower()
    return re.sub(r"[^0-9a-z]+", "_", name).strip("_")


def parse_measure(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Published cell text -> (float value, status). Thousands separators and `%` signs are allowed.

    Text that is neither a number nor a known symbol gets status `x` and the caller decides whether that is
    a quarantine matter (local data) or a published oddity (national data).
    """
    text = raw.astype("string").str.strip()
    lowered = text.str.lower().fillna("")
    value = pd.to_numeric(text.str.replace(_NUMBER_JUNK, "", regex=True), errors="coerce").astype("float64")
    value = value.where(np.isfinite(value))
    status = pd.Series(np.where(value.notna(), "value", "x"), index=raw.index, dtype="object")
    symbol = lowered.map(SYMBOL_STATUS)
    status = status.where(symbol.isna() | value.notna(), symbol)
    return value, status.astype("string")


def parse_number(raw: pd.Series) -> pd.Series:
    """Local numeric fields: `1,234`, ` 56 `, `12.5%` -> float; anything else -> NaN (the caller quarantines)."""
    text = raw.astype("string").str.strip()
    number = pd.to_numeric(text.str.replace(_NUMBER_JUNK, "", regex=True), errors="coerce").astype("float64")
    return number.where(np.isfinite(number))  # 'inf' and 'nan' are words, not numbers


_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%Y-%b-%d %H:%M:%S",  # COLLECT exports: 2022-Sep-28 00:00:00
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d-%m-%Y",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d %b %Y",
    "%d-%b-%Y",
    "%Y%m%d",
)


def parse_date(raw: pd.Series) -> pd.Series:
    """Dates as ISO, dd/mm/yyyy (never US order), COLLECT's `2022-Sep-28 00:00:00` or Excel serials.

    Returns datetime64 with NaT where the text is blank or cannot be read; callers quarantine the latter.
    """
    text = raw.astype("string").str.strip()
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    todo = text.notna() & (text != "")
    for fmt in _DATE_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        hit = parsed.notna()
        out.loc[hit[hit].index] = parsed[hit]
        todo.loc[hit[hit].index] = False
    if todo.any():  # Excel serial day numbers (1990-2100)
        serial = pd.to_numeric(text[todo], errors="coerce")
        ok = serial.between(32874, 73050)
        out.loc[ok[ok].index] = _EXCEL_EPOCH + pd.to_timedelta(np.floor(serial[ok]), unit="D")  # the day, not the time
    return out.dt.normalize()


# ---------------------------------------------------------------------------------------------------------
# Text files

GZIP = ".gz"


def plain_path(path: Path) -> Path:
    """The file's name as published: `caseload.csv.gz` -> `caseload.csv` (names, kinds and datasets come from it)."""
    path = Path(path)
    return path.with_suffix("") if path.suffix.lower() == GZIP else path


def read_bytes(path: Path) -> bytes:
    """A file's bytes as published: a gzip-compressed copy (`.gz`, how the repository keeps big CSVs) is
    decompressed, so a reader never sees the difference."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError(path, f"cannot be read ({exc.strerror})", "check the path and file permissions") from exc
    if path.suffix.lower() != GZIP:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(path, f"is not a readable gzip file ({exc})", "compress the file again with gzip, or supply it uncompressed") from exc


def decode_file(path: Path) -> tuple[str, str]:
    """Read a text file as UTF-8 (with or without BOM) or Windows-1252, the two encodings councils produce."""
    raw = read_bytes(path)
    if not raw.strip():
        raise SourceError(path, "the file is empty", "export the file again; it has no header and no rows")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:4096]:
        raise SourceError(
            path,
            "the file is UTF-16 or binary, not a text CSV",
            "save it from Excel as 'CSV UTF-8 (Comma delimited)'",
        )
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise SourceError(
            path,
            f"the text cannot be decoded as UTF-8 or Windows-1252 (byte {exc.start})",
            "save it from Excel as 'CSV UTF-8 (Comma delimited)'",
        ) from exc


def read_csv_text(path: Path, expected: set[str] | None = None, max_title_rows: int = 15,
                  one_line_records: bool = False) -> pd.DataFrame:
    """Read a CSV as strings, skipping title rows above the header and blank rows.

    `one_line_records` (local extracts, which hold no multi-line cells) refuses a record spanning several lines:
    it is almost always an unclosed quote swallowing the rows after it. Published files keep their quoted
    multi-line notes.

    `expected` (normalised column names) picks the header row: the first of the top rows that contains the
    most of them. The frame gets a `_row` column holding the 1-based line number in the file, for messages.
    """
    text, _ = decode_file(path)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows, starts = _csv_records(path, text, delimiter, one_line_records)
    header_at = _find_header(rows, expected, max_title_rows)
    if header_at is None:
        raise SourceError(path, "no header row was found", "the first non-blank row must hold the column names")
    header = [normalise_column(c) for c in rows[header_at]]
    while header and header[-1] == "":
        header.pop()
    _refuse_repeated_columns(path, header)
    width = len(header)
    body, line_numbers, overfull = [], [], []
    for row, line in zip(rows[header_at + 1 :], starts[header_at + 1 :], strict=True):
        if not any(cell.strip() for cell in row):
            continue  # blank and trailing blank rows
        body.append([cell if cell.strip() else None for cell in (row + [""] * width)[:width]])
        line_numbers.append(line)
        if any(cell.strip() for cell in row[width:]):
            overfull.append(line)
    frame = pd.DataFrame(body, columns=header, dtype="string")
    frame["_row"] = line_numbers
    if overfull:  # the row still counts; its extra cells are named, never dropped in silence
        shown = ", ".join(map(str, overfull[:10])) + (", ..." if len(overfull) > 10 else "")
        frame.attrs["warnings"] = [f"{len(overfull):,} row(s) have more cells than the header (line(s) {shown}): the "
                                   "extra cells were not loaded; check for an unquoted comma or a missing column name"]
    return frame


def _csv_records(path: Path, text: str, delimiter: str, one_line_records: bool) -> tuple[list[list[str]], list[int]]:
    """Every CSV record with the physical line it starts on; with `one_line_records`, the count of records is
    checked against the count of lines, independently of the parser."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows, starts, consumed = [], [], 0
    try:
        for row in reader:
            rows.append(row)
            starts.append(consumed + 1)
            consumed = reader.line_num
    except csv.Error as exc:
        raise _unreadable_record(path, text, delimiter, rows, consumed + 1, exc) from exc
    if one_line_records and consumed != len(rows):  # the parser read fewer records than there are lines
        at = next(i for i, row in enumerate(rows) if any("\n" in cell or "\r" in cell for cell in row))
        swallowed = (starts[at + 1] if at + 1 < len(starts) else consumed + 1) - starts[at] - 1
        raise SourceError(path, f"a quote (\") opened on line {starts[at]} is not closed on that line, so the "
                                f"{swallowed:,} line(s) after it would be read as one cell",
                          f"close or remove the stray quote on line {starts[at]} (and any line break inside a cell), "
                          "then export the file again")
    return rows, starts


def _unreadable_record(path: Path, text: str, delimiter: str, rows: list[list[str]], line: int,
                       exc: csv.Error) -> SourceError:
    if "field larger than field limit" not in str(exc):
        return SourceError(path, f"line {line} cannot be read as CSV ({exc})",
                           "save it from Excel as 'CSV UTF-8 (Comma delimited)'")
    limit = csv.field_size_limit()
    cells = text.split("\n", line)[line - 1].split(delimiter)  # the offending physical line, cut plainly
    column = max(range(len(cells)), key=lambda i: len(cells[i]))
    header = next((r for r in rows if sum(1 for c in r if c.strip()) >= 2), [])
    name = f"'{normalise_column(header[column])}'" if column < len(header) else f"number {column + 1}"
    return SourceError(path, f"the cell in column {name} on line {line} is longer than the {limit:,}-character limit",
                       f"check that cell (often a missing closing quote or text pasted into it) and shorten it to "
                       f"under {limit:,} characters")


def _refuse_repeated_columns(path: Path, header: list[str]) -> None:
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    if repeated:
        raise SourceError(path, f"the column(s) {', '.join(repr(h) for h in repeated)} appear more than once in the header",
                          "keep one column of each name")


def list_sheets(path: Path) -> list[str]:
    """Sheet names of a workbook, or a SourceError when the file is not a real .xlsx (e.g. a renamed CSV)."""
    try:
        return pd.ExcelFile(path, engine="openpyxl").sheet_names
    except Exception as exc:  # openpyxl raises many types for a bad zip or a non-workbook
        raise SourceError(path, f"is not a readable .xlsx workbook ({type(exc).__name__})",
                          "open it in Excel and save it as .xlsx, or give it the .csv extension it really has") from exc


def _find_header(rows: list[list[str]], expected: set[str] | None, max_title_rows: int) -> int | None:
    candidates = [(i, r) for i, r in enumerate(rows[:max_title_rows]) if sum(1 for c in r if c.strip()) >= 2]
    if not candidates:
        return None
    if not expected:
        return candidates[0][0]
    best, best_hits = candidates[0][0], -1
    for i, row in candidates:
        hits = len(expected & {normalise_column(c) for c in row})
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def read_xlsx_text(path: Path, sheet: str | None, expected: set[str] | None = None) -> pd.DataFrame:
    """Read one sheet of a workbook as strings with the same header detection as CSV."""
    names = list_sheets(path)
    book = pd.ExcelFile(path, engine="openpyxl")
    chosen = _pick_sheet(names, sheet)
    if chosen is None:
        raise SourceError(path, f"has no sheet named '{sheet}' (sheets: {', '.join(names)})", f"rename the data sheet to '{sheet}'")
    grid = pd.read_excel(book, sheet_name=chosen, header=None, dtype=str).fillna("")
    rows = grid.astype(str).values.tolist()
    header_at = _find_header(rows, expected, 15)
    if header_at is None:
        raise SourceError(path, f"sheet '{chosen}' has no header row", "put the column names in the first non-blank row")
    header = [normalise_column(c) for c in rows[header_at]]
    keep = [i for i, h in enumerate(header) if h]
    _refuse_repeated_columns(path, [header[i] for i in keep])
    body, line_numbers = [], []
    for i, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        if any(str(row[j]).strip() for j in keep):
            body.append([row[j] if str(row[j]).strip() else None for j in keep])
            line_numbers.append(i)
    frame = pd.DataFrame(body, columns=[header[j] for j in keep], dtype="string")
    frame["_row"] = line_numbers
    return frame


def _pick_sheet(names: list[str], wanted: str | None) -> str | None:
    if wanted is None:
        return names[0] if names else None
    for name in names:
        if normalise_column(name) == normalise_column(wanted):
            return name
    return None
