"""Statutory clocks with open cases: hand-built extracts whose truth is known, each read at two reference dates.

Every clock measure gets one month of ten cases, built the same way:

  3 events on time, 2 events late (both before the first reference date),
  5 with no event: 2 whose deadline passed before the first reference date, 3 still inside their clock then.

At the first reference date (15 June 2025) the month is provisional: rate = 3 / (3 + 2 + 2), 3 pending.
At the second (31 January 2026) every deadline has passed: settled, rate = 3 / 10.
(The 12-month review counts a review held late as held, as DfE's "review meeting recorded" does, so there
the rate is (3 + 2) / (5 + 2) and then 5 / 10.)

Each measure's month is its own, so the cases of one measure (an agreed request also starts a 20-week clock)
do not fall in another's month:

  measure                      clock    month judged by                    month
  requests_decided_6wk          42 d    request received                   2025-05
  ehcp_issued_20wk             140 d    request received (agreed)          2025-01
  assessments_not_issued_16wk  112 d    request received (agreed)          2025-02
  health_advice_6wk             42 d    advice requested                   2025-05
  annual_reviews_4wk            28 d    review meeting                     2025-05
  annual_reviews_held          due date review due                         2025-06
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from dashboard import figures, narrative
from indicators.engine import Engine
from indicators.testing import build_warehouse
from indicators.vocabulary import Audience

LA = "E06000023"
FIRST, SECOND = "2025-06-15", "2026-01-31"
D = date.fromisoformat

PERSON = ["persontableid", "surname", "forename", "personbirthdate", "sex", "ethnicity", "upn"]
REQUEST = ["requeststableid", "persontableid", "receiveddate", "requestsource", "rya", "requestoutcomedate",
           "requestoutcome", "requestmediation", "requesttribunal"]
ASSESSMENT = ["assessmenttableid", "requeststableid", "assessmentoutcome", "assessmentoutcomedate",
              "assessmentmediation", "assessmenttribunal", "othermediation", "othertribunal", "week20"]
ADVICE = ["advice_id", "request_id", "advice_type", "provider", "requested_date", "due_date", "returned_date"]
REVIEW = ["review_id", "request_id", "due_date", "meeting_date", "outcome", "decision_date", "family_felt_listened"]


def _write(folder: Path, name: str, header: list[str], rows: list[list[object]]) -> None:
    with (folder / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([["" if v is None else str(v) for v in row] for row in rows])


class Extract:
    """Rows of a small extract; every request gets a child of its own."""

    def __init__(self) -> None:
        self.people: list[list[object]] = []
        self.requests: list[list[object]] = []
        self.assessments: list[list[object]] = []
        self.advice: list[list[object]] = []
        self.reviews: list[list[object]] = []

    def request(self, received: str, decided: str | None = None, outcome: str = "A") -> str:
        n = len(self.requests) + 1
        person, request = f"P{n}", f"R{n}"
        self.people.append([person, "Test", f"Child{n}", "2015-01-01", "F" if n % 2 else "M", "WBRI", ""])
        self.requests.append([request, person, received, "1", "0", decided, outcome, "0", "0"])
        return request

    def assessment(self, received: str, issued: str | None, outcome: str) -> None:
        """An agreed request (decided a week later) and its assessment; outcome A with no date = still open."""
        request = self.request(received, str(D(received) + timedelta(days=7)), "Y")
        self.assessments.append([f"A{len(self.assessments) + 1}", request, outcome, issued, "0", "0", "0", "0", "0"])

    def build(self, folder: Path, reference_date: str) -> Engine:
        source = folder / "extract"
        source.mkdir(parents=True, exist_ok=True)
        _write(source, "person.csv", PERSON, self.people)
        _write(source, "requests.csv", REQUEST, self.requests)
        if self.assessments:
            _write(source, "assessment.csv", ASSESSMENT, self.assessments)
        if self.advice:
            _write(source, "health_advice.csv", ADVICE, self.advice)
        if self.reviews:
            _write(source, "reviews.csv", REVIEW, self.reviews)
        path = build_warehouse(folder / "warehouse.duckdb", [source], reference_date=reference_date)
        return Engine(path)


def _clock_extract() -> Extract:
    x = Extract()
    # 6 weeks (42 days) from receipt to the decision to assess or not: May 2025
    x.request("2025-05-01", "2025-05-20", "Y")  # 19 days: on time
    x.request("2025-05-02", "2025-05-30", "N")  # 28: on time
    x.request("2025-05-03", "2025-06-10", "Y")  # 38: on time
    x.request("2025-05-01", "2025-06-13", "Y")  # 43: late
    x.request("2025-05-02", "2025-06-14", "N")  # 43: late
    x.request("2025-05-01")  # undecided, due 12 June: late by 15 June
    x.request("2025-05-02")  # undecided, due 13 June: late
    x.request("2025-05-10")  # undecided, due 21 June: pending on 15 June
    x.request("2025-05-20")  # due 1 July: pending
    x.request("2025-05-30")  # due 11 July: pending
    # 20 weeks (140 days) from receipt to the plan: January 2025
    x.assessment("2025-01-05", "2025-05-01", "Y")  # 116 days: on time
    x.assessment("2025-01-06", "2025-05-20", "Y")  # 134: on time
    x.assessment("2025-01-07", "2025-04-01", "Y")  # 84: on time
    x.assessment("2025-01-02", "2025-06-01", "Y")  # 150: late
    x.assessment("2025-01-03", "2025-06-10", "Y")  # 158: late
    x.assessment("2025-01-10", None, "A")  # open, due 30 May: late
    x.request("2025-01-15", "2025-01-22", "Y")  # agreed, no assessment record yet, due 4 June: late
    x.assessment("2025-01-26", None, "A")  # open, due 15 June: still running on its last day
    x.assessment("2025-01-28", None, "A")  # due 17 June: pending
    x.request("2025-01-31", "2025-02-07", "Y")  # no assessment record, due 20 June: pending
    # 16 weeks (112 days) from receipt to a decision not to issue a plan: February 2025
    x.assessment("2025-02-03", "2025-04-01", "N")  # 57 days: on time
    x.assessment("2025-02-04", "2025-05-01", "N")  # 86: on time
    x.assessment("2025-02-05", "2025-05-28", "N")  # 112: on time (the last day)
    x.assessment("2025-02-01", "2025-06-01", "N")  # 120: late
    x.assessment("2025-02-02", "2025-06-05", "N")  # 123: late
    x.assessment("2025-02-01", None, "A")  # open, due 24 May: late
    x.assessment("2025-02-10", None, "A")  # due 2 June: late
    x.assessment("2025-02-23", None, "A")  # due 15 June: pending
    x.assessment("2025-02-25", None, "A")  # due 17 June: pending
    x.assessment("2025-02-28", None, "A")  # due 20 June: pending
    # advice due 6 weeks (42 days) after it was requested: May 2025 (for the first request's child)
    advice = [("2025-05-01", "2025-05-20"), ("2025-05-02", "2025-05-30"), ("2025-05-03", "2025-06-14"),  # on time
              ("2025-05-01", "2025-06-13"), ("2025-05-02", "2025-06-14"),  # 43 days: late
              ("2025-05-01", None), ("2025-05-03", None),  # due 12 and 14 June: late
              ("2025-05-04", None), ("2025-05-15", None), ("2025-05-31", None)]  # due 15 June on: pending
    for i, (asked, back) in enumerate(advice, 1):
        due = D(asked) + timedelta(days=42)
        x.advice.append([f"H{i}", "R1", "health", "Community paediatrics", asked, due, back])
    # review decision within 4 weeks (28 days) of the meeting: meetings in May 2025, due in April
    meetings = [("2025-05-01", "2025-05-20"), ("2025-05-03", "2025-05-25"), ("2025-05-04", "2025-06-01"),  # on time
                ("2025-05-01", "2025-06-05"), ("2025-05-02", "2025-06-10"),  # 35 and 39 days: late
                ("2025-05-10", None), ("2025-05-17", None),  # due 7 and 14 June: late
                ("2025-05-18", None), ("2025-05-25", None), ("2025-05-31", None)]  # due 15 June on: pending
    for i, (met, decided) in enumerate(meetings, 1):
        x.reviews.append([f"V{i}", "R2", f"2025-04-{i + 10}", met, "M", decided, ""])
    # 12-month review: reviews due in June 2025
    due = [("2025-06-05", "2025-06-01"), ("2025-06-20", "2025-06-10"), ("2025-06-30", "2025-06-14"),  # before due
           ("2025-06-01", "2025-06-10"), ("2025-06-02", "2025-06-12"),  # held after their due date
           ("2025-06-03", None), ("2025-06-14", None),  # not held, overdue by 15 June
           ("2025-06-15", None), ("2025-06-20", None), ("2025-06-30", None)]  # not held, not yet due
    for i, (when, met) in enumerate(due, 1):
        x.reviews.append([f"W{i}", "R3", when, met, "M" if met else None, None, ""])
    return x


@pytest.fixture(scope="module")
def engines(tmp_path_factory) -> dict[str, Engine]:
    extract = _clock_extract()
    built = {when: extract.build(tmp_path_factory.mktemp(f"clocks-{when}"), when) for when in (FIRST, SECOND)}
    yield built
    for engine in built.values():
        engine.close()


MONTHS = {"requests_decided_6wk": "2025-05", "ehcp_issued_20wk": "2025-01", "assessments_not_issued_16wk": "2025-02",
          "health_advice_6wk": "2025-05", "annual_reviews_4wk": "2025-05", "annual_reviews_held": "2025-06"}
# (numerator, denominator, value, pending) at each reference date, worked out by hand above
TRUTH = {
    FIRST: {i: (3, 7, 42.9, 3) for i in MONTHS} | {"annual_reviews_held": (5, 7, 71.4, 3)},
    SECOND: {i: (3, 10, 30.0, 0) for i in MONTHS} | {"annual_reviews_held": (5, 10, 50.0, 0)},
}


@pytest.mark.parametrize("when", [FIRST, SECOND])
@pytest.mark.parametrize("indicator", list(MONTHS))
def test_open_cases_count_as_late_once_their_deadline_passes(engines, indicator, when):
    engine = engines[when]
    numerator, denominator, value, pending = TRUTH[when][indicator]
    row = engine.result(indicator, LA, Audience.OFFICER, period=MONTHS[indicator]).frame.iloc[0]
    assert (row["numerator"], row["denominator"], row["value"]) == (numerator, denominator, value)
    assert bool(row["provisional"]) is (pending > 0)
    # the cases still inside their clock are counted, and sit in neither numerator nor denominator
    raw = engine._local(engine.indicator(indicator), "Total", True)
    assert raw.loc[raw["period"] == MONTHS[indicator], "pending"].iat[0] == pending


def test_the_twenty_week_year_is_dfe_s_year_of_issue(engines):
    """Years follow DfE's published rule (plans by the year they were issued): a year has no open cases."""
    row = engines[FIRST].result("ehcp_issued_20wk", LA, Audience.OFFICER, period="2025").frame.iloc[0]
    # the ten plans of the January cohort issued by 15 June: the January five (3 on time, 2 late); no others
    assert (row["numerator"], row["denominator"], bool(row["provisional"])) == (3, 5, False)


