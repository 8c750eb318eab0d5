"""Published figures for one LA, read from the national bundle, with every gap filled sensibly.

Counts missing for the LA's current code (new authorities such as Cumberland, years published under an
older code, symbols such as `x`) are filled from the same 3-digit LA code under another ONS code, then
from the LA's ratio to its region (or England) in the years that are published. Rates missing for a year
fall back to the region's rate, then England's. Years after the last publication are extrapolated by a
damped trend in `model.Targets`, within the range the LA's own published history makes plausible. The
generator calibrates to these filled series; the tests only compare published cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

NATIONAL = Path(__file__).resolve().parents[1] / "national"
ENGLAND = "E92000001"

# Topics kept from each published dataset (the rest are not needed to calibrate an extract).
TOPICS = {
    "caseload": ["All EHC plans", "Child or young persons age", "Sex", "Ethnicity"],
    "newplans": ["New EHC plans", "Age when plan started"],
    "requests": ["All requests for EHC needs assessments", "Child or young persons age", "Sex"],
    "assessments": ["All EHC needs assessments"],
    "timeliness_20_week": ["All EHC plans issued"],
    "sen_needs_all_plans": ["All EHC plans", "Child or young persons age"],
    "sen_need_newplans": ["All EHC plans"],
    "annual_reviews": ["All annual reviews"],
    "ceased_plans": ["All ceased EHC plans", "Age plan ceased"],
    "personal_budgets": ["All personal budgets"],
    "residential_settings": ["All residential placements"],
    "work_based_placements": ["All work based placements"],
    "sen2_dmo_dco": ["Total"],
    "sen2_age_caseload": ["Characteristic age"],
}
COLUMNS = ["time_period", "geographic_level", "area_code", "old_la_code", "breakdown_topic", "breakdown",
           "measure", "value", "value_text"]

CENSUS_PERIODS = {2019: "201819", 2020: "201920", 2021: "202021", 2022: "202122", 2023: "202223",
                  2024: "202324", 2025: "202425"}
CAL_YEARS = list(range(2019, 2025))
NEEDS = ["SPLD", "MLD", "SLD", "PMLD", "SEMH", "SLCN", "HI", "VI", "MSI", "PD", "ASD", "OTH"]


class UnknownLAError(ValueError):
    pass


@cache
def la_dim() -> pd.DataFrame:
    frame = pd.read_parquet(NATIONAL / "dims" / "la.parquet")
    return frame.astype({c: object for c in frame.columns}).sort_values("new_la_code").reset_index(drop=True)


@cache
def ward_dim() -> pd.DataFrame:
    frame = pd.read_parquet(NATIONAL / "dims" / "ward.parquet")
    return frame[frame["is_current"]].astype(
        {c: object for c in ["ward_code", "ward_name", "lad_code", "lad_name", "new_la_code", "la_name"]}
    )


def table(dataset: str, la: dict) -> pd.DataFrame:
    """Rows of a published dataset for the LA (any ONS code with its old code), its region and England."""
    path = (NATIONAL / "facts" / f"{dataset}.parquet").as_posix()
    query = (
        "SELECT time_period, geographic_level, area_code, old_la_code, breakdown_topic, breakdown, measure, value, "
        "value_text FROM read_parquet(?) WHERE list_contains(?, breakdown_topic) AND (list_contains(?, area_code) "
        "OR (old_la_code = ? AND geographic_level = 'Local authority')) "
        "ORDER BY area_code, time_period, breakdown_topic, breakdown, measure, value_text, value"
    )
    params = [path, TOPICS[dataset], [la["new_la_code"], la["region_code"], ENGLAND], la["old_la_code"]]
    with duckdb.connect() as con:  # ordered: row order feeds averages and category order, so determinism
        frame = con.execute(query, params).df()[COLUMNS]
    for col in COLUMNS:
        if col != "value":
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    frame["value"] = frame["value"].astype(float)
    return frame


def resolve_la(code: str) -> dict:
    """Find an LA by new ONS code (E06000023) or old 3-digit code (801)."""
    dim = la_dim()
    text = str(code).strip().upper()
    hit = dim[(dim["new_la_code"] == text) | (dim["old_la_code"] == text.lstrip("0").zfill(3))]
    if hit.empty:
        raise UnknownLAError(
            f"Unknown local authority code {code!r}. Use a current ONS code such as E06000023 or the old "
            f"3-digit DfE code such as 801; the 153 valid codes are in data/national/dims/la.parquet "
            f"(columns new_la_code, old_la_code, la_name), e.g. "
            f"`python -c \"import pandas as pd; print(pd.read_parquet('data/national/dims/la.parquet'))\"`."
        )
    return hit.iloc[0].to_dict()


@dataclass
class Published:
    """The filled published series one LA's extract is calibrated to."""

    la: dict
    census: dict[int, float] = field(default_factory=dict)          # caseload at January census, by year
    requests: dict[int, float] = field(default_factory=dict)        # requests received, calendar year
    refused: dict[int, float] = field(default_factory=dict)         # decided not to assess
    agreed: dict[int, float] = field(default_factory=dict)
    withdrawn: dict[int, float] = field(default_factory=dict)
    six_pc: dict[int, float] = field(default_factory=dict)          # % decided within 6 weeks
    new_plans: dict[int, float] = field(default_factory=dict)
    den: dict[int, float] = field(default_factory=dict)
    den_ex: dict[int, float] = field(default_factory=dict)
    within: dict[int, float] = field(default_factory=dict)
    within_ex: dict[int, float] = field(default_factory=dict)
    gt1y: dict[int, float] = field(default_factory=dict)
    gt1y_ex: dict[int, float] = field(default_factory=dict)
    assess_not_issued: dict[int, float] = field(default_factory=dict)
    not_issued_16w_pc: float = 60.0
    req_mediation: dict[int, float] = field(default_factory=dict)
    req_tribunal: dict[int, float] = field(default_factory=dict)
    asmt_mediation: dict[int, float] = field(default_factory=dict)
    asmt_tribunal: dict[int, float] = field(default_factory=dict)
    oth_mediation: dict[int, float] = field(default_factory=dict)
    oth_tribunal: dict[int, float] = field(default_factory=dict)
    rya: dict[int, float] = field(default_factory=dict)
    needs: dict[str, float] = field(default_factory=dict)           # primary need of all plans, Jan 2025
    need_unknown: float = 0.0
    need_by_age: pd.DataFrame | None = None                          # England, age x need
    ceased_total: dict[int, float] = field(default_factory=dict)
    cease_mix: dict[int, float] = field(default_factory=dict)        # CeaseReason code -> share
    age_start: np.ndarray | None = None                              # P(age at plan start = 0..25)
    age_request: np.ndarray | None = None
    age_2019: np.ndarray | None = None                               # P(age at Jan 2019 = 0..25)
    age_2025: np.ndarray | None = None
    setting_by_age: pd.DataFrame | None = None                       # P(setting | age band) Jan 2025
    await_share: float = 0.012                                       # plans awaiting provision at a census
    male_plans: float = 0.72
    male_requests: float = 0.65
    ethnicity: dict[str, float] = field(default_factory=dict)
    reviews: dict[str, float] = field(default_factory=dict)
    pb: dict[str, float] = field(default_factory=dict)
    res: dict[str, float] = field(default_factory=dict)
    wbp: dict[str, float] = field(default_factory=dict)
    dmo: dict[str, str] = field(default_factory=dict)


