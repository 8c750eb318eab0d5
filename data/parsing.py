"""Reading messy real-world files: encodings, header rows, DfE symbols, numbers and dates.

Everything here is vectorised over pandas string Series and never turns a symbol or a blank into zero.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import re
import zlib
from collections.abc import Iterator
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
    Each distinct text is parsed once: a column of dates repeats its days, so a large file costs little more.
    """
    codes, texts = pd.factorize(raw.astype("string").str.strip())
    days = _parse_date_texts(pd.Series(texts, dtype="string")).to_numpy(dtype="datetime64[ns]")
    days = np.append(days, np.datetime64("NaT", "ns"))  # a blank has code -1: the last entry, NaT
    return pd.Series(days[codes], index=raw.index, dtype="datetime64[ns]")


def _parse_date_texts(text: pd.Series) -> pd.Series:
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
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
    return b"".join(_blocks(path))


BLOCK = 1 << 20  # bytes read at a time when a file is checked or counted


def _open_binary(path: Path):
    path = Path(path)
    try:
        return gzip.open(path, "rb") if path.suffix.lower() == GZIP else path.open("rb")
    except OSError as exc:
        raise SourceError(path, f"cannot be read ({exc.strerror})", "check the path and file permissions") from exc


def _blocks(path: Path) -> Iterator[bytes]:
    """The file's bytes as published, a block at a time (a large file is never held whole)."""
    with _open_binary(path) as handle:
        while True:
            try:
                block = handle.read(BLOCK)
            except (OSError, EOFError, zlib.error) as exc:
                if Path(path).suffix.lower() != GZIP:
                    raise SourceError(path, f"cannot be read ({exc})", "check the path and file permissions") from exc
                raise SourceError(path, f"is not a readable gzip file ({exc})",
                                  "compress the file again with gzip, or supply it uncompressed") from exc
            if not block:
                return
            yield block


