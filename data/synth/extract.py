"""Generate one LA's synthetic extract: SEN2 module CSVs, the SEN2 XML message and the local extras."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from data.synth import GENERATOR_VERSION, details, local, measures, model, writers
from data.synth import dates as D
from data.synth.inputs import SETTINGS, la_dim, load, resolve_la, ward_dim
from data.synth.names import person_names, postcodes, ulns, upns

DEFAULT_REFERENCE_DATE = "2026-01-15"
CASE_SYSTEM_START = D.day(2017, 4, 3)   # casework history (caseworker assignments) is held from here
ADVICE_START = D.day(2018, 1, 1)        # advice requests are held from here

EXTENDED_ETHNICITY = {  # main code -> [(extended code, share of the main code)]
    "WBRI": [("WENG", 0.08), ("WSCO", 0.01), ("WWEL", 0.01), ("WOWB", 0.01), ("WCOR", 0.003)],
    "BAFR": [("BSOM", 0.2), ("BNGN", 0.15), ("BGHA", 0.08), ("BAOF", 0.05)],
    "APKN": [("AMPK", 0.15), ("AKPA", 0.05)],
    "WOTH": [("WEEU", 0.25), ("WALB", 0.05), ("WWEU", 0.05), ("WTUR", 0.03)],
    "OOTH": [("OAFG", 0.1), ("OARA", 0.1), ("OKRD", 0.05)],
    "NOBT": [("REFU", 0.4)],
}
OTH_TEXT = np.array(["Awaiting specialist placement", "Hospital education service", "Tuition package",
                     "Specialist setting type named, no setting yet"], dtype=object)


Stream = Callable[[int], np.random.Generator]  # a phase's numbered random stream for this LA and seed


def _rng(seed: int, la_index: int, stream: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(la_index), int(stream)])


def la_index_of(code: str) -> int:
    dim = la_dim()
    return int(np.flatnonzero(dim["new_la_code"].to_numpy() == code)[0])


def _setting_counts_2025(pub) -> dict[str, float]:
    band_share = np.array([pub.age_2025[lo:hi + 1].sum() for lo, hi in ((0, 3), (4, 10), (11, 15), (16, 18),
                                                                            (19, 25))])
    mix = (pub.setting_by_age.to_numpy() * band_share[:, None]).sum(axis=0)
    n = pub.census.get(2025, 1000)
    return {s: float(v * n) for (s, _), v in zip(SETTINGS, mix, strict=True)}


def _ethnicity(pub, n: int, rng: np.random.Generator) -> np.ndarray:
    codes = np.array(list(pub.ethnicity), dtype=object)
    p = np.array(list(pub.ethnicity.values()), float)
    eth = codes[rng.choice(len(codes), size=n, p=p / p.sum())]
    u = rng.random(n)
    out = eth.copy()
    for main, subs in EXTENDED_ETHNICITY.items():
        sel = eth == main
        lo = 0.0
        for code, share in subs:
            out[sel & (u >= lo) & (u < lo + share)] = code
            lo += share
    return out


def generate(la: str, seed: int = 2026, out: Path | str | None = None,
             reference_date: str = DEFAULT_REFERENCE_DATE, xml: bool = True) -> dict:
    """Write the synthetic extract for one LA and return row counts per file. With `xml` (the default) the
    folder also holds the same SEN2 return as the DfE's XML, to try the XML path; a folder to ingest as it is
    (the national set) leaves it out, since a load refuses one return given twice.

    The phases run in a fixed order and each draws from its own numbered random stream, so a phase can change
    without moving any other phase's numbers."""
    info = resolve_la(la)
    code = info["new_la_code"]
    out = Path(out) if out is not None else Path("data/sample") / code
    ref = D.from_iso(reference_date)
    if not D.day(2019, 6, 1) <= ref <= D.day(2030, 12, 31):
        raise ValueError("reference date must be between 2019-06-01 and 2030-12-31")
    li = la_index_of(code)

    def stream(number: int) -> np.random.Generator:
        return _rng(seed, li, number)

    pub = load(code)
    t = model.Targets(pub, ref)
    core = model.build_core(t, stream(1))
    flows = model.stock_and_flows(pub, t, core, stream(2), ref)
    X = details.assemble(core, flows, stream(3))
    ppl = details.people(pub, X, stream(4))
    flags = details.flags(t, X, stream(5))
    primary, secondary = details.primary_needs(pub, X["P"], stream(6))
    area = _area(info, pub, t, li, stream)

    c = _censor(X, ref)
    sub, ep, last_r1, open_r2 = _placements(pub, X["P"], c, primary, area, ref, stream)
    plan_stream = stream(12)  # plan attributes, then the review drafts
    attributes = _plan_attributes(pub, sub, c.cease, ep, last_r1, plan_stream)
    rv, review_columns = _reviews(pub, sub, len(c.plans), ref, stream(13), stream(14), plan_stream)
    person_frame, pid, plan_person = _people(info, li, pub, ppl, c, ref, stream(15))
    req = _requests(info, t, X["P"], c, ppl, pid, flags, ref, stream(16))
    assessment_frame, aid = _assessments(c, req)
    plan_frames = _plan_tables(c, req.rid, aid, sub, ep, last_r1, open_r2, attributes, review_columns,
                               req.transfer_la, primary, secondary)
    local_frames = _local_extras(info, pub, t, area, c, ppl, pid, plan_person, sub, ep, last_r1, rv, req,
                                 assessment_frame, plan_frames["namedplan"], ref, stream)

    frames_sen2 = {"person": person_frame, "requests": req.frame, "assessment": assessment_frame, **plan_frames}
    header = {"year": D.to_date(ref).year, "reference_date": D.to_date(ref).isoformat(), "lea": info["old_la_code"],
              "dmo": pub.dmo.get("DMO", "N"), "dco": pub.dmo.get("DCO", "N"), "dsco": pub.dmo.get("DSCO", "")}
    return writers.write_all(out, info, seed, ref, GENERATOR_VERSION, frames_sen2, local_frames, header, xml)


