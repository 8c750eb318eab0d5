"""Ingest: sources -> validated tables -> a new warehouse built beside the live one -> atomic swap.

A file-level problem raises SourceError before the live warehouse is touched. Row-level problems go to the
`quarantine` table. The same inputs (and the same live warehouse) always give the same warehouse (same tables,
rows, order and version).

Several councils. A warehouse holds one or more councils' extracts, each row of a local table tagged with its
council's new ONS code (`la_code`; '' for an extract that names none):
- Grouping (`group_sources`): a folder holding a MANIFEST.json, or with one beside it, is one council's extract,
  named by the manifest; loose files are named by `--la`, else by a MANIFEST.json given with them, else by their
  SEN2 headers (`check_headers`: loose returns of several councils are split by header). A return whose header
  names another council than its folder's manifest is refused; a file naming no council beside councils is too.
- Keys are (la_code, id): the duplicate, same-return, birth-date and link checks run within each council, so ids
  may repeat across councils (synthetic ones restart at 1 in each).
- Each council's load is its own: a row in `loads` (position, version, reference date, files, rows in = loaded +
  quarantined), its files, quarantine and warnings tagged with it. Its version is what a warehouse of it alone
  would have; the warehouse's version covers every council's and the national bundle.
- A load replaces the councils it brings and copies every other council of the live warehouse (same data model)
  as it was (`CARRIED_TABLES`), so loading council B never changes council A's rows. A load that names no council
  replaces the warehouse whole, as before. The shrink check compares the councils loaded.
- The first council (in `loads.position`, kept across loads) is the home council: `warehouse_info` holds its
  code, reference date and synthetic flag as a single-council warehouse always has, and the engine narrows every
  council table to it in each query's cursor (`data.warehouse.connect.scope`).
"""

from __future__ import annotations

import errno
import fcntl
import getpass
import hashlib
import json
import os
import shlex
import shutil
import socket
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
from tqdm import tqdm

from data.errors import SourceError
from data.parsing import CsvText, list_sheets, normalise_column, read_xlsx_text
from data.schemas import local as local_schemas
from data.schemas.local import LOCAL_KINDS
from data.schemas.spec import FileKind
from data.schemas.validate import QUARANTINE_COLUMNS, Validated, map_columns, validate, validate_batches
from data.sources.sen2_xml import is_sen2_xml, read_sen2_xml
from data.warehouse.connect import (
    WarehouseUnavailable,
    open_readonly,
    remove_stale_spills,
    running,
    warehouse_info,
)
from data.warehouse.model import LOCAL_TABLES, META_DDL, MODEL_VERSION, local_ddl

SUPPORTED = {".csv", ".xlsx", ".xml"}
KIND_BY_STEM = {stem: kind for kind in LOCAL_KINDS for stem in kind.stems}
KIND_BY_MODULE = {kind.stems[0]: kind for kind in LOCAL_KINDS}  # SEN2 XML module name -> kind


@dataclass
class LoadedFile:
    path: Path
    sha256: str
    kind: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # national tables
    validated: dict[str, Validated] = field(default_factory=dict)  # local table -> result
    warnings: list[str] = field(default_factory=list)
    header: dict[str, str] = field(default_factory=dict)


@dataclass
class LoadReport:
    warehouse: Path
    version: str
    files: list[dict]
    tables: dict[str, int]
    quarantined: int
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (source file, problem), as in load_warning
    councils: list[dict] = field(default_factory=list)  # every council the warehouse holds: its row of `loads`
    removed: list[Path] = field(default_factory=list)  # partial warehouses of killed loads, removed first


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def expand_sources(sources: Iterable[str | Path]) -> tuple[list[Path], dict]:
    """Files in the order given (directories sorted, recursively). A MANIFEST.json describes the extract."""
    files, manifest = [], {}
    for source in map(Path, sources):
        if not source.exists():
            raise SourceError(source, "does not exist", "check the path; give files or folders of files")
        if source.is_dir():
            for path in sorted(p for p in source.rglob("*") if p.is_file()):
                if path.name.startswith(("~$", ".")):
                    continue  # Office lock files and hidden files are not data
                if path.name == "MANIFEST.json":
                    manifest.update(_read_manifest(path))
                elif path.suffix.lower() in SUPPORTED:
                    files.append(path)
        elif source.suffix.lower() in SUPPORTED:
            files.append(source)
        elif source.name == "MANIFEST.json":
            manifest.update(_read_manifest(source))
        else:
            raise SourceError(source, f"has an unsupported type '{source.suffix}'", "supply .csv, .xlsx or SEN2 .xml files")
    if not files:
        raise SourceError(", ".join(map(str, sources)), "no .csv, .xlsx or .xml files were found", "point at the extract folder or its files")
    return files, manifest


def _read_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SourceError(path, f"is not valid JSON ({exc})", "fix the JSON (e.g. a trailing comma) or remove the file") from exc
    if not isinstance(manifest, dict):
        raise SourceError(path, "is not a JSON object", "the manifest must be an object such as {\"synthetic\": true}")
    return manifest


@dataclass
class Council:
    """One council's part of a load: its files, the manifest that came with them and what named the council."""

    code: str  # new ONS code; '' for an extract that names no council (a single-council load only)
    named_by: str = ""  # where the code came from, for messages ("--la", "folder/MANIFEST.json", a SEN2 header)
    paths: list[Path] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)
    files: list[LoadedFile] = field(default_factory=list)
    today: pd.Timestamp | None = None
    version: str = ""

    @property
    def synthetic(self) -> bool:
        return bool(self.manifest.get("synthetic"))

    def local_rows(self) -> tuple[int, int]:
        """Local rows in and rows loaded (rows in = loaded + quarantined)."""
        results = [r for f in self.files for r in f.validated.values()]
        return (sum(r.rows_in for r in results),
                sum(len(r.frame) if r.rows_loaded is None else r.rows_loaded for r in results))


def _manifest_council(manifest: dict) -> str:
    return manifest.get("la", {}).get("new_la_code") or manifest.get("new_la_code") or ""


