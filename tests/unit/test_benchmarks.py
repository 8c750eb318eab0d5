"""Benchmarks against hand-worked figures: Bristol's 2024 20-week timeliness, then small tables.

Source of the Bristol figures (DfE "Education, health and care plans" 2025 release, file
timeliness_20_week.csv, time_period 2024, breakdown "All EHC plans issued", measure
pc_plans_issued_within_20_weeks, geographic_level "Local authority"; 153 LAs, every one with a value)
and of the neighbours (DfE statistical neighbours, May 2025, statistical_neighbours_may2025_long.csv).
The values below were copied from the published CSV, not produced by this code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators.benchmarks import (
    confidence_interval,
    control_limits,
    direction_of_travel,
    neighbour_summary,
    per_10000,
    poisson_interval,
    quartile_band,
    quartile_cut_points,
    rag_against_comparator,
    rag_against_target,
    rank,
    rating,
    wilson_interval,
)
from indicators.vocabulary import Polarity, Unit

HIGH, LOW, NONE = Polarity.HIGH_IS_GOOD, Polarity.LOW_IS_GOOD, Polarity.NO_JUDGEMENT

# % of EHC plans issued within 20 weeks, 2024, every LA in England (published figures, 1 d.p.).
TIMELINESS_2024 = {
    "E06000001": 74.6, "E06000002": 98.0, "E06000003": 44.7, "E06000004": 69.2, "E06000005": 72.1,
    "E06000006": 58.2, "E06000007": 59.1, "E06000008": 86.5, "E06000009": 60.5, "E06000010": 5.8,
    "E06000011": 96.0, "E06000012": 37.4, "E06000013": 18.6, "E06000014": 64.8, "E06000015": 14.0,
    "E06000016": 51.8, "E06000017": 74.3, "E06000018": 29.9, "E06000019": 67.4, "E06000020": 83.5,
    "E06000021": 32.9, "E06000022": 24.1, "E06000023": 17.3, "E06000024": 63.0, "E06000025": 58.1,
    "E06000026": 6.0, "E06000027": 28.9, "E06000030": 49.4, "E06000031": 86.1, "E06000032": 29.4,
    "E06000033": 16.1, "E06000034": 48.3, "E06000035": 11.7, "E06000036": 45.1, "E06000037": 48.0,
    "E06000038": 61.5, "E06000039": 7.4, "E06000040": 100.0, "E06000041": 56.2, "E06000042": 39.7,
    "E06000043": 98.0, "E06000044": 4.3, "E06000045": 93.5, "E06000046": 28.6, "E06000047": 16.6,
    "E06000049": 47.0, "E06000050": 15.4, "E06000051": 37.2, "E06000052": 7.4, "E06000053": 100.0,
    "E06000054": 32.5, "E06000055": 73.0, "E06000056": 42.5, "E06000057": 46.8, "E06000058": 74.1,
    "E06000059": 49.1, "E06000061": 21.4, "E06000062": 10.8, "E06000063": 42.1, "E06000064": 89.7,
    "E08000001": 71.4, "E08000002": 99.0, "E08000003": 63.5, "E08000004": 85.8, "E08000005": 40.7,
    "E08000006": 50.1, "E08000007": 7.8, "E08000008": 29.9, "E08000009": 53.4, "E08000010": 42.0,
    "E08000011": 55.2, "E08000012": 97.9, "E08000013": 28.8, "E08000014": 52.9, "E08000015": 12.6,
    "E08000016": 96.7, "E08000017": 84.9, "E08000018": 79.3, "E08000019": 49.0, "E08000021": 8.8,
    "E08000022": 39.1, "E08000023": 62.6, "E08000024": 77.7, "E08000025": 26.7, "E08000026": 61.8,
    "E08000027": 49.1, "E08000028": 22.8, "E08000029": 53.1, "E08000030": 84.2, "E08000031": 52.2,
    "E08000032": 88.9, "E08000033": 95.1, "E08000034": 22.9, "E08000035": 9.3, "E08000036": 86.0,
    "E08000037": 82.3, "E09000001": 80.0, "E09000002": 27.0, "E09000003": 100.0, "E09000004": 66.7,
    "E09000005": 79.5, "E09000006": 45.3, "E09000007": 96.1, "E09000008": 72.8, "E09000009": 71.3,
    "E09000010": 85.4, "E09000011": 32.9, "E09000012": 40.0, "E09000013": 84.9, "E09000014": 82.6,
    "E09000015": 39.3, "E09000016": 29.4, "E09000017": 89.2, "E09000018": 77.9, "E09000019": 78.6,
    "E09000020": 99.0, "E09000021": 93.5, "E09000022": 83.9, "E09000023": 94.8, "E09000024": 73.9,
    "E09000025": 57.6, "E09000026": 7.0, "E09000027": 94.2, "E09000028": 36.7, "E09000029": 76.5,
    "E09000030": 39.3, "E09000031": 50.8, "E09000032": 100.0, "E09000033": 98.6, "E10000002": 32.1,
    "E10000003": 7.7, "E10000007": 35.7, "E10000008": 3.2, "E10000011": 81.9, "E10000012": 16.2,
    "E10000013": 26.3, "E10000014": 41.0, "E10000015": 55.2, "E10000016": 32.3, "E10000017": 17.3,
    "E10000018": 4.3, "E10000019": 99.0, "E10000020": 55.7, "E10000023": 24.6, "E10000024": 37.5,
    "E10000025": 38.6, "E10000027": 33.5, "E10000028": 35.3, "E10000029": 25.4, "E10000030": 40.6,
    "E10000031": 21.2, "E10000032": 11.4, "E10000034": 37.2,
}

BRISTOL = "E06000023"
# Bristol's statistical neighbours, May 2025 model, in rank order.
BRISTOL_NEIGHBOURS = [
    "E06000043",  # 1 Brighton and Hove   98.0
    "E08000035",  # 2 Leeds                9.3
    "E06000033",  # 3 Southend-on-Sea     16.1
    "E08000019",  # 4 Sheffield           49.0
    "E06000042",  # 5 Milton Keynes       39.7
    "E06000044",  # 6 Portsmouth           4.3
    "E06000038",  # 7 Reading             61.5
    "E09000003",  # 8 Barnet             100.0
    "E06000058",  # 9 Bournemouth, Christchurch and Poole 74.1
    "E08000034",  # 10 Kirklees           22.9
]

REPO = Path(__file__).resolve().parents[2]


def frame(values: dict[str, float | None]) -> pd.DataFrame:
    return pd.DataFrame({"area_code": list(values), "area_name": [f"LA {c}" for c in values],
                         "value": [np.nan if v is None else v for v in values.values()]})


ALL_LAS = frame(TIMELINESS_2024)


def test_literals_are_the_153_published_las():
    assert len(TIMELINESS_2024) == 153
    assert TIMELINESS_2024[BRISTOL] == 17.3  # 118 of 684 plans issued within 20 weeks


def test_bristol_statistical_neighbour_mean_and_median():
    # Sum of the ten neighbours: 98.0 + 9.3 + 16.1 + 49.0 + 39.7 + 4.3 + 61.5 + 100.0 + 74.1 + 22.9 = 474.9
    # Mean (simple, as LAIT): 474.9 / 10 = 47.49.
    # Median: sorted 4.3, 9.3, 16.1, 22.9, 39.7 | 49.0, 61.5, 74.1, 98.0, 100.0 -> (39.7 + 49.0) / 2 = 44.35.
    summary = neighbour_summary(ALL_LAS, BRISTOL, BRISTOL_NEIGHBOURS)
    assert summary["la_value"] == 17.3
    assert summary["sn_mean"] == pytest.approx(47.49)
    assert summary["sn_median"] == pytest.approx(44.35)
    assert summary["sn_count"] == 10 and summary["sn_expected"] == 10
    assert [n["value"] for n in summary["neighbours"]] == [98.0, 9.3, 16.1, 49.0, 39.7, 4.3, 61.5, 100.0, 74.1, 22.9]
    assert [n["rank"] for n in summary["neighbours"]] == list(range(1, 11))


def test_bristol_national_rank():
    # Higher is better. Sorting all 153 values, 23 LAs have 17.3 or less (Bristol and Lancashire E10000017
    # both at 17.3, in places 22 and 23 from the bottom), so 153 - 23 = 130 LAs are better than Bristol:
    # rank 130 + 1 = 131 of 153, shared with Lancashire.
    assert rank(ALL_LAS, BRISTOL, HIGH) == (131, 153)
    assert rank(ALL_LAS, "E10000017", HIGH) == (131, 153)


def test_bristol_quartile_band():
    # Cut-points, R type 7 / numpy linear: position 1 + (153 - 1) * p in the ascending list.
    #   Q25: 1 + 152 * 0.25 = 39  -> the 39th smallest value = 29.4 (Havering; Luton is 38th, also 29.4)
    #   Q50: 1 + 152 * 0.50 = 77  -> the 77th smallest value = 49.4 (Swindon)
    #   Q75: 1 + 152 * 0.75 = 115 -> the 115th smallest value = 78.6 (Islington)
    # Whole positions, so no interpolation. Bristol's 17.3 is below Q25: the lowest quarter; with higher
    # is better that is band D.
    assert quartile_cut_points(ALL_LAS) == pytest.approx((29.4, 49.4, 78.6))
    assert quartile_band(ALL_LAS, BRISTOL, HIGH) == "D"
    assert quartile_band(ALL_LAS, "E09000003", HIGH) == "A"  # Barnet, 100.0
    assert quartile_band(ALL_LAS, "E06000030", HIGH) == "B"  # Swindon, exactly on Q50 -> the better band


def test_literals_match_the_shipped_national_bundle():
    """The repository's national bundle holds the same published figures as the literals above."""
    facts = REPO / "data" / "national" / "facts" / "timeliness_20_week.parquet"
    neighbours = REPO / "data" / "national" / "tables" / "stat_neighbour.parquet"
    if not facts.exists() or not neighbours.exists():
        pytest.skip("national bundle not built")
    f = pd.read_parquet(facts)
    f = f[(f["time_period"].astype(str) == "2024") & (f["geographic_level"] == "Local authority")
          & (f["breakdown"] == "All EHC plans issued") & (f["measure"] == "pc_plans_issued_within_20_weeks")]
    assert dict(zip(f["area_code"].astype(str), f["value"].astype(float), strict=True)) == TIMELINESS_2024
    sn = pd.read_parquet(neighbours)
    sn = sn[(sn["model"] == "2025-05") & (sn["new_la_code"] == BRISTOL)].sort_values("sn_rank")
    assert sn["sn_new_la_code"].astype(str).tolist() == BRISTOL_NEIGHBOURS


