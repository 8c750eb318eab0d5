"""From core dynamics to SEN2 records: requests, persons, needs, placements, reviews, flags.

All arrays here are before censoring at the reference date except where the function says otherwise.
"""

from __future__ import annotations

import numpy as np

from data.synth import dates as D
from data.synth.inputs import NEEDS, Published
from data.synth.model import (
    KIND_ISSUED,
    KIND_LEGACY,
    KIND_NOT_ISSUED,
    KIND_REFUSED,
    KIND_TRANSFER,
    Targets,
    allocate,
    birth_for_age,
    sample_ages,
    top_k,
)

CONVERSION_END = D.day(2014, 9, 1)  # statements converted to EHC plans 2014–2018 keep outcome H


def assemble(core: dict, flows: dict, rng: np.random.Generator) -> dict:
    """One row per request; plan-level columns filled where the request led to a plan.

    Returns a dict of equal-length arrays: the request table with plan index `plan` (−1 if none) and the
    plan table under key 'P' (arrays of one row per plan).
    """
    n_core = len(core["received"])
    P = flows
    n_plans = len(P["start"])
    req_index = P["req_index"].copy()

    # Requests of legacy plans and transfers-in are new rows.
    new_rows = np.flatnonzero(req_index < 0)
    leg = new_rows[P["kind"][new_rows] == KIND_LEGACY]
    tra = new_rows[P["kind"][new_rows] == KIND_TRANSFER]
    n_new = len(new_rows)
    req_index[new_rows] = n_core + np.arange(n_new)

    received = np.concatenate([core["received"], np.full(n_new, D.NA, dtype=np.int64)])
    dec = np.concatenate([core["dec"], np.full(n_new, D.NA, dtype=np.int64)])
    req_outcome = np.concatenate([core["req_outcome"], np.full(n_new, "H", dtype=object)])
    asmt_outcome = np.concatenate([core["asmt_outcome"], np.full(n_new, "H", dtype=object)])
    asmt_date = np.concatenate([core["asmt_date"], np.full(n_new, D.NA, dtype=np.int64)])
    week20 = np.concatenate([core["week20"], np.zeros(n_new, dtype=np.int64)])
    flag = np.concatenate([core["flag"], np.zeros(n_new, dtype=np.int64)])
    kind = np.concatenate([core["kind"], P["kind"][new_rows]])

    # Legacy: historic request before the start; statements converted before Sept 2014 are outcome H.
    lr = req_index[leg]
    st = P["start"][leg]
    span = 110 + np.floor(rng.gamma(3.0, 35.0, len(leg))).astype(np.int64)
    received[lr] = st - span
    dec[lr] = received[lr] + 14 + np.floor(rng.random(len(leg)) * 50).astype(np.int64)
    asmt_date[lr] = st
    conv = st < CONVERSION_END
    req_outcome[lr] = np.where(conv, "H", "Y")
    asmt_outcome[lr] = np.where(conv, "H", "Y")
    week20[lr] = 0
    # Transfers-in: no request to this LA; the plan is taken on at its start date.
    tr = req_index[tra]
    asmt_date[tr] = P["start"][tra]

    plan = np.full(len(received), -1, dtype=np.int64)
    plan[req_index] = np.arange(n_plans)

    R = {"kind": kind, "received": received, "dec": dec, "req_outcome": req_outcome,
         "asmt_outcome": asmt_outcome, "asmt_date": asmt_date, "week20": week20, "flag": flag, "plan": plan}
    P = dict(P)
    P["req"] = req_index
    return R | {"P": P}


