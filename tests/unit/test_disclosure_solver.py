"""Can a reader recover a hidden count by combining ordinary requests? A differencing attack on the sample.

The attacker asks the engine, as a partner or as the public, for every local indicator at every breakdown it
offers, by year and by month (drill-down and caseworker requests are refused to both, which is checked), and
writes down only what a reader knows:

* a hidden count is at least 1 (true zeros are shown as 0);
* a shown count is exact for a partner; for the public it is rounded to 5, so within 2 of the truth, and at
  least 10 (a smaller count would be hidden) unless it is the numerator of a timeliness rate;
* the council's all-children count for each year that has ended is known exactly (DfE publishes it);
* a breakdown's values add up to the all-children figure, and a year's months add up to the year (both
  used only where they really do, so the attacker is never misled);
* a numerator is at most its denominator, and a percentage shown beside one hidden part pins that part to
  within its rounding.

Each family of figures (a year and its months, every breakdown) is then a linear programme; a hidden count
is recovered when its lowest and highest feasible values (scipy's linprog) leave one whole number. The test
expects none, and shows that the same attacker recovers many from figures protected one request at a time,
as the engine did before, so a pass is not vacuous.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, csr_matrix, hstack, identity, vstack
from scipy.sparse.csgraph import connected_components

from indicators.cache import SimpleCache
from indicators.disclosure import protect
from indicators.engine import Engine, EngineError
from indicators.vocabulary import TOTAL, Audience, Unit

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "warehouse.duckdb"
TIERS = (Audience.PARTNER, Audience.PUBLIC)
HALF_STEP = 2  # a public count rounded to the nearest 5 is within 2 of the truth
TOL = 1e-4  # solver round-off allowed when reading a whole number off a solution
CEILING = 1e7  # every count is below this, so no programme is unbounded


@pytest.fixture(scope="module")
def engine():
    if not SAMPLE.exists():
        pytest.fail("the sample warehouse is missing: run `python -m data sample` first (scripts/test.sh does)")
    engine = Engine(SAMPLE, cache=SimpleCache())
    yield engine
    engine.close()


# --- what the reader has --------------------------------------------------------------------------------------

Key = tuple[str, str, str, str]  # period, breakdown, breakdown value, "num" | "den"


@dataclass
class View:
    """Every count one audience was shown for one indicator, beside the truth (for scoring only)."""

    truth: dict[Key, float] = field(default_factory=dict)
    shown: dict[Key, float] = field(default_factory=dict)  # the figure the reader saw (rounded for the public)
    values: dict[tuple[str, str, str], float] = field(default_factory=dict)  # shown rates, by row
    conflicts: list[Key] = field(default_factory=list)  # a cell shown as two different numbers

    given: set[Key] = field(default_factory=set)  # cells whose row the reader was given, shown or not

    @property
    def hidden(self) -> list[Key]:
        return [k for k in self.given if not math.isnan(self.truth[k]) and k not in self.shown]


def _counts(frame: pd.DataFrame, unit: Unit) -> dict[Key, float]:
    out = {}
    for r in frame.itertuples(index=False):
        row = (str(r.period), str(r.breakdown), str(r.breakdown_value))
        num = r.numerator if unit is not Unit.COUNT or not math.isnan(r.numerator) else r.value
        out[(*row, "num")] = float(num)
        if unit in (Unit.PERCENT, Unit.RATE_PER_10000):
            out[(*row, "den")] = float(r.denominator)
    return out


def requests(engine, indicator, audience, months_by_breakdown=False):
    """Every breakdown by year, and months for all children (the engine gives months by breakdown to
    officers only; the engine before figure families gave them to everyone)."""
    offered = engine.breakdowns_for(indicator, "local", audience)
    months = (offered if months_by_breakdown else [TOTAL]) if indicator.local.monthly else []
    return [(b, False) for b in offered] + [(b, True) for b in months]


def gather(engine, indicator, audience, fetch, months_by_breakdown=False) -> View:
    """The reader's view of one indicator: every request `fetch(breakdown, monthly)` answers, merged."""
    unit = indicator.definition.unit
    view = View()
    for breakdown, monthly in requests(engine, indicator, audience, months_by_breakdown):
        truth = engine.result(indicator.id, engine.local_area, Audience.OFFICER, breakdown=breakdown,
                              monthly=monthly, source="local").frame
        seen = fetch(breakdown, monthly)
        view.truth.update(_counts(truth, unit))
        for key, number in _counts(seen, unit).items():
            view.given.add(key)
            if math.isnan(number):
                continue
            if key in view.shown and view.shown[key] != number:
                view.conflicts.append(key)
            view.shown[key] = number
        if unit in (Unit.PERCENT, Unit.RATE_PER_10000):
            for r in seen.itertuples(index=False):
                if not math.isnan(r.value):
                    view.values[(str(r.period), str(r.breakdown), str(r.breakdown_value))] = float(r.value)
    return view


