"""Local indicators against figures worked out by hand from the fixture extract.

The extract (tests/fixtures/indicators/local/, reference date 30 June 2025) has ten invented children:

  request  child  received    decision (days)   assessment outcome (days from request)   notes
  R1       P1 F   2024-01-10  Y 2024-02-15 (36)  Y 2024-05-20 (131)   plan N1, ASD, Ashley Primary, PB education
  R2       P2 M   2024-02-01  Y 2024-03-20 (48)  Y 2024-08-01 (182)   Week20 exception; N2 SEMH, special school
  R3       P3 M   2024-03-01  Y 2024-04-01 (31)  Y 2024-07-15 (136)   assessment mediation; N3 ASD, URN 999999
                                                                      (not on the schools list), residential B
  R4       P4 F   2024-04-10  Y 2024-06-01 (52)  Y 2024-10-01 (174)   N4 SLCN, no placement; child in need
  R5       P5 M   2021-05-01  Y                  Y 2021-09-01         N5 DS; college (UKPRN, internship) to
                                                                      30/6/2024, then NEET
  R6       P6 F   2022-01-01  Y                  Y 2022-05-01         N6 MLD at Ashley Primary, ceased
                                                                      2024-09-30 (needs met) -> coverage from 2024
  R7       P7 M   2024-06-01  N 2024-07-01 (30)
  R8       P8 F   2025-03-01  A (pending)                             open case, Alice (North)
  R9       P9 M   2024-05-01  Y 2024-06-05 (35)  N 2024-08-01 (92)
  R10      P10 F  2024-07-01  Y 2024-08-01 (31)  N 2024-12-01 (153)

Censuses in range: 18 Jan 2024 (N5, N6 open) and 16 Jan 2025 (N1-N5 open).
"""

from __future__ import annotations

import logging

import pytest

from indicators.cache import SimpleCache
from indicators.catalogue import local_query_path
from indicators.engine import (
    DRILL_FILTERS,
    FAMILY_MARKER,
    LOCAL_FRAME,
    Engine,
    NotAvailable,
    NotPermitted,
    UnknownArea,
    UnknownBreakdown,
    UnknownIndicator,
    UnknownPeriod,
)
from indicators.testing import fixture_warehouse
from indicators.vocabulary import Audience

LA = "E06000023"

