"""Disclosure control against hand-worked tables (expected outputs written out by hand, not computed)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from indicators.disclosure import protect, protect_family, suppression_note
from indicators.vocabulary import RESULT_COLUMNS, Audience, Unit

C = None  # a suppressed or missing figure in the hand-written expectations


def table(rows, period="2024", area="E06000023"):
    """Rows of (breakdown, breakdown_value, numerator, denominator, value[, status]) as a result frame."""
    records = []
    for row in rows:
        breakdown, bvalue, num, den, value, *status = row
        records.append({"period": period, "area_code": area, "area_name": "Bristol, City of",
                        "breakdown": breakdown, "breakdown_value": bvalue, "numerator": num,
                        "denominator": den, "value": value, "status": status[0] if status else "value"})
    frame = pd.DataFrame.from_records(records, columns=RESULT_COLUMNS)
    for col in ("numerator", "denominator", "value"):
        frame[col] = frame[col].astype(float)
    return frame


def assert_table(actual: pd.DataFrame, expected_rows):
    """Compare numerator, denominator, value and status with the hand-written rows."""
    assert list(actual.columns) == RESULT_COLUMNS
    assert len(actual) == len(expected_rows)
    for (_, got), want in zip(actual.iterrows(), expected_rows, strict=True):
        _b, bvalue, num, den, value, status = want
        label = f"row {bvalue}"
        for col, expect in (("numerator", num), ("denominator", den), ("value", value)):
            if expect is None:
                assert pd.isna(got[col]), f"{label}: {col} should be hidden, got {got[col]}"
            else:
                assert got[col] == pytest.approx(expect), f"{label}: {col}"
        assert got["status"] == status, label


# --- the brief's four-ward count table -------------------------------------------------------------------

WARDS_COUNT = table([
    ("ward", "Ashley", 3, None, 3),
    ("ward", "Bedminster", 12, None, 12),
    ("ward", "Clifton", 40, None, 40),
    ("ward", "Easton", 7, None, 7),
    ("Total", "Total", 62, None, 62),
])


def test_count_table_partner():
    # 3 is 1-5: primary c. The ward margin (Ashley, Bedminster, Clifton, Easton, Total) then has exactly one
    # c, and 3 = 62 - 12 - 40 - 7, so the next smallest non-zero cell, Easton's 7, is hidden as well.
    assert_table(protect(WARDS_COUNT, Unit.COUNT, Audience.PARTNER, published=False), [
        ("ward", "Ashley", C, C, C, "c"),
        ("ward", "Bedminster", 12, C, 12, "value"),
        ("ward", "Clifton", 40, C, 40, "value"),
        ("ward", "Easton", C, C, C, "c"),
        ("Total", "Total", 62, C, 62, "value"),
    ])


def test_count_table_public():
    # Below 10: 3 and 7 are c (two cells, so no secondary needed). Rounded to the nearest 5:
    # 12 -> 10, 40 -> 40, 62 -> 60.
    assert_table(protect(WARDS_COUNT, Unit.COUNT, Audience.PUBLIC, published=False), [
        ("ward", "Ashley", C, C, C, "c"),
        ("ward", "Bedminster", 10, C, 10, "value"),
        ("ward", "Clifton", 40, C, 40, "value"),
        ("ward", "Easton", C, C, C, "c"),
        ("Total", "Total", 60, C, 60, "value"),
    ])


# --- the same wards as a percentage ----------------------------------------------------------------------

WARDS_PERCENT = table([
    ("ward", "Ashley", 3, 21, 100 * 3 / 21),
    ("ward", "Bedminster", 12, 33, 100 * 12 / 33),
    ("ward", "Clifton", 40, 78, 100 * 40 / 78),
    ("ward", "Easton", 7, 24, 100 * 7 / 24),
    ("Total", "Total", 62, 156, 100 * 62 / 156),
])


def test_percent_table_partner():
    # Numerators: 3 is c (1-5). Easton's 7 is not 1-5, but its percentage rests on a numerator below 10, so
    # the percentage is c, and the 7 is hidden so 7/24 cannot be recomputed; that also gives the numerator
    # margin its second c. Denominators are all 10 or more and stay. Shown percentages are unchanged:
    # 12/33 = 36.36%, 40/78 = 51.28%, 62/156 = 39.74%.
    assert_table(protect(WARDS_PERCENT, Unit.PERCENT, Audience.PARTNER, published=False), [
        ("ward", "Ashley", C, 21, C, "c"),
        ("ward", "Bedminster", 12, 33, 36.363636, "value"),
        ("ward", "Clifton", 40, 78, 51.282051, "value"),
        ("ward", "Easton", C, 24, C, "c"),
        ("Total", "Total", 62, 156, 39.743590, "value"),
    ])


def test_percent_table_public():
    # Numerators below 10 (3, 7) are c. Rounded: numerators 12 -> 10, 40 -> 40, 62 -> 60;
    # denominators 21 -> 20, 33 -> 35, 78 -> 80, 24 -> 25, 156 -> 155.
    # Percentages from the rounded figures: 10/35 = 28.571%, 40/80 = 50%, 60/155 = 38.710%.
    assert_table(protect(WARDS_PERCENT, Unit.PERCENT, Audience.PUBLIC, published=False), [
        ("ward", "Ashley", C, 20, C, "c"),
        ("ward", "Bedminster", 10, 35, 28.571429, "value"),
        ("ward", "Clifton", 40, 80, 50.0, "value"),
        ("ward", "Easton", C, 25, C, "c"),
        ("Total", "Total", 60, 155, 38.709677, "value"),
    ])


def test_rate_per_10000_public_recomputed_from_rounded():
    # 23 per 4,012 -> rounded 25 per 4,010 -> 10000 * 25 / 4010 = 62.344 per 10,000.
    # 48 per 5,996 -> 50 per 5,995 -> 83.403. Total 71 per 10,008 -> 70 per 10,010 -> 69.930.
    frame = table([
        ("ward", "Hartcliffe", 23, 4012, 10000 * 23 / 4012),
        ("ward", "Lawrence Hill", 48, 5996, 10000 * 48 / 5996),
        ("Total", "Total", 71, 10008, 10000 * 71 / 10008),
    ])
    assert_table(protect(frame, Unit.RATE_PER_10000, Audience.PUBLIC, published=False), [
        ("ward", "Hartcliffe", 25, 4010, 62.344140, "value"),
        ("ward", "Lawrence Hill", 50, 5995, 83.402836, "value"),
        ("Total", "Total", 70, 10010, 69.930070, "value"),
    ])


# --- secondary suppression cases -------------------------------------------------------------------------

def test_partner_zeros_stay_and_are_never_chosen_for_secondary():
    # 4 is c; the next smallest NON-ZERO cell is 20 (the 0 is never confidential and stays 0).
    frame = table([
        ("ward", "A", 0, None, 0), ("ward", "B", 4, None, 4), ("ward", "C", 20, None, 20),
        ("ward", "D", 30, None, 30), ("Total", "Total", 54, None, 54),
    ])
    assert_table(protect(frame, Unit.COUNT, Audience.PARTNER, published=False), [
        ("ward", "A", 0, C, 0, "value"), ("ward", "B", C, C, C, "c"), ("ward", "C", C, C, C, "c"),
        ("ward", "D", 30, C, 30, "value"), ("Total", "Total", 54, C, 54, "value"),
    ])


def test_partner_two_hidden_ones_are_not_left_recoverable():
    # 1 and 1 are both c, but a partner knows a c is never 0 (zeros are shown): 52 - 20 - 30 = 2 hidden
    # between two cells, so each would have to be 1. The next smallest non-zero cell, 20, is hidden too
    # (now 22 is shared by three cells).
    frame = table([
        ("ward", "A", 1, None, 1), ("ward", "B", 1, None, 1), ("ward", "C", 20, None, 20),
        ("ward", "D", 30, None, 30), ("Total", "Total", 52, None, 52),
    ])
    assert_table(protect(frame, Unit.COUNT, Audience.PARTNER, published=False), [
        ("ward", "A", C, C, C, "c"), ("ward", "B", C, C, C, "c"), ("ward", "C", C, C, C, "c"),
        ("ward", "D", 30, C, 30, "value"), ("Total", "Total", 52, C, 52, "value"),
    ])


def test_total_hidden_in_one_table_spreads_to_the_other_table_sharing_it():
    # Ward parts do not add up to the total (20 children have no ward): 4 + 0 + 20 unknown = 24.
    # Ward margin: 4 is c; the only other non-zero cell is the Total, 24 -> c.
    # The Total is also the total of the sex table, which now has exactly one c: its smallest
    # non-zero cell, Female 10, is hidden too.
    frame = table([
        ("ward", "A", 4, None, 4), ("ward", "B", 0, None, 0),
        ("sex", "Female", 10, None, 10), ("sex", "Male", 14, None, 14),
        ("Total", "Total", 24, None, 24),
    ])
    assert_table(protect(frame, Unit.COUNT, Audience.PARTNER, published=False), [
        ("ward", "A", C, C, C, "c"), ("ward", "B", 0, C, 0, "value"),
        ("sex", "Female", C, C, C, "c"), ("sex", "Male", 14, C, 14, "value"),
        ("Total", "Total", C, C, C, "c"),
    ])


def test_partner_rate_with_a_small_numerator_and_a_large_denominator_is_shown():
    # A: 7 of 400 is 1.75%: no count is 1-5, so nothing is hidden, however few the 7 (QUALITY.md: a rate is
    # never suppressed because its numerator is small when its denominator is large).
    frame = table([
        ("ward", "A", 7, 400, 1.75), ("ward", "B", 30, 500, 6.0), ("ward", "C", 20, 100, 20.0),
        ("Total", "Total", 57, 1000, 5.7),
    ])
    assert_table(protect(frame, Unit.PERCENT, Audience.PARTNER, published=False), [
        ("ward", "A", 7, 400, 1.75, "value"), ("ward", "B", 30, 500, 6.0, "value"),
        ("ward", "C", 20, 100, 20.0, "value"), ("Total", "Total", 57, 1000, 5.7, "value"),
    ])


TIMELINESS = table([
    ("team", "A", 2, 40, 5.0), ("team", "B", 1, 3, 100 / 3), ("team", "C", 20, 57, 100 * 20 / 57),
    ("Total", "Total", 23, 100, 23.0),
])


def test_partner_timeliness_is_suppressed_on_its_denominator_only():
    # Decisions in 6 weeks by team. Numerators count the service's decisions on time: never hidden (A's 2
    # and B's 1 stay). B's denominator 3 is below 5: c, and its percentage with it. One c in the
    # denominator margin: the smallest other non-zero denominator, A's 40, is hidden too, with A's 5.0%.
    # What is left pins nothing: A + B = 100 - 57 = 43 with A >= 2 and B >= 1.
    assert_table(protect(TIMELINESS, Unit.PERCENT, Audience.PARTNER, published=False, timeliness=True), [
        ("team", "A", 2, C, C, "c"), ("team", "B", 1, C, C, "c"),
        ("team", "C", 20, 57, 35.087719, "value"), ("Total", "Total", 23, 100, 23.0, "value"),
    ])


def test_public_timeliness_needs_a_denominator_of_ten_and_rounds_every_count():
    # B's denominator 3 is below 10: c; A's 40 is the second c of the margin. Numerators are rounded to 5
    # but never hidden (2 -> 0, 1 -> 0, 20 -> 20, 23 -> 25); denominators 57 -> 55, 100 -> 100; percentages
    # from the rounded figures: C 20 / 55 = 36.36%, Total 25 / 100 = 25%.
    assert_table(protect(TIMELINESS, Unit.PERCENT, Audience.PUBLIC, published=False, timeliness=True), [
        ("team", "A", 0, C, C, "c"), ("team", "B", 0, C, C, "c"),
        ("team", "C", 20, 55, 36.363636, "value"), ("Total", "Total", 25, 100, 25.0, "value"),
    ])


# --- figure families: a year with its months, protected once -------------------------------------------------

def family_rows():
    """Requests by ward: the year 2020 and (for brevity) a year of two months, Jan + Feb = the year."""
    rows = []
    for period, total, knowle, other in (("2020", 30, 14, 16), ("2020-01", 18, 10, 8), ("2020-02", 12, 4, 8)):
        rows.append(table([("Total", "Total", total, None, total), ("ward", "Knowle", knowle, None, knowle),
                           ("ward", "Other", other, None, other)], period=period))
    return pd.concat(rows, ignore_index=True)


def test_the_year_minus_its_months_gives_nothing_away():
    # One request at a time: February's Knowle 4 is c and Other's 8 with it, but January (10 and 8) and
    # the year (14 and 16) are shown in full, so February's Knowle is 14 - 10 = 4.
    frame = family_rows()
    alone = pd.concat([protect(frame[frame["period"] == p], Unit.COUNT, Audience.PARTNER, published=False)
                       for p in ("2020", "2020-01", "2020-02")])
    assert alone.set_index(["period", "breakdown_value"]).loc[("2020-01", "Knowle"), "value"] == 10
    # As one family the months of each ward add up to its year: February's c in Knowle's months needs a
    # second, the smaller of January's 10 and the year's 14: January's Knowle; likewise January's Other 8
    # (before the year's 16). The year's total 30 is known (published) and never hidden. What is left,
    # with Knowle in January = t: Other in January 18 - t, Knowle in February 14 - t, Other in February
    # t - 2, each at least 1, gives t anywhere from 3 to 13: nothing pinned.
    out = protect_family(frame, Unit.COUNT, Audience.PARTNER, timeliness=False,
                         year_of={"2020-01": "2020", "2020-02": "2020"}, months_add_up=True, known_years={"2020"})
    shown = out.set_index(["period", "breakdown_value"])["value"].to_dict()
    assert shown[("2020", "Total")] == 30 and shown[("2020", "Knowle")] == 14 and shown[("2020", "Other")] == 16
    assert shown[("2020-01", "Total")] == 18 and shown[("2020-02", "Total")] == 12
    for month in ("2020-01", "2020-02"):
        for ward in ("Knowle", "Other"):
            assert math.isnan(shown[(month, ward)]), (month, ward)


def test_a_year_with_a_small_total_keeps_only_that_row():
    # Three requests in the year: every part is small, and the wards present would say where they live.
    frame = table([("Total", "Total", 3, None, 3), ("ward", "Knowle", 2, None, 2), ("ward", "Other", 1, None, 1)],
                  period="2020")
    out = protect_family(frame, Unit.COUNT, Audience.PARTNER, timeliness=False, year_of={}, months_add_up=True,
                         known_years={"2020"})
    assert_table(out, [("Total", "Total", C, C, C, "c")])


def test_partner_small_denominator_secondary_in_denominator_margin():
    # Denominators: A's 3 is c; the denominator margin then needs a second c: the smallest non-zero shown
    # denominator is B's 12. A's numerator is 0 (a true zero, shown); B's 9/12 has a hidden denominator so its
    # percentage is c.
    # Numerator margin: B's 9 is not hidden by the value rule (its denominator already is), so the numerator
    # margin has no c and needs none.
    frame = table([
        ("ward", "A", 0, 3, 0.0), ("ward", "B", 9, 12, 75.0), ("ward", "C", 40, 60, 100 * 40 / 60),
        ("Total", "Total", 49, 75, 100 * 49 / 75),
    ])
    assert_table(protect(frame, Unit.PERCENT, Audience.PARTNER, published=False), [
        ("ward", "A", 0, C, C, "c"), ("ward", "B", 9, C, C, "c"), ("ward", "C", 40, 60, 66.666667, "value"),
        ("Total", "Total", 49, 75, 65.333333, "value"),
    ])


def test_partner_bounds_cannot_pin_a_hidden_denominator():
    # Denominators: C's 1 is c; its table then needs a second c: A's 7 (smallest non-zero).
    # Percentages: A (numerator 7 < 10, denominator hidden) and C (denominator hidden) are c; A's numerator
    # stays, as its denominator is already hidden; C's numerator is a true zero and stays.
    # But a partner can still reason: hidden denominators A + C = 20 - 12 = 8, A is at least its numerator
    # 7, C is at least 1 (a c is never 0), so A = 7 and C = 1 exactly. The audit sees both pinned and hides
    # the next smallest denominator, B's 12 (B's percentage goes with it): now A + B + C = 20 with A >= 7,
    # B >= 10, C >= 1 leaves A in 7..9, B in 10..12, C in 1..3.
    frame = table([
        ("ward", "A", 7, 7, 100.0), ("ward", "B", 10, 12, 100 * 10 / 12), ("ward", "C", 0, 1, 0.0),
        ("Total", "Total", 17, 20, 85.0),
    ])
    assert_table(protect(frame, Unit.PERCENT, Audience.PARTNER, published=False), [
        ("ward", "A", 7, C, C, "c"), ("ward", "B", 10, C, C, "c"), ("ward", "C", 0, C, C, "c"),
        ("Total", "Total", 17, 20, 85.0, "value"),
    ])


def test_mean_weeks_hides_the_sum_with_the_value():
    # Mean weeks to issue: numerator is the sum of weeks, denominator the number of plans.
    # A: 7 plans (below 10) -> mean c, and its 140-week sum is hidden (140 / 7 = 20 would give it back).
    # Sums add up: A's sum = 740 - B's sum, and B's sum = 24.0 x 25 = 600 from B's own mean and count. So the
    # sum margin needs a second c: the smallest non-zero sum shown is B's 600 -> hidden, and B's mean with
    # it. Denominators: none is 1-5, so all are shown. The total stays.
    frame = table([
        ("team", "A", 140, 7, 20.0), ("team", "B", 600, 25, 24.0), ("Total", "Total", 740, 32, 23.125),
    ])
    assert_table(protect(frame, Unit.WEEKS, Audience.PARTNER, published=False), [
        ("team", "A", C, 7, C, "c"), ("team", "B", C, 25, C, "c"), ("Total", "Total", 740, 32, 23.125, "value"),
    ])
    # Public: 7 is below 10 -> c; the other counts rounded (25 -> 25, 32 -> 30); sums never shown; the one
    # c in the denominator margin forces B's 25 to c as well, and with it B's mean.
    assert_table(protect(frame, Unit.WEEKS, Audience.PUBLIC, published=False), [
        ("team", "A", C, C, C, "c"), ("team", "B", C, C, C, "c"), ("Total", "Total", C, 30, 23.125, "value"),
    ])


def test_non_value_statuses_pass_through():
    frame = table([
        ("ward", "A", None, None, None, "x"), ("ward", "B", 0, 0, None, "z"),
        ("ward", "C", 40, 50, 80.0), ("Total", "Total", 40, 50, 80.0),
    ])
    assert_table(protect(frame, Unit.PERCENT, Audience.PARTNER, published=False), [
        ("ward", "A", C, C, C, "x"), ("ward", "B", 0, 0, C, "z"),
        ("ward", "C", 40, 50, 80.0, "value"), ("Total", "Total", 40, 50, 80.0, "value"),
    ])


def test_periods_and_areas_are_separate_tables():
    # The same small ward in two periods: each period's table gets its own secondary suppression.
    frame = pd.concat([
        table([("ward", "A", 2, None, 2), ("ward", "B", 30, None, 30), ("ward", "C", 40, None, 40),
               ("Total", "Total", 72, None, 72)], period="2023"),
        table([("ward", "A", 50, None, 50), ("ward", "B", 30, None, 30), ("ward", "C", 40, None, 40),
               ("Total", "Total", 120, None, 120)], period="2024"),
    ], ignore_index=True)
    out = protect(frame, Unit.COUNT, Audience.PARTNER, published=False)
    assert out["status"].tolist() == ["c", "c", "value", "value", "value", "value", "value", "value"]


@pytest.mark.parametrize("unit", [Unit.COUNT, Unit.PERCENT])
@pytest.mark.parametrize("audience", list(Audience))
def test_published_figures_pass_through_for_every_audience(unit, audience):
    out = protect(WARDS_PERCENT, unit, audience, published=True)
    pd.testing.assert_frame_equal(out, WARDS_PERCENT)
    assert out is not WARDS_PERCENT  # a copy: the caller's frame is never shared


def test_officer_passthrough():
    pd.testing.assert_frame_equal(protect(WARDS_COUNT, Unit.COUNT, Audience.OFFICER, published=False), WARDS_COUNT)


def test_input_frame_is_not_modified():
    before = WARDS_PERCENT.copy()
    protect(WARDS_PERCENT, Unit.PERCENT, Audience.PUBLIC, published=False)
    pd.testing.assert_frame_equal(WARDS_PERCENT, before)


def test_missing_columns_are_refused():
    with pytest.raises(ValueError, match="lacks columns"):
        protect(WARDS_COUNT.drop(columns="status"), Unit.COUNT, Audience.PARTNER, published=False)


def test_empty_frame():
    empty = WARDS_COUNT.iloc[0:0]
    assert protect(empty, Unit.COUNT, Audience.PUBLIC, published=False).empty


def test_suppression_notes_are_plain_english_and_differ():
    notes = {a: suppression_note(a) for a in Audience}
    assert "1 to 5" in notes[Audience.PARTNER]
    assert "1 to 9" in notes[Audience.PUBLIC] and "nearest 5" in notes[Audience.PUBLIC]
    assert all("caseworkers are for council officers only" in notes[a] for a in (Audience.PARTNER, Audience.PUBLIC))
    assert "unsuppressed" in notes[Audience.OFFICER]
    assert len(set(notes.values())) == 3
    assert all("Department for Education" in n for n in notes.values())


def test_output_numbers_are_floats_with_nan_for_hidden():
    out = protect(WARDS_COUNT, Unit.COUNT, Audience.PARTNER, published=False)
    assert out["numerator"].dtype == np.float64
    assert math.isnan(out.loc[0, "numerator"])


def test_missing_status_is_read_as_a_value_and_marked_c_when_hidden():
    frame = WARDS_COUNT.assign(status=pd.array([pd.NA, "value", "value", "value", None], dtype="string"))
    out = protect(frame, Unit.COUNT, Audience.PARTNER, published=False)
    assert out["status"].iloc[0] == "c" and out["status"].iloc[3] == "c"
    assert pd.isna(out["status"].iloc[4]) and out["value"].iloc[4] == 62