# --- neighbours, rank and band on small tables ------------------------------------------------------------

def test_neighbour_summary_drops_missing_neighbours_and_never_imputes():
    values = frame({"LA": 50.0, "N1": 10.0, "N2": None, "N3": 30.0})
    summary = neighbour_summary(values, "LA", ["N1", "N2", "N3", "N4"])  # N4 is not in the data at all
    assert summary["sn_mean"] == 20.0  # (10 + 30) / 2
    assert summary["sn_median"] == 20.0
    assert summary["sn_count"] == 2 and summary["sn_expected"] == 4
    assert [n["value"] for n in summary["neighbours"]] == [10.0, None, 30.0, None]


def test_neighbour_summary_without_data():
    summary = neighbour_summary(frame({"LA": None, "N1": None}), "LA", ["N1"])
    assert summary["la_value"] is None and summary["sn_mean"] is None and summary["sn_median"] is None
    assert summary["sn_count"] == 0


def test_suppressed_values_do_not_count():
    values = frame({"LA": 50.0, "N1": 10.0, "N2": 30.0}).assign(status=["value", "value", "c"])
    assert neighbour_summary(values, "LA", ["N1", "N2"])["sn_mean"] == 10.0


def test_duplicate_areas_are_refused():
    values = pd.DataFrame({"area_code": ["A", "A"], "area_name": ["A", "A"], "value": [1.0, 2.0]})
    with pytest.raises(ValueError, match="more than one value"):
        rank(values, "A", HIGH)


