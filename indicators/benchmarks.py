"""Benchmarks for one indicator and period, the way DfE's LA Interactive Tool (LAIT) computes them.

Inputs are plain frames (area_code, area_name, value) of every LA's value for one period; the engine
filters and protects them first. Everything here is a pure function of its arguments.

LAIT's method, which we follow:
* statistical-neighbour average: the simple mean of the neighbours' values that exist (not weighted by
  population, missing neighbours dropped, not imputed);
* national rank: rank among LAs with a value, 1 = best by polarity, ties share the best (lowest) rank
  (R's `rank(ties.method = "min")`);
* quartile bands: cut-points are R's `quantile()` default (type 7, linear interpolation between order
  statistics), which is numpy's default `percentile` method, over every LA with a value; A is the best
  quartile by polarity.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from indicators.vocabulary import Polarity, Status, Unit

if TYPE_CHECKING:
    from indicators.results import Benchmark

Band = str  # "A" | "B" | "C" | "D"


# --- intervals -------------------------------------------------------------------------------------------

def wilson_interval(numerator: float, denominator: float, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for the proportion numerator/denominator, as fractions of 1.

    Chosen over the simple (Wald) interval because it stays inside 0..1 and behaves at small counts and
    at 0% and 100%, which is where SEND figures for a small LA live. Raises ValueError for a denominator
    of 0 or less, or a numerator outside 0..denominator.
    """
    n, x = float(denominator), float(numerator)
    if not n > 0 or not 0 <= x <= n:
        raise ValueError(f"need 0 <= numerator <= denominator and denominator > 0, got {x}/{n}")
    p = x / n
    z2 = z * z
    scale = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / scale
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / scale
    # Clamp tiny floating-point excursions past 0 and 1 (at p = 0 or 1 the bound is exactly 0 or 1).
    return max(0.0, centre - half), min(1.0, centre + half)


def poisson_interval(count: float, level: float = 0.95) -> tuple[float, float]:
    """Exact (Garwood) interval for a Poisson count, from the chi-squared distribution.

    Used for counts of events (requests, plans, appeals) where there is no denominator to make a
    proportion. For 0 the lower bound is 0. Raises ValueError for a negative count.
    """
    k = float(count)
    if not k >= 0:
        raise ValueError(f"count must be 0 or more, got {count}")
    alpha = 1 - level
    lower = 0.0 if k == 0 else stats.chi2.ppf(alpha / 2, 2 * k) / 2
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return float(lower), float(upper)


Z95 = 1.959963984540054  # two-sided 95%
Z998 = 3.090232306167813  # two-sided 99.8%


def control_limits(p: float, n: float | np.ndarray, z: float = Z95) -> tuple[Any, Any]:
    """Lower and upper control limits (as proportions, clipped to 0..1) around the rate `p` for a
    denominator `n`, by the normal approximation to the binomial: p ± z·√(p(1−p)/n). For a funnel plot of
    schools (or any units of different sizes) around the area's rate.

    E.g. p = 0.2, n = 100, z = 1.96: 0.2 ± 1.96 × 0.04 = 0.1216 and 0.2784.
    """
    n = np.asarray(n, dtype=float)
    half = z * np.sqrt(p * (1 - p) / n)
    lower, upper = np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)
    if lower.ndim == 0:
        return float(lower), float(upper)
    return lower, upper


# --- statistical neighbours, rank and quartile band ------------------------------------------------------

def _clean(values: pd.DataFrame) -> pd.Series:
    """Values by area_code, nulls (and rows whose status is not a value) dropped; one row per LA."""
    if values["area_code"].duplicated().any():
        dupes = sorted(values.loc[values["area_code"].duplicated(), "area_code"].astype(str).unique())
        raise ValueError(f"more than one value for {dupes}: pass one period of one indicator")
    series = pd.Series(pd.to_numeric(values["value"], errors="coerce").to_numpy(dtype=float, na_value=np.nan),
                       index=values["area_code"].astype(str).to_numpy())
    if "status" in values.columns:
        series[(values["status"].astype(str) != Status.VALUE.value).to_numpy()] = np.nan
    return series.dropna()


