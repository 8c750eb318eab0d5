"""Councils side by side: each council's figures from its own records, equal to hand-counted ones.

Bristol is the indicator fixture (tests/fixtures/indicators/local/, worked by hand in test_engine_local.py); Kent
is the same children under the same ids with one more request, R11 (received 1 February 2025, refused), so a
figure that mixed the councils, or read Bristol's rows for Kent, would differ by that one request.
Reference date 30 June 2025 for both.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from indicators import facts, regional
from indicators.cache import SimpleCache
from indicators.engine import Engine, UnknownArea
from indicators.vocabulary import TOTAL, Audience
from tests.unit.test_engine_councils import BRISTOL, KENT, two  # noqa: F401 - the two-council warehouse fixture


@pytest.fixture(scope="module")
def with_facts(two, tmp_path_factory) -> Path:  # noqa: F811
    """The two councils with the facts a load stores: Bristol's whole, Kent's regional ones (indicators.facts)."""
    path = tmp_path_factory.mktemp("facts") / "warehouse.duckdb"
    shutil.copyfile(two, path)
    facts.build(path)
    return path


@pytest.fixture(scope="module", params=["computed", "stored"])
def engine(request, two, with_facts):  # noqa: F811
    """Every figure below twice: computed from the child-level rows, and read from the facts stored at load."""
    opened = Engine(two if request.param == "computed" else with_facts, cache=SimpleCache())
    yield opened
    opened.close()


def test_the_facts_hold_the_home_councils_frames_and_every_others_regional_ones(with_facts):
    engine = Engine(with_facts, cache=SimpleCache())
    kent = engine.for_council(KENT)
    assert set(engine._facts) == set(facts.keys(engine))
    assert set(kent._facts) == set(facts.council_keys(kent))
    # for each regional indicator its months for all children: in full, for partners and for the public
    assert len(kent._facts) == 3 * len(regional.INDICATORS) < len(engine._facts)
    assert {k.indicator for k in kent._facts} == set(regional.INDICATORS)
    assert {(k.breakdown, k.monthly, k.audience) for k in kent._facts} == {
        (TOTAL, True, ""), (TOTAL, True, "partner"), (TOTAL, True, "public")}
    # each council reads its own stored months: Kent's R11, received in February 2025, is Kent's alone
    months = facts.FactKey("frame", "ehcp_requests", "local", TOTAL, True)
    kent_feb = kent._stored(months).query("period == '2025-02'")
    assert kent_feb["numerator"].tolist() == [1]
    assert engine._stored(months).query("period == '2025-02'").empty
    engine.close()


def _row(summary: pd.DataFrame, council: str, indicator: str) -> pd.Series:
    rows = summary[(summary["council"] == council) & (summary["indicator"] == indicator)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_the_group_is_the_home_region_unless_configured(engine):
    assert engine.councils() == [BRISTOL, KENT]
    assert engine.region_group() == [BRISTOL]  # Kent is in the South East, Bristol in the South West
    assert engine.region_group([KENT, BRISTOL]) == [BRISTOL, KENT]
    assert engine.region_group([KENT, "E06000001", "nonsense"]) == [KENT]  # Hartlepool: not loaded, so not compared


def test_an_engine_narrowed_to_kent_reads_kents_rows_only(engine):
    kent = engine.for_council(KENT)
    assert kent.local_area == KENT and engine.local_area == BRISTOL
    assert kent.tables["request"] == 11 and engine.tables["request"] == 10
    requests = kent.local_figures(Audience.OFFICER, "ehcp_requests")
    assert requests.loc[requests["period"] == "2025", "numerator"].tolist() == [2]  # R8 and Kent's R11
    home = engine.local_figures(Audience.OFFICER, "ehcp_requests")  # cached apart: Bristol's still
    assert home.loc[home["period"] == "2025", "numerator"].tolist() == [1]
    assert engine.for_council(BRISTOL) is engine


def test_a_council_the_warehouse_does_not_hold_is_refused(engine):
    with pytest.raises(UnknownArea, match="no local records"):
        engine.for_council("E06000001")


def test_twelve_months_of_requests_are_the_hand_counted_ones(engine):
    found = engine.regional({BRISTOL: Audience.OFFICER, KENT: Audience.OFFICER})
    for council, expected in ((BRISTOL, 2), (KENT, 3)):  # July 2024 - June 2025: R10, R8 (+ Kent's R11)
        row = _row(found.summary, council, "ehcp_requests")
        assert (row["window_first"], row["window_last"]) == ("2024-07", "2025-06")
        assert row["window_value"] == expected
    kent_months = found.months[(found.months["council"] == KENT) & (found.months["indicator"] == "ehcp_requests")]
    assert kent_months.loc[kent_months["period"] == "2025-02", "numerator"].tolist() == [1]  # R11
    bristol = found.months[(found.months["council"] == BRISTOL) & (found.months["indicator"] == "ehcp_requests")]
    assert "2025-02" not in set(bristol["period"])


def test_twelve_months_of_timeliness_are_the_hand_counted_ones(engine):
    # Months by request received, May 2023 - April 2024: R1 on time (131 days), R2 late (182, a Week20 exception
    # still counts), R4 late (174); R3 left out (assessment mediation). 1 of 3 = 33.3%.
    found = engine.regional({BRISTOL: Audience.OFFICER, KENT: Audience.OFFICER}, ("ehcp_issued_20wk",),
                            through="2024-04")
    for council in (BRISTOL, KENT):
        row = _row(found.summary, council, "ehcp_issued_20wk")
        assert (row["window_numerator"], row["window_denominator"], row["window_value"]) == (1, 3, 33.3)
    # beside it, the latest year DfE published: Bristol 17.3% (118 of 684) and Kent 32.3% in 2024
    assert _row(found.summary, BRISTOL, "ehcp_issued_20wk")["published_value"] == 17.3
    assert _row(found.summary, KENT, "ehcp_issued_20wk")["published_value"] == 32.3
    assert _row(found.summary, KENT, "ehcp_issued_20wk")["published_period"] == "2024"


def test_caseload_at_the_end_of_june_2024_is_the_hand_counted_one(engine):
    found = engine.regional({KENT: Audience.OFFICER}, ("ehcp_caseload",), through="2024-06")
    row = _row(found.summary, KENT, "ehcp_caseload")
    assert row["settled_value"] == 3  # 30 June 2024: N1, N5, N6
    assert row["window_kind"] == "growth"


def test_a_month_whose_clocks_still_run_never_ends_the_twelve_months():
    rows = pd.DataFrame({"period": ["2025-01", "2025-02", "2025-03"], "provisional": [False, True, True]})

    class Council:
        reference_date = pd.Timestamp("2025-06-30").date()

    assert regional._last_settled(Council(), rows, None) == "2025-01"
    Council.reference_date = pd.Timestamp("2025-06-15").date()
    assert regional._last_settled(Council(), rows.assign(provisional=False), None) == "2025-05"  # June not ended


def test_another_councils_figures_are_protected_for_the_callers_tier_there(engine):
    # An officer of Bristol holds no role in Kent: Kent's months reach them at the partner or public tier, where
    # counts of 1 to 5 never show (each of Kent's months here counts one or two children).
    for tier in (Audience.PARTNER, Audience.PUBLIC):
        found = engine.regional({BRISTOL: Audience.OFFICER, KENT: tier})
        kent = found.months[found.months["council"] == KENT]
        shown = pd.to_numeric(kent["numerator"], errors="coerce")
        assert not shown.between(1, 5).any()
        assert set(kent["audience"]) <= {tier.value}
        bristol = found.months[(found.months["council"] == BRISTOL) & (found.months["indicator"] == "ehcp_requests")]
        assert bristol["numerator"].sum() == 8  # its own council in full: R1-R4, R7-R10 (the months from 2024)


def test_funnel_limits_worked_by_hand():
    summary = pd.DataFrame({"indicator": regional.TIMELINESS, "council": ["A", "B", "C"],
                            "council_name": ["A", "B", "C"], "window_numerator": [45, 60, 300],
                            "window_denominator": [50, 100, 400]})
    points, pooled = regional.funnel(summary)
    # pooled 405 / 550 = 0.736364; for n = 50 the standard error is sqrt(0.736364 x 0.263636 / 50) = 0.062311
    assert pooled == pytest.approx(73.6364, abs=1e-3)
    a, b, c = (points.iloc[i] for i in range(3))
    assert a["upper95"] == pytest.approx(100 * (0.736364 + 1.959964 * 0.062311), abs=1e-3)  # 85.849
    assert a["upper998"] == pytest.approx(92.892, abs=1e-2)  # + 3.090232 x 0.062311
    assert (a["position"], a["beyond998"]) == ("above", False)  # 90% over 85.8%, under 92.9%
    # n = 100: se 0.044061; 95% lower 65.0%, 99.8% lower 60.02%: B's 60% is below both
    assert b["lower95"] == pytest.approx(65.0006, abs=1e-2)
    assert (b["position"], b["beyond998"]) == ("below", True)
    # n = 400: se 0.022030; 95% limits 69.32% to 77.95%: C's 75% is within
    assert (c["lower95"], c["upper95"]) == (pytest.approx(69.318, abs=1e-2), pytest.approx(77.954, abs=1e-2))
    assert c["position"] == "within"


def test_a_suppressed_council_is_left_out_of_the_funnel():
    summary = pd.DataFrame({"indicator": regional.TIMELINESS, "council": ["A", "B"], "council_name": ["A", "B"],
                            "window_numerator": [45, None], "window_denominator": [50, None]})
    points, pooled = regional.funnel(summary)
    assert points["council"].tolist() == ["A"] and pooled == pytest.approx(90.0)


def test_ranked_by_the_twelve_months_best_first():
    summary = pd.DataFrame({"indicator": regional.TIMELINESS, "council": ["A", "B", "C"],
                            "council_name": ["A", "B", "C"], "window_value": [40.0, None, 70.0]})
    ranked = regional.ranked(summary)
    assert ranked["council"].tolist() == ["C", "A", "B"]
    assert ranked["rank"].tolist()[:2] == [1, 2] and pd.isna(ranked["rank"].iat[2])


def test_the_funnel_figure_says_where_each_council_stands():
    from dashboard import figures

    summary = pd.DataFrame({"indicator": regional.TIMELINESS, "council": ["A", "B", "C"],
                            "council_name": ["Avon", "Bath", "Cork"], "window_numerator": [45, 60, 300],
                            "window_denominator": [50, 100, 400]})
    points, pooled = regional.funnel(summary)
    table = figures.table_council_funnel(points)
    assert table["Position"].tolist() == ["above the 95% limit", "below the 95% limit and beyond the 99.8% limit",
                                          "within the 95% limits"]
    assert table["95% limits"].iat[2] == "69.3% to 78.0%"
    assert figures.title_council_funnel(points).startswith("Plans issued in 20 weeks: 2 of 3 councils outside")
    assert "Across the group 73.6% of plans" in figures.summary_council_funnel(points, pooled)
    fig = figures.council_funnel(points, pooled, left_out=1)
    names = [t.name for t in fig.data]
    assert "Above the 95% limit" in names and "Below the 95% limit" in names  # shape and words, not colour alone
    assert any("1 council(s)" in a.text for a in fig.layout.annotations)
    empty = figures.council_funnel(points.iloc[:0], None)
    assert "No council" in empty.layout.annotations[0].text
