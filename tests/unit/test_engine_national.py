"""Published indicators against the raw DfE files, read here with the csv module, independently of the engine.

For the SEN2 EHC plan indicators: England and four LAs (Bristol, Leeds, Kent, Barnet) for every published year;
each percentage is also recomputed from the published counts and must equal the published percentage.
"""

from __future__ import annotations

import csv
import gzip
import math
from functools import cache

import pytest

from data.bundle import PUBLISHED_DIR, published_file
from indicators.cache import SimpleCache
from indicators.engine import Engine
from indicators.testing import fixture_warehouse
from indicators.vocabulary import Audience

EHCP = "national/ehcp_2025"
AREAS = {"E92000001": "England", "E06000023": "Bristol, City of", "E08000035": "Leeds", "E10000016": "Kent",
         "E09000003": "Barnet"}
LAIT_NUMBERS = {"E92000001": None, "E06000023": "801", "E08000035": "383", "E10000016": "886", "E09000003": "302"}


@pytest.fixture(scope="module")
def engine():
    engine = Engine(fixture_warehouse(), cache=SimpleCache())
    yield engine
    engine.close()


@cache
def raw(rel: str) -> list[dict[str, str]]:
    """The rows of a published file in the repository (`data/published/`), by its published name."""
    path = published_file(PUBLISHED_DIR, rel)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def published(file: str, topic_prefix: str | None = None, breakdown: str | None = None) -> dict[tuple[str, str], dict]:
    """{(period, area code): row} for the all-children rows of one ehcp_2025 file (or one breakdown's)."""
    topic_prefix = topic_prefix or ("New EHC plans" if file == "newplans.csv" else "All")
    out = {}
    for row in raw(f"{EHCP}/{file}"):
        if not row.get("breakdown_topic", "All").startswith(topic_prefix):
            continue
        if breakdown is not None and row["breakdown"] != breakdown:
            continue
        code = {"National": row["country_code"], "Local authority": row["new_la_code"]}.get(row["geographic_level"])
        if code in AREAS:
            out[(row["time_period"], code)] = row
    return out


def half_up(x: float, places: int = 1) -> float:
    return math.floor(x * 10 ** places + 0.5) / 10 ** places


def engine_row(engine, indicator, area, period, breakdown=None, value="Total"):
    frame = engine.result(indicator, area, Audience.PUBLIC, period=period, breakdown=breakdown,
                          source="national").frame
    rows = frame[(frame["breakdown_value"] == value) & (frame["breakdown"] == (breakdown or "Total"))]
    assert len(rows) == 1, frame
    return rows.iloc[0]


def number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


# --- 20-week timeliness ------------------------------------------------------------------------------------

TIMELINESS = [(p, a) for p in ["2019", "2020", "2021", "2022", "2023", "2024"] for a in AREAS]


@pytest.mark.parametrize("period, area", TIMELINESS)
@pytest.mark.parametrize("indicator, num, den, pc", [
    ("ehcp_issued_20wk", "plans_issued_within_20_weeks", "plans_issued_den", "pc_plans_issued_within_20_weeks"),
    ("ehcp_issued_20wk_ex", "plans_issued_20_weeks_ex", "plans_issued_den_ex", "PC_plans_issued_20_weeks_ex"),
])
def test_20_week_timeliness_equals_published_and_recomputes(engine, indicator, num, den, pc, period, area):
    row = published("timeliness_20_week.csv")[(period, area)]
    numerator, denominator, percent = float(row[num]), float(row[den]), float(row[pc])
    assert half_up(100 * numerator / denominator) == percent  # the published % is the counts' ratio
    got = engine_row(engine, indicator, area, period)
    assert (got["numerator"], got["denominator"], got["value"]) == (numerator, denominator, percent)


def test_england_2019_is_the_figure_in_the_brief(engine):
    got = engine_row(engine, "ehcp_issued_20wk", "E92000001", "2019")
    assert (got["numerator"], got["denominator"], got["value"]) == (31313, 53327, 58.7)


SEN2_MI_YEARS = ["2014", "2015", "2016", "2017", "2018"]


