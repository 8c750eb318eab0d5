"""The SEN2 aggregate return from the council's own records, in DfE's published layout, and its reconciliation
with the figures DfE published for the council.

A reporting year R is the return sent in January R: the caseload and primary needs on the January R census
(DfE period `{R-1}{R}`, e.g. 202425), and the activity of calendar year R-1 (requests, assessments, 20-week
timeliness, annual reviews, ceased plans). Each measure keeps the column name of DfE's published file, so a
local table and the published row can be set side by side.

Every local figure is a catalogue indicator's local result (`Engine.local_figures`): the same definition the
dashboard shows, never a second one. The records behind a figure are that indicator's own family rows
(`Engine.local_records`).

    tables = sen2.tables(engine, 2025)                       # {dataset: one-row frame in DfE's tidy layout}
    rows = sen2.reconcile(engine, 2025)                      # local beside published, difference, flag
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from indicators.engine import Engine
from indicators.vocabulary import TOTAL, Audience

# How close a local figure must be to the published one before it is flagged. The sample is synthetic and
# calibrated to the council's published SEN2 figures (data/synth/README.md, "Calibration rules", checked by
# tests/unit/test_synth_calibration.py): counts within 2% of the published count, percentages within 2
# points. A real council's return should match its own publication exactly; the same bands leave room for
# records corrected after the return was sent.
COUNT_TOLERANCE_PC = 2.0
PERCENT_TOLERANCE_POINTS = 2.0
TOLERANCE_NOTE = (f"Counts within {COUNT_TOLERANCE_PC:g}% of the published figure, percentages within "
                  f"{PERCENT_TOLERANCE_POINTS:g} percentage points: the calibration the synthetic sample is built "
                  "to (data/synth/README.md).")


@dataclass(frozen=True)
class Table:
    dataset: str  # DfE's file (and the national_fact dataset)
    title: str
    topic: str  # DfE's all-children breakdown topic
    census: bool  # a January census table, else the previous calendar year


@dataclass(frozen=True)
class Measure:
    dataset: str
    column: str  # DfE's column, as published
    label: str
    indicator: str  # the catalogue indicator whose local result gives it
    part: str  # numerator | denominator | value | rest (denominator - numerator)
    breakdown: str = TOTAL
    value: str = TOTAL  # the breakdown value
    percent: bool = False
    calibrated: bool = False  # the synthetic sample is built to match it (data/synth/README.md)


TABLES = {t.dataset: t for t in [
    Table("caseload", "EHC plans by type of setting (January census)", "All EHC plans", True),
    Table("sen_needs_all_plans", "EHC plans by primary need (January census)", "All EHC plans", True),
    Table("requests", "Requests for an EHC needs assessment and decisions within 6 weeks", "All requests for EHC "
          "needs assessments", False),
    Table("assessments", "EHC needs assessments and their outcome", "All EHC needs assessments", False),
    Table("newplans", "New EHC plans", "New EHC plans", False),
    Table("timeliness_20_week", "EHC plans issued within 20 weeks, with and without exceptions",
          "All EHC plans issued", False),
    Table("annual_reviews", "Annual reviews", "All annual reviews", False),
    Table("ceased_plans", "EHC plans that ceased, by reason", "All ceased EHC plans", False),
]}

# DfE's setting columns and the setting groups of the local records (indicators/sql/local/_frame.sql)
SETTINGS = [("mainstream_total", "Mainstream school"), ("special_total", "Special school"),
            ("ap_pru_total", "Alternative provision or pupil referral unit"), ("fe_total", "Further education"),
            ("ed_elsewhere", "Educated elsewhere"), ("nm_early_years", "Non-maintained early years"),
            ("placement_unknown", "Not recorded")]
NEEDS = [("asd", "Autistic spectrum disorder"), ("hi", "Hearing impairment"), ("mld", "Moderate learning difficulty"),
         ("msi", "Multi-sensory impairment"), ("oth", "Other difficulty or disability"),
         ("pd", "Physical disability"), ("pmld", "Profound and multiple learning difficulty"),
         ("semh", "Social, emotional and mental health"), ("slcn", "Speech, language and communication needs"),
         ("sld", "Severe learning difficulty"), ("spld", "Specific learning difficulty"), ("vi", "Vision impairment")]
CEASE_REASONS = [("max_age", "Reached maximum age"), ("needs_met", "Needs met without a plan"),
                 ("he", "Moved to higher education"), ("employ", "Moved to paid employment"),
                 ("transfer", "Moved to another local authority"),
                 ("no_engage", "No longer wishes to engage in education or training"),
                 ("moved_outside_eng", "Moved outside England"), ("deceased", "Deceased"), ("other", "Other"),
                 ("not_rec", "Not recorded")]
BANDS = [("gt20weeks_ltYear", "Over 20 weeks, within a year"), ("gt_1_year", "Over a year")]

M = Measure
MEASURES: list[Measure] = [
    M("caseload", "ehcplans", "EHC plans", "ehcp_caseload", "numerator", calibrated=True),
    *[M("caseload", column, f"Placed: {words.lower()}", "ehcp_setting_mix", "numerator", "setting", words)
      for column, words in SETTINGS],
    M("sen_needs_all_plans", "ehc_plans", "EHC plans", "ehcp_caseload", "numerator", calibrated=True),
    *[M("sen_needs_all_plans", f"number_{code}", f"Primary need: {words.lower()}", "ehcp_caseload", "numerator",
        "primary_need", words) for code, words in NEEDS],
    M("sen_needs_all_plans", "number_need_unknown", "Primary need not recorded", "ehcp_caseload", "numerator",
      "primary_need", "Unknown"),
    *[M("sen_needs_all_plans", f"{code}_pc", f"Primary need: {words.lower()} (%)", "ehcp_primary_need", "value",
        "primary_need", words, percent=True, calibrated=True) for code, words in NEEDS],
    M("requests", "requests_received_in_year", "Requests received", "ehcp_requests", "numerator", calibrated=True),
    M("requests", "requests_decided_to_assess", "Decided to assess", "requests_agreed", "numerator"),
    M("requests", "request_assess_pc", "Decided to assess (%)", "requests_agreed", "value", percent=True),
    M("requests", "request_outcome_six_weeks", "Decided within 6 weeks", "requests_decided_6wk", "numerator"),
    M("requests", "request_outcome_over_6_weeks", "Decided after 6 weeks", "requests_decided_6wk", "rest"),
    M("requests", "request_outcome_six_weeks_pc", "Decided within 6 weeks (%)", "requests_decided_6wk", "value",
      percent=True, calibrated=True),
    M("assessments", "assess_issued", "Assessments ending in a plan", "ehcp_new_plans", "numerator"),
    M("assessments", "assess_not_issued", "Assessments ending without a plan", "assessments_not_issued_16wk",
      "denominator"),
    M("assessments", "outcome_decision_within_time", "Decisions not to issue within 16 weeks",
      "assessments_not_issued_16wk", "numerator"),
    M("assessments", "outcome_decision_over_time", "Decisions not to issue after 16 weeks",
      "assessments_not_issued_16wk", "rest"),
    M("assessments", "outcome_decision_within_time_pc", "Decisions not to issue within 16 weeks (%)",
      "assessments_not_issued_16wk", "value", percent=True),
    M("newplans", "new_ehc_plans", "New EHC plans", "ehcp_new_plans", "numerator"),
    M("timeliness_20_week", "plans_issued_den", "Plans issued (no mediation or tribunal before issue)",
      "ehcp_issued_20wk", "denominator", calibrated=True),
    M("timeliness_20_week", "plans_issued_den_ex", "Plans issued, excluding exceptions", "ehcp_issued_20wk_ex",
      "denominator", calibrated=True),
    M("timeliness_20_week", "plans_issued_within_20_weeks", "Issued within 20 weeks", "ehcp_issued_20wk",
      "numerator", calibrated=True),
    M("timeliness_20_week", "plans_issued_20_weeks_ex", "Issued within 20 weeks, excluding exceptions",
      "ehcp_issued_20wk_ex", "numerator", calibrated=True),
    M("timeliness_20_week", "pc_plans_issued_within_20_weeks", "Issued within 20 weeks (%)", "ehcp_issued_20wk",
      "value", percent=True, calibrated=True),
    M("timeliness_20_week", "PC_plans_issued_20_weeks_ex", "Issued within 20 weeks, excluding exceptions (%)",
      "ehcp_issued_20wk_ex", "value", percent=True, calibrated=True),
    *[M("timeliness_20_week", f"plans_issued_{band}{suffix}", f"{words}{note}", indicator, "denominator",
        "timeliness_band", words)
      for band, words in BANDS
      for suffix, note, indicator in [("", "", "ehcp_issued_20wk"),
                                      ("_ex", ", excluding exceptions", "ehcp_issued_20wk_ex")]],
    M("annual_reviews", "review_expected", "Reviews due in the year", "annual_reviews_held", "denominator"),
    M("annual_reviews", "total_review_meeting", "Review meetings held", "annual_reviews_held", "numerator"),
    M("annual_reviews", "number_decsion_4weeks", "Review decisions within 4 weeks", "annual_reviews_4wk",
      "numerator"),
    M("annual_reviews", "number_decision_gt_4weeks", "Review decisions after 4 weeks", "annual_reviews_4wk", "rest"),
    M("annual_reviews", "pc_decsion_4weeks", "Review decisions within 4 weeks (%)", "annual_reviews_4wk", "value",
      percent=True),
    *[M("annual_reviews", column, f"Review outcome: {words.lower()}", "annual_reviews_4wk", "denominator",
        "review_outcome", words)
      for column, words in [("outcome_amend", "Amend"), ("outcome_cease", "Cease"), ("outcome_maintan", "Maintain")]],
    M("ceased_plans", "total_ceased", "Plans ceased", "ehcp_ceased", "numerator"),
    *[M("ceased_plans", column, f"Ceased: {words.lower()}", "ehcp_ceased", "numerator", "cease_reason", words)
      for column, words in CEASE_REASONS],
]
MEASURE_KEYS = {f"{m.dataset}.{m.column}": m for m in MEASURES}


# --- periods ----------------------------------------------------------------------------------------------

def period(table: Table, year: int) -> str:
    """DfE's period of a table in reporting year `year`: the January census's academic year, or the calendar
    year before."""
    return f"{year - 1}{year % 100:02d}" if table.census else str(year - 1)


def period_dates(table: Table, year: int) -> tuple[date, date]:
    """The first and last day whose records make a table's figures (the census day lies in January)."""
    return (date(year, 1, 1), date(year, 1, 31)) if table.census else (date(year - 1, 1, 1), date(year - 1, 12, 31))


