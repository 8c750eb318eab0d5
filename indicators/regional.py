"""Councils compared month by month from their own records: the regional view's figures.

For each council of a group, each regional indicator's local months (the catalogue's own local definition,
computed by an engine narrowed to that council, `Engine.for_council`) protected for the caller's tier in that
council, a 12-month figure, and the latest figure DfE published for the council beside them.

The 12-month figure ends at the council's latest *settled* month (ended, no statutory clock still running): a
month whose clocks still run is shown, flagged provisional, but never drives the ranking or the funnel plot.
For a flow (requests, plans issued, 20-week timeliness) it is the twelve months added up; for a snapshot
(caseload, placement share) the change over the twelve months. It is worked out from the protected months, so
it holds nothing the months do not already show: a suppressed month leaves it unknown.

    found = engine.regional({"E06000023": Audience.OFFICER, "E10000016": Audience.PUBLIC})
    found.summary   # one row per council and indicator
    found.months    # every month's figure per council and indicator
    funnel(found.summary)   # 20-week timeliness against 95% / 99.8% control limits round the pooled rate
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from indicators.benchmarks import Z95, Z998, control_limits
from indicators.vocabulary import TOTAL, Audience, Status, Unit

if TYPE_CHECKING:
    from indicators.engine import Engine

TIMELINESS = "ehcp_issued_20wk"
INDICATORS = (TIMELINESS, "ehcp_requests", "ehcp_new_plans", "ehcp_caseload", "ehcp_independent_special")
SUMMARY_COLUMNS = ["council", "council_name", "indicator", "audience", "unit", "window_first", "window_last",
                   "window_kind", "window_numerator", "window_denominator", "window_value", "settled_value",
                   "published_period", "published_value"]
MONTH_COLUMNS = ["council", "council_name", "indicator", "audience", "period", "numerator", "denominator", "value",
                 "status", "provisional"]


@dataclass(frozen=True)
class Regional:
    councils: tuple[str, ...]
    audiences: dict[str, Audience]
    summary: pd.DataFrame = field(repr=False)
    months: pd.DataFrame = field(repr=False)


def compare(engine: Engine, audiences: Mapping[str, Audience], indicator_ids: tuple[str, ...],
            through: str | None = None) -> Regional:
    """through: a month (`2024-04`) to end the twelve months at instead of the latest settled one, when earlier."""
    summaries, months = [], []
    published = {i: _latest_published(engine, engine.indicator(i)) for i in indicator_ids}
    for code, audience in audiences.items():
        audience = Audience(audience)
        council = engine.for_council(code)  # refuses a council the warehouse does not hold
        for indicator_id in indicator_ids:
            indicator = engine.indicator(indicator_id)
            result = council.result(indicator_id, council.local_area, audience, source="local", monthly=True,
                                    official=False)
            rows = result.frame[result.frame["breakdown"] == TOTAL].sort_values("period").reset_index(drop=True)
            last = _last_settled(council, rows, through)
            base = {"council": council.local_area, "council_name": engine.area_name(council.local_area),
                    "indicator": indicator_id, "audience": audience.value}
            months.append(rows.assign(**base)[MONTH_COLUMNS])
            period, value = published[indicator_id].get(council.local_area, (None, None))
            summaries.append({**base, **_twelve_months(indicator, rows, last),
                              "published_period": period, "published_value": value})
    summary = pd.DataFrame(summaries, columns=SUMMARY_COLUMNS)
    month_frame = pd.concat(months, ignore_index=True) if months else pd.DataFrame(columns=MONTH_COLUMNS)
    return Regional(tuple(audiences), {k: Audience(v) for k, v in audiences.items()}, summary, month_frame)


def _number(value) -> float | None:
    number = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(number) else float(number)


def _window(last: str) -> list[str]:
    end = pd.Period(last, freq="M")
    return [str(end - k) for k in range(11, -1, -1)]


def _last_settled(council: Engine, rows: pd.DataFrame, through: str | None) -> str:
    """The latest month ended by the council's reference date and before any month whose clocks still run
    (a month without figures, say no requests, is settled once it has ended)."""
    reference = pd.Period(council.reference_date, freq="M")
    ended = reference if council.reference_date == reference.end_time.date() else reference - 1
    running = rows.loc[rows["provisional"].astype(bool), "period"]
    if len(running):
        ended = min(ended, pd.Period(min(running), freq="M") - 1)
    if through:
        ended = min(ended, pd.Period(through, freq="M"))
    return str(ended)


def _twelve_months(indicator, rows: pd.DataFrame, last: str) -> dict:
    unit = indicator.definition.unit
    out: dict = {"unit": unit.value, "window_first": None, "window_last": None, "window_kind": None,
                 "window_numerator": None, "window_denominator": None, "window_value": None, "settled_value": None}
    if rows.empty:
        return out
    window = _window(last)
    by_month = rows.set_index("period")
    shown = by_month["status"] == Status.VALUE.value
    flow_count = indicator.local.granularity != "census" and unit is Unit.COUNT
    out.update(window_first=window[0], window_last=last,
               settled_value=_number(by_month.at[last, "value"]) if shown.get(last, False)
               else 0.0 if flow_count and last not in by_month.index else None)  # a month without rows: none
    places = indicator.decimal_places
    if indicator.local.granularity == "census":  # a snapshot: how far it moved in the twelve months
        out["window_kind"] = "growth" if unit is Unit.COUNT else "change"
        before, now = (_number(by_month.at[p, "value"]) if shown.get(p, False) else None for p in (window[0], last))
        if before is None or now is None:
            return out
        out["window_numerator"], out["window_denominator"] = now, before
        if unit is Unit.COUNT:
            out["window_value"] = round(100 * (now - before) / before, 1) if before else None
        else:
            out["window_value"] = round(now - before, places)
        return out
    out["window_kind"] = "sum"
    inside = rows[rows["period"].isin(window)]
    if not (inside["status"] == Status.VALUE.value).all() or inside["numerator"].isna().any():
        return out  # a month suppressed: the twelve months' figure cannot be known from what is shown
    numerator = float(inside["numerator"].sum())
    out["window_numerator"] = numerator
    if unit is Unit.COUNT:
        out["window_value"] = numerator
        return out
    if inside["denominator"].isna().any():
        return out
    denominator = float(inside["denominator"].sum())
    out["window_denominator"] = denominator
    out["window_value"] = round(100 * numerator / denominator, places) if denominator else None
    return out


def _latest_published(engine: Engine, indicator) -> dict[str, tuple[str, float | None]]:
    """Each council's latest figure DfE published (public, as published): council -> (period, value)."""
    if not indicator.national:
        return {}
    from indicators.engine import _period_key

    frame = engine._frame(indicator, "national", TOTAL, False)
    rows = frame[(frame["breakdown"] == TOTAL) & (frame["status"] == Status.VALUE.value)]
    rows = rows.assign(_order=rows["period"].map(_period_key)).sort_values("_order", kind="stable")
    latest = rows.drop_duplicates("area_code", keep="last")
    return {area: (str(period), _number(value))
            for area, period, value in zip(latest["area_code"], latest["period"], latest["value"], strict=True)}


