"""The SEN2 aggregate tables from the fixture extract (tests/fixtures/indicators/local/, reference date
30 June 2025), each figure counted by hand. Reporting year 2025: the January census on 16 January 2025 and the
activity of calendar year 2024 (SEN2 history counts from 1 January 2024, the year of the first cessation).

  request  child  received    decision (days)   assessment (days from request)      plan
  R1       P1     2024-01-10  Y 2024-02-15 (36)  Y 2024-05-20 (131)                  N1 ASD, Ashley Primary (mainstream)
  R2       P2     2024-02-01  Y 2024-03-20 (48)  Y 2024-08-01 (182), Week20 = 1      N2 SEMH, special school
  R3       P3     2024-03-01  Y 2024-04-01 (31)  Y 2024-07-15 (136), mediation       N3 ASD, URN not on the list
  R4       P4     2024-04-10  Y 2024-06-01 (52)  Y 2024-10-01 (174)                  N4 SLCN, no placement
  R5       P5     2021-05-01  Y                  Y 2021-09-01                        N5 DS, NEET from 1/7/2024
  R6       P6     2022-01-01  Y                  Y 2022-05-01                        N6 MLD, ceased 2024-09-30 (2)
  R7       P7     2024-06-01  N 2024-07-01 (30)
  R8       P8     2025-03-01  A (pending)
  R9       P9     2024-05-01  Y 2024-06-05 (35)  N 2024-08-01 (92)
  R10      P10    2024-07-01  Y 2024-08-01 (31)  N 2024-12-01 (153)
Reviews: V1 (R5) due 2024-09-01, met 2024-08-20, maintain, decided 2024-09-10 (21 days); V2 (R6) due
2024-05-01, never held; V3, V4 fall in 2025.
"""

from __future__ import annotations

import pandas as pd
import pytest

from indicators import sen2
from indicators.engine import Engine, NotPermitted
from indicators.testing import fixture_warehouse
from indicators.vocabulary import Audience

# DfE column -> figure, counted by hand from the table above; every column not listed is 0 (a count) or
# empty (a percentage with nothing to divide).
EXPECTED = {
    # census 16 Jan 2025: N1-N5 open (N6 ceased in September 2024)
    "caseload": {"ehcplans": 5,
                 "mainstream_total": 1,  # N1 at Ashley Primary
                 "special_total": 1,  # N2 at Bedminster Special
                 "ed_elsewhere": 1,  # N5: NEET from 1 July 2024
                 "placement_unknown": 1},  # N4: no placement; N3's school is outside the area's list (no column)
    "sen_needs_all_plans": {"ehc_plans": 5, "number_asd": 2, "number_semh": 1, "number_slcn": 1,
                            "number_oth": 1,  # N5's Down syndrome is published under "other"
                            "asd_pc": 40.0, "semh_pc": 20.0, "slcn_pc": 20.0, "oth_pc": 20.0,
                            "hi_pc": 0.0, "mld_pc": 0.0, "msi_pc": 0.0, "pd_pc": 0.0, "pmld_pc": 0.0,
                            "sld_pc": 0.0, "spld_pc": 0.0, "vi_pc": 0.0},
    # received in 2024: R1, R2, R3, R4, R7, R9, R10; all decided; within 42 days R1, R3, R7, R9, R10
    "requests": {"requests_received_in_year": 7, "requests_decided_to_assess": 6, "request_assess_pc": 85.7,
                 "request_outcome_six_weeks": 5, "request_outcome_over_6_weeks": 2,
                 "request_outcome_six_weeks_pc": 71.4},
    # outcomes dated 2024: plans A1-A4; no plan A9 (92 days, within 16 weeks) and A10 (153 days)
    "assessments": {"assess_issued": 4, "assess_not_issued": 2, "outcome_decision_within_time": 1,
                    "outcome_decision_over_time": 1, "outcome_decision_within_time_pc": 50.0},
    "newplans": {"new_ehc_plans": 4},
    # plans issued in 2024 with no mediation or tribunal: A1 (131 days), A2 (182), A4 (174); without the
    # exception (A2): A1, A4
    "timeliness_20_week": {"plans_issued_den": 3, "plans_issued_within_20_weeks": 1,
                           "pc_plans_issued_within_20_weeks": 33.3, "plans_issued_gt20weeks_ltYear": 2,
                           "plans_issued_den_ex": 2, "plans_issued_20_weeks_ex": 1, "PC_plans_issued_20_weeks_ex": 50.0,
                           "plans_issued_gt20weeks_ltYear_ex": 1},
    # due in 2024: V1 (held), V2 (not held); meetings in 2024: V1, decided in 21 days, maintain
    "annual_reviews": {"review_expected": 2, "total_review_meeting": 1, "number_decsion_4weeks": 1,
                       "pc_decsion_4weeks": 100.0, "outcome_maintan": 1},
    "ceased_plans": {"total_ceased": 1, "needs_met": 1},  # N6
}