def group_sources(sources: Iterable[str | Path], la: str | None = None) -> list[Council]:
    """Files grouped per council, in the order given. A folder holding a MANIFEST.json (or with one beside it) is
    one council's extract (its manifest names the council; a folder of such folders holds several). Files outside any such folder are
    the loose extract: its council is `la` (which outranks their SEN2 headers, with a warning), else the one a
    MANIFEST.json given beside them names, else (once read) the one their SEN2 headers name. Two groups naming the same council are one council's files."""
    loose = Council(la or "", named_by="--la" if la else "")
    folders: dict[Path, Council] = {}
    for source in map(Path, sources):
        if not source.exists():
            raise SourceError(source, "does not exist", "check the path; give files or folders of files")
        if source.is_dir():
            paths = sorted(p for p in source.rglob("*") if p.is_file() and not p.name.startswith(("~$", ".")))
            beside = source.resolve().parent / "MANIFEST.json"  # a synthetic extract's sen2/ and local/ sit beside it
            manifests = [p for p in paths if p.name == "MANIFEST.json"] or ([beside] if beside.exists() else [])
            for path in manifests:  # Office lock and hidden files are not data
                manifest = _read_manifest(path)
                folders[path.parent] = Council(_manifest_council(manifest), str(path), manifest=manifest)
                if path == beside:
                    folders[source] = folders.pop(path.parent)
            for path in (p for p in paths if p.name != "MANIFEST.json" and p.suffix.lower() in SUPPORTED):
                home = next((d for d in path.parents if d in folders), None)  # the nearest folder with a manifest
                (folders[home] if home else loose).paths.append(path)
        elif source.suffix.lower() in SUPPORTED:
            loose.paths.append(source)
        elif source.name == "MANIFEST.json":
            loose.manifest.update(_read_manifest(source))
            named = _manifest_council(loose.manifest)
            if la and named and named != la:
                raise SourceError(source, f"names council {named} but --la names {la}",
                                  "give the council once: correct the manifest or leave out --la")
            if not la and named:
                loose.code, loose.named_by = named, str(source)
        else:
            raise SourceError(source, f"has an unsupported type '{source.suffix}'", "supply .csv, .xlsx or SEN2 .xml files")
    councils: dict[str, Council] = {}
    for group in [loose, *folders.values()]:
        if not group.paths:
            continue
        if group.code in councils:  # one council's files given in several places
            councils[group.code].paths += group.paths
            councils[group.code].manifest = {**group.manifest, **councils[group.code].manifest}
        else:
            councils[group.code] = group
    if not councils:
        raise SourceError(", ".join(map(str, sources)), "no .csv, .xlsx or .xml files were found", "point at the extract folder or its files")
    return list(councils.values())


def _la_numbers() -> dict[str, str]:
    """DfE's three-digit LA number -> new ONS code, from the bundled LA lookup (data/national/dims/la.parquet)."""
    from data.sources.national import NATIONAL_DIR

    path = NATIONAL_DIR / "dims" / "la.parquet"
    if not path.exists():
        return {}
    frame = pd.read_parquet(path, columns=["new_la_code", "old_la_code"]).dropna()
    return dict(zip(frame["old_la_code"].astype(str), frame["new_la_code"].astype(str), strict=True))


BY_HEADER = "the SEN2 header of"  # how a council named by a loose return's header says so


def check_headers(councils: list[Council], resolve: bool) -> list[Council]:
    """Every SEN2 XML return's header must name the council whose extract it is in: one that names another is
    refused (name, both codes, the fix). The loose extract with no council takes the one its headers name
    (resolved through the bundled LA lookup when `resolve`, as the national tables are then loaded); loose returns
    of several councils are split into one council each (and then every loose file must be such a return)."""
    numbers = _la_numbers()
    codes_of = {new: old for old, new in numbers.items()}
    out = []
    for council in councils:
        returns = [f for f in council.files if f.kind == "sen2_xml" and f.header.get("lea")]
        if council.code:
            expected = council.manifest.get("la", {}).get("old_la_code") or codes_of.get(council.code)
            for f in returns:
                lea = f.header["lea"]
                if expected and lea.zfill(3) != str(expected).zfill(3):
                    named = numbers.get(lea.zfill(3), "a council not in the LA lookup")
                    if council.named_by == "--la":  # said outright for these files: loaded as said, not silently
                        f.warnings.append(f"its SEN2 header names LA {lea} ({named}); loaded as {council.code}, as "
                                          "--la says")
                        continue
                    raise SourceError(f.path, f"its SEN2 header names LA {lea} ({named}) but it is in the extract of "
                                              f"{council.code} (LA {expected}) named by {council.named_by}",
                                      f"move the file into the folder of {named}'s extract, or, if the header is "
                                      f"wrong, correct its LEA to {expected}")
            out.append(council)
            continue
        leas = list(dict.fromkeys(f.header["lea"].zfill(3) for f in returns))
        if len(leas) <= 1:
            if leas and resolve:
                council.code, council.named_by = numbers.get(leas[0], ""), f"{BY_HEADER} {returns[0].path.name}"
            out.append(council)
            continue
        others = [f for f in council.files if f not in returns and f.validated]
        unknown = [lea for lea in leas if lea not in numbers]
        if others or unknown:
            raise SourceError(others[0].path if others else returns[0].path,
                              f"is in a load whose SEN2 returns name several councils (LA {', '.join(leas)}) with no "
                              "folder saying which council each file belongs to",
                              "put each council's files in a folder of its own with a MANIFEST.json naming the council "
                              '(e.g. {"la": {"new_la_code": "E06000023"}}), or load the councils one at a time with --la')
        for lea in leas:
            mine = [f for f in returns if f.header["lea"].zfill(3) == lea]
            out.append(Council(numbers[lea], f"{BY_HEADER} {mine[0].path.name}", [f.path for f in mine],
                               dict(council.manifest), mine, council.today))
    if len(out) > 1 and any(not c.code for c in out):
        unnamed = next(c for c in out if not c.code)
        raise SourceError(unnamed.paths[0], "names no council, in a load of several councils",
                          "put it in its council's folder (with a MANIFEST.json naming the council), or load it "
                          "on its own with --la")
    merged: dict[str, Council] = {}
    for council in out:  # headers may name a council that has a folder too: its folder (and manifest) leads
        known = merged.setdefault(council.code, council)
        if known is council:
            continue
        lead, joined = (council, known) if known.named_by.startswith(BY_HEADER) else (known, council)
        lead.paths += joined.paths
        if lead.today is not None:  # both read already, at one date
            lead.files += joined.files
        # else the loose returns, read early for their headers, are read again with the lead's files at its date
        merged[council.code] = lead
    return list(merged.values())