def test_partners_keep_the_provisional_mark(engines):
    frame = engines[FIRST].result("requests_decided_6wk", LA, Audience.PARTNER, monthly=True).frame
    assert frame.set_index("period")["provisional"].to_dict()["2025-05"]


# --- a provisional period never drives a headline, rating, narrative, trend test or forecast ----------------

def _flip_extract() -> Extract:
    """Decisions within 6 weeks: 90% in 2025 and 20% in 2026 (settled); 2027 is 20% in June and then 40 quick
    decisions in December with 5 requests still inside their 6 weeks on 20 January 2028, so the year 2027
    (ended, but provisional) reads 48 / 80 = 60% and December 100%. Used, it would flip every finding."""
    x = Extract()
    for year, on_time in (("2025", 36), ("2026", 8), ("2027", 8)):
        for i in range(40):
            x.request(f"{year}-06-01", f"{year}-06-20" if i < on_time else f"{year}-08-01", "Y")
    for _ in range(40):
        x.request("2027-12-20", "2027-12-27", "Y")
    for _ in range(5):
        x.request("2027-12-20")  # due 31 January 2028: still running on 20 January
    return x


@pytest.fixture(scope="module")
def flip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clocks-flip")
    targets = folder / "targets.yaml"
    targets.write_text(f"area_code: {LA}\ntargets:\n  requests_decided_6wk:\n    target: 50\n", encoding="utf-8")
    patch = pytest.MonkeyPatch()
    patch.setenv("SEND_TARGETS", str(targets))
    engine = _flip_extract().build(folder, "2028-01-20")
    yield engine
    engine.close()
    patch.undo()


