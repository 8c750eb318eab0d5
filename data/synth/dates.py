"""Dates as int32 day numbers (days since 1970-01-01) so every step stays vectorised.

NA (-1) marks a missing date; every date the generator makes is after 1980, so -1 is never a real one.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

NA = -1
_EPOCH = dt.date(1970, 1, 1)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TABLE_END = 30000  # 2052-02-20: lookup tables for formatting cover every day up to this


def day(y: int, m: int = 1, d: int = 1) -> int:
    return (dt.date(y, m, d) - _EPOCH).days


def from_iso(text: str | dt.date) -> int:
    if isinstance(text, dt.date):
        return (text - _EPOCH).days
    return (dt.date.fromisoformat(str(text)) - _EPOCH).days


def to_date(n: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(n))


def census_date(year: int) -> int:
    """The SEN2 / school census date: the third Thursday of January (2019-01-17 … 2026-01-15)."""
    first = dt.date(year, 1, 1)
    offset = (3 - first.weekday()) % 7  # Thursday is weekday 3
    return (first + dt.timedelta(days=offset + 14) - _EPOCH).days


def years(days: np.ndarray) -> np.ndarray:
    """Calendar year of each day number (NA stays -1)."""
    out = days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    return np.where(days == NA, -1, out)


def months(days: np.ndarray) -> np.ndarray:
    """Month 1–12 of each day number."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12 + 1


def add_years(days: np.ndarray, n) -> np.ndarray:
    """Same day and month n years later (29 Feb becomes 28 Feb)."""
    d = days.astype("datetime64[D]")
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    month_in_year = (m - y.astype("datetime64[M]")).astype(np.int64)
    dom = (d - m.astype("datetime64[D]")).astype(np.int64)
    ny = y + np.asarray(n).astype("timedelta64[Y]")
    nm = ny.astype("datetime64[M]") + month_in_year.astype("timedelta64[M]")
    next_m = (nm + np.timedelta64(1, "M")).astype("datetime64[D]")
    last_dom = (next_m - nm.astype("datetime64[D]")).astype(np.int64) - 1
    return (nm.astype("datetime64[D]") + np.minimum(dom, last_dom).astype("timedelta64[D]")).astype(np.int64)


def age_on(birth: np.ndarray, on) -> np.ndarray:
    """Whole years of age on a date (scalar or array)."""
    on = np.broadcast_to(np.asarray(on, dtype=np.int64), np.shape(birth))
    by, bm, bd = _ymd(birth)
    oy, om, od = _ymd(on)
    return oy - by - ((om < bm) | ((om == bm) & (od < bd))).astype(np.int64)


def age_at_aug31(birth: np.ndarray, on) -> np.ndarray:
    """Age on 31 August before the school year containing `on` (what sets the national curriculum year)."""
    on = np.broadcast_to(np.asarray(on, dtype=np.int64), np.shape(birth))
    oy, om, _ = _ymd(on)
    school_year_start = np.where(om >= 9, oy, oy - 1)
    by, bm, _ = _ymd(birth)
    # age on 31 August of school_year_start: birthdays from 1 Sep onwards have not yet happened
    return school_year_start - by - (bm >= 9).astype(np.int64)


def _ymd(days: np.ndarray):
    d = np.asarray(days).astype("datetime64[D]")
    y = d.astype("datetime64[Y]")
    m = d.astype("datetime64[M]")
    return (
        y.astype(np.int64) + 1970,
        (m - y.astype("datetime64[M]")).astype(np.int64) + 1,
        (d - m.astype("datetime64[D]")).astype(np.int64) + 1,
    )


def _tables():
    base = np.arange(_TABLE_END, dtype=np.int64)
    y, m, d = _ymd(base)
    iso = np.array([f"{a:04d}-{b:02d}-{c:02d}" for a, b, c in zip(y, m, d, strict=True)], dtype=object)
    collect = np.array(
        [f"{a:04d}-{_MONTHS[b - 1]}-{c:02d} 00:00:00" for a, b, c in zip(y, m, d, strict=True)], dtype=object
    )
    return iso, collect


_ISO = None
_COLLECT = None


def _ensure():
    global _ISO, _COLLECT
    if _ISO is None:
        _ISO, _COLLECT = _tables()


def fmt_iso(days: np.ndarray) -> np.ndarray:
    """YYYY-MM-DD strings, '' for NA."""
    _ensure()
    days = np.asarray(days, dtype=np.int64)
    out = _ISO[np.clip(days, 0, _TABLE_END - 1)]
    return np.where(days == NA, "", out)


def fmt_collect(days: np.ndarray) -> np.ndarray:
    """COLLECT-export style strings such as '2022-Sep-28 00:00:00', '' for NA."""
    _ensure()
    days = np.asarray(days, dtype=np.int64)
    out = _COLLECT[np.clip(days, 0, _TABLE_END - 1)]
    return np.where(days == NA, "", out)
