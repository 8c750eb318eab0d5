"""Ingest: sources -> validated tables -> a new warehouse built beside the live one -> atomic swap.

A file-level problem raises SourceError before the live warehouse is touched. Row-level problems go to the
`quarantine` table. The same inputs always give the same warehouse (same tables, rows, order and version).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable
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


def write_warehouse(target: Path, national: NationalPlan, files: list[LoadedFile], info: dict[str, str],
                    raw_dir: Path | None, lea: str | None = None) -> dict[str, int]:
    con = duckdb.connect(str(target))
    try:
        for ddl in META_DDL.values():
            con.execute(ddl)
        for kind in LOCAL_TABLES.values():
            con.execute(local_ddl(kind))
        for table in national.tables():
            _create_national(con, table, national)
        quarantine_frames, files_rows = [], []
        for number, loaded in enumerate(files, start=1):
            raw_copy = None
            if raw_dir is not None:
                raw_dir.mkdir(parents=True, exist_ok=True)
                kept = raw_dir / f"{loaded.sha256}{loaded.path.suffix.lower()}"
                if not kept.exists():
                    shutil.copyfile(loaded.path, kept)
                raw_copy = str(kept)
            rows_in = rows_loaded = cleared = quarantined = 0
            for table, result in loaded.validated.items():
                kind = LOCAL_TABLES[table]
                frame = result.frame.rename(columns={"_row": "source_row"})
                frame["source_file_id"] = number
                frame = frame[[f.name for f in kind.fields] + ["source_file_id", "source_row"]]
                con.register("incoming", pa.Table.from_pandas(frame, preserve_index=False))  # text columns unconverted
                con.execute(f"INSERT INTO {table} SELECT * FROM incoming")  # noqa: S608 - table names are ours
                con.unregister("incoming")
                q = result.quarantine.assign(source_file_id=number)
                quarantine_frames.append(q)
                rows_in += result.rows_in
                rows_loaded += len(frame)
                quarantined += result.rows_in - len(frame)
                cleared += int((q["action"] == "value_cleared").sum())
            national_rows = sum(len(t) for t in loaded.tables.values())
            files_rows.append((number, loaded.path.name, str(loaded.path), loaded.kind,
                               ",".join(sorted(loaded.validated) or sorted(loaded.tables)), loaded.sha256,
                               loaded.path.stat().st_size, rows_in or national_rows, rows_loaded or national_rows,
                               quarantined, cleared, raw_copy))
            for problem in loaded.warnings:
                con.execute("INSERT INTO load_warning VALUES (?, ?)", [str(loaded.path), problem])
        if files_rows:
            con.executemany("INSERT INTO source_file VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", files_rows)
        if quarantine_frames:
            q = pd.concat(quarantine_frames, ignore_index=True)
            q = q[["source_file_id", *QUARANTINE_COLUMNS]].sort_values(["source_file_id", "row_number", "field"], kind="stable")
            con.register("incoming", q)
            con.execute("INSERT INTO quarantine SELECT * FROM incoming")
            con.unregister("incoming")
        if not info["local_la_code"] and lea and "dim_la" in national.tables():  # the SEN2 header's LA number
            found = con.execute("SELECT new_la_code FROM dim_la WHERE old_la_code = ?", [lea]).fetchone()
            info = {**info, "local_la_code": found[0] if found else ""}
        con.executemany("INSERT INTO warehouse_info VALUES (?, ?)", sorted(info.items()))
        con.execute("CHECKPOINT")
        tables = [row[0] for row in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}  # noqa: S608
    finally:
        con.close()


SHRINK_LIMIT = 0.5  # a load may remove at most this share of a table's rows unless allow_shrink is given


def check_shrink(live: Path, tables: dict[str, int], files: list[LoadedFile]) -> None:
    """Stop a load that would remove more than SHRINK_LIMIT of any table's rows compared with the live warehouse
    (a truncated or header-only export must never silently empty the dashboard)."""
    if not live.exists():
        return
    try:
        with duckdb.connect(str(live), read_only=True) as con:
            names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
            before = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]  # noqa: S608 - names from the catalog
                      for t in names if t not in META_DDL}
    except duckdb.Error:
        return  # an unreadable live warehouse has nothing worth protecting
    shrunk = []
    for table, old in sorted(before.items()):
        new = tables.get(table, 0)
        if old and (old - new) / old > SHRINK_LIMIT:
            sources = sorted({f.path.name for f in files if table in f.validated or table in f.tables})
            shrunk.append(f"{table} from {old:,} to {new:,} rows ({', '.join(sources) or 'no file supplies it'})")
    if shrunk:
        raise SourceError(live, f"this load would remove more than {SHRINK_LIMIT:.0%} of the rows of "
                                + "; ".join(shrunk),
                          "check the extract is complete (every file, with its rows); if the smaller tables are right, "
                          "load again with --allow-shrink")


def swap_in(new: Path, live: Path) -> None:
    """Make `new` the live warehouse in one atomic rename, keeping the old one as `<name>.previous`."""
    if live.exists():
        previous = live.with_name(live.name + ".previous")
        staging = live.with_name(live.name + ".previous.tmp")
        staging.unlink(missing_ok=True)
        os.link(live, staging)  # a second name for the old file, so the live name never disappears
        os.replace(staging, previous)
    os.replace(new, live)


def ingest(sources: Iterable[str | Path], warehouse: Path, *, bundle: bool = True, la: str | None = None,
           today: pd.Timestamp | None = None, progress: bool | None = None, allow_shrink: bool = False,
           prepare: Callable[[Path], object] | None = None) -> LoadReport:
    """Load `sources` into a new warehouse file and swap it in for `warehouse`. `prepare` runs on the new
    file before it goes live (the load commands pass `indicators.facts.build`, so the facts every page reads
    are in the file the moment it is live); should it fail, the live warehouse is untouched."""
    warehouse = Path(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock = open(warehouse.with_name(warehouse.name + ".lock"), "w")  # noqa: SIM115 - held for the whole load
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        raise SourceError(warehouse, "another load into this warehouse is running", "wait for it to finish") from exc
    building = warehouse.with_name(f"{warehouse.name}.building-{os.getpid()}")
    try:
        files, manifest = expand_sources(sources)
        files, repeats = drop_repeated_files(files)
        today = today or pd.Timestamp(manifest.get("reference_date") or pd.Timestamp.today()).normalize()
        loaded = [read_source(path, today) for path in tqdm(files, desc="Reading sources", unit="file",
                                                             disable=not progress if progress is not None else None)]
        for f in loaded:
            f.warnings += repeats.get(f.path, [])
        check_same_return(loaded)
        check_duplicates_across_files(loaded)
        check_birth_dates(loaded)
        check_references(loaded)
        bundled, bundle_hashes = {}, []
        if bundle:
            from data.sources.national import bundle_files, table_name
            from data.sources.national import bundle_hashes as hashes

            for path in bundle_files():
                bundled.setdefault(table_name(path), []).append(path)
            bundle_hashes = hashes()
        national = plan_national(loaded, bundled)
        lea = next((f.header.get("lea") for f in loaded if f.header.get("lea")), None)
        info = {
            "model_version": MODEL_VERSION,
            "local_la_code": la or manifest.get("la", {}).get("new_la_code") or manifest.get("new_la_code") or "",
            "synthetic_local_data": "true" if manifest.get("synthetic") else "false",
            "reference_date": str(today.date()),
            "source_files": str(len(loaded)),
        }
        version = warehouse_version(loaded, bundle_hashes, {**info, "lea": lea or ""})
        info["version"] = version
        building.unlink(missing_ok=True)
        tables = write_warehouse(building, national, loaded, info, warehouse.parent / "raw", lea)
        duckdb.connect(str(building), read_only=True).close()  # the new file opens before it goes live
        if not allow_shrink:
            check_shrink(warehouse, tables, loaded)
        if prepare is not None:
            prepare(building)
        swap_in(building, warehouse)
    finally:
        building.unlink(missing_ok=True)
        lock.close()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        report_files = con.execute("SELECT * FROM source_file ORDER BY source_file_id").df().to_dict("records")
        quarantined = con.execute("SELECT count(*) FROM quarantine WHERE action = 'row_rejected'").fetchone()[0]
        warnings = con.execute("SELECT * FROM load_warning").fetchall()
    return LoadReport(warehouse, version, report_files, tables, quarantined, warnings)