def test_the_headline_is_the_latest_settled_year(flip):
    frame = flip.result("requests_decided_6wk", LA, Audience.OFFICER).frame.set_index("period")
    assert frame.loc["2027", ["numerator", "denominator", "value"]].tolist() == [48, 80, 60.0]
    local = frame[frame["source"] == "local"]  # published years before these are DfE's, never provisional
    assert local["provisional"].to_dict() == {"2025": False, "2026": False, "2027": True}
    assert not frame[frame["source"] == "published"]["provisional"].any()
    bench = flip.benchmark("requests_decided_6wk", LA, Audience.OFFICER)
    assert (bench.period, bench.value, bench.provisional) == ("2026", 20.0, False)
    # the trend test compares two settled years: 90% (36/40) to 20% (8/40), which does not overlap
    assert (bench.previous_period, bench.direction_of_travel) == ("2025", "worsening")
    assert bench.target.rag == "red"  # 20% against 50%; the provisional 60% would be green


def test_a_provisional_period_asked_for_by_name_is_never_rated(flip):
    bench = flip.benchmark("requests_decided_6wk", LA, Audience.OFFICER, period="2027")
    assert (bench.value, bench.provisional) == (60.0, True)
    assert bench.direction_of_travel is None and bench.target.rag is None
    assert narrative.classify(bench, flip.indicator("requests_decided_6wk")) == (None, 0, ())