@dataclass
class Area:
    """The LA's wards (with population and need weights) and its schools."""

    wards: pd.DataFrame
    pop_w: np.ndarray
    need_w: np.ndarray
    caseload_2025: float
    schools: pd.DataFrame


def _area(info: dict, pub, t: model.Targets, li: int, stream: Stream) -> Area:
    wards = ward_dim()
    own = wards[wards["new_la_code"] == info["new_la_code"]]
    if own.empty:  # LA whose wards are listed under its successor code (Buckinghamshire, North Yorkshire, Somerset)
        own = wards[wards["la_name"] == info["la_name"]]
    wards = own.sort_values("ward_code", kind="stable").reset_index(drop=True)
    if wards.empty:
        raise ValueError(f"No current wards found for {info['new_la_code']} in data/national/dims/ward.parquet")
    pop_w, need_w = local.ward_weights(wards, stream(7))
    caseload_2025 = t.census.get(2025, max(t.census.values()))
    schools = local.make_schools(li, wards, pop_w, _setting_counts_2025(pub), caseload_2025, stream(8))
    return Area(wards, pop_w, need_w, caseload_2025, schools)


@dataclass
class Censored:
    """The simulated requests and plans as the council's records stand on the reference date: what happens
    later is not known yet (a decision after it is pending, a plan ending after it is open)."""

    R: dict  # request-aligned arrays (everything the simulation made but the plans)
    event: np.ndarray  # the date each request (or, for a legacy plan, its start) entered the records
    keep: np.ndarray  # requests on the records by the reference date
    dec: np.ndarray
    req_outcome: np.ndarray
    asmt_outcome: np.ndarray
    asmt_date: np.ndarray
    pending_dec: np.ndarray
    pending_asmt: np.ndarray
    plan_rows: np.ndarray  # request rows that carry a named plan
    plans: np.ndarray  # plan index of each
    cease: np.ndarray
    reason: np.ndarray


def _censor(X: dict, ref: int) -> Censored:
    P = X["P"]
    R = {k: v for k, v in X.items() if k != "P"}
    plan_of = R["plan"]
    p_start = np.where(plan_of >= 0, P["start"][np.maximum(plan_of, 0)], D.NA)
    event = np.where(R["received"] != D.NA, R["received"], p_start)
    keep = (event != D.NA) & (event <= ref)
    dec = R["dec"].copy()
    req_outcome = R["req_outcome"].copy()
    asmt_outcome = R["asmt_outcome"].copy()
    asmt_date = R["asmt_date"].copy()
    pending_dec = (dec != D.NA) & (dec > ref)
    req_outcome[pending_dec] = "A"
    dec[pending_dec] = D.NA
    asmt_outcome[pending_dec] = ""
    asmt_date[pending_dec] = D.NA
    pending_asmt = (asmt_date != D.NA) & (asmt_date > ref)
    asmt_outcome[pending_asmt] = "A"
    asmt_date[pending_asmt] = D.NA
    has_plan = (plan_of >= 0) & keep & ~pending_dec & ~pending_asmt
    plan_rows = np.flatnonzero(has_plan)
    plans = plan_of[plan_rows]
    cease = P["cease"][plans].copy()
    reason = P["reason"][plans].copy()
    open_ = (cease == D.NA) | (cease > ref)
    cease[open_] = D.NA
    reason[open_] = 0
    return Censored(R, event, keep, dec, req_outcome, asmt_outcome, asmt_date, pending_dec, pending_asmt, plan_rows,
                    plans, cease, reason)


def _placements(pub, P: dict, c: Censored, primary: np.ndarray, area: Area, ref: int, stream: Stream):
    """Each plan's placements to the reference date (schools, out-of-area, residential, work-based, dual), sorted
    by plan, entry and rank; with the plan-aligned attributes (`sub`) and the latest rank-1 / open rank-2 ones."""
    sub = {k: v[c.plans] for k, v in P.items() if isinstance(v, np.ndarray) and len(v) == len(P["start"])}
    sub["cease"] = c.cease
    end_eff = np.where(c.cease == D.NA, ref + 1, c.cease)
    ep = details.episodes(pub, sub, primary[c.plans], end_eff, stream(9))
    ep_keep = ep["entry"] <= ref
    ep = {k: v[ep_keep] for k, v in ep.items()}
    ep["leaving"] = np.where((ep["leaving"] == D.NA) | (ep["leaving"] > ref), D.NA, ep["leaving"])
    sch = local.assign_schools(ep, area.schools, stream(10))
    ep.update(sch)
    ep.update(local.place_out_of_area(ep, len(c.plans), local.pupils_on_roll(area.caseload_2025), stream(24)))
    rng = stream(11)
    _residential_and_work_based(pub, ep, rng)
    rank2 = _dual_placements(ep, area.schools, ref, rng)
    m = len(ep["entry"])
    ep["rank"] = np.ones(m, dtype=np.int64)
    if rank2 is not None:
        rank2["rank"] = np.full(len(rank2["plan"]), 2, dtype=np.int64)
        ep = {k: np.concatenate([ep[k], rank2[k]]) for k in ep}
    order = np.lexsort((ep["rank"], ep["entry"], ep["plan"]))
    ep = {k: v[order] for k, v in ep.items()}

    # the named placement in the plan: the latest rank-1 (and open rank-2) placement
    last_r1 = np.full(len(c.plans), -1, dtype=np.int64)
    r1 = np.flatnonzero(ep["rank"] == 1)
    last_r1[ep["plan"][r1]] = r1                          # sorted by entry: the last write wins
    open_r2 = np.flatnonzero((ep["rank"] == 2) & (ep["leaving"] == D.NA))
    return sub, ep, last_r1, open_r2