# (indicator, period, breakdown, breakdown value, numerator, denominator, value) worked out by hand.
EXPECTED = [
    # 20 weeks: A1 timely; A2, A4 late; A3 left out (mediation before issue)
    ("ehcp_issued_20wk", "2024", "Total", "Total", 1, 3, 33.3),
    ("ehcp_issued_20wk", "2024", "sex", "Female", 1, 2, 50.0),  # A1, A4
    ("ehcp_issued_20wk", "2024", "sex", "Male", 0, 1, 0.0),  # A2
    ("ehcp_issued_20wk", "2024", "team", "South", 1, 2, 50.0),  # R1 (reassigned to Bob), R4
    ("ehcp_issued_20wk", "2024", "team", "North", 0, 1, 0.0),  # R2
    ("ehcp_issued_20wk", "2024", "primary_need", "Autistic spectrum disorder", 1, 1, 100.0),
    # months by the date the request was received: R1 (January) on time, R2 (February) late
    ("ehcp_issued_20wk", "2024-01", "Total", "Total", 1, 1, 100.0),
    ("ehcp_issued_20wk", "2024-02", "Total", "Total", 0, 1, 0.0),
    ("ehcp_issued_20wk_ex", "2024", "Total", "Total", 1, 2, 50.0),  # A2 (exception) also out
    ("ehcp_new_plans", "2024", "Total", "Total", 4, None, 4),
    ("ehcp_new_plans", "2024", "timeliness_band", "Within 20 weeks", 2, None, 2),  # A1, A3
    ("ehcp_new_plans", "2024", "timeliness_band", "Over 20 weeks, within a year", 2, None, 2),  # A2, A4
    ("ehcp_requests", "2024", "Total", "Total", 7, None, 7),  # R5, R6 are before coverage
    ("ehcp_requests", "2025", "Total", "Total", 1, None, 1),
    ("ehcp_requests", "2024", "request_source", "School or setting", 4, None, 4),  # R2, R3, R9, R10
    ("ehcp_requests", "2024", "ward", "Ashley", 4, None, 4),  # P1, P2, P7, P10
    ("requests_agreed", "2024", "Total", "Total", 6, 7, 85.7),
    ("requests_agreed", "2025", "Total", "Total", 0, 1, 0.0),
    ("requests_decided_6wk", "2024", "Total", "Total", 5, 7, 71.4),  # R2 (48) and R4 (52) late
    ("requests_decided_6wk", "2025", "Total", "Total", 0, 1, 0.0),  # R8 undecided 121 days on: late
    ("assessments_not_issued_16wk", "2024", "Total", "Total", 1, 2, 50.0),  # A9 92 days, A10 153
    ("health_advice_6wk", "2024", "Total", "Total", 1, 3, 33.3),  # H1 36 days; H2 55; H3 never; H4 not due
    ("health_advice_6wk", "2024", "advice_type", "Health", 1, 1, 100.0),
    ("annual_reviews_held", "2024", "Total", "Total", 1, 2, 50.0),  # V1 held, V2 not
    ("annual_reviews_held", "2025", "Total", "Total", 1, 1, 100.0),  # V3; V4 not yet due
    ("annual_reviews_4wk", "2024", "Total", "Total", 1, 1, 100.0),  # V1 decided in 21 days
    ("annual_reviews_4wk", "2025", "Total", "Total", 0, 1, 0.0),  # V3 in 41 days
    ("families_listened", "2024", "Total", "Total", 1, 1, 100.0),
    ("families_listened", "2025", "Total", "Total", 0, 1, 0.0),
    ("ehcp_caseload", "202324", "Total", "Total", 2, None, 2),
    ("ehcp_caseload", "202425", "Total", "Total", 5, None, 5),
    ("ehcp_caseload", "202425", "ward", "Bedminster", 3, None, 3),  # P3, P4, P5
    ("ehcp_caseload", "202425", "age_band", "16 to 19", 2, None, 2),  # P3 (17), P5 (18)
    ("ehcp_caseload", "2024-06", "Total", "Total", 3, None, 3),  # 30 June 2024: N1, N5, N6
    ("ehcp_caseload", "2024-10", "Total", "Total", 5, None, 5),  # N6 ceased, N4 started
    ("ehcp_rate_0_25", "202324", "Total", "Total", 2, 48000, 0.4),
    ("ehcp_rate_0_25", "202425", "Total", "Total", 5, 50000, 1.0),
    ("ehcp_rate_0_25", "202425", "ward", "Ashley", 2, 10000, 2.0),
    ("ehcp_rate_0_25", "202425", "ward", "Bedminster", 3, 40000, 0.8),  # 0.75 rounds half up
    ("ehcp_ceased", "2024", "Total", "Total", 1, None, 1),
    ("ehcp_ceased", "2024", "cease_reason", "Needs met without a plan", 1, None, 1),
    ("awaiting_placement", "202425", "Total", "Total", 1, None, 1),  # N4
    ("awaiting_placement", "202324", "Total", "Total", 0, None, 0),
    ("send_appeals", "2024", "Total", "Total", 2, None, 2),
    ("send_appeals", "2025", "Total", "Total", 1, None, 1),
    ("send_appeals", "2024", "appeal_type", "Refusal to issue a plan", 1, None, 1),
    ("send_appeals_rate", "2024", "Total", "Total", 2, 50000, 0.4),
    ("mediation_cases", "2024", "Total", "Total", 1, None, 1),
    ("personal_budgets", "202425", "Total", "Total", 2, None, 2),
    ("personal_budgets", "202425", "budget_type", "Education", 1, None, 1),
    ("personal_budgets", "202324", "Total", "Total", 0, None, 0),
    ("settings_good_outstanding", "202425", "Total", "Total", 2, 4, 50.0),
    ("settings_good_outstanding", "202425", "phase", "Special", 1, 1, 100.0),
    ("sen_support_pupils", "202425", "Total", "Total", 3, None, 3),
    ("sen_support_pupils", "202425", "phase", "Primary", 2, None, 2),
    ("sen_support_pupils", "202425", "primary_need", "Specific learning difficulty", 1, None, 1),
    ("sen_prevalence_school", "202425", "Total", "Total", 5, 1900, 0.3),
    ("sen_prevalence_school", "202425", "school", "Ashley Primary (test)", 3, 300, 1.0),  # 2 support + N1
    ("sen_prevalence_school", "202425", "school", "Bedminster Secondary (test)", 1, 1000, 0.1),
    ("ehcp_primary_need", "202425", "primary_need", "Autistic spectrum disorder", 2, 5, 40.0),
    ("ehcp_primary_need", "202425", "primary_need", "Other difficulty or disability", 1, 5, 20.0),  # DS
    ("ehcp_setting_mix", "202425", "setting", "Special school", 1, 5, 20.0),
    ("ehcp_setting_mix", "202425", "setting", "School outside the area", 1, 5, 20.0),
    ("ehcp_setting_mix", "202425", "setting", "Educated elsewhere", 1, 5, 20.0),  # N5 NEET
    ("ehcp_setting_mix", "202324", "setting", "Further education", 1, 2, 50.0),  # N5 at college
    ("ehcp_social_care", "202425", "Total", "Total", 2, None, 2),
    ("ehcp_social_care", "202425", "social_care", "Looked after", 1, None, 1),
    ("out_of_area_placements", "202425", "Total", "Total", 1, None, 1),
    ("residential_placements", "202425", "Total", "Total", 1, None, 1),
    ("send_in_mainstream", "202425", "Total", "Total", 1, 5, 20.0),
    # N2's Bedminster Special is a community special school and N3's school is not on the list: a true zero
    ("ehcp_independent_special", "202425", "Total", "Total", 0, 5, 0.0),
    ("send_in_mainstream", "202324", "Total", "Total", 1, 2, 50.0),
    ("ehcp_neet", "202425", "Total", "Total", 1, None, 1),
    ("ehcp_neet", "202324", "Total", "Total", 0, None, 0),
    ("supported_internships", "202324", "Total", "Total", 1, None, 1),
    ("supported_internships", "202425", "Total", "Total", 0, None, 0),
]

