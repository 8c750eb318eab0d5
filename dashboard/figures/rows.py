"""Engine rows and indicator metadata as every figure reads them: `Meta`, the result frame, period order,
the all-children series and one breakdown's rows."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from indicators.catalogue import Indicator
from indicators.results import Row, Shown

TOTAL = "Total"
COLUMNS = ["period", "area_code", "area_name", "breakdown", "breakdown_value", "numerator", "denominator",
           "value", "status"]


@dataclass(frozen=True)
class Meta:
    """The few facts about an indicator a figure needs."""

    id: str
    title: str
    short_title: str
    unit: str
    places: int
    polarity: str

    @property
    def high_is_good(self) -> bool:
        return self.polarity == "high_is_good"

    @property
    def low_is_good(self) -> bool:
        return self.polarity == "low_is_good"

    @property
    def judged(self) -> bool:
        return self.polarity in ("high_is_good", "low_is_good")


def meta(indicator: Indicator | Meta | None) -> Meta:
    """`Meta` from a catalogue `Indicator` (`Engine.show().indicator`), a `Meta`, or None (a neutral default)."""
    if isinstance(indicator, Meta):
        return indicator
    if indicator is None:
        return Meta("", "Figure", "Figure", "count", 0, "no_judgement")
    return Meta(indicator.id, indicator.title, indicator.short_title, indicator.definition.unit.value,
                indicator.decimal_places, indicator.polarity.value)


_MADE: OrderedDict[int, tuple[tuple, dict[str, pd.DataFrame]]] = OrderedDict()  # recent answers' rows, as frames
_MADE_LOCK = threading.Lock()
_MADE_KEPT = 256


def _once(kind: str, rows: tuple, make) -> pd.DataFrame:
    """`make(rows)` for an answer's (immutable) rows, made once per kind and handed out as copies: a page draws
    several charts, titles, summaries and tables from the same rows."""
    with _MADE_LOCK:
        kept = _MADE.get(id(rows))
        if kept is not None and kept[0] is rows and kind in kept[1]:  # the entry holds the rows: id not reused
            _MADE.move_to_end(id(rows))
            return kept[1][kind].copy(deep=False)
    made = make(rows)
    with _MADE_LOCK:
        kept = _MADE.get(id(rows))
        if kept is None or kept[0] is not rows:
            kept = _MADE[id(rows)] = (rows, {})
        kept[1][kind] = made
        while len(_MADE) > _MADE_KEPT:
            _MADE.popitem(last=False)
    return made.copy(deep=False)


def frame(rows: Shown | Iterable[Row | Mapping[str, Any]] | pd.DataFrame | None) -> pd.DataFrame:
    """Engine rows as a DataFrame (see `_frame`), made once for an answer's rows."""
    if isinstance(rows, Shown):
        rows = rows.rows
    return _once("frame", rows, _frame) if isinstance(rows, tuple) else _frame(rows)


def _frame(rows: Iterable[Row | Mapping[str, Any]] | pd.DataFrame | None) -> pd.DataFrame:
    """Engine rows as a DataFrame with every result column: from `show()`'s answer, its `rows` (or rows made by
    hand as records), or a frame.

    `value` is a float that is NaN wherever the status is not `value` (a suppressed figure is never a number
    here, whatever the input says); `status` is always a string (`value` when the input had none).
    """
    # A Row's fields are plain values: its __dict__ is its model_dump, twenty times cheaper (Kent's breakdowns
    # are thousands of rows, and a page makes several frames).
    df = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(
        [r.__dict__ if isinstance(r, Row) else r for r in rows or []])
    for column in COLUMNS:
        if column not in df.columns:
            df[column] = TOTAL if column in ("breakdown", "breakdown_value") else None
    df = df[COLUMNS + [c for c in df.columns if c not in COLUMNS]].copy()
    for column in ("numerator", "denominator", "value"):
        df[column] = pd.to_numeric(df[column], errors="coerce").astype(float)
    status = df["status"].astype(object).where(df["status"].notna(), None)
    status = status.map(lambda s: "value" if s is None or (isinstance(s, float) and math.isnan(s)) else str(s))
    status = status.where(~((status == "value") & df["value"].isna()), "x")
    df["status"] = status.astype(object)
    df.loc[df["status"] != "value", "value"] = np.nan
    for column in ("period", "area_code", "area_name", "breakdown", "breakdown_value"):
        df[column] = df[column].map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    # a period whose statutory clocks are still running (the engine's `provisional`)
    df["provisional"] = (df["provisional"].map(lambda v: v is True or v == 1) if "provisional" in df
                         else pd.Series(False, index=df.index)).astype(bool)
    return df.reset_index(drop=True)