def _local_kind(path: Path, columns: list[str]) -> FileKind | None:
    stem = normalise_column(path.stem)
    if stem in KIND_BY_STEM:
        return KIND_BY_STEM[stem]
    best, best_share = None, 0.0
    for kind in LOCAL_KINDS:
        names = {f.source_names[0] for f in kind.fields}
        share = len(names & set(columns)) / len(names)
        if share > best_share:
            best, best_share = kind, share
    return best if best_share >= 0.6 else None


EXPECTED_COLUMNS = {a for kind in LOCAL_KINDS for f in kind.fields for a in f.source_names}


def _best_sheet(path: Path, sheets: list[str]) -> str:
    """The sheet of a workbook holding the data: the one whose header matches the most known columns
    (a 'Guide' or 'Notes' sheet before the 'Data' sheet is skipped)."""
    def score(sheet: str) -> int:
        try:
            raw = read_xlsx_text(path, sheet, EXPECTED_COLUMNS)
        except SourceError:  # a cover or blank sheet has no header: not the data
            return 0
        return len(EXPECTED_COLUMNS & set(raw.columns))
    return max(sheets, key=lambda s: (score(s), -sheets.index(s)))


def _read_local_table(path: Path, sheet: str | None = None) -> tuple[FileKind, pd.DataFrame | CsvText]:
    """The file kind and its rows: a workbook sheet whole, a CSV as batches read while they are validated."""
    if path.suffix.lower() == ".xlsx":
        raw = read_xlsx_text(path, sheet, EXPECTED_COLUMNS)
    else:
        raw = CsvText(path, EXPECTED_COLUMNS, one_line_records=True)
    named_by = Path(sheet) if sheet and normalise_column(sheet) in KIND_BY_STEM else path
    kind = _local_kind(named_by, [c for c in raw.columns if c != "_row"])
    if kind is None:
        raise SourceError(path, "is not a file this product recognises (no known file name or columns)",
                          "name it after its module (e.g. person.csv, requests.csv, schools.csv) or use the templates "
                          "in data/DICTIONARY.md")
    if raw.empty:  # loading it would empty the table (and, through the links, its children)
        where = f"sheet '{sheet}' " if sheet else ""
        raise SourceError(path, f"{where}has a header but no data rows",
                          "export the file again with its rows, or leave it out if it was supplied by mistake")
    return kind, raw


def _validate(loaded: LoadedFile, kind: FileKind, raw: pd.DataFrame | CsvText, today: pd.Timestamp) -> None:
    """Validate one table of a file, recording what it held that does not load (warnings, never silence)."""
    used = set(map_columns(kind, raw, loaded.path).values())
    unused = [c for c in raw.columns if c != "_row" and c not in used]
    if isinstance(raw, CsvText):
        loaded.validated[kind.table] = validate_batches(kind, raw.batches(), loaded.path, today)
        loaded.warnings += raw.warnings()
    else:
        loaded.validated[kind.table] = validate(kind, raw, loaded.path, today)
        loaded.warnings += raw.attrs.get("warnings", [])
    if unused:
        loaded.warnings.append(f"{kind.table}: column(s) {', '.join(repr(c) for c in unused)} are not part of a "
                               f"{kind.name} file and were not loaded (a misspelt or extra column?)")


def read_source(path: Path, today: pd.Timestamp) -> LoadedFile:
    from data.sources.national import read_national  # national formats: DfE tidy, SN xlsx, LAIT, lookups

    loaded = LoadedFile(path, sha256_of(path), kind="")
    if is_sen2_xml(path):
        frames, loaded.header = read_sen2_xml(path)
        loaded.kind = "sen2_xml"
        prefix = loaded.sha256[:8]  # XML surrogate keys are per file; keep files apart
        for module, raw in frames.items():
            for column in raw.columns:
                if column.endswith("tableid"):
                    raw[column] = prefix + "-" + raw[column]
            for f in KIND_BY_MODULE[module].fields:  # in XML an absent element is a blank value, not a missing column
                if not any(a in raw.columns for a in f.source_names):
                    raw[f.source_names[0]] = pd.Series(pd.NA, index=raw.index, dtype="string")
            _validate(loaded, KIND_BY_MODULE[module], raw, today)
        loaded.warnings += _header_warnings(loaded.header)
        return loaded
    national = read_national(path)
    if national is not None:
        loaded.kind, loaded.tables = "national", national
        return loaded
    if path.suffix.lower() == ".xlsx":
        sheets = list_sheets(path)
        named = [s for s in sheets if normalise_column(s) in KIND_BY_STEM]
        if not named:
            kind, raw = _read_local_table(path, _best_sheet(path, sheets))
            _validate(loaded, kind, raw, today)
        for sheet in named:
            kind, raw = _read_local_table(path, sheet)
            _validate(loaded, kind, raw, today)
        for sheet in (s for s in sheets if named and s not in named):  # other sheets: by their columns
            try:
                kind, raw = _read_local_table(path, sheet)
            except SourceError:
                loaded.warnings.append(f"sheet '{sheet}' was not loaded: its columns match no known file kind")
                continue
            if kind.table in loaded.validated:
                loaded.warnings.append(f"sheet '{sheet}' was not loaded: {kind.table} already came from another sheet")
                continue
            _validate(loaded, kind, raw, today)
        loaded.kind = "local"
        return loaded
    kind, raw = _read_local_table(path)
    loaded.kind = kind.name
    _validate(loaded, kind, raw, today)
    return loaded


def _header_warnings(header: dict[str, str]) -> list[str]:
    year, reference = header.get("year", ""), header.get("referencedate", "")
    warnings = []
    if year and reference and not reference.startswith(year):
        warnings.append(f"header Year {year} disagrees with ReferenceDate {reference}; the census date is taken from "
                        "ReferenceDate")
    if header.get("namespace"):
        warnings.append(f"elements are in the XML namespace {header['namespace']}, which the DfE SEN2 schema does not "
                        "use: read by their names; check this is a SEN2 person-level return")
    return warnings