# Partner template rows (aggregate_measures.csv), worked out by hand: (indicator, period, breakdown value, value).
AGGREGATE = [
    ("personal_health_budgets", "2024-Q1", "Total", 12),
    ("nhs_notifications_0_5", "2024-Q2", "Total", 30),  # value blank: the numerator
    ("graduated_approach", "202324", "Total", 75.0),  # 45 / 60; 2023/24 -> 202324
    ("graduated_approach", "202324", "Secondary", 62.5),  # 15 / 24
    ("lac_review_aligned", "2024-Q1", "Total", 75.0),
    ("pcf_coproduction", "202324", "Total", 3.5),  # 3.45 to one place, half up; 2023-24 -> 202324
    ("local_offer_rating", "2024-Q3", "Total", 55.0),  # 33 / 60
    ("relationships_360", "202324", "Total", 3.5),  # no total supplied: mean of 3.0 and 4.0
    ("providers_good_outstanding", "2024-Q1", "Total", 77.3),  # (8 + 9) / (10 + 12)
    ("settings_special_measures", "2024-Q1", "Total", 2),
    ("early_help_send", "2024-Q1", "Total", 150),
    ("yjs_send_caseload", "2024-Q1", "Total", 8),
    ("dynamic_support_register", "2024-03", "Total", 12),  # 7 (0-18) + 5 (18-25)
    ("continuing_care", "2024-Q1", "Total", 6),
    ("camhs_caseload_sen", "2024-03", "Total", 140),
    ("camhs_wait_weeks", "2024-03", "Total", 12.3),  # 12.25 half up
    ("hospital_admissions", "202324", "Total", 26.0),  # 18.8 + 7.2
    ("short_breaks", "2024-Q1", "Total", 210),
    ("young_carers", "2024-Q1", "Total", 450),
    ("gp_ld_register", "202324", "Total", 275),
    ("ld_health_checks", "202324", "Total", 72.0),  # 198 / 275
    ("neet_16_17_send", "2024-03", "Total", 7.5),  # 9 / 120
    ("leisure_participation", "202324", "Total", 52.0),
    ("parent_carer_confidence", "202324", "Total", 50.0),
    ("adults_ld_settled_home", "202324", "Total", 80.0),
    ("permanent_exclusions_ehcp", "202324", "Total", 4),
    ("absence_send", "202324", "Total", 9.0),  # 900 / 10000
    ("absence_send", "202324", "EHC plan", 12.5),  # 500 / 4000
    ("persistent_absence_send", "202324", "Total", 30.0),
    ("suspensions_send", "202324", "Total", 5.0),
    ("ks1_expected_send", "202324", "Total", 25.0),
    ("ks4_grade5_em_send", "202324", "Total", 12.0),
    ("ks5_destinations_send", "202324", "Total", 70.0),
]