def neighbour_summary(values: pd.DataFrame, la_code: str, neighbours: Sequence[str]) -> dict[str, Any]:
    """The LA's value beside its statistical neighbours', with their mean and median.

    `neighbours` are the LA's neighbour codes in rank order (10 in DfE's model). Returns a dict:
    la_code, la_value (None if missing), neighbours (list of dicts: rank, area_code, area_name, value, in
    rank order, value None where missing), sn_mean (simple arithmetic mean of the neighbours with data, as
    LAIT), sn_median, sn_count (neighbours with data) and sn_expected (neighbours listed). Mean and
    median are None when no neighbour has data.
    """
    clean = _clean(values)
    names = dict(zip(values["area_code"].astype(str), values["area_name"], strict=False))
    rows = []
    for rank_no, code in enumerate(neighbours, start=1):
        value = clean.get(str(code))
        rows.append({"rank": rank_no, "area_code": str(code), "area_name": names.get(str(code)),
                     "value": None if value is None else float(value)})
    available = [r["value"] for r in rows if r["value"] is not None]
    la_value = clean.get(str(la_code))
    return {
        "la_code": str(la_code),
        "la_value": None if la_value is None else float(la_value),
        "neighbours": rows,
        "sn_mean": float(np.mean(available)) if available else None,
        "sn_median": float(np.median(available)) if available else None,
        "sn_count": len(available),
        "sn_expected": len(rows),
    }


def rank(values: pd.DataFrame, la_code: str, polarity: Polarity) -> tuple[int | None, int]:
    """(rank, out_of) of the LA among all LAs with a value.

    1 is best: the highest value when high is good, the lowest when low is good. Ties share the best
    rank (two LAs level in 3rd place are both 3rd, the next is 5th). Nulls are excluded from both rank
    and out_of; an LA without a value gets (None, out_of).
    For NO_JUDGEMENT the rank is by value from the highest down (1 = highest): a position, not a
    judgement; pages should label it "highest to lowest" rather than "best".
    """
    clean = _clean(values)
    out_of = len(clean)
    code = str(la_code)
    if code not in clean.index:
        return None, out_of
    mine = clean[code]
    better = clean < mine if Polarity(polarity) is Polarity.LOW_IS_GOOD else clean > mine
    return int(better.sum()) + 1, out_of


def quartile_cut_points(values: pd.DataFrame) -> tuple[float, float, float] | None:
    """25th, 50th and 75th percentiles over LAs with a value (numpy linear = R type 7, LAIT's method).

    None when no LA has a value. Pages show them as LAIT does: "(A) up to and including ...".
    """
    clean = _clean(values)
    if clean.empty:
        return None
    q25, q50, q75 = np.percentile(clean.to_numpy(), [25, 50, 75])
    return float(q25), float(q50), float(q75)


def quartile_band(values: pd.DataFrame, la_code: str, polarity: Polarity) -> Band | None:
    """Quartile band A (best quarter of LAs by polarity) to D (worst) of the LA's value.

    Cut-points from `quartile_cut_points`. A value exactly on a cut-point goes to the better band
    (high is good: value >= Q75 is A; low is good: value <= Q25 is A). LAIT itself closes every band
    on the right, so for high-is-good indicators LAIT puts an LA exactly on a cut-point in the worse
    band; we differ there on purpose (the brief asks for the better band). None for NO_JUDGEMENT and
    for an LA without a value.
    """
    polarity = Polarity(polarity)
    if polarity is Polarity.NO_JUDGEMENT:
        return None
    clean = _clean(values)
    code = str(la_code)
    cuts = quartile_cut_points(values)
    if code not in clean.index or cuts is None:
        return None
    v = clean[code]
    q25, q50, q75 = cuts
    if polarity is Polarity.HIGH_IS_GOOD:
        return "A" if v >= q75 else "B" if v >= q50 else "C" if v >= q25 else "D"
    return "A" if v <= q25 else "B" if v <= q50 else "C" if v <= q75 else "D"


