"""DfE Local Authority Interactive Tool (LAIT): SEND measures in long form, the measure dictionary and the
LA code list.

LAIT year labels are not DfE tidy `time_period`s: `2024`, `2023/24`, `2023-24 (OT)`, `2025 (prov)`,
`2024 (Rev)`. Each measure's `Year_Type` in the dictionary says what a single year means; `normalise_period`
turns every label into DfE's form (`2024` for a calendar year, `202324` for an academic or financial year)
and keeps provisional / revised as words in `time_identifier` (e.g. `Academic year (provisional)`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from data.errors import SourceError
from data.parsing import parse_measure, read_csv_text, read_xlsx_text
from data.sources.dfe_tidy import FACT_COLUMNS
from data.sources.lookups import AreaResolver, clean_la_number, require_columns

DATASET = "lait"
LONG_COLUMNS = {"short_desc", "years", "la_and_regions", "values", "la_number"}
DICTIONARY_COLUMNS = {"measure_short", "topic", "measure", "polarity", "year_type"}
LA_LIST_COLUMNS = {"la_number", "la_name", "region", "type"}
MEASURE_COLUMNS = ["measure_short", "measure_code", "topic", "measure", "polarity", "year_type", "decimal_places",
                   "unit_label", "show_quartiles", "description"]
LAIT_AREA_COLUMNS = ["lait_number", "lait_name", "lait_region", "lait_type", "geographic_level", "area_code",
                     "area_name", "old_la_code", "region_code"]

# LAIT numbers for England and the regions (the code list's "NA" region rows).
LAIT_AREA_NUMBERS = {"970": "National", "1000": "National"}
LAIT_TYPES = {"OLB": "Outer London borough", "ILB": "Inner London borough", "MD": "Metropolitan district",
              "UA": "Unitary authority", "SC": "Shire county", "NA": "Region or country"}

POLARITY = {"high": "high_is_good", "low": "low_is_good"}
YEAR_TYPES = {  # normalised dictionary Year_Type -> DfE time_identifier for that kind of year
    "academic year": "Academic year",
    "annual january": "Academic year",  # a January census belongs to the academic year it falls in
    "calendar year": "Calendar year",
    "financial year": "Financial year",
}
_LABEL = re.compile(r"^\s*(?P<y1>(?:19|20)\d{2})\s*(?:[/-]\s*(?P<y2>\d{2}|(?:19|20)\d{2}))?\s*(?:\((?P<note>[^)]*)\))?\s*$")
_NOTES = {"prov": "provisional", "p": "provisional", "provisional": "provisional", "rev": "revised",
          "r": "revised", "revised": "revised", "ot": None, "outturn": None, "final": None, "f": None}


def year_type_key(year_type: object) -> str:
    return re.sub(r"[^a-z]+", " ", str(year_type).lower()).strip() if pd.notna(year_type) else ""


def normalise_period(label: str, year_type: str | None) -> tuple[str, str]:
    """One LAIT year label and its measure's year type -> (`time_period`, `time_identifier`).

    A single year is the year the period ends: academic `2024` is 2023/24 (`202324`), financial `2024` is
    2023-24, calendar `2024` stays `2024`. A two-year label (`2023/24`, `2023-24`) is always `202324`.
    Raises ValueError for a label it cannot read or a year type it does not know.
    """
    match = _LABEL.match(str(label))
    if not match:
        raise ValueError(f"year label '{label}' is not a year, a two-year period or either with a (note)")
    kind = YEAR_TYPES.get(year_type_key(year_type))
    if kind is None:
        raise ValueError(f"year type '{year_type}' is not one of {', '.join(sorted(YEAR_TYPES))}")
    y1, y2 = int(match["y1"]), match["y2"]
    if y2 is not None:
        end = int(y2) if len(y2) == 4 else (y1 // 100) * 100 + int(y2)
        if end != y1 + 1 and not (len(y2) == 2 and int(y2) == (y1 + 1) % 100):
            raise ValueError(f"year label '{label}' does not span two consecutive years")
        period = f"{y1}{(y1 + 1) % 100:02d}"
        if kind == "Calendar year":
            kind = "Academic year"
    elif kind == "Calendar year":
        period = str(y1)
    else:
        period = f"{y1 - 1}{y1 % 100:02d}"
    note = (match["note"] or "").strip()
    if note:
        word = _NOTES.get(note.lower().rstrip("."), note.lower())
        if word:
            kind = f"{kind} ({word})"
    return period, kind


def normalise_polarity(raw: object) -> str:
    """LAIT polarity `High` / `Low` / `-` (or `Higher is better`, `low is good`) -> high_is_good /
    low_is_good / no_judgement."""
    text = str(raw).strip().lower() if pd.notna(raw) else ""
    for start, polarity in POLARITY.items():
        if text.startswith(start):
            return polarity
    return "no_judgement"


def read_lait_dictionary(path: Path) -> pd.DataFrame:
    """`lait_send_measures_dictionary.csv` -> `lait_measure` (one row per measure short code)."""
    raw = read_csv_text(path, expected=DICTIONARY_COLUMNS | {"measure_code", "dps", "description"})
    require_columns(path, raw, DICTIONARY_COLUMNS, "a LAIT measure dictionary")
    raw = raw[raw["measure_short"].notna()].drop_duplicates("measure_short")
    out = pd.DataFrame({
        "measure_short": raw["measure_short"].str.strip(),
        "measure_code": raw["measure_code"].str.replace(r"\.0$", "", regex=True) if "measure_code" in raw else pd.NA,
        "topic": raw["topic"].str.strip(),
        "measure": raw["measure"].str.strip(),
        "polarity": raw["polarity"].map(normalise_polarity),
        "year_type": raw["year_type"].str.strip(),
        "decimal_places": pd.to_numeric(raw.get("dps"), errors="coerce").astype("Int64") if "dps" in raw else pd.NA,
        "unit_label": raw["y_axis_name"].str.strip() if "y_axis_name" in raw else pd.NA,
        "show_quartiles": ~raw["no_quartile"].astype("string").str.strip().str.upper().eq("N").fillna(False)
        if "no_quartile" in raw else True,
        "description": raw["description"].str.strip() if "description" in raw else pd.NA,
    })
    for column in MEASURE_COLUMNS:
        if column not in ("decimal_places", "show_quartiles"):
            out[column] = out[column].astype("string")
    out["show_quartiles"] = out["show_quartiles"].astype(bool)
    unknown = sorted(set(out["year_type"].dropna()) - {y for y in out["year_type"].dropna()
                                                        if year_type_key(y) in YEAR_TYPES})
    if unknown:
        raise SourceError(path, f"has year type(s) this product does not know: {', '.join(unknown)}",
                          f"use one of {', '.join(sorted(YEAR_TYPES))} (any capitalisation) in Year_Type")
    return out[MEASURE_COLUMNS].sort_values("measure_short").reset_index(drop=True)


def read_lait_long(path: Path, measures: pd.DataFrame, resolver: AreaResolver) -> pd.DataFrame:
    """`lait_send_measures_long.csv` -> `national_fact` rows (dataset `lait`, measure = LAIT short code)."""
    raw = read_csv_text(path, expected=LONG_COLUMNS | {"data_item", "region"})
    require_columns(path, raw, LONG_COLUMNS, "a LAIT long file")
    raw = raw[raw["short_desc"].notna()]
    year_types = dict(zip(measures["measure_short"], measures["year_type"], strict=True))
    unknown = sorted(set(raw["short_desc"]) - set(year_types))
    if unknown:
        raise SourceError(path, f"has measure(s) missing from the LAIT dictionary: {', '.join(unknown[:8])}",
                          "put the lait_send_measures_dictionary.csv of the same release beside this file and "
                          "load both")

    pairs = raw[["years", "short_desc"]].drop_duplicates()
    periods = {}
    for label, measure in pairs.itertuples(index=False):
        try:
            periods[(label, measure)] = normalise_period(label, year_types[measure])
        except ValueError as exc:
            raise SourceError(path, f"measure {measure}: {exc}",
                              "use LAIT's year labels (2024, 2023/24, 2023-24 (OT), 2025 (prov), 2024 (Rev))") from exc
    keys = list(zip(raw["years"], raw["short_desc"], strict=True))
    time_period = pd.Series([periods[k][0] for k in keys], index=raw.index, dtype="string")
    time_identifier = pd.Series([periods[k][1] for k in keys], index=raw.index, dtype="string")

    numbers = clean_la_number(raw["la_number"])
    number_text = raw["la_number"].astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)
    level = pd.Series("Local authority", index=raw.index, dtype="string")
    level[number_text.isin([k for k, v in LAIT_AREA_NUMBERS.items() if v == "National"])] = "National"
    level[resolver.region_by_name(raw["la_and_regions"]).notna() & level.ne("National")] = "Regional"
    level[raw["la_and_regions"].str.strip().str.lower().eq("england")] = "National"
    areas = resolver.areas(raw["la_and_regions"], level=level, la_numbers=numbers.where(level.eq("Local authority")))
    unresolved = areas["area_code"].isna()
    if unresolved.any():
        names = sorted(set(raw.loc[unresolved, "la_and_regions"].fillna("(blank)")))
        raise SourceError(path, f"has area(s) that match no LA number, LA name or region: {', '.join(names[:8])}",
                          "check the LA Number column, or add the new LA to lookups/las.csv")
    out = areas.assign(time_period=time_period, time_identifier=time_identifier)
    out["dataset"] = DATASET
    out["breakdown_topic"] = "Total"
    out["breakdown"] = "Total"
    out["measure"] = raw["short_desc"].str.strip()
    out["value"], out["status"] = parse_measure(raw["values"])
    text = raw["values"].astype("string").str.strip()
    out["value_text"] = pd.Series(pd.NA, index=raw.index, dtype="string")
    odd = out["value"].isna() & text.notna() & ~text.str.lower().isin(["-", "x", "z", "c", "low", "u", ":", "..", "~"])
    out.loc[odd, "value_text"] = text[odd]  # published text that is neither a number nor a symbol
    for column in FACT_COLUMNS:
        if column not in ("value",):
            out[column] = out[column].astype("string")
    return out[FACT_COLUMNS].reset_index(drop=True)


def read_lait_la_list(path: Path, resolver: AreaResolver) -> pd.DataFrame:
    """LAIT's `la_code_list.xlsx` (LA number, name, LAIT region, LA type) -> `lait_area`, with ONS codes."""
    raw = read_xlsx_text(path, None, LA_LIST_COLUMNS)
    require_columns(path, raw, LA_LIST_COLUMNS, "a LAIT LA code list")
    raw = raw[raw["la_number"].notna()]
    number = raw["la_number"].str.strip().str.replace(r"\.0+$", "", regex=True)
    la_type = raw["type"].astype("string").str.strip()
    level = pd.Series("Local authority", index=raw.index, dtype="string")
    level[resolver.region_by_name(raw["la_name"]).notna()] = "Regional"
    level[number.isin(list(LAIT_AREA_NUMBERS))] = "National"
    la_type = la_type.fillna("NA").where(level.eq("Local authority"), "NA")
    areas = resolver.areas(raw["la_name"], level=level, la_numbers=clean_la_number(number).where(level.eq("Local authority")))
    out = pd.DataFrame({
        "lait_number": number, "lait_name": raw["la_name"].str.strip(), "lait_region": raw["region"].str.strip(),
        "lait_type": la_type.map(lambda t: LAIT_TYPES.get(t, t) if pd.notna(t) else t),
    }).astype("string")
    out = pd.concat([out, areas], axis=1)
    return out[LAIT_AREA_COLUMNS].sort_values("lait_number", key=lambda s: s.astype(int)).reset_index(drop=True)