@pytest.fixture(scope="module")
def engine():
    engine = Engine(fixture_warehouse(), cache=SimpleCache())
    yield engine
    engine.close()


def _row(frame, period, breakdown, value):
    rows = frame[(frame["period"] == period) & (frame["breakdown"] == breakdown)
                 & (frame["breakdown_value"] == value)]
    assert len(rows) == 1, f"expected one row for {period} {breakdown}={value}, got\n{frame}"
    return rows.iloc[0]


@pytest.mark.parametrize("indicator, period, breakdown, value_label, numerator, denominator, value", EXPECTED)
def test_local_indicator_matches_hand_worked_figure(engine, indicator, period, breakdown, value_label, numerator,
                                                    denominator, value):
    result = engine.result(indicator, LA, Audience.OFFICER, period=period,
                           breakdown=None if breakdown == "Total" else breakdown, official=False)
    assert result.source == "local"
    row = _row(result.frame, period, breakdown, value_label)
    assert row["numerator"] == numerator
    if denominator is None:
        assert row["denominator"] != row["denominator"]  # NaN: a count has no denominator
    else:
        assert row["denominator"] == denominator
    assert row["value"] == pytest.approx(value)
    assert row["status"] == "value"


@pytest.mark.parametrize("indicator, period, breakdown, value_label, numerator, denominator, value", EXPECTED)
def test_every_breakdown_from_one_query_gives_the_hand_worked_figure(engine, indicator, period, breakdown,
                                                                     value_label, numerator, denominator, value):
    """As the facts build and the protected figures ask: all of an indicator's breakdowns from one pass over
    its records. Each still counts only its own rows (ehcp_rate_0_25: the wards' population estimates make up
    the rate by ward, the area's estimate the all-children rate)."""
    chosen = engine.indicator(indicator)
    offered = engine.breakdowns_for(chosen, "local", Audience.OFFICER)
    frames = engine._local_breakdowns(chosen, offered, len(period) == 7)  # a month (2024-01) or a year
    assert list(frames) == offered
    row = _row(engine._tidy(chosen, "local", frames[breakdown]), period, breakdown, value_label)
    assert row["numerator"] == numerator
    if denominator is None:
        assert row["denominator"] != row["denominator"]
    else:
        assert row["denominator"] == denominator
    assert row["value"] == pytest.approx(value)


@pytest.mark.parametrize("indicator, period, value_label, value", AGGREGATE)
def test_partner_measure_matches_the_template(engine, indicator, period, value_label, value):
    breakdown = None
    if value_label != "Total":
        breakdown = engine.indicator(indicator).aggregate.breakdowns[0]
    result = engine.result(indicator, LA, Audience.OFFICER, period=period, breakdown=breakdown, official=False)
    assert result.source == "aggregate"
    row = _row(result.frame, period, breakdown or "Total", value_label)
    assert row["value"] == pytest.approx(value)


def test_every_local_and_partner_indicator_has_a_hand_worked_check(engine):
    checked = {e[0] for e in EXPECTED} | {a[0] for a in AGGREGATE}
    local_or_partner = {i.id for i in engine.catalogue if i.local or i.aggregate}
    assert local_or_partner - checked == set()


