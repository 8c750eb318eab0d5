"""Plausible synthetic values for every local-only measure in local_measures.yaml.

Each series has an LA-specific level (scaled to the LA's size), a gentle trend and noise, over at least
three years before the reference date, at the measure's natural frequency.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from data.synth import dates as D

CATALOGUE = Path(__file__).with_name("local_measures.yaml")
COLUMNS = ["measure_code", "period", "period_type", "area_code", "breakdown", "breakdown_value", "numerator",
           "denominator", "value", "unit", "source", "synthetic"]


@cache
def catalogue() -> list[dict]:
    with open(CATALOGUE, encoding="utf-8") as f:
        return yaml.safe_load(f)["measures"]


def _periods(period_type: str, ref: int) -> list[tuple[str, float]]:
    """(label, time in years since 2022) for every complete period from 2022 up to the reference date."""
    ref_d = D.to_date(ref)
    out = []
    if period_type == "month":
        y, m = 2022, 1
        while (y, m) < (ref_d.year, ref_d.month):
            out.append((f"{y}-{m:02d}", (y - 2022) + (m - 1) / 12))
            m += 1
            if m == 13:
                y, m = y + 1, 1
    elif period_type == "quarter":
        y, q = 2022, 1
        while D.day(y, 3 * q, 28) < ref:
            if D.day(y, 3 * q, 1) + 31 <= ref:
                out.append((f"{y}-Q{q}", (y - 2022) + (q - 1) / 4))
            q += 1
            if q == 5:
                y, q = y + 1, 1
    elif period_type == "financial_year":
        for y in range(2021, ref_d.year + 1):
            if D.day(y + 1, 3, 31) <= ref:
                out.append((f"{y}-{(y + 1) % 100:02d}", y - 2022 + 0.5))
    elif period_type == "academic_year":
        for y in range(2021, ref_d.year + 1):
            if D.day(y + 1, 7, 31) <= ref:
                out.append((f"{y}/{(y + 1) % 100:02d}", y - 2022 + 0.5))
    else:  # calendar_year
        for y in range(2021, ref_d.year + 1):
            if D.day(y, 12, 31) <= ref:
                out.append((str(y), y - 2022))
    return out


def build(la: dict, ref: int, caseload: int, pop_0_25: int, ward_codes: np.ndarray, ward_pop: np.ndarray,
          lac_with_plan: int, rng: np.random.Generator) -> pd.DataFrame:
    code = la["new_la_code"]
    size = caseload / 1000.0  # thousands of plans
    rows = []

    def series(mcode, level, trend, noise, unit, ptype, lo, hi, breakdown="", bvalue="", denom=None,
               integer=False, source="Synthetic partner return"):
        for label, tt in _periods(ptype, ref):
            v = level * (1 + trend) ** tt * (1 + rng.normal(0, noise))
            v = float(np.clip(v, lo, hi))
            num = den = ""
            if unit == "percent" and denom:
                den = int(max(1, round(denom * (1 + trend / 2) ** tt)))
                num = int(round(v / 100 * den))
                v = round(100 * num / den, 1)
            elif unit == "count" or integer:
                v = int(round(v))
                num = v
            else:
                v = round(v, 2 if unit == "mean_score" else 1)
            rows.append({"measure_code": mcode, "period": label, "period_type": ptype, "area_code": code,
                         "breakdown": breakdown, "breakdown_value": bvalue, "numerator": num,
                         "denominator": den, "value": v, "unit": unit, "source": source, "synthetic": 1})

    lvl = rng.uniform
    series("nhs_notifications_0_5", 12 * size * lvl(0.7, 1.3), 0.06, 0.15, "count", "quarter", 0, 2000)
    for phase, base in (("Primary", 86), ("Secondary", 78), ("Early years", 72)):
        series("graduated_approach_pc", base * lvl(0.9, 1.05), 0.02, 0.03, "percent", "academic_year", 40, 100,
               "phase", phase, denom=max(5, 40 * size))
    series("graduated_approach_pc", 82 * lvl(0.9, 1.05), 0.02, 0.02, "percent", "academic_year", 40, 100,
           denom=max(10, 120 * size))
    series("lac_review_aligned_pc", 62 * lvl(0.8, 1.2), 0.04, 0.06, "percent", "quarter", 20, 100,
           denom=max(5, lac_with_plan))
    series("families_listened_pc", 68 * lvl(0.85, 1.15), 0.03, 0.05, "percent", "quarter", 40, 100,
           denom=max(10, 0.12 * caseload))
    series("pcf_coproduction_rating", 3.1 * lvl(0.85, 1.15), 0.04, 0.05, "mean_score", "financial_year", 1, 5)
    series("local_offer_good_pc", 48 * lvl(0.8, 1.2), 0.04, 0.07, "percent", "quarter", 20, 95,
           denom=max(20, 60 * size))
    for partner in ("Local authority", "NHS", "Schools", "Parent carer forum"):
        series("relationships_360_score", 3.3 * lvl(0.85, 1.15), 0.03, 0.05, "mean_score", "financial_year", 1, 5,
               "partner", partner)
    for ptype, base in (("Children's homes", 80), ("Domiciliary care", 85), ("NHS community services", 78),
                        ("NHS mental health services", 72)):
        series("providers_good_pc", base * lvl(0.9, 1.08), 0.01, 0.03, "percent", "quarter", 40, 100,
               "provider_type", ptype, denom=max(4, 6 * size))
    series("settings_special_measures", max(0.5, 0.6 * size) * lvl(0.5, 1.5), -0.05, 0.25, "count", "quarter", 0, 30)
    series("personal_health_budgets", 9 * size * lvl(0.6, 1.4), 0.08, 0.06, "count", "quarter", 0, 1000)
    series("early_help_send", 95 * size * lvl(0.7, 1.3), 0.05, 0.06, "count", "quarter", 0, 5000)
    series("yot_send_caseload", 6 * size * lvl(0.6, 1.4), -0.02, 0.12, "count", "quarter", 0, 500)
    for band, base in (("0-18", 5.5), ("18-25", 4.0)):
        series("risk_register", base * size * lvl(0.7, 1.3), 0.04, 0.08, "count", "month", 0, 400, "age_band", band)
    series("continuing_care", 4.5 * size * lvl(0.7, 1.3), 0.03, 0.06, "count", "quarter", 0, 500)
    series("camhs_caseload_sen", 70 * size * lvl(0.7, 1.3), 0.07, 0.05, "count", "month", 0, 5000)
    series("camhs_wait_weeks", 14 * lvl(0.7, 1.5), 0.06, 0.1, "weeks", "month", 1, 60)
    for cond, base in (("Mental health", 42), ("Diabetes", 9), ("Asthma", 18), ("Epilepsy", 7)):
        series("hospital_admissions", base * lvl(0.8, 1.25), -0.01, 0.06, "rate_per_10000", "financial_year",
               0, 200, "condition", cond)
    series("short_breaks", 160 * size * lvl(0.7, 1.3), 0.03, 0.05, "count", "quarter", 0, 5000)
    series("young_carers", 0.009 * pop_0_25 * lvl(0.6, 1.4), 0.05, 0.05, "count", "quarter", 0, 5000)
    series("gp_ld_register", 0.0055 * pop_0_25 * lvl(0.8, 1.2), 0.04, 0.02, "count", "financial_year", 0, 10000)
    series("ld_health_checks_pc", 72 * lvl(0.85, 1.12), 0.03, 0.04, "percent", "financial_year", 20, 100,
           denom=max(10, 0.0055 * pop_0_25))
    series("leisure_participation_pc", 52 * lvl(0.8, 1.2), 0.02, 0.06, "percent", "academic_year", 20, 95,
           denom=max(20, 0.05 * caseload))
    series("parent_confidence_pc", 45 * lvl(0.8, 1.2), 0.03, 0.06, "percent", "academic_year", 20, 95,
           denom=max(20, 0.05 * caseload))
    series("adults_ld_settled_pc", 80 * lvl(0.9, 1.1), 0.005, 0.02, "percent", "financial_year", 50, 100,
           denom=max(20, 0.004 * pop_0_25))
    series("neet_16_17_send_pc", 8.5 * lvl(0.7, 1.4), -0.03, 0.08, "percent", "month", 1, 30,
           denom=max(20, 0.11 * caseload))
    # Attendance, exclusions and attainment by SEN status (DfE publishes these by LA, but the bundle lacks them):
    # the total row is pupils with SEND (EHC plan or SEN support); the breakdown adds each status and no SEN.
    pupils_ehc = max(20, 0.85 * caseload)
    status_pupils = {"EHC plan": pupils_ehc, "SEN support": 2.7 * pupils_ehc, "No SEN": 16 * pupils_ehc}
    for mcode, levels, cohort, lo, hi in (
        ("absence_send_pc", {"EHC plan": 10.5, "SEN support": 9.0, "No SEN": 6.1, "": 9.4}, 1, 2, 25),
        ("persistent_absence_send_pc", {"EHC plan": 32, "SEN support": 28, "No SEN": 17, "": 29}, 1, 5, 60),
        ("suspensions_send_rate", {"EHC plan": 15, "SEN support": 20, "No SEN": 4, "": 18.5}, 1, 0, 60),
        ("ks1_expected_send_pc", {"EHC plan": 9, "SEN support": 23, "No SEN": 66, "": 19}, 13, 0, 100),
        ("ks4_grade5_em_send_pc", {"EHC plan": 7, "SEN support": 18, "No SEN": 52, "": 15}, 13, 0, 100),
        ("ks5_destinations_send_pc", {"EHC plan": 80, "SEN support": 84, "No SEN": 90, "": 83}, 13, 40, 100),
    ):
        shared = lvl(0.85, 1.15)  # one area effect for every status, so the gaps stay realistic
        for status, base in levels.items():
            pupils = (status_pupils[status] if status else status_pupils["EHC plan"] + status_pupils["SEN support"])
            series(mcode, base * shared, -0.01, 0.03, "percent", "academic_year", lo, hi,
                   "sen_status" if status else "", status, denom=max(10, pupils / cohort))
    # Population 0–25: the LA and each ward, calendar years (mid-year estimate style).
    for label, tt in _periods("calendar_year", ref):
        growth = (1.004) ** tt
        total = int(round(pop_0_25 * growth))
        rows.append({"measure_code": "population_0_25", "period": label, "period_type": "calendar_year",
                     "area_code": code, "breakdown": "", "breakdown_value": "", "numerator": total,
                     "denominator": "", "value": total, "unit": "count",
                     "source": "Synthetic population estimate", "synthetic": 1})
        ward_vals = np.floor(ward_pop * total).astype(int)
        ward_vals[: total - ward_vals.sum()] += 1
        for wc, v in zip(ward_codes, ward_vals, strict=True):
            rows.append({"measure_code": "population_0_25", "period": label, "period_type": "calendar_year",
                         "area_code": wc, "breakdown": "ward", "breakdown_value": wc, "numerator": int(v),
                         "denominator": "", "value": int(v), "unit": "count",
                         "source": "Synthetic population estimate", "synthetic": 1})
    return pd.DataFrame(rows, columns=COLUMNS)
