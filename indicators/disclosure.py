"""Disclosure control for engine results: the rules of QUALITY.md ("Disclosure control") as pure functions.

The engine protects whole figure families with `protect_families`: an area and year together with every
breakdown of the year and its months, protected once and cached, so every request, page, download and the
command line reads its rows from one pattern and no combination of requests can work out a hidden count
(the year minus its months, a total hidden in one table and shown in another). `protect(result, unit,
audience, published)` applies the same rules to one frame on its own. In the frames returned nothing the
audience may not see survives:

* published DfE figures and officers: unchanged;
* partners: counts of children of 1-5 become `c` (true zeros stay 0); secondary suppression so no `c`
  can be worked out from a total, from the months of a year and the other cells; a rate, percentage,
  mean or gap built on a suppressed count becomes `c`, and its numerator is hidden too so it cannot be
  recomputed (a small numerator over a large denominator is not hidden for being small); then an audit
  hides more where a `c` could still be pinned down by reasoning with bounds (a `c` is never 0, a
  numerator is never above its denominator), see `_close_exposures`;
* timeliness measures (the catalogue's `timeliness: true`: decided in 6 weeks, issued in 20 weeks...):
  the numerator counts the service's decisions, not children, so it is never hidden; the percentage is
  `c` only when its denominator is below 5 (partners) or 10 (the public), with the same secondary
  suppression of denominators;
* public: counts of 1-9 become `c`, true zeros stay 0, the rest are rounded to the nearest 5, and
  percentages and rates are recomputed from the rounded figures; the same secondary suppression and audit
  (a rounded figure is known to within 2).

A year's all-children figure that DfE publishes is known to every reader, so a family never relies on
hiding it; a year whose all-children count is itself small keeps only that row; a table whose hidden cells
the rows present would still give away (a known 10 over ten hidden wards) is left out of the family.

What is a "count" depends on the unit:

* COUNT: the count is the numerator (value = numerator; a missing numerator is taken from value);
* PERCENT and RATE_PER_10000: numerator and denominator are both counts of people;
* MEAN_SCORE, GAP_POINTS, WEEKS and DAYS: the denominator is the number of children the figure is
  averaged over (a count); the numerator is a sum of scores, weeks or days, not a count of people, so it
  is never itself tested against the thresholds. The value is `c` when its count is hidden or below 10.
  Sums add up across a table just as counts do, and a shown value times its shown count gives its sum,
  so a hidden value hides its sum, and sums get the same secondary suppression (the value of a row whose
  sum is chosen is hidden too). The public never sees sums: with the exact sum and the value the exact
  number of children could be recovered from behind the rounded denominator.

Tables for secondary suppression: rows with the same period, area_code and breakdown form one additive
table whose parts add up to its total. The all-children row (breakdown == TOTAL) is the total of every
breakdown of its period and area; a row whose breakdown_value is TOTAL is the total of its own breakdown
only. Numerators and denominators are protected as two separate additive relationships. When a table has
no total row in the frame we still protect it as if the total were shown, because it usually is, on
another tile. Tables whose parts do not add up exactly (children with an unknown ward, categories a child
can be in twice) are protected the same way; that can only over-suppress, never leak.

Rows whose status is not `value` (x, z, low, u) keep their status: it says why the source has no usable
figure. Their counts still take part in the additive tables and are still hidden when they are small.

Numeric columns come back as float64 with NaN for a hidden or missing figure.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

from indicators.vocabulary import RESULT_COLUMNS, TOTAL, Audience, Status, Unit

# Thresholds from QUALITY.md.
PARTNER_SMALL_MAX = 5  # partner: counts 1..5 are suppressed
RATE_BASE_MIN = 10  # a rate/percentage/mean needs numerator and denominator of at least 10
PUBLIC_MIN = 10  # public: counts below 10 are suppressed
PUBLIC_ROUND_TO = 5  # public: other counts rounded to the nearest 5
TIMELINESS_PARTNER_MIN = 5  # partner: a timeliness rate needs a denominator of 5 (the public's is 10)

_COUNT_NUMERATOR_UNITS = {Unit.COUNT, Unit.PERCENT, Unit.RATE_PER_10000}
_SCALE = {Unit.PERCENT: 100.0, Unit.RATE_PER_10000: 10000.0}


def protect(result: pd.DataFrame, unit: Unit, audience: Audience, published: bool, *,
            timeliness: bool = False) -> pd.DataFrame:
    """Return `result` as the audience may see it, protected as one table (see the module docstring).

    The engine protects whole figure families with `protect_family`; this is the same rules for one frame.
    """
    _check_columns(result)
    if published or Audience(audience) is Audience.OFFICER:
        return result.copy()
    return _protect(result, Unit(unit), Audience(audience), timeliness, _additive_groups(result),
                    np.zeros(len(result), dtype=bool), drop_withheld=False)


def protect_families(frame: pd.DataFrame, unit: Unit, audience: Audience, *, timeliness: bool,
                     granularity: str | None, known_years: Collection[str] = ()) -> pd.DataFrame:
    """Protect every figure family in `frame` (rows of one indicator: years, months and every breakdown).

    A family is an area and year with every breakdown of the year and of its months; each is protected
    once, as a whole, by `protect_family`. granularity: how the figures' years run (`calendar_year`,
    `academic_year`, `financial_year`, or `census` for snapshots, which run by academic year and whose
    months do not add up to the year); None when there are no months. known_years: years whose
    all-children figure the reader knows (years that have ended, which DfE publishes). Rows repeated across
    breakdowns (the all-children rows) are kept once.
    """
    frame = frame.drop_duplicates(["period", "area_code", "breakdown", "breakdown_value"]).reset_index(drop=True)
    periods = frame["period"].astype(str)
    year_of = {p: _year_of_month(p, granularity) for p in periods.unique() if _is_month(p)} if granularity else {}
    families = [protect_family(rows, unit, audience, timeliness=timeliness, year_of=year_of,
                               months_add_up=granularity != "census", known_years=known_years)
                for _key, rows in frame.groupby([frame["area_code"].astype(str), periods.map(lambda p: year_of.get(p, p))],
                                                sort=True)]
    if not families:
        return frame.copy()
    return pd.concat(families, ignore_index=True)


def _is_month(period: str) -> bool:
    return len(period) == 7 and period[4] == "-" and period[:4].isdigit() and period[5:].isdigit()


def _year_of_month(month: str, granularity: str) -> str:
    """The year (as the figures name it) that a `YYYY-MM` month falls in."""
    year, number = int(month[:4]), int(month[5:])
    if granularity == "calendar_year":
        return str(year)
    start = 4 if granularity == "financial_year" else 9  # academic years (and census snapshots) from September
    first = year - (number < start)
    return f"{first}{(first + 1) % 100:02d}"


def protect_family(family: pd.DataFrame, unit: Unit, audience: Audience, *, timeliness: bool,
                   year_of: Mapping[str, str], months_add_up: bool,
                   known_years: Collection[str] = ()) -> pd.DataFrame:
    """Protect the figures of one family at once: an area and year with every breakdown and every month.

    `family` holds the year's rows (the all-children row and every breakdown's rows) and its months' rows;
    `year_of` names the year each month belongs to. Besides the tables of each period, the months of each
    row add up to the year's row when `months_add_up` (events counted by date, not snapshots), so the year
    minus eleven shown months cannot give the twelfth. The all-children row of a year in `known_years` is
    treated as known to the reader (DfE publishes it), so the pattern never relies on hiding it. One call
    gives one pattern; every request reads its rows from it, so no two requests disagree about a cell.

    A year whose all-children count is itself small (it would be `c`) keeps only that row: with so few
    children every part is small, and the rows present and the zeros shown would tell where they are.
    """
    _check_columns(family)
    audience = Audience(audience)
    if audience is Audience.OFFICER:
        return family.copy()
    frame = family.reset_index(drop=True)
    year_total = frame["period"].astype(str).map(lambda p: p not in year_of) & (frame["breakdown"] == TOTAL)
    if year_total.any() and _small_total(frame[year_total], Unit(unit), audience is Audience.PUBLIC, timeliness):
        frame = frame[year_total].reset_index(drop=True)
    groups = _additive_groups(frame)
    period = frame["period"].astype(str).to_numpy()
    is_year = np.array([p not in year_of for p in period])
    if months_add_up:
        keys = list(zip(frame["area_code"].astype(str), frame["breakdown"].astype(str),
                        frame["breakdown_value"].astype(str), strict=True))
        years: dict[tuple[str, str, str, str], int] = {}
        for i in np.flatnonzero(is_year):
            years[(*keys[i], period[i])] = int(i)
        months: dict[int, list[int]] = {}
        for i in np.flatnonzero(~is_year):
            year_row = years.get((*keys[i], year_of[period[i]]))
            if year_row is not None:
                months.setdefault(year_row, []).append(int(i))
        groups += [(np.array(parts, dtype=int), np.array([t], dtype=int)) for t, parts in months.items()]
    known = is_year & (frame["breakdown"] == TOTAL).to_numpy() & np.isin(period, list(known_years))
    return _protect(frame, Unit(unit), audience, timeliness, groups, known, drop_withheld=True)


def _small_total(rows: pd.DataFrame, unit: Unit, public: bool, timeliness: bool) -> bool:
    """Whether an all-children row's count of children would be suppressed."""
    num = pd.to_numeric(rows["numerator"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if unit is Unit.COUNT:
        num = np.where(np.isnan(num), pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype=float), num)
    den = pd.to_numeric(rows["denominator"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    small = _primary(den, public, TIMELINESS_PARTNER_MIN if timeliness else PARTNER_SMALL_MAX + 1)
    if unit in _COUNT_NUMERATOR_UNITS and not timeliness:
        small |= _primary(num, public)
    return bool(small.any())


def _check_columns(frame: pd.DataFrame) -> None:
    missing = [c for c in RESULT_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"result frame lacks columns {missing}")


def _protect(result: pd.DataFrame, unit: Unit, audience: Audience, timeliness: bool,
             groups: list[tuple[np.ndarray, np.ndarray]], known: np.ndarray, drop_withheld: bool) -> pd.DataFrame:
    """The rules, for partners and the public, over the given additive groups.

    known: rows the reader knows already (a published all-children total). They are never relied on to
    hide anything: the tables are protected as if they were shown, and they are hidden only when small.
    drop_withheld: leave out the rows of a table that cannot be protected (see `_close_exposures`); else
    keep them with every figure `c` (a single frame keeps its shape).
    """
    out = result.copy()
    # Own copies: the audit may blank rows it leaves out.
    num = pd.to_numeric(out["numerator"], errors="coerce").to_numpy(dtype=float, na_value=np.nan).copy()
    den = pd.to_numeric(out["denominator"], errors="coerce").to_numpy(dtype=float, na_value=np.nan).copy()
    val = pd.to_numeric(out["value"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    status = out["status"].astype(object).to_numpy()
    # A missing status is read as a value, so a figure hidden here is always marked `c`.
    value_row = out["status"].isna().to_numpy() | (out["status"].astype(object) == Status.VALUE.value).to_numpy()
    timeliness = timeliness and unit is Unit.PERCENT
    # A timeliness numerator counts the service's decisions on time, not children: never suppressed itself.
    num_is_count = unit in _COUNT_NUMERATOR_UNITS and not timeliness
    if unit is Unit.COUNT:
        num = np.where(np.isnan(num), val, num)  # counts are value = numerator

    public = audience is Audience.PUBLIC
    sup_num = _primary(num, public) if num_is_count else np.zeros(len(out), dtype=bool)
    sup_den = _primary(den, public, TIMELINESS_PARTNER_MIN if timeliness else PARTNER_SMALL_MAX + 1)
    # Known rows take part as shown figures; any of them that is small is hidden only at the end.
    small_known_num, small_known_den = sup_num & known, sup_den & known
    sup_num &= ~known
    sup_den &= ~known
    hide_val = np.zeros(len(out), dtype=bool)
    withheld = np.zeros(len(out), dtype=bool)  # rows left out altogether (see _close_exposures)

    while True:
        before = (sup_num.sum(), sup_den.sum(), hide_val.sum())
        # Secondary suppression first, so the value rule below only hides what is still needed.
        if not timeliness:  # sums behind a mean add up across a table just as counts do
            sup_num = _secondary(num, sup_num, groups, known)
        sup_den = _secondary(den, sup_den, groups, known)
        if unit is Unit.COUNT:
            hide_val |= sup_num
        elif timeliness:
            hide_val |= sup_den  # shown whenever its denominator is, however few were on time
        elif num_is_count:
            hide_val |= sup_num | sup_den
            # A hidden value must not be recomputable from what is left: hide its numerator unless the
            # denominator is already hidden. A true zero numerator stays 0 (QUALITY.md), which gives away
            # only that the value is 0.
            sup_num |= hide_val & ~sup_den & ~np.isnan(num) & (num != 0) & ~known
        else:
            # Means, gaps, weeks, days: value x count gives the sum back, and sums add up across the table,
            # so a hidden value means a hidden sum and a hidden sum (chosen as a secondary) a hidden value.
            hide_val |= sup_num | sup_den | (den < RATE_BASE_MIN)
            sup_num |= hide_val & ~np.isnan(num) & ~known
        if (sup_num.sum(), sup_den.sum(), hide_val.sum()) != before:
            continue
        # Only once the simple rules are settled: the audit is the costlier step. It hides cells in place.
        if not _close_exposures(num, den, sup_num, sup_den, groups, num_is_count,
                                num_le_den=unit in _SCALE, known=known, public=public, withheld=withheld):
            break

    sup_num |= small_known_num
    sup_den |= small_known_den
    if unit is Unit.COUNT:
        hide_val |= sup_num
    elif timeliness:
        hide_val |= sup_den
    elif num_is_count:
        hide_val |= sup_num | sup_den
    else:
        hide_val |= sup_num | sup_den
    num_out = np.where(sup_num, np.nan, num)
    den_out = np.where(sup_den, np.nan, den)
    val_out = np.where(hide_val, np.nan, val)

    if public:
        num_out = _round_to(num_out, PUBLIC_ROUND_TO) if unit in _COUNT_NUMERATOR_UNITS else np.full(len(out), np.nan)
        den_out = _round_to(den_out, PUBLIC_ROUND_TO)
        if unit is Unit.COUNT:
            val_out = np.where(hide_val, np.nan, np.where(value_row, num_out, val_out))
        elif unit in _SCALE:
            # Percentages and rates from the rounded figures, so the published figures agree with each other.
            with np.errstate(divide="ignore", invalid="ignore"):
                recomputed = _SCALE[unit] * num_out / den_out
            usable = ~hide_val & ~np.isnan(val) & ~np.isnan(num_out) & (den_out > 0)
            val_out = np.where(usable, recomputed, val_out)
    elif unit is Unit.COUNT:
        val_out = np.where(hide_val, np.nan, np.where(value_row, num, val_out))  # x/z rows keep their value

    out["numerator"] = num_out
    out["denominator"] = den_out
    out["value"] = val_out
    if not drop_withheld:
        for column in ("numerator", "denominator", "value"):
            out.loc[withheld, column] = np.nan
        hide_val |= withheld
    newly_c = hide_val & value_row
    out["status"] = _like(np.where(newly_c, Status.SUPPRESSED.value, status), result["status"])
    return out.loc[~withheld if drop_withheld else slice(None), list(result.columns)]


def suppression_note(audience: Audience) -> str:
    """Plain-English note for exports: what was suppressed for this audience, and why."""
    audience = Audience(audience)
    published = ("Figures published by the Department for Education are shown exactly as published; "
                 "the department applies no suppression to these figures.")
    if audience is Audience.OFFICER:
        return ("Figures from local data are shown unsuppressed, including small numbers, because this copy "
                "is for council officers only. Do not share it outside the council: small numbers can "
                "identify children. " + published)
    shared = ("Each year's figures (every breakdown and month) are protected together, once, so no two "
              "tables disagree and no hidden number can be worked out by combining them. Figures for one ward, "
              "school or need type, months by breakdown and figures for named caseworkers are for council "
              "officers only. 'x' means not available, 'z' not applicable, 'u' low reliability and 'low' a "
              "figure that rounds to zero. ")
    if audience is Audience.PARTNER:
        return ("To protect children's privacy, counts from local data of 1 to 5 are replaced by 'c' "
                "(confidential); zeros are shown as 0. Where a hidden number could be worked out from a "
                "total, from the months of a year or from the other figures, more numbers are hidden as well. "
                "A percentage or rate is shown as 'c' when a number it is based on is hidden. A measure of the "
                "service's own timeliness (decisions in 6 weeks, plans issued in 20 weeks, reviews in 4 weeks) "
                "is hidden only when fewer than 5 cases are behind it. " + shared + published)
    return ("To protect children's privacy, counts from local data of 1 to 9 are replaced by 'c' "
            "(confidential), zeros are shown as 0, and all other counts are rounded to the nearest 5, so totals "
            "may not equal the sum of their parts. Percentages and rates are calculated from the rounded counts "
            "and shown as 'c' when a number they are based on is hidden; a measure of the service's own "
            "timeliness is hidden only when fewer than 10 cases are behind it. Where a hidden number could be "
            "worked out from the other figures, more numbers are hidden as well. " + shared + published)


# --- helpers -------------------------------------------------------------------------------------------------

def _primary(counts: np.ndarray, public: bool, partner_min: int = PARTNER_SMALL_MAX + 1) -> np.ndarray:
    """Primary suppression of counts; NaN (nothing shown) is never 'suppressed'.

    partner_min: the smallest count a partner may see (6; 5 for a timeliness denominator).
    """
    present = ~np.isnan(counts) & (counts != 0)  # true zeros stay 0
    if public:
        return present & (counts < PUBLIC_MIN)
    # `> 0` and `< partner_min` rather than `in 1..5`, so a non-integer count (a weighted figure) is also caught.
    return present & (counts > 0) & (counts < partner_min)


def _additive_groups(frame: pd.DataFrame) -> list[tuple[np.ndarray, np.ndarray]]:
    """(part positions, total positions) for every additive table in the frame."""
    breakdown = frame["breakdown"].astype(object).to_numpy()
    bvalue = frame["breakdown_value"].astype(object).to_numpy()
    # Keys as plain strings so a missing period or area still groups deterministically.
    period = frame["period"].astype(object).map(str).to_numpy()
    area = frame["area_code"].astype(object).map(str).to_numpy()
    grand_total = breakdown == TOTAL
    own_total = ~grand_total & (bvalue == TOTAL)
    part = ~grand_total & ~own_total

    grand_by_key: dict[tuple[str, str], list[int]] = {}
    for i in np.flatnonzero(grand_total):
        grand_by_key.setdefault((period[i], area[i]), []).append(i)
    tables: dict[tuple[str, str, str], tuple[list[int], list[int]]] = {}
    for i in np.flatnonzero(part | own_total):
        parts, totals = tables.setdefault((period[i], area[i], str(breakdown[i])), ([], []))
        (parts if part[i] else totals).append(i)
    groups = []
    for (p, a, _b), (parts, totals) in tables.items():
        totals = totals + grand_by_key.get((p, a), [])
        groups.append((np.array(parts, dtype=int), np.array(totals, dtype=int)))
    return groups


def _secondary(counts: np.ndarray, sup: np.ndarray, groups: list[tuple[np.ndarray, np.ndarray]],
               known: np.ndarray) -> np.ndarray:
    """Secondary suppression over additive tables, repeated until no table changes.

    In each table (its parts plus its total, the total counted as one more cell of `total = sum of parts`)
    the number of suppressed cells must be 0 or at least 2, so a single `c` cannot be recovered by
    subtraction. When exactly one cell is suppressed, the smallest non-zero cell still shown is suppressed
    too. Zeros are never chosen: they are never confidential; nor are known rows (the reader has them).
    (Sums behind a mean can be negative, for a gap, so "smallest" means smallest in size.)
    """
    sup = sup.copy()
    changed = True
    while changed:
        changed = False
        for parts, totals in groups:
            cells = np.concatenate([parts, totals])
            cells = cells[~np.isnan(counts[cells])]  # a missing figure is not a shown cell
            if cells.size == 0 or sup[cells].sum() != 1:
                continue
            if _hide_next_smallest(counts, sup, cells, known):
                changed = True
    return sup


def _hide_next_smallest(counts: np.ndarray, sup: np.ndarray, cells: np.ndarray, known: np.ndarray) -> bool:
    """Hide the smallest non-zero cell still shown among `cells` (in place); False if there is none.

    Ties go to a part (parts come first in `cells`), then to the first row: argmin returns the first
    minimum, so the choice is deterministic.
    """
    candidates = cells[~sup[cells] & ~known[cells] & ~np.isnan(counts[cells]) & (counts[cells] != 0)]
    if candidates.size == 0:
        return False
    sup[candidates[np.argmin(np.abs(counts[candidates]))]] = True
    return True


_UNBOUNDED = 1e12  # "no upper bound known"; finite so interval arithmetic never meets inf - inf
_HALF_STEP = PUBLIC_ROUND_TO // 2  # a public figure rounded to 5 is within 2 of the truth


def _close_exposures(num: np.ndarray, den: np.ndarray, sup_num: np.ndarray, sup_den: np.ndarray,
                     groups: list[tuple[np.ndarray, np.ndarray]], num_is_count: bool, num_le_den: bool,
                     known: np.ndarray, public: bool, withheld: np.ndarray) -> bool:
    """Hide more cells where a reader could still pin a `c` down exactly; True if anything was hidden.

    "At least two `c` per table" is not enough on its own. A partner also knows that a `c` is at least 1
    (zeros are shown), that a numerator is at most its denominator, and that every table adds up. For
    example with denominators c, 12, c and total 20, and the first row's numerator 7 shown, the two
    hidden denominators add to 8 and the first is at least 7: both are known (7 and 1). This audit
    propagates those bounds through every table until nothing changes (interval constraint propagation,
    in whole numbers); any hidden count whose lowest and highest possible values meet is exposed, and the
    smallest non-zero cell still shown in the table that pins it is hidden as well (or, failing that, the
    other half of its own row). The caller repeats until no cell is exposed.
    For the public a shown figure is only known to within 2 (it is rounded to 5; a shown count is at least
    10), but a known row is exact, so tables can still pin a `c` near its bounds.
    """
    arrays = {"num": (num, sup_num), "den": (den, sup_den)}
    kinds = ["num", "den"] if num_is_count else ["den"]
    keys: list[tuple[str, int]] = []
    for kind in kinds:
        counts, sup = arrays[kind]
        keys += [(kind, int(i)) for i in np.flatnonzero(sup & ~np.isnan(counts))]
    if not keys:
        return False

    def shown_bounds(kind: str, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What the reader knows of shown figures: exact for partners and known rows, else within 2."""
        counts = arrays[kind][0][rows]
        if not public:
            return counts, counts
        rounded = _round_to(counts, PUBLIC_ROUND_TO)
        floor = PUBLIC_MIN if kind in kinds else 0  # a shown count is at least 10; a timeliness numerator any
        exact = known[rows] | ((counts == 0) & (kind in kinds))  # a shown 0 is a true zero
        lo = np.where(exact, counts, np.maximum(rounded - _HALF_STEP, floor))
        hi = np.where(exact, counts, rounded + _HALF_STEP)
        return lo, hi

    var = {key: v for v, key in enumerate(keys)}
    lo = np.ones(len(keys))  # a `c` is never 0: true zeros are shown
    hi = np.full(len(keys), _UNBOUNDED)
    pairs = []  # (numerator variable, denominator variable) of one row, both hidden
    if num_le_den:
        for v, (kind, i) in enumerate(keys):
            if kind == "num" and not sup_den[i] and not np.isnan(den[i]):
                hi[v] = shown_bounds("den", np.array([i]))[1][0]  # a hidden numerator is at most its denominator
            elif kind == "num" and ("den", i) in var:
                pairs.append((v, var[("den", i)]))
            elif kind == "den" and not sup_num[i] and not np.isnan(num[i]):
                lo[v] = max(lo[v], shown_bounds("num", np.array([i]))[0][0])  # at least its numerator

    # One equation per table and total row: sum of hidden parts - hidden total = shown total - shown parts,
    # where the right-hand side is an interval for the public.
    equations = []  # (variables, coefficients, constant low, constant high, group number, kind)
    for g, (parts, totals) in enumerate(groups):
        for kind in kinds:
            counts, sup = arrays[kind]
            if parts.size == 0 or np.isnan(counts[parts]).any():
                continue  # a missing part is an unknown with no bounds: the table pins nothing
            hidden_parts = [var[(kind, int(i))] for i in parts if sup[i]]
            shown = parts[~sup[parts]]
            shown_lo, shown_hi = (s.sum() for s in shown_bounds(kind, shown))
            total_rows = [int(t) for t in totals if not np.isnan(counts[t])] or [None]
            for t in total_rows:
                if t is not None and abs(counts[parts].sum() - counts[t]) > 1e-9:
                    continue  # parts that do not add up to this total (unknowns, overlaps): no exact sum
                if t is None:  # no total row here, but the total is usually shown elsewhere: assume known
                    variables, coefs = hidden_parts, [1.0] * len(hidden_parts)
                    total_lo = total_hi = counts[parts].sum()
                elif sup[t]:
                    variables = hidden_parts + [var[(kind, t)]]
                    coefs, total_lo, total_hi = [1.0] * len(hidden_parts) + [-1.0], 0.0, 0.0
                else:
                    variables, coefs = hidden_parts, [1.0] * len(hidden_parts)
                    total_lo, total_hi = (b[0] for b in shown_bounds(kind, np.array([t])))
                if variables:
                    equations.append((np.array(variables), np.array(coefs), total_lo - shown_hi,
                                      total_hi - shown_lo, g, kind))

    for _ in range(100):
        changed = False
        for variables, coefs, const_lo, const_hi, _g, _k in equations:
            low, high = lo[variables], hi[variables]
            mins = np.where(coefs > 0, low, -high)
            maxs = np.where(coefs > 0, high, -low)
            # coef_j * x_j = constant - (sum over the others), so it lies between these:
            term_lo = const_lo - (maxs.sum() - maxs)
            term_hi = const_hi - (mins.sum() - mins)
            new_lo = np.ceil(np.where(coefs > 0, term_lo, -term_hi) - 1e-9)
            new_hi = np.floor(np.where(coefs > 0, term_hi, -term_lo) + 1e-9)
            tighter_lo, tighter_hi = np.maximum(low, new_lo), np.minimum(high, new_hi)
            if (tighter_lo != low).any() or (tighter_hi != high).any():
                lo[variables], hi[variables] = tighter_lo, tighter_hi
                changed = True
        for n_var, d_var in pairs:
            if lo[d_var] < lo[n_var] or hi[n_var] > hi[d_var]:
                lo[d_var], hi[n_var] = max(lo[d_var], lo[n_var]), min(hi[n_var], hi[d_var])
                changed = True
        if not changed:
            break
    if (lo > hi).any():
        return False  # only possible with fractional "counts", where whole-number reasoning does not hold

    # Widen one table at a time (one more cell per table per round): a single extra `c` usually frees
    # every cell the table pinned, and the caller audits again.
    widened: set[tuple[int, str]] = set()
    hid_any = False
    for v in np.flatnonzero(lo == hi):
        kind, row = keys[v]
        counts, sup = arrays[kind]
        pinning = [(g, k) for variables, _c, _lo, _hi, g, k in equations if k == kind and v in variables]
        if any(key in widened for key in pinning):
            continue
        for g, k in pinning:
            parts, totals = groups[g]
            if _hide_next_smallest(counts, sup, np.concatenate([parts, totals]), known):
                widened.add((g, k))
                hid_any = True
                break
        else:
            # Every cell of its tables is hidden already: hide the other half of its own row instead.
            other = "den" if kind == "num" else "num"
            o_counts, o_sup = arrays[other]
            if (other in kinds and not o_sup[row] and not known[row] and not np.isnan(o_counts[row])
                    and o_counts[row] != 0):
                o_sup[row] = True
                hid_any = True
            elif pinning:
                # Nothing left to hide: the rows present give it away (a known total of 10 over ten
                # hidden wards makes each 1). Leave the table's parts out altogether.
                parts = groups[pinning[0][0]][0]
                withheld[parts] = True
                num[parts] = np.nan
                den[parts] = np.nan
                widened.add(pinning[0])
                hid_any = True
    return hid_any


def _like(values: np.ndarray, template: pd.Series) -> pd.Series:
    """Status values back in the caller's dtype where that can hold `c` (a categorical may not)."""
    series = pd.Series(values, index=template.index)
    if isinstance(template.dtype, pd.CategoricalDtype):
        return series.astype("category")
    return series.astype(template.dtype) if template.dtype != object else series


def _round_to(values: np.ndarray, base: int) -> np.ndarray:
    """Round to the nearest multiple of base (halves go up; counts are whole numbers so none arise)."""
    return np.floor(values / base + 0.5) * base