def test_the_narrative_reads_the_settled_year(flip):
    indicator = flip.indicator("requests_decided_6wk")
    bench = flip.benchmark("requests_decided_6wk", LA, Audience.OFFICER)
    found = narrative.narrative({indicator.id: bench}, {indicator.id: indicator}, "Bristol", area_code=LA)
    assert not found[narrative.GOING_WELL]
    [sentence] = found[narrative.NEEDS_ATTENTION]
    assert "20.0%" in sentence.text and "2026" in sentence.text
    assert "60.0%" not in sentence.text and "2027" not in sentence.text


def test_the_clinic_sentence_uses_settled_months_only(flip):
    show = flip.show("requests_decided_6wk", LA, Audience.OFFICER, monthly=True, forecast=False)
    rows = show.totals
    assert [(r.period, r.value, r.provisional) for r in rows] == [
        ("2025-06", 90.0, False), ("2026-06", 20.0, False), ("2027-06", 20.0, False), ("2027-12", 100.0, True)]
    title = figures.title_trend(rows, show.indicator, monthly=True, complete_to="2027-12")
    assert title == "Decisions in 6 weeks: 20.0% in Jun 2027, the same as 20.0% in Jun 2026"
    summary = figures.summary_trend(rows, show.indicator, monthly=True, complete_to="2027-12")
    assert "Dec 2027 is provisional" in summary
    table = figures.table_trend(rows, show.indicator, complete_to="2027-12")
    assert table["Period"].iat[-1] == "Dec 2027 (provisional)"
    chart = figures.trend(rows, show.indicator, monthly=True, complete_to="2027-12")
    [hollow] = [t for t in chart.data if t.name == figures.PROVISIONAL_KEY]
    assert list(hollow.x) == ["Dec 2027"] and list(hollow.text) == ["p"]
    line = next(t for t in chart.data if t.mode == "lines+markers")
    assert line.y[-1] is None  # not joined to the settled line
    spark = figures.sparkline(rows, show.indicator, complete_to="2027-12")
    assert "Dec 2027" not in list(spark.data[0].x)


def test_a_forecast_is_fitted_on_settled_periods_only(flip):
    indicator = flip.indicator("ehcp_requests")  # a count with a forecast; its periods get a provisional mark
    totals = pd.DataFrame({"period": ["2019", "2020", "2021", "2022", "2023", "2024"],
                           "value": [100.0, 110.0, 120.0, 130.0, 140.0, 900.0],
                           "provisional": [False, False, False, False, False, True]})
    block = flip._forecast(indicator, "local", totals)
    assert block.based_on == ("2019", "2020", "2021", "2022", "2023")
    assert all(r.forecast < 300 for r in block.rows)


def test_downloads_mark_provisional_rows_with_p(flip):
    from dashboard import exports

    first = flip.result("requests_decided_6wk", LA, Audience.PARTNER)
    by_sex = flip.result("requests_decided_6wk", LA, Audience.PARTNER, breakdown="sex")
    table = exports.Table(indicator=first.indicator, source_used="local",
                          frame=exports.combine_breakdowns([first.frame, by_sex.frame]))
    rows = list(csv.DictReader(io.StringIO(exports.to_csv([table]))))
    status = {(r["Period"], r["Breakdown value"]): (r["Value"], r["Status"]) for r in rows}
    assert status[("2027", exports.TOTAL_LABEL)] == ("60", "p")  # the figure stays, marked provisional
    assert status[("2027", "Female")][1] == "p"  # every row of the period: its cohort still has clocks running
    assert "p" not in status[("2026", exports.TOTAL_LABEL)][1].split()  # settled (its small counts may be c)
    assert "p" in exports.SYMBOLS  # explained in every legend that lists the symbols


def test_a_breakdown_chart_defaults_to_the_latest_settled_period(flip):
    show = flip.show("requests_decided_6wk", LA, Audience.OFFICER, breakdown="sex", forecast=False)
    title = figures.title_breakdown(show.rows, show.indicator, "sex", breakdown_label="Sex")
    assert "2026" in title and "2027" not in title
