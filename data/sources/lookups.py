"""Published lookups (DfE/ONS/NHS England) as warehouse dimensions, and the area resolver that every national
reader uses to turn a 3-digit LA number or a published LA / region name into an ONS code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from data.errors import SourceError
from data.parsing import parse_date, read_csv_text

ENGLAND_CODE = "E92000001"
ENGLAND_NAME = "England"

LA_COLUMNS = {"old_la_code", "new_la_code", "la_name", "region_code", "region_name"}
WARD_COLUMNS = {"ward_code", "ward_name", "lad_code", "lad_name", "new_la_code", "la_name",
                "first_available_year_included", "most_recent_year_included"}
LAS_COLUMNS = {"new_la_code", "la_name", "date_of_operation", "date_of_termination", "parent_geography_code",
               "entity_code", "entity_description", "status", "old_la_code"}
REGION_COLUMNS = {"region_code", "region_name"}
SEN_VOCAB_COLUMNS = {"col_name", "filter_item", "school_census_code"}
# ONS column names carry the year of the boundaries (SICBL22CD in July 2022): matched by pattern.
SUB_ICB_PATTERNS = {
    "sub_icb_code": r"sicbl\d{2}cd", "sub_icb_code_h": r"sicbl\d{2}cdh", "sub_icb_name": r"sicbl\d{2}nm",
    "icb_code": r"icb\d{2}cd", "icb_code_h": r"icb\d{2}cdh", "icb_name": r"icb\d{2}nm",
    "nhs_region_code": r"nhser\d{2}cd", "nhs_region_code_h": r"nhser\d{2}cdh", "nhs_region_name": r"nhser\d{2}nm",
}

# SEN2 / school census primary-need codes. Names are DfE's published names (sen.csv) where DfE publishes the
# code there; DS (new in SEN2 2026) and NSA (school census only; sen.csv lists it without a code) are added
# from the SEN2 2026 XML schema and the school census guide.
NEED_TYPES = [
    ("SPLD", "Specific learning difficulty", True, True),
    ("MLD", "Moderate learning difficulty", True, True),
    ("SLD", "Severe learning difficulty", True, True),
    ("PMLD", "Profound and multiple learning difficulty", True, True),
    ("SEMH", "Social, emotional and mental health", True, True),
    ("SLCN", "Speech, language and communication needs", True, True),
    ("HI", "Hearing impairment", True, True),
    ("VI", "Vision impairment", True, True),
    ("MSI", "Multi-sensory impairment", True, True),
    ("PD", "Physical disability", True, True),
    ("ASD", "Autistic spectrum disorder", True, True),
    ("DS", "Down syndrome", True, False),
    ("OTH", "Other difficulty or disability", True, True),
    ("NSA", "SEN support but no specialist assessment of type of need", False, True),
]


def require_columns(path: Path, frame: pd.DataFrame, needed: set[str], what: str) -> None:
    """Stop the load when a published file lacks a column, naming each missing column and the fix."""
    missing = sorted(needed - set(frame.columns))
    if missing:
        raise SourceError(path, f"is not {what}: missing column(s) {', '.join(missing)}",
                          f"supply the published {what} with its original column names "
                          f"({', '.join(sorted(needed))})")


def clean_la_number(raw: pd.Series) -> pd.Series:
    """`301`, `301.0`, ` 301 ` -> `301`; `x`, `z`, blanks and combined `940 / 941` -> null."""
    text = raw.astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)
    ok = text.str.fullmatch(r"\d{1,3}").fillna(False).astype(bool)
    return text.str.zfill(3).where(ok).astype("string")


def read_la_lookup(path: Path) -> pd.DataFrame:
    """The current LAs with their region (`la_lookup_202425_from_ees.csv`)."""
    raw = read_csv_text(path, expected=LA_COLUMNS)
    require_columns(path, raw, LA_COLUMNS, "an LA lookup")
    out = raw[sorted(LA_COLUMNS)].copy()
    out["old_la_code"] = out["old_la_code"].str.replace(r"\.0$", "", regex=True).str.zfill(3)
    return out.drop_duplicates("new_la_code").sort_values("new_la_code").reset_index(drop=True)


def read_ward_lookup(path: Path) -> pd.DataFrame:
    """Ward -> district -> LA. A ward split across constituencies appears once; `is_current` marks the
    wards in the most recent year of the file (the LA's real current wards)."""
    raw = read_csv_text(path, expected=WARD_COLUMNS)
    require_columns(path, raw, WARD_COLUMNS, "a ward lookup")
    raw = raw[raw["ward_code"].str.startswith("E", na=False)]
    out = raw[sorted(WARD_COLUMNS)].drop_duplicates("ward_code").copy()
    out["first_year"] = pd.to_numeric(out.pop("first_available_year_included")).astype("int64")
    out["last_year"] = pd.to_numeric(out.pop("most_recent_year_included")).astype("int64")
    out["is_current"] = out["last_year"] == out["last_year"].max()
    return out.sort_values("ward_code").reset_index(drop=True)


def read_las(path: Path, current: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every LA code ever used (`las.csv`): live and terminated, with dates. Rows that combine two codes
    (`E06000061 / E06000062`) repeat single rows and are dropped. `in_dfe_lookup` marks the code DfE uses
    in its current files (from `current`, the EES LA lookup) - DfE keeps some codes ONS has retired."""
    raw = read_csv_text(path, expected=LAS_COLUMNS)
    require_columns(path, raw, LAS_COLUMNS, "an LA code list (las.csv)")
    raw = raw[raw["new_la_code"].str.fullmatch(r"[EWSN]\d{8}").fillna(False).astype(bool)]
    out = pd.DataFrame({
        "new_la_code": raw["new_la_code"].str.strip(),
        "old_la_code": clean_la_number(raw["old_la_code"]),
        "la_name": raw["la_name"].str.strip(),
        "region_code": raw["parent_geography_code"].str.strip(),
        "entity_code": raw["entity_code"],
        "la_type": raw["entity_description"],
        "date_of_operation": parse_date(raw["date_of_operation"]),
        "date_of_termination": parse_date(raw["date_of_termination"]),
        "status": raw["status"].str.strip().str.lower(),
    })
    out["is_live"] = (out["status"].eq("live") & out["date_of_termination"].isna()).astype(bool)
    known = set(current["new_la_code"]) if current is not None else set()
    out["in_dfe_lookup"] = out["new_la_code"].isin(known)
    out = out.drop_duplicates("new_la_code")
    return out.sort_values("new_la_code").reset_index(drop=True)


def read_regions(path: Path) -> pd.DataFrame:
    """ONS regions (E12) and the Inner / Outer London sub-regions (E13) DfE also publishes."""
    raw = read_csv_text(path, expected=REGION_COLUMNS)
    require_columns(path, raw, REGION_COLUMNS, "a region lookup")
    out = raw[["region_code", "region_name"]].dropna().drop_duplicates("region_code").copy()
    out["region_level"] = out["region_code"].str[:3].map({"E12": "Region", "E13": "London sub-region"})
    out["region_level"] = out["region_level"].fillna("Other").astype("string")
    return out.sort_values("region_code").reset_index(drop=True)


def read_region_la_hierarchy(path: Path) -> pd.DataFrame:
    """`region_la_hierarchy.csv`: region -> LA for every code DfE has used, including old codes and the
    `z` rows (outside England / unknown), which are dropped here."""
    raw = read_csv_text(path, expected=LA_COLUMNS)
    require_columns(path, raw, LA_COLUMNS, "a region to LA hierarchy")
    out = raw[["region_code", "region_name", "old_la_code", "new_la_code", "la_name"]].copy()
    out = out[out["new_la_code"].str.fullmatch(r"E\d{8}").fillna(False).astype(bool)]
    out["old_la_code"] = clean_la_number(out["old_la_code"])
    return out.drop_duplicates().sort_values(["new_la_code", "region_code"]).reset_index(drop=True)


def read_need_types(path: Path) -> pd.DataFrame:
    """DfE's SEN vocabulary (`sen.csv`) -> `dim_need_type` with the SEN2 / school census need codes."""
    raw = read_csv_text(path, expected=SEN_VOCAB_COLUMNS)
    require_columns(path, raw, SEN_VOCAB_COLUMNS, "the DfE SEN vocabulary (sen.csv)")
    published = raw[raw["col_name"].eq("sen_primary_need") & raw["school_census_code"].notna()]
    names = dict(zip(published["school_census_code"].str.strip().str.upper(),
                     published["filter_item"].str.strip(), strict=True))
    rows = []
    for order, (code, name, in_sen2, in_census) in enumerate(NEED_TYPES, start=1):
        rows.append({"code": code, "name": names.get(code, name), "in_sen2": in_sen2,
                     "in_school_census": in_census, "published_in_sen_csv": code in names, "sort_order": order})
    for code in sorted(set(names) - {r["code"] for r in rows}):  # a code DfE adds in a future release
        rows.append({"code": code, "name": names[code], "in_sen2": False, "in_school_census": True,
                     "published_in_sen_csv": True, "sort_order": len(rows) + 1})
    out = pd.DataFrame(rows)
    out[["code", "name"]] = out[["code", "name"]].astype("string")
    out["sort_order"] = out["sort_order"].astype("int64")
    return out


def read_sub_icb(path: Path) -> pd.DataFrame:
    """ONS sub-ICB location -> ICB -> NHS England region lookup (any boundary year: SICBL22CD, SICBL23CD...)."""
    raw = read_csv_text(path)
    columns = {}
    for target, pattern in SUB_ICB_PATTERNS.items():
        hits = [c for c in raw.columns if re.fullmatch(pattern, c)]
        if not hits:
            example = pattern.replace(r"\d{2}", "22").upper()
            raise SourceError(path, f"is not a sub-ICB lookup: no column like '{example}' ({target})",
                              "supply the ONS sub-ICB to ICB to NHS England region lookup as published")
        columns[target] = hits[0]
    out = pd.DataFrame({target: raw[source].str.strip() for target, source in columns.items()})
    return out.drop_duplicates("sub_icb_code").sort_values("sub_icb_code").reset_index(drop=True)


def sub_icb_columns(columns: list[str]) -> bool:
    return all(any(re.fullmatch(p, c) for c in columns) for p in SUB_ICB_PATTERNS.values())


# ---------------------------------------------------------------------------------------------------------
# Resolving published LA / region names and numbers to codes

# Short or older forms of names found in published files, after `name_key`.
NAME_ALIASES = {
    "hull": "kingston upon hull",
    "southend": "southend on sea",
    "richmond": "richmond upon thames",
    "kingston": "kingston upon thames",
    "london inner": "inner london",
    "london outer": "outer london",
    "durham": "county durham",
    "bedford borough": "bedford",
    "east riding": "east riding of yorkshire",
}
_PRE_LG = re.compile(r"\(\s*pre[ -]?lg\s*\)", re.IGNORECASE)
_LA_COLUMNS_OUT = ["new_la_code", "old_la_code", "la_name", "region_code", "region_name"]


def name_key(name: object) -> str:
    """A matching key for LA and region names as different publishers write them:
    `Bristol, City of` / `Bristol` / `City of Bristol`, `Telford & Wrekin`, `St. Helens`, `Durham`,
    `Bedford Borough`, `Kingston Upon Hull, City of`, `London (Inner)`, `Dorset (Pre LG)`."""
    if name is None or name is pd.NA or (isinstance(name, float) and pd.isna(name)):
        return ""
    text = _PRE_LG.sub(" ", str(name).replace("\ufeff", "").lower().replace("&", " and "))
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    text = re.sub(r" (city|county) of$", "", text)
    if text.startswith("city of ") and text != "city of london":
        text = text[len("city of "):]
    text = re.sub(r" (borough )?council$", "", text)
    return NAME_ALIASES.get(text, text)


@dataclass
class AreaResolver:
    """Turns published LA numbers and LA / region names into ONS codes.

    Order of preference: DfE's current LA lookup (the codes DfE's own files use), then ONS live codes, then
    terminated codes (most recently terminated first), so `Dorset` is today's Dorset, `Dorset (Pre LG)` and
    `Cumbria` are the former counties.
    """

    la: pd.DataFrame  # dim_la: new_la_code, old_la_code, la_name, region_code, region_name
    la_codes: pd.DataFrame  # dim_la_code (las.csv)
    regions: pd.DataFrame  # dim_region

    def __post_init__(self) -> None:
        region_names = dict(zip(self.regions["region_code"], self.regions["region_name"], strict=True))
        la = self.la.assign(_rank=0)
        codes = self.la_codes.copy()
        codes["_rank"] = (~codes["is_live"].astype(bool)).astype(int) + 1
        codes["region_name"] = codes["region_code"].map(region_names)
        codes = codes.sort_values(["_rank", "date_of_termination"], ascending=[True, False], kind="stable")
        every = pd.concat([la[[*_LA_COLUMNS_OUT, "_rank"]], codes[[*_LA_COLUMNS_OUT, "_rank"]]],
                          ignore_index=True)
        every["la_is_current"] = every["_rank"].eq(0)
        every["_key"] = every["la_name"].map(name_key)
        self._by_number = _index(every.dropna(subset=["old_la_code"]), "old_la_code")
        self._by_code = _index(every, "new_la_code")
        self._by_name = _index(every, "_key")
        self._by_name_former = _index(every[every["_rank"].eq(2)], "_key")
        # Names shared by different LAs over time (Dorset 835 until March 2019, Dorset 838 since): when each
        # LA number existed, so a dated row picks the LA that existed then.
        spans = codes.dropna(subset=["old_la_code"]).groupby("old_la_code").agg(
            start=("date_of_operation", "min"), end=("date_of_termination", lambda d: d.max() if d.notna().all() else pd.NaT))
        named = every.dropna(subset=["old_la_code"])[["_key", "old_la_code"]].drop_duplicates()
        shared = named.groupby("_key")["old_la_code"].nunique()
        named = named[named["_key"].isin(shared[shared > 1].index)]
        self._dated_names = named.join(spans, on="old_la_code")
        self._region_by_name = {name_key(n): c for c, n in region_names.items()}
        self._region_names = region_names

    @classmethod
    def from_frames(cls, tables: dict[str, pd.DataFrame]) -> AreaResolver:
        return cls(tables["dim_la"], tables["dim_la_code"], tables["dim_region"])

    def la_by_number(self, numbers: pd.Series) -> pd.DataFrame:
        """3-digit LA numbers -> new_la_code, old_la_code, la_name, region_code, region_name, la_is_current
        (all null when the number is unknown)."""
        return _lookup(self._by_number, clean_la_number(numbers))

    def la_by_code(self, codes: pd.Series) -> pd.DataFrame:
        """ONS codes -> the same columns. A code that ONS has replaced but whose LA DfE still publishes
        under its own code (Buckinghamshire E06000060 -> E10000002, Barnsley E08000038 -> E08000016) becomes
        the DfE code, so one LA has one code across every dataset."""
        out = _lookup(self._by_code, codes.astype("string").str.strip())
        current = _lookup(self._by_number, out["old_la_code"])
        use = current["la_is_current"].fillna(False).astype(bool)
        out.loc[use] = current.loc[use]
        return out

    def la_by_name(self, names: pd.Series, at: pd.Series | None = None) -> pd.DataFrame:
        """Published LA names; a name marked `(Pre LG)` (before local government reorganisation) is looked
        up among former LAs first. `at` (a date per row) picks, for a name that different LAs have had, the
        LA that existed on that date."""
        keys = names.map(name_key).astype("string")
        out = _lookup(self._by_name, keys)
        former = names.astype("string").str.contains(_PRE_LG, na=False)
        if former.any():
            hit = _lookup(self._by_name_former, keys[former])
            use = hit["new_la_code"].notna()
            out.loc[use[use].index] = hit[use]
        if at is not None and len(self._dated_names):
            dated = keys.isin(set(self._dated_names["_key"])) & ~former & at.notna()
            if dated.any():
                rows = pd.DataFrame({"_key": keys[dated], "at": pd.to_datetime(at[dated])})
                rows["_i"] = rows.index
                pairs = rows.merge(self._dated_names, on="_key")
                alive = (pairs["start"].isna() | (pairs["start"] <= pairs["at"])) & (
                    pairs["end"].isna() | (pairs["end"] >= pairs["at"]))
                chosen = pairs[alive].drop_duplicates("_i").set_index("_i")["old_la_code"]
                if len(chosen):
                    hit = self.la_by_number(chosen)
                    out.loc[hit.index] = hit
        return out

    def region_by_name(self, names: pd.Series) -> pd.Series:
        return names.map(name_key).map(self._region_by_name).astype("string")

    def region_name(self, codes: pd.Series) -> pd.Series:
        return codes.map(self._region_names).astype("string")

    def areas(self, names: pd.Series, level: pd.Series | None = None, la_numbers: pd.Series | None = None,
              la_codes: pd.Series | None = None, at: pd.Series | None = None) -> pd.DataFrame:
        """Resolve rows of a published table to `geographic_level, area_code, area_name, old_la_code,
        region_code`. `level` (DfE geographic_level) is used when given, otherwise guessed: `England` is
        National, a region name is Regional, anything else is a Local authority. An LA is found by its code,
        then its 3-digit number, then its name (on the date `at`, see `la_by_name`); an unresolved LA keeps
        its published name and a null code."""
        index = names.index
        names = names.astype("string").str.strip()
        if level is None:
            level = pd.Series("Local authority", index=index, dtype="string")
            level[self.region_by_name(names).notna()] = "Regional"
            level[names.map(name_key).eq("england")] = "National"
        level = level.astype("string")
        out = pd.DataFrame({"geographic_level": level, "area_code": pd.NA, "area_name": names,
                            "old_la_code": pd.NA, "region_code": pd.NA}, index=index).astype("string")
        national = level.eq("National")
        out.loc[national, "area_code"] = ENGLAND_CODE
        out.loc[national, "area_name"] = ENGLAND_NAME
        regional = level.eq("Regional")
        if regional.any():
            codes = self.region_by_name(names[regional])
            out.loc[regional, "area_code"] = codes
            out.loc[regional, "region_code"] = codes
            out.loc[regional, "area_name"] = self.region_name(codes).fillna(names[regional])
        la = level.eq("Local authority")
        if la.any():
            found = None
            dates = at[la] if at is not None else None

            def by_name(n: pd.Series) -> pd.DataFrame:
                return self.la_by_name(n, dates)

            for source, how in ((la_codes, self.la_by_code), (la_numbers, self.la_by_number), (names, by_name)):
                if source is None:
                    continue
                hit = how(source[la])
                if found is None:
                    found = hit
                else:
                    todo = found["new_la_code"].isna()
                    found.loc[todo] = hit.loc[todo]
            out.loc[la, "area_code"] = found["new_la_code"]
            out.loc[la, "old_la_code"] = found["old_la_code"]
            out.loc[la, "region_code"] = found["region_code"]
            out.loc[la, "area_name"] = found["la_name"].fillna(names[la])
        return out


def _index(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return frame.drop_duplicates(key).set_index(key, drop=False).rename_axis(None)


def _lookup(table: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    found = table.reindex(keys.fillna("\0").to_numpy())
    out = pd.DataFrame({c: found[c].to_numpy() for c in _LA_COLUMNS_OUT}, index=keys.index).astype("string")
    out["la_is_current"] = pd.Series(found["la_is_current"].to_numpy(), index=keys.index).astype("boolean")
    return out


def period_date(time_period: pd.Series, time_identifier: pd.Series) -> pd.Series:
    """A date inside each DfE period, for picking the LA that existed then: 31 December of a calendar
    year, 31 January (the census) of an academic year, 31 March (the year end) of a financial year."""
    period = time_period.astype("string").str.strip()
    kind = time_identifier.astype("string").str.lower().fillna("")
    end_year = period.str[:4].astype("Float64") + period.str.len().eq(6).astype("Float64")
    month_day = pd.Series("-12-31", index=period.index, dtype="string")
    month_day[kind.str.startswith("academic")] = "-01-31"
    month_day[kind.str.startswith("financial")] = "-03-31"
    text = end_year.astype("Int64").astype("string") + month_day
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")