@pytest.mark.parametrize("period", SEN2_MI_YEARS)
@pytest.mark.parametrize("indicator, num, den, rate", [
    ("ehcp_issued_20wk", "IncExc20weekEHC", "TotIncExcEHC", "IncExc20weekRate"),
    ("ehcp_issued_20wk_ex", "NoExc20weekEHC", "TotNoExcEHC", "NoExc20weekRate"),
])
def test_20_week_timeliness_before_2019_from_the_older_series(engine, indicator, num, den, rate, period):
    checked = 0
    for row in raw("national/ehcp_2014_2021/sen2_mi.csv"):
        code = row["country_code"] if row["geographic_level"] == "National" else row["new_la_code"]
        if row["time_period"] != period or code not in AREAS or row["geographic_level"] == "Regional":
            continue
        published_rate = number(row[rate])
        got = engine_row(engine, indicator, code, period)
        if published_rate is None:  # z: no plans that year
            assert got["status"] in ("z", "x")
            continue
        assert half_up(100 * float(row[num]) / float(row[den])) == published_rate
        assert got["value"] == published_rate and got["numerator"] == float(row[num])
        checked += 1
    assert checked >= 4


def test_breakdown_by_sex_is_the_published_one(engine):
    row = published("timeliness_20_week.csv", "Sex", "Female")[("2023", "E06000023")]
    got = engine_row(engine, "ehcp_issued_20wk", "E06000023", "2023", "sex", "Female")
    assert got["value"] == float(row["pc_plans_issued_within_20_weeks"])
    assert got["denominator"] == float(row["plans_issued_den"])


# --- counts: totals equal the published totals, every published year --------------------------------------

COUNTS = [
    ("ehcp_caseload", "caseload.csv", "ehcplans"),
    ("ehcp_requests", "requests.csv", "requests_received_in_year"),
    ("ehcp_new_plans", "newplans.csv", "new_ehc_plans"),
    ("ehcp_ceased", "ceased_plans.csv", "total_ceased"),
    ("personal_budgets", "personal_budgets.csv", "personal_budget"),
    ("residential_placements", "residential_settings.csv", "Res_tot"),
    ("ehcp_neet", "caseload.csv", "neet"),
    ("supported_internships", "work_based_placements.csv", "open_supp_intern"),
    ("awaiting_placement", "caseload.csv", "await_prov_2022"),
    ("permanent_exclusions_ehcp", "caseload.csv", "perm_ex_2022"),
]


@pytest.mark.parametrize("indicator, file, measure", COUNTS)
def test_published_counts_every_year(engine, indicator, file, measure):
    rows = published(file)
    checked = 0
    for (period, area), row in rows.items():
        expected = number(row[measure])
        got = engine_row(engine, indicator, area, period)
        if expected is None:
            assert got["status"] in ("x", "z") and got["value"] != got["value"]
        else:
            assert got["value"] == expected, (period, area)
            checked += 1
    periods = {p for p, _ in rows}
    assert checked >= 3 * len(AREAS) or (len(periods) == 1 and checked >= len(AREAS) - 1)


def test_requests_before_2019_from_the_older_series(engine):
    for row in raw("national/ehcp_2014_2021/sen2_mi.csv"):
        code = row["country_code"] if row["geographic_level"] == "National" else row["new_la_code"]
        if row["time_period"] in ("2016", "2017", "2018") and code in AREAS and row["geographic_level"] != "Regional":
            assert engine_row(engine, "ehcp_requests", code, row["time_period"])["value"] == float(row["InreqEHC"])


def test_cease_reasons_add_up_to_the_total(engine):
    row = published("ceased_plans.csv")[("2024", "E06000023")]
    frame = engine.result("ehcp_ceased", "E06000023", Audience.PUBLIC, period="2024", breakdown="cease_reason",
                          source="national").frame
    reasons = frame[frame["breakdown"] == "cease_reason"].set_index("breakdown_value")["value"]
    assert reasons["Needs met without a plan"] == float(row["needs_met"])
    assert reasons.sum() == float(row["total_ceased"])


def test_personal_budget_make_up(engine):
    row = published("personal_budgets.csv")[("202425", "E92000001")]
    got = engine_row(engine, "personal_budgets", "E92000001", "202425", "budget_type", "Social care")
    assert got["value"] == float(row["pb_social"])


# --- percentages recomputed from the published counts ---------------------------------------------------------

PERCENTS = [
    # indicator, file, numerator, denominator, published %, periods
    ("requests_agreed", "requests.csv", "requests_decided_to_assess", "requests_received_in_year", "request_assess_pc"),
    ("annual_reviews_4wk", "annual_reviews.csv", "number_decsion_4weeks", None, "pc_decsion_4weeks"),
    ("assessments_not_issued_16wk", "assessments.csv", "outcome_decision_within_time", None,
     "outcome_decision_within_time_pc"),
]
SECOND_COUNT = {"annual_reviews_4wk": "number_decision_gt_4weeks",
                "assessments_not_issued_16wk": "outcome_decision_over_time"}


