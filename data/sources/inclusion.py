"""Files reshaped from DfE's SEND and alternative provision dashboard prototype (`national/inclusion/`).

Each has its own layout (some tidy-like, some with only LA names), so each is described by a `FactSpec`:
which columns identify it, where the period, area and breakdown are, and which columns are measures. They
all become `national_fact` rows with the same area codes as the DfE files (LA names are matched robustly:
`Bristol, City of` = `Bristol`). Ofsted area SEND inspections become `area_inspection`; the LA to former
CCG lookup becomes `la_nhs`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data.errors import SourceError
from data.parsing import normalise_column, parse_date, parse_measure, plain_path, read_csv_text
from data.sources.dfe_tidy import FACT_COLUMNS
from data.sources.lookups import AreaResolver, period_date, require_columns


@dataclass(frozen=True)
class FactSpec:
    dataset: str
    what: str  # for messages: "a SEND Tribunal appeal rate file"
    required: frozenset[str]  # normalised column names that identify the file
    period: str  # column holding the period
    period_kind: str  # Calendar year / Academic year / Financial year: what a 4-digit period means
    measures: dict[str, str]  # source column -> measure name
    breakdowns: tuple[tuple[str, str], ...] = ()  # (source column, breakdown topic)
    measure_from: str | None = None  # a column whose values name the measure (value in the one measure column)
    level: str | None = "geographic_level"
    la_name: str = "la_name"
    region_name: str | None = "region_name"
    la_code: str | None = None
    old_la_code: str | None = None
    optional: frozenset[str] = field(default_factory=frozenset)


FACT_SPECS = {
    "tribunals": FactSpec(
        "tribunals", "a SEND Tribunal appeal rate file", frozenset({"la_name", "year", "send_tribunal_appeal_rate"}),
        "year", "Calendar year", {"send_tribunal_appeal_rate": "send_tribunal_appeal_rate"},
        optional=frozenset({"geographic_level", "region_name"})),
    "dsg_deficit": FactSpec(
        "dsg_deficit", "a DSG deficit file",
        frozenset({"time_period", "geographic_level", "la_name", "deficit",
                   "dsg_cumulative_balance_as_a_of_the_total_income"}),
        "time_period", "Financial year",
        {"deficit": "dsg_deficit_pct_income",
         "dsg_cumulative_balance_as_a_of_the_total_income": "dsg_cumulative_balance_pct_income"}),
    "percent_pupils_ehcp": FactSpec(
        "percent_pupils_ehcp", "a % of pupils with an EHC plan file",
        frozenset({"time_period", "geographic_level", "la_name", "sen_provision", "of_pupils"}),
        "time_period", "Academic year", {"of_pupils": "pt_pupils"}, (("sen_provision", "SEN provision"),),
        la_code="new_la_code", optional=frozenset({"new_la_code"})),
    "mainstream_with_sen": FactSpec(
        "mainstream_with_sen", "a mainstream pupils with SEN file",
        frozenset({"time_period", "geographic_level", "la_name", "total_pupils", "sen_provision", "of_pupils"}),
        "time_period", "Academic year", {"total_pupils": "total_pupils", "of_pupils": "pt_pupils"},
        (("sen_provision", "SEN provision"),)),
    "provider_types": FactSpec(
        "provider_types", "a provider types file",
        frozenset({"academic_year", "geographic_level", "la_name", "phase_type_grouping", "provision_type",
                   "of_pupils_with_sen_provision_type"}),
        "academic_year", "Academic year", {"of_pupils_with_sen_provision_type": "pt"},
        (("phase_type_grouping", "Phase type grouping"),), measure_from="provision_type", la_code="new_la_code"),
    "specialist_spend": FactSpec(
        "specialist_spend", "a specialist provision spend file",
        frozenset({"la_name", "category", "year", "spend_per_head", "pop_est", "total_spend"}),
        "year", "Financial year",
        {"spend_per_head": "spend_per_head", "pop_est": "population_estimate", "total_spend": "total_spend"},
        (("category", "Provider category"),), level=None, region_name=None),
    "discontinued_plans": FactSpec(
        "discontinued_plans", "a discontinued EHC plans file",
        frozenset({"time_period", "geographic_level", "discontinued_schoolage", "discontinued_older"}),
        "time_period", "Calendar year",
        {"discontinued_schoolage": "discontinued_schoolage", "discontinued_older": "discontinued_older"},
        la_code="new_la_code", old_la_code="old_la_code"),
}
LEVELS = {"national": "National", "country": "National", "regional": "Regional", "region": "Regional",
          "local authority": "Local authority", "la": "Local authority"}
SYMBOLS = {"-", "x", "z", "c", "low", "u", ":", "..", "~", "na", "n/a"}


def spec_for(columns: set[str]) -> FactSpec | None:
    """The spec whose identifying columns are all present (the most specific one wins)."""
    hits = [s for s in FACT_SPECS.values() if s.required <= columns]
    return max(hits, key=lambda s: len(s.required)) if hits else None


def period_of(text: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """`202223.0`, `2022/23`, `2019-20`, `2017`, `2017.0`, `2017/` -> DfE `time_period` + `time_identifier`.
    A 4-digit year is `kind`'s year (a calendar year stays 4 digits; an academic or financial year is the
    year the period ends in, as in LAIT); a two-year form is always 6 digits."""
    text = text.astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)
    period = pd.Series(pd.NA, index=text.index, dtype="string")
    six = text.str.fullmatch(r"(19|20)\d{4}").fillna(False).astype(bool)
    period[six] = text[six]
    two = text.str.extract(r"^((?:19|20)\d{2})\s*[/-]\s*(\d{2}|(?:19|20)\d{2})$")
    has_two = two[0].notna()
    period[has_two] = two.loc[has_two, 0] + two.loc[has_two, 1].str[-2:]
    single = text.str.extract(r"^((?:19|20)\d{2})\s*/?$")[0]
    has_single = single.notna() & ~six & ~has_two
    if kind == "Calendar year":
        period[has_single] = single[has_single]
    else:
        period[has_single] = [f"{int(y) - 1}{int(y) % 100:02d}" for y in single[has_single]]
    identifier = pd.Series(kind, index=text.index, dtype="string")
    if kind == "Calendar year":
        identifier[period.str.len().eq(6)] = "Academic year"
    return period, identifier


def read_inclusion_facts(path: Path, resolver: AreaResolver, spec: FactSpec | None = None) -> pd.DataFrame:
    raw = read_csv_text(path, expected=set().union(*(s.required for s in FACT_SPECS.values())))
    raw = raw.drop(columns=[c for c in raw.columns if c == ""], errors="ignore")
    spec = spec or spec_for(set(raw.columns))
    if spec is None:
        raise SourceError(path, "is not one of the SEND and AP dashboard files this product reads",
                          "supply tribunals, dsg_deficit, percent_pupils_ehcp, mainstream_with_sen, provider_types, "
                          "specialist_spend or discontinued_plans as published")
    require_columns(path, raw, set(spec.required), spec.what)
    period, identifier = period_of(raw[spec.period], spec.period_kind)
    if period.isna().any():
        bad = sorted(set(raw.loc[period.isna(), spec.period].fillna("(blank)")))[:5]
        raise SourceError(path, f"has period(s) that are not years: {', '.join(bad)} (column {spec.period})",
                          "use 2024, 2023/24, 2023-24 or 202324")

    level = None
    if spec.level and spec.level in raw:
        level = raw[spec.level].astype("string").str.strip().str.lower().map(LEVELS).astype("string")
        if level.isna().all():
            raise SourceError(path, f"has no National, Regional or Local authority rows (column {spec.level})",
                              "supply the file with all geographic levels, as published")
        keep = level.notna()  # other levels (e.g. parliamentary constituency) are not read, as for DfE files
        raw, level, period, identifier = raw[keep], level[keep], period[keep], identifier[keep]
    names = raw[spec.la_name] if spec.la_name in raw else pd.Series(pd.NA, index=raw.index, dtype="string")
    if level is not None and spec.region_name and spec.region_name in raw:
        names = names.where(level.eq("Local authority"), raw[spec.region_name])
        names = names.where(~level.eq("National"), "England")
    codes = raw[spec.la_code] if spec.la_code and spec.la_code in raw else None
    numbers = raw[spec.old_la_code] if spec.old_la_code and spec.old_la_code in raw else None
    areas = resolver.areas(names, level=level, la_numbers=numbers, la_codes=codes, at=period_date(period, identifier))
    unresolved = areas["area_code"].isna()
    if unresolved.any():
        bad = sorted(set(names[unresolved].fillna("(blank)")))
        raise SourceError(path, f"has area name(s) that match no LA or region: {', '.join(bad[:8])}",
                          "check the spelling against lookups/las.csv, or add the LA to the lookups")

    base = areas.assign(time_period=period, time_identifier=identifier, dataset=spec.dataset)
    topics, values = [], []
    for column, topic in spec.breakdowns:
        topics.append(topic)
        values.append(raw[column].astype("string").str.strip().fillna("Total"))
    base["breakdown_topic"] = "; ".join(topics) if topics else "Total"
    if values:
        combined = values[0]
        for more in values[1:]:
            combined = combined + "; " + more
        base["breakdown"] = combined
    else:
        base["breakdown"] = "Total"

    frames = []
    for column, measure in spec.measures.items():
        part = base.copy()
        if spec.measure_from:
            part["measure"] = measure + "_" + raw[spec.measure_from].map(normalise_column)
        else:
            part["measure"] = measure
        part["raw"] = raw[column]
        frames.append(part)
    long = pd.concat(frames, ignore_index=True)
    long["value"], long["status"] = parse_measure(long["raw"])
    text = long["raw"].astype("string").str.strip()
    odd = long["value"].isna() & text.notna() & ~text.str.lower().isin(SYMBOLS)
    long["value_text"] = text.where(odd).astype("string")
    for column in FACT_COLUMNS:
        if column != "value":
            long[column] = long[column].astype("string")
    return long[FACT_COLUMNS]


# ---------------------------------------------------------------------------------------------------------
# Ofsted area SEND inspections

OFSTED_COLUMNS = {"la_name", "la_code"}
OFSTED_PATTERNS = {  # target -> regex over normalised column names (Ofsted's headings are long and drift)
    "old_publication_date": r"publication_date_previous.*",
    "old_wsoa": r"inspection_outcome_written_statement_of_action.*",
    "old_revisit_progress": r"revisit_outcome.*",
    "old_revisit_date": r"revisit_publish.*",
    "new_publication_date": r"inspection_publication_date_new.*",
    "new_outcome": r"inspection_outcome_new.*",
    "new_priority_action_plan": r"priority_action_plan.*new.*",
}
MI_OFSTED_COLUMNS = {"local_area_partnership", "inspection_publication_date", "inspection_outcome",
                     "priority_action_plan_required"}
INSPECTION_COLUMNS = [
    "la_code", "la_name", "framework", "inspection_start_date", "publication_date", "outcome",
    "wsoa_required", "revisit_publication_date", "revisit_sufficient_progress", "priority_action_plan",
    "priority_action_areas", "summary_outcome", "source",
]
FRAMEWORK_2016 = "Local area SEND inspection (2016 framework)"
FRAMEWORK_2023 = "Area SEND inspection (2023 framework)"


def _yes_no(raw: pd.Series) -> pd.Series:
    text = raw.astype("string").str.strip().str.lower()
    return text.map({"yes": True, "y": True, "no": False, "n": False}).astype("boolean")


def _columns(path: Path, raw: pd.DataFrame, patterns: dict[str, str]) -> dict[str, str]:
    found = {}
    for target, pattern in patterns.items():
        hits = [c for c in raw.columns if re.fullmatch(pattern, c)]
        if not hits:
            raise SourceError(path, f"is not the Ofsted area SEND outcomes file: no column matching '{pattern}' "
                              f"({target.replace('_', ' ')})", "supply ofsted.csv with its published headings")
        found[target] = hits[0]
    return found


def read_ofsted(path: Path, resolver: AreaResolver) -> pd.DataFrame:
    """`ofsted.csv`: one row per LA with its latest inspection under each framework -> `area_inspection`
    (one row per LA and framework it was inspected under; LAs never inspected have no row)."""
    raw = read_csv_text(path, expected=OFSTED_COLUMNS)
    require_columns(path, raw, OFSTED_COLUMNS, "the Ofsted area SEND outcomes file")
    cols = _columns(path, raw, OFSTED_PATTERNS)
    areas = resolver.areas(raw["la_name"], level=pd.Series("Local authority", index=raw.index), la_codes=raw["la_code"])
    summary = raw["summary_outcome"].astype("string") if "summary_outcome" in raw else pd.NA
    wsoa = _yes_no(raw[cols["old_wsoa"]])
    old = pd.DataFrame({
        "la_code": areas["area_code"], "la_name": areas["area_name"], "framework": FRAMEWORK_2016,
        "inspection_start_date": pd.NaT, "publication_date": parse_date(raw[cols["old_publication_date"]]),
        "outcome": wsoa.map({True: "Written statement of action required",
                             False: "No written statement of action"}).astype("string"),
        "wsoa_required": wsoa, "revisit_publication_date": parse_date(raw[cols["old_revisit_date"]]),
        "revisit_sufficient_progress": raw[cols["old_revisit_progress"]].astype("string").str.strip(),
        "priority_action_plan": pd.NA, "priority_action_areas": pd.NA, "summary_outcome": summary,
        "source": plain_path(path).name,
    })
    old = old[old["publication_date"].notna()]
    outcome = raw[cols["new_outcome"]].astype("string").str.strip()
    new = pd.DataFrame({
        "la_code": areas["area_code"], "la_name": areas["area_name"], "framework": FRAMEWORK_2023,
        "inspection_start_date": pd.NaT, "publication_date": parse_date(raw[cols["new_publication_date"]]),
        "outcome": outcome, "wsoa_required": pd.NA, "revisit_publication_date": pd.NaT,
        "revisit_sufficient_progress": pd.NA, "priority_action_plan": _yes_no(raw[cols["new_priority_action_plan"]]),
        "priority_action_areas": pd.NA, "summary_outcome": summary, "source": plain_path(path).name,
    })
    new = new[new["publication_date"].notna() | ~outcome.str.lower().str.startswith("not yet", na=True)]
    return _inspection_frame(pd.concat([old, new], ignore_index=True))


def read_mi_ofsted(path: Path, resolver: AreaResolver) -> pd.DataFrame:
    """Ofsted's management information on area SEND inspections under the 2023 framework (one row per
    inspection, with start date and the number of areas for priority action)."""
    raw = read_csv_text(path, expected=MI_OFSTED_COLUMNS)
    require_columns(path, raw, MI_OFSTED_COLUMNS, "Ofsted's area SEND inspection management information")
    areas = resolver.areas(raw["local_area_partnership"], level=pd.Series("Local authority", index=raw.index))
    if areas["area_code"].isna().any():
        bad = sorted(set(raw.loc[areas["area_code"].isna(), "local_area_partnership"].fillna("(blank)")))
        raise SourceError(path, f"has local area partnership(s) that match no LA: {', '.join(bad[:8])}",
                          "check the spelling against lookups/las.csv")
    start = next((c for c in raw.columns if c.startswith("inspection_start")), None)
    areas_col = next((c for c in raw.columns if c.startswith("number_of_areas")), None)
    out = pd.DataFrame({
        "la_code": areas["area_code"], "la_name": areas["area_name"], "framework": FRAMEWORK_2023,
        "inspection_start_date": parse_date(raw[start]) if start else pd.NaT,
        "publication_date": parse_date(raw["inspection_publication_date"]),
        "outcome": raw["inspection_outcome"].astype("string").str.strip(), "wsoa_required": pd.NA,
        "revisit_publication_date": pd.NaT, "revisit_sufficient_progress": pd.NA,
        "priority_action_plan": _yes_no(raw["priority_action_plan_required"]),
        "priority_action_areas": pd.to_numeric(raw[areas_col], errors="coerce") if areas_col else pd.NA,
        "summary_outcome": pd.NA, "source": plain_path(path).name,
    })
    return _inspection_frame(out)


def combine_inspections(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Merge inspection rows from several files: the same LA, framework and publication date is one
    inspection; later files fill the gaps (start date, number of priority areas) of earlier ones."""
    frames = [f for f in frames if len(f)]
    if not frames:
        return _inspection_frame(pd.DataFrame(columns=INSPECTION_COLUMNS))
    every = pd.concat(frames, ignore_index=True)
    key = ["la_code", "framework", "publication_date"]
    merged = every.groupby(key, dropna=False, sort=True).agg(
        {c: "first" for c in INSPECTION_COLUMNS if c not in key} | {"source": lambda s: "; ".join(sorted(set(s)))})
    return _inspection_frame(merged.reset_index())


