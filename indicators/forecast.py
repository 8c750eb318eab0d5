"""Demand forecasts for counts (requests, EHC plans, placements) with an honest uncertainty band.

One pure function, `forecast_counts`. It refuses rather than guesses: a series shorter than 5 years or
24 months gives an empty frame and a reason, and the horizon is never more than a third of the series
(a forecast reaching further than the history behind it is not evidence a board should act on).

Models (statsmodels, maximum likelihood, no random starts, so the same series always gives the same
forecast):
* annual: exponential smoothing with an additive damped trend (ETS(A,Ad,N)); damping stops a few recent
  years of growth being projected as growth for ever, the usual failing of straight-line demand
  projections;
* monthly, 24 to 35 points: ARIMA(0,1,1) with drift (fewer than three years cannot estimate a season);
* monthly, 36 points or more: the seasonal "airline" model, SARIMA(0,1,1)(0,1,1)12, which captures the
  school-year pattern in requests and plans.

The result has columns period, forecast, lower, upper, and in `.attrs`: `reason` (why it is empty, else
None), `note` (for example that the horizon was capped, else None), `method`, `horizon` (periods
forecast) and `level`. Counts cannot be negative, so forecast and bounds are floored at 0.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

MIN_ANNUAL = 5
MIN_MONTHLY = 24
SEASONAL_MONTHLY = 36
COLUMNS = ["period", "forecast", "lower", "upper"]
_MONTH_LABEL = re.compile(r"\d{4}-\d{2}")  # the engine's local monthly periods, e.g. "2024-03"


def forecast_counts(series: pd.Series, horizon: int, level: float = 0.95) -> pd.DataFrame:
    """Forecast the next `horizon` periods of an annual or monthly count series.

    `series`: index = years (int like 2024, or DfE academic years like 202324, as ints or text), months
    as "2024-03" text, or period start dates (a DatetimeIndex or PeriodIndex, monthly or yearly);
    values = counts. Future periods come back labelled the same way. Periods must be consecutive with
    no missing values. Returns the frame described in the module docstring; empty, with `attrs["reason"]`,
    when the series cannot support a forecast.
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
    note = (f"horizon capped at {steps} {unit} (a third of the {n} {unit} of data); {int(horizon)} were asked"
            if steps < int(horizon) else None)

    try:
        mean, lower, upper, method = _fit_and_predict(values, frequency, steps, level)
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


def _empty(reason: str, level: float) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=float) for c in COLUMNS})
    frame.attrs.update(reason=reason, note=None, method=None, horizon=0, level=level)
    return frame


def _fit_and_predict(values: np.ndarray, frequency: str, steps: int,
                     level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    # Imported here so that importing the indicators package stays fast for pages that never forecast.
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    alpha = 1 - level
    n = len(values)
    with warnings.catch_warnings():
        # Convergence chatter on short series is expected; a failed fit surfaces as non-finite output.
        warnings.simplefilter("ignore")
        if frequency == "annual":
            # A Series on a plain RangeIndex: ETS prediction needs an index, and not the caller's labels.
            fit = ETSModel(pd.Series(values), error="add", trend="add", damped_trend=True).fit(disp=False)
            frame = fit.get_prediction(start=n, end=n + steps - 1).summary_frame(alpha=alpha)
            return (frame["mean"].to_numpy(), frame["pi_lower"].to_numpy(), frame["pi_upper"].to_numpy(),
                    "ETS(A,Ad,N): exponential smoothing with additive damped trend")
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