SMALL = frame({"A": 10.0, "B": 20.0, "C": 20.0, "D": 30.0, "E": None})


@pytest.mark.parametrize(("la", "polarity", "expected"), [
    ("D", HIGH, (1, 4)),   # highest value is best
    ("B", HIGH, (2, 4)),   # B and C tie: both take the best of places 2 and 3
    ("C", HIGH, (2, 4)),
    ("A", HIGH, (4, 4)),   # after a two-way tie for 2nd the next place is 4th
    ("A", LOW, (1, 4)),    # lowest value is best
    ("B", LOW, (2, 4)),
    ("D", LOW, (4, 4)),
    ("D", NONE, (1, 4)),   # no judgement: highest to lowest
    ("A", NONE, (4, 4)),
    ("E", HIGH, (None, 4)),  # no value: no rank, and nulls are not counted in out_of
    ("Z", LOW, (None, 4)),   # not in the data
])
def test_rank(la, polarity, expected):
    assert rank(SMALL, la, polarity) == expected


NINE = frame({f"L{i}": float(i) for i in range(1, 10)} | {"Lx": None})


@pytest.mark.parametrize(("la", "polarity", "expected"), [
    # 1..9: Q25 at position 1 + 8 * 0.25 = 3 -> 3; Q50 at 5 -> 5; Q75 at 7 -> 7.
    ("L9", HIGH, "A"), ("L7", HIGH, "A"),  # on Q75: better band
    ("L6", HIGH, "B"), ("L5", HIGH, "B"),  # on Q50: better band
    ("L4", HIGH, "C"), ("L3", HIGH, "C"),  # on Q25: better band
    ("L2", HIGH, "D"), ("L1", HIGH, "D"),
    ("L1", LOW, "A"), ("L3", LOW, "A"),    # on Q25 with low is good: A
    ("L4", LOW, "B"), ("L5", LOW, "B"),
    ("L6", LOW, "C"), ("L7", LOW, "C"),
    ("L8", LOW, "D"), ("L9", LOW, "D"),
    ("L5", NONE, None),                    # no judgement: no band
    ("Lx", HIGH, None),                    # no value: no band
])
def test_quartile_band(la, polarity, expected):
    assert quartile_cut_points(NINE) == (3.0, 5.0, 7.0)
    assert quartile_band(NINE, la, polarity) == expected