def test_a_rate_without_a_population_is_not_applicable(engine):
    row = _row(engine.result("send_appeals_rate", LA, Audience.OFFICER).frame, "2025", "Total", "Total")
    assert row["status"] == "z" and row["value"] != row["value"]


# --- disclosure inside the engine -----------------------------------------------------------------------------

def test_partner_sees_small_local_counts_suppressed(engine):
    officer = _row(engine.result("ehcp_caseload", LA, Audience.OFFICER, period="202425", official=False).frame,
                   "202425", "Total", "Total")
    partner = _row(engine.result("ehcp_caseload", LA, Audience.PARTNER, period="202425", official=False).frame,
                   "202425", "Total", "Total")
    assert officer["value"] == 5
    assert partner["status"] == "c" and partner["value"] != partner["value"]


def test_partner_true_zero_stays_zero(engine):
    row = _row(engine.result("awaiting_placement", LA, Audience.PARTNER, period="202324", official=False).frame,
               "202324", "Total", "Total")
    assert row["value"] == 0 and row["status"] == "value"


def test_public_counts_are_rounded_to_five(engine):
    row = _row(engine.result("personal_health_budgets", LA, Audience.PUBLIC).frame, "2024-Q1", "Total", "Total")
    assert row["value"] == 10  # 12 to the nearest 5


def test_published_figures_pass_through_for_every_audience(engine):
    frames = [engine.result("ehcp_caseload", LA, a, period="202425", source="national").frame for a in Audience]
    for frame in frames:
        assert _row(frame, "202425", "Total", "Total")["value"] == 4931  # caseload.csv, Bristol, January 2025


# --- the rules of the engine ----------------------------------------------------------------------------------

def test_audience_is_required_and_checked(engine):
    with pytest.raises(TypeError):
        engine.result("ehcp_caseload", LA)  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        engine.result("ehcp_caseload", LA, "mayor")


@pytest.mark.parametrize("call, error, choice", [
    (lambda e: e.result("no_such_indicator", LA, Audience.OFFICER), UnknownIndicator, "ehcp_caseload"),
    (lambda e: e.result("ehcp_caseload", "E99999999", Audience.OFFICER), UnknownArea, "E06000023"),
    (lambda e: e.result("ehcp_caseload", LA, Audience.OFFICER, period="1999"), UnknownPeriod, "202425"),
    (lambda e: e.result("ehcp_caseload", LA, Audience.OFFICER, breakdown="sex; DROP TABLE person"),
     UnknownBreakdown, "ward"),
    (lambda e: e.result("health_advice_6wk", "E92000001", Audience.OFFICER), NotAvailable, LA),
])
def test_unknown_choices_are_refused_before_any_query(engine, call, error, choice):
    with pytest.raises(error) as raised:
        call(engine)
    assert choice in raised.value.choices


@pytest.mark.parametrize("name", ["role", "postcode", "detail"])  # allowlisted but published-only; unknown; the old catch-all
def test_local_sql_refuses_a_breakdown_it_does_not_build(engine, monkeypatch, name):
    indicator = engine.catalogue.get("ehcp_ceased")
    ran = []
    monkeypatch.setattr(Engine, "_query", lambda self, sql, params: ran.append(sql))
    with pytest.raises(UnknownBreakdown) as raised:
        engine._local(indicator, name, False)
    assert ran == [] and "cease_reason" in raised.value.choices  # refused before any SQL ran
    monkeypatch.undo()
    # and the SQL itself stops rather than guess a column, should a name ever get past the engine
    sql = LOCAL_FRAME.read_text().replace(FAMILY_MARKER, local_query_path(indicator.local).read_text())
    params = {"measure": "ceased", "breakdowns": [name], "granularity": "calendar_year", "monthly": False, "period": "",
              "value": "count", "scale": 1.0, "area_code": LA, "area_name": "Bristol", "reference_date": "2025-06-30",
              **{f"only_{k}": "" for k in DRILL_FILTERS}}
    # (a name that is no column of the records stops it as it binds; one that is, but no breakdown, as it runs)
    with pytest.raises(Exception, match=f'no local breakdown {name}|"{name}" was selected but was not found'):
        engine._query(sql, params)
    with pytest.raises(Exception, match="no local breakdown person_id"):
        engine._query(sql, {**params, "breakdowns": ["person_id"]})


