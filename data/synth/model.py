"""The SEN2 core: requests, assessments and plans over time, calibrated to an LA's published figures.

How the calibration is made exact (the acceptance tests recompute each figure from the written files):

* Plans issued per calendar year (2019–2024) = published `plans_issued_den` plus the plans that had a
  mediation or tribunal before issue. Those extra plans (up to `new_ehc_plans − plans_issued_den`, capped
  at 20% of the denominator because some published totals are wrong) carry RequestMediation,
  RequestTribunal, AssessmentMediation or AssessmentTribunal = 1. **Rule used everywhere, and in the
  tests: the 20-week denominator is plans with AssessmentOutcome Y and AssessmentOutcomeDate in the year
  where none of those four flags is 1** (OtherMediation/OtherTribunal are about plan contents after issue
  and do not remove a plan). Within that denominator the counts of exceptions (Week20 = 1), timely
  exceptions and timely non-exceptions equal the published counts, so both percentages match exactly.
* Request dates are back-computed from each plan's issue date and a sampled duration in the right band
  (≤ 140 days, 141–365, over a year). Non-plan requests (refused, assessed but no plan, withdrawn) then
  top each calendar year up to the published number of requests received.
* The stock of plans at January 2019 is built from legacy plans; between censuses, cessations (age-
  and reason-aware) and transfers-in (AssessmentOutcome H) make every census caseload exact.
* Decided within 6 weeks: among requests received in the year with RequestOutcome Y or N, exactly
  round(pc × n) have RequestOutcomeDate − ReceivedDate ≤ 42 days.
* Everything is simulated past the reference date and then censored: whatever had not happened by the
  reference date is blank (outcome A = pending), which leaves realistic open cases.
"""

from __future__ import annotations

import numpy as np

from data.synth import dates as D
from data.synth.inputs import CAL_YEARS, Published

MONTH_WEIGHTS = np.array([0.085, 0.085, 0.092, 0.08, 0.085, 0.09, 0.097, 0.066, 0.075, 0.088, 0.087, 0.07])

KIND_LEGACY, KIND_ISSUED, KIND_TRANSFER = 0, 1, 2
KIND_REFUSED, KIND_NOT_ISSUED, KIND_REQ_WITHDRAWN, KIND_ASMT_WITHDRAWN = 3, 4, 5, 6


def allocate(total: int, weights) -> np.ndarray:
    """Split an integer total in proportion to weights, exactly (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    total = int(max(total, 0))
    if total == 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    raw = w / w.sum() * total
    base = np.floor(raw).astype(np.int64)
    rest = total - base.sum()
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:rest]] += 1
    return base


def top_k(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Indices of k items drawn without replacement with probability proportional to weights."""
    k = int(min(max(k, 0), len(weights)))
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    keys = np.log(np.maximum(weights, 1e-12)) + rng.gumbel(size=len(weights))
    return np.argsort(-keys, kind="stable")[:k]


def random_days_in_year(rng: np.random.Generator, year: int, n: int) -> np.ndarray:
    months = rng.choice(12, size=n, p=MONTH_WEIGHTS / MONTH_WEIGHTS.sum()) + 1
    starts = np.array([D.day(year, m, 1) for m in range(1, 13)] + [D.day(year + 1, 1, 1)])
    lo, hi = starts[months - 1], starts[months]
    return (lo + np.floor(rng.random(n) * (hi - lo))).astype(np.int64)


def sample_ages(rng: np.random.Generator, dist: np.ndarray, n: int, lo: int = 0, hi: int = 25) -> np.ndarray:
    p = np.asarray(dist, dtype=float).copy()
    p[:lo] = 0
    p[hi + 1:] = 0
    if p.sum() <= 0:
        p[lo:hi + 1] = 1
    return rng.choice(len(p), size=n, p=p / p.sum())


def birth_for_age(rng: np.random.Generator, ages: np.ndarray, on: np.ndarray) -> np.ndarray:
    """A birth date giving exactly `ages` whole years on the dates `on`."""
    on = np.asarray(on, dtype=np.int64)
    upper = D.add_years(on, -ages)            # latest birth date with that age
    lower = D.add_years(on, -(ages + 1)) + 1  # earliest
    return (lower + np.floor(rng.random(len(ages)) * (upper - lower + 1))).astype(np.int64)


def max_age_deadline(birth: np.ndarray) -> np.ndarray:
    """End of the academic year in which the young person turns 25 (31 August)."""
    b25 = D.add_years(birth, 25)
    y = D.years(b25)
    m = D.months(b25)
    end_year = np.where(m >= 9, y + 1, y)
    aug31 = np.array([D.day(2000 + i, 8, 31) for i in range(0, 80)])
    return aug31[end_year - 2000]