# --- the attack -----------------------------------------------------------------------------------------------

def _year_of(period: str, years: set[str]) -> str | None:
    """The year a `YYYY-MM` month adds up into, among the years shown (calendar, else academic)."""
    year, month = int(period[:4]), int(period[5:7])
    if str(year) in years:
        return str(year)
    first = year - (month < 9)
    academic = f"{first}{(first + 1) % 100:02d}"
    return academic if academic in years else None


def relations(view: View) -> list[list[Key]]:
    """[total, part, part, ...] for every sum the data really satisfies over the rows the reader was given
    (a row not given counts as 0)."""
    truth = {k: v for k, v in view.truth.items() if k in view.given}
    out = []
    tables: dict[tuple[str, str, str], list[Key]] = defaultdict(list)
    for key in truth:
        period, breakdown, _value, column = key
        if breakdown != TOTAL:
            tables[(period, breakdown, column)].append(key)
    for (period, _b, column), parts in tables.items():
        out.append([(period, TOTAL, TOTAL, column), *parts])
    years = {k[0] for k in truth if "-" not in k[0]}
    months: dict[Key, list[Key]] = defaultdict(list)
    for key in truth:
        if "-" in key[0]:
            year = _year_of(key[0], years)
            if year is not None:
                months[(year, *key[1:])].append(key)
    out += [[total, *parts] for total, parts in months.items() if total in truth]
    return [r for r in out if r[0] in truth and not any(math.isnan(truth[k]) for k in r)
            and abs(truth[r[0]] - sum(truth[k] for k in r[1:])) < 1e-9]


def attack(view: View, audience: Audience, unit: Unit, timeliness: bool, places: int,
           known_years: set[str]) -> tuple[int, int]:
    """(hidden counts, counts pinned to one whole number). Every pinned count is checked against the truth.

    known_years: years whose all-children figure is published, so known whether or not it is hidden here.
    """
    public = audience is Audience.PUBLIC

    def published(key: Key) -> bool:
        return key[0] in known_years and key[1] == TOTAL

    hidden = {k for k in view.hidden if not published(k)}
    if not hidden:
        return 0, 0
    truth = view.truth

    def bounds(key: Key) -> tuple[float, float] | None:
        """What the reader knows of a count on its own; None when it is a variable with no known value."""
        if published(key):
            return truth[key], truth[key]
        if key in view.shown:
            shown = view.shown[key]
            rounded_freely = timeliness and key[3] == "num"  # never suppressed, so 1 or 2 may show as 0
            if not public or (shown == 0 and not rounded_freely):
                return shown, shown  # exact, or a true zero
            floor = 0 if rounded_freely else 10
            return max(shown - HALF_STEP, floor), shown + HALF_STEP
        return None

    # Families: a year with its months. Nothing links two families, so each is its own programme.
    years = {k[0] for k in truth if "-" not in k[0]}
    family_of = {k: (k[0] if "-" not in k[0] else _year_of(k[0], years) or k[0]) for k in truth}
    by_family: dict[str, list[list[Key]]] = defaultdict(list)
    for rel in relations(view):
        by_family[family_of[rel[0]]].append(rel)
    rows_by_family: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for key in truth:
        rows_by_family[family_of[key]].add(key[:3])

    pinned = 0
    for family in sorted({family_of[k] for k in hidden}):
        programme = Programme(bounds, 1.0)  # a hidden count is never 0: true zeros are shown
        fam_hidden = sorted(k for k in hidden if family_of[k] == family)
        for key in fam_hidden:
            programme.var(key)
        for rel in by_family[family]:
            if any(k in hidden for k in rel):
                programme.equal([(1.0, rel[0])] + [(-1.0, k) for k in rel[1:]])
        if unit in (Unit.PERCENT, Unit.RATE_PER_10000):
            scale = 100.0 if unit is Unit.PERCENT else 10000.0
            for row in sorted(rows_by_family[family]):
                num, den = (*row, "num"), (*row, "den")
                if not (num in hidden or den in hidden) or not truth[num] <= truth.get(den, math.nan):
                    continue  # (a rate with no population behind it has numerator > denominator = 0)
                programme.at_most([(1.0, num), (-1.0, den)])  # a numerator is at most its denominator
                value = view.values.get(row)
                if value is not None and not public:  # scale * num / den rounds to the value shown
                    half = 0.5 * 10.0 ** -places
                    programme.at_most([(scale, num), (-(value + half), den)])
                    programme.at_most([(-scale, num), (value - half, den)])
        for key, value in programme.pinned(fam_hidden).items():
            assert value == truth[key], f"{key}: pinned to {value}, not its true value: the model is wrong"
            pinned += 1
    return len(hidden), pinned