@pytest.mark.parametrize("indicator, file, num, den, pc", PERCENTS)
def test_published_percentages_recompute_from_counts(engine, indicator, file, num, den, pc):
    checked = 0
    for (period, area), row in published(file).items():
        percent = number(row[pc])
        if percent is None:
            continue
        numerator = float(row[num])
        denominator = float(row[den]) if den else numerator + float(row[SECOND_COUNT[indicator]])
        assert half_up(100 * numerator / denominator) == pytest.approx(percent, abs=0.1), (period, area)
        assert engine_row(engine, indicator, area, period)["value"] == percent
        checked += 1
    assert checked >= len(AREAS)


def test_decisions_in_6_weeks_pass_through_as_published(engine):
    # DfE's published % does not always recompute from its two published counts (England 2023: 111,723 and
    # 19,863 give 84.9; published 84.8), so the engine shows DfE's figure untouched.
    for (period, area), row in published("requests.csv").items():
        percent = number(row["request_outcome_six_weeks_pc"])
        got = engine_row(engine, "requests_decided_6wk", area, period)
        assert got["value"] == percent if percent is not None else got["status"] == "x"


def test_mainstream_share_passes_through_as_published(engine):
    # DfE's mainstream_total_pc is the counts' ratio in every year but 2023/24 (England: 248,016 of 576,474 is
    # 43.0%; published 43.3%), so the engine shows DfE's figure untouched and keeps the counts beside it.
    checked = 0
    for (period, area), row in published("caseload.csv").items():
        got = engine_row(engine, "send_in_mainstream", area, period)
        assert got["value"] == float(row["mainstream_total_pc"])
        assert (got["numerator"], got["denominator"]) == (float(row["mainstream_total"]), float(row["ehcplans"]))
        if period != "202324":
            assert half_up(100 * float(row["mainstream_total"]) / float(row["ehcplans"])) == got["value"]
        checked += 1
    assert checked == 7 * len(AREAS)


def test_annual_reviews_held_is_meetings_over_expected(engine):
    for area in AREAS:
        row = published("annual_reviews.csv")[("2024", area)]
        expected = half_up(100 * float(row["total_review_meeting"]) / float(row["review_expected"]))
        assert engine_row(engine, "annual_reviews_held", area, "2024")["value"] == expected


@pytest.mark.parametrize("indicator, file, total, label, measure", [
    ("ehcp_setting_mix", "caseload.csv", "ehcplans", "Special school", "special_total"),
    ("ehcp_primary_need", "sen_needs_all_plans.csv", "ehc_plans", "Autistic spectrum disorder", "number_asd"),
    ("ehcp_primary_need", "sen_needs_all_plans.csv", "ehc_plans", "Social, emotional and mental health",
     "number_semh"),
])
def test_mix_shares_are_computed_from_published_counts(engine, indicator, file, total, label, measure):
    breakdown = "setting" if indicator == "ehcp_setting_mix" else "primary_need"
    for area in AREAS:
        row = published(file)[("202425", area)]
        expected = half_up(100 * float(row[measure]) / float(row[total]))
        got = engine_row(engine, indicator, area, "202425", breakdown, label)
        assert got["value"] == expected and got["numerator"] == float(row[measure])
        if indicator == "ehcp_primary_need":  # and agrees with DfE's own rounded share
            assert expected == pytest.approx(float(row[measure.replace("number_", "") + "_pc"]), abs=0.1)


# --- LAIT measures --------------------------------------------------------------------------------------------

def lait_period(label: str, year_type: str) -> str:
    """LAIT year labels in DfE form, worked out here independently of the loader."""
    text = label.split("(")[0].strip()
    if "-" in text or "/" in text:
        start = int(text[:4])
        return f"{start}{(start + 1) % 100:02d}"
    year = int(text)
    return str(year) if year_type == "Calendar Year" else f"{year - 1}{year % 100:02d}"


@cache
def lait_values() -> dict[tuple[str, str, str], float]:
    types = {r["Measure_short"]: r["Year_Type"] for r in raw("national/lait/lait_send_measures_dictionary.csv")}
    out = {}
    by_number = {v: k for k, v in LAIT_NUMBERS.items() if v}
    for row in raw("national/lait/lait_send_measures_long.csv"):
        number_text = (row["LA Number"] or "").replace(".0", "")
        area = "E92000001" if row["LA and Regions"] == "England" else by_number.get(number_text)
        value = number(row["Values"])
        if area and value is not None:
            out[(row["Short Desc"], lait_period(row["Years"], types[row["Short Desc"]]), area)] = value
    return out