def plausible_range(published: dict[int, float]) -> tuple[int, int]:
    """The counts a council's own published history makes plausible for a year after its last publication:
    the last published value moved by at most the largest year-on-year change (relative, up or down) it has
    published. Bristol's new plans 410, 735, 579, 788, 820, 778 (2019-2024): largest change +79% (2019 to
    2020), so any later year stays within 778 x (1 +/- 0.79), 162 to 1,394."""
    years = sorted(published)
    last = float(published[years[-1]])
    changes = [abs(published[b] / published[a] - 1) for a, b in zip(years, years[1:], strict=False)
               if b == a + 1 and published[a] > 0]
    r = max(changes, default=0.0)
    lo, hi = int(np.ceil(max(0.0, last * (1 - r)) - 1e-9)), int(np.floor(last * (1 + r) + 1e-9))
    return (lo, hi) if lo <= hi else (round(last), round(last))


def keep_plausible(series: dict[int, float], published: dict[int, float]) -> dict[int, float]:
    """`series` with each year after the last published one held inside `plausible_range(published)`."""
    if not published:
        return dict(series)
    lo, hi = plausible_range(published)
    last = max(published)
    return {y: (float(np.clip(v, lo, hi)) if y > last else v) for y, v in series.items()}


class Targets:
    """Yearly targets for every simulated year: published (filled) up to 2024/25, damped trend after, held
    within the range the council's own published history makes plausible (`plausible_range`)."""

    def __init__(self, pub: Published, ref: int):
        self.ref = ref
        ref_year = int(D.years(np.array([ref]))[0])
        self.first_year = 2019
        self.last_year = max(ref_year + 1, 2026)
        yrs = range(self.first_year, self.last_year + 1)

        def growth(series: dict, y0: int, y1: int, lo: float, hi: float) -> float:
            a, b = series.get(y0), series.get(y1)
            if not a or not b:
                return 1.03
            return float(np.clip((b / a) ** (1 / (y1 - y0)), lo, hi))

        def extend(series: dict, last: int, g: float, horizon) -> dict:
            out = dict(series)
            for y in horizon:
                if y not in out:
                    out[y] = out[y - 1] * g if y - 1 in out else out[last]
            return out

        # Requests received per calendar year.
        req = {y: float(v) for y, v in pub.requests.items()}
        self.requests = keep_plausible(extend(req, 2024, growth(req, 2021, 2024, 0.97, 1.10), yrs), req)

        # Plans issued: denominator plus the mediation/tribunal plans outside it.
        self.den, self.den_ex, self.within, self.within_ex, self.extra = {}, {}, {}, {}, {}
        self.gt1, self.gt1_ex = {}, {}
        for y in CAL_YEARS:
            den = int(round(pub.den.get(y, pub.new_plans.get(y, 0.0))))
            den_ex = int(np.clip(round(pub.den_ex.get(y, den)), 0, den))
            within = int(np.clip(round(pub.within.get(y, 0)), 0, den))
            within_ex = int(np.clip(round(pub.within_ex.get(y, 0)), 0, den_ex))
            within = int(np.clip(within, within_ex, within_ex + den - den_ex))
            new = pub.new_plans.get(y)
            if new is None or new > 1.6 * den + 10:  # missing, or an impossible published total
                new = den
            self.den[y], self.den_ex[y], self.within[y], self.within_ex[y] = den, den_ex, within, within_ex
            self.extra[y] = int(np.clip(round(new - den), 0, round(0.2 * den) + 2))
            if y in pub.gt1y and y in pub.gt1y_ex:
                late_ex = den_ex - within_ex
                late_exc = (den - den_ex) - (within - within_ex)
                self.gt1_ex[y] = int(np.clip(round(pub.gt1y_ex[y]), 0, late_ex))
                self.gt1[y] = self.gt1_ex[y] + int(np.clip(round(pub.gt1y[y] - pub.gt1y_ex[y]), 0, late_exc))
        issued = {y: self.den[y] + self.extra[y] for y in CAL_YEARS}
        lo_iss, hi_iss = plausible_range(issued)
        g_iss = growth(issued, 2021, 2024, 0.97, 1.10)
        last = CAL_YEARS[-1]
        rates = {k: (getattr(self, k)[last] + getattr(self, k)[last - 1])
                 / max(self.den[last] + self.den[last - 1], 1) for k in ("den_ex", "within", "within_ex")}
        extra_rate = (self.extra[last] + self.extra[last - 1]) / max(self.den[last] + self.den[last - 1], 1)
        # Future plans follow the requests agreed (published for the last year, then at that year's rate).
        agreed_last = pub.agreed.get(last)
        conv = 0.93
        if agreed_last and self.requests.get(last):
            agreed_share = float(np.clip(agreed_last / self.requests[last], 0.3, 0.95))
        else:
            agreed_share = float(np.clip(issued[last] / conv / max(self.requests[last], 1), 0.3, 0.95))
        agreed = {y: agreed_share * self.requests[y] for y in yrs}
        if agreed_last:
            agreed[last] = agreed_last
        for y in yrs:
            if y in self.den:
                continue
            trend = issued[last] * g_iss ** (y - last)
            from_agreed = conv * (0.5 * agreed[y - 1] + 0.5 * agreed[y])
            n = int(np.clip(round(float(np.clip(from_agreed, 0.7 * trend, 1.4 * trend))), lo_iss, hi_iss))
            den = int(round(n / (1 + extra_rate)))
            den_ex = int(round(den * rates["den_ex"]))
            within_ex = int(round(den * rates["within_ex"]))
            within_ex = min(within_ex, den_ex)
            within = int(np.clip(round(den * rates["within"]), within_ex, within_ex + den - den_ex))
            self.den[y], self.den_ex[y], self.within[y], self.within_ex[y] = den, den_ex, within, within_ex
            self.extra[y] = n - den
        # Plans issued each year; `build_core` keeps each later year's total here, whichever requests they
        # come from.
        self.issued = {y: self.den[y] + self.extra[y] for y in yrs}

        # Caseload at each January census.
        cen = {y: float(v) for y, v in pub.census.items()}
        projected = extend(cen, 2025, growth(cen, 2022, 2025, 0.98, 1.10), range(2019, self.last_year + 1))
        self.census = {y: int(round(v)) for y, v in keep_plausible(projected, cen).items()}

        # Cessations: published totals 2022–2024, a rate elsewhere.
        rates_c = [pub.ceased_total[y] / self.census[y] for y in pub.ceased_total if self.census.get(y)]
        self.cease_rate = float(np.clip(np.mean(rates_c) if rates_c else 0.07, 0.03, 0.2))
        self.ceased = {y: int(round(v)) for y, v in pub.ceased_total.items()}

        # Shares of requests by outcome, and the 6-week rate.
        def share(series: dict, y: int, default: float) -> float:
            vals = {k: series[k] / self.requests[k] for k in series if self.requests.get(k)}
            if y in vals:
                return vals[y]
            recent = [vals[k] for k in sorted(vals)[-2:]]
            return float(np.mean(recent)) if recent else default
        self.refused_share = {y: float(np.clip(share(pub.refused, y, 0.2), 0.01, 0.7)) for y in yrs}
        self.not_issued_share = {y: float(np.clip(share(pub.assess_not_issued, y, 0.05), 0.0, 0.3)) for y in yrs}
        self.withdrawn_share = {y: float(np.clip(share(pub.withdrawn, y, 0.004), 0.0, 0.05)) for y in yrs}
        self.six_pc = {y: pub.six_pc.get(y, pub.six_pc[max(pub.six_pc)]) for y in yrs}
        self.rya = {y: pub.rya.get(y, pub.rya.get(2024, 1.0)) for y in yrs}

        def per_year(series: dict, default_rate: float) -> dict:
            rates_ = [series[k] / self.requests[k] for k in series if self.requests.get(k)]
            rate = float(np.mean(rates_[-2:])) if rates_ else default_rate
            counts = {y: series.get(y, rate * self.requests[y]) for y in yrs}
            return {y: int(round(v)) for y, v in keep_plausible(counts, series).items()}
        self.req_mediation = per_year(pub.req_mediation, 0.02)
        self.req_tribunal = per_year(pub.req_tribunal, 0.01)
        self.asmt_mediation = per_year(pub.asmt_mediation, 0.01)
        self.asmt_tribunal = per_year(pub.asmt_tribunal, 0.008)
        self.oth_mediation = per_year(pub.oth_mediation, 0.005)
        self.oth_tribunal = per_year(pub.oth_tribunal, 0.01)
        self.not_issued_16w = pub.not_issued_16w_pc / 100.0


