"""Local extras a council holds beyond SEN2: schools, residence, caseworkers, advice, reviews, disputes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.synth import dates as D
from data.synth.names import caseworker_names, school_name

EHCP_RATE_0_25 = 0.033     # EHC plans per head of 0–25 population, England January 2025 (approximate)
PUPILS_PER_HEAD = 0.46     # pupils on roll in state-funded and independent schools per head of 0–25

# school_type -> (phase(s), SEN2 category it serves)
MAINSTREAM_LA = ("Community school", "Voluntary aided school", "Foundation school")


def ward_weights(wards: pd.DataFrame, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Relative 0–25 population and a SEND-need index for each ward (synthetic, deterministic)."""
    pop = rng.lognormal(0.0, 0.35, len(wards))
    need = rng.lognormal(0.0, 0.3, len(wards))
    return pop / pop.sum(), need


def population(caseload_2025: int) -> int:
    return int(round(caseload_2025 / EHCP_RATE_0_25))


def pupils_on_roll(caseload_2025: int) -> float:
    return population(caseload_2025) * PUPILS_PER_HEAD


def make_schools(la_index: int, wards: pd.DataFrame, pop_w: np.ndarray, setting_2025: dict,
                 caseload_2025: int, rng: np.random.Generator) -> pd.DataFrame:
    """Synthetic schools in the LA's real wards, sized to the LA. URNs are 7 digits from 9000000."""
    pupils = pupils_on_roll(caseload_2025)
    rows = []

    def add(n, phase, types, type_p, roll_mean, roll_sd=0.35, rp=0.0, unit=0.0, ukprn=False):
        for _ in range(int(n)):
            st = types[rng.choice(len(types), p=np.asarray(type_p) / np.sum(type_p))]
            rows.append({"phase": phase, "school_type": st, "roll": roll_mean * rng.lognormal(0, roll_sd),
                         "resourced_provision": int(rng.random() < rp), "sen_unit": int(rng.random() < unit),
                         "has_ukprn": ukprn})

    s = setting_2025
    rp_places = s.get("MLR", 0) + s.get("MAR", 0) + s.get("MFR", 0)
    unit_places = s.get("MLU", 0) + s.get("MAU", 0) + s.get("MFU", 0)
    n_primary = max(3, round(pupils * 0.52 / 290))
    n_secondary = max(1, round(pupils * 0.42 / 1050))
    rp_rate = min(0.5, (rp_places / 10 + 1) / (n_primary + n_secondary))
    unit_rate = min(0.3, (unit_places / 8 + 0.3) / (n_primary + n_secondary))
    add(max(1, round(n_primary / 45)), "Nursery", ["Nursery school"], [1], 90)
    add(n_primary, "Primary", ["Community school", "Voluntary aided school", "Foundation school", "Academy",
                               "Free school"], [38, 12, 3, 44, 3], 290, rp=rp_rate, unit=unit_rate)
    add(n_secondary, "Secondary", ["Community school", "Foundation school", "Academy", "Free school"],
        [10, 4, 76, 10], 1050, 0.3, rp=rp_rate, unit=unit_rate)
    add(max(0, round(n_secondary / 25)), "All-through", ["Academy"], [1], 1500, 0.2, rp=rp_rate)
    add(max(1, round(pupils / 9000)), "All-through", ["Independent school"], [1], 350)
    add(max(1, round((s.get("SL", 0) + 30) / 110)), "Special", ["Community special school"], [1], 120, 0.3)
    add(max(1, round((s.get("SA", 0) + 30) / 110)), "Special", ["Academy special school", "Free school special"],
        [4, 1], 120, 0.3)
    if s.get("SN", 0) > 0:
        add(max(1, round(s["SN"] / 60)), "Special", ["Non-maintained special school"], [1], 70, 0.3)
    add(max(1, round((s.get("SI", 0) + 10) / 30)), "Special", ["Independent special school"], [1], 55, 0.4)
    add(max(1, round((s.get("APL", 0) + 10) / 45)), "Alternative provision", ["Pupil referral unit"], [1], 50)
    if s.get("APA", 0) + s.get("APF", 0) > 0:
        add(max(1, round((s.get("APA", 0) + s.get("APF", 0)) / 45)), "Alternative provision",
            ["Alternative provision academy", "Alternative provision free school"],
            [max(s.get("APA", 0), 0.1), max(s.get("APF", 0), 0.1)], 50)
    add(max(1, round(pupils / 45000)), "Post-16", ["FE college"], [1], 3000, 0.3, ukprn=True)
    add(max(1, round(pupils / 90000)), "Post-16", ["Sixth form college"], [1], 1400, 0.2, ukprn=True)
    add(max(1, round((s.get("SP16", 0) + 5) / 25)), "Post-16", ["Specialist post-16 institution"], [1], 60,
        ukprn=True)
    add(max(1, round((s.get("UKRLP", 0) + 5) / 25)), "Post-16", ["Independent training provider"], [1], 150,
        ukprn=True)

    frame = pd.DataFrame(rows)
    n = len(frame)
    frame["ward_idx"] = rng.choice(len(wards), size=n, p=pop_w)
    frame["ward_code"] = wards["ward_code"].to_numpy()[frame["ward_idx"]]
    frame["urn"] = 9_000_000 + la_index * 6_000 + np.arange(1, n + 1)
    frame["ukprn"] = np.where(frame["has_ukprn"], 19_000_000 + la_index * 1_000 + np.arange(1, n + 1), 0)
    grade = rng.choice(np.array(["1", "2", "3", "4", ""], dtype=object), size=n, p=[0.16, 0.66, 0.12, 0.03, 0.03])
    frame["ofsted_grade"] = np.where(frame["school_type"] == "Independent training provider", "", grade)
    frame["number_on_roll"] = np.maximum(15, frame["roll"].round().astype(int))
    names, seen = [], set()
    ward_names = wards["ward_name"].to_numpy()
    for _, r in frame.iterrows():
        nm = school_name(ward_names[r["ward_idx"]], r["phase"], r["school_type"], rng)
        k = 2
        base = nm
        while nm in seen:
            nm = base.replace(" (synthetic)", f" {k} (synthetic)")
            k += 1
        seen.add(nm)
        names.append(nm)
    frame["school_name"] = names
    # mainstream special indicators only where they make sense
    mainstream = frame["phase"].isin(["Primary", "Secondary", "All-through"]) & ~frame["school_type"].eq(
        "Independent school")
    frame.loc[~mainstream, ["resourced_provision", "sen_unit"]] = 0
    return frame.reset_index(drop=True)