def test_quartile_cut_points_interpolate_like_r_type_7():
    # 10, 20, 30, 40: Q25 at position 1 + 3 * 0.25 = 1.75 -> 10 + 0.75 * (20 - 10) = 17.5;
    # Q50 at 2.5 -> 25; Q75 at 3.25 -> 30 + 0.25 * 10 = 32.5.
    four = frame({"A": 10.0, "B": 20.0, "C": 30.0, "D": 40.0})
    assert quartile_cut_points(four) == pytest.approx((17.5, 25.0, 32.5))
    assert quartile_cut_points(frame({"A": None})) is None


# --- intervals ---------------------------------------------------------------------------------------------

def test_wilson_interval_worked_example():
    """8 of 10, z = 1.96 (z^2 = 3.8416), worked by hand.

    p = 0.8; z^2/n = 0.38416; divisor 1 + 0.38416 = 1.38416.
    centre = (p + z^2/(2n)) / 1.38416 = (0.8 + 0.19208) / 1.38416 = 0.71674
    half   = z * sqrt(p(1-p)/n + z^2/(4n^2)) / 1.38416 = 1.96 * sqrt(0.016 + 0.009604) / 1.38416
           = 1.96 * 0.160012 / 1.38416 = 0.22658
    interval = (0.71674 - 0.22658, 0.71674 + 0.22658) = (0.490, 0.943), the reference figures given
    for this example in the brief.
    """
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=5e-4)
    assert high == pytest.approx(0.9433, abs=5e-4)