def _durations_timely(rng, n):
    return np.clip(140 - np.floor(rng.gamma(1.4, 12.0, n)), 63, 140).astype(np.int64)


def _durations_late(rng, n, mean, cap):
    return (141 + np.floor(rng.exponential(mean, n)).astype(np.int64) % (cap - 140)).astype(np.int64)


def issued_plans(t: Targets, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Every plan issued 2019 … last simulated year: issue date, duration, Week20, mediation flag."""
    issue, dur, week20, flag, year = [], [], [], [], []
    for y in range(t.first_year, t.last_year + 1):
        den, den_ex, within, within_ex = t.den[y], t.den_ex[y], t.within[y], t.within_ex[y]
        tn, te = within_ex, within - within_ex
        ln, le = den_ex - within_ex, (den - den_ex) - te
        late_share = (ln + le) / max(den, 1)
        mean = 50 + 90 * late_share
        parts = []
        parts.append((_durations_timely(rng, tn), 0))
        parts.append((_durations_timely(rng, te), 1))
        if y in t.gt1_ex:
            g_ex, g_exc = t.gt1_ex[y], t.gt1[y] - t.gt1_ex[y]
            parts.append((_durations_late(rng, ln - g_ex, mean, 365), 0))
            parts.append((366 + np.floor(rng.exponential(60, g_ex)).astype(np.int64) % 300, 0))
            parts.append((_durations_late(rng, le - g_exc, mean, 365), 1))
            parts.append((366 + np.floor(rng.exponential(60, g_exc)).astype(np.int64) % 300, 1))
        else:
            parts.append((_durations_late(rng, ln, mean, 640), 0))
            parts.append((_durations_late(rng, le, mean, 640), 1))
        for d, w in parts:
            dur.append(d)
            week20.append(np.full(len(d), w, dtype=np.int64))
            flag.append(np.zeros(len(d), dtype=np.int64))
        fx = t.extra[y]
        dur.append((170 + np.floor(rng.exponential(110, fx)) % 500).astype(np.int64))
        week20.append(np.zeros(fx, dtype=np.int64))
        flag.append(np.ones(fx, dtype=np.int64))
        n = den + fx
        issue.append(random_days_in_year(rng, y, n))
        year.append(np.full(n, y, dtype=np.int64))
    out = {"issue": np.concatenate(issue), "dur": np.concatenate(dur), "week20": np.concatenate(week20),
           "flag": np.concatenate(flag), "year": np.concatenate(year)}
    # Shuffle within the year so issue dates are not ordered by category.
    order = np.lexsort((rng.random(len(out["issue"])), out["year"]))
    perm = order.copy()
    for y in range(t.first_year, t.last_year + 1):
        idx = np.flatnonzero(out["year"] == y)
        perm[idx] = idx[rng.permutation(len(idx))]
    out["issue"] = out["issue"][perm]
    out["received"] = out["issue"] - out["dur"]
    return out


def repair_request_years(t: Targets, plans: dict[str, np.ndarray], rng: np.random.Generator) -> None:
    """Keep plan requests of each year within the published requests total.

    Moving a plan's issue date within its issue year keeps every timeliness count and moves the request
    date by the same amount: plans issued early next year whose request fell this year are moved later.
    """
    for _ in range(2):
        for y in range(t.first_year, t.last_year):
            ry = D.years(plans["received"])
            cap = int(t.requests[y] * 0.93)
            excess = int((ry == y).sum()) - cap
            if excess <= 0:
                continue
            cand = np.flatnonzero((ry == y) & (plans["year"] == y + 1))
            cand = cand[np.argsort(-plans["received"][cand], kind="stable")]
            jan1 = D.day(y + 1, 1, 1)
            dec31 = D.day(y + 1, 12, 31)
            moved = 0
            for i in cand:
                shift = jan1 - plans["received"][i] + int(rng.integers(0, 30))
                if plans["issue"][i] + shift > dec31:
                    # issue years after the published ones are not calibrated: shorten the duration instead
                    if y + 1 > CAL_YEARS[-1] and plans["issue"][i] - 63 >= jan1:
                        plans["received"][i] = jan1 + int(rng.integers(0, max(1, plans["issue"][i] - 63 - jan1)))
                        plans["dur"][i] = plans["issue"][i] - plans["received"][i]
                        moved += 1
                        if moved >= excess:
                            break
                    continue
                plans["issue"][i] += shift
                plans["received"][i] += shift
                moved += 1
                if moved >= excess:
                    break
        for y in range(t.last_year - 1, t.first_year - 1, -1):
            ry = D.years(plans["received"])
            cap = int(t.requests[y] * 0.93)
            excess = int((ry == y).sum()) - cap
            if excess <= 0:
                continue
            # Plans issued this year from this year's requests: issue them earlier, request lands last year.
            cand = np.flatnonzero((ry == y) & (plans["year"] == y))
            jan1 = D.day(y, 1, 1)
            cand = cand[np.argsort(plans["received"][cand], kind="stable")]
            moved = 0
            for i in cand:
                shift = plans["received"][i] - jan1 + 1 + int(rng.integers(0, 20))
                if plans["issue"][i] - shift < jan1:
                    continue
                if y - 1 >= t.first_year and (ry == y - 1).sum() + moved >= int(t.requests[y - 1] * 0.93):
                    break
                plans["issue"][i] -= shift
                plans["received"][i] -= shift
                moved += 1
                if moved >= excess:
                    break


def decision_days(rng, n, within: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Days from request to decision: ≤ 42 when `within`, else over 42; never beyond `limit`."""
    inside = 7 + np.floor(rng.random(n) * 36).astype(np.int64)
    over = 43 + np.floor(rng.exponential(28, n)).astype(np.int64)
    d = np.where(within, inside, over)
    return np.minimum(d, limit)


def build_core(t: Targets, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Requests and plans (pre-censoring) with kinds, dates, outcomes; ages and births included."""
    plans = issued_plans(t, rng)
    repair_request_years(t, plans, rng)

    # Requests still undecided when the last figures were published (and in later years) become
    # assessments that issue plans the following year, rather than extra refusals. They are part of that
    # year's plans issued, not added to them: as many of the year's plans from its own requests make way,
    # so every year after the last publication keeps its target (`Targets.issued`).
    for y in range(CAL_YEARS[-1], t.last_year):
        ryear, iyear = D.years(plans["received"]), D.years(plans["issue"])
        r = t.requests[y]
        m_y = r - int((ryear == y).sum())
        expected = (t.refused_share[y] + t.not_issued_share[y] + t.withdrawn_share[y] + 0.008) * r
        own = np.flatnonzero((iyear == y + 1) & (ryear == y + 1))
        n_extra = min(int(round(m_y - 1.05 * expected)), len(own))
        if n_extra <= 0:
            continue
        keep = np.ones(len(plans["issue"]), dtype=bool)
        keep[rng.choice(own, size=n_extra, replace=False)] = False
        rec = random_days_in_year(rng, y, n_extra)
        dur = 150 + np.floor(rng.gamma(2.0, 60.0, n_extra)).astype(np.int64)
        jan1 = D.day(y + 1, 1, 1)
        iss = np.maximum(rec + dur, jan1 + np.floor(rng.random(n_extra) * 60).astype(np.int64))
        iss = np.minimum(iss, D.day(y + 1, 12, 31))
        carried = {"issue": iss, "dur": iss - rec, "week20": np.zeros(n_extra, np.int64),
                   "flag": np.zeros(n_extra, np.int64), "year": D.years(iss), "received": rec}
        plans = {k: np.concatenate([v[keep], carried[k]]) for k, v in plans.items()}
    n_plan = len(plans["issue"])

    # Non-plan requests per request year.
    ryear = D.years(plans["received"])
    nonplan = {"received": [], "kind": []}
    for y in range(t.first_year, t.last_year + 1):
        p_y = int((ryear == y).sum())
        m_y = int(round(t.requests[y])) - p_y
        if m_y <= 0:
            continue
        r = t.requests[y]
        w = [t.refused_share[y] * r, t.not_issued_share[y] * r, t.withdrawn_share[y] * r, 0.008 * r]
        counts = allocate(m_y, w)
        for kind, c in zip((KIND_REFUSED, KIND_NOT_ISSUED, KIND_REQ_WITHDRAWN, KIND_ASMT_WITHDRAWN), counts,
                           strict=True):
            nonplan["received"].append(random_days_in_year(rng, y, int(c)))
            nonplan["kind"].append(np.full(int(c), kind, dtype=np.int64))
    np_received = np.concatenate(nonplan["received"]) if nonplan["received"] else np.zeros(0, np.int64)
    np_kind = np.concatenate(nonplan["kind"]) if nonplan["kind"] else np.zeros(0, np.int64)
    n_np = len(np_received)

    # Decided within 6 weeks, exactly, per request year among outcomes Y and N.
    received = np.concatenate([plans["received"], np_received])
    kind = np.concatenate([np.full(n_plan, KIND_ISSUED), np_kind])
    total = np.concatenate([plans["dur"], np.full(n_np, 10_000)])
    yn = kind != KIND_REQ_WITHDRAWN
    # decision must leave at least 28 days for the assessment of a plan
    limit = np.where(kind == KIND_ISSUED, total - 28, 400)
    limit = np.where(kind == KIND_NOT_ISSUED, 200, limit)
    forced = yn & (limit < 43)
    within = np.zeros(len(received), dtype=bool)
    ry = D.years(received)
    for y in range(t.first_year, t.last_year + 1):
        idx = np.flatnonzero((ry == y) & yn)
        if len(idx) == 0:
            continue
        n_within = int(round(t.six_pc[y] / 100.0 * len(idx)))
        f = idx[forced[idx]]
        within[f] = True
        rest = idx[~forced[idx]]
        need = max(0, n_within - len(f))
        pick = rest[top_k(rng, np.ones(len(rest)), need)]
        within[pick] = True
    dec_days = decision_days(rng, len(received), within, limit)
    dec_days = np.where(kind == KIND_REQ_WITHDRAWN, 5 + np.floor(rng.random(len(received)) * 70), dec_days)
    dec = received + dec_days.astype(np.int64)

    req_outcome = np.full(len(received), "Y", dtype=object)
    req_outcome[kind == KIND_REFUSED] = "N"
    req_outcome[kind == KIND_REQ_WITHDRAWN] = "W"
    asmt_outcome = np.full(len(received), "", dtype=object)
    asmt_outcome[kind == KIND_ISSUED] = "Y"
    asmt_outcome[kind == KIND_NOT_ISSUED] = "N"
    asmt_outcome[kind == KIND_ASMT_WITHDRAWN] = "W"
    asmt_date = np.full(len(received), D.NA, dtype=np.int64)
    asmt_date[:n_plan] = plans["issue"]
    # Decided not to issue: within 16 weeks of the request for the published share.
    ni = np.flatnonzero(kind == KIND_NOT_ISSUED)
    in16 = rng.random(len(ni)) < t.not_issued_16w
    tot = np.where(in16, 84 + np.floor(rng.random(len(ni)) * 29), 113 + np.floor(rng.exponential(45, len(ni))))
    asmt_date[ni] = np.maximum(received[ni] + tot.astype(np.int64), dec[ni] + 14)
    aw = np.flatnonzero(kind == KIND_ASMT_WITHDRAWN)
    asmt_date[aw] = dec[aw] + 10 + np.floor(rng.random(len(aw)) * 80).astype(np.int64)

    week20 = np.concatenate([plans["week20"], np.zeros(n_np, dtype=np.int64)])
    flag = np.concatenate([plans["flag"], np.zeros(n_np, dtype=np.int64)])
    start = np.full(len(received), D.NA, dtype=np.int64)
    start[:n_plan] = plans["issue"]
    return {"kind": kind, "received": received, "dec": dec, "req_outcome": req_outcome,
            "asmt_outcome": asmt_outcome, "asmt_date": asmt_date, "start": start, "week20": week20,
            "flag": flag, "within6": within}


CEASE_AGE_WEIGHT = np.array([0.5] * 5 + [0.3] * 6 + [0.45] * 5 + [1.0, 1.6, 2.4, 2.6, 2.6, 2.8, 3.0, 3.4, 5.0, 8.0])


def reason_matrix() -> np.ndarray:
    """Affinity of each age (0–25) for each CeaseReason 1–9."""
    a = np.arange(26)[:, None]
    m = np.zeros((26, 10))
    m[:, 1] = np.where(a >= 24, 1.0, np.where(a == 23, 0.3, 0.0))[:, 0]
    m[:, 2] = np.where(a <= 15, 1.0, np.where(a <= 18, 0.5, 0.15))[:, 0]
    m[:, 3] = np.where(a >= 18, 1.0, np.where(a == 17, 0.1, 0.0))[:, 0]
    m[:, 4] = np.where(a >= 17, 1.0, np.where(a == 16, 0.3, 0.0))[:, 0]
    m[:, 5] = np.where(a >= 19, 0.6, 1.0)[:, 0]
    m[:, 6] = np.where(a >= 17, 1.0, np.where(a == 16, 0.5, 0.0))[:, 0]
    m[:, 7] = 1.0
    m[:, 8] = 1.0
    m[:, 9] = 1.0
    return m


def stock_and_flows(pub: Published, t: Targets, core: dict[str, np.ndarray], rng: np.random.Generator,
                    ref: int) -> dict[str, np.ndarray]:
    """Add legacy plans and transfers-in, choose cessations so each census caseload is exact.

    Returns the plan-level arrays (one row per plan, aligned to the request arrays for issued plans).
    """
    kind = core["kind"]
    is_plan = kind == KIND_ISSUED
    plan_req = np.flatnonzero(is_plan)              # request index of each issued plan
    start = core["start"][plan_req].copy()
    n_issued = len(start)

    # Ages at start for issued plans.
    ages = sample_ages(rng, pub.age_start, n_issued, 0, 23)
    birth = birth_for_age(rng, ages, start)

    c2019 = D.census_date(2019)
    n_legacy = t.census[2019] - int((start <= c2019).sum())
    n_legacy = max(n_legacy, 0)
    age19 = sample_ages(rng, pub.age_2019, n_legacy, 1, 25)
    leg_birth = birth_for_age(rng, age19, np.full(n_legacy, c2019))
    # nobody past the end of the academic year in which they turned 25
    too_old = max_age_deadline(leg_birth) <= c2019 + 30
    leg_birth[too_old] = D.add_years(leg_birth[too_old], 1)
    years_w = 1.16 ** np.arange(11)
    leg_year = 2008 + rng.choice(11, size=n_legacy, p=years_w / years_w.sum())
    leg_start = np.array([D.day(int(y), 1, 1) for y in leg_year]) + np.floor(rng.random(n_legacy) * 365).astype(
        np.int64)
    earliest = leg_birth + 700
    dec31 = D.day(2018, 12, 31)
    leg_start = np.where(leg_start < earliest,
                         earliest + np.floor(rng.random(n_legacy) * np.maximum(dec31 - earliest, 1)).astype(np.int64),
                         leg_start)
    leg_start = np.minimum(leg_start, dec31)
    leg_start = np.where(leg_start <= leg_birth, leg_birth + 60, leg_start)

    p_start = np.concatenate([start, leg_start])
    p_birth = np.concatenate([birth, leg_birth])
    p_kind = np.concatenate([np.full(n_issued, KIND_ISSUED), np.full(n_legacy, KIND_LEGACY)])
    p_cease = np.full(len(p_start), D.NA, dtype=np.int64)
    p_reason = np.zeros(len(p_start), dtype=np.int64)
    p_transfer_from = np.zeros(len(p_start), dtype=np.int64)

    cens_years = [y for y in sorted(t.census) if D.census_date(y) <= ref]
    reasons = reason_matrix()
    mix = np.array([0.0] + [pub.cease_mix.get(k, 0.0) for k in range(1, 10)])
    add_start, add_birth = [], []

    def transfers(n, lo, hi):
        s = lo + 1 + np.floor(rng.random(n) * max(hi - lo, 1)).astype(np.int64)
        a = sample_ages(rng, pub.age_2025, n, 2, 22)
        return s, birth_for_age(rng, a, s)

    def cease(act_idx, k_cease, lo, hi, forced_mask):
        """Pick k_cease of act_idx to cease in (lo, hi]; edits the plan arrays in place."""
        ages_lo = D.age_on(p_birth[act_idx], lo)
        deadline = max_age_deadline(p_birth[act_idx])
        f_idx = np.flatnonzero(forced_mask)
        if len(f_idx) > k_cease:
            f_idx = f_idx[np.argsort(deadline[f_idx], kind="stable")[:k_cease]]
        # forced: maximum age, just before the deadline
        fi = act_idx[f_idx]
        dl = np.minimum(deadline[f_idx], hi)
        p_cease[fi] = np.maximum(lo + 1, dl - np.floor(rng.random(len(fi)) * 40).astype(np.int64))
        p_reason[fi] = 1
        # the others: reason counts from the published mix, each reason taking children of a suitable age
        a_all = np.clip(ages_lo, 0, 25)
        k = k_cease - len(f_idx)
        counts = allocate(k_cease, mix[1:10])
        counts[0] = max(0, counts[0] - len(f_idx))
        counts = allocate(k, counts) if counts.sum() else allocate(k, np.ones(9))
        free = ~forced_mask.copy()
        free[f_idx] = False
        chosen, reasons_of = [], []
        short = 0
        for r in (1, 3, 4, 6, 2, 8, 7, 9, 5):
            # reasons tied to age prefer older young people; moving away or other reasons happen at any age
            want = int(counts[r - 1]) + (short if r == 5 else 0)
            cand = np.flatnonzero(free & (reasons[a_all, r] > 0))
            aw = CEASE_AGE_WEIGHT[a_all[cand]]
            w = reasons[a_all[cand], r] * (aw if r in (1, 2, 3, 4, 6) else np.sqrt(aw))
            pick = cand[top_k(rng, w, want)]
            short += want - len(pick)  # what a reason could not take goes to "moved to another LA"
            free[pick] = False
            chosen.append(pick)
            reasons_of.append(np.full(len(pick), r, dtype=np.int64))
        o_idx = np.concatenate(chosen)
        r = np.concatenate(reasons_of)
        oi = act_idx[o_idx]
        a = a_all[o_idx]
        p_reason[oi] = r
        uniform = lo + 1 + np.floor(rng.random(len(oi)) * (hi - lo)).astype(np.int64)
        y = int(D.years(np.array([lo]))[0])
        summer = D.day(y, 7, 1) + np.floor(rng.random(len(oi)) * 62).astype(np.int64)
        seasonal = np.isin(r, [1, 3, 4, 6]) & (a >= 16) & (rng.random(len(oi)) < 0.7) & (summer > lo) & (summer <= hi)
        p_cease[oi] = np.where(seasonal, summer, uniform)
        # never beyond the max-age deadline
        p_cease[oi] = np.minimum(p_cease[oi], np.maximum(deadline[o_idx], lo + 1))

    for i in range(len(cens_years) - 1):
        y0, y1 = cens_years[i], cens_years[i + 1]
        c0, c1 = D.census_date(y0), D.census_date(y1)
        all_start = np.concatenate([p_start] + add_start) if add_start else p_start
        if add_start:
            p_start = all_start
            p_birth = np.concatenate([p_birth] + add_birth)
            extra_n = len(p_start) - len(p_kind)
            p_kind = np.concatenate([p_kind, np.full(extra_n, KIND_TRANSFER)])
            p_cease = np.concatenate([p_cease, np.full(extra_n, D.NA)])
            p_reason = np.concatenate([p_reason, np.zeros(extra_n, dtype=np.int64)])
            p_transfer_from = np.concatenate([p_transfer_from, np.ones(extra_n, dtype=np.int64)])
            add_start, add_birth = [], []
        active = (p_start <= c0) & ((p_cease == D.NA) | (p_cease > c0))
        a0 = int(active.sum())
        s = int(((p_start > c0) & (p_start <= c1)).sum())
        x_nat = a0 + s - t.census[y1]
        target = t.ceased.get(y0, round(t.cease_rate * a0))
        act_idx = np.flatnonzero(active)
        deadline = max_age_deadline(p_birth[act_idx])
        forced = deadline <= c1
        x = max(x_nat + max(1, round(0.012 * a0)), target, int(forced.sum()))
        x = min(x, a0)
        n_tr = max(0, x - x_nat)
        x = x_nat + n_tr
        cease(act_idx, x, c0, c1, forced)
        s_, b_ = transfers(n_tr, c0, c1)
        add_start.append(s_)
        add_birth.append(b_)

    if add_start:
        p_start = np.concatenate([p_start] + add_start)
        p_birth = np.concatenate([p_birth] + add_birth)
        extra_n = len(p_start) - len(p_kind)
        p_kind = np.concatenate([p_kind, np.full(extra_n, KIND_TRANSFER)])
        p_cease = np.concatenate([p_cease, np.full(extra_n, D.NA)])
        p_reason = np.concatenate([p_reason, np.zeros(extra_n, dtype=np.int64)])
        p_transfer_from = np.concatenate([p_transfer_from, np.ones(extra_n, dtype=np.int64)])

    # After the last census up to the reference date (and a year beyond, censored later).
    c_last = D.census_date(cens_years[-1])
    horizon = D.day(t.last_year, 12, 31)
    if horizon > c_last:
        active = (p_start <= c_last) & ((p_cease == D.NA) | (p_cease > c_last))
        act_idx = np.flatnonzero(active)
        frac = (horizon - c_last) / 365.25
        deadline = max_age_deadline(p_birth[act_idx])
        forced = deadline <= horizon
        x = max(int(round(t.cease_rate * len(act_idx) * frac)), int(forced.sum()))
        cease(act_idx, min(x, len(act_idx)), c_last, horizon, forced)
        n_tr = int(round(0.02 * len(act_idx) * frac))
        s_, b_ = transfers(n_tr, c_last, horizon)
        p_start = np.concatenate([p_start, s_])
        p_birth = np.concatenate([p_birth, b_])
        p_kind = np.concatenate([p_kind, np.full(n_tr, KIND_TRANSFER)])
        p_cease = np.concatenate([p_cease, np.full(n_tr, D.NA)])
        p_reason = np.concatenate([p_reason, np.zeros(n_tr, dtype=np.int64)])
        p_transfer_from = np.concatenate([p_transfer_from, np.ones(n_tr, dtype=np.int64)])
    # Plans that start after the horizon-limited loop but were never checked against the age limit.
    deadline = max_age_deadline(p_birth)
    late = (p_cease == D.NA) & (deadline < horizon) & (deadline > p_start)
    p_cease[late] = deadline[late]
    p_reason[late] = 1

    return {"start": p_start, "birth": p_birth, "kind": p_kind, "cease": p_cease, "reason": p_reason,
            "transfer_in": p_transfer_from, "req_index": np.concatenate(
                [plan_req, np.full(len(p_start) - n_issued, -1)])}