# --- direction of travel ---------------------------------------------------------------------------------

def _figure(point: Mapping[str, Any] | pd.Series | None, key: str) -> float | None:
    if point is None:
        return None
    raw = point.get(key) if hasattr(point, "get") else None
    if raw is None:
        return None
    try:
        number = float(raw)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _interval(point: Mapping[str, Any] | pd.Series, unit: Unit, level: float) -> tuple[float, float] | None:
    """A confidence interval for one period's figure, on the value's own scale, or None if not possible."""
    status = point.get("status") if hasattr(point, "get") else None
    if status is not None and not pd.isna(status) and str(status) != Status.VALUE.value:
        return None  # a suppressed or unavailable figure is not assessed (and must not leak through this)
    num, den = _figure(point, "numerator"), _figure(point, "denominator")
    z = float(stats.norm.ppf(0.5 + level / 2))
    if unit is Unit.PERCENT:
        if num is None or den is None or den <= 0 or not 0 <= num <= den:
            return None
        low, high = wilson_interval(num, den, z)
        return 100 * low, 100 * high
    if unit is Unit.COUNT:
        count = num if num is not None else _figure(point, "value")
        return None if count is None or count < 0 else poisson_interval(count, level)
    if unit is Unit.RATE_PER_10000:
        # Events are Poisson; the population is known exactly, so the interval scales with it.
        if num is None or den is None or den <= 0 or num < 0:
            return None
        low, high = poisson_interval(num, level)
        return 10000 * low / den, 10000 * high / den
    return None  # means, gaps, weeks, days: no spread is supplied, so no test is possible


def direction_of_travel(current: Mapping[str, Any] | pd.Series | None,
                        previous: Mapping[str, Any] | pd.Series | None,
                        unit: Unit, polarity: Polarity, level: float = 0.95) -> str:
    """"improving", "worsening", "no significant change" or "not assessed" between two periods.

    `current` and `previous` are result rows (a dict or a Series with numerator, denominator, value and
    optionally status). A change is significant only when the two periods' intervals do not overlap:
    Wilson score intervals for percentages, exact Poisson intervals for counts and for rates per 10,000
    (the population treated as fixed). Non-overlap of two 95% intervals is a stricter test than a 5%
    two-sample test (roughly 0.5%), so "no significant change" is said more readily; that errs towards
    not crying wolf on a board paper. Units without a spread (means, gaps, weeks, days), missing
    figures and any status other than a value give "not assessed".
    For NO_JUDGEMENT the words are "increasing", "decreasing" or "no significant change".
    """
    unit, polarity = Unit(unit), Polarity(polarity)
    if current is None or previous is None:
        return "not assessed"
    now, before = _interval(current, unit, level), _interval(previous, unit, level)
    if now is None or before is None:
        return "not assessed"
    if now[0] > before[1]:
        up = True
    elif now[1] < before[0]:
        up = False
    else:
        return "no significant change"
    if polarity is Polarity.NO_JUDGEMENT:
        return "increasing" if up else "decreasing"
    good = up == (polarity is Polarity.HIGH_IS_GOOD)
    return "improving" if good else "worsening"


# --- RAG ---------------------------------------------------------------------------------------------------

def _number(x: float | None) -> float | None:
    if x is None:
        return None
    try:
        number = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def rag_against_target(value: float | None, target: float | None, polarity: Polarity,
                       tolerance: float = 0.0) -> str | None:
    """"green" (target met), "amber" (missed by no more than `tolerance`) or "red" (missed by more).

    `tolerance` is in the value's own units (e.g. 5 = five percentage points). Meeting the target
    exactly is green. None when the value or target is missing, or the indicator has no polarity
    (a target for a no-judgement measure has no direction to miss it in). The words are returned; the
    page pairs them with a colour, never the colour alone.
    """
    v, t = _number(value), _number(target)
    polarity = Polarity(polarity)
    if tolerance < 0:
        raise ValueError("tolerance must be 0 or more")
    if v is None or t is None or polarity is Polarity.NO_JUDGEMENT:
        return None
    shortfall = t - v if polarity is Polarity.HIGH_IS_GOOD else v - t
    if shortfall <= 0:
        return "green"
    return "amber" if shortfall <= tolerance else "red"