def _residential_and_work_based(pub, ep: dict, rng: np.random.Generator) -> None:
    """Residential placements, work-based placements and 'other' setting text, calibrated to the census."""
    m = len(ep["entry"])
    c25 = D.census_date(2025)
    on_c25 = (ep["entry"] <= c25) & ((ep["leaving"] == D.NA) | (ep["leaving"] > c25))
    # residential placements (38–51 weeks = A, 52 weeks = B) in specialist settings
    res_ok = np.isin(ep["setting"], ["SI", "SN", "SP16", "SL", "SA"]) & (ep["age"] >= 8)
    res_target = pub.res.get("res_3851", 0) + pub.res.get("res_52", 0)
    p_res = min(1.0, res_target / max(1, int((res_ok & on_c25).sum())))
    is_res = res_ok & (rng.random(m) < p_res)
    share_b = pub.res.get("res_52", 0) / max(res_target, 1)
    res = np.where(is_res, np.where(rng.random(m) < share_b, "B", "A"), "").astype(object)
    # work-based placements: apprenticeships / traineeships with training providers, internships at FE
    wbp = np.full(m, "", dtype=object)
    appr = ep["setting"] == "UKRLP"
    n_app = max(1, int((appr & on_c25).sum()))
    app_target = pub.wbp.get("open_apprentice", 0) + pub.wbp.get("open_trainee", 0)
    p_app = min(1.0, app_target / n_app)
    wbp[appr & (rng.random(m) < p_app)] = "A"
    # not enough training-provider placements: the rest are apprentices registered at an FE college
    short = max(0.0, app_target - int((appr & on_c25).sum()))
    fe16 = (ep["setting"] == "FE") & (ep["age"] >= 16)
    p_fe = min(1.0, short / max(1, int((fe16 & on_c25).sum())))
    wbp[fe16 & (rng.random(m) < p_fe)] = "A"
    wbp[appr & (wbp == "A") & (rng.random(m) < 0.05)] = "T"
    intern_ok = (ep["setting"] == "FE") & (ep["age"] >= 18)
    p_int = min(1.0, pub.wbp.get("open_supp_intern", 0) / max(1, int((intern_ok & on_c25).sum())))
    wbp[intern_ok & (rng.random(m) < p_int)] = "S"
    ep["res"], ep["wbp"] = res, wbp
    ep["other_text"] = np.where(ep["setting"] == "OTH", OTH_TEXT[rng.integers(0, len(OTH_TEXT), m)], "")


def _dual_placements(ep: dict, schools: pd.DataFrame, ref: int, rng: np.random.Generator) -> dict | None:
    """Rank-2 placements for some children: part-time alternative provision alongside school."""
    m = len(ep["entry"])
    ap = schools[schools["phase"] == "Alternative provision"]
    dual = np.flatnonzero((ep["age"] >= 6) & (ep["age"] <= 15) & np.isin(ep["setting"], ["ML", "MA", "MF"])
                          & (rng.random(m) < 0.03))
    if not (len(ap) and len(dual)):
        return None
    span = 60 + np.floor(rng.random(len(dual)) * 240).astype(np.int64)
    d_leave = ep["entry"][dual] + span
    lim = np.where(ep["leaving"][dual] == D.NA, ref + 1, ep["leaving"][dual])
    d_leave = np.where(d_leave >= lim, ep["leaving"][dual], d_leave)
    d_leave = np.where((d_leave != D.NA) & (d_leave > ref), D.NA, d_leave)
    pick = rng.integers(0, len(ap), len(dual))
    return {"plan": ep["plan"][dual], "entry": ep["entry"][dual], "leaving": d_leave,
            "setting": np.full(len(dual), "APL", dtype=object), "age": ep["age"][dual],
            "urn": ap["urn"].to_numpy()[pick], "ukprn": np.zeros(len(dual), dtype=np.int64),
            "sensetting": np.full(len(dual), "", dtype=object), "rp": np.zeros(len(dual), np.int64),
            "unit": np.zeros(len(dual), np.int64), "res": np.full(len(dual), "", dtype=object),
            "wbp": np.full(len(dual), "", dtype=object), "other_text": np.full(len(dual), "", dtype=object)}