def years(engine: Engine) -> list[int]:
    """Reporting years the local records cover: each January census from the first the records hold to the
    warehouse's reference date."""
    frame = engine.local_figures(Audience.OFFICER, "ehcp_caseload")
    return sorted({int(p[:4]) + 1 for p in frame["period"] if len(p) == 6})  # only censuses taken by then


# --- the local tables ---------------------------------------------------------------------------------------

def _figure(frame: pd.DataFrame, measure: Measure, period_text: str) -> float | None:
    rows = frame[(frame["period"] == period_text) & (frame["breakdown_value"] == measure.value)]
    if measure.breakdown != TOTAL:
        rows = rows[rows["breakdown"] == measure.breakdown]
    if rows.empty:  # no record of this kind: a true zero (a count, or a share of a total there is), else
        # nothing to show (a percentage with nothing to divide)
        total = frame[(frame["period"] == period_text) & (frame["breakdown_value"] == TOTAL)]
        return None if measure.percent and (total.empty or measure.breakdown == TOTAL) else 0.0
    row = rows.iloc[0]
    if measure.part == "rest":
        return float(row["denominator"] - row["numerator"])
    value = row[measure.part]
    return None if pd.isna(value) else float(value)


def local_values(engine: Engine, year: int) -> dict[str, float | None]:
    """Every SEN2 measure of reporting year `year` from the local records: `dataset.column` -> figure."""
    frames: dict[tuple[str, str], pd.DataFrame] = {}
    out = {}
    for key, measure in MEASURE_KEYS.items():
        ask = (measure.indicator, measure.breakdown)
        if ask not in frames:
            frames[ask] = engine.local_figures(Audience.OFFICER, *ask)
        out[key] = _figure(frames[ask], measure, period(TABLES[measure.dataset], year))
    return out