def lait_indicators():
    from indicators.catalogue import default_catalogue

    out = []
    for indicator in default_catalogue():
        for source in indicator.national:
            if source.dataset == "lait":
                out.append(indicator.id)
    return out


@pytest.mark.parametrize("indicator_id", lait_indicators())
def test_lait_indicators_equal_the_published_values(engine, indicator_id):
    indicator = engine.indicator(indicator_id)
    source = indicator.national[0]
    values = lait_values()
    checked = 0
    for area in AREAS:
        frame = engine.result(indicator_id, area, Audience.PUBLIC, source="national").frame
        for _, got in frame.iterrows():
            if source.combine == "difference":
                a = values.get((source.measures[0].numerator, got["period"], area))
                b = values.get((source.measures[0].denominator, got["period"], area))
                if a is None or b is None:
                    continue
                assert got["value"] == pytest.approx(a - b), (area, got["period"])
            else:
                expected = values.get((source.measures[0].value, got["period"], area))
                if expected is None:
                    continue
                assert got["value"] == pytest.approx(expected), (area, got["period"])
            checked += 1
    assert checked >= 3 * 3, f"only {checked} published values checked"


def test_lait_breakdown_by_sen_status(engine):
    values = lait_values()
    got = engine_row(engine, "ks4_attainment8_ehcp", "E92000001", "202324", "sen_status", "No identified SEN")
    assert got["value"] == values[("SEN_NoID_AVG_Attain8_Score", "202324", "E92000001")]


# --- designated officers and inspections ----------------------------------------------------------------------

def test_designated_officers_count_the_yes_answers(engine):
    checked = 0
    for row in raw(f"{EHCP}/sen2_dmo_dco.csv"):
        if row["new_la_code"] not in AREAS or row["time_period"] not in ("2024", "2025"):
            continue
        answers = [row[c].strip().lower() for c in ("des_med_off", "des_clin_off", "des_so_care_off")]
        answered = [a for a in answers if a in ("yes", "no")]
        got = engine_row(engine, "designated_officers", row["new_la_code"], row["time_period"])
        assert got["value"] == half_up(100 * answered.count("yes") / len(answered), 0)
        checked += 1
    assert checked >= 6


@pytest.mark.parametrize("area, period, grade", [
    ("E08000035", "2017", 1),  # Leeds: no written statement of action (ofsted.csv)
    ("E09000003", "2022", 1),  # Barnet: no written statement of action
    ("E10000016", "2019", 3),  # Kent: written statement of action required
    ("E06000023", "2019", 3),  # Bristol: written statement of action required
    ("E06000043", "2023", 1),  # Brighton and Hove: typically positive (mi_ofsted_winter_2223.csv)
    ("E06000052", "2023", 2),  # Cornwall: inconsistent experiences and outcomes
])
def test_area_send_inspection_grade(engine, area, period, grade):
    assert engine_row(engine, "area_send_inspection", area, period)["value"] == grade


# --- benchmarks ----------------------------------------------------------------------------------------------

def test_neighbours_region_england_and_rank_are_worked_out_as_lait_does(engine):
    neighbours = [r["sn_new_la_code"] for r in raw("national/statistical_neighbours/"
                                                   "statistical_neighbours_may2025_long.csv")
                  if r["new_la_code"] == "E06000023"]
    values = {}
    for row in raw(f"{EHCP}/timeliness_20_week.csv"):
        if row["time_period"] == "2024" and row["breakdown_topic"] == "All EHC plans issued":
            level = row["geographic_level"]
            code = {"National": row["country_code"], "Regional": row["region_code"],
                    "Local authority": row["new_la_code"]}[level]
            if level == "Local authority" and number(row["pc_plans_issued_within_20_weeks"]) is not None:
                values[code] = float(row["pc_plans_issued_within_20_weeks"])
            elif level != "Local authority":
                values[code] = float(row["pc_plans_issued_within_20_weeks"])
    la_values = {k: v for k, v in values.items() if not k.startswith(("E92", "E12", "E13"))}
    block = engine.benchmark("ehcp_issued_20wk", "E06000023", Audience.PUBLIC, period="2024",
                             source="national").published
    assert len(neighbours) == 10
    assert [n.area_code for n in block.neighbours] == neighbours
    assert block.sn_mean == pytest.approx(sum(values[n] for n in neighbours) / 10)
    assert block.region_value == values["E12000009"] and block.england_value == values["E92000001"]
    bristol = la_values["E06000023"]
    assert block.rank == 1 + sum(v > bristol for v in la_values.values())
    assert block.rank_out_of == len(la_values)
    assert block.quartile_band == "D"  # 17.3% is in the bottom quarter of LAs in 2024