def drop_repeated_files(paths: list[Path]) -> tuple[list[Path], dict[Path, list[str]]]:
    """The same bytes under two names (or given twice) load once; the kept file records a warning naming the others."""
    first: dict[str, Path] = {}
    kept, warnings = [], {}
    for path in paths:
        digest = sha256_of(path)
        if digest in first:
            warnings.setdefault(first[digest], []).append(f"{path} has the same contents as this file and was loaded once")
        else:
            first[digest] = path
            kept.append(path)
    return kept, warnings


SAME_RETURN_SHARE = 0.5  # files sharing at least this share of their people hold the same return


def _people(loaded: LoadedFile) -> set[tuple]:
    """Who a file's person rows are, independent of the file's own surrogate keys (XML keys are per file)."""
    frame = loaded.validated["person"].frame
    names = frame[["surname", "forename"]].astype("string").apply(lambda s: s.str.strip().str.casefold())
    who = pd.DataFrame({"surname": names["surname"], "forename": names["forename"],
                        "birth_date": frame["birth_date"]}).dropna()
    return set(who.itertuples(index=False, name=None))


def _return_of(loaded: LoadedFile) -> tuple[str, ...] | None:
    """A SEN2 XML names its return in its header (LA, year, reference date); a CSV export does not."""
    header = tuple(loaded.header.get(k, "") for k in ("lea", "year", "referencedate"))
    return header if loaded.kind == "sen2_xml" and all(header) else None


def check_same_return(files: list[LoadedFile]) -> None:
    """The same return in two formats (its SEN2 XML and its COLLECT CSVs: the same children under different
    keys) would count every child twice, so the load stops naming both files. Two SEN2 XML returns share
    children legitimately (successive years) and load together; with the same header they get a recorded
    warning. Two CSV exports share keys, and a repeated key is quarantined as DUPLICATE."""
    seen: list[tuple[LoadedFile, set[tuple]]] = []
    if sum("person" in f.validated for f in files) < 2:
        return  # one file of people has nothing to be compared with
    for loaded in (f for f in files if "person" in f.validated):
        people = _people(loaded)
        for earlier, known in seen:
            ours, theirs = _return_of(loaded), _return_of(earlier)
            if ours and theirs:  # two XML returns: told apart by their headers
                if ours == theirs:
                    loaded.warnings.append(f"has the same SEN2 header as {earlier.path} (LA {ours[0]}, year {ours[1]}, "
                                           f"reference date {ours[2]}): if it is the same return, its children are "
                                           "counted twice; load one copy")
                continue
            if (loaded.kind == "sen2_xml") == (earlier.kind == "sen2_xml"):
                continue  # two CSV exports: a repeated key is quarantined row by row (DUPLICATE)
            shared = len(people & known)
            smaller = min(len(people), len(known))
            if smaller and shared / smaller >= SAME_RETURN_SHARE:
                raise SourceError(loaded.path, f"holds the same children as {earlier.path} ({shared:,} of "
                                               f"{len(people):,} people by name and birth date), so they are the same "
                                               "return twice",
                                  "load one copy of the return: either its SEN2 XML or its COLLECT CSV files, not both")
        seen.append((loaded, people))


def check_duplicates_across_files(files: list[LoadedFile]) -> None:
    """A key already loaded from an earlier file of the same load is a duplicate too (rule DUPLICATE)."""
    seen: dict[str, set] = {}
    holders = Counter(table for loaded in files for table in loaded.validated)
    for loaded in files:
        for table, result in loaded.validated.items():
            key = list(LOCAL_TABLES[table].key)
            if not key or holders[table] < 2:
                continue  # a key repeats across files only when two files hold the table
            keys = seen.setdefault(table, set())
            tuples = list(result.frame[key].astype("string").itertuples(index=False, name=None))
            repeat = pd.Series([t in keys for t in tuples], index=result.frame.index)
            if repeat.any():
                bad = result.frame[repeat]
                extra = pd.DataFrame({
                    "source_file": str(loaded.path), "row_number": bad["_row"].to_numpy(), "table_name": table,
                    "rule": "DUPLICATE", "field": key[0], "value": bad[key[0]].astype("string").to_numpy(),
                    "reason": f"duplicate of a row with the same {', '.join(key)} in an earlier file of this load",
                    "action": "row_rejected"})
                result.quarantine = pd.concat([result.quarantine, extra], ignore_index=True)[QUARANTINE_COLUMNS]
                result.frame = result.frame[~repeat]
            keys.update(t for t, r in zip(tuples, repeat, strict=True) if not r)


def check_birth_dates(files: list[LoadedFile]) -> None:
    """Quarantine a person's event dated before the person was born (rule BEFORE_BIRTH): a wrong birth date or
    a wrong event date, either way not a figure to count. Runs before the link check, so the event's own
    children are then quarantined as orphans."""
    people = [f.validated["person"].frame[["person_id", "birth_date"]] for f in files if "person" in f.validated]
    events = any(("person_id", "person", "person_id") in LOCAL_TABLES[t].parents for f in files for t in f.validated)
    if not people or not events:
        return
    born = pd.concat(people).dropna().drop_duplicates("person_id").set_index("person_id")["birth_date"]
    for loaded in files:
        for table, result in loaded.validated.items():
            kind = LOCAL_TABLES[table]
            if ("person_id", "person", "person_id") not in kind.parents:
                continue
            birth = pd.Series(born.reindex(result.frame["person_id"]).to_numpy(), index=result.frame.index)
            early = pd.Series(pd.NA, index=result.frame.index, dtype="string")  # the first date before birth
            for f in kind.fields:
                if f.kind == "date":
                    early = early.fillna(pd.Series(f.name, index=result.frame.index, dtype="string")
                                         .where(result.frame[f.name] < birth))
            if early.notna().any():
                bad, fields = result.frame[early.notna()], early.dropna()
                values = [bad.at[i, name] for i, name in fields.items()]
                extra = pd.DataFrame({
                    "source_file": str(loaded.path), "row_number": bad["_row"].to_numpy(), "table_name": table,
                    "rule": "BEFORE_BIRTH", "field": fields.to_numpy(),
                    "value": [v.strftime("%Y-%m-%d") for v in values],
                    "reason": [f"{name} {v:%Y-%m-%d} is before the person's birth date {b:%Y-%m-%d}"
                               for name, v, b in zip(fields, values, birth[early.notna()], strict=True)],
                    "action": "row_rejected"})
                result.quarantine = pd.concat([result.quarantine, extra], ignore_index=True)[QUARANTINE_COLUMNS]
                result.frame = result.frame[early.isna()]