def rag_against_comparator(value: float | None, comparator: float | None, polarity: Polarity,
                           ci: tuple[float, float] | None = None, tolerance: float = 0.0) -> str | None:
    """"green" (better than the comparator), "amber" (similar) or "red" (worse).

    Similar means the difference is no more than `tolerance` (in the value's own units, e.g. 2 = two
    percentage points), or, with `ci` (the LA value's confidence interval, same units), that the comparator
    lies inside the interval: not significantly different, as Fingertips does. Either is enough, so a
    0.2-point difference never reads as worse. None for missing figures or NO_JUDGEMENT.
    """
    v, c = _number(value), _number(comparator)
    polarity = Polarity(polarity)
    if tolerance < 0:
        raise ValueError("tolerance must be 0 or more")
    if v is None or c is None or polarity is Polarity.NO_JUDGEMENT:
        return None
    # Rounding noise: a difference that equals the tolerance in the figures' own decimals is within it.
    if abs(v - c) <= tolerance + 1e-9:
        return "amber"
    if ci is not None:
        low, high = sorted((float(ci[0]), float(ci[1])))
        if low <= c <= high:
            return "amber"
    return "green" if (v > c) == (polarity is Polarity.HIGH_IS_GOOD) else "red"


def confidence_interval(point: Mapping[str, Any] | pd.Series | None, unit: Unit,
                        level: float = 0.95) -> tuple[float, float] | None:
    """A period's figure's confidence interval on its own scale (Wilson for percentages, exact Poisson for
    counts and rates), or None where numerator and denominator are not known or the figure is not a value."""
    return None if point is None else _interval(point, Unit(unit), level)


# --- the one headline rating -------------------------------------------------------------------------------

RATING_ORDER = ("target", "neighbours", "england")


def rating(bench: Benchmark | None) -> tuple[str | None, str]:
    """The one rating a measure shows, and what it is against, from its benchmark block (`Engine.benchmark`).

    Tile, narrative and board pack all call this, so they cannot disagree. The area's target where the
    figure is rated against one; else the statistical neighbours' average; else England (each comparison
    already allows for its tolerance and interval). Returns (rag, against): rag "green", "amber", "red" or
    None (not rated); against "target", "neighbours", "england", or "target_unrated" when a target is set
    but the figure could not be rated against it.
    """
    target = bench.target if bench is not None else None
    if target is not None and target.rag:
        return target.rag, "target"
    against = {"neighbours": bench.rag_against_neighbours if bench is not None else None,
               "england": bench.rag_against_england if bench is not None else None}
    for name in RATING_ORDER[1:]:
        if against[name] in ("green", "amber", "red"):
            return against[name], name
    return None, "target" if target is None or target.target is None else "target_unrated"


# --- rank per 10,000 of the population ----------------------------------------------------------------------

def per_10000(counts: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Counts turned into rates per 10,000 of a population, for ranking councils of different sizes.

    Both frames have area_code and value (one period each); the result has area_code, area_name (where the
    counts give it) and value = 10,000 x count / population, for areas with both a count and a population
    above 0. An area without a population is left out rather than ranked on its raw count.
    """
    count = _clean(counts)
    people = _clean(population)
    people = people[people > 0]
    shared = count.index.intersection(people.index)
    names = dict(zip(counts["area_code"].astype(str), counts.get("area_name", counts["area_code"]), strict=False))
    return pd.DataFrame({"area_code": list(shared), "area_name": [names.get(c) for c in shared],
                         "value": (10000 * count[shared] / people[shared]).to_numpy(dtype=float)})