class Programme:
    """The linear programme of one family: variables are counts the reader does not know exactly."""

    def __init__(self, bounds, hidden_floor: float) -> None:
        self.bounds, self.floor = bounds, hidden_floor
        self.names: dict[Key, int] = {}
        self.lo: list[float] = []
        self.hi: list[float | None] = []
        self.eq: list[tuple[list[tuple[int, float]], float]] = []  # terms == constant
        self.ub: list[tuple[list[tuple[int, float]], float]] = []  # terms <= constant

    def var(self, key: Key) -> int:
        if key not in self.names:
            self.names[key] = len(self.names)
            known = self.bounds(key)
            self.lo.append(known[0] if known else self.floor)
            self.hi.append(known[1] if known else CEILING)
        return self.names[key]

    def _terms(self, terms: list[tuple[float, Key]]) -> tuple[list[tuple[int, float]], float]:
        """Known counts move to the constant; the rest become variables."""
        out, constant = [], 0.0
        for coefficient, key in terms:
            known = self.bounds(key)
            if known is not None and known[0] == known[1]:
                constant -= coefficient * known[0]
            else:
                out.append((self.var(key), coefficient))
        return out, constant

    def equal(self, terms: list[tuple[float, Key]]) -> None:
        self.eq.append(self._terms(terms))

    def at_most(self, terms: list[tuple[float, Key]]) -> None:
        self.ub.append(self._terms(terms))

    def pinned(self, keys: list[Key]) -> dict[Key, int]:
        """The keys whose feasible range holds one whole number, with that number. Variables that share no
        constraint are solved apart (connected components), so each programme stays small."""
        n = len(self.names)
        a_eq, b_eq = _matrix(self.eq, n)
        a_ub, b_ub = _matrix(self.ub, n)
        stacked = [m for m in (a_eq, a_ub) if m is not None]
        if stacked:
            links = vstack(stacked).tocsr()
            links.data[:] = 1.0
            _count, label = connected_components(links.T @ links, directed=False)
        else:
            label = np.arange(n)
        lo, hi = np.array(self.lo), np.array([np.inf if h is None else h for h in self.hi])
        wanted = np.array([self.names[k] for k in keys])
        out = {}
        for component in np.unique(label[wanted]):
            members = np.flatnonzero(label == component)
            sub = {"bounds": np.column_stack([lo[members], hi[members]])}
            for name, matrix, rhs in (("eq", a_eq, b_eq), ("ub", a_ub, b_ub)):
                if matrix is None:
                    continue
                rows = np.flatnonzero(np.asarray(abs(matrix[:, members]).sum(axis=1)).ravel() > 0)
                if rows.size:
                    sub[f"A_{name}"] = matrix[rows][:, members]
                    sub[f"b_{name}"] = np.asarray(rhs)[rows]
            position = {v: i for i, v in enumerate(members)}
            targets = [position[v] for v in wanted if label[v] == component]
            for local, value in _pinned_in(sub, targets, len(members)).items():
                out[keys[int(np.flatnonzero(wanted == members[local])[0])]] = value
        return out