def _plan_attributes(pub, sub: dict, cease: np.ndarray, ep: dict, last_r1: np.ndarray,
                     rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Personal budgets (and their direct payments), organised arrangements, and the named placement's
    residential and work-based flags, per plan."""
    n_pl = len(last_r1)
    c25 = D.census_date(2025)
    c25_active = int(((sub["start"] <= c25) & ((cease == D.NA) | (cease > c25))).sum())
    pbv = pub.pb
    p_pb = min(0.5, pbv.get("personal_budget", 0) / max(c25_active, 1))
    pb = (rng.random(n_pl) < p_pb).astype(np.int64)
    dp_w = np.array([pbv.get("pb_education", 0), pbv.get("pb_social", 0), pbv.get("pb_health", 0),
                     pbv.get("pb_integrated", 0)], float) + 0.01
    dp = np.where(pb == 1, np.array(["E", "S", "H", "I"], dtype=object)[rng.choice(4, n_pl, p=dp_w / dp_w.sum())], "")
    oa = (rng.random(n_pl) < min(0.3, pbv.get("org_arrangments", 0) / max(c25_active, 1))).astype(np.int64)
    cur = np.where(last_r1 >= 0, last_r1, 0)
    return {"pb": pb, "dp": dp, "oa": oa, "planres": np.where(last_r1 >= 0, ep["res"][cur], ""),
            "planwbp": np.where(last_r1 >= 0, ep["wbp"][cur], "")}


def _reviews(pub, sub: dict, n_pl: int, ref: int, review_rng: np.random.Generator,
             transfer_rng: np.random.Generator, draft_rng: np.random.Generator) -> tuple[dict, dict[str, np.ndarray]]:
    """Annual reviews and phase transfers to the reference date, and each plan's latest decided review (the
    ActivePlans review columns)."""
    rv = details.reviews(pub, sub, review_rng, ref)
    ptd, ptf = details.phase_transfers(sub, transfer_rng, ref)
    rv_show = (rv["due"] <= ref) | ((rv["meeting"] != D.NA) & (rv["meeting"] <= ref))
    rv = {k: v[rv_show] for k, v in rv.items()}
    late_meeting = (rv["meeting"] != D.NA) & (rv["meeting"] > ref)
    rv["meeting"][late_meeting] = D.NA
    undecided = (rv["decision"] == D.NA) | (rv["decision"] > ref) | late_meeting
    rv["decision"][undecided] = D.NA
    rv["outcome"][undecided] = ""
    rv["listened"][undecided] = ""
    decided = np.flatnonzero(rv["decision"] != D.NA)
    last_rev = np.full(n_pl, -1, dtype=np.int64)
    order_d = decided[np.lexsort((rv["decision"][decided], rv["plan"][decided]))]
    last_rev[rv["plan"][order_d]] = order_d
    lr = np.maximum(last_rev, 0)
    has_rev = last_rev >= 0
    review_outcome = np.where(has_rev, rv["outcome"][lr], "")
    draft = rv["decision"][lr] + 7 + np.floor(draft_rng.random(n_pl) * 50).astype(np.int64)
    return rv, {"reviewmeeting": np.where(has_rev, rv["meeting"][lr], D.NA), "reviewoutcome": review_outcome,
                "reviewdraft": np.where(has_rev & (review_outcome == "A") & (draft <= ref), draft, D.NA),
                "phasetransferduedate": ptd, "phasetransferfinaldate": ptf,
                "lastreview": np.where(has_rev, rv["decision"][lr], D.NA)}


def _people(info: dict, li: int, pub, ppl: dict, c: Censored, ref: int,
            rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The Person module: everyone with a request or plan on the records, numbered in order of first contact.
    Returns the frame, each simulated person's id (-1: not on the records) and who has a plan."""
    person = ppl["person"]
    kept_persons = np.unique(person[c.keep])
    first_event = np.full(len(ppl["birth"]), np.iinfo(np.int64).max)
    np.minimum.at(first_event, person[c.keep], c.event[c.keep])
    p_order = kept_persons[np.lexsort((kept_persons, first_event[kept_persons]))]
    pid = np.full(len(ppl["birth"]), -1, dtype=np.int64)
    pid[p_order] = np.arange(1, len(p_order) + 1)
    npers = len(p_order)
    birth = ppl["birth"][p_order]
    plan_person = ppl["has_plan"][p_order]
    male_p = np.where(plan_person, pub.male_plans, max(0.5, 2 * pub.male_requests - pub.male_plans))
    sex = np.where(rng.random(npers) < male_p, "M", "F").astype(object)
    surname, forename = person_names(sex, rng)
    last_event = np.full(len(ppl["birth"]), 0, dtype=np.int64)
    np.maximum.at(last_event, person[c.keep], c.event[c.keep])
    age_last = D.age_on(birth, np.minimum(last_event[p_order], ref))
    age_ref = D.age_on(birth, ref)
    has_upn = (np.maximum(age_last, age_ref) >= 5) & (rng.random(npers) < 0.96)
    upn = np.where(has_upn, upns(info["old_la_code"], np.arange(npers) + int(rng.integers(0, 1000)),
                                 D.years(birth)), "")
    has_uln = (age_ref >= 15) & (rng.random(npers) < 0.75)
    uln = np.where(has_uln, ulns(np.arange(npers), li), "")
    unknown = np.where(has_upn, "", np.where(age_ref < 6, "UN1", np.where(age_ref >= 16, "UN9", "UN2")))
    unknown = np.where(~has_upn & ~plan_person & (rng.random(npers) < 0.3), "UN10", unknown)
    unknown = np.where(~has_upn & has_uln, "", unknown)
    ethnicity = _ethnicity(pub, npers, rng)
    frame = pd.DataFrame({
        "persontableid": np.arange(1, npers + 1), "surname": surname, "forename": forename,
        "personbirthdate": birth, "sex": sex, "ethnicity": ethnicity, "postcode": postcodes(npers, rng),
        "upn": upn, "uniquelearnernumber": uln, "upnunknown": unknown,
    })
    return frame, pid, plan_person


@dataclass
class Requests:
    """The Requests module and what later modules need from it."""

    frame: pd.DataFrame
    order: np.ndarray  # simulated request rows in file order (by person, then date)
    rid: np.ndarray  # each simulated request's id in the file (-1: not on the records)
    flags: dict[str, np.ndarray]  # mediation and tribunal flags, zero where not known by the reference date
    transfer_la: np.ndarray  # the LA a transferred-in plan came from