SETTING_SCHOOL_TYPES = {
    "ML": MAINSTREAM_LA, "MLR": MAINSTREAM_LA, "MLU": MAINSTREAM_LA,
    "MA": ("Academy",), "MAR": ("Academy",), "MAU": ("Academy",),
    "MF": ("Free school",), "MFR": ("Free school",), "MFU": ("Free school",),
    "MI": ("Independent school",),
    "SL": ("Community special school",), "SA": ("Academy special school", "Free school special"),
    "SN": ("Non-maintained special school",), "SI": ("Independent special school",),
    "APL": ("Pupil referral unit",), "APA": ("Alternative provision academy",),
    "APF": ("Alternative provision free school",),
    "FE": ("FE college", "Sixth form college"), "SP16": ("Specialist post-16 institution",),
    "UKRLP": ("Independent training provider",),
}
SENSETTING_CODE = {"EY": "EYP", "OLA": "OLA", "OPA": "OPA", "EHE": "EHE", "OTH": "OTH", "NEET": "NEET",
                   "NIEC": "NIEC", "NIEO": "NIEO", "NIEOC": "NIEO"}


def assign_schools(ep: dict, schools: pd.DataFrame, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """URN / UKPRN / SENSetting and indicators for each placement episode."""
    m = len(ep["entry"])
    urn = np.zeros(m, dtype=np.int64)
    ukprn = np.zeros(m, dtype=np.int64)
    sensetting = np.full(m, "", dtype=object)
    rp = np.zeros(m, dtype=np.int64)
    unit = np.zeros(m, dtype=np.int64)
    age = ep["age"]
    phase = np.select([age <= 3, age <= 10], ["Nursery", "Primary"], "Secondary")
    setting = ep["setting"]
    for code, sen in SENSETTING_CODE.items():
        sensetting[setting == code] = sen
    st = schools["school_type"].to_numpy()
    ph = schools["phase"].to_numpy()
    roll = schools["number_on_roll"].to_numpy().astype(float)
    has_rp = schools["resourced_provision"].to_numpy() == 1
    has_unit = schools["sen_unit"].to_numpy() == 1
    for code, types in SETTING_SCHOOL_TYPES.items():
        sel_code = setting == code
        if not sel_code.any():
            continue
        mainstream = code[0] == "M" and code != "MI"
        for p in ("Nursery", "Primary", "Secondary"):
            sel = np.flatnonzero(sel_code & (phase == p)) if mainstream else np.flatnonzero(sel_code)
            if len(sel) == 0:
                continue
            cand = np.isin(st, types)
            if mainstream:
                ok_phase = (ph == p) | (ph == "All-through")
                if p == "Nursery":
                    ok_phase = (ph == "Nursery") | (ph == "Primary")
                cand &= ok_phase
                if code.endswith("R"):
                    cand &= has_rp
                elif code.endswith("U"):
                    cand &= has_unit
            idx = np.flatnonzero(cand)
            if len(idx) == 0:  # fall back: same phase, any mainstream type (keeps the indicator)
                fb = np.isin(st, MAINSTREAM_LA + ("Academy", "Free school")) if mainstream else np.isin(st, types)
                if mainstream:
                    fb &= (ph == p) | (ph == "All-through") | ((p == "Nursery") & (ph == "Primary"))
                idx = np.flatnonzero(fb)
            if len(idx) == 0:
                idx = np.flatnonzero(np.isin(ph, ["Primary", "Secondary"]))
            w = roll[idx] / roll[idx].sum()
            pick = idx[rng.choice(len(idx), size=len(sel), p=w)]
            urn[sel] = schools["urn"].to_numpy()[pick]
            ukprn[sel] = schools["ukprn"].to_numpy()[pick]
            if code.endswith("R") and mainstream:
                rp[sel] = 1
            if code.endswith("U") and mainstream:
                unit[sel] = 1
            if not mainstream:
                break
    # training providers are known by UKPRN only
    urn[setting == "UKRLP"] = 0
    return {"urn": urn, "ukprn": ukprn, "sensetting": sensetting, "rp": rp, "unit": unit}


# Out-of-area placements: chance (at age 10, in a large area) that a placement of each kind is at a school
# outside the area. Independent and non-maintained special schools and specialist colleges serve many
# councils; maintained schools in a neighbouring council take a few children, mostly special school places;
# a large area's colleges and pupil referral units are its own.
OUT_OF_AREA_P = {"SI": 0.45, "SN": 0.55, "SP16": 0.35, "MI": 0.2, "SL": 0.09, "SA": 0.09,
                 "ML": 0.03, "MA": 0.03, "MF": 0.03, "FE": 0.0, "APL": 0.0, "APA": 0.0, "APF": 0.0}
# A small area has few schools, and fewer still of each specialist kind, so a place that suits the child is
# less often inside it: the chance that the area itself holds one is pupils / (pupils + OUT_OF_AREA_HALF),
# an even chance at 600 pupils on roll (City of London, about 360: two in five; Rutland, about 5,200: nine in
# ten; Bristol, about 69,000: 99 in 100).
OUT_OF_AREA_HALF = 800
# Their URNs sit above every area's own block (9_000_000 + 6_000 per area, 153 areas), one block of 1_000
# per kind of school (mainstream secondary after the kinds), so an out-of-area URN is never one of an area's own
# schools; the area's list carries the ones its children attend as schools outside it (`out_of_area_schools`).
OUT_OF_AREA_URN = 9_950_000
OUT_OF_AREA_UKPRN = 19_950_000
OUT_OF_AREA_POOL = 40  # schools of each kind that the area's children attend outside it


def out_of_area_chance(kind: np.ndarray, age: np.ndarray, pupils: float) -> np.ndarray:
    """Chance that a placement of each kind, at each age, is at a school outside an area of `pupils` pupils:
    outside for the kind's own reasons (`OUT_OF_AREA_P`, rising with age), or because the area holds no
    suitable place (more likely the smaller it is)."""
    base = np.array([OUT_OF_AREA_P.get(k, 0.0) for k in kind]) * np.clip(0.4 + 0.06 * age, 0.5, 1.5)
    inside = pupils / (pupils + OUT_OF_AREA_HALF)
    schools = np.isin(kind, list(OUT_OF_AREA_P))
    return np.where(schools, 1 - (1 - base) * inside, 0.0)


def place_out_of_area(ep: dict, n_plans: int, pupils: float, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Move some rank-1 school placements to schools outside the area (URN / UKPRN replaced).

    One draw per plan decides, so a child placed out of area stays there as they get older (the chance
    rises with age) and keeps the same school while the kind of school is the same.
    """
    kind = np.array([s[:2] if s[:2] in ("ML", "MA", "MF") else s for s in ep["setting"]], dtype=object)
    age = ep["age"]
    p = out_of_area_chance(kind, age, pupils)
    u, v = rng.random(n_plans), rng.random(n_plans)
    out = (u[ep["plan"]] < p) & ((ep["urn"] > 0) | (ep["ukprn"] > 0))
    kinds = list(OUT_OF_AREA_P)
    block = np.array([kinds.index(k) if k in kinds else 0 for k in kind])
    mainstream = np.isin(kind, ["ML", "MA", "MF"])
    block = np.where(mainstream & (age >= 11), block - kinds.index("ML") + len(kinds), block)  # their own blocks
    school = OUT_OF_AREA_URN + 1_000 * block + 1 + np.floor(v[ep["plan"]] * OUT_OF_AREA_POOL).astype(np.int64)
    urn = np.where(out, school, ep["urn"])
    ukprn = np.where(out & (ep["ukprn"] > 0), school - OUT_OF_AREA_URN + OUT_OF_AREA_UKPRN, ep["ukprn"])
    return {"urn": urn, "ukprn": ukprn}


# What the council's list says of each kind of school outside the area: phase and establishment type, in the
# words the area's own schools use (`make_schools`); a mainstream block of secondary age is its own phase.
OUT_OF_AREA_TYPES = {
    "SI": ("Special", "Independent special school"), "SN": ("Special", "Non-maintained special school"),
    "SP16": ("Post-16", "Specialist post-16 institution"), "MI": ("All-through", "Independent school"),
    "SL": ("Special", "Community special school"), "SA": ("Special", "Academy special school"),
    "ML": ("Primary", "Community school"), "MA": ("Primary", "Academy"), "MF": ("Primary", "Free school"),
    "FE": ("Post-16", "FE college"), "APL": ("Alternative provision", "Pupil referral unit"),
    "APA": ("Alternative provision", "Alternative provision academy"),
    "APF": ("Alternative provision", "Alternative provision free school"),
}


def out_of_area_schools(urns: np.ndarray) -> pd.DataFrame:
    """The schools outside the area that its children attend (the URNs `place_out_of_area` gave), as the
    council's own list holds them, since it commissions those places: a synthetic name, the phase and type of
    the kind of school the URN's block stands for, no ward in the area, no roll or Ofsted grade, in_area 0."""
    kinds = list(OUT_OF_AREA_P)
    urns = np.unique(np.asarray(urns, dtype=np.int64))
    urns = urns[urns > OUT_OF_AREA_URN]
    rows = []
    for urn in urns:
        block, number = divmod(int(urn) - OUT_OF_AREA_URN - 1, 1_000)
        secondary = block >= len(kinds)  # mainstream blocks of secondary age follow the kinds
        phase, school_type = OUT_OF_AREA_TYPES[kinds[block - len(kinds) + kinds.index("ML") if secondary else block]]
        phase = "Secondary" if secondary else phase
        label = f"{phase} {school_type.lower()}" if school_type in MAINSTREAM_LA + ("Academy", "Free school") \
            else school_type
        rows.append({"urn": int(urn), "school_name": f"{label} {number + 1} outside the area (synthetic)",
                     "phase": phase, "school_type": school_type, "ward_code": "", "ofsted_grade": "",
                     "number_on_roll": "", "resourced_provision": 0, "sen_unit": 0, "in_area": 0})
    return pd.DataFrame(rows, columns=["urn", "school_name", "phase", "school_type", "ward_code", "ofsted_grade",
                                       "number_on_roll", "resourced_provision", "sen_unit", "in_area"])


def caseworkers(la: dict, wards: pd.DataFrame, caseload: int, requests: float, rng: np.random.Generator):
    """Teams (phase teams, or area teams by district in large LAs) and their caseworkers."""
    lads = sorted(wards["lad_name"].unique())
    if caseload >= 6000 and len(lads) >= 3:
        k = min(6, len(lads))
        groups = [lads[i::k] for i in range(k)]
        area_teams = [", ".join(g[:2]) + (" and others" if len(g) > 2 else "") + " area team" for g in groups]
        lad_team = {lad: area_teams[i] for i, g in enumerate(groups) for lad in g}
        teams = ["Early years"] + area_teams + ["Post-16"]
    else:
        lad_team = {}
        teams = ["Early years", "Primary", "Secondary", "Post-16"]
    total = max(len(teams), int(round(caseload / 170 + requests / 90)))
    share = np.array([0.1] + [0.7 / (len(teams) - 2)] * (len(teams) - 2) + [0.2])
    counts = np.maximum(1, np.round(share * total).astype(int))
    team_col = np.repeat(np.array(teams, dtype=object), counts)
    n = len(team_col)
    start_year = rng.choice(np.arange(2012, 2026), size=n,
                            p=np.r_[np.full(7, 0.06), np.full(7, 0.0829)] / np.r_[np.full(7, 0.06),
                                                                                    np.full(7, 0.0829)].sum())
    start = np.array([D.day(int(y), 1, 1) for y in start_year]) + np.floor(rng.random(n) * 360).astype(np.int64)
    # every team has someone in post from the case system's go-live
    for tm in teams:
        first = np.flatnonzero(team_col == tm)[0]
        start[first] = D.day(2017, 4, 3)
    frame = pd.DataFrame({
        "caseworker_id": [f"CW{la['old_la_code']}{i + 1:04d}" for i in range(n)],
        "caseworker_name": caseworker_names(n, rng),
        "team": team_col,
        "start_date": start,
    })
    return frame, lad_team


def team_for(age: np.ndarray, lad: np.ndarray, lad_team: dict) -> np.ndarray:
    if lad_team:
        area = np.array([lad_team.get(x, next(iter(lad_team.values()))) for x in lad], dtype=object)
        return np.where(age < 4, "Early years", np.where(age >= 16, "Post-16", area))
    return np.select([age < 4, age < 11, age < 16], ["Early years", "Primary", "Secondary"], "Post-16").astype(object)


def pick_caseworker(cw: pd.DataFrame, team: np.ndarray, when: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = np.empty(len(team), dtype=object)
    for tm, grp in cw.groupby("team", sort=True):
        sel = np.flatnonzero(team == tm)
        if len(sel) == 0:
            continue
        g = grp.sort_values("start_date", kind="stable")
        starts = g["start_date"].to_numpy()
        ids = g["caseworker_id"].to_numpy()
        avail = np.maximum(np.searchsorted(starts, when[sel], side="right"), 1)
        out[sel] = ids[np.floor(rng.random(len(sel)) * avail).astype(np.int64)]
    return out


SEN_SUPPORT_NEEDS = (["SLCN", "SEMH", "MLD", "SPLD", "ASD", "OTH", "PD", "HI", "VI", "MSI", "SLD", "PMLD", "NSA"],
                     [0.245, 0.205, 0.15, 0.13, 0.085, 0.04, 0.02, 0.014, 0.008, 0.002, 0.002, 0.0005, 0.0985])


def sen_support(la: dict, schools: pd.DataFrame, wards: pd.DataFrame, pop_w: np.ndarray, need_w: np.ndarray,
                eth: dict, rng: np.random.Generator, ref: int) -> pd.DataFrame:
    """School-census SEN support pupils (no EHC plan), January 2023–2025, followed across years."""
    mainstream = schools[schools["phase"].isin(["Nursery", "Primary", "Secondary", "All-through"])]
    if mainstream.empty:
        return pd.DataFrame()
    years = [y for y in (2023, 2024, 2025) if D.census_date(y) <= ref]
    rate = {2023: 0.128, 2024: 0.133, 2025: 0.137}
    urns = mainstream["urn"].to_numpy()
    rolls = mainstream["number_on_roll"].to_numpy().astype(float)
    phases = mainstream["phase"].to_numpy()
    school_ward = mainstream["ward_idx"].to_numpy()
    ward_p = pop_w * need_w
    ward_p = ward_p / ward_p.sum()
    eth_codes = np.array(list(eth), dtype=object)
    eth_p = np.array(list(eth.values()), float)
    eth_p = eth_p / eth_p.sum()
    yr_choices = {"Nursery": ["N1", "N2"], "Primary": ["R", "1", "2", "3", "4", "5", "6"],
                  "Secondary": ["7", "8", "9", "10", "11", "12", "13"],
                  "All-through": ["R", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13"]}
    # SEN support is rarer in the early years and sixth form
    yr_weight = {"N1": 0.4, "N2": 0.6, "R": 0.6, "12": 0.45, "13": 0.4}
    order = ["N1", "N2", "R"] + [str(i) for i in range(1, 14)]
    frames = []
    prev = None
    next_ref = 1
    for y in years:
        target = int(round(rate[y] * rolls.sum()))
        if prev is not None:
            stay = prev[(prev["ncyear"] != "13") & (rng.random(len(prev)) < 0.78)].copy()
            stay["ncyear"] = [order[order.index(v) + 1] for v in stay["ncyear"]]
            moved = (stay["ncyear"].isin(["R", "7"])).to_numpy()
            if moved.any():
                to_phase = np.where(stay["ncyear"].to_numpy()[moved] == "R", "Primary", "Secondary")
                new_urn = np.empty(moved.sum(), dtype=np.int64)
                for ph in ("Primary", "Secondary"):
                    s = np.flatnonzero(to_phase == ph)
                    cand = np.flatnonzero((phases == ph) | (phases == "All-through"))
                    if len(cand) == 0:
                        cand = np.arange(len(urns))
                    w = rolls[cand] / rolls[cand].sum()
                    new_urn[s] = urns[cand[rng.choice(len(cand), size=len(s), p=w)]]
                stay.loc[moved, "urn"] = new_urn
            stay = stay.iloc[: min(len(stay), target)]
        else:
            stay = None
        n_new = target - (len(stay) if stay is not None else 0)
        school = rng.choice(len(urns), size=n_new, p=rolls / rolls.sum())
        ncy = np.empty(n_new, dtype=object)
        for ph, choices in yr_choices.items():
            s = np.flatnonzero(phases[school] == ph)
            w = np.array([yr_weight.get(c, 1.0) for c in choices])
            ncy[s] = np.array(choices, dtype=object)[rng.choice(len(choices), size=len(s), p=w / w.sum())]
        home = np.where(rng.random(n_new) < 0.6, school_ward[school], rng.choice(len(wards), size=n_new, p=ward_p))
        fsm_p = np.clip(0.3 * need_w[home], 0.05, 0.7)
        new = pd.DataFrame({
            "pupil_ref": [f"SS{la['old_la_code']}{next_ref + i:07d}" for i in range(n_new)],
            "urn": urns[school],
            "ncyear": ncy,
            "sex": np.where(rng.random(n_new) < 0.63, "M", "F"),
            "ethnicity": eth_codes[rng.choice(len(eth_codes), size=n_new, p=eth_p)],
            "primary_need": np.array(SEN_SUPPORT_NEEDS[0], dtype=object)[
                rng.choice(len(SEN_SUPPORT_NEEDS[0]), size=n_new,
                           p=np.array(SEN_SUPPORT_NEEDS[1]) / np.sum(SEN_SUPPORT_NEEDS[1]))],
            "ward_code": wards["ward_code"].to_numpy()[home],
            "fsm": (rng.random(n_new) < fsm_p).astype(int),
        })
        next_ref += n_new
        cur = new if stay is None else pd.concat([stay, new], ignore_index=True)
        cur = cur.assign(census_date=D.fmt_iso(np.array([D.census_date(y)]))[0])
        frames.append(cur)
        prev = cur.drop(columns=["census_date"])
    if not frames:
        return pd.DataFrame(columns=["census_date", "pupil_ref", "urn", "ncyear", "sex", "ethnicity", "primary_need",
                                     "ward_code", "fsm"])
    out = pd.concat(frames, ignore_index=True)
    return out[["census_date", "pupil_ref", "urn", "ncyear", "sex", "ethnicity", "primary_need", "ward_code",
                "fsm"]]