def _pinned_in(problem: dict, targets: list[int], n: int) -> dict[int, int]:
    """Targets (variable positions) of one small programme whose feasible range holds one whole number.

    A target is free once two whole numbers are seen feasible for it. The lowest and highest totals give two
    points; then each round asks for one point that moves as many stuck targets as it can by a whole step
    (see `_step`); what no round can move is bounded on its own (two solves each), and pinned when one
    whole number is left.
    """
    def solve(objective: np.ndarray, extra: dict | None = None) -> np.ndarray | None:
        answer = linprog(objective, method="highs", **(extra or problem))
        assert extra is not None or answer.status == 0, f"the reader's constraints have no solution ({answer.message})"
        return answer.x if answer.status == 0 else None  # a round may fail on rounding error: then bound one by one

    targets_arr = np.array(targets)
    seen_lo, seen_hi = np.full(n, np.inf), np.full(n, -np.inf)

    def look(x: np.ndarray) -> None:
        nonlocal seen_lo, seen_hi
        seen_lo, seen_hi = np.minimum(seen_lo, x[:n]), np.maximum(seen_hi, x[:n])

    def stuck() -> np.ndarray:
        return targets_arr[np.floor(seen_hi[targets_arr] + TOL) - np.ceil(seen_lo[targets_arr] - TOL) < 1]

    look(solve(np.ones(n)))
    look(solve(-np.ones(n)))
    remaining = stuck()
    while remaining.size:
        before = remaining.size
        point = solve(*_step(problem, n, remaining, seen_lo, seen_hi))
        if point is None:
            break
        look(point)
        remaining = stuck()
        if remaining.size == before:
            break
    out = {}
    for v in remaining:
        direction = np.zeros(n)
        direction[v] = 1.0
        low, high = solve(direction)[v], solve(-direction)[v]
        if math.ceil(low - TOL) == math.floor(high + TOL):
            out[int(v)] = math.ceil(low - TOL)
    return out


def _step(problem: dict, n: int, stuck: np.ndarray, seen_lo: np.ndarray, seen_hi: np.ndarray,
          ) -> tuple[np.ndarray, dict]:
    """The programme of one round: an extra variable s_j in 0..1 per stuck target, maximising their sum,
    with s_j <= x_j - lowest (a target seen only at its lower bound is pushed up) or s_j <= highest - x_j
    (any other is pushed down); every point seen so far satisfies these with s = 0."""
    k = len(stuck)
    at_floor = seen_lo[stuck] <= problem["bounds"][stuck, 0] + TOL
    sign = np.where(at_floor, -1.0, 1.0)  # up: -x_j + s_j <= -lowest; down: x_j + s_j <= highest
    limit = np.where(at_floor, -np.ceil(seen_lo[stuck] - TOL), np.floor(seen_hi[stuck] + TOL))
    step_rows = hstack([csr_matrix((sign, (np.arange(k), stuck)), shape=(k, n)), identity(k, format="csr")])
    extended = {"bounds": np.vstack([problem["bounds"], np.column_stack([np.zeros(k), np.ones(k)])])}
    if "A_eq" in problem:
        extended["A_eq"] = hstack([problem["A_eq"], csr_matrix((problem["A_eq"].shape[0], k))])
        extended["b_eq"] = problem["b_eq"]
    extended["A_ub"], extended["b_ub"] = step_rows, limit
    if "A_ub" in problem:
        ub = hstack([problem["A_ub"], csr_matrix((problem["A_ub"].shape[0], k))])
        extended["A_ub"], extended["b_ub"] = vstack([ub, step_rows]), np.concatenate([problem["b_ub"], limit])
    return np.concatenate([np.zeros(n), -np.ones(k)]), extended


def _matrix(rows: list[tuple[list[tuple[int, float]], float]], n: int):
    """A sparse constraint matrix and its right-hand side (None, None when there are no rows)."""
    if not rows:
        return None, None
    cells = [(i, j, c) for i, (terms, _rhs) in enumerate(rows) for j, c in terms]
    i, j, c = zip(*cells, strict=True) if cells else ((), (), ())
    return coo_matrix((c, (i, j)), shape=(len(rows), n)).tocsr(), [rhs for _terms, rhs in rows]