class _Frame:
    """Rows of one dataset for the LA, its region and England."""

    def __init__(self, dataset: str, la: dict):
        self.la = la
        self.rows = table(dataset, la)

    def topic(self, topic: str | None):
        r = self.rows
        if topic is None:
            return r[r["breakdown_topic"] == r["breakdown"]]
        return r[r["breakdown_topic"] == topic]

    def values(self, measure: str, area: str, topic: str | None = None) -> dict[str, float]:
        r = self.topic(topic)
        r = r[(r["measure"] == measure) & (r["area_code"] == area) & r["value"].notna()]
        return dict(zip(r["time_period"], r["value"], strict=True))

    def alt_values(self, measure: str, topic: str | None = None) -> dict[str, float]:
        """The same old LA code published under another ONS code (e.g. Buckinghamshire 2021–2023)."""
        r = self.topic(topic)
        r = r[(r["measure"] == measure) & (r["old_la_code"] == self.la["old_la_code"])
              & (r["area_code"] != self.la["new_la_code"]) & r["value"].notna()]
        return dict(zip(r["time_period"], r["value"], strict=True))


def _fill_count(fr: _Frame, measure: str, periods: list[str], size_ratio: float,
                topic: str | None = None) -> dict[str, float]:
    """LA value, else same old code, else LA/region ratio times the region (or England) value."""
    own = fr.values(measure, fr.la["new_la_code"], topic)
    alt = fr.alt_values(measure, topic)
    reg = fr.values(measure, fr.la["region_code"], topic)
    eng = fr.values(measure, ENGLAND, topic)
    out = {}
    ratios = [own[p] / reg[p] for p in own if reg.get(p)]
    ratio_reg = float(np.mean(ratios)) if ratios else None
    ratios_e = [own[p] / eng[p] for p in own if eng.get(p)]
    ratio_eng = float(np.mean(ratios_e)) if ratios_e else None
    for p in periods:
        if p in own:
            out[p] = own[p]
        elif p in alt:
            out[p] = alt[p]
        elif p in reg and ratio_reg is not None:
            out[p] = ratio_reg * reg[p]
        elif p in eng:
            out[p] = (ratio_eng if ratio_eng is not None else size_ratio) * eng[p]
    return out


