"""Published national files -> warehouse tables, and the committed national bundle.

`read_national(path)` recognises a published national file by its columns or sheets (not by its name, so
next year's release with a new file name is still recognised) and reads it into warehouse tables keyed by
table name. `load_bundle()` returns every table of the committed bundle in `data/national/`.

| what is recognised                                   | by                                              | tables |
|------------------------------------------------------|-------------------------------------------------|--------|
| DfE Explore Education Statistics tidy CSV            | time_period, time_identifier, geographic_level  | national_fact |
| DfE statistical neighbours workbook                  | a sheet like "LA SN Groups"                     | stat_neighbour |
| statistical neighbours long CSV                      | sn_rank, sn_old_la_code                         | stat_neighbour |
| LAIT long / dictionary / LA code list                | Short Desc + Years + Values / Measure_short + Polarity / LA Number + Type | national_fact / lait_measure / lait_area |
| SEND and AP dashboard files (national/inclusion)     | each file's own columns (`inclusion.FACT_SPECS`) | national_fact |
| Ofsted area SEND outcomes, Ofsted MI                 | la_code + inspection outcome columns / Local area partnership | area_inspection |
| LA to CCG / ICB lookup                               | icb_name, nhs_code, nhs_region                  | la_nhs |
| EES LA lookup, las.csv, regions, region-LA hierarchy, wards, sen.csv, sub-ICB lookup | their columns | dim_la, dim_la_code, dim_region, dim_la_region_history, dim_ward, dim_need_type, dim_sub_icb |
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pandas as pd

from data.errors import SourceError
from data.parsing import normalise_column, open_text, plain_path, read_csv_text
from data.sources import inclusion, lait, lookups, statistical_neighbours
from data.sources.dfe_tidy import read_dfe_tidy

NATIONAL_DIR = Path(__file__).resolve().parents[1] / "national"
# Sub-folders of the bundle and how their files become table names.
BUNDLE_FOLDERS = {"facts": "national_fact", "dims": "dim_{stem}", "tables": "{stem}"}
# When a supplied national file replaces bundled rows, it replaces them per this key (whole table otherwise).
NATIONAL_REPLACE_KEY = {"national_fact": "dataset", "stat_neighbour": "model", "area_inspection": "source"}

TIDY_COLUMNS = {"time_period", "time_identifier", "geographic_level"}
LAIT_LONG = {"short_desc", "years", "la_and_regions", "values"}
LAIT_DICTIONARY = {"measure_short", "polarity", "year_type"}
LAIT_LA_LIST = {"la_number", "la_name", "region", "type"}
SN_LONG = {"sn_rank", "sn_old_la_code", "old_la_code"}
OFSTED = {"la_name", "la_code"}
MI_OFSTED = {"local_area_partnership", "inspection_outcome"}
GEOGRAPHY_MATRIX = {"geographic_level", "code_field", "name_field"}


# ---------------------------------------------------------------------------------------------------------
# The committed bundle


def bundle_files(root: Path = NATIONAL_DIR) -> list[Path]:
    return sorted(p for folder in BUNDLE_FOLDERS for p in (root / folder).glob("*.parquet"))


def table_name(path: Path) -> str:
    return BUNDLE_FOLDERS[path.parent.name].format(stem=path.stem)


def load_bundle(root: Path = NATIONAL_DIR) -> dict[str, pd.DataFrame]:
    """Every table in the committed national bundle; the facts files are concatenated into `national_fact`."""
    files = bundle_files(root)
    if not files:
        raise SourceError(root, "has no national bundle (no Parquet files under facts/, dims/, tables/)",
                          "run `python -m data national SRC` with the published files, or restore data/national from git")
    facts, tables = [], {}
    for path in files:
        frame = pd.read_parquet(path)
        name = table_name(path)
        if name == "national_fact":
            facts.append(frame)
        else:
            tables[name] = frame
    if facts:
        tables["national_fact"] = pd.concat(facts, ignore_index=True)
    return dict(sorted(tables.items()))


def bundle_hashes(root: Path = NATIONAL_DIR) -> list[str]:
    """`relative/path.parquet:sha256` for each bundle file, in a stable order (for the warehouse version)."""
    return [f"{p.relative_to(root).as_posix()}:{hashlib.sha256(p.read_bytes()).hexdigest()}" for p in bundle_files(root)]


@lru_cache(maxsize=4)
def _bundle_tables(root: Path, names: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    out = {}
    for name in names:
        folder, stem = ("dims", name[4:]) if name.startswith("dim_") else ("tables", name)
        path = root / folder / f"{stem}.parquet"
        if path.exists():
            out[name] = pd.read_parquet(path)
    return out


def bundle_resolver(root: Path = NATIONAL_DIR) -> lookups.AreaResolver:
    """The LA / region resolver from the committed bundle's geography dimensions."""
    tables = _bundle_tables(root, ("dim_la", "dim_la_code", "dim_region"))
    missing = sorted({"dim_la", "dim_la_code", "dim_region"} - set(tables))
    if missing:
        raise SourceError(root, f"the national bundle lacks the geography lookups ({', '.join(missing)})",
                          "run `python -m data national SRC` with the published lookups")
    return lookups.AreaResolver.from_frames(tables)


