"""Demand forecasts for counts (requests, EHC plans, placements) with an honest uncertainty band.

One pure function, `forecast_counts`. It refuses rather than guesses: a series shorter than 5 years or
24 months gives an empty frame and a reason, and the horizon is never more than a third of the series
(a forecast reaching further than the history behind it is not evidence a board should act on).

Annual series (what the pages forecast) use the method chosen on a rolling-origin backtest of every
council's published history (`indicators.backtest`, `python -m indicators backtest`):
* the point forecast is the last value plus the average annual change, taken as the mean of two slopes,
  the whole history's and the last three years' (a straight-line drift that leans on recent years; on
  the backtest it was as close as or closer than plain drift one year ahead for every forecast count,
  and closer than the damped-trend exponential smoothing it replaced);
* the band is empirical: the backtest's 2.5% and 97.5% quantiles of past errors at that horizon, each
  error measured in units of the council's own year-to-year variability (the standard deviation of
  its annual changes), so a council with an erratic history gets a wider band. The quantiles live in
  `forecast_backtest.json` beside this module, per indicator (`calibration`) or pooled over the forecast
  counts by default. A horizon the backtest could not test is not forecast.

Monthly series (statsmodels, maximum likelihood, no random starts, so the same series always gives the
same forecast):
* 24 to 35 points: ARIMA(0,1,1) with drift (fewer than three years cannot estimate a season);
* 36 points or more: the seasonal "airline" model, SARIMA(0,1,1)(0,1,1)12, which captures the
  school-year pattern in requests and plans.

The result has columns period, forecast, lower, upper, and in `.attrs`: `reason` (why it is empty, else
None), `note` (for example that the horizon was capped, else None), `method`, `horizon` (periods
forecast) and `level`. Counts cannot be negative, so forecast and bounds are floored at 0.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Mapping
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

MIN_ANNUAL = 5
MIN_MONTHLY = 24
SEASONAL_MONTHLY = 36
COLUMNS = ["period", "forecast", "lower", "upper"]
_MONTH_LABEL = re.compile(r"\d{4}-\d{2}")  # the engine's local monthly periods, e.g. "2024-03"
BACKTEST_FILE = Path(__file__).with_name("forecast_backtest.json")
RECENT_YEARS = 3  # the recent slope's span
ANNUAL_METHOD = ("the last figure plus the average yearly change (the mean of the whole history's and the last "
                 "three years'), with a range set by how far such forecasts missed in past years")


def forecast_counts(series: pd.Series, horizon: int, level: float = 0.95,
                    calibration: Mapping[str, Mapping[str, list[float]]] | None = None) -> pd.DataFrame:
    """Forecast the next `horizon` periods of an annual or monthly count series.

    `series`: index = years (int like 2024, or DfE academic years like 202324, as ints or text), months
    as "2024-03" text, or period start dates (a DatetimeIndex or PeriodIndex, monthly or yearly);
    values = counts. Future periods come back labelled the same way. Periods must be consecutive with
    no missing values. `calibration` (annual series only): the backtest's error quantiles, {level: {horizon:
    [lower, upper]}} as in `forecast_backtest.json`, by default those pooled over every forecast count.
    Returns the frame described in the module docstring; empty, with `attrs["reason"]`, when the series
    cannot support a forecast.
    """
    if not 0 < level < 1:
        raise ValueError("level must be between 0 and 1, e.g. 0.95")
    if int(horizon) < 1:
        return _empty("the horizon must be at least one period", level)
    month_text = len(series) > 0 and all(isinstance(x, str) and _MONTH_LABEL.fullmatch(x) for x in series.index)
    if month_text:
        series = series.set_axis(pd.PeriodIndex(list(series.index), freq="M"))
    series = series.sort_index()
    frequency, reason = _frequency(series.index)
    if reason:
        return _empty(reason, level)
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(values).any():
        return _empty("the series has missing values; fill or shorten it before forecasting", level)
    if (values < 0).any():
        return _empty("the series has negative counts", level)

    n = len(values)
    minimum = MIN_ANNUAL if frequency == "annual" else MIN_MONTHLY
    unit = "years" if frequency == "annual" else "months"
    if n < minimum:
        return _empty(f"too short to forecast: {n} {unit} of data, at least {minimum} needed", level)

    cap = n // 3  # never reach further ahead than a third of the history
    steps = min(int(horizon), cap)
    note = (f"horizon capped at {_count(steps, unit)} (a third of the {n} {unit} of data); {int(horizon)} were asked"
            if steps < int(horizon) else None)
    bands: Mapping[str, list[float]] = {}
    if frequency == "annual":
        bands = (calibration if calibration is not None else backtest()["pooled"]).get(f"{level:g}", {})
        if not bands:
            return _empty(f"no backtested band at the {level:.0%} level", level)
        tested = max(int(h) for h in bands)
        if steps > tested:
            steps = tested
            note = (f"horizon capped at {_count(steps, unit)}: the backtest on past years could test forecasts only "
                    f"that far ahead; {int(horizon)} were asked")

    try:
        if frequency == "annual":
            mean = trend_point(values, steps)
            spread = change_scale(values)
            quantiles = np.array([bands[str(h)] for h in range(1, steps + 1)], dtype=float)
            lower, upper, method = mean + quantiles[:, 0] * spread, mean + quantiles[:, 1] * spread, ANNUAL_METHOD
        else:
            mean, lower, upper, method = _fit_and_predict(values, steps, level)
    except (ValueError, np.linalg.LinAlgError) as exc:  # a degenerate series the optimiser cannot handle
        return _empty(f"the model could not be fitted to this series ({exc})", level)
    if not (np.isfinite(mean).all() and np.isfinite(lower).all() and np.isfinite(upper).all()):
        return _empty("the model gave no finite forecast for this series", level)

    periods = _future_periods(series.index, frequency, steps)
    result = pd.DataFrame({
        "period": [str(p) for p in periods] if month_text else periods,
        "forecast": np.maximum(mean, 0.0),
        "lower": np.maximum(lower, 0.0),
        "upper": np.maximum(upper, 0.0),
    }, columns=COLUMNS)
    result.attrs.update(reason=None, note=note, method=method, horizon=steps, level=level)
    return result


def _count(n: int, unit: str) -> str:
    return f"{n} {unit[:-1] if n == 1 else unit}"


def _empty(reason: str, level: float) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=float) for c in COLUMNS})
    frame.attrs.update(reason=reason, note=None, method=None, horizon=0, level=level)
    return frame


def trend_point(values: np.ndarray, steps: int) -> np.ndarray:
    """The annual point forecast 1..steps years ahead, floored at 0: the last value plus, each year, the
    mean of the whole history's average annual change and the last three years' (needs 4 values or more)."""
    values = np.asarray(values, dtype=float)
    whole = (values[-1] - values[0]) / (len(values) - 1)
    recent = (values[-1] - values[-1 - RECENT_YEARS]) / RECENT_YEARS
    return np.maximum(values[-1] + (whole + recent) / 2 * np.arange(1, steps + 1), 0.0)


def change_scale(values: np.ndarray) -> float:
    """The unit backtested errors are measured in: the standard deviation of the annual changes, at least 1
    (a perfectly straight history still gets a band of a count or so)."""
    return max(float(np.std(np.diff(np.asarray(values, dtype=float)), ddof=1)), 1.0)


@cache
def backtest() -> dict:
    """The committed backtest (`python -m indicators backtest --write`): figures and band quantiles."""
    return json.loads(BACKTEST_FILE.read_text(encoding="utf-8"))


def _fit_and_predict(values: np.ndarray, steps: int, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """A monthly series' forecast and interval."""
    # Imported here so that importing the indicators package stays fast for pages that never forecast.
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    alpha = 1 - level
    n = len(values)
    with warnings.catch_warnings():
        # Convergence chatter on short series is expected; a failed fit surfaces as non-finite output.
        warnings.simplefilter("ignore")
        if n >= SEASONAL_MONTHLY:
            model = SARIMAX(values, order=(0, 1, 1), seasonal_order=(0, 1, 1, 12))
            method = "SARIMA(0,1,1)(0,1,1)12 (airline model)"
        else:
            model = SARIMAX(values, order=(0, 1, 1), trend="c")  # with d = 1 the constant is a drift
            method = "ARIMA(0,1,1) with drift"
        prediction = model.fit(disp=False).get_forecast(steps)
        interval = np.asarray(prediction.conf_int(alpha=alpha))
        return np.asarray(prediction.predicted_mean), interval[:, 0], interval[:, 1], method