def _rate(fr: _Frame, measure: str, period: str, topic: str | None = None) -> float | None:
    for area in (fr.la["new_la_code"], fr.la["region_code"], ENGLAND):
        v = fr.values(measure, area, topic).get(period)
        if v is not None:
            return v
    return None


def _dist_from_breakdown(fr: _Frame, measure: str, periods: list[str], topic: str, parse,
                         size: int, prior_weight: float = 30.0) -> np.ndarray:
    """Distribution over parsed breakdown keys, LA counts shrunk towards England's shape."""
    def collect(area):
        r = fr.topic(topic)
        r = r[(r["measure"] == measure) & (r["area_code"] == area) & r["time_period"].isin(periods)]
        vec = np.zeros(size)
        for b, v in zip(r["breakdown"], r["value"], strict=True):
            if v is None or np.isnan(v):
                continue
            for k, share in parse(b):
                vec[k] += v * share
        return vec
    la = collect(fr.la["new_la_code"])
    eng = collect(ENGLAND)
    eng = eng / eng.sum() if eng.sum() > 0 else np.full(size, 1.0 / size)
    total = la.sum()
    mix = (la + prior_weight * eng) / (total + prior_weight)
    return mix / mix.sum()


def _parse_age(label: str):
    s = label.lower().replace("aged", "age").strip()
    if "unknown" in s or s == "total":
        return []
    if "under 3" in s:
        return [(0, 0.1), (1, 0.3), (2, 0.6)]
    if "2 and under" in s:
        return [(0, 0.1), (1, 0.3), (2, 0.6)]
    if "20 and over" in s:
        return [(20, 0.42), (21, 0.26), (22, 0.16), (23, 0.1), (24, 0.06)]
    digits = "".join(ch for ch in s if ch.isdigit())
    if digits:
        a = int(digits)
        return [(a, 1.0)] if 0 <= a <= 25 else []
    return []


AGE_BANDS_2019 = {"Under 5": range(0, 5), "Age 5 to 10": range(5, 11), "Age 11 to 15": range(11, 16),
                  "Age 16 to 19": range(16, 20), "Age 20 to 25": range(20, 26)}