# ---------------------------------------------------------------------------------------------------------
# Recognising a published file


def _csv_header_rows(path: Path, rows: int = 15) -> list[set[str]]:
    with open_text(path) as handle:  # the top lines only: a large extract is never read whole to recognise it
        lines = [part for line in itertools.islice(handle, rows + 5) for part in line.splitlines()]
    head = "\n".join(lines[: rows + 5])
    try:
        delimiter = csv.Sniffer().sniff(head[:4096], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    found = []
    reader = csv.reader(io.StringIO(head), delimiter=delimiter)
    try:
        for row in reader:
            cells = {normalise_column(c) for c in row if c.strip()}
            if len(cells) >= 2:
                found.append(cells)
            if len(found) >= rows:
                break
    except csv.Error:
        pass  # an unreadable row (e.g. an oversized cell) is named by the reader that loads the file
    return found


def _xlsx_sheets(path: Path) -> dict[str, list[set[str]]]:
    """Each sheet's first rows as sets of normalised cell texts (read-only, cheap)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = {}
        for sheet in book.worksheets:
            rows = []
            for row in sheet.iter_rows(max_row=20, values_only=True):
                cells = {normalise_column(c) for c in row if c is not None and str(c).strip()}
                if len(cells) >= 2:
                    rows.append(cells)
            sheets[sheet.title] = rows
        return sheets
    finally:
        book.close()


def _has(rows: list[set[str]], needed: set[str]) -> bool:
    return any(needed <= row for row in rows)


def _has_start(rows: list[set[str]], needed: set[str], prefix: str) -> bool:
    return any(needed <= row and any(c.startswith(prefix) for c in row) for row in rows)


def detect_kind(path: Path) -> str | None:
    """The kind of published national file `path` is, or None. Raises nothing for a non-national file.
    A gzip-compressed CSV (`.csv.gz`) is read as the CSV it holds."""
    suffix = plain_path(path).suffix.lower()
    if suffix == ".xlsx":
        try:
            sheets = _xlsx_sheets(path)
        except Exception:  # not a readable workbook: not ours to judge here
            return None
        for name, rows in sheets.items():
            key = normalise_column(name)
            if key == "la_sn_groups" or ({"sn1", "la_name"} <= set().union(*rows) if rows else False):
                return "sn_xlsx"
            if {"sn", "groups"} <= set(key.split("_")):
                return "sn_xlsx"
        if any(_has(rows, LAIT_LA_LIST) for rows in sheets.values()):
            return "lait_la_list"
        return None
    if suffix != ".csv":
        return None
    try:
        rows = _csv_header_rows(path)
    except SourceError:
        return None
    checks: list[tuple[str, Callable[[list[set[str]]], bool]]] = [
        ("lait_long", lambda r: _has(r, LAIT_LONG)),
        ("lait_dictionary", lambda r: _has(r, LAIT_DICTIONARY)),
        ("sn_long", lambda r: _has(r, SN_LONG)),
        ("inclusion", lambda r: any(inclusion.spec_for(row) for row in r)),
        ("ofsted", lambda r: _has_start(r, OFSTED, "inspection_outcome")),
        ("mi_ofsted", lambda r: _has(r, MI_OFSTED)),
        ("la_ccg", lambda r: _has(r, inclusion.LA_CCG_COLUMNS)),
        ("las", lambda r: _has(r, lookups.LAS_COLUMNS)),
        ("ward", lambda r: _has(r, lookups.WARD_COLUMNS)),
        ("sub_icb", lambda r: any(lookups.sub_icb_columns(sorted(row)) for row in r)),
        ("sen_vocabulary", lambda r: _has(r, lookups.SEN_VOCAB_COLUMNS)),
        ("dfe_tidy", lambda r: _has(r, TIDY_COLUMNS)),
        ("la_lookup", lambda r: any(row == lookups.LA_COLUMNS for row in r)),
        ("regions", lambda r: any(row == lookups.REGION_COLUMNS for row in r)),
        ("geography_matrix", lambda r: _has(r, GEOGRAPHY_MATRIX)),
    ]
    for kind, check in checks:
        if check(rows):
            return kind
    return None


def read_national(path: Path, resolver: lookups.AreaResolver | None = None) -> dict[str, pd.DataFrame] | None:
    """A published national file -> {table name: rows}; None when `path` is not a national file this product
    knows; SourceError when it is one but is broken (missing columns, unreadable, unknown LAs).

    `resolver` maps LA numbers and names to codes; by default the committed bundle's lookups. Reference
    files the warehouse does not need (DfE's geography_matrix.csv) give an empty dict.
    """
    path = Path(path)
    kind = detect_kind(path)
    if kind is None:
        return None
    if kind == "geography_matrix":
        return {}
    if kind in ("dfe_tidy",):
        return {"national_fact": read_dfe_tidy(path)}
    if kind == "la_lookup":
        return _read_la_lookup(path)
    if kind == "las":
        current = resolver.la if resolver is not None else _bundle_tables(NATIONAL_DIR, ("dim_la",)).get("dim_la")
        return {"dim_la_code": lookups.read_las(path, current=current)}
    if kind == "regions":
        return {"dim_region": lookups.read_regions(path)}
    if kind == "ward":
        return {"dim_ward": lookups.read_ward_lookup(path)}
    if kind == "sen_vocabulary":
        return {"dim_need_type": lookups.read_need_types(path)}
    if kind == "sub_icb":
        return {"dim_sub_icb": lookups.read_sub_icb(path)}
    if kind == "lait_dictionary":
        return {"lait_measure": lait.read_lait_dictionary(path)}

    resolver = resolver or bundle_resolver()
    if kind == "sn_xlsx":
        return {"stat_neighbour": statistical_neighbours.read_stat_neighbours_xlsx(path, resolver)}
    if kind == "sn_long":
        return {"stat_neighbour": statistical_neighbours.read_stat_neighbours_long(path, resolver)}
    if kind == "lait_long":
        return {"national_fact": lait.read_lait_long(path, _lait_measures(path), resolver)}
    if kind == "lait_la_list":
        return {"lait_area": lait.read_lait_la_list(path, resolver)}
    if kind == "inclusion":
        return {"national_fact": inclusion.read_inclusion_facts(path, resolver)}
    if kind == "ofsted":
        return {"area_inspection": inclusion.read_ofsted(path, resolver)}
    if kind == "mi_ofsted":
        return {"area_inspection": inclusion.read_mi_ofsted(path, resolver)}
    if kind == "la_ccg":
        sub_icb = _bundle_tables(NATIONAL_DIR, ("dim_sub_icb",)).get("dim_sub_icb")
        return {"la_nhs": inclusion.read_la_ccg(path, resolver, sub_icb)}
    raise AssertionError(kind)  # pragma: no cover - every kind above is handled


def _read_la_lookup(path: Path) -> dict[str, pd.DataFrame]:
    """The EES LA lookup (one row per current LA) and region_la_hierarchy.csv share their columns; the
    hierarchy has old codes and `z` rows, so an LA number appears more than once or codes are not ONS codes."""
    hierarchy = lookups.read_region_la_hierarchy(path)
    raw = read_csv_text(path, expected=lookups.LA_COLUMNS)
    not_codes = ~raw["new_la_code"].str.fullmatch(r"E\d{8}").fillna(False).astype(bool)
    if not_codes.any() or hierarchy["old_la_code"].dropna().duplicated().any():
        return {"dim_la_region_history": hierarchy}
    return {"dim_la": lookups.read_la_lookup(path)}


def _lait_measures(path: Path) -> pd.DataFrame:
    """The LAIT dictionary for a long file: one beside it (same release), else the bundled one."""
    for sibling in sorted([*path.parent.glob("*.csv"), *path.parent.glob("*.csv.gz")]):
        if sibling != path and detect_kind(sibling) == "lait_dictionary":
            return lait.read_lait_dictionary(sibling)
    bundled = _bundle_tables(NATIONAL_DIR, ("lait_measure",)).get("lait_measure")
    if bundled is None:
        raise SourceError(path, "is a LAIT long file but no LAIT measure dictionary was found",
                          "put lait_send_measures_dictionary.csv of the same release in the same folder")
    return bundled