@pytest.fixture(scope="module")
def engine():
    opened = Engine(fixture_warehouse())
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def tables(engine) -> dict[str, pd.DataFrame]:
    return sen2.tables(engine, 2025)


@pytest.mark.parametrize("dataset", list(EXPECTED))
def test_each_table_equals_the_hand_count(tables, dataset):
    row = tables[dataset].iloc[0].to_dict()
    for measure in [m for m in sen2.MEASURES if m.dataset == dataset]:
        expected = EXPECTED[dataset].get(measure.column, None if measure.percent else 0)
        assert row[measure.column] == expected, measure.column


def test_the_tables_keep_dfes_layout(tables):
    caseload = tables["caseload"]
    assert list(caseload.columns[:8]) == ["time_period", "time_identifier", "geographic_level", "new_la_code",
                                          "old_la_code", "la_name", "breakdown_topic", "breakdown"]
    row = caseload.iloc[0]
    assert (row["time_period"], row["time_identifier"], row["new_la_code"], row["old_la_code"]) == (
        "202425", "Academic year", "E06000023", "801")
    assert tables["requests"].iloc[0]["time_period"] == "2024"
    assert tables["requests"].iloc[0]["breakdown"] == "All requests for EHC needs assessments"


def test_the_reporting_years_are_the_censuses_the_records_cover(engine):
    assert sen2.years(engine) == [2024, 2025]  # censuses of January 2024 and 2025 (reference date June 2025)


def test_the_year_before_counts_its_own_census(tables, engine):
    # 18 January 2024: N5 and N6 open (N1-N4 start later)
    assert sen2.tables(engine, 2024)["caseload"].iloc[0]["ehcplans"] == 2


@pytest.mark.parametrize("key, ids", [
    ("timeliness_20_week.plans_issued_den", ["R1", "R2", "R4"]),
    ("timeliness_20_week.plans_issued_gt20weeks_ltYear_ex", ["R4"]),
    ("sen_needs_all_plans.number_oth", ["R5"]),
    ("caseload.placement_unknown", ["R4"]),
    ("ceased_plans.needs_met", ["R6"]),
    ("requests.request_outcome_over_6_weeks", ["R2", "R4"]),  # numerator 0, denominator 1
    ("requests.request_outcome_six_weeks", ["R1", "R10", "R3", "R7", "R9"]),  # numerator 1
    ("requests.request_outcome_six_weeks_pc", ["R1", "R10", "R2", "R3", "R4", "R7", "R9"]),  # the cohort
    ("requests.requests_decided_to_assess", ["R1", "R10", "R2", "R3", "R4", "R9"]),  # R7 was refused
])
def test_the_records_behind_a_figure(engine, key, ids):
    rows = sen2.records(engine, key, 2025, user="test")
    assert sorted(rows["request_id"]) == ids
    assert {"person_id", "forename", "surname", "event_date"} <= set(rows.columns)


def test_records_and_unprotected_figures_are_for_officers_only(engine):
    for audience in (Audience.PARTNER, Audience.PUBLIC):
        with pytest.raises(NotPermitted):
            engine.local_records(audience, "ehcp_caseload", pd.Timestamp("2025-01-01").date(),
                                 pd.Timestamp("2025-01-31").date(), user="test")
        with pytest.raises(NotPermitted):
            engine.local_figures(audience, "ehcp_caseload")


def test_the_tolerance_is_two_percent_of_a_count_and_two_points_of_a_percentage():
    count = sen2.MEASURE_KEYS["caseload.ehcplans"]
    percent = sen2.MEASURE_KEYS["requests.request_outcome_six_weeks_pc"]
    assert sen2.tolerance(count, 4931) == pytest.approx(98.62)
    assert sen2.tolerance(percent, 43.3) == 2.0