ETHNICITY_CODES = {
    "White - White British": "WBRI", "White - Irish": "WIRI", "White - Traveller of Irish heritage": "WIRT",
    "White - Gypsy/Roma": "WROM", "White - Any other White background": "WOTH",
    "Mixed - White and Black Caribbean": "MWBC", "Mixed - White and Black African": "MWBA",
    "Mixed - White and Asian": "MWAS", "Mixed - Any other Mixed background": "MOTH",
    "Asian - Indian": "AIND", "Asian - Pakistani": "APKN", "Asian - Bangladeshi": "ABAN",
    "Asian - Chinese": "CHNE", "Asian - Any other Asian background": "AOTH",
    "Black - Black Caribbean": "BCRB", "Black - Black African": "BAFR",
    "Black - Any other Black background": "BOTH", "Any other ethnic group": "OOTH", "Unclassified": "NOBT",
}

SETTINGS = [  # internal setting code, published caseload column
    ("EY", "nm_early_years"), ("ML", "mainstream_la_maintained"), ("MA", "mainstream_academy"),
    ("MF", "mainstream_free_school"), ("MI", "mainstream_independent"),
    ("MLR", "mainstream_la_maintained_resourced_provision"), ("MAR", "mainstream_academy_resourced_provision"),
    ("MFR", "mainstream_free_school_resourced_provision"), ("MLU", "mainstream_la_maintained_senunit"),
    ("MAU", "mainstream_academy_senunit"), ("MFU", "mainstream_free_school_senunit"),
    ("FE", "general_fe_tertiary_colleges"), ("UKRLP", "ukrlp_provider"),
    ("SP16", "specialist_post_16_institutions"), ("OLA", "other_arrangements_la"),
    ("OPA", "other_arrangements_parents"), ("EHE", "elective_home_education"),
    ("OTH", "other_placement_settings"), ("NEET", "neet"), ("NIEC", "neet_ntci"), ("NIEO", "neet_other"),
    ("NIEOC", "neet_other_csa"), ("APL", "ap_pru_la_maintained"), ("APA", "ap_pru_academy"),
    ("APF", "ap_pru_free_school"), ("SL", "special_la_maintained"), ("SA", "special_academy_free"),
    ("SN", "special_non_maintained"), ("SI", "special_independent"),
]
AGE_BANDS = [(0, 3), (4, 10), (11, 15), (16, 18), (19, 25)]