def tables(engine: Engine, year: int) -> dict[str, pd.DataFrame]:
    """Each SEN2 table of reporting year `year` from the local records, as DfE publishes it: one row of the
    council's all-children figures, DfE's period and geography columns, then DfE's measure columns."""
    values = local_values(engine, year)
    area = engine.area(engine.local_area or "")
    out = {}
    for dataset, table in TABLES.items():
        row = {"time_period": period(table, year),
               "time_identifier": "Academic year" if table.census else "Calendar year",
               "geographic_level": "Local authority", "new_la_code": area.code, "old_la_code": area.old_la_code or "",
               "la_name": area.name, "breakdown_topic": table.topic, "breakdown": table.topic}
        row |= {m.column: values[f"{dataset}.{m.column}"] for m in MEASURES if m.dataset == dataset}
        out[dataset] = pd.DataFrame([row])
    return out


# --- reconciliation ---------------------------------------------------------------------------------------

def published_years(engine: Engine) -> list[int]:
    """Reporting years for which DfE has published the council's caseload (the census tables' anchor)."""
    area = engine.local_area or ""
    found = []
    for year in years(engine):
        published = engine.published_measures("caseload", TABLES["caseload"].topic, area,
                                               period(TABLES["caseload"], year))
        if not published.empty:
            found.append(year)
    return found


