"""The periods the statutory-timescale tracker offers, each a key a link can carry and the days it covers.

    month:YYYY-MM   each of the 12 calendar months ending with the reference date's month (that month only up
                    to the reference date)
    rolling-3       the 3 months ending on the reference date (from the day after the same date 3 months before)
    rolling-12      the 12 months ending on the reference date
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

MONTHS = 12
ROLLING = {"rolling-3": 3, "rolling-12": 12}
DEFAULT = "rolling-12"


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    first: date
    last: date


def _months(reference_date: date) -> list[pd.Period]:
    """The 12 calendar months ending with the reference date's, oldest first."""
    this = pd.Period(reference_date, freq="M")
    return [this - n for n in range(MONTHS - 1, -1, -1)]


def periods(reference_date: date) -> list[Period]:
    """Every period offered on `reference_date`: the rolling ones first, then the months, newest first."""
    out = []
    for key, months in ROLLING.items():
        first = (pd.Timestamp(reference_date) - pd.DateOffset(months=months) + timedelta(days=1)).date()
        out.append(Period(key, f"{months} months to {reference_date:%-d %B %Y}", first, reference_date))
    for month in reversed(_months(reference_date)):
        last = min(month.end_time.date(), reference_date)
        label = f"{month.start_time:%B %Y}" + (f" (to {reference_date:%-d %B})" if last < month.end_time.date()
                                                 else "")
        out.append(Period(f"month:{month.strftime('%Y-%m')}", label, month.start_time.date(), last))
    return out


def period(key: str, reference_date: date) -> Period | None:
    """The period `key` names on `reference_date`, or None when it is not one offered."""
    return next((p for p in periods(reference_date) if p.key == key), None)


def chart_months(reference_date: date) -> list[str]:
    """The months of the throughput chart ('YYYY-MM', oldest first): the 12 months the choices offer."""
    return [m.strftime("%Y-%m") for m in _months(reference_date)]
