"""Apply a declared file kind to a raw frame of strings: type it, check it with pandera, split good from bad.

Rows in = rows loaded + rows quarantined, always. A field declared `on_error=clear` keeps its row but loses
the bad value; the original value and the reason are still logged.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from data.errors import SourceError
from data.parsing import CsvText, parse_date, parse_number
from data.schemas.spec import CLEAR, Field, FileKind

QUARANTINE_COLUMNS = ["source_file", "row_number", "table_name", "rule", "field", "value", "reason", "action"]
_PANDERA_RULES = {"not_nullable": "REQUIRED", "isin": "CODE", "str_matches": "FORMAT",
                  "greater_than_or_equal_to": "RANGE", "less_than_or_equal_to": "RANGE"}
FLAG_RECODE = {"Y": "1", "N": "0", "YES": "1", "NO": "0", "TRUE": "1", "FALSE": "0", "1.0": "1", "0.0": "0"}


@dataclass
class Validated:
    frame: pd.DataFrame  # typed rows that load, keeps `_row`
    quarantine: pd.DataFrame  # one row per problem (QUARANTINE_COLUMNS)
    rows_in: int
    rows_loaded: int | None = None  # set once the rows are written to the warehouse and `frame` let go

    @property
    def rejected_rows(self) -> int:
        q = self.quarantine
        return int(q.loc[q["action"] == "row_rejected", "row_number"].nunique()) if len(q) else 0


def map_columns(kind: FileKind, raw: pd.DataFrame | CsvText, path: Path) -> dict[str, str]:
    """Field name -> source column. A missing required column stops the load with a rename hint."""
    present = [c for c in raw.columns if c != "_row"]
    squashed = {c.replace("_", ""): c for c in present}  # 'person_birth_date' is 'personbirthdate'
    mapping, missing = {}, []
    for f in kind.fields:
        found = next((squashed[a.replace("_", "")] for a in f.source_names if a.replace("_", "") in squashed), None)
        if found:
            mapping[f.name] = found
        elif f.required or f.column_required:
            missing.append(f)
    unmapped = [c for c in present if c not in mapping.values()]
    if missing:
        parts = []
        for f in missing:
            close = difflib.get_close_matches(f.source_names[0], unmapped, n=1, cutoff=0.6)
            hint = f" (found '{close[0]}': rename it to '{f.source_names[0]}')" if close else ""
            parts.append(f"'{f.source_names[0]}'{hint}")
        raise SourceError(
            path,
            f"is a {kind.name} file but the required column(s) {', '.join(parts)} are missing",
            f"add or rename the column(s); expected columns are {', '.join(f.source_names[0] for f in kind.fields)}",
        )
    return mapping


def _typed(f: Field, raw: pd.Series) -> pd.Series:
    text = raw.astype("string").str.strip()
    if f.kind == "date":
        return parse_date(text)
    if f.kind in ("int", "float"):
        return parse_number(text)
    if f.kind == "id":
        return text.str.replace(r"\.0$", "", regex=True)
    if f.kind in ("code", "flag"):
        upper = text.str.upper().replace(f.recode) if f.recode else text.str.upper()
        if f.kind == "flag":
            upper = upper.replace(FLAG_RECODE)
        canonical = {c.upper(): c for c in f.codes}
        return upper.replace(canonical).astype("string")
    if f.case == "upper":  # identifiers such as UPN and postcode
        return text.str.upper()
    if f.case == "lower":
        return text.str.lower()
    return text


def _column_schema(f: Field) -> pa.Column:
    checks = []
    if f.codes:
        checks.append(pa.Check.isin(list(f.codes), name="CODE"))
    if f.pattern:
        checks.append(pa.Check.str_matches(f.pattern, name="FORMAT"))
    if f.minimum is not None:
        checks.append(pa.Check.ge(f.minimum, name="RANGE"))
    if f.maximum is not None:
        checks.append(pa.Check.le(f.maximum, name="RANGE"))
    return pa.Column(nullable=not f.required, checks=checks, coerce=False, required=True)


def pandera_schema(kind: FileKind, unique: bool = True) -> pa.DataFrameSchema:
    """The kind's pandera schema; `unique=False` leaves out the key check (made across a file's batches)."""
    return pa.DataFrameSchema(
        {f.name: _column_schema(f) for f in kind.fields},
        unique=(list(kind.key) or None) if unique else None,
        report_duplicates="exclude_first",
        strict=False,
        name=kind.name,
    )


def _reason(f: Field, rule: str, value) -> str:
    shown = "blank" if value is None or (isinstance(value, float) and pd.isna(value)) else f"'{value}'"
    source = f.source_names[0]
    if rule == "REQUIRED":
        return f"{source} is required but is blank"
    if rule == "CODE":
        return f"{shown} is not a valid {source}; expected one of {', '.join(f.codes)}"
    if rule == "FORMAT":
        return f"{shown} is not a valid {source} ({f.help or 'wrong format'})"
    if rule == "RANGE":
        return f"{shown} is out of range for {source}"
    if rule == "DATE_FORMAT":
        return f"{shown} is not a date in {source}; use YYYY-MM-DD or DD/MM/YYYY"
    if rule == "NUMBER_FORMAT":
        return f"{shown} is not a number in {source}"
    return f"{shown} breaks {rule} in {source}"


def validate(kind: FileKind, raw: pd.DataFrame, path: Path, today: pd.Timestamp) -> Validated:
    """Type and check a whole file's rows (see `validate_batches`)."""
    return validate_batches(kind, [raw], path, today)