def load(la_code: str) -> Published:
    la = resolve_la(la_code)
    pub = Published(la=la)
    code = la["new_la_code"]

    cl = _Frame("caseload", la)
    eng_cl = cl.values("ehcplans", ENGLAND)
    own_cl = cl.values("ehcplans", code) or cl.alt_values("ehcplans")
    size_ratio = (np.mean([own_cl[p] / eng_cl[p] for p in own_cl if p in eng_cl]) if own_cl else 1 / 153)
    census = _fill_count(cl, "ehcplans", list(CENSUS_PERIODS.values()), size_ratio)
    pub.census = {y: round(census[p]) for y, p in CENSUS_PERIODS.items() if p in census}

    # Plans awaiting provision at the census (published 2019-2022 only): the LA's share over those years,
    # shrunk half-way towards England's (LAs range from 0 to 10%, England 1.0-1.3%).
    def await_share(area):
        waiting, plans = cl.values("await_prov_2022", area), cl.values("ehcplans", area)
        years = [p for p in waiting if plans.get(p)]
        return sum(waiting[p] for p in years) / sum(plans[p] for p in years) if years else None

    eng_await = await_share(ENGLAND) or pub.await_share
    own_await = await_share(code)
    pub.await_share = eng_await if own_await is None else 0.5 * (own_await + eng_await)

    cal = [str(y) for y in CAL_YEARS]
    rq = _Frame("requests", la)
    for attr, measure in [("requests", "requests_received_in_year"), ("refused", "requests_decided_not_to_assess"),
                          ("agreed", "requests_decided_to_assess"), ("withdrawn", "requests_withdrawn"),
                          ("req_mediation", "mediation_related_request"),
                          ("req_tribunal", "tribunal_related_request"), ("rya", "requests_rya")]:
        filled = _fill_count(rq, measure, cal, size_ratio)
        setattr(pub, attr, {int(p): max(0.0, v) for p, v in filled.items()})
    # % decided within 6 weeks: six / (six + over) from the published counts (in 28 of 303 published LA-years
    # the published % disagrees with its own counts; the counts are taken as the definition), else the
    # published %, else the LA's mean over published years, else region, else England.
    own6 = rq.values("request_outcome_six_weeks_pc", code)
    six, over = rq.values("request_outcome_six_weeks", code), rq.values("request_outcome_over_6_weeks", code)
    for p in six:
        if p in over and six[p] + over[p] > 0:
            own6[p] = 100.0 * six[p] / (six[p] + over[p])
    for y in CAL_YEARS:
        v = own6.get(str(y))
        if v is None and own6:
            v = float(np.mean(list(own6.values())))
        if v is None:
            v = _rate(rq, "request_outcome_six_weeks_pc", str(y))
        if v is None:
            reg = rq.values("request_outcome_six_weeks_pc", la["region_code"]) or rq.values(
                "request_outcome_six_weeks_pc", ENGLAND)
            v = float(np.mean(list(reg.values()))) if reg else 60.0
        pub.six_pc[y] = float(v)

    npf = _Frame("newplans", la)
    pub.new_plans = {int(p): v for p, v in _fill_count(npf, "new_ehc_plans", cal, size_ratio).items()}
    tl = _Frame("timeliness_20_week", la)
    for attr, measure in [("den", "plans_issued_den"), ("den_ex", "plans_issued_den_ex"),
                          ("within", "plans_issued_within_20_weeks"), ("within_ex", "plans_issued_20_weeks_ex"),
                          ("gt1y", "plans_issued_gt_1_year"), ("gt1y_ex", "plans_issued_gt_1_year_ex")]:
        own = tl.values(measure, code)
        setattr(pub, attr, {int(p): v for p, v in own.items()})
    # Years whose timeliness is not published for this code: region rates applied to the filled plan count.
    for y in CAL_YEARS:
        if y in pub.den and y in pub.den_ex and y in pub.within and y in pub.within_ex:
            continue
        n = pub.new_plans.get(y)
        if n is None:
            continue
        rates = {}
        for m in ["plans_issued_den", "plans_issued_den_ex", "plans_issued_within_20_weeks",
                  "plans_issued_20_weeks_ex"]:
            for area in (la["region_code"], ENGLAND):
                v = tl.values(m, area).get(str(y))
                if v is not None:
                    rates[m] = v
                    break
        base = rates.get("plans_issued_den") or 1.0
        pub.den[y] = round(n)
        pub.den_ex[y] = round(n * rates.get("plans_issued_den_ex", base) / base)
        pub.within[y] = round(n * rates.get("plans_issued_within_20_weeks", 0.5 * base) / base)
        pub.within_ex[y] = round(n * rates.get("plans_issued_20_weeks_ex", 0.5 * base) / base)

    asf = _Frame("assessments", la)
    pub.assess_not_issued = {int(p): v for p, v in _fill_count(asf, "assess_not_issued", cal, size_ratio).items()}
    for attr, measure in [("asmt_mediation", "number_assess_mediation"), ("asmt_tribunal", "number_assess_tribunal"),
                          ("oth_mediation", "number_other_mediation"), ("oth_tribunal", "number_other_tribunal")]:
        setattr(pub, attr, {int(p): v for p, v in _fill_count(asf, measure, cal, size_ratio).items()})
    v = None
    for y in ("2024", "2023"):
        v = v if v is not None else _rate(asf, "outcome_decision_within_time_pc", y)
    pub.not_issued_16w_pc = float(v if v is not None else 60.0)

    nd = _Frame("sen_needs_all_plans", la)
    own = {m: nd.values(f"number_{m.lower()}", code).get("202425") for m in NEEDS}
    if any(v is None for v in own.values()) or sum(v or 0 for v in own.values()) == 0:
        reg = {m: nd.values(f"number_{m.lower()}", la["region_code"]).get("202425") or 0.0 for m in NEEDS}
        own = reg
        pub.need_unknown = 0.0
    else:
        pub.need_unknown = nd.values("number_need_unknown", code).get("202425") or 0.0
    pub.needs = {m: float(v or 0.0) for m, v in own.items()}
    r = nd.topic("Child or young persons age")
    r = r[(r["area_code"] == ENGLAND) & r["measure"].isin([f"number_{m.lower()}" for m in NEEDS])]
    grid = np.ones((26, len(NEEDS)))
    for b, m, v in zip(r["breakdown"], r["measure"], r["value"], strict=True):
        for a, share in _parse_age(b):
            grid[a, NEEDS.index(m.removeprefix("number_").upper())] += v * share
    grid = grid / grid.sum(axis=1, keepdims=True)
    pub.need_by_age = pd.DataFrame(grid, columns=NEEDS)

    cp = _Frame("ceased_plans", la)
    totals = _fill_count(cp, "total_ceased", ["2022", "2023", "2024"], size_ratio)
    pub.ceased_total = {int(p): v for p, v in totals.items()}
    reasons = {1: "max_age", 2: "needs_met", 3: "he", 4: "employ", 5: "transfer", 6: "no_engage",
               7: "moved_outside_eng", 8: "deceased", 9: ("other", "not_rec")}
    mix = {}
    for area in (code, la["region_code"]):
        for k, ms in reasons.items():
            ms = ms if isinstance(ms, tuple) else (ms,)
            mix[k] = sum(sum(cp.values(m, area).values()) for m in ms)
        if sum(mix.values()) >= 60:
            break
    eng = {k: sum(sum(cp.values(m, ENGLAND).values()) for m in (ms if isinstance(ms, tuple) else (ms,)))
           for k, ms in reasons.items()}
    tot, etot = sum(mix.values()), sum(eng.values())
    pub.cease_mix = {k: (mix[k] + 20 * eng[k] / etot) / (tot + 20) for k in reasons}

    pub.age_start = _dist_from_breakdown(npf, "new_ehc_plans", ["2022", "2023", "2024"],
                                         "Age when plan started", _parse_age, 26)
    pub.age_request = _dist_from_breakdown(rq, "requests_received_in_year", ["2023", "2024"],
                                           "Child or young persons age", _parse_age, 26)
    pub.age_2025 = _dist_from_breakdown(cl, "ehcplans", ["202425"], "Child or young persons age", _parse_age, 26)
    ac = _Frame("sen2_age_caseload", la)
    bands = {b: ac.values("total_all", code, "Characteristic age").get("2019")
             for b in AGE_BANDS_2019}
    if any(v is None for v in bands.values()):
        bands = {b: ac.values("total_all", la["region_code"], "Characteristic age").get("2019") or 1.0
                 for b in AGE_BANDS_2019}
    shape = pub.age_2025
    age19 = np.zeros(26)
    for b, ages in AGE_BANDS_2019.items():
        idx = np.array(list(ages))
        w = shape[idx] + 1e-6
        age19[idx] = (bands[b] or 0.0) * w / w.sum()
    pub.age_2019 = age19 / age19.sum() if age19.sum() > 0 else pub.age_2025

    r = cl.topic("Sex")
    r = r[(r["area_code"] == code) & (r["time_period"] == "202425") & (r["measure"] == "ehcplans")]
    sex = dict(zip(r["breakdown"], r["value"], strict=True))
    if (sex.get("Male") or 0) + (sex.get("Female") or 0) > 20:
        pub.male_plans = sex["Male"] / (sex["Male"] + sex["Female"])
    r = rq.topic("Sex")
    r = r[(r["area_code"] == code) & (r["time_period"] == "2024") & (r["measure"] == "requests_received_in_year")]
    sex = dict(zip(r["breakdown"], r["value"], strict=True))
    if (sex.get("Male") or 0) + (sex.get("Female") or 0) > 20:
        pub.male_requests = sex["Male"] / (sex["Male"] + sex["Female"])
    r = cl.topic("Ethnicity")
    for area in (code, la["region_code"], ENGLAND):
        e = r[(r["area_code"] == area) & (r["time_period"] == "202425") & (r["measure"] == "ehcplans")]
        eth = {ETHNICITY_CODES[b]: v for b, v in zip(e["breakdown"], e["value"], strict=True)
               if b in ETHNICITY_CODES and v is not None and not np.isnan(v)}
        if sum(eth.values()) > 50:
            break
    tot = sum(eth.values())
    pub.ethnicity = {k: v / tot for k, v in eth.items()} if tot else {"WBRI": 1.0}

    # P(setting | age band) at January 2025, LA counts shrunk towards England's.
    cols = [c for _, c in SETTINGS]
    r = cl.topic("Child or young persons age")
    r = r[(r["time_period"] == "202425") & r["measure"].isin(cols)]
    mats = {}
    for area in (code, ENGLAND):
        m = np.zeros((len(AGE_BANDS), len(cols)))
        sub = r[r["area_code"] == area]
        for b, meas, v in zip(sub["breakdown"], sub["measure"], sub["value"], strict=True):
            if v is None or np.isnan(v):
                continue
            for a, share in _parse_age(b):
                band = next(i for i, (lo, hi) in enumerate(AGE_BANDS) if lo <= a <= hi)
                m[band, cols.index(meas)] += v * share
        mats[area] = m
    eng = mats[ENGLAND] / np.maximum(mats[ENGLAND].sum(axis=1, keepdims=True), 1)
    own = mats[code]
    mix = (own + 25 * eng) / (own.sum(axis=1, keepdims=True) + 25)
    pub.setting_by_age = pd.DataFrame(mix / mix.sum(axis=1, keepdims=True), columns=[s for s, _ in SETTINGS])

    ar = _Frame("annual_reviews", la)
    rv = {}
    for m in ["outcome_amend", "outcome_cease", "outcome_maintan", "pc_decsion_4weeks", "no_review_meeting",
              "review_expected"]:
        rv[m] = _rate(ar, m, "2024")
    own_ok = ar.values("review_expected", code).get("2024")
    if own_ok is None:  # suppressed for this LA: use the region's mix
        for m in rv:
            rv[m] = ar.values(m, la["region_code"]).get("2024") or ar.values(m, ENGLAND).get("2024")
    pub.reviews = {k: float(v) if v is not None else 0.0 for k, v in rv.items()}

    pbf = _Frame("personal_budgets", la)
    pub.pb = {m: float(_fill_count(pbf, m, ["202425"], size_ratio).get("202425", 0.0))
              for m in ["personal_budget", "pb_education", "pb_health", "pb_integrated", "pb_social",
                        "org_arrangments"]}
    rs = _Frame("residential_settings", la)
    pub.res = {m: float(_fill_count(rs, m, ["202425"], size_ratio).get("202425", 0.0)) for m in ["res_3851", "res_52"]}
    wb = _Frame("work_based_placements", la)
    pub.wbp = {m: float(_fill_count(wb, m, ["202425"], size_ratio).get("202425", 0.0))
               for m in ["open_apprentice", "open_supp_intern", "open_trainee"]}
    dm = _Frame("sen2_dmo_dco", la)
    codes = {"Yes": "Y", "No": "N", "Recruiting": "R"}
    for m, key in [("des_med_off", "DMO"), ("des_clin_off", "DCO"), ("des_so_care_off", "DSCO")]:
        r = dm.rows[(dm.rows["measure"] == m) & (dm.rows["area_code"] == code)]
        r = r[r["value_text"].isin(list(codes))].sort_values("time_period")
        if len(r):
            pub.dmo[key] = codes[r["value_text"].iloc[-1]]
    return pub
