"""DfE Explore Education Statistics tidy CSV -> the long `national_fact` shape.

Takes next year's release as published: byte-order mark, symbols, any number of measure columns. Geography
follows DfE's tidy rules: the code column depends on `geographic_level`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from data.errors import SourceError
from data.parsing import _find_header, decode_file, normalise_column, parse_measure, plain_path

FACT_COLUMNS = [
    "dataset", "time_period", "time_identifier", "geographic_level", "area_code", "old_la_code", "area_name",
    "region_code", "breakdown_topic", "breakdown", "measure", "value", "value_text", "status",
]
TIME_COLUMNS = {"time_period", "time_identifier", "geographic_level"}
GEOGRAPHY_COLUMNS = {
    "country_code", "country_name", "region_code", "region_name", "new_la_code", "old_la_code", "la_name",
    "academic_year", "financial_year",
}
# Filter columns other than DfE's breakdown_topic/breakdown, by dataset; each becomes a breakdown topic.
EXTRA_FILTERS = {"sen2_age_caseload": ["characteristic_age"], "cin_sen_la": ["social_care_group"]}
LEVEL_CODE = {"National": "country_code", "Regional": "region_code", "Local authority": "new_la_code"}
LEVEL_NAME = {"National": "country_name", "Regional": "region_name", "Local authority": "la_name"}


def dataset_name(path: Path) -> str:
    return normalise_column(plain_path(path).stem)


def read_dfe_tidy(path: Path, dataset: str | None = None) -> pd.DataFrame:
    dataset = dataset or dataset_name(path)
    raw = read_tidy_text(path, expected=TIME_COLUMNS | {"new_la_code", "breakdown"})
    missing = sorted(TIME_COLUMNS - set(raw.columns))
    if missing:
        raise SourceError(path, f"is not a DfE tidy file: missing column(s) {', '.join(missing)}",
                          "supply the file as downloaded from Explore Education Statistics (tidy CSV)")
    levels = set(raw["geographic_level"].dropna().unique())
    if not levels & set(LEVEL_CODE):
        raise SourceError(path, f"has no National, Regional or Local authority rows (found {sorted(levels)[:5]})",
                          "download the file with all geographic levels")
    raw = raw[raw["geographic_level"].isin(list(LEVEL_CODE))].copy()
    filters = [c for c in ["breakdown_topic", "breakdown", *EXTRA_FILTERS.get(dataset, [])] if c in raw.columns]
    measures = [c for c in raw.columns if c not in TIME_COLUMNS | GEOGRAPHY_COLUMNS | set(filters) | {"_row"}]
    if not measures:
        raise SourceError(path, "has no measure columns", "supply the full tidy CSV, not a metadata file")

    out = pd.DataFrame({
        "time_period": raw["time_period"].str.replace(r"\.0$", "", regex=True),
        "time_identifier": raw["time_identifier"],
        "geographic_level": raw["geographic_level"],
    })
    out["area_code"] = _by_level(raw, LEVEL_CODE)
    out["area_name"] = _by_level(raw, LEVEL_NAME)
    out["old_la_code"] = raw.get("old_la_code", pd.Series(pd.NA, index=raw.index)).str.replace(r"\.0$", "", regex=True)
    out["region_code"] = raw.get("region_code", pd.Series(pd.NA, index=raw.index))
    out["breakdown_topic"], out["breakdown"] = _breakdown(raw, filters)
    wide = pd.concat([out, raw[measures]], axis=1)
    long = wide.melt(id_vars=list(out.columns), value_vars=measures, var_name="measure", value_name="raw")
    long["value"], long["status"] = parse_measure(long["raw"])
    text = long["raw"].astype("string").str.strip()
    is_text = long["value"].isna() & ~text.str.lower().isin(["x", "z", "c", "low", "u", ":", "..", "-", "~", "n/a"]) & text.notna()
    long["value_text"] = text.where(is_text)
    long.loc[is_text, "status"] = "value"
    long["dataset"] = dataset
    long["measure"] = long["measure"].str.lower()
    return long[FACT_COLUMNS].reset_index(drop=True)


def read_tidy_text(path: Path, expected: set[str]) -> pd.DataFrame:
    """Like `data.parsing.read_csv_text` (strings, title rows skipped, `_row` line numbers), but a column
    that DfE publishes twice with the same values is kept once: the 2025 `annual_reviews.csv` repeats
    `review_meeting_prior_24`, and melting both copies would count every value twice. Two columns with
    one name and different values are a broken file."""
    text, _ = decode_file(path)
    try:
        delimiter = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header_at = _find_header(rows, expected, 15)
    if header_at is None:
        raise SourceError(path, "no header row was found", "the first non-blank row must hold the column names")
    header = [normalise_column(c) for c in rows[header_at]]
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    body, line_numbers = [], []
    for i, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if any(cell.strip() for cell in row):
            body.append((row + [""] * width)[:width])
            line_numbers.append(i)
    keep = []
    for position, name in enumerate(header):
        first = header.index(name)
        if first == position or not name:
            keep.append(position)
        elif any(r[first] != r[position] for r in body):
            raise SourceError(path, f"has two different columns named '{name}'",
                              "supply the file as published, or rename one of the two columns")
    frame = pd.DataFrame([[r[j] for j in keep] for r in body], columns=[header[j] for j in keep], dtype="string")
    for column in frame.columns:  # blank cells -> null (column by column: far quicker than a regex replace)
        frame[column] = frame[column].mask(frame[column].str.strip().eq(""))
    frame["_row"] = line_numbers
    return frame


def _by_level(raw: pd.DataFrame, columns: dict[str, str]) -> pd.Series:
    result = pd.Series(pd.NA, index=raw.index, dtype="string")
    for level, column in columns.items():
        if column in raw.columns:
            mask = raw["geographic_level"] == level
            result[mask] = raw.loc[mask, column]
    return result


def _breakdown(raw: pd.DataFrame, filters: list[str]) -> tuple[pd.Series, pd.Series]:
    if "breakdown_topic" in filters and "breakdown" in filters:
        return raw["breakdown_topic"].fillna("Total"), raw["breakdown"].fillna("Total")
    if filters:  # a single extra filter, e.g. characteristic_age
        column = filters[-1]
        topic = column.replace("_", " ").capitalize()
        return pd.Series(topic, index=raw.index, dtype="string"), raw[column].fillna("Total")
    total = pd.Series("Total", index=raw.index, dtype="string")
    return total, total.copy()