def ranked(summary: pd.DataFrame, indicator_id: str = TIMELINESS, *, high_is_good: bool = True) -> pd.DataFrame:
    """One indicator's rows ranked by the 12-month figure (1 is best; councils without one last, unranked)."""
    rows = summary[summary["indicator"] == indicator_id].copy()
    values = pd.to_numeric(rows["window_value"], errors="coerce")
    rows["rank"] = values.rank(ascending=not high_is_good, method="min").astype("Int64")
    return rows.assign(_v=values).sort_values(["_v", "council_name"], ascending=[not high_is_good, True],
                                               na_position="last").drop(columns="_v").reset_index(drop=True)


def funnel(summary: pd.DataFrame, indicator_id: str = TIMELINESS) -> tuple[pd.DataFrame, float | None]:
    """Each council's 12-month rate against control limits round the group's pooled rate for its denominator
    (`benchmarks.control_limits`: 95% and 99.8%), labelled within / above / below the 95% limits (and
    whether beyond the 99.8% ones). Councils whose figure is suppressed are left out. (points, pooled %)."""
    rows = summary[summary["indicator"] == indicator_id]
    rows = rows[pd.to_numeric(rows["window_denominator"], errors="coerce") > 0]
    rows = rows[pd.to_numeric(rows["window_numerator"], errors="coerce").notna()]
    if rows.empty:
        return pd.DataFrame(columns=["council", "council_name", "numerator", "denominator", "value", "lower95",
                                     "upper95", "lower998", "upper998", "position", "beyond998"]), None
    n = rows["window_denominator"].to_numpy(dtype=float)
    x = rows["window_numerator"].to_numpy(dtype=float)
    pooled = float(x.sum() / n.sum())
    lo95, hi95 = control_limits(pooled, n, Z95)
    lo998, hi998 = control_limits(pooled, n, Z998)
    rate = x / n
    points = pd.DataFrame({
        "council": rows["council"].to_numpy(), "council_name": rows["council_name"].to_numpy(), "numerator": x,
        "denominator": n, "value": 100 * rate, "lower95": 100 * lo95, "upper95": 100 * hi95,
        "lower998": 100 * lo998, "upper998": 100 * hi998,
        "position": np.where(rate > hi95, "above", np.where(rate < lo95, "below", "within")),
        "beyond998": (rate > hi998) | (rate < lo998)})
    return points, 100 * pooled