def test_old_la_codes_are_accepted(engine):
    assert engine.area("801").code == LA


def test_case_list_is_for_officers_only_and_audited(engine, caplog):
    for audience in (Audience.PARTNER, Audience.PUBLIC):
        with pytest.raises(NotPermitted):
            engine.case_list(audience, user="someone")
    with caplog.at_level(logging.INFO, logger="indicators.audit"):
        cases = engine.case_list(Audience.OFFICER, user="officer.one")
    assert list(cases["request_id"]) == ["R8"]
    case = cases.iloc[0]
    assert case["stage"] == "Awaiting decision to assess"
    assert str(case["due_date"])[:10] == "2025-04-12"  # 1 March + 42 days
    assert case["days_open"] == 121 and case["clock"] == "Breached"
    assert case["team"] == "North" and case["caseworker"] == "Alice Test"
    assert any("officer.one" in r.getMessage() for r in caplog.records)
    assert engine.case_list(Audience.OFFICER, user="officer.one", team="South").empty


def test_results_are_cached_by_warehouse_version(engine, monkeypatch):
    calls = []
    original = Engine._tidy  # once for every frame computed, alone or with the other breakdowns of its query

    def counting(self, *args):
        calls.append((args[0].id, args[1]))
        return original(self, *args)

    monkeypatch.setattr(Engine, "_tidy", counting)
    fresh = Engine(fixture_warehouse(), cache=SimpleCache())
    fresh.result("ehcp_requests", LA, Audience.PUBLIC)
    # The public's figures are protected as whole families: every breakdown by year, and months, once each; and
    # the published figures that stand in for the years DfE has published, once.
    indicator = fresh.indicator("ehcp_requests")
    assert sorted(calls).count(("ehcp_requests", "national")) == 1
    assert len(calls) == len(fresh.breakdowns_for(indicator, "local", Audience.PUBLIC)) + 1 + 1
    first = len(calls)
    fresh.result("ehcp_requests", LA, Audience.PARTNER, period="2024")
    fresh.result("ehcp_requests", LA, Audience.PARTNER, breakdown="ward")
    assert len(calls) == first  # another audience, period or breakdown reads the same cached frames
    key = fresh._key("frame", "ehcp_requests")
    assert fresh.version in key and fresh.catalogue.digest in key
    fresh.close()


def test_benchmark_has_direction_target_and_forecast(engine):
    block = engine.benchmark("ehcp_requests", LA, Audience.OFFICER)
    assert block.period == "2024"  # 2025 has not ended on 30 June 2025
    assert block.value == 1605 and block.value_source == "published"  # requests.csv, Bristol 2024, not 7 local
    timely = engine.benchmark("ehcp_issued_20wk", LA, Audience.OFFICER)
    assert timely.target.target == 60 and timely.target.rag == "red"  # 17.3 misses 60 by > 10
    assert timely.published.la_value == 17.3  # Bristol 2024, timeliness_20_week.csv
    assert "forecast" in block.model_fields_set


def test_the_app_engine_uses_flask_caching(tmp_path, monkeypatch):
    import shutil

    from flask import Flask

    from indicators.engine import shared_engine

    monkeypatch.setenv("SEND_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SEND_CACHE_REDIS_URL", raising=False)
    live = tmp_path / "warehouse.duckdb"
    shutil.copyfile(fixture_warehouse(), live)
    app = Flask("test")
    engine = shared_engine(app, live)
    # flask-caching on the file system by default, pruned in one pass, and failing soft (a miss, never an error)
    assert type(engine.cache).__name__ == "FailSoft" and type(engine.cache.cache).__name__ == "Cache"
    assert type(engine.cache.cache.cache).__name__ == "BatchPrunedFileCache"
    first = engine.show("ehcp_requests", LA, Audience.PARTNER)
    assert any((tmp_path / "cache").iterdir())
    assert shared_engine(app, live) is engine
    assert engine.show("ehcp_requests", LA, Audience.PARTNER) == first  # served from the file cache