# --- the tests ------------------------------------------------------------------------------------------------

def _engine_fetch(engine, indicator, audience):
    return lambda b, m: engine.result(indicator.id, engine.local_area, audience, breakdown=b, monthly=m,
                                      source="local").frame


def _per_request_fetch(engine, indicator, audience):
    """The engine before figure families: each request's rows protected on their own."""
    def fetch(b, m):
        rows = engine.result(indicator.id, engine.local_area, Audience.OFFICER, breakdown=b, monthly=m,
                             source="local").frame
        return protect(rows, indicator.definition.unit, audience, published=False,
                       timeliness=indicator.definition.timeliness)
    return fetch


def _run(engine, fetcher, tiers=TIERS, only=None, months_by_breakdown=False):
    totals = {}
    for audience in tiers:
        hidden = pinned = 0
        for indicator in engine.catalogue:
            if not indicator.local or (only and indicator.id not in only):
                continue
            view = gather(engine, indicator, audience, fetcher(engine, indicator, audience), months_by_breakdown)
            assert not view.conflicts, f"{indicator.id}: cells shown as two different numbers {view.conflicts[:3]}"
            ended = {p for p in {k[0] for k in view.truth} if "-" not in p
                     and engine.period_end(indicator, "local", p) <= engine.reference_date}
            h, p = attack(view, audience, indicator.definition.unit, indicator.definition.timeliness,
                          indicator.decimal_places, ended)
            hidden, pinned = hidden + h, pinned + p
        totals[audience.value] = (hidden, pinned)
    return totals


@pytest.mark.slow
def test_no_hidden_count_can_be_recovered_by_combining_requests(engine):
    totals = _run(engine, _engine_fetch)
    print("hidden, recovered by tier:", totals)
    for tier, (hidden, pinned) in totals.items():
        assert hidden > 1000, f"{tier}: the attack needs hidden cells to attack"
        assert pinned == 0, f"{tier}: {pinned} of {hidden} hidden counts recovered"


def test_the_attack_recovers_counts_protected_one_request_at_a_time(engine):
    # The engine before figure families: each request protected on its own, months by breakdown for all.
    # The year minus its months and months against their tables recover counts the pattern hid.
    totals = _run(engine, _per_request_fetch, only={"ehcp_ceased", "send_appeals"}, months_by_breakdown=True)
    print("per-request protection, hidden and recovered by tier:", totals)
    assert totals["partner"][1] > 0
    assert totals["public"][1] > 0


def test_drill_down_and_caseworker_figures_are_refused_to_partners_and_the_public(engine):
    indicator = engine.indicator("ehcp_issued_20wk")
    wards = sorted(set(engine.result(indicator.id, engine.local_area, Audience.OFFICER, breakdown="ward").frame
                       ["breakdown_value"]) - {TOTAL})
    for audience in TIERS:
        assert "caseworker" not in engine.breakdowns_for(indicator, "local", audience)
        with pytest.raises(EngineError):
            engine.result(indicator.id, engine.local_area, audience, breakdown="caseworker")
        for ward in wards:
            with pytest.raises(EngineError):
                engine.result(indicator.id, engine.local_area, audience, breakdown="school", filters={"ward": ward})
    assert "caseworker" in engine.breakdowns_for(indicator, "local", Audience.OFFICER)
    officer = engine.result(indicator.id, engine.local_area, Audience.OFFICER, breakdown="school",
                            filters={"ward": wards[0]})
    assert len(officer.frame)


def test_one_period_is_read_from_the_same_pattern_as_every_period(engine):
    for audience in TIERS:
        every = engine.result("ehcp_requests", engine.local_area, audience, breakdown="ward").frame
        one = engine.result("ehcp_requests", engine.local_area, audience, breakdown="ward", period="2020").frame
        pd.testing.assert_frame_equal(one.reset_index(drop=True),
                                      every[every["period"] == "2020"].reset_index(drop=True))