def period_key(period: str) -> tuple:
    """Sorts period codes by the numbers in them (2024-03 before 2024-11 before 2025-01), then as text."""
    text = str(period)
    digits = "".join(ch if ch.isdigit() else " " for ch in text).split()
    return tuple(int(d) for d in digits) or (0,), text


def sorted_periods(periods: Iterable[str]) -> list[str]:
    """The distinct, non-empty periods in time order."""
    return sorted({str(p) for p in periods if str(p)}, key=period_key)


def total_rows(rows: Any) -> pd.DataFrame:
    """The all-children series: one row a period, in time order."""
    if isinstance(rows, Shown):
        rows = rows.rows
    return _once("totals", rows, _total_rows) if isinstance(rows, tuple) else _total_rows(rows)


def _total_rows(rows: Any) -> pd.DataFrame:
    if not isinstance(rows, pd.DataFrame):  # the all-children rows are a few among thousands: pick them first
        rows = [r for r in rows or [] if _is_total(_breakdown_of(r))]
    df = frame(rows)
    df = df[(df["breakdown"] == TOTAL) | (df["breakdown"] == "")]
    df = df.drop_duplicates("period", keep="first")
    order = {p: i for i, p in enumerate(sorted_periods(df["period"]))}
    return df.assign(_order=df["period"].map(order)).sort_values("_order").drop(columns="_order").reset_index(drop=True)


def _breakdown_of(row: Row | Mapping[str, Any]) -> Any:
    return row.breakdown if isinstance(row, Row) else row.get("breakdown", TOTAL)


def _is_total(breakdown: Any) -> bool:
    """As `_frame` reads a breakdown: missing (None or NaN) and empty are the all-children rows too."""
    return breakdown is None or breakdown != breakdown or breakdown in (TOTAL, "")


def area_name_of(df: pd.DataFrame, fallback: str = "This area") -> str:
    """The first area name in the rows, or `fallback`."""
    names = [n for n in df.get("area_name", pd.Series(dtype=object)) if n]
    return names[0] if names else fallback


def _latest_period(df: pd.DataFrame) -> str | None:
    """The latest period with figures, settled ones first (a provisional period is never the default)."""
    valued = df[df["value"].notna() & ~df["provisional"]]
    valued = valued if len(valued) else df[df["value"].notna()]
    periods = sorted_periods((valued if len(valued) else df)["period"])
    return periods[-1] if periods else None


def breakdown_rows(rows: Any, breakdown: str, period: str | None) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    """(the groups of `breakdown`, the all-children row, the period) for `period`, or the latest with figures."""
    df = frame(rows)
    part = df[(df["breakdown"] == breakdown) & (df["breakdown_value"] != TOTAL)]
    period = period if period is not None else _latest_period(part)
    part = part[part["period"] == str(period)] if period is not None else part.iloc[0:0]
    total = df[(df["breakdown"] == TOTAL) & (df["period"] == str(period))]
    return part.reset_index(drop=True), total.reset_index(drop=True), period


def sort_best_first(items: list[dict[str, Any]], m: Meta, key: str = "value") -> list[dict[str, Any]]:
    """Items best first by polarity (highest first with no judgement), ties by name; items without a value last."""
    valued = [e for e in items if e[key] is not None]
    missing = [e for e in items if e[key] is None]
    valued.sort(key=lambda e: (e[key] if m.low_is_good else -e[key], e.get("name", "")))
    return valued + missing