def text_encoding(path: Path) -> str:
    """`utf-8-sig` (UTF-8 with or without BOM) or `cp1252`, the two encodings councils produce, checked block by
    block; a SourceError for an empty, UTF-16, binary or undecodable file."""
    utf8, cp1252_at = codecs.getincrementaldecoder("utf-8-sig")(), None
    blank, offset = True, 0
    for block in _blocks(path):
        if offset == 0 and (block[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in block[:4096]):
            raise SourceError(path, "the file is UTF-16 or binary, not a text CSV",
                              "save it from Excel as 'CSV UTF-8 (Comma delimited)'")
        blank = blank and not block.strip()
        if cp1252_at is None:
            try:
                utf8.decode(block)
            except UnicodeDecodeError:
                cp1252_at = offset  # not UTF-8: every block is checked as Windows-1252 from the start again
        offset += len(block)
    if blank:
        raise SourceError(path, "the file is empty", "export the file again; it has no header and no rows")
    try:
        if cp1252_at is None:
            utf8.decode(b"", final=True)
            return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    offset = 0
    for block in _blocks(path):
        try:
            block.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise SourceError(
                path,
                f"the text cannot be decoded as UTF-8 or Windows-1252 (byte {offset + exc.start})",
                "save it from Excel as 'CSV UTF-8 (Comma delimited)'",
            ) from exc
        offset += len(block)
    return "cp1252"


def open_text(path: Path, encoding: str | None = None) -> io.TextIOWrapper:
    """A text stream over the file (decompressed, decoded), read as it goes; `encoding` from `text_encoding`.
    Lines end at `\n` only and keep their endings, as the whole decoded text would split."""
    return io.TextIOWrapper(_open_binary(path), encoding=encoding or text_encoding(path), newline="\n")


def decode_file(path: Path) -> tuple[str, str]:
    """Read a whole text file as UTF-8 (with or without BOM) or Windows-1252 (for small published files; a
    local extract is streamed by `read_csv_text`)."""
    encoding = text_encoding(path)
    return read_bytes(path).decode(encoding), "utf-8" if encoding == "utf-8-sig" else encoding


PARSE_CELLS = 100_000  # cells parsed into Python strings before they become a compact frame
BATCH_CELLS = 1_000_000  # cells in a batch handed on (e.g. to validation)


def read_csv_text(path: Path, expected: set[str] | None = None, max_title_rows: int = 15,
                  one_line_records: bool = False) -> pd.DataFrame:
    """Read a whole CSV as strings (see `CsvText`); warnings about the rows are in `frame.attrs["warnings"]`."""
    text = CsvText(path, expected, max_title_rows, one_line_records)
    frames = list(text.batches())
    frame = frames[0] if len(frames) == 1 else pd.concat(frames)  # string chunks are not copied
    if text.warnings():
        frame.attrs["warnings"] = text.warnings()
    return frame


class CsvText:
    """A CSV read as strings, title rows above the header and blank rows skipped, a batch of rows at a time.

    `one_line_records` (local extracts, which hold no multi-line cells) refuses a record spanning several lines:
    it is almost always an unclosed quote swallowing the rows after it. Published files keep their quoted
    multi-line notes.

    `expected` (normalised column names) picks the header row: the first of the top rows that contains the
    most of them. Each batch has a `_row` column holding the 1-based line number in the file, for messages, and
    an index numbering the rows across the file.

    The file is streamed: records are parsed a few at a time into compact string columns, so memory follows the
    batch, not the file's text plus a Python object for every cell.
    """

    def __init__(self, path: Path, expected: set[str] | None = None, max_title_rows: int = 15,
                 one_line_records: bool = False) -> None:
        self.path, self.one_line_records = Path(path), one_line_records
        self.encoding = text_encoding(path)
        with open_text(path, self.encoding) as handle:
            head = handle.read(4096)
        try:
            self.delimiter = csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
        except csv.Error:
            self.delimiter = ","
        with open_text(path, self.encoding) as handle:
            records = self._records(handle)
            top = list(itertools.islice(records, max_title_rows))
            header_at = _find_header([row for row, _ in top], expected, max_title_rows)
            if header_at is None:
                raise SourceError(path, "no header row was found", "the first non-blank row must hold the column names")
            header = [normalise_column(c) for c in top[header_at][0]]
            while header and header[-1] == "":
                header.pop()
            _refuse_repeated_columns(path, header)
            self.empty = not any(_filled(row) for row, _ in itertools.chain(top[header_at + 1:], records))
        self.header, self.header_at = header, header_at
        self.columns = [*header, "_row"]
        self.overfull: list[int] = []  # lines with more cells than the header, known once the batches are read

    def _records(self, handle: io.TextIOBase) -> Iterator[tuple[list[str], int]]:
        return _csv_records(self.path, self.encoding, handle, self.delimiter, self.one_line_records)

    def batches(self, cells: int = BATCH_CELLS) -> Iterator[pd.DataFrame]:
        width = max(len(self.header), 1)
        batch_rows = max(1, cells // width)
        parse_rows = max(1, min(PARSE_CELLS // width, batch_rows))
        self.overfull = []
        chunks, held, start = [], 0, 0
        with open_text(self.path, self.encoding) as handle:
            body, lines = [], []
            for row, line in itertools.islice(self._records(handle), self.header_at + 1, None):
                if not _filled(row):
                    continue  # blank and trailing blank rows
                body.append([cell if cell.strip() else None for cell in (row + [""] * width)[:len(self.header)]])
                lines.append(line)
                if _filled(row[len(self.header):]):
                    self.overfull.append(line)
                if len(body) >= parse_rows:
                    chunks.append(_string_frame(body, self.header, lines, start + held))
                    held, body, lines = held + len(body), [], []
                    if held >= batch_rows:
                        yield pd.concat(chunks)
                        chunks, start, held = [], start + held, 0
            if body:
                chunks.append(_string_frame(body, self.header, lines, start + held))
        if chunks or start == 0:
            yield pd.concat(chunks) if chunks else _string_frame([], self.header, [], 0)

    def warnings(self) -> list[str]:
        if not self.overfull:  # the row still counts; its extra cells are named, never dropped in silence
            return []
        shown = ", ".join(map(str, self.overfull[:10])) + (", ..." if len(self.overfull) > 10 else "")
        return [f"{len(self.overfull):,} row(s) have more cells than the header (line(s) {shown}): the extra cells "
                "were not loaded; check for an unquoted comma or a missing column name"]


def _filled(cells: list[str]) -> bool:
    return any(cell.strip() for cell in cells)


def _string_frame(body: list[list[str | None]], header: list[str], lines: list[int], start: int) -> pd.DataFrame:
    frame = pd.DataFrame(body, columns=header, dtype="string", index=pd.RangeIndex(start, start + len(body)))
    frame["_row"] = np.asarray(lines, dtype=np.int64)
    return frame


def _csv_records(path: Path, encoding: str, handle: io.TextIOBase, delimiter: str,
                 one_line_records: bool) -> Iterator[tuple[list[str], int]]:
    """Every CSV record with the physical line it starts on. With `one_line_records`, each record must end on the
    line it starts on: the parser's line count is checked against the records it returns, record by record."""
    reader = csv.reader(handle, delimiter=delimiter)
    head: list[list[str]] = []  # the top rows, to name a column in a message
    consumed = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _unreadable_record(path, encoding, delimiter, head, consumed + 1, exc) from exc
        start, consumed = consumed + 1, reader.line_num
        if one_line_records and consumed > start:  # one record, several lines: an unclosed quote
            raise SourceError(path, f"a quote (\") opened on line {start} is not closed on that line, so the "
                                    f"{consumed - start:,} line(s) after it would be read as one cell",
                              f"close or remove the stray quote on line {start} (and any line break inside a cell), "
                              "then export the file again")
        if len(head) < 20:
            head.append(row)
        yield row, start


def _unreadable_record(path: Path, encoding: str, delimiter: str, rows: list[list[str]], line: int,
                       exc: csv.Error) -> SourceError:
    if "field larger than field limit" not in str(exc):
        return SourceError(path, f"line {line} cannot be read as CSV ({exc})",
                           "save it from Excel as 'CSV UTF-8 (Comma delimited)'")
    limit = csv.field_size_limit()
    with open_text(path, encoding) as handle:  # the offending physical line, cut plainly
        cells = next(itertools.islice(handle, line - 1, None), "").rstrip("\n").split(delimiter)
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