def _frequency(index: pd.Index) -> tuple[str, str | None]:
    """("annual" | "monthly", None) or ("", reason)."""
    if len(index) == 0:
        return "", "the series is empty"
    if index.has_duplicates:
        return "", "the series has more than one value for a period"
    if isinstance(index, pd.PeriodIndex):
        index = index.to_timestamp()
    if isinstance(index, pd.DatetimeIndex):
        months = index.year * 12 + index.month
        steps = np.diff(np.asarray(months))
        if (steps == 12).all():
            return "annual", None
        if (steps == 1).all():
            return "monthly", None
        return "", "periods are not consecutive months or years (gaps or mixed spacing)"
    years = _years(index)
    if years is None:
        return "", "the index is neither years, months nor period start dates (quarters are not forecast)"
    if (np.diff(years) != 1).any():
        return "", "years are not consecutive (a year is missing)"
    return "annual", None


def _years(index: pd.Index) -> np.ndarray | None:
    """Start years from 2024-style or DfE 202324-style labels (ints or digit strings), else None."""
    try:
        labels = np.array([int(str(x)) for x in index])
    except ValueError:
        return None
    if ((labels >= 1900) & (labels <= 2200)).all():
        return labels
    starts, ends = labels // 100, labels % 100
    if ((starts >= 1900) & (starts <= 2200)).all() and ((starts + 1) % 100 == ends).all():
        return starts
    return None


def _future_periods(index: pd.Index, frequency: str, steps: int) -> list:
    """The next `steps` period labels, in the same form as the input's."""
    last = index[-1]
    ahead = range(1, steps + 1)
    if isinstance(index, pd.PeriodIndex):
        return [last + k for k in ahead]
    if isinstance(index, pd.DatetimeIndex):
        offset = pd.DateOffset(years=1) if frequency == "annual" else pd.DateOffset(months=1)
        return [last + offset * k for k in ahead]
    start = int(_years(index)[-1])
    academic = int(str(last)) > 2200
    labels = [(start + k) * 100 + (start + k + 1) % 100 if academic else start + k for k in ahead]
    return [str(x) for x in labels] if isinstance(last, str) else labels
