"""DfE children's services statistical neighbours, read from the workbook as DfE publishes it.

The sheet ("LA SN Groups") has a couple of rows of column letters / numbers above the real header
(`LA num, LA Name, LA number, GOInd, GOReg, SN1, SNP, SN2, SNP, ... SN10, SNP`), then one row per LA, then an
"Old SNs:" block for LAs that no longer exist. Each `SNP` column is the proximity label of the neighbour to
its left. Proximity labels vary in capitalisation and spacing between releases; they are normalised to
`PROXIMITY_LABELS`. The DfE long CSV of the same model (`statistical_neighbours_may2025_long.csv`) is read too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from data.errors import SourceError
from data.parsing import normalise_column, plain_path, read_csv_text
from data.sources.lookups import AreaResolver, clean_la_number, require_columns

SHEET = "LA SN Groups"
PROXIMITY_LABELS = ("Extremely close", "Very close", "Close", "Somewhat close", "Not close")
_PROXIMITY_BY_KEY = {re.sub(r"[^a-z]", "", p.lower()): p for p in PROXIMITY_LABELS}
SN_COLUMNS = ["model", "old_la_code", "new_la_code", "la_name", "sn_rank", "sn_old_la_code", "sn_new_la_code",
              "sn_la_name", "proximity", "la_is_current", "region_name"]
LONG_COLUMNS = {"old_la_code", "la_name", "new_la_code", "sn_rank", "sn_old_la_code", "sn_new_la_code",
                "sn_la_name", "sn_proximity"}
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
FIX = (f"supply DfE's statistical neighbours workbook as published: a sheet named '{SHEET}' whose header row "
       "holds 'LA num', 'LA Name', 'GOReg' and SN1..SN10 each followed by its 'SNP' proximity column")


def normalise_proximity(raw: pd.Series) -> pd.Series:
    """`Very Close`, ` very  close `, `VERY_CLOSE` -> `Very close`; blanks and `-` -> null. Unknown labels
    are kept as published (stripped), so nothing is silently lost."""
    text = raw.astype("string").str.strip()
    key = text.str.lower().str.replace(r"[^a-z]", "", regex=True)
    known = key.map(_PROXIMITY_BY_KEY).astype("string")
    blank = text.isna() | text.isin(["", "-", "x", "z", ".."])
    return known.fillna(text).mask(blank).astype("string")


def model_from_name(path: Path) -> str | None:
    """`sn_may_2025.xlsx` -> `2025-05`; `statistical_neighbours_may2025_long.csv` -> `2025-05`."""
    stem = plain_path(path).stem.lower()
    match = re.search(r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[_\s-]*((?:19|20)\d{2})", stem)
    if match:
        return f"{match.group(2)}-{_MONTHS[match.group(1)]:02d}"
    match = re.search(r"((?:19|20)\d{2})[_\s-]*(\d{2})(?!\d)", stem)
    if match and 1 <= int(match.group(2)) <= 12:
        return f"{match.group(1)}-{match.group(2)}"
    return None


def _model(path: Path, model: str | None) -> str:
    model = model or model_from_name(path)
    if not model:
        raise SourceError(path, "does not say which statistical neighbour model (month and year) it is",
                          "name the file after its release, e.g. sn_may_2026.xlsx")
    return model


def _cell_key(value: object) -> str:
    return normalise_column(value) if value is not None and not pd.isna(value) else ""


def _find_header(rows: list[list[object]]) -> int | None:
    for i, row in enumerate(rows[:30]):
        keys = {_cell_key(v) for v in row}
        if "sn1" in keys and keys & {"la_name", "la_num", "la_number"}:
            return i
    return None


def _pick_sheet(path: Path, names: list[str]) -> str:
    wanted = normalise_column(SHEET)
    for name in names:
        if normalise_column(name) == wanted:
            return name
    fuzzy = [n for n in names if {"sn", "group"} <= set(re.split(r"[^a-z]+", n.lower().replace("groups", "group")))]
    if len(fuzzy) == 1:
        return fuzzy[0]
    raise SourceError(path, f"has no sheet named '{SHEET}' (sheets: {', '.join(names)})",
                      f"rename the statistical neighbours sheet to '{SHEET}'; {FIX}")


def read_stat_neighbours_xlsx(path: Path, resolver: AreaResolver, model: str | None = None) -> pd.DataFrame:
    """The published workbook -> `stat_neighbour` rows (one per LA and neighbour rank)."""
    model = _model(path, model)
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a bad zip or a non-workbook
        raise SourceError(path, f"is not a readable .xlsx workbook ({type(exc).__name__})",
                          "save it from Excel as .xlsx") from exc
    sheet = _pick_sheet(path, book.sheet_names)
    grid = pd.read_excel(book, sheet_name=sheet, header=None, dtype=object)
    rows = grid.astype(object).where(grid.notna(), None).values.tolist()
    at = _find_header(rows)
    if at is None:
        raise SourceError(path, f"sheet '{sheet}' has no header row with 'LA Name' and 'SN1'", FIX)
    header = [_cell_key(v) for v in rows[at]]

    def first(*names: str) -> int | None:
        for name in names:
            if name in header:
                return header.index(name)
        return None

    number_col = first("la_num", "la_number", "la_code", "old_la_code")
    name_col = first("la_name")
    region_col = first("goreg", "region", "region_name", "gor")
    sn_cols = {}
    for rank in range(1, 21):
        if f"sn{rank}" in header:
            sn_cols[rank] = header.index(f"sn{rank}")
    missing = [label for label, col in (("LA num", number_col), ("LA Name", name_col)) if col is None]
    ranks = sorted(sn_cols)
    if ranks != list(range(1, len(ranks) + 1)) or len(ranks) < 10:
        missing.append(", ".join(f"SN{r}" for r in range(1, 11) if r not in sn_cols) or "SN ranks in order")
    if missing:
        raise SourceError(path, f"sheet '{sheet}' is missing column(s) {', '.join(missing)}", FIX)
    proximity_cols = {}
    for rank, col in sn_cols.items():
        nxt = header[col + 1] if col + 1 < len(header) else ""
        if nxt in ("snp", f"sn{rank}p", f"sn{rank}_proximity", "proximity") or nxt.startswith("snp"):
            proximity_cols[rank] = col + 1
    if len(proximity_cols) != len(sn_cols):
        lacking = [f"SN{r}" for r in sn_cols if r not in proximity_cols]
        raise SourceError(path, f"sheet '{sheet}' has no proximity ('SNP') column after {', '.join(lacking)}", FIX)

    records = []
    for offset, row in enumerate(rows[at + 1:], start=at + 2):
        number = clean_la_number(pd.Series([row[number_col]])).iat[0]
        if pd.isna(number):
            continue  # blank rows, the "Old SNs:" label, notes
        for rank, col in sn_cols.items():
            records.append({
                "old_la_code": number, "la_name": row[name_col], "sn_rank": rank, "sn_raw": row[col],
                "proximity_raw": row[proximity_cols[rank]], "region_name": row[region_col] if region_col is not None else None,
                "_row": offset,
            })
    if not records:
        raise SourceError(path, f"sheet '{sheet}' has a header but no LA rows", FIX)
    frame = pd.DataFrame(records)
    return _finish(frame, resolver, model, path)


def read_stat_neighbours_long(path: Path, resolver: AreaResolver, model: str | None = None) -> pd.DataFrame:
    """The long CSV form of a model (`statistical_neighbours_may2025_long.csv`)."""
    model = _model(path, model)
    raw = read_csv_text(path, expected=LONG_COLUMNS)
    require_columns(path, raw, LONG_COLUMNS, "a statistical neighbours long file")
    region = next((c for c in raw.columns if c.startswith("region_name")), None)
    frame = pd.DataFrame({
        "old_la_code": clean_la_number(raw["old_la_code"]), "la_name": raw["la_name"],
        "sn_rank": pd.to_numeric(raw["sn_rank"], errors="coerce"), "sn_raw": raw["sn_old_la_code"],
        "proximity_raw": raw["sn_proximity"], "region_name": raw[region] if region else pd.NA, "_row": raw["_row"],
    })
    bad = frame["sn_rank"].isna() | frame["old_la_code"].isna()
    if bad.all():
        raise SourceError(path, "has no rows with a 3-digit old_la_code and a numeric sn_rank",
                          "supply the long statistical neighbours file as published")
    return _finish(frame[~bad], resolver, model, path)


def _finish(frame: pd.DataFrame, resolver: AreaResolver, model: str, path: Path) -> pd.DataFrame:
    frame = frame.copy()
    frame["sn_old_la_code"] = clean_la_number(frame["sn_raw"].astype("string"))
    frame = frame[frame["sn_old_la_code"].notna()]  # `-`: the LA had no neighbours in this model
    la = resolver.la_by_number(frame["old_la_code"])
    sn = resolver.la_by_number(frame["sn_old_la_code"])
    unknown = sorted(set(frame.loc[la["new_la_code"].isna(), "old_la_code"]) |
                     set(frame.loc[sn["new_la_code"].isna(), "sn_old_la_code"]))
    if unknown:
        raise SourceError(path, f"uses LA number(s) not in the LA lookups: {', '.join(unknown[:10])}",
                          "update lookups/las.csv (or the EES LA lookup) with the new LA codes, then reload")
    out = pd.DataFrame({
        "model": model,
        "old_la_code": frame["old_la_code"].astype("string"),
        "new_la_code": la["new_la_code"],
        "la_name": frame["la_name"].astype("string").str.strip(),
        "sn_rank": frame["sn_rank"].astype("int64"),
        "sn_old_la_code": frame["sn_old_la_code"],
        "sn_new_la_code": sn["new_la_code"],
        "sn_la_name": sn["la_name"],
        "proximity": normalise_proximity(frame["proximity_raw"]),
        "la_is_current": la["la_is_current"].astype(bool),
        "region_name": frame["region_name"].astype("string").str.strip(),
    }, index=frame.index)
    out["model"] = out["model"].astype("string")
    return out[SN_COLUMNS].sort_values(["model", "old_la_code", "sn_rank"]).reset_index(drop=True)