def tolerance(measure: Measure, published: float) -> float:
    return PERCENT_TOLERANCE_POINTS if measure.percent else abs(published) * COUNT_TOLERANCE_PC / 100


def reconcile(engine: Engine, year: int) -> pd.DataFrame:
    """Each SEN2 measure of reporting year `year`: the local figure beside the council's published one, the
    difference (local - published), the tolerance and whether the difference is beyond it. A measure DfE did
    not publish that year (a symbol, or a year before the column existed) has no published figure and no flag."""
    local = local_values(engine, year)
    area = engine.local_area or ""
    published: dict[str, tuple[float | None, str]] = {}
    for dataset, table in TABLES.items():
        rows = engine.published_measures(dataset, table.topic, area, period(table, year))
        for r in rows.itertuples(index=False):
            published[f"{dataset}.{r.measure}"] = (None if pd.isna(r.value) else float(r.value), r.status)
    out = []
    for key, measure in MEASURE_KEYS.items():
        mine = local[key]
        theirs, status = published.get(f"{measure.dataset}.{measure.column.lower()}", (None, "not published"))
        difference = None if mine is None or theirs is None else round(mine - theirs, 1)
        allowed = None if theirs is None else round(tolerance(measure, theirs), 1)
        beyond = None if difference is None else abs(difference) > allowed + 1e-9
        out.append({"key": key, "dataset": measure.dataset, "table": TABLES[measure.dataset].title,
                    "measure": measure.column, "label": measure.label,
                    "period": period(TABLES[measure.dataset], year), "local": mine, "published": theirs,
                    "published_status": status, "difference": difference, "tolerance": allowed, "beyond": beyond,
                    "percent": measure.percent, "calibrated": measure.calibrated})
    return pd.DataFrame(out)


def records(engine: Engine, key: str, year: int, *, user: str) -> pd.DataFrame:
    """The child-level rows behind one local SEN2 figure (officers only; audited by the engine): the
    indicator's records for the table's period that the figure counts (in its numerator, its denominator, or
    the denominator but not the numerator; every record of a percentage's cohort), narrowed to the breakdown
    value the measure counts."""
    measure = MEASURE_KEYS[key]
    first, last = period_dates(TABLES[measure.dataset], year)
    rows = engine.local_records(Audience.OFFICER, measure.indicator, first, last, user=user)
    counted = {"numerator": rows["numerator"] > 0, "denominator": rows["denominator"] > 0,
               "rest": rows["denominator"] - rows["numerator"] > 0,
               "value": (rows["denominator"] > 0) | (rows["pending"] > 0)}[measure.part]
    rows = rows[counted.fillna(False)].reset_index(drop=True)
    if measure.breakdown == TOTAL:
        return rows
    if measure.breakdown == "primary_need":
        words = {code.upper(): text for code, text in NEEDS} | {"DS": "Other difficulty or disability"}
        placed = rows["need_code"].map(words).fillna("Unknown")
    else:
        placed = rows[measure.breakdown]
    return rows[placed == measure.value].reset_index(drop=True)