def people(pub: Published, X: dict, rng: np.random.Generator) -> dict:
    """Persons: one per plan, one per other request, with some refused requests re-made later."""
    R, P = X, X["P"]
    n_req = len(R["received"])
    person = np.full(n_req, -1, dtype=np.int64)
    n_plans = len(P["start"])
    person[P["req"]] = np.arange(n_plans)
    birth = list(P["birth"])
    is_plan_person = [True] * n_plans
    others = np.flatnonzero(person < 0)
    # Re-requests: some refused / not-issued requests belong to a child who later got a plan.
    issued_plans = np.flatnonzero(P["kind"] == KIND_ISSUED)
    issued_recv = R["received"][P["req"][issued_plans]]
    order = np.argsort(issued_recv, kind="stable")
    issued_plans, issued_recv = issued_plans[order], issued_recv[order]
    taken = np.zeros(len(issued_plans), dtype=bool)
    cand = others[np.isin(R["kind"][others], [KIND_REFUSED, KIND_NOT_ISSUED])]
    cand = cand[rng.random(len(cand)) < 0.22]
    merged = 0
    for i in cand:
        lo = np.searchsorted(issued_recv, R["dec"][i] + 60)
        hi = np.searchsorted(issued_recv, R["dec"][i] + 900)
        if hi <= lo:
            continue
        for _ in range(3):
            j = int(rng.integers(lo, hi))
            if taken[j]:
                continue
            pb = P["birth"][issued_plans[j]]
            age = D.age_on(np.array([pb]), R["received"][i])[0]
            if age < 0 or age > 24:
                continue
            taken[j] = True
            person[i] = issued_plans[j]
            merged += 1
            break
    rest = np.flatnonzero(person < 0)
    n_rest = len(rest)
    ages = sample_ages(rng, pub.age_request, n_rest, 0, 24)
    b = birth_for_age(rng, ages, R["received"][rest])
    person[rest] = n_plans + np.arange(n_rest)
    birth = np.concatenate([np.asarray(birth, dtype=np.int64), b])
    is_plan_person = np.concatenate([np.ones(n_plans, bool), np.zeros(n_rest, bool)])
    return {"person": person, "birth": birth, "has_plan": is_plan_person}