def _requests(info: dict, t: model.Targets, P: dict, c: Censored, ppl: dict, pid: np.ndarray, flags: dict,
              ref: int, rng: np.random.Generator) -> Requests:
    R, event, person = c.R, c.event, ppl["person"]
    n_req = len(R["received"])
    kept = np.flatnonzero(c.keep)
    r_order = kept[np.lexsort((kept, event[kept], pid[person[kept]]))]
    rid = np.full(n_req, -1, dtype=np.int64)
    rid[r_order] = np.arange(1, len(r_order) + 1)
    nr = len(r_order)
    kind = R["kind"][r_order]
    fresh = ~np.isin(kind, [model.KIND_LEGACY, model.KIND_TRANSFER])
    age_at_req = D.age_on(ppl["birth"][person[r_order]], np.where(event[r_order] == D.NA, ref, event[r_order]))
    src = rng.choice(5, size=nr, p=[0.55, 0.36, 0.04, 0.03, 0.02]) + 1
    src = np.where(age_at_req >= 16, np.where(rng.random(nr) < 0.7, 1, src), src)
    rya = np.zeros(nr, dtype=np.int64)
    for y in range(t.first_year, t.last_year + 1):
        cand = np.flatnonzero(fresh & (D.years(event[r_order]) == y) & (age_at_req >= 10) & (age_at_req <= 17))
        rya[cand[model.top_k(rng, np.ones(len(cand)), int(round(t.rya.get(y, 0))))]] = 1
    # plans that moved to another English LA are exported to it
    other_las = la_dim()["old_la_code"].to_numpy()
    other_las = other_las[other_las != info["old_la_code"]]
    exported = np.full(n_req, "", dtype=object)
    moved = c.plan_rows[c.reason == 5]
    exported[moved] = other_las[rng.integers(0, len(other_las), len(moved))]
    transfer_la = np.full(n_req, "", dtype=object)
    tr_rows = c.plan_rows[P["kind"][c.plans] == model.KIND_TRANSFER]
    transfer_la[tr_rows] = other_las[rng.integers(0, len(other_las), len(tr_rows))]
    zero_flags = ~c.keep | c.pending_dec
    f = {k: np.where(zero_flags, 0, v) for k, v in flags.items()}
    for k in ("asmt_med", "asmt_trib", "oth_med", "oth_trib"):
        f[k] = np.where(c.pending_asmt, 0, f[k])
    frame = pd.DataFrame({
        "requeststableid": np.arange(1, nr + 1), "persontableid": pid[person[r_order]],
        "receiveddate": R["received"][r_order], "requestsource": np.where(fresh, src, 0),
        "rya": rya, "requestoutcomedate": np.where(np.isin(c.req_outcome[r_order], ["H"]), D.NA, c.dec[r_order]),
        "requestoutcome": c.req_outcome[r_order], "requestmediation": f["req_med"][r_order],
        "requesttribunal": f["req_trib"][r_order], "exported": exported[r_order],
    })
    frame.loc[kind == model.KIND_TRANSFER, "receiveddate"] = D.NA
    return Requests(frame, r_order, rid, f, transfer_la)


def _assessments(c: Censored, req: Requests) -> tuple[pd.DataFrame, np.ndarray]:
    """The Assessment module (one row per request with an assessment outcome) and each request's assessment id."""
    has_asmt = c.asmt_outcome[req.order] != ""
    a_rows = req.order[has_asmt]
    aid = np.full(len(req.rid), -1, dtype=np.int64)
    aid[a_rows] = np.arange(1, len(a_rows) + 1)
    ao = c.asmt_outcome[a_rows]
    f = req.flags
    frame = pd.DataFrame({
        "assessmenttableid": np.arange(1, len(a_rows) + 1), "requeststableid": req.rid[a_rows],
        "assessmentoutcome": ao, "assessmentoutcomedate": c.asmt_date[a_rows],
        "assessmentmediation": f["asmt_med"][a_rows], "assessmenttribunal": f["asmt_trib"][a_rows],
        "othermediation": f["oth_med"][a_rows], "othertribunal": f["oth_trib"][a_rows],
        "week20": np.where(ao == "Y", c.R["week20"][a_rows], -1),
    })
    return frame, aid


def _plan_tables(c: Censored, rid: np.ndarray, aid: np.ndarray, sub: dict, ep: dict, last_r1: np.ndarray,
                 open_r2: np.ndarray, attributes: dict, review_columns: dict, transfer_la: np.ndarray,
                 primary: np.ndarray, secondary: np.ndarray) -> dict[str, pd.DataFrame]:
    """NamedPlan, PlanDetail, ActivePlans, PlacementDetail and SENneed, with plans numbered in request order."""
    n_pl = len(c.plans)
    pl_o = np.argsort(rid[c.plan_rows], kind="stable")    # plans in request order: index into plan-aligned arrays
    plan_rows_o = c.plan_rows[pl_o]
    npid = np.full(n_pl, -1, dtype=np.int64)
    npid[pl_o] = np.arange(1, n_pl + 1)
    namedplan = pd.DataFrame({
        "namedplantableid": np.arange(1, n_pl + 1), "assessmenttableid": aid[plan_rows_o],
        "startdate": sub["start"][pl_o], "planres": attributes["planres"][pl_o],
        "planwbp": attributes["planwbp"][pl_o], "pb": attributes["pb"][pl_o], "oa": attributes["oa"][pl_o],
        "dp": attributes["dp"][pl_o], "ceasedate": c.cease[pl_o], "ceasereason": c.reason[pl_o],
    })
    # PlanDetail: rank 1 = current placement; rank 2 = an open dual placement
    pd_idx = np.concatenate([last_r1[last_r1 >= 0], open_r2])
    pd_idx = pd_idx[np.lexsort((ep["rank"][pd_idx], npid[ep["plan"][pd_idx]]))]
    # ActivePlans: one per plan, same order and ids as named plans
    activeplans = pd.DataFrame({
        "activeplanstableid": np.arange(1, n_pl + 1), "requeststableid": rid[plan_rows_o],
        "transferla": transfer_la[plan_rows_o], **{name: values[pl_o] for name, values in review_columns.items()},
    })
    pl_idx = np.lexsort((ep["entry"], ep["rank"], npid[ep["plan"]]))
    return {"namedplan": namedplan, "plandetail": _placement_frame(ep, pd_idx, npid, "plandetail"),
            "activeplans": activeplans, "placementdetail": _placement_frame(ep, pl_idx, npid, "placementdetail"),
            "senneed": _needs(primary[c.plans][pl_o], secondary[c.plans][pl_o])}


