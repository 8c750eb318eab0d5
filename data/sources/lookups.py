"""Geography lookups (DfE/ONS): local authorities, regions and wards, as warehouse dimensions."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from data.errors import SourceError
from data.parsing import read_csv_text

LA_COLUMNS = {"old_la_code", "new_la_code", "la_name", "region_code", "region_name"}
WARD_COLUMNS = {"ward_code", "ward_name", "lad_code", "lad_name", "new_la_code", "la_name",
                "first_available_year_included", "most_recent_year_included"}


def _require(path: Path, frame: pd.DataFrame, needed: set[str], what: str) -> None:
    missing = sorted(needed - set(frame.columns))
    if missing:
        raise SourceError(path, f"is not {what}: missing column(s) {', '.join(missing)}",
                          f"supply the published {what} with its original column names")


def read_la_lookup(path: Path) -> pd.DataFrame:
    """The current LAs with their region (`la_lookup_202425_from_ees.csv`)."""
    raw = read_csv_text(path, expected=LA_COLUMNS)
    _require(path, raw, LA_COLUMNS, "an LA lookup")
    out = raw[sorted(LA_COLUMNS)].copy()
    out["old_la_code"] = out["old_la_code"].str.replace(r"\.0$", "", regex=True).str.zfill(3)
    return out.drop_duplicates("new_la_code").sort_values("new_la_code").reset_index(drop=True)


def read_ward_lookup(path: Path) -> pd.DataFrame:
    """Ward -> district -> LA. A ward split across constituencies appears once; `is_current` marks the
    wards in the most recent year of the file (the LA's real current wards)."""
    raw = read_csv_text(path, expected=WARD_COLUMNS)
    _require(path, raw, WARD_COLUMNS, "a ward lookup")
    raw = raw[raw["ward_code"].str.startswith("E", na=False)]
    out = raw[sorted(WARD_COLUMNS)].drop_duplicates("ward_code").copy()
    out["first_year"] = pd.to_numeric(out.pop("first_available_year_included")).astype("int64")
    out["last_year"] = pd.to_numeric(out.pop("most_recent_year_included")).astype("int64")
    out["is_current"] = out["last_year"] == out["last_year"].max()
    return out.sort_values("ward_code").reset_index(drop=True)