# --- plans in independent or non-maintained special schools: two published columns over one total -------------

def test_independent_special_share_of_bristol_worked_out_by_hand_from_the_published_row(engine):
    # caseload.csv, 202425, Bristol, City of (E06000023), All EHC plans: special_independent 205,
    # special_non_maintained 3, ehcplans 4931; (205 + 3) / 4931 = 4.2182...% -> 4.2
    row = published("caseload.csv")[("202425", "E06000023")]
    assert (row["special_independent"], row["special_non_maintained"], row["ehcplans"]) == ("205", "3", "4931")
    got = engine_row(engine, "ehcp_independent_special", "E06000023", "202425")
    assert (got["numerator"], got["denominator"], got["value"], got["status"]) == (208, 4931, 4.2, "value")
    # England: (29,647 + 4,381) / 638,745 = 5.327...% -> 5.3 (the denominator counted once, not twice)
    england = engine_row(engine, "ehcp_independent_special", "E92000001", "202425")
    assert (england["numerator"], england["denominator"], england["value"]) == (34028, 638745, 5.3)


def test_independent_special_share_is_both_columns_over_all_plans_in_every_published_year(engine):
    checked = 0
    for (period, area), row in published("caseload.csv").items():
        parts = [number(row["special_independent"]), number(row["special_non_maintained"])]
        total = number(row["ehcplans"])
        got = engine_row(engine, "ehcp_independent_special", area, period)
        if None in parts or not total:
            assert got["status"] != "value" and got["value"] != got["value"], (area, period)  # no figure, NaN
            continue
        assert got["value"] == half_up(100 * sum(parts) / total), (area, period)
        assert (got["numerator"], got["denominator"]) == (sum(parts), total)
        checked += 1
    assert checked == 7 * len(AREAS)


def test_a_listed_numerator_with_a_missing_part_has_no_figure():
    """national.sql on hand-built facts: area A publishes both parts (5 + 3 over 100: 8.0%, the denominator
    once); area B publishes one part as `x`, so its share is not a partial sum but no figure."""
    import duckdb

    from indicators.catalogue.model import NationalSource
    from indicators.engine import SQL_DIR, _national_specs

    source = NationalSource.model_validate({
        "dataset": "caseload", "topic": "All EHC plans", "combine": "ratio", "scale": 100,
        "measures": [{"numerator": ["special_independent", "special_non_maintained"], "denominator": "ehcplans"}]})
    facts = [("A", "special_independent", 5.0, "value"), ("A", "special_non_maintained", 3.0, "value"),
             ("A", "ehcplans", 100.0, "value"), ("B", "special_independent", 7.0, "value"),
             ("B", "special_non_maintained", None, "x"), ("B", "ehcplans", 50.0, "value")]
    con = duckdb.connect()
    con.execute("CREATE TABLE national_fact (dataset VARCHAR, time_period VARCHAR, area_code VARCHAR, "
                "area_name VARCHAR, breakdown_topic VARCHAR, breakdown VARCHAR, measure VARCHAR, value DOUBLE, "
                "value_text VARCHAR, status VARCHAR)")
    con.executemany("INSERT INTO national_fact VALUES ('caseload', '202425', ?, ?, 'All EHC plans', "
                    "'All EHC plans', ?, ?, NULL, ?)", [(a, a, m, v, s) for a, m, v, s in facts])
    [spec] = _national_specs(source, "Total")
    params = {"dataset": "caseload", "topic": spec["topic"], "periods": [], "area": "", "labels": spec["labels"],
              "numerators": spec["numerators"], "denominators": spec["denominators"], "published": spec["published"],
              "combine": "ratio", "scale": 100.0, "breakdown": "Total", "total_row": ""}
    frame = con.execute((SQL_DIR / "national.sql").read_text(), params).df()
    got = {r.area_code: (r.numerator, r.denominator, r.value, r.status) for r in frame.itertuples()}
    assert got["A"] == (8.0, 100.0, 8.0, "value")
    b = got["B"]
    assert b[0] != b[0] and b[1] == 50.0 and b[2] != b[2] and b[3] == "x"  # no numerator, no value (NaN): x