def validate_batches(kind: FileKind, batches: Iterable[pd.DataFrame], path: Path, today: pd.Timestamp) -> Validated:
    """Type and check a file a batch of rows at a time (each batch's index numbers its rows within the file), so
    only one batch's text and working columns are held at once; a repeated key is then found across the whole
    file, as pandera's `unique` would find it in one frame: rows whose key hashes repeat are compared exactly."""
    goods, quarantines, keys, rows_in = [], [], [], 0
    for raw in batches:
        good, quarantine, batch_keys = _validate_batch(kind, raw, path, today)
        goods.append(good)
        quarantines.append(quarantine)
        keys.append(batch_keys)
        rows_in += len(raw)
    good = pd.concat(goods) if len(goods) > 1 else goods[0]
    quarantines = [q for q in quarantines if len(q)] or quarantines[:1]
    quarantine = pd.concat(quarantines, ignore_index=True) if len(quarantines) > 1 else quarantines[0]
    if kind.key:
        keys = pd.concat(keys) if len(keys) > 1 else keys[0]
        candidates = keys[keys["_hash"].duplicated(keep=False)]  # every row of a repeated key (and rare collisions)
        repeated = candidates[candidates.duplicated(subset=list(kind.key), keep="first") & ~candidates["_flagged"]]
        if len(repeated):
            quarantine = pd.concat([quarantine, pd.DataFrame({
                "source_file": str(path), "row_number": repeated["_row"].to_numpy(), "table_name": kind.table,
                "rule": "DUPLICATE", "field": kind.key[0], "value": repeated["_value"].to_numpy(),
                "reason": f"duplicate of an earlier row with the same {', '.join(kind.key)}",
                "action": "row_rejected"})], ignore_index=True)
            good = good.loc[~good.index.isin(repeated.index)]
    quarantine["value"] = quarantine["value"].astype("string")
    return Validated(good, quarantine[QUARANTINE_COLUMNS].reset_index(drop=True), rows_in)


def _validate_batch(kind: FileKind, raw: pd.DataFrame, path: Path,
                    today: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One batch: its good typed rows, its quarantine, and every row's typed key with its hash, line, raw value
    and whether the key's cell already has a problem, for the file-wide repeat check."""
    mapping = map_columns(kind, raw, path)
    fields = {f.name: f for f in kind.fields}
    raw_values = pd.DataFrame({name: raw[col] if name in mapping else pd.NA
                               for name, col in ((f.name, mapping.get(f.name)) for f in kind.fields)},
                              index=raw.index)
    typed = pd.DataFrame({f.name: _typed(f, raw_values[f.name]) for f in kind.fields}, index=raw.index)
    problems: list[tuple[int, str, str]] = []  # (index, field, rule)

    for f in kind.fields:  # text that could not be read as a date or number
        if f.kind in ("date", "int", "float"):
            unreadable = raw_values[f.name].notna() & typed[f.name].isna()
            problems += [(i, f.name, "DATE_FORMAT" if f.kind == "date" else "NUMBER_FORMAT")
                         for i in unreadable[unreadable].index]

    try:
        pandera_schema(kind, unique=False).validate(typed, lazy=True, inplace=True)  # checks only: no copy
    except pa.errors.SchemaErrors as errors:
        for case in errors.failure_cases.itertuples():
            if pd.isna(case.index):
                continue
            check = str(case.check)
            problems.append((int(case.index), case.column, _PANDERA_RULES.get(check.split("(")[0], check.split("(")[0])))

    records, rejected, seen = [], set(), set()
    for index, name, rule in problems:
        if (index, name) in seen:  # one problem per cell: an unreadable date is not also "blank"
            continue
        seen.add((index, name))
        f = fields[name]
        action = "value_cleared" if f.on_error == CLEAR and rule != "REQUIRED" else "row_rejected"
        value = raw_values.at[index, name]
        records.append((index, rule, name, value, _reason(f, rule, value), action))
        if action == "value_cleared":
            typed.at[index, name] = pd.NA
        else:
            rejected.add(index)

    keys = None
    if kind.key:  # taken before the rules add their column and before any row goes
        keys = typed[list(kind.key)].assign(
            _row=raw["_row"], _value=raw_values[kind.key[0]].astype("string"),
            _flagged=[(i, kind.key[0]) in seen for i in typed.index],
            _hash=pd.util.hash_pandas_object(typed[list(kind.key)], index=False))  # compact to compare file-wide
    typed["_today"] = today
    for rule in kind.rules:
        bad = rule.bad(typed).fillna(False)
        for index in bad[bad].index:
            if index in rejected and (index, rule.field) in seen:  # already logged for this cell
                continue
            records.append((index, rule.code, rule.field, raw_values.at[index, rule.field], rule.reason, "row_rejected"))
            rejected.add(index)
    typed = typed.drop(columns="_today")

    quarantine = pd.DataFrame(records, columns=["index", "rule", "field", "value", "reason", "action"])
    quarantine["row_number"] = raw.loc[quarantine["index"], "_row"].to_numpy() if len(quarantine) else []
    quarantine["source_file"] = str(path)
    quarantine["table_name"] = kind.table
    quarantine["value"] = quarantine["value"].astype("string")
    good = typed.loc[~typed.index.isin(rejected)] if rejected else typed  # a copy only when rows go
    good["_row"] = raw.loc[good.index, "_row"]
    return good, quarantine[QUARANTINE_COLUMNS], keys