@pytest.mark.parametrize(("num", "den", "expected"), [
    (0, 10, (0.0, 0.2775)),   # upper = z^2/n / (1 + z^2/n) = 0.38416 / 1.38416 = 0.2775
    (10, 10, (0.7225, 1.0)),  # mirror image
])
def test_wilson_interval_at_the_edges(num, den, expected):
    assert wilson_interval(num, den) == pytest.approx(expected, abs=5e-4)


@pytest.mark.parametrize(("num", "den"), [(1, 0), (-1, 10), (11, 10)])
def test_wilson_interval_refuses_impossible_proportions(num, den):
    with pytest.raises(ValueError):
        wilson_interval(num, den)


def test_poisson_interval_published_values():
    # Exact (Garwood) 95% limits as found in standard tables: 0 -> (0, 3.689); 10 -> (4.795, 18.390).
    # By hand for 0: upper = chi2(0.975, df 2) / 2 = -ln(0.025) = 3.6889.
    assert poisson_interval(0) == pytest.approx((0.0, 3.689), abs=1e-3)
    assert poisson_interval(10) == pytest.approx((4.795, 18.390), abs=1e-3)


# --- direction of travel -----------------------------------------------------------------------------------

def row(num=None, den=None, value=None, status="value"):
    return {"numerator": num, "denominator": den, "value": value, "status": status}


@pytest.mark.parametrize(("current", "previous", "unit", "polarity", "expected"), [
    # 60/100 vs 40/100: Wilson 95% (50.2%, 69.1%) vs (30.9%, 49.8%) do not overlap -> a real rise.
    (row(60, 100), row(40, 100), Unit.PERCENT, HIGH, "improving"),
    (row(60, 100), row(40, 100), Unit.PERCENT, LOW, "worsening"),
    (row(40, 100), row(60, 100), Unit.PERCENT, HIGH, "worsening"),
    (row(60, 100), row(40, 100), Unit.PERCENT, NONE, "increasing"),
    (row(40, 100), row(60, 100), Unit.PERCENT, NONE, "decreasing"),
    # 50/100 vs 45/100: intervals overlap.
    (row(50, 100), row(45, 100), Unit.PERCENT, HIGH, "no significant change"),
    # Counts: 30 (20.2 to 42.8) vs 10 (4.8 to 18.4): a real rise; for appeals lower is better.
    (row(30, value=30), row(10, value=10), Unit.COUNT, LOW, "worsening"),
    (row(value=30), row(value=10), Unit.COUNT, HIGH, "improving"),  # a count given only as value
    (row(12, value=12), row(10, value=10), Unit.COUNT, HIGH, "no significant change"),
    # Rates per 10,000 of 50,000 children: 20 -> (2.44, 6.18), 60 -> (9.16, 15.45): a real rise.
    (row(60, 50000), row(20, 50000), Unit.RATE_PER_10000, LOW, "worsening"),
    # Not assessed: suppressed, missing, no spread, no denominator.
    (row(None, 100, status="c"), row(40, 100), Unit.PERCENT, HIGH, "not assessed"),
    (row(60, 100), None, Unit.PERCENT, HIGH, "not assessed"),
    (row(60, None), row(40, 100), Unit.PERCENT, HIGH, "not assessed"),
    (row(600, 25, 24.0), row(300, 25, 12.0), Unit.WEEKS, LOW, "not assessed"),
])
def test_direction_of_travel(current, previous, unit, polarity, expected):
    assert direction_of_travel(current, previous, unit, polarity) == expected


