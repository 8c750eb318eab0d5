"""Rolling-origin backtest of the annual demand forecasts on every council's published history.

For each forecast count in the catalogue (`forecast: true`) and each council, the published series is read
through the engine (`source="national"`). From every origin T with at least five years up to it, the method
in `indicators.forecast` forecasts T+1, T+2 and T+3 (where published outcomes exist) and is compared with
what DfE then published; so is the drift baseline (last value plus the average annual change).

Each error is also measured in units of the council's own year-to-year variability (`forecast.change_scale`);
the quantiles of those scaled errors by horizon are the forecast's band (`calibrate`). The band's coverage is
cross-validated by council: each council's outcomes are checked against a band calibrated on the other
councils only, so no council's outcome widens the band that is judged on it.

`python -m indicators backtest` prints the table; with `--write` it also refreshes `forecast_backtest.json`,
which the engine reads (the pages state its figures beside each forecast, and the forecast uses its bands).
Everything is closed-form arithmetic on sorted input, so the same data always gives the same file.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from indicators.forecast import BACKTEST_FILE, MIN_ANNUAL, change_scale, trend_point

MAX_HORIZON = 3
MIN_TESTED = 100  # a horizon needs this many tested forecasts before it gets a band (and is forecast)
LEVELS = (0.8, 0.9, 0.95)
METHOD = "trend (mean of the whole-history and last-3-year slopes), backtested band"
BASELINE = "drift (last value + average annual change)"


def drift(values: Any, steps: int) -> np.ndarray:
    """The baseline: the last value plus, each year ahead, the average annual change over the whole series."""
    values = np.asarray(values, dtype=float)
    slope = (values[-1] - values[0]) / (len(values) - 1)
    return values[-1] + slope * np.arange(1, steps + 1)


def ape(actual: float, forecast: float) -> float:
    """Absolute percentage error, in percent of the outcome; NaN when the outcome is 0 (no percentage of 0)."""
    return float("nan") if actual == 0 else abs(forecast - actual) / abs(actual) * 100


def published_series(engine: Any, indicator_id: str) -> dict[str, pd.Series]:
    """{council code: its latest unbroken run of published annual figures since any series break}."""
    from indicators.vocabulary import TOTAL, Audience

    out = {}
    for area in sorted(a.code for a in engine.areas() if a.level == "Local authority"):
        result = engine.result(indicator_id, area, Audience.PUBLIC, source="national")
        frame = result.frame[result.frame["breakdown"] == TOTAL].sort_values("period")
        breaks = engine.series_breaks(result.indicator, result.area)
        if breaks:  # one definition only: the run since the last series break
            frame = frame[frame["period"] >= breaks[-1].period]
        run: list[tuple[str, float]] = []
        for period, value, status in zip(frame["period"], frame["value"], frame["status"], strict=True):
            usable = status == "value" and pd.notna(value)
            run = [*run, (str(period), float(value))] if usable else []  # a gap restarts the run
        if run:
            out[area] = pd.Series([v for _, v in run], index=[p for p, _ in run])
    return out


def errors(series: dict[str, pd.Series], max_horizon: int = MAX_HORIZON) -> pd.DataFrame:
    """Every tested forecast: council, origin (last year fitted), horizon, outcome, the method's and drift's
    forecasts, their APEs, and the method's error in units of the council's variability (`z`)."""
    rows = []
    for area, values in sorted(series.items()):
        y = values.to_numpy(dtype=float)
        for fitted in range(MIN_ANNUAL, len(y)):
            steps = min(max_horizon, len(y) - fitted)
            history = y[:fitted]
            point, base, scale = trend_point(history, steps), drift(history, steps), change_scale(history)
            for h in range(1, steps + 1):
                actual = y[fitted + h - 1]
                rows.append({"area": area, "origin": values.index[fitted - 1], "horizon": h, "actual": actual,
                             "forecast": point[h - 1], "drift": base[h - 1],
                             "ape": ape(actual, point[h - 1]), "drift_ape": ape(actual, base[h - 1]),
                             "z": (actual - point[h - 1]) / scale})
    return pd.DataFrame(rows, columns=["area", "origin", "horizon", "actual", "forecast", "drift", "ape",
                                       "drift_ape", "z"])


def calibrate(tested: pd.DataFrame) -> dict[str, dict[str, list[float]]]:
    """{level: {horizon: [lower, upper]}}: the scaled-error quantiles at each horizon with enough forecasts.
    Bands nest: a later year's band is never narrower on either side than an earlier year's."""
    out: dict[str, dict[str, list[float]]] = {}
    for level in LEVELS:
        tail = (1 - level) / 2
        bands: dict[str, list[float]] = {}
        lower, upper = np.inf, -np.inf
        for h in range(1, MAX_HORIZON + 1):
            z = np.sort(tested.loc[tested["horizon"] == h, "z"].to_numpy(dtype=float))
            if len(z) < MIN_TESTED:
                break
            lower = min(lower, float(np.quantile(z, tail)))
            upper = max(upper, float(np.quantile(z, 1 - tail)))
            bands[str(h)] = [round(lower, 4), round(upper, 4)]
        out[f"{level:g}"] = bands
    return out


def _covered(tested: pd.DataFrame, level: float = 0.95) -> pd.Series:
    """Whether each forecast's band held the outcome, the band calibrated without the council's own outcomes."""
    held = pd.Series(False, index=tested.index)
    for area, own in tested.groupby("area", sort=True):
        bands = calibrate(tested[tested["area"] != area])[f"{level:g}"]
        for h, (lower, upper) in bands.items():
            mine = own[own["horizon"] == int(h)]
            held[mine.index] = (mine["z"] >= lower) & (mine["z"] <= upper)
    return held


def _history(series: dict[str, pd.Series]) -> str:
    spans = Counter((s.index[0], s.index[-1], len(s)) for s in series.values())
    (first, last, years), count = spans.most_common(1)[0]
    text = f"{first} to {last} ({years} years) for {count} councils"
    return text + (f"; shorter for {len(series) - count}" if count < len(series) else "")


def summarise(tested: pd.DataFrame, series: dict[str, pd.Series]) -> dict[str, Any]:
    """One indicator's figures by horizon, and its band quantiles."""
    calibration = calibrate(tested)
    held = _covered(tested)
    horizons = {}
    for h in range(1, MAX_HORIZON + 1):
        at = tested["horizon"] == h
        if str(h) not in calibration["0.95"]:
            continue
        horizons[str(h)] = {
            "councils": int(tested.loc[at, "area"].nunique()),
            "forecasts": int(at.sum()),
            "years": sorted({str(o) for o in tested.loc[at, "origin"]}),
            "mdape": round(float(np.nanmedian(tested.loc[at, "ape"])), 2),
            "drift_mdape": round(float(np.nanmedian(tested.loc[at, "drift_ape"])), 2),
            "covered": int(held[at].sum()),
            "coverage": round(float(held[at].mean() * 100), 1),
        }
    return {"history": _history(series), "councils": len(series), "horizons": horizons,
            "calibration": calibration}


