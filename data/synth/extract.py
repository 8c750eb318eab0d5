"""Generate one LA's synthetic extract: SEN2 module CSVs, the SEN2 XML message and the local extras."""

from __future__ import annotations

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
             reference_date: str = DEFAULT_REFERENCE_DATE) -> dict:
    """Write the synthetic extract for one LA and return row counts per file."""
    info = resolve_la(la)
    code = info["new_la_code"]
    out = Path(out) if out is not None else Path("data/sample") / code
    ref = D.from_iso(reference_date)
    if not D.day(2019, 6, 1) <= ref <= D.day(2030, 12, 31):
        raise ValueError("reference date must be between 2019-06-01 and 2030-12-31")
    li = la_index_of(code)
    pub = load(code)
    t = model.Targets(pub, ref)
    core = model.build_core(pub, t, _rng(seed, li, 1))
    flows = model.stock_and_flows(pub, t, core, _rng(seed, li, 2), ref)
    X = details.assemble(pub, t, core, flows, _rng(seed, li, 3))
    P = X["P"]
    ppl = details.people(pub, t, X, _rng(seed, li, 4), ref)
    fl = details.flags(t, X, _rng(seed, li, 5))
    primary, secondary = details.primary_needs(pub, P, _rng(seed, li, 6))

    wards = ward_dim()
    own = wards[wards["new_la_code"] == code]
    if own.empty:  # LA whose wards are listed under its successor code (Buckinghamshire, North Yorkshire, Somerset)
        own = wards[wards["la_name"] == info["la_name"]]
    wards = own.sort_values("ward_code", kind="stable").reset_index(drop=True)
    if wards.empty:
        raise ValueError(f"No current wards found for {code} in data/national/dims/ward.parquet")
    pop_w, need_w = local.ward_weights(wards, _rng(seed, li, 7))
    caseload_2025 = t.census.get(2025, max(t.census.values()))
    schools = local.make_schools(info, li, wards, pop_w, _setting_counts_2025(pub), caseload_2025, _rng(seed, li, 8))

    # ---- censoring at the reference date -------------------------------------------------------
    R = {k: v for k, v in X.items() if k != "P"}
    n_req = len(R["received"])
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
    plan_rows = np.flatnonzero(has_plan)                  # request rows that carry a named plan
    plans = plan_of[plan_rows]                            # plan index of each
    cease = P["cease"][plans].copy()
    reason = P["reason"][plans].copy()
    open_ = (cease == D.NA) | (cease > ref)
    cease[open_] = D.NA
    reason[open_] = 0

    # ---- placements --------------------------------------------------------------------------------
    sub = {k: v[plans] for k, v in P.items() if isinstance(v, np.ndarray) and len(v) == len(P["start"])}
    sub["cease"] = cease
    end_eff = np.where(cease == D.NA, ref + 1, cease)
    ep = details.episodes(pub, sub, primary[plans], end_eff, _rng(seed, li, 9))
    ep_keep = ep["entry"] <= ref
    ep = {k: v[ep_keep] for k, v in ep.items()}
    ep["leaving"] = np.where((ep["leaving"] == D.NA) | (ep["leaving"] > ref), D.NA, ep["leaving"])
    sch = local.assign_schools(ep, schools, _rng(seed, li, 10))
    ep.update(sch)
    ep.update(local.place_out_of_area(ep, len(plans), local.pupils_on_roll(caseload_2025), _rng(seed, li, 24)))
    rng = _rng(seed, li, 11)
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
    # dual placements (rank 2) for some children: part-time alternative provision alongside school
    ap = schools[schools["phase"] == "Alternative provision"]
    dual = np.flatnonzero((ep["age"] >= 6) & (ep["age"] <= 15) & np.isin(ep["setting"], ["ML", "MA", "MF"])
                          & (rng.random(m) < 0.03))
    if len(ap) and len(dual):
        span = 60 + np.floor(rng.random(len(dual)) * 240).astype(np.int64)
        d_leave = ep["entry"][dual] + span
        lim = np.where(ep["leaving"][dual] == D.NA, ref + 1, ep["leaving"][dual])
        d_leave = np.where(d_leave >= lim, ep["leaving"][dual], d_leave)
        d_leave = np.where((d_leave != D.NA) & (d_leave > ref), D.NA, d_leave)
        pick = rng.integers(0, len(ap), len(dual))
        rank2 = {"plan": ep["plan"][dual], "entry": ep["entry"][dual], "leaving": d_leave,
                 "setting": np.full(len(dual), "APL", dtype=object), "age": ep["age"][dual],
                 "urn": ap["urn"].to_numpy()[pick], "ukprn": np.zeros(len(dual), dtype=np.int64),
                 "sensetting": np.full(len(dual), "", dtype=object), "rp": np.zeros(len(dual), np.int64),
                 "unit": np.zeros(len(dual), np.int64), "res": np.full(len(dual), "", dtype=object),
                 "wbp": np.full(len(dual), "", dtype=object), "other_text": np.full(len(dual), "", dtype=object)}
    else:
        rank2 = None
    ep["rank"] = np.ones(m, dtype=np.int64)
    if rank2 is not None:
        rank2["rank"] = np.full(len(rank2["plan"]), 2, dtype=np.int64)
        ep = {k: np.concatenate([ep[k], rank2[k]]) for k in ep}
    order = np.lexsort((ep["rank"], ep["entry"], ep["plan"]))
    ep = {k: v[order] for k, v in ep.items()}

    # the named placement in the plan: the latest rank-1 (and open rank-2) placement
    n_pl = len(plans)
    last_r1 = np.full(n_pl, -1, dtype=np.int64)
    r1 = np.flatnonzero(ep["rank"] == 1)
    last_r1[ep["plan"][r1]] = r1                          # sorted by entry: the last write wins
    open_r2 = np.flatnonzero((ep["rank"] == 2) & (ep["leaving"] == D.NA))

    # ---- plan attributes: personal budgets, residential, work-based --------------------------------
    rng = _rng(seed, li, 12)
    c25_active = int(((sub["start"] <= c25) & ((cease == D.NA) | (cease > c25))).sum())
    pbv = pub.pb
    p_pb = min(0.5, pbv.get("personal_budget", 0) / max(c25_active, 1))
    pb = (rng.random(n_pl) < p_pb).astype(np.int64)
    dp_w = np.array([pbv.get("pb_education", 0), pbv.get("pb_social", 0), pbv.get("pb_health", 0),
                     pbv.get("pb_integrated", 0)], float) + 0.01
    dp = np.where(pb == 1, np.array(["E", "S", "H", "I"], dtype=object)[rng.choice(4, n_pl, p=dp_w / dp_w.sum())], "")
    oa = (rng.random(n_pl) < min(0.3, pbv.get("org_arrangments", 0) / max(c25_active, 1))).astype(np.int64)
    cur = np.where(last_r1 >= 0, last_r1, 0)
    plan_res = np.where(last_r1 >= 0, ep["res"][cur], "")
    plan_wbp = np.where(last_r1 >= 0, ep["wbp"][cur], "")

    # ---- reviews and phase transfers ------------------------------------------------------------------
    rv = details.reviews(pub, sub, _rng(seed, li, 13), ref)
    ptd, ptf = details.phase_transfers(sub, _rng(seed, li, 14), ref)
    rv_show = (rv["due"] <= ref) | ((rv["meeting"] != D.NA) & (rv["meeting"] <= ref))
    rv = {k: v[rv_show] for k, v in rv.items()}
    late_meeting = (rv["meeting"] != D.NA) & (rv["meeting"] > ref)
    rv["meeting"][late_meeting] = D.NA
    undecided = (rv["decision"] == D.NA) | (rv["decision"] > ref) | late_meeting
    rv["decision"][undecided] = D.NA
    rv["outcome"][undecided] = ""
    rv["listened"][undecided] = ""
    # latest decided review per plan -> ActivePlans
    decided = np.flatnonzero(rv["decision"] != D.NA)
    last_rev = np.full(n_pl, -1, dtype=np.int64)
    order_d = decided[np.lexsort((rv["decision"][decided], rv["plan"][decided]))]
    last_rev[rv["plan"][order_d]] = order_d
    lr = np.maximum(last_rev, 0)
    has_rev = last_rev >= 0
    review_meeting = np.where(has_rev, rv["meeting"][lr], D.NA)
    review_outcome = np.where(has_rev, rv["outcome"][lr], "")
    draft = rv["decision"][lr] + 7 + np.floor(rng.random(n_pl) * 50).astype(np.int64)
    review_draft = np.where(has_rev & (review_outcome == "A") & (draft <= ref), draft, D.NA)
    last_review = np.where(has_rev, rv["decision"][lr], D.NA)

    # ---- persons ------------------------------------------------------------------------------------
    person = ppl["person"]
    kept_persons = np.unique(person[keep])
    first_event = np.full(len(ppl["birth"]), np.iinfo(np.int64).max)
    np.minimum.at(first_event, person[keep], event[keep])
    p_order = kept_persons[np.lexsort((kept_persons, first_event[kept_persons]))]
    pid = np.full(len(ppl["birth"]), -1, dtype=np.int64)
    pid[p_order] = np.arange(1, len(p_order) + 1)
    rng = _rng(seed, li, 15)
    npers = len(p_order)
    birth = ppl["birth"][p_order]
    plan_person = ppl["has_plan"][p_order]
    male_p = np.where(plan_person, pub.male_plans, max(0.5, 2 * pub.male_requests - pub.male_plans))
    sex = np.where(rng.random(npers) < male_p, "M", "F").astype(object)
    surname, forename = person_names(sex, rng)
    last_event = np.full(len(ppl["birth"]), 0, dtype=np.int64)
    np.maximum.at(last_event, person[keep], event[keep])
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
    person_frame = pd.DataFrame({
        "persontableid": np.arange(1, npers + 1), "surname": surname, "forename": forename,
        "personbirthdate": birth, "sex": sex, "ethnicity": ethnicity, "postcode": postcodes(npers, rng),
        "upn": upn, "uniquelearnernumber": uln, "upnunknown": unknown,
    })

    # ---- requests (ordered by person, then date) -------------------------------------------------------
    kept = np.flatnonzero(keep)
    r_order = kept[np.lexsort((kept, event[kept], pid[person[kept]]))]
    rid = np.full(n_req, -1, dtype=np.int64)
    rid[r_order] = np.arange(1, len(r_order) + 1)
    rng = _rng(seed, li, 16)
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
    moved = plan_rows[reason == 5]
    exported[moved] = other_las[rng.integers(0, len(other_las), len(moved))]
    transfer_la = np.full(n_req, "", dtype=object)
    tr_rows = plan_rows[P["kind"][plans] == model.KIND_TRANSFER]
    transfer_la[tr_rows] = other_las[rng.integers(0, len(other_las), len(tr_rows))]
    zero_flags = ~keep | pending_dec
    f = {k: np.where(zero_flags, 0, v) for k, v in fl.items()}
    for k in ("asmt_med", "asmt_trib", "oth_med", "oth_trib"):
        f[k] = np.where(pending_asmt, 0, f[k])
    requests_frame = pd.DataFrame({
        "requeststableid": np.arange(1, nr + 1), "persontableid": pid[person[r_order]],
        "receiveddate": R["received"][r_order], "requestsource": np.where(fresh, src, 0),
        "rya": rya, "requestoutcomedate": np.where(np.isin(req_outcome[r_order], ["H"]), D.NA, dec[r_order]),
        "requestoutcome": req_outcome[r_order], "requestmediation": f["req_med"][r_order],
        "requesttribunal": f["req_trib"][r_order], "exported": exported[r_order],
    })
    requests_frame.loc[kind == model.KIND_TRANSFER, "receiveddate"] = D.NA

    # ---- assessments -----------------------------------------------------------------------------------
    has_asmt = asmt_outcome[r_order] != ""
    a_rows = r_order[has_asmt]
    aid = np.full(n_req, -1, dtype=np.int64)
    aid[a_rows] = np.arange(1, len(a_rows) + 1)
    ao = asmt_outcome[a_rows]
    assessment_frame = pd.DataFrame({
        "assessmenttableid": np.arange(1, len(a_rows) + 1), "requeststableid": rid[a_rows],
        "assessmentoutcome": ao, "assessmentoutcomedate": asmt_date[a_rows],
        "assessmentmediation": f["asmt_med"][a_rows], "assessmenttribunal": f["asmt_trib"][a_rows],
        "othermediation": f["oth_med"][a_rows], "othertribunal": f["oth_trib"][a_rows],
        "week20": np.where(ao == "Y", R["week20"][a_rows], -1),
    })

    # ---- named plans, plan detail, active plans, placements, needs ---------------------------------------
    np_order = np.argsort(rid[plan_rows], kind="stable")   # plans in request order
    plan_rows_o = plan_rows[np_order]
    pl_o = np_order                                         # index into plan-aligned arrays
    npid = np.full(n_pl, -1, dtype=np.int64)
    npid[pl_o] = np.arange(1, n_pl + 1)
    namedplan_frame = pd.DataFrame({
        "namedplantableid": np.arange(1, n_pl + 1), "assessmenttableid": aid[plan_rows_o],
        "startdate": sub["start"][pl_o], "planres": plan_res[pl_o], "planwbp": plan_wbp[pl_o],
        "pb": pb[pl_o], "oa": oa[pl_o], "dp": dp[pl_o], "ceasedate": cease[pl_o], "ceasereason": reason[pl_o],
    })
    # PlanDetail: rank 1 = current placement; rank 2 = an open dual placement
    pd_idx = np.concatenate([last_r1[last_r1 >= 0], open_r2])
    pd_idx = pd_idx[np.lexsort((ep["rank"][pd_idx], npid[ep["plan"][pd_idx]]))]
    plandetail_frame = _placement_frame(ep, pd_idx, npid, "plandetail")
    # ActivePlans: one per plan, same order and ids as named plans
    activeplans_frame = pd.DataFrame({
        "activeplanstableid": np.arange(1, n_pl + 1), "requeststableid": rid[plan_rows_o],
        "transferla": transfer_la[plan_rows_o], "reviewmeeting": review_meeting[pl_o],
        "reviewoutcome": review_outcome[pl_o], "reviewdraft": review_draft[pl_o],
        "phasetransferduedate": ptd[pl_o], "phasetransferfinaldate": ptf[pl_o], "lastreview": last_review[pl_o],
    })
    pl_idx = np.lexsort((ep["entry"], ep["rank"], npid[ep["plan"]]))
    placement_frame = _placement_frame(ep, pl_idx, npid, "placementdetail")
    # SENneed: primary (rank 1) and secondary (rank 2)
    prim = primary[plans][pl_o]
    secn = secondary[plans][pl_o]
    need_codes = np.array(details.NEED_CODES, dtype=object)
    ap_id = np.arange(1, n_pl + 1)
    s1 = prim >= 0
    s2 = secn >= 0
    sn_ap = np.concatenate([ap_id[s1], ap_id[s2]])
    sn_type = np.concatenate([need_codes[prim[s1]], need_codes[secn[s2]]])
    sn_rank = np.concatenate([np.ones(s1.sum(), np.int64), np.full(s2.sum(), 2, np.int64)])
    o = np.lexsort((sn_rank, sn_ap))
    senneed_frame = pd.DataFrame({"senneedtableid": np.arange(1, len(o) + 1), "activeplanstableid": sn_ap[o],
                                  "sentype": sn_type[o], "sentyperank": sn_rank[o]})

    # ---- local extras ------------------------------------------------------------------------------------
    rng = _rng(seed, li, 17)
    ward_p_plan = pop_w * need_w ** 1.5
    ward_p_plan = ward_p_plan / ward_p_plan.sum()
    ward_idx = rng.choice(len(wards), size=npers, p=ward_p_plan)
    ward_codes = wards["ward_code"].to_numpy()
    # school attended now or last: the latest rank-1 placement's URN (blank if none)
    person_of_plan = pid[person[plan_rows]]
    school_urn = np.zeros(npers + 1, dtype=np.int64)
    latest_entry = np.full(npers + 1, -10**9, dtype=np.int64)
    for i in range(n_pl):
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
    residence_frame = pd.DataFrame({"persontableid": np.arange(1, npers + 1), "ward_code": ward_codes[ward_idx],
                                    "school_urn": school_urn[1:], "looked_after": lac, "child_in_need": cin})

    cw, lad_team = local.caseworkers(info, wards, caseload_2025, t.requests.get(2024, 1000), _rng(seed, li, 18))
    lad_of_ward = wards["lad_name"].to_numpy()
    person_lad = lad_of_ward[ward_idx]
    casework_frame = _casework(R, r_order, rid, person, pid, ppl, event, dec, asmt_date, req_outcome, plan_rows,
                               plans, sub, cease, ep, cw, lad_team, person_lad, ref, _rng(seed, li, 19))
    advice_frame = _advice(r_order, rid, R, dec, req_outcome, asmt_date, ref, _rng(seed, li, 20))
    reviews_frame = pd.DataFrame({
        "review_id": np.arange(1, len(rv["plan"]) + 1), "requeststableid": rid[plan_rows[rv["plan"]]],
        "due_date": rv["due"], "meeting_date": rv["meeting"], "outcome": rv["outcome"],
        "decision_date": rv["decision"], "family_felt_listened": rv["listened"],
    }).sort_values(["requeststableid", "due_date"], kind="stable")
    reviews_frame["review_id"] = np.arange(1, len(reviews_frame) + 1)
    support_frame = local.sen_support(info, schools, wards, pop_w, need_w, pub.ethnicity, _rng(seed, li, 21), ref)
    disputes_frame, drop_flags = _disputes(requests_frame, assessment_frame, namedplan_frame, ref,
                                           _rng(seed, li, 22))
    lac_plans = int(lac[plan_person].sum())
    measures_frame = measures.build(info, ref, caseload_2025, local.population(caseload_2025), ward_codes,
                                    pop_w, lac_plans, _rng(seed, li, 23))
    schools_out = schools[["urn", "school_name", "phase", "school_type", "ward_code", "ofsted_grade",
                           "number_on_roll", "resourced_provision", "sen_unit"]]
    caseworkers_out = cw.assign(start_date=D.fmt_iso(cw["start_date"].to_numpy()))

    frames_sen2 = {"person": person_frame, "requests": requests_frame, "assessment": assessment_frame,
                   "namedplan": namedplan_frame, "plandetail": plandetail_frame, "activeplans": activeplans_frame,
                   "placementdetail": placement_frame, "senneed": senneed_frame}
    frames_local = {"schools": schools_out, "residence": residence_frame, "caseworkers": caseworkers_out,
                    "casework": casework_frame, "health_advice": advice_frame, "reviews": reviews_frame,
                    "sen_support": support_frame, "disputes": disputes_frame,
                    "aggregate_measures": measures_frame}
    header = {"year": D.to_date(ref).year, "reference_date": D.to_date(ref).isoformat(), "lea": info["old_la_code"],
              "dmo": pub.dmo.get("DMO", "N"), "dco": pub.dmo.get("DCO", "N"), "dsco": pub.dmo.get("DSCO", "")}
    counts = writers.write_all(out, info, seed, ref, GENERATOR_VERSION, frames_sen2, frames_local, header)
    return counts


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


def _casework(R, r_order, rid, person, pid, ppl, event, dec, asmt_date, req_outcome, plan_rows, plans, sub, cease,
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


def _advice(r_order, rid, R, dec, req_outcome, asmt_date, ref, rng) -> pd.DataFrame:
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
              rng: np.random.Generator):
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
    return frame, None