def test_direction_of_travel_accepts_result_rows():
    results = pd.DataFrame({"numerator": [40.0, 60.0], "denominator": [100.0, 100.0], "value": [40.0, 60.0],
                            "status": ["value", "value"]})
    assert direction_of_travel(results.iloc[1], results.iloc[0], Unit.PERCENT, HIGH) == "improving"


# --- RAG ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "target", "polarity", "tolerance", "expected"), [
    (92.0, 90.0, HIGH, 5.0, "green"),
    (90.0, 90.0, HIGH, 5.0, "green"),   # meeting the target is green
    (86.0, 90.0, HIGH, 5.0, "amber"),
    (85.0, 90.0, HIGH, 5.0, "amber"),   # missed by exactly the tolerance
    (84.9, 90.0, HIGH, 5.0, "red"),
    (89.9, 90.0, HIGH, 0.0, "red"),     # no tolerance: no amber
    (10.0, 12.0, LOW, 2.0, "green"),
    (14.0, 12.0, LOW, 2.0, "amber"),
    (14.5, 12.0, LOW, 2.0, "red"),
    (50.0, 40.0, NONE, 2.0, None),
    (None, 40.0, HIGH, 2.0, None),
    (float("nan"), 40.0, HIGH, 2.0, None),
    (50.0, None, HIGH, 2.0, None),
])
def test_rag_against_target(value, target, polarity, tolerance, expected):
    assert rag_against_target(value, target, polarity, tolerance) == expected


def test_rag_against_target_refuses_negative_tolerance():
    with pytest.raises(ValueError):
        rag_against_target(1.0, 2.0, HIGH, -1.0)


@pytest.mark.parametrize(("value", "comparator", "polarity", "ci", "expected"), [
    (50.0, 45.0, HIGH, None, "green"),
    (40.0, 45.0, HIGH, None, "red"),
    (45.0, 45.0, HIGH, None, "amber"),
    (50.0, 45.0, LOW, None, "red"),
    (40.0, 45.0, LOW, None, "green"),
    (50.0, 45.0, HIGH, (40.0, 55.0), "amber"),  # England inside the LA's interval: not different
    (50.0, 45.0, HIGH, (48.0, 55.0), "green"),
    (50.0, 45.0, LOW, (48.0, 55.0), "red"),
    (40.0, 45.0, HIGH, (35.0, 44.0), "red"),
    (50.0, 45.0, NONE, None, None),
    (None, 45.0, HIGH, None, None),
])
def test_rag_against_comparator(value, comparator, polarity, ci, expected):
    assert rag_against_comparator(value, comparator, polarity, ci) == expected


# --- similar within a stated band, or inside the figure's interval ------------------------------------------

@pytest.mark.parametrize(("value", "comparator", "polarity", "tolerance", "expected"), [
    # Attainment 8 gap (points, low is good): 0.2 points worse than the neighbours is similar, not red.
    (38.6, 38.4, LOW, 1.0, "amber"),
    (38.4, 38.6, LOW, 1.0, "amber"),
    (39.4, 38.4, LOW, 1.0, "amber"),  # exactly on the band's edge: still similar
    (39.5, 38.4, LOW, 1.0, "red"),  # 1.1 points worse
    (37.3, 38.4, LOW, 1.0, "green"),
    # A percentage 0.2 points below the neighbours, with the 2-point default for percentages.
    (45.7, 45.9, HIGH, 2.0, "amber"),
    (43.8, 45.9, HIGH, 2.0, "red"),  # 2.1 points below
    (45.7, 45.9, HIGH, 0.0, "red"),  # no band and no interval: any difference counts
])
def test_rag_against_comparator_with_a_tolerance(value, comparator, polarity, tolerance, expected):
    assert rag_against_comparator(value, comparator, polarity, None, tolerance) == expected