def run(engine: Any) -> dict[str, Any]:
    """The whole backtest, as written to `forecast_backtest.json`."""
    indicators, pooled = {}, []
    for indicator in engine.catalogue:
        if not (indicator.forecast and indicator.national):
            continue
        series = published_series(engine, indicator.id)
        tested = errors(series)
        pooled.append(tested)
        indicators[indicator.id] = {"title": indicator.title, **summarise(tested, series)}
    together = pd.concat(pooled, ignore_index=True) if pooled else errors({})
    return {"method": METHOD, "baseline": BASELINE, "level": 0.95,
            "coverage_note": "share of tested forecasts whose 95% band, calibrated on the other councils, held "
                             "the published outcome",
            "pooled": calibrate(together), "indicators": indicators}


def table(result: dict[str, Any]) -> str:
    """The backtest as a plain-text table (a dash where a horizon could not be tested)."""
    def cell(block: dict | None, key: str, suffix: str = "%") -> str:
        return "—" if block is None else f"{block[key]:.1f}{suffix}"

    header = ["indicator", "method", "councils", "forecasts 1y", "MdAPE 1y", "MdAPE 2y", "MdAPE 3y",
              "drift 1y", "drift 2y", "drift 3y", "95% cover 1y", "95% cover 2y", "95% cover 3y"]
    rows = [header]
    for indicator_id, block in result["indicators"].items():
        at = [block["horizons"].get(str(h)) for h in range(1, MAX_HORIZON + 1)]
        rows.append([indicator_id, "trend", str(at[0]["councils"] if at[0] else 0),
                     str(at[0]["forecasts"] if at[0] else 0),
                     *[cell(b, "mdape") for b in at], *[cell(b, "drift_mdape") for b in at],
                     *[cell(b, "coverage") if b is None else f"{b['coverage']:.1f}% ({b['covered']}/{b['forecasts']})"
                       for b in at]])
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.append("")
    lines.append(f"method trend: {result['method']}; baseline: {result['baseline']}.")
    lines.append("MdAPE: median absolute percentage error over every council and origin year tested; cover: "
                 + result["coverage_note"] + ".")
    for indicator_id, block in result["indicators"].items():
        lines.append(f"{indicator_id}: published history {block['history']}.")
    return "\n".join(lines)


def write(result: dict[str, Any], path: Path = BACKTEST_FILE) -> None:
    path.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