def check_references(files: list[LoadedFile]) -> None:
    """Quarantine rows whose parent record did not load (orphans), cascading down the SEN2 hierarchy."""
    supplied = {table for f in files for table in f.validated}
    referenced = {f"{parent}.{column}" for t in supplied for _, parent, column in LOCAL_TABLES[t].parents}
    keys: dict[str, set] = {}
    for kind in LOCAL_KINDS:  # declared parent-first
        for loaded in files:
            result = loaded.validated.get(kind.table)
            if result is None:
                continue
            for column, parent_table, parent_column in kind.parents:
                if parent_table not in supplied:
                    continue
                parent_keys = keys.get(f"{parent_table}.{parent_column}", set())
                orphan = result.frame[column].notna() & ~result.frame[column].isin(parent_keys)
                if orphan.any():
                    bad = result.frame[orphan]
                    extra = pd.DataFrame({
                        "source_file": str(loaded.path), "row_number": bad["_row"].to_numpy(), "table_name": kind.table,
                        "rule": "ORPHAN", "field": column, "value": bad[column].astype("string").to_numpy(),
                        "reason": [f"{column} {v} has no matching row in {parent_table}" for v in bad[column]],
                        "action": "row_rejected"})
                    result.quarantine = pd.concat([result.quarantine, extra], ignore_index=True)[QUARANTINE_COLUMNS]
                    result.frame = result.frame[~orphan]
        for loaded in files:
            result = loaded.validated.get(kind.table)
            if result is not None:
                for f in kind.fields:
                    if f.kind == "id" and f"{kind.table}.{f.name}" in referenced:  # only keys a table links to
                        keys.setdefault(f"{kind.table}.{f.name}", set()).update(result.frame[f.name].dropna())
    for loaded in files:
        for table in loaded.validated:
            for _, parent_table, _ in LOCAL_TABLES[table].parents:
                if parent_table not in supplied:
                    loaded.warnings.append(f"{table} was loaded without {parent_table}, so its links were not checked")


@dataclass
class NationalPlan:
    """Which national rows go in: bundled Parquet files (read by DuckDB directly, fast) minus what a supplied
    newer file replaces, plus the supplied frames."""

    bundle: dict[str, list[Path]] = field(default_factory=dict)
    supplied: dict[str, list[pd.DataFrame]] = field(default_factory=dict)

    def tables(self) -> list[str]:
        return sorted(set(self.bundle) | set(self.supplied))


def bundled_files(bundle: bool) -> dict[str, list[Path]]:
    """The bundled national Parquet files by table (none without the bundle)."""
    if not bundle:
        return {}
    from data.sources.national import bundle_files, table_name

    out: dict[str, list[Path]] = {}
    for path in bundle_files():
        out.setdefault(table_name(path), []).append(path)
    return out


def bundle_hashes(bundle: bool) -> list[str]:
    """What the bundled national data is, for the versions (none without the bundle)."""
    if not bundle:
        return []
    from data.sources.national import bundle_hashes as hashes

    return hashes()


def plan_national(files: list[LoadedFile], bundle: dict[str, list[Path]]) -> NationalPlan:
    plan = NationalPlan(bundle=dict(bundle))
    for loaded in files:
        for table, frame in loaded.tables.items():
            plan.supplied.setdefault(table, []).append(frame)
    return plan


def _create_national(con: duckdb.DuckDBPyConnection, table: str, plan: NationalPlan) -> None:
    from data.sources.national import NATIONAL_REPLACE_KEY

    files, frames = plan.bundle.get(table, []), plan.supplied.get(table, [])
    key = NATIONAL_REPLACE_KEY.get(table)
    # Table names come from our own bundle layout and readers, never from user text.
    if files and (key or not frames):
        replaced = sorted({v for f in frames for v in f[key].dropna().unique()}) if key and frames else []
        where = f"WHERE NOT list_contains($replaced, {key})" if replaced else ""
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet($files, union_by_name = true) {where}",  # noqa: S608
                    {"files": [str(f) for f in files], **({"replaced": replaced} if replaced else {})})
        inserts = frames
    else:
        con.register("incoming", frames[0])
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM incoming")  # noqa: S608
        con.unregister("incoming")
        inserts = frames[1:]
    for frame in inserts:
        con.register("incoming", frame)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")  # noqa: S608
        con.unregister("incoming")


def warehouse_version(files: list[LoadedFile], bundle_hashes: list[str], settings: dict[str, str]) -> str:
    """Everything that changes a figure: data model, rules, bundled and supplied files, and the load's
    settings (reference date, local council, synthetic flag, SEN2 header LA)."""
    digest = hashlib.sha256(f"model {MODEL_VERSION}\n".encode())
    digest.update(Path(local_schemas.__file__).read_bytes())  # a changed rule gives a new version
    for value in sorted(bundle_hashes) + [f.sha256 for f in files]:
        digest.update(value.encode())
    for key, value in sorted(settings.items()):
        digest.update(f"\n{key}={value}".encode())
    return digest.hexdigest()[:16]


CARRIED_TABLES = (*LOCAL_TABLES, "source_file", "quarantine", "load_warning", "loads")  # copied as they are


def live_councils(live: Path) -> list[dict]:
    """The councils of the live warehouse, in order, with their loads; none from a warehouse of another data
    model (or none at all), which a load then replaces whole."""
    if not live.exists():
        return []
    try:
        with duckdb.connect(str(live), read_only=True) as con:
            model = con.execute("SELECT value FROM warehouse_info WHERE key = 'model_version'").fetchone()
            if not model or model[0] != MODEL_VERSION:
                return []
            return con.execute("SELECT * FROM loads ORDER BY position").df().to_dict("records")
    except duckdb.Error:
        return []  # an unreadable live warehouse has nothing to carry