def test_similar_when_the_comparator_is_inside_the_wilson_interval():
    # 9 of 20 = 45.0%; Wilson 95%: 25.8% to 65.8% (hand-worked: centre (0.45+0.096)/1.192, half-width 0.2002).
    point = {"numerator": 9, "denominator": 20, "value": 45.0, "status": "value"}
    low, high = confidence_interval(point, Unit.PERCENT)
    assert low == pytest.approx(25.8, abs=0.05) and high == pytest.approx(65.8, abs=0.05)
    assert rag_against_comparator(45.0, 55.0, HIGH, (low, high), 2.0) == "amber"  # 10 points, but not significant
    assert rag_against_comparator(45.0, 70.0, HIGH, (low, high), 2.0) == "red"
    assert confidence_interval({"numerator": 9, "denominator": 20, "status": "c"}, Unit.PERCENT) is None
    assert confidence_interval({"value": 38.6, "status": "value"}, Unit.GAP_POINTS) is None


def test_negative_tolerance_is_refused():
    with pytest.raises(ValueError):
        rag_against_comparator(1.0, 2.0, HIGH, None, -0.5)


@pytest.mark.parametrize(("bench", "expected"), [
    ({"target": {"target": 60.0, "rag": "red"}, "rag_against_neighbours": "green"}, ("red", "target")),
    ({"target": None, "rag_against_neighbours": "amber", "rag_against_england": "red"}, ("amber", "neighbours")),
    ({"rag_against_england": "green"}, ("green", "england")),
    ({"target": {"target": 60.0, "rag": None}}, (None, "target_unrated")),
    ({}, (None, "target")),
])
def test_one_rating_target_then_neighbours_then_england(bench, expected):
    from indicators.results import Benchmark

    block = Benchmark.model_validate({"source": "national", "area_code": "E06000023", "area_name": "Bristol", **bench})
    assert rating(block) == expected


# --- counts ranked per 10,000 of the 0-25 population ---------------------------------------------------------

def test_counts_rank_per_10000_not_as_raw_counts():
    # Three councils: the big one has the most plans but the fewest per head.
    counts = pd.DataFrame({"area_code": ["BIG", "MID", "SMALL", "NOPOP"], "area_name": ["Big", "Mid", "Small", "No"],
                           "value": [3000.0, 1200.0, 400.0, 10.0]})
    population = pd.DataFrame({"area_code": ["BIG", "MID", "SMALL"], "value": [1_000_000.0, 200_000.0, 40_000.0]})
    rates = per_10000(counts, population).set_index("area_code")["value"]
    # 3000 / 1,000,000 x 10,000 = 30; 1200 / 200,000 x 10,000 = 60; 400 / 40,000 x 10,000 = 100.
    assert rates.to_dict() == {"BIG": 30.0, "MID": 60.0, "SMALL": 100.0}  # no population: not ranked at all
    table = per_10000(counts, population)
    assert rank(table, "BIG", HIGH) == (3, 3)  # raw counts would have put it 1st
    assert rank(table, "SMALL", HIGH) == (1, 3)
    assert rank(table, "BIG", LOW) == (1, 3)
    assert rank(table, "NOPOP", HIGH) == (None, 3)
    assert per_10000(counts, population.iloc[0:0]).empty


# --- control limits for a funnel plot ------------------------------------------------------------------------

def test_control_limits_hand_worked():
    # p = 0.2, n = 100: standard error sqrt(0.2 x 0.8 / 100) = 0.04.
    lower, upper = control_limits(0.2, 100, 1.96)
    assert lower == pytest.approx(0.1216) and upper == pytest.approx(0.2784)
    lower, upper = control_limits(0.2, 100, 3.09)
    assert lower == pytest.approx(0.0764) and upper == pytest.approx(0.3236)
    assert control_limits(0.5, 1, 3.09) == (0.0, 1.0)  # clipped to 0..1
