"""Property tests for disclosure control over random small-count tables.

Each example is a cross-tab of children by ward x sex, with a numerator and a denominator in every cell,
published as two breakdowns (ward, sex) that share one Total row, so the Total belongs to two additive
tables at once. Cell counts mix zeros, 1-5, 6-9 and large numbers, which is where the rules bite.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from indicators.disclosure import protect
from indicators.vocabulary import RESULT_COLUMNS, TOTAL, Audience, Unit

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Small counts are over-represented on purpose.
count = st.one_of(st.just(0), st.just(1), st.integers(1, 5), st.integers(6, 9), st.integers(10, 40), st.integers(41, 900))


@st.composite
def crosstab(draw):
    n_wards = draw(st.integers(2, 5))
    cells = draw(st.lists(st.tuples(count, count), min_size=n_wards * 2, max_size=n_wards * 2))
    num = np.array([a for a, _ in cells], dtype=float).reshape(n_wards, 2)
    den = num + np.array([b for _, b in cells], dtype=float).reshape(n_wards, 2)  # numerator <= denominator
    return num, den


def to_result(num: np.ndarray, den: np.ndarray, unit: Unit) -> pd.DataFrame:
    rows = []
    wards = [(f"W{i}", num[i].sum(), den[i].sum()) for i in range(num.shape[0])]
    sexes = [("Female", num[:, 0].sum(), den[:, 0].sum()), ("Male", num[:, 1].sum(), den[:, 1].sum())]
    parts = [("ward", *w) for w in wards] + [("sex", *s) for s in sexes]
    for breakdown, bvalue, n, d in parts + [(TOTAL, TOTAL, num.sum(), den.sum())]:
        if unit is Unit.COUNT:
            value, d, status = n, np.nan, "value"
        else:
            scale = 100.0 if unit is Unit.PERCENT else 10000.0
            value, status = (scale * n / d, "value") if d > 0 else (np.nan, "z")
        rows.append(("2024", "E06000023", "Bristol, City of", breakdown, bvalue, n, d, value, status))
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def margins(frame: pd.DataFrame) -> list[list[int]]:
    """Row positions of each additive relationship: the ward parts + Total, the sex parts + Total."""
    total = list(np.flatnonzero(frame["breakdown"] == TOTAL))
    return [list(np.flatnonzero(frame["breakdown"] == b)) + total for b in ("ward", "sex")]


units = st.sampled_from([Unit.COUNT, Unit.PERCENT, Unit.RATE_PER_10000])


def hidden(before: pd.Series, after: pd.Series) -> np.ndarray:
    return before.notna().to_numpy() & after.isna().to_numpy()


@SETTINGS
@given(crosstab(), units)
def test_partner_shows_no_count_of_one_to_five_and_keeps_zeros(tab, unit):
    frame = to_result(*tab, unit)
    out = protect(frame, unit, Audience.PARTNER, published=False)
    for col in ("numerator", "denominator"):
        shown = out[col].dropna()
        assert not ((shown >= 1) & (shown <= 5)).any(), col
        # Shown counts are exact, and every true zero is still a zero.
        assert (shown == frame.loc[shown.index, col]).all()
        zeros = frame[col] == 0
        assert (out.loc[zeros, col] == 0).all(), f"a zero {col} was hidden"
    if unit is Unit.COUNT:
        shown = out["value"].dropna()
        assert not ((shown >= 1) & (shown <= 5)).any()


@SETTINGS
@given(crosstab(), units)
def test_public_counts_are_at_least_ten_and_multiples_of_five(tab, unit):
    frame = to_result(*tab, unit)
    out = protect(frame, unit, Audience.PUBLIC, published=False)
    cols = ["numerator", "denominator"] + (["value"] if unit is Unit.COUNT else [])
    for col in cols:
        shown = out[col].dropna()
        assert ((shown >= 10) | (frame.loc[shown.index, col] == 0)).all(), col  # true zeros stay 0
        assert (shown % 5 == 0).all(), col
        # Rounded to the NEAREST 5: never more than 2 away from the truth.
        assert ((shown - frame.loc[shown.index, col]).abs() <= 2).all(), col


@SETTINGS
@given(crosstab(), units, st.sampled_from([Audience.PARTNER, Audience.PUBLIC]))
def test_no_suppressed_cell_can_be_recovered_from_its_margin(tab, unit, audience):
    frame = to_result(*tab, unit)
    out = protect(frame, unit, audience, published=False)
    for col in ("numerator", "denominator"):
        gone = hidden(frame[col], out[col])
        for cells in margins(frame):
            n_hidden = int(gone[cells].sum())
            assert n_hidden == 0 or n_hidden >= 2, f"{col}: one c alone in margin {cells}"
            if audience is Audience.PARTNER and n_hidden:
                # A partner knows a c is not 0 (zeros are shown); hidden parts that are all 1 would be known.
                total_shown = not gone[cells[-1]]
                hidden_parts = [i for i in cells[:-1] if gone[i]]
                if total_shown and len(hidden_parts) == n_hidden:
                    assert frame.loc[hidden_parts, col].sum() > len(hidden_parts)


@SETTINGS
@given(crosstab(), st.sampled_from([Unit.PERCENT, Unit.RATE_PER_10000]),
       st.sampled_from([Audience.PARTNER, Audience.PUBLIC]))
def test_rates_with_a_suppressed_component_are_suppressed(tab, unit, audience):
    frame = to_result(*tab, unit)
    out = protect(frame, unit, audience, published=False)
    is_value = frame["status"] == "value"
    component_hidden = hidden(frame["numerator"], out["numerator"]) | hidden(frame["denominator"], out["denominator"])
    must_hide = is_value & component_hidden
    assert out.loc[must_hide, "value"].isna().all()
    assert (out.loc[must_hide, "status"] == "c").all()
    # Every value shown has both its components shown, so nothing else is needed to check it.
    shown = out["value"].notna()
    assert out.loc[shown, ["numerator", "denominator"]].notna().all().all()
    # A hidden value cannot be recomputed: a component is hidden too, unless the numerator is a true zero.
    hid = is_value & out["value"].isna()
    recomputable = out["numerator"].notna() & out["denominator"].notna() & (out["numerator"] != 0)
    assert not (hid & recomputable).any()
    if audience is Audience.PUBLIC:
        scale = 100.0 if unit is Unit.PERCENT else 10000.0
        expected = scale * out.loc[shown, "numerator"] / out.loc[shown, "denominator"]
        assert np.allclose(out.loc[shown, "value"], expected), "public rates come from the rounded figures"


@SETTINGS
@given(crosstab(), units, st.sampled_from(list(Audience)))
def test_status_and_shape_are_consistent(tab, unit, audience):
    frame = to_result(*tab, unit)
    out = protect(frame, unit, audience, published=False)
    assert list(out.columns) == RESULT_COLUMNS and len(out) == len(frame)
    assert (out["status"] == "c").eq(frame["status"].eq("value") & out["value"].isna()).all()
    assert (out.loc[frame["status"] == "z", "status"] == "z").all()  # non-value statuses pass through


def attacker_ranges(frame: pd.DataFrame, out: pd.DataFrame, unit: Unit) -> dict[tuple[str, int], tuple[float, float]]:
    """Lowest and highest value a partner could deduce for every hidden count, by linear programming.

    Independent of the code under test: the attacker knows what is shown, that every table adds up, that a
    hidden count is at least 1 (partners see zeros as 0) and that a numerator is at most its denominator.
    """
    cols = ["numerator"] + (["denominator"] if unit is not Unit.COUNT else [])
    cells = [(col, i) for col in cols for i in range(len(frame))
             if pd.notna(frame.at[i, col]) and pd.isna(out.at[i, col])]
    if not cells:
        return {}
    index = {cell: k for k, cell in enumerate(cells)}
    n = len(cells)
    a_eq, b_eq, a_ub, b_ub = [], [], [], []
    for col in cols:
        for margin in margins(frame):
            *parts, total = margin
            row, rhs = np.zeros(n), 0.0
            for i, sign in [(p, 1.0) for p in parts] + [(total, -1.0)]:
                if (col, i) in index:
                    row[index[(col, i)]] += sign
                else:
                    rhs -= sign * out.at[i, col]
            if row.any():
                a_eq.append(row)
                b_eq.append(rhs)
    bounds = [(1.0, None)] * n
    if unit is not Unit.COUNT:  # numerator <= denominator in every row
        for i in range(len(frame)):
            num, den = ("numerator", i) in index, ("denominator", i) in index
            if num and den:
                row = np.zeros(n)
                row[index[("numerator", i)]], row[index[("denominator", i)]] = 1.0, -1.0
                a_ub.append(row)
                b_ub.append(0.0)
            elif num:
                bounds[index[("numerator", i)]] = (1.0, out.at[i, "denominator"])
            elif den:
                bounds[index[("denominator", i)]] = (max(1.0, out.at[i, "numerator"]), None)
    ranges = {}
    for cell, k in index.items():
        c = np.zeros(n)
        c[k] = 1.0
        ends = []
        for sense in (1.0, -1.0):
            res = linprog(sense * c, A_ub=np.array(a_ub) if a_ub else None, b_ub=b_ub or None,
                          A_eq=np.array(a_eq) if a_eq else None, b_eq=b_eq or None, bounds=bounds,
                          method="highs")
            assert res.status in (0, 3), res.message  # 3: unbounded above, fine
            ends.append(sense * res.fun if res.status == 0 else np.inf)
        ranges[cell] = (ends[0], ends[1])
    return ranges


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(crosstab(), units)
def test_partner_cannot_pin_down_any_hidden_count(tab, unit):
    """Beyond 'two c per table': no hidden count has only one possible whole-number value."""
    frame = to_result(*tab, unit)
    out = protect(frame, unit, Audience.PARTNER, published=False)
    for cell, (low, high) in attacker_ranges(frame, out, unit).items():
        possible = np.floor(high + 1e-6) - np.ceil(low - 1e-6) + 1
        assert possible >= 2, f"{cell} can only be {low:g}..{high:g} (true {frame.at[cell[1], cell[0]]:g})"