class Building:
    """The new warehouse file while a load writes it, one council at a time: a council's rows go in (tagged with
    its la_code) and its frames are let go before the next council is read, so a load of every council needs the
    memory of its largest, not of them all. It starts with the other councils of `carried` (the live warehouse and
    the councils it keeps), exactly as they were; `finish` adds the national tables and the load's records.
    Councils written one after another lie in the file one after another, so a query narrowed to one council skips
    the others' row groups (DuckDB's min/max per row group)."""

    def __init__(self, target: Path, raw_dir: Path | None, carried: tuple[Path, list[str]] | None = None) -> None:
        self.con = duckdb.connect(str(target))
        self.raw_dir = raw_dir
        self.files_rows: list[tuple] = []
        self.loads_rows: list[tuple] = []
        for ddl in META_DDL.values():
            self.con.execute(ddl)
        for kind in LOCAL_TABLES.values():
            self.con.execute(local_ddl(kind))
        self.number = 0  # the last source_file_id given
        if carried and carried[1]:
            live, kept = carried
            self.con.execute("ATTACH $path AS live (READ_ONLY)", {"path": str(live)})
            for table in CARRIED_TABLES:  # names are ours; the council codes stay bound
                self.con.execute(f"INSERT INTO {table} SELECT * FROM live.{table} WHERE list_contains($kept, la_code)",  # noqa: S608
                                 {"kept": kept})
            self.number = self.con.execute("SELECT coalesce(max(source_file_id), 0) FROM source_file").fetchone()[0]
            self.con.execute("DETACH live")

    def add(self, council: Council, position: int) -> None:
        """Write one council's rows, quarantine, warnings and files, then let its frames go (their counts stay)."""
        quarantine = []
        for loaded in council.files:
            self.number += 1
            raw_copy = None
            if self.raw_dir is not None:
                self.raw_dir.mkdir(parents=True, exist_ok=True)
                kept = self.raw_dir / f"{loaded.sha256}{loaded.path.suffix.lower()}"
                if not kept.exists():  # copied under another name first: a copy cut short is never kept
                    partial = kept.with_name(f"{kept.name}.part-{os.getpid()}")
                    try:
                        shutil.copyfile(loaded.path, partial)
                        os.replace(partial, kept)
                    finally:
                        partial.unlink(missing_ok=True)
                raw_copy = str(kept)
            rows_in = rows_loaded = cleared = quarantined = 0
            for table, result in loaded.validated.items():
                kind = LOCAL_TABLES[table]
                frame = result.frame.rename(columns={"_row": "source_row"})
                frame["source_file_id"] = self.number
                frame["la_code"] = council.code
                frame = frame[[f.name for f in kind.fields] + ["source_file_id", "source_row", "la_code"]]
                self.con.register("incoming", pa.Table.from_pandas(frame, preserve_index=False))  # text unconverted
                self.con.execute(f"INSERT INTO {table} SELECT * FROM incoming")  # noqa: S608 - table names are ours
                self.con.unregister("incoming")
                quarantine.append(result.quarantine.assign(source_file_id=self.number, la_code=council.code))
                rows_in += result.rows_in
                rows_loaded += len(frame)
                quarantined += result.rows_in - len(frame)
                cleared += int((quarantine[-1]["action"] == "value_cleared").sum())
                result.rows_loaded, result.frame = len(frame), result.frame.iloc[:0]  # written: the rows can go
            national_rows = sum(len(t) for t in loaded.tables.values())
            self.files_rows.append((self.number, loaded.path.name, str(loaded.path), loaded.kind,
                                    ",".join(sorted(loaded.validated) or sorted(loaded.tables)), loaded.sha256,
                                    loaded.path.stat().st_size, rows_in or national_rows, rows_loaded or national_rows,
                                    quarantined, cleared, raw_copy, council.code))
            for problem in loaded.warnings:
                self.con.execute("INSERT INTO load_warning VALUES (?, ?, ?)", [str(loaded.path), problem, council.code])
        if quarantine:
            q = pd.concat(quarantine, ignore_index=True)
            q = q[["source_file_id", *QUARANTINE_COLUMNS, "la_code"]].sort_values(["source_file_id", "row_number", "field"],
                                                                                  kind="stable")
            self.con.register("incoming", q)
            self.con.execute("INSERT INTO quarantine SELECT * FROM incoming")
            self.con.unregister("incoming")
        rows_in, rows_loaded = council.local_rows()
        self.loads_rows.append((council.code, position, council.version, council.today.date(), council.synthetic,
                                len(council.files), rows_in, rows_loaded, rows_in - rows_loaded))

    def finish(self, national: NationalPlan, info: dict[str, str], order: list[str] | None = None) -> dict[str, int]:
        """The national tables and the load's records (files, councils in `order`, home first, and `info`);
        returns every table's rows."""
        con = self.con
        for table in national.tables():
            _create_national(con, table, national)
        if self.files_rows:
            con.executemany("INSERT INTO source_file VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self.files_rows)
        con.executemany("INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", self.loads_rows)
        if order:  # the carried councils keep their place in the order
            con.execute("UPDATE loads SET position = list_position($order, la_code)", {"order": order})
        con.executemany("INSERT INTO warehouse_info VALUES (?, ?)", sorted(info.items()))
        con.execute("CHECKPOINT")
        tables = [row[0] for row in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608

    def close(self) -> None:
        self.con.close()


SHRINK_LIMIT = 0.5  # a load may remove at most this share of a table's rows unless allow_shrink is given
# Computed from the data by a load's `prepare` step (indicators.facts), after the shrink check: the new file has none
# of them yet when it is compared with the live one, and they are no data a load could lose
DERIVED_TABLES = ("fact_frame", "fact_index")


def _table_counts(path: Path, codes: list[str] | None) -> dict[str, int]:
    """Rows of every data table (not the bookkeeping ones); with `codes`, the local tables' rows of those councils."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
        if codes is None:
            return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # noqa: S608 - names from the catalog
                    for t in names if t not in META_DDL and t not in DERIVED_TABLES}
        return {t: con.execute(f'SELECT count(*) FROM "{t}" WHERE list_contains($codes, la_code)',  # noqa: S608
                               {"codes": codes}).fetchone()[0] for t in names if t in LOCAL_TABLES}


def check_shrink(live: Path, new: Path, files: list[LoadedFile], codes: list[str] | None = None) -> None:
    """Stop a load that would remove more than SHRINK_LIMIT of any table's rows compared with the live warehouse
    (a truncated or header-only export must never silently empty the dashboard). With `codes` (a load beside
    other councils kept as they were), the local rows of the councils loaded are compared."""
    if not live.exists():
        return
    try:
        before = _table_counts(live, codes)
    except duckdb.Error:
        return  # an unreadable live warehouse has nothing worth protecting
    tables = _table_counts(new, codes)
    shrunk = []
    for table, old in sorted(before.items()):
        new_rows = tables.get(table, 0)
        if old and (old - new_rows) / old > SHRINK_LIMIT:
            sources = sorted({f.path.name for f in files if table in f.validated or table in f.tables})
            shrunk.append(f"{table} from {old:,} to {new_rows:,} rows ({', '.join(sources) or 'no file supplies it'})")
    if shrunk:
        which = f" of council {', '.join(codes)}" if codes else ""
        raise SourceError(live, f"this load would remove more than {SHRINK_LIMIT:.0%} of the rows{which} of "
                                + "; ".join(shrunk),
                          "check the extract is complete (every file, with its rows); if the smaller tables are right, "
                          "load again with --allow-shrink")


def swap_in(new: Path, live: Path) -> None:
    """Make `new` the live warehouse in one atomic rename, keeping the old one as `<name>.previous`."""
    if live.exists():
        keep_as(live, ".previous")
    os.replace(new, live)


def keep_as(live: Path, suffix: str) -> None:
    """Keep the live file under a second name too (`<name><suffix>`), atomically: through a hard link, so the
    live name never disappears."""
    staging = live.with_name(live.name + suffix + ".tmp")
    staging.unlink(missing_ok=True)
    os.link(live, staging)
    os.replace(staging, live.with_name(live.name + suffix))


def _holder(lock: Path) -> str:
    """Who holds the load lock, from what they wrote into it when taking it."""
    try:
        held = json.loads(lock.read_text())
        since = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(held["started"]))
        return (f"process {held['pid']} on {held['host']} (user {held['user']}), since {since} "
                f"({time.time() - held['started']:.0f} s ago), running `{held['command']}`")
    except (OSError, ValueError, KeyError, TypeError):
        return "a process that has not written who it is yet"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container's user id with no name
        return f"uid {os.getuid()}"


@contextmanager
def load_lock(warehouse: Path) -> Iterator[None]:
    """Hold `<warehouse>.lock` for a load or a rollback: one at a time per warehouse. The holder writes its pid,
    host, user, start time and command into the file, so a refusal can say who holds it and since when. The lock
    is the kernel's (flock): a process that dies, however it dies, lets go of it."""
    path = warehouse.with_name(warehouse.name + ".lock")
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # never truncated before it is ours
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise SourceError(warehouse, f"another load into this warehouse is running: {_holder(path)}",
                              "wait for it to finish, then run your command again") from exc
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "user": _user(), "started": time.time(),
                  "command": shlex.join(sys.orig_argv)}
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, json.dumps(holder).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(descriptor, 0)
    finally:
        os.close(descriptor)  # closing lets go of the lock


def remove_stale_builds(warehouse: Path) -> list[Path]:
    """Remove what loads killed before they could clean up left behind: partial warehouses
    (`<name>.building-<pid>`, DuckDB's `.wal` and `.tmp` spill folder beside one) and the app's spill folders
    beside the live file (`connect.remove_stale_spills`), only those whose process no longer runs. Returns what
    it removed."""
    removed = []
    for path in sorted(warehouse.parent.glob(f"{warehouse.name}.building-*")):
        pid = path.name.rsplit(".building-", 1)[1].removesuffix(".wal").removesuffix(".tmp")
        if pid.isdigit() and int(pid) != os.getpid() and not running(int(pid)):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed + remove_stale_spills(warehouse.parent, f"{warehouse.name}.tmp-")


DISK_FULL = {errno.ENOSPC: "No space left on device", errno.EFBIG: "File too large", errno.EDQUOT: "Disk quota exceeded"}


def _disk_full(exc: BaseException) -> str | None:
    """The reason, when `exc` is a write refused for want of room (an OSError, or DuckDB's IOException quoting
    the system's message); None for anything else."""
    if isinstance(exc, OSError) and exc.errno in DISK_FULL:
        return DISK_FULL[exc.errno]
    if isinstance(exc, duckdb.Error):
        return next((reason for reason in DISK_FULL.values() if reason.lower() in str(exc).lower()), None)
    return None


def _no_room(warehouse: Path, reason: str) -> SourceError:
    size = warehouse.stat().st_size / 1e6 if warehouse.exists() else 0
    return SourceError(warehouse.parent, f"there is no room to write the new warehouse in this folder ({reason}); the "
                                         "partial file was removed",
                       f"make room on that disk: a load writes its new warehouse beside the live one ({size:,.0f} MB) "
                       "before the swap, so it needs at least as much free again; or load into a folder on a disk "
                       "with room (--warehouse)")


def rollback(warehouse: Path) -> tuple[str, str | None]:
    """Put `<warehouse>.previous` back as the live warehouse in one atomic rename, keeping the live file as
    `<warehouse>.rejected` for inspection. Refused while a load runs, when there is no previous warehouse or
    when it cannot be read itself. Returns the version now live and what was set aside ("version <v>",
    "unreadable", or None when there was no live file)."""
    def version(path: Path) -> str | None:
        try:
            con = open_readonly(path)
        except WarehouseUnavailable:
            return None
        try:
            return warehouse_info(con)["version"]
        finally:
            con.close()

    warehouse = Path(warehouse)
    previous = warehouse.with_name(warehouse.name + ".previous")
    with load_lock(warehouse):
        if not previous.exists():
            raise SourceError(previous, "there is no previous warehouse to put back (a load keeps the one it replaces "
                                        "under this name; none has replaced one here, or it was put back already)",
                              f"load your files again with `python -m data ingest --warehouse {warehouse} FILES...`")
        restored = version(previous)
        if restored is None:
            raise SourceError(previous, "the previous warehouse cannot be read either, so it was not put back",
                              f"load your files again with `python -m data ingest --warehouse {warehouse} FILES...`")
        rejected = None
        if warehouse.exists():
            found = version(warehouse)
            rejected = f"version {found}" if found else "unreadable"
            keep_as(warehouse, ".rejected")  # the bad file, for inspection
        os.replace(previous, warehouse)
    return restored, rejected


def ingest(sources: Iterable[str | Path], warehouse: Path, *, bundle: bool = True, la: str | None = None,
           today: pd.Timestamp | None = None, progress: bool | None = None, allow_shrink: bool = False,
           prepare: Callable[[Path], object] | None = None, replace: bool = False) -> LoadReport:
    """Load `sources` (one council's extract or several: see the module's docstring) into a new warehouse file
    and swap it in for `warehouse`, keeping the live warehouse's other councils as they were (`replace`: keeping
    none, as a generated sample replaces the last). `prepare` runs on
    the new file before it goes live (the load commands pass `indicators.facts.build`, so the facts every page
    reads are in the file the moment it is live); should it fail, the live warehouse is untouched."""
    warehouse = Path(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with load_lock(warehouse):
        removed = remove_stale_builds(warehouse)  # left by a load killed before it could clean up
        building = warehouse.with_name(f"{warehouse.name}.building-{os.getpid()}")
        written: Building | None = None
        try:
            disable = not progress if progress is not None else None

            def read(council: Council) -> None:
                """Read the council's files not read yet (the same bytes twice load once)."""
                council.paths, repeats = drop_repeated_files(council.paths)
                council.today = council.today or today or pd.Timestamp(
                    council.manifest.get("reference_date") or pd.Timestamp.today()).normalize()
                done = {f.path for f in council.files}
                council.files += [read_source(path, council.today) for path in tqdm(
                    [p for p in council.paths if p not in done], desc=f"Reading {council.code or 'sources'}",
                    unit="file", disable=disable)]
                for f in council.files:
                    f.warnings += [w for w in repeats.get(f.path, []) if w not in f.warnings]

            groups = group_sources(sources, la)
            for group in groups:  # files naming no council are read first: their SEN2 headers name (or split) them
                if not group.code:
                    read(group)
            councils = check_headers(groups, resolve=bundle)
            codes = [c.code for c in councils]
            before = [c for c in live_councils(warehouse) if c["la_code"]] if all(codes) and not replace else []
            kept = [c for c in before if c["la_code"] not in codes]  # an unnamed extract replaces the warehouse whole
            order = [c["la_code"] for c in before] + [code for code in codes if code not in {c["la_code"] for c in before}]
            hashes = bundle_hashes(bundle)
            building.unlink(missing_ok=True)
            written = Building(building, warehouse.parent / "raw", (warehouse, [c["la_code"] for c in kept]))
            for council in sorted(councils, key=lambda c: c.code):  # one at a time, in code order (see Building)
                read(council)
                check_headers([council], resolve=bundle)
                check_same_return(council.files)  # each council's keys are its own: (la_code, id)
                check_duplicates_across_files(council.files)
                check_birth_dates(council.files)
                check_references(council.files)
                lea = next((f.header.get("lea") for f in council.files if f.header.get("lea")), None)
                council.version = warehouse_version(council.files, hashes, {
                    **_council_info(council.code, council.synthetic, council.today, len(council.files)), "lea": lea or ""})
                written.add(council, order.index(council.code) + 1)
            loaded = [f for council in councils for f in council.files]
            home = next((c for c in councils if c.code == order[0]), None)
            info = (_council_info(home.code, home.synthetic, home.today, len(loaded)) if home else
                    _council_info(kept[0]["la_code"], kept[0]["synthetic"], pd.Timestamp(kept[0]["reference_date"]),
                                  len(loaded)))
            info["source_files"] = str(len(loaded) + sum(int(c["source_files"]) for c in kept))
            if len(councils) == 1 and not kept:
                info["version"] = councils[0].version  # one council: the version of its load
            else:
                digest = hashlib.sha256("\n".join(sorted(hashes)).encode())
                for code, version in sorted([(c.code, c.version) for c in councils] + [(c["la_code"], c["version"]) for c in kept]):
                    digest.update(f"\n{code}={version}".encode())
                info["version"] = digest.hexdigest()[:16]
            tables = written.finish(plan_national(loaded, bundled_files(bundle)), info, order)
            written.close()
            written = None
            duckdb.connect(str(building), read_only=True).close()  # the new file opens before it goes live
            if not allow_shrink:
                check_shrink(warehouse, building, loaded, codes if kept else None)
            if prepare is not None:
                prepare(building)
            swap_in(building, warehouse)
        except (OSError, duckdb.Error) as exc:
            if (reason := _disk_full(exc)) is None:
                raise
            raise _no_room(warehouse, reason) from exc
        finally:
            if written is not None:
                with suppress(duckdb.Error, OSError):  # already failing: the first error is the one to tell
                    written.close()
            building.unlink(missing_ok=True)
            building.with_name(building.name + ".wal").unlink(missing_ok=True)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ours = {"codes": codes}
        report_files = con.execute("""SELECT * FROM source_file WHERE list_contains($codes, la_code)
                                      ORDER BY source_file_id""", ours).df().to_dict("records")
        quarantined = con.execute("""SELECT count(*) FROM quarantine
                                     WHERE action = 'row_rejected' AND list_contains($codes, la_code)""", ours).fetchone()[0]
        warnings = con.execute("SELECT source_file, problem FROM load_warning WHERE list_contains($codes, la_code)",
                               ours).fetchall()
        loads = con.execute("SELECT * FROM loads ORDER BY position").df().to_dict("records")
    return LoadReport(warehouse, info["version"], report_files, tables, quarantined, warnings, loads, removed)


def _council_info(code: str, synthetic: bool, today: pd.Timestamp, files: int) -> dict[str, str]:
    """A council's load settings: with the data model, rules and files, everything that changes its figures."""
    return {"model_version": MODEL_VERSION, "local_la_code": code, "synthetic_local_data": "true" if synthetic else "false",
            "reference_date": str(today.date()), "source_files": str(files)}