def _inspection_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reindex(columns=INSPECTION_COLUMNS).copy()
    for column in ("la_code", "la_name", "framework", "outcome", "revisit_sufficient_progress",
                   "summary_outcome", "source"):
        out[column] = out[column].astype("string")
    for column in ("inspection_start_date", "publication_date", "revisit_publication_date"):
        out[column] = pd.to_datetime(out[column]).astype("datetime64[ns]")
    for column in ("wsoa_required", "priority_action_plan"):
        out[column] = out[column].astype("boolean")
    out["priority_action_areas"] = pd.to_numeric(out["priority_action_areas"]).astype("Int64")
    return out.sort_values(["la_code", "framework", "publication_date"]).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------------
# LA -> NHS geography

LA_CCG_COLUMNS = {"la_name", "icb_name", "nhs_code", "nhs_name", "nhs_region"}
LA_NHS_COLUMNS = ["la_code", "la_name", "la_is_current", "ccg_code", "ccg_name", "sub_icb_code", "sub_icb_name",
                  "icb_code", "icb_name", "nhs_region_code", "nhs_region_name", "la_ccg_count"]


def read_la_ccg(path: Path, resolver: AreaResolver, sub_icb: pd.DataFrame | None = None) -> pd.DataFrame:
    """`la_ccg_lookup.csv` (LA -> former CCG = sub-ICB location -> ICB -> NHS region) -> `la_nhs`. An LA
    covered by several former CCGs has one row for each (`la_ccg_count` of them). ONS codes for the sub-ICB,
    ICB and NHS region come from the ONS sub-ICB lookup when given."""
    raw = read_csv_text(path, expected=LA_CCG_COLUMNS)
    require_columns(path, raw, LA_CCG_COLUMNS, "an LA to CCG / ICB lookup")
    areas = resolver.areas(raw["la_name"], level=pd.Series("Local authority", index=raw.index))
    if areas["area_code"].isna().any():
        bad = sorted(set(raw.loc[areas["area_code"].isna(), "la_name"].fillna("(blank)")))
        raise SourceError(path, f"has LA name(s) that match no LA: {', '.join(bad[:8])}",
                          "check the spelling against lookups/las.csv")
    current = resolver.la_by_code(areas["area_code"])["la_is_current"]
    out = pd.DataFrame({
        "la_code": areas["area_code"], "la_name": areas["area_name"],
        "la_is_current": current.fillna(False).astype(bool),
        "ccg_code": raw["nhs_code"].str.strip(), "ccg_name": raw["nhs_name"].str.strip(),
        "icb_name": raw["icb_name"].str.strip(), "nhs_region_name": raw["nhs_region"].str.strip(),
    })
    if sub_icb is not None and len(sub_icb):
        codes = sub_icb.drop_duplicates("sub_icb_code_h").set_index("sub_icb_code_h")
        keys = out["ccg_code"]
        for target in ("sub_icb_code", "sub_icb_name", "icb_code", "nhs_region_code"):
            out[target] = keys.map(codes[target])
    out["la_ccg_count"] = out.groupby("la_code")["ccg_code"].transform("nunique").astype("int64")
    out = out.drop_duplicates(["la_code", "ccg_code"])
    out = out.reindex(columns=LA_NHS_COLUMNS)
    for column in LA_NHS_COLUMNS:
        if column not in ("la_is_current", "la_ccg_count"):
            out[column] = out[column].astype("string")
    return out.sort_values(["la_code", "ccg_code"]).reset_index(drop=True)