def flags(t: Targets, X: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Mediation / tribunal flags consistent with the published counts and the 20-week rule."""
    R = X
    n = len(R["received"])
    out = {k: np.zeros(n, dtype=np.int64) for k in
           ("req_med", "req_trib", "asmt_med", "asmt_trib", "oth_med", "oth_trib")}
    ry = D.years(R["received"])
    for y in range(t.first_year - 3, t.last_year + 1):
        in_year = ry == y
        fx = np.flatnonzero(in_year & (R["flag"] == 1))
        if y < t.first_year:  # plans issued from early requests: only their own flags
            yy = t.first_year
            w = np.array([t.req_mediation[yy], t.req_tribunal[yy], t.asmt_mediation[yy], t.asmt_tribunal[yy]],
                         float) + 1
            kinds = rng.choice(4, size=len(fx), p=w / w.sum())
            for k, key in enumerate(("req_med", "req_trib", "asmt_med", "asmt_trib")):
                out[key][fx[kinds == k]] = 1
            continue
        w = np.array([t.req_mediation[y], t.req_tribunal[y], t.asmt_mediation[y], t.asmt_tribunal[y]], float) + 1
        kinds = rng.choice(4, size=len(fx), p=w / w.sum())
        for k, key in enumerate(("req_med", "req_trib", "asmt_med", "asmt_trib")):
            out[key][fx[kinds == k]] = 1
        # some mediations went on to tribunal
        med = fx[(kinds == 0) | (kinds == 2)]
        on = med[rng.random(len(med)) < 0.2]
        out["req_trib"][on[kinds[np.searchsorted(fx, on)] == 0]] = 1
        out["asmt_trib"][on[kinds[np.searchsorted(fx, on)] == 2]] = 1
        used = {k: int(out[k][fx].sum()) for k in ("req_med", "req_trib", "asmt_med", "asmt_trib")}
        refused = np.flatnonzero(in_year & (R["kind"] == KIND_REFUSED))
        for key, target in (("req_med", t.req_mediation[y]), ("req_trib", t.req_tribunal[y])):
            k = max(0, int(target) - used[key])
            out[key][refused[top_k(rng, np.ones(len(refused)), k)]] = 1
        noti = np.flatnonzero(in_year & (R["kind"] == KIND_NOT_ISSUED))
        for key, target in (("asmt_med", t.asmt_mediation[y]), ("asmt_trib", t.asmt_tribunal[y])):
            k = max(0, int(target) - used[key])
            out[key][noti[top_k(rng, np.ones(len(noti)), k)]] = 1
        issued = np.flatnonzero((D.years(R["asmt_date"]) == y) & (R["asmt_outcome"] == "Y"))
        for key, target in (("oth_med", t.oth_mediation[y]), ("oth_tribunal", t.oth_tribunal[y])):
            k = int(target)
            dest = "oth_med" if key == "oth_med" else "oth_trib"
            out[dest][issued[top_k(rng, np.ones(len(issued)), k)]] = 1
    return out


def primary_needs(pub: Published, P: dict, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Primary and secondary need per plan (index into NEEDS + DS; −1 = not recorded).

    Plans active at the January 2025 census get exactly the published mix (largest remainder on the
    published counts scaled to the active total); the rest follow the same mix by age.
    """
    grid = pub.need_by_age.to_numpy()                                    # England P(need | age)
    ages_2025 = pub.age_2025
    implied = (grid * ages_2025[:, None]).sum(axis=0)
    la_share = np.array([pub.needs[m] for m in NEEDS], float)
    la_share = la_share / la_share.sum() if la_share.sum() > 0 else implied
    adj = grid * (la_share / np.maximum(implied, 1e-9))[None, :]
    adj = adj / adj.sum(axis=1, keepdims=True)
    n = len(P["start"])
    c25 = D.census_date(2025)
    age_now = np.clip(D.age_at_aug31(P["birth"], np.maximum(P["start"], 0)), 0, 25)
    g = rng.gumbel(size=(n, len(NEEDS)))
    scores = np.log(np.maximum(adj[age_now], 1e-12)) + g
    primary = np.argmax(scores, axis=1)

    active = (P["start"] <= c25) & ((P["cease"] == D.NA) | (P["cease"] > c25))
    idx = np.flatnonzero(active)
    if len(idx):
        published = np.array([pub.needs[m] for m in NEEDS] + [pub.need_unknown], float)
        counts = allocate(len(idx), published)
        age25 = np.clip(D.age_at_aug31(P["birth"][idx], c25), 0, 25)
        sc = np.log(np.maximum(adj[age25], 1e-12)) + rng.gumbel(size=(len(idx), len(NEEDS)))
        assigned = np.full(len(idx), -2, dtype=np.int64)
        free = np.ones(len(idx), dtype=bool)
        for k in np.argsort(counts[:-1], kind="stable"):  # rarest first take their likeliest children
            cand = np.flatnonzero(free)
            pick = cand[np.argsort(-sc[cand, k], kind="stable")[:counts[k]]]
            assigned[pick] = k
            free[pick] = False
        assigned[free] = -1                                              # need not recorded
        primary[idx] = assigned
    # Down syndrome is published inside OTH: a share of OTH becomes DS.
    oth = NEEDS.index("OTH")
    is_oth = np.flatnonzero(primary == oth)
    primary[is_oth[rng.random(len(is_oth)) < 0.35]] = len(NEEDS)         # DS
    secondary = np.full(n, -1, dtype=np.int64)
    has2 = rng.random(n) < 0.42
    sec = np.argmax(np.log(np.maximum(adj[age_now], 1e-12)) + rng.gumbel(size=(n, len(NEEDS))), axis=1)
    ok = has2 & (sec != primary) & (primary >= 0)
    secondary[ok] = sec[ok]
    return primary, secondary


NEED_CODES = NEEDS + ["DS"]

# Setting order from mainstream to specialist: a latent "specialism" per child picks from it, so the same
# child tends to stay in similar provision across phases while each age keeps the published mix.
SETTING_ORDER = ["EY", "ML", "MA", "MF", "MI", "FE", "UKRLP", "MLR", "MAR", "MFR", "MLU", "MAU", "MFU", "OLA",
                 "OPA", "EHE", "OTH", "NEET", "NIEC", "NIEO", "NIEOC", "APL", "APA", "APF", "SP16", "SA", "SL",
                 "SN", "SI"]
NEED_SPECIALISM = {"SPLD": -1.2, "MLD": 0.0, "SLD": 1.4, "PMLD": 2.0, "SEMH": 0.2, "SLCN": -0.6, "HI": -0.3,
                   "VI": -0.3, "MSI": 0.8, "PD": 0.2, "ASD": 0.35, "OTH": 0.2, "DS": 0.8}


def _norm_cdf(z):
    from math import erf, sqrt
    return 0.5 * (1 + np.vectorize(erf)(z / sqrt(2)))


def episodes(pub: Published, P: dict, primary: np.ndarray, end: np.ndarray, rng: np.random.Generator) -> dict:
    """Placement episodes per plan: split at phase changes (reception, Y7, Y12, 19+) and some moves."""
    n = len(P["start"])
    by = D.years(P["birth"])
    bm = D.months(P["birth"])
    base = np.where(bm >= 9, by + 1, by)
    sept = np.array([D.day(1980 + i, 9, 1) for i in range(80)])
    bounds = np.stack([sept[np.clip(base + a - 1980, 0, 79)] for a in (4, 11, 16, 19)], axis=1)
    seg_start = [P["start"]]
    for k in range(4):
        seg_start.append(np.where((bounds[:, k] > P["start"]) & (bounds[:, k] < end), bounds[:, k], D.NA))
    # a mid-phase move for some plans
    move = P["start"] + np.floor(rng.random(n) * np.maximum(end - P["start"], 1)).astype(np.int64)
    seg_start.append(np.where(rng.random(n) < 0.18, move, D.NA))
    S = np.stack(seg_start, axis=1)
    S = np.where(S == D.NA, np.iinfo(np.int64).max, S)
    S.sort(axis=1)
    plan_idx = np.repeat(np.arange(n), S.shape[1])
    entry = S.ravel()
    keep = entry != np.iinfo(np.int64).max
    plan_idx, entry = plan_idx[keep], entry[keep]
    # drop duplicate dates
    dup = np.zeros(len(entry), bool)
    dup[1:] = (plan_idx[1:] == plan_idx[:-1]) & (entry[1:] == entry[:-1])
    plan_idx, entry = plan_idx[~dup], entry[~dup]
    nxt = np.full(len(entry), D.NA, dtype=np.int64)
    same = plan_idx[1:] == plan_idx[:-1]
    nxt[:-1] = np.where(same, entry[1:], D.NA)
    leaving = np.where(nxt == D.NA, end[plan_idx], nxt)
    leaving = np.where(leaving == D.NA, D.NA, leaving)

    # latent specialism: need effect + noise, ranked to a uniform, then correlated per episode
    eff = np.array([NEED_SPECIALISM.get(NEED_CODES[p], 0.0) if p >= 0 else 0.0 for p in primary])
    z = eff + rng.normal(0, 1.0, n)
    z = (z - z.mean()) / (z.std() + 1e-9)
    ze = 0.88 * z[plan_idx] + np.sqrt(1 - 0.88 ** 2) * rng.normal(0, 1, len(entry))
    u = _norm_cdf(ze)
    age = np.clip(D.age_at_aug31(P["birth"][plan_idx], entry), 0, 25)
    band = np.select([age <= 3, age <= 10, age <= 15, age <= 18], [0, 1, 2, 3], 4)
    mix = pub.setting_by_age[SETTING_ORDER].to_numpy()
    cum = np.cumsum(mix, axis=1)
    cum = cum / cum[:, -1:]
    setting_idx = (u[:, None] > cum[band]).sum(axis=1)
    setting_idx = np.clip(setting_idx, 0, len(SETTING_ORDER) - 1)
    setting = np.array(SETTING_ORDER, dtype=object)[setting_idx]
    entry = _await_placement(pub, P, plan_idx, entry, leaving, end, rng)
    return {"plan": plan_idx, "entry": entry, "leaving": leaving, "setting": setting, "age": age}


def _await_placement(pub: Published, P: dict, plan_idx: np.ndarray, entry: np.ndarray, leaving: np.ndarray,
                     end: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Delay some placements' entry so a plan waits for a placement (published 'awaiting provision').

    New plans wait for a school to be named more often than a move or phase transfer leaves a gap (the
    previous placement still ends on the old date). The chance is scaled so the expected share of plan-days
    spent waiting since 2018 is the LA's published awaiting-provision share.
    """
    first = np.r_[True, plan_idx[1:] != plan_idx[:-1]]
    weight = np.where(first, 4.0, 1.0)
    gap = 14 + np.floor(rng.gamma(2.0, 30.0, len(entry))).astype(np.int64)   # two weeks to a few months
    # a gap may run past the reference date (the entry is then censored) but not past a real leaving date
    real_end = (leaving != end[plan_idx]) | (P["cease"][plan_idx] != D.NA)
    gap = np.where(real_end, np.minimum(gap, (leaving - entry) // 2), gap)
    since = D.day(2018, 1, 1)
    plan_days = np.maximum(end - np.maximum(P["start"], since), 0).sum()
    recent = entry >= since
    k = pub.await_share * plan_days / max(float((weight * gap)[recent].sum()), 1.0)
    wait = rng.random(len(entry)) < np.minimum(k * weight, 0.9)
    return np.where(wait, entry + gap, entry)


def reviews(pub: Published, P: dict, rng: np.random.Generator, ref: int) -> dict:
    """Annual reviews due from 2016 to the reference date (history kept from 2016)."""
    n = len(P["start"])
    end = np.where(P["cease"] == D.NA, ref + 60, np.minimum(P["cease"], ref + 60))
    nyears = np.clip(((end - P["start"]) // 365).astype(np.int64), 0, 30)
    plan = np.repeat(np.arange(n), nyears)
    k = np.arange(len(plan)) - np.repeat(np.cumsum(nyears) - nyears, nyears) + 1
    due = D.add_years(P["start"][plan], k)
    keep = (due >= D.day(2016, 1, 1)) & (due <= end[plan])
    plan, due, k = plan[keep], due[keep], k[keep]
    m = len(plan)
    rv = pub.reviews
    expected = max(rv.get("review_expected", 0.0), 1.0)
    p_held = float(np.clip(1 - rv.get("no_review_meeting", 0.0) / expected, 0.6, 0.99))
    held = rng.random(m) < p_held
    early = rng.random(m) < 0.7
    meeting = np.where(early, due - np.floor(rng.random(m) * 45), due + np.floor(rng.exponential(35, m)))
    meeting = meeting.astype(np.int64)
    p4 = float(np.clip(rv.get("pc_decsion_4weeks", 50.0) / 100.0, 0.05, 0.98))
    within = rng.random(m) < p4
    lag = np.where(within, 3 + np.floor(rng.random(m) * 26), 29 + np.floor(rng.exponential(30, m)))
    decision = meeting + lag.astype(np.int64)
    amend = rv.get("outcome_amend", 1.0)
    maintain = rv.get("outcome_maintan", 1.0)
    p_amend = amend / max(amend + maintain, 1.0)
    outcome = np.where(rng.random(m) < p_amend, "A", "M").astype(object)
    # the last review before a cessation for needs met / leaving education decided to cease
    cease = P["cease"][plan]
    last_before = (cease != D.NA) & (cease - meeting < 300) & (cease > meeting)
    cease_reason = P["reason"][plan]
    outcome[last_before & np.isin(cease_reason, [2, 3, 4, 6, 9]) & (rng.random(m) < 0.75)] = "C"
    meeting = np.where(held, meeting, D.NA)
    decision = np.where(held, decision, D.NA)
    outcome = np.where(held, outcome, "")
    # the plan has to exist at the meeting
    bad = held & ((meeting <= P["start"][plan]) | ((cease != D.NA) & (meeting >= cease)))
    meeting[bad] = np.minimum(due[bad], np.where(cease[bad] != D.NA, cease[bad] - 1, due[bad]))
    decision[bad] = meeting[bad] + 14
    listened = rng.choice(np.array(["Y", "N", ""], dtype=object), size=m, p=[0.55, 0.15, 0.30])
    listened = np.where(held, listened, "")
    return {"plan": plan, "due": due, "meeting": meeting, "decision": decision, "outcome": outcome,
            "listened": listened, "number": k}


def phase_transfers(P: dict, rng: np.random.Generator, ref: int) -> tuple[np.ndarray, np.ndarray]:
    """The latest phase transfer (reception, junior, Y7, post-16) due by the reference date + 13 months."""
    n = len(P["start"])
    by = D.years(P["birth"])
    bm = D.months(P["birth"])
    base = np.where(bm >= 9, by + 1, by)
    due = np.full(n, D.NA, dtype=np.int64)
    final = np.full(n, D.NA, dtype=np.int64)
    limit = ref + 395
    feb15 = np.array([D.day(1980 + i, 2, 15) for i in range(80)])
    mar31 = np.array([D.day(1980 + i, 3, 31) for i in range(80)])
    for age, deadline in ((4, feb15), (7, feb15), (11, feb15), (16, mar31)):
        year = base + age  # the September the child moves, deadline earlier that calendar year
        d = deadline[np.clip(year - 1980, 0, 79)]
        alive = (P["start"] <= d) & ((P["cease"] == D.NA) | (P["cease"] > d)) & (d <= limit)
        due = np.where(alive & ((due == D.NA) | (d > due)), d, due)
    has = due != D.NA
    on_time = rng.random(n) < 0.62
    f = np.where(on_time, due - np.floor(rng.random(n) * 30), due + np.floor(rng.exponential(40, n)) + 1)
    final = np.where(has & (f <= ref), f.astype(np.int64), D.NA)
    return due, final