def _needs(prim: np.ndarray, secn: np.ndarray) -> pd.DataFrame:
    """SENneed: each active plan's primary (rank 1) and secondary (rank 2) need."""
    need_codes = np.array(details.NEED_CODES, dtype=object)
    ap_id = np.arange(1, len(prim) + 1)
    s1 = prim >= 0
    s2 = secn >= 0
    sn_ap = np.concatenate([ap_id[s1], ap_id[s2]])
    sn_type = np.concatenate([need_codes[prim[s1]], need_codes[secn[s2]]])
    sn_rank = np.concatenate([np.ones(s1.sum(), np.int64), np.full(s2.sum(), 2, np.int64)])
    o = np.lexsort((sn_rank, sn_ap))
    return pd.DataFrame({"senneedtableid": np.arange(1, len(o) + 1), "activeplanstableid": sn_ap[o],
                         "sentype": sn_type[o], "sentyperank": sn_rank[o]})


def _local_extras(info: dict, pub, t: model.Targets, area: Area, c: Censored, ppl: dict, pid: np.ndarray,
                  plan_person: np.ndarray, sub: dict, ep: dict, last_r1: np.ndarray, rv: dict, req: Requests,
                  assessment: pd.DataFrame, namedplan: pd.DataFrame, ref: int, stream: Stream) -> dict[str, pd.DataFrame]:
    """The council's own files beyond SEN2: schools, residence, caseworkers and casework, advice, reviews,
    SEN support, disputes and aggregate measures."""
    person = ppl["person"]
    residence, ward_idx, lac = _residence(area, c, ep, last_r1, pid[person[c.plan_rows]], plan_person, stream(17))
    cw, lad_team = local.caseworkers(info, area.wards, area.caseload_2025, t.requests.get(2024, 1000), stream(18))
    person_lad = area.wards["lad_name"].to_numpy()[ward_idx]
    casework = _casework(c.R, req.order, req.rid, person, pid, ppl, c.dec, c.asmt_date, c.plan_rows, sub, c.cease,
                         ep, cw, lad_team, person_lad, ref, stream(19))
    advice = _advice(req.order, req.rid, c.dec, c.req_outcome, ref, stream(20))
    reviews = pd.DataFrame({
        "review_id": np.arange(1, len(rv["plan"]) + 1), "requeststableid": req.rid[c.plan_rows[rv["plan"]]],
        "due_date": rv["due"], "meeting_date": rv["meeting"], "outcome": rv["outcome"],
        "decision_date": rv["decision"], "family_felt_listened": rv["listened"],
    }).sort_values(["requeststableid", "due_date"], kind="stable")
    reviews["review_id"] = np.arange(1, len(reviews) + 1)
    support = local.sen_support(info, area.schools, area.wards, area.pop_w, area.need_w, pub.ethnicity, stream(21),
                                ref)
    disputes = _disputes(req.frame, assessment, namedplan, ref, stream(22))
    measures_frame = measures.build(info, ref, area.caseload_2025, local.population(area.caseload_2025),
                                    area.wards["ward_code"].to_numpy(), area.pop_w, int(lac[plan_person].sum()),
                                    stream(23))
    # the area's own schools, then the schools elsewhere that its children attend
    schools = pd.concat([area.schools[["urn", "school_name", "phase", "school_type", "ward_code", "ofsted_grade",
                                       "number_on_roll", "resourced_provision", "sen_unit"]].assign(in_area=1),
                         local.out_of_area_schools(ep["urn"])], ignore_index=True)
    return {"schools": schools, "residence": residence,
            "caseworkers": cw.assign(start_date=D.fmt_iso(cw["start_date"].to_numpy())),
            "casework": casework, "health_advice": advice, "reviews": reviews, "sen_support": support,
            "disputes": disputes, "aggregate_measures": measures_frame}