def _requests_in_2025(engine) -> int:
    rows = engine.show("ehcp_requests", LA, Audience.OFFICER, period="2025").rows
    return next(r.value for r in rows if r.period == "2025" and r.breakdown == "Total")


def test_a_new_load_goes_live_in_a_running_process(tmp_path, monkeypatch):
    """A second load swapped in under the same name is what the next call reads: its version and its figures,
    although the first load's engine (and so its file) is still open, and its results are in the cache."""
    import shutil

    from flask import Flask

    from indicators.engine import shared_engine
    from indicators.testing import build_warehouse, second_extract

    monkeypatch.setenv("SEND_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("SEND_CACHE_REDIS_URL", raising=False)
    live = tmp_path / "warehouse.duckdb"
    shutil.copyfile(fixture_warehouse(), live)
    app = Flask("test")
    first = shared_engine(app, live)
    assert _requests_in_2025(first) == 1  # R8
    assert first.status().table_rows["request"] == 10

    build_warehouse(live, [second_extract(tmp_path / "second")])
    second = shared_engine(app, live)
    assert second.version != first.version
    assert second.info["version"] == second.status().info["version"] == second.version
    assert _requests_in_2025(second) == 2  # R8 and R11
    assert second.status().table_rows["request"] == 11
    assert shared_engine(app, live) is second
    assert _requests_in_2025(first) == 1  # a request that began on the first load finishes on it


def test_warm_fills_the_cache_for_every_source(engine):
    fresh = Engine(fixture_warehouse(), cache=SimpleCache())
    assert fresh.warm(["ehcp_caseload", "graduated_approach"]) == 3  # local + national, aggregate
    assert fresh.cache.get(fresh._key("frame", "ehcp_caseload", "national", "Total", 0, ())) is not None
    fresh.close()


def _independent_special_extract(folder):
    """The fixture extract with N2's school (Bedminster Special, URN 100002) made an independent special school,
    as GIAS names it, and N3 placed at a non-maintained special school (new URN 100004) instead of URN 999999."""
    import shutil

    from indicators.testing import FIXTURE_DIR

    shutil.copytree(FIXTURE_DIR, folder)
    schools = (folder / "schools.csv").read_text(encoding="utf-8")
    schools = schools.replace("Special,Community special school", "Special,Other independent special school")
    schools += "100004,Clifton House (test),Special,Non-maintained special school,E05010885,2,60\n"
    (folder / "schools.csv").write_text(schools, encoding="utf-8")
    placements = (folder / "placementdetail.csv").read_text(encoding="utf-8")
    (folder / "placementdetail.csv").write_text(placements.replace("PL3,AP3,999999,", "PL3,AP3,100004,"),
                                                encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def independent_engine(tmp_path_factory):
    from indicators.testing import build_warehouse

    folder = tmp_path_factory.mktemp("independent")
    target = build_warehouse(folder / "warehouse.duckdb", [_independent_special_extract(folder / "extract")])
    engine = Engine(target, cache=SimpleCache())
    yield engine
    engine.close()


# Worked out by hand. Census 16 Jan 2025: N1-N5 open; N2 (SEMH) at the independent special school, N3 (ASD) at
# the non-maintained one; N1 (ASD) at Ashley Primary, N4 unplaced, N5 NEET. Census 18 Jan 2024: N5 at college,
# N6 at Ashley Primary. 31 October 2024: N1-N5 open (N6 ceased on 30 September), N2 and N3 placed as above.
INDEPENDENT = [
    ("202425", None, "Total", 2, 5, 40.0),
    ("202425", "primary_need", "Autistic spectrum disorder", 1, 2, 50.0),  # N3 of N1, N3
    ("202425", "primary_need", "Social, emotional and mental health", 1, 1, 100.0),  # N2
    ("202324", None, "Total", 0, 2, 0.0),
    ("2024-10", None, "Total", 2, 5, 40.0),
]


@pytest.mark.parametrize("period, breakdown, value_label, numerator, denominator, value", INDEPENDENT)
def test_independent_special_share_on_a_hand_built_extract(independent_engine, period, breakdown, value_label,
                                                          numerator, denominator, value):
    result = independent_engine.result("ehcp_independent_special", LA, Audience.OFFICER, period=period,
                                       breakdown=breakdown, official=False)
    row = _row(result.frame, period, breakdown or "Total", value_label)
    assert (row["numerator"], row["denominator"], row["value"]) == (numerator, denominator, pytest.approx(value))


def test_independent_special_share_goes_through_disclosure_control(independent_engine):
    """Two children of five: officers see the figure; partners and the public a suppressed one."""
    for audience in (Audience.PARTNER, Audience.PUBLIC):
        frame = independent_engine.result("ehcp_independent_special", LA, audience, period="202425",
                                          official=False).frame
        row = _row(frame, "202425", "Total", "Total")
        assert row["status"] == "c" and row["value"] != row["value"], audience  # suppressed: no value (NaN)


def _outside_school_extract(folder):
    """The fixture extract whose schools list also carries N3's school, URN 999999, as the council records it:
    an independent special school outside the area (in_area 0, no ward), with an Ofsted grade and a roll. The
    fixture's own schools leave in_area blank (in the area), but for Bedminster Special, which says 1."""
    import shutil

    from indicators.testing import FIXTURE_DIR

    shutil.copytree(FIXTURE_DIR, folder)
    lines = (folder / "schools.csv").read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",in_area"] + [line + (",1" if line.startswith("100002,") else ",") for line in lines[1:]]
    lines.append("999999,Westbury House (test),Special,Other independent special school,,1,80,0")
    (folder / "schools.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def outside_engine(tmp_path_factory):
    from indicators.testing import build_warehouse

    folder = tmp_path_factory.mktemp("outside")
    target = build_warehouse(folder / "warehouse.duckdb", [_outside_school_extract(folder / "extract")])
    engine = Engine(target, cache=SimpleCache())
    yield engine
    engine.close()


# Worked out by hand. Census 16 Jan 2025: N1-N5 open, N3 (ASD) placed at Westbury House: counted as an
# independent special school, yet still a school outside the area (its own name never shown, its grade and roll
# in none of the area's school measures, so those keep the fixture's figures in EXPECTED).
OUTSIDE = [
    ("ehcp_independent_special", "202425", "Total", "Total", 1, 5, 20.0),
    ("ehcp_independent_special", "202425", "primary_need", "Autistic spectrum disorder", 1, 2, 50.0),  # N1, N3
    ("ehcp_independent_special", "202324", "Total", "Total", 0, 2, 0.0),  # N5 at college, N6 at Ashley Primary
    ("ehcp_setting_mix", "202425", "setting", "School outside the area", 1, 5, 20.0),
    ("ehcp_setting_mix", "202425", "setting", "Special school", 1, 5, 20.0),  # N2 at Bedminster Special
    ("out_of_area_placements", "202425", "Total", "Total", 1, None, 1),
    ("ehcp_caseload", "202425", "school", "School outside the area", 1, None, 1),  # N3's placement
    ("settings_good_outstanding", "202425", "Total", "Total", 2, 4, 50.0),  # not 3 of 5 with Westbury's grade 1
    ("sen_prevalence_school", "202425", "Total", "Total", 5, 1900, 0.3),  # not 6 / 1980 with Westbury's roll
]


@pytest.mark.parametrize("indicator, period, breakdown, value_label, numerator, denominator, value", OUTSIDE)
def test_a_school_listed_outside_the_area_counts_by_its_type_and_stays_outside(
        outside_engine, indicator, period, breakdown, value_label, numerator, denominator, value):
    result = outside_engine.result(indicator, LA, Audience.OFFICER, period=period,
                                   breakdown=None if breakdown == "Total" else breakdown, official=False)
    row = _row(result.frame, period, breakdown, value_label)
    assert row["numerator"] == numerator and row["value"] == pytest.approx(value)
    if denominator is None:
        assert row["denominator"] != row["denominator"]  # NaN: a count has no denominator
    else:
        assert row["denominator"] == denominator


def test_a_school_listed_outside_the_area_is_never_named(outside_engine):
    frame = outside_engine.result("ehcp_caseload", LA, Audience.OFFICER, period="202425", breakdown="school",
                                  official=False).frame
    assert "Westbury House (test)" not in set(frame["breakdown_value"])