def _residence(area: Area, c: Censored, ep: dict, last_r1: np.ndarray, person_of_plan: np.ndarray,
               plan_person: np.ndarray, rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Each person's ward (weighted to population and need), school attended now or last (the latest rank-1
    placement's URN, blank if none), looked-after and child-in-need flags."""
    npers = len(plan_person)
    ward_p_plan = area.pop_w * area.need_w ** 1.5
    ward_p_plan = ward_p_plan / ward_p_plan.sum()
    ward_idx = rng.choice(len(area.wards), size=npers, p=ward_p_plan)
    school_urn = np.zeros(npers + 1, dtype=np.int64)
    latest_entry = np.full(npers + 1, -10**9, dtype=np.int64)
    for i in range(len(c.plans)):
        j = last_r1[i]
        if j < 0 or ep["urn"][j] == 0:
            continue
        pp = person_of_plan[i]
        if ep["entry"][j] > latest_entry[pp]:
            latest_entry[pp] = ep["entry"][j]
            school_urn[pp] = ep["urn"][j]
    lac = np.where(plan_person, rng.random(npers) < 0.045, rng.random(npers) < 0.02).astype(np.int64)
    cin = np.where(lac == 1, 0, np.where(plan_person, rng.random(npers) < 0.1, rng.random(npers) < 0.06)).astype(
        np.int64)
    frame = pd.DataFrame({"persontableid": np.arange(1, npers + 1),
                          "ward_code": area.wards["ward_code"].to_numpy()[ward_idx], "school_urn": school_urn[1:],
                          "looked_after": lac, "child_in_need": cin})
    return frame, ward_idx, lac


PLACEMENT_COLUMNS = {
    "plandetail": ["plandetailtableid", "namedplantableid", "urn", "ukprn", "sensetting", "sensettingother",
                   "placementrank", "senunitindicator", "resourcedprovisionindicator"],
    "placementdetail": ["placementdetailtableid", "activeplanstableid", "urn", "ukprn", "sensetting",
                        "sensettingother", "placementrank", "entrydate", "leavingdate", "senunitindicator",
                        "resourcedprovisionindicator", "res", "wbp"],
}


def _placement_frame(ep: dict, idx: np.ndarray, npid: np.ndarray, kind: str) -> pd.DataFrame:
    cols = PLACEMENT_COLUMNS[kind]
    frame = pd.DataFrame({
        cols[0]: np.arange(1, len(idx) + 1), cols[1]: npid[ep["plan"][idx]],
        "urn": ep["urn"][idx], "ukprn": ep["ukprn"][idx], "sensetting": ep["sensetting"][idx],
        "sensettingother": ep["other_text"][idx], "placementrank": ep["rank"][idx],
        "entrydate": ep["entry"][idx], "leavingdate": ep["leaving"][idx],
        "senunitindicator": ep["unit"][idx], "resourcedprovisionindicator": ep["rp"][idx],
        "res": ep["res"][idx], "wbp": ep["wbp"][idx],
    })
    return frame[cols]


def _casework(R, r_order, rid, person, pid, ppl, dec, asmt_date, plan_rows, sub, cease,
              ep, cw, lad_team, person_lad, ref, rng) -> pd.DataFrame:
    """Caseworker assignments: one per request until decided; plans are reassigned at each placement move."""
    birth = ppl["birth"][person]
    lad = person_lad[pid[person] - 1]
    rows_req, rows_from, rows_to, rows_age, rows_lad = [], [], [], [], []
    # requests that did not become plans: assigned on receipt, closed after the outcome
    nonplan = np.setdiff1d(r_order, plan_rows, assume_unique=False)
    nonplan = nonplan[R["received"][nonplan] != D.NA]
    assigned = R["received"][nonplan] + np.floor(rng.random(len(nonplan)) * 5).astype(np.int64)
    close_at = np.where(asmt_date[nonplan] != D.NA, asmt_date[nonplan], dec[nonplan])
    closed = np.where(close_at == D.NA, D.NA, close_at + 7 + np.floor(rng.random(len(nonplan)) * 21).astype(np.int64))
    closed = np.where((closed != D.NA) & (closed > ref), D.NA, closed)
    rows_req.append(nonplan)
    rows_from.append(assigned)
    rows_to.append(closed)
    rows_age.append(D.age_on(birth[nonplan], assigned))
    rows_lad.append(lad[nonplan])
    # plans: from the request (or the start for legacy and transfers) with a new caseworker at each move
    req_of_plan = plan_rows
    first = np.where(R["received"][req_of_plan] != D.NA, R["received"][req_of_plan], sub["start"])
    moves_plan = ep["plan"][ep["rank"] == 1]
    moves_at = ep["entry"][ep["rank"] == 1]
    starts = np.concatenate([first, moves_at[moves_at > first[moves_plan]]])
    owners = np.concatenate([np.arange(len(req_of_plan)), moves_plan[moves_at > first[moves_plan]]])
    o = np.lexsort((starts, owners))
    starts, owners = starts[o], owners[o]
    ends = np.full(len(starts), D.NA, dtype=np.int64)
    same = owners[1:] == owners[:-1]
    ends[:-1] = np.where(same, starts[1:], D.NA)
    last = ends == D.NA
    ends[last] = cease[owners[last]]
    keep = (ends == D.NA) | (ends >= CASE_SYSTEM_START)
    starts, owners, ends = np.maximum(starts[keep], CASE_SYSTEM_START), owners[keep], ends[keep]
    rq = req_of_plan[owners]
    rows_req.append(rq)
    rows_from.append(starts)
    rows_to.append(np.where((ends != D.NA) & (ends > ref), D.NA, ends))
    rows_age.append(D.age_on(birth[rq], starts))
    rows_lad.append(lad[rq])
    rq = np.concatenate(rows_req)
    frm = np.concatenate(rows_from)
    to = np.concatenate(rows_to)
    age = np.concatenate(rows_age)
    lads = np.concatenate(rows_lad)
    ok = frm >= CASE_SYSTEM_START
    rq, frm, to, age, lads = rq[ok], frm[ok], to[ok], age[ok], lads[ok]
    frm = np.minimum(frm, ref)
    team = local.team_for(age, lads, lad_team)
    who = local.pick_caseworker(cw, team, frm, rng)
    frame = pd.DataFrame({"requeststableid": rid[rq], "caseworker_id": who, "assigned_date": D.fmt_iso(frm),
                          "unassigned_date": D.fmt_iso(to)})
    frame["_f"] = frm
    return frame.sort_values(["requeststableid", "_f"], kind="stable").drop(columns="_f").reset_index(drop=True)


ADVICE_PROVIDERS = {
    "health": ["Community paediatrics (synthetic)", "Speech and language therapy (synthetic)",
               "Occupational therapy (synthetic)", "CAMHS (synthetic)"],
    "social_care": ["Children's social care assessment team (synthetic)", "Disabled children's team (synthetic)"],
    "educational_psychology": ["Educational psychology service (synthetic)",
                               "Locum educational psychologist (synthetic)"],
}


def _advice(r_order, rid, dec, req_outcome, ref, rng) -> pd.DataFrame:
    """Advice requested when an assessment is agreed (health, social care, EP), due in 6 weeks."""
    agreed = r_order[(req_outcome[r_order] == "Y") & (dec[r_order] != D.NA) & (dec[r_order] >= ADVICE_START)]
    types = np.array(list(ADVICE_PROVIDERS), dtype=object)
    req = np.repeat(agreed, 3)
    typ = np.tile(types, len(agreed))
    n = len(req)
    requested = dec[req] + np.floor(rng.random(n) * 6).astype(np.int64)
    due = requested + 42
    yrs = D.years(requested)
    p_on_time = np.clip(0.7 + 0.02 * (yrs - 2019) + rng.normal(0, 0.03, n), 0.55, 0.92)
    p_on_time = np.where(typ == "social_care", p_on_time + 0.05, p_on_time)
    on_time = rng.random(n) < p_on_time
    back = np.where(on_time, requested + 10 + np.floor(rng.random(n) * 33),
                    due + 1 + np.floor(rng.exponential(25, n))).astype(np.int64)
    returned = np.where(back <= ref, back, D.NA)
    provider = np.empty(n, dtype=object)
    for k, opts in ADVICE_PROVIDERS.items():
        sel = typ == k
        provider[sel] = np.array(opts, dtype=object)[rng.integers(0, len(opts), int(sel.sum()))]
    keep = requested <= ref
    frame = pd.DataFrame({"advice_id": np.arange(1, int(keep.sum()) + 1), "requeststableid": rid[req[keep]],
                          "advice_type": typ[keep], "provider": provider[keep],
                          "requested_date": D.fmt_iso(requested[keep]), "due_date": D.fmt_iso(due[keep]),
                          "returned_date": D.fmt_iso(returned[keep])})
    return frame


def _disputes(requests: pd.DataFrame, assessment: pd.DataFrame, namedplan: pd.DataFrame, ref: int,
              rng: np.random.Generator) -> pd.DataFrame:
    """One case per mediation / tribunal flag, dated around the decision it is about."""
    rows = []
    a = assessment.merge(requests[["requeststableid", "persontableid", "requestoutcomedate"]], on="requeststableid")

    def add(person, req, case_type, appeal, reg):
        n = len(req)
        reg = np.asarray(reg, dtype=np.int64)
        if case_type == "mediation":
            conc = reg + 20 + np.floor(rng.random(n) * 45).astype(np.int64)
            outc = np.array(["agreement reached", "no agreement", "withdrawn"], dtype=object)[
                rng.choice(3, n, p=[0.55, 0.35, 0.10])]
        else:
            conc = reg + 120 + np.floor(rng.random(n) * 200).astype(np.int64)
            outc = np.array(["upheld", "partially upheld", "dismissed", "withdrawn", "conceded"], dtype=object)[
                rng.choice(5, n, p=[0.55, 0.12, 0.05, 0.13, 0.15])]
        open_ = conc > ref
        rows.append(pd.DataFrame({"persontableid": person, "requeststableid": req, "case_type": case_type,
                                  "appeal_type": appeal, "registered_date": reg,
                                  "concluded_date": np.where(open_, D.NA, conc),
                                  "outcome": np.where(open_, "", outc)}))

    for col, ctype in (("requestmediation", "mediation"), ("requesttribunal", "tribunal")):
        sel = requests[requests[col] == 1]
        base = sel["requestoutcomedate"].to_numpy()
        base = np.where(base == D.NA, sel["receiveddate"].to_numpy() + 42, base)
        off = 15 + np.floor(rng.random(len(sel)) * (30 if ctype == "mediation" else 90)).astype(np.int64)
        add(sel["persontableid"].to_numpy(), sel["requeststableid"].to_numpy(), ctype, "refusal_to_assess",
            np.minimum(base + off, ref))
    for col, ctype in (("assessmentmediation", "mediation"), ("assessmenttribunal", "tribunal")):
        sel = a[a[col] == 1]
        out_d = sel["assessmentoutcomedate"].to_numpy()
        issued = sel["assessmentoutcome"].to_numpy() == "Y"
        # a plan issued after a dispute: the dispute sat between the decision to assess and the issue date
        before = sel["requestoutcomedate"].to_numpy() + 20 + np.floor(rng.random(len(sel)) * 40).astype(np.int64)
        before = np.minimum(before, out_d - 5)
        after = out_d + 10 + np.floor(rng.random(len(sel)) * 40).astype(np.int64)
        reg = np.where(issued, before, after)
        reg = np.where(out_d == D.NA, before, reg)
        add(sel["persontableid"].to_numpy(), sel["requeststableid"].to_numpy(), ctype, "refusal_to_issue",
            np.minimum(reg, ref))
    np_by_a = namedplan.set_index("assessmenttableid")
    for col, ctype in (("othermediation", "mediation"), ("othertribunal", "tribunal")):
        sel = a[a[col] == 1]
        out_d = sel["assessmentoutcomedate"].to_numpy()
        reg = out_d + 30 + np.floor(rng.random(len(sel)) * 300).astype(np.int64)
        appeal = np.where(rng.random(len(sel)) < 0.85, "plan_contents", "other").astype(object)
        ce = np_by_a.reindex(sel["assessmenttableid"])["ceasedate"].to_numpy()
        rs = np_by_a.reindex(sel["assessmenttableid"])["ceasereason"].to_numpy()
        is_cease = (ce == ce) & (ce != D.NA) & np.isin(rs, [2, 6]) & (rng.random(len(sel)) < 0.5)
        reg = np.where(is_cease, ce - 20, reg)
        appeal[is_cease] = "cease"
        add(sel["persontableid"].to_numpy(), sel["requeststableid"].to_numpy(), ctype, appeal, np.minimum(reg, ref))
    if rows:
        frame = pd.concat(rows, ignore_index=True)
    else:
        frame = pd.DataFrame(columns=["persontableid", "requeststableid", "case_type", "appeal_type",
                                      "registered_date", "concluded_date", "outcome"])
    frame = frame.sort_values(["registered_date", "requeststableid"], kind="stable").reset_index(drop=True)
    frame.insert(0, "case_id", [f"D{i + 1:06d}" for i in range(len(frame))])
    frame["registered_date"] = D.fmt_iso(frame["registered_date"].to_numpy().astype(np.int64))
    frame["concluded_date"] = D.fmt_iso(frame["concluded_date"].to_numpy().astype(np.int64))
    return frame
