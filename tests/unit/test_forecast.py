"""Demand forecasts: near the trend for a trend, refusal for short series, a capped horizon."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from indicators.forecast import backtest, forecast_counts

# A deterministic wobble of +/- 15 so the models have some noise to estimate (a perfectly straight line
# has zero variance and a zero-width interval).
WOBBLE = np.array([15.0, -15.0])


def annual_linear(n: int, start: int = 2014) -> pd.Series:
    years = np.arange(start, start + n)
    return pd.Series(1000 + 100 * (years - start) + np.resize(WOBBLE, n), index=years)


def test_annual_forecast_worked_by_hand():
    series = annual_linear(11)  # 2014..2024: 1015, 1085, 1215, ..., 1685 (2021), ..., 2015 (2024)
    bands = {"0.95": {"1": [-2.0, 4.0], "2": [-3.0, 6.0], "3": [-3.0, 8.0]}}
    out = forecast_counts(series, horizon=3, calibration=bands)
    assert out.attrs["reason"] is None and out.attrs["note"] is None
    assert out["period"].tolist() == [2025, 2026, 2027]
    # Slopes: whole history (2015 - 1015) / 10 = 100; last three years (2015 - 1685) / 3 = 110; mean 105.
    assert out["forecast"].tolist() == pytest.approx([2120.0, 2225.0, 2330.0])
    # Annual changes alternate 70 and 130 (five of each): standard deviation sqrt(10 * 30^2 / 9) = 31.623.
    spread = np.sqrt(1000.0)
    assert out["lower"].tolist() == pytest.approx([2120 - 2 * spread, 2225 - 3 * spread, 2330 - 3 * spread])
    assert out["upper"].tolist() == pytest.approx([2120 + 4 * spread, 2225 + 6 * spread, 2330 + 8 * spread])
    assert "average yearly change" in out.attrs["method"]


def test_annual_default_band_is_the_pooled_backtest_and_widens_with_horizon():
    out = forecast_counts(annual_linear(11), horizon=3)
    pooled = backtest()["pooled"]["0.95"]
    spread = np.sqrt(1000.0)
    assert out["upper"].iat[0] == pytest.approx(2120 + pooled["1"][1] * spread)
    width = (out["upper"] - out["lower"]).to_numpy()
    assert (np.diff(width) > 0).all()
    assert (out["lower"] <= out["forecast"]).all() and (out["forecast"] <= out["upper"]).all()


def test_annual_horizon_stops_where_the_backtest_stopped():
    out = forecast_counts(annual_linear(11), horizon=3, calibration={"0.95": {"1": [-2.0, 4.0]}})
    assert len(out) == 1 and "backtest" in out.attrs["note"] and "1 year:" in out.attrs["note"]


def test_annual_level_without_a_backtested_band_is_refused():
    out = forecast_counts(annual_linear(11), horizon=1, level=0.5)
    assert out.empty and "no backtested band at the 50% level" in out.attrs["reason"]


def test_linear_monthly_series_forecasts_near_its_trend():
    months = pd.date_range("2022-01-01", periods=30, freq="MS")
    series = pd.Series(200 + 5 * np.arange(30) + np.resize(WOBBLE / 5, 30), index=months)
    out = forecast_counts(series, horizon=6)
    assert out["period"].tolist() == list(pd.date_range("2024-07-01", periods=6, freq="MS"))
    trend = 200 + 5 * np.arange(30, 36)
    assert ((out["lower"] <= trend) & (trend <= out["upper"])).all()
    assert np.allclose(out["forecast"], trend, rtol=0.03)
    assert out.attrs["method"] == "ARIMA(0,1,1) with drift"


def test_seasonal_monthly_series_uses_the_seasonal_model():
    t = np.arange(48)
    months = pd.date_range("2021-01-01", periods=48, freq="MS")
    series = pd.Series(300 + 4 * t + 30 * np.sin(2 * np.pi * t / 12) + np.resize(WOBBLE / 5, 48), index=months)
    out = forecast_counts(series, horizon=12)
    expected = 300 + 4 * np.arange(48, 60) + 30 * np.sin(2 * np.pi * np.arange(48, 60) / 12)
    assert np.allclose(out["forecast"], expected, atol=10)
    assert "airline" in out.attrs["method"]


@pytest.mark.parametrize(("series", "needed"), [
    (annual_linear(4), "at least 5"),
    (pd.Series(np.arange(23.0), index=pd.date_range("2023-01-01", periods=23, freq="MS")), "at least 24"),
])
def test_too_short_series_returns_empty_with_a_reason(series, needed):
    out = forecast_counts(series, horizon=1)
    assert out.empty and list(out.columns) == ["period", "forecast", "lower", "upper"]
    assert needed in out.attrs["reason"]
    assert out.attrs["horizon"] == 0


def test_horizon_is_capped_at_a_third_of_the_series():
    out = forecast_counts(annual_linear(9), horizon=10)  # 9 years -> at most 3 ahead
    assert len(out) == 3 and out.attrs["horizon"] == 3
    assert "capped at 3" in out.attrs["note"]
    assert len(forecast_counts(annual_linear(5), horizon=4)) == 1  # 5 // 3 = 1
    months = pd.date_range("2022-01-01", periods=24, freq="MS")
    assert len(forecast_counts(pd.Series(np.arange(24.0) + 50, index=months), horizon=24)) == 8


def test_lower_bound_never_below_zero():
    falling = pd.Series([60.0, 45.0, 33.0, 20.0, 12.0, 4.0, 2.0, 1.0, 0.0], index=range(2016, 2025))
    out = forecast_counts(falling, horizon=3)
    assert not out.empty
    assert (out[["forecast", "lower", "upper"]] >= 0).all().all()


def test_deterministic():
    series = annual_linear(11)
    pd.testing.assert_frame_equal(forecast_counts(series, 3), forecast_counts(series, 3))


def test_academic_year_labels_and_string_years():
    series = annual_linear(6)  # 2014..2019: 6 years allow 2 periods ahead
    academic = series.set_axis([f"{y}{(y + 1) % 100:02d}" for y in series.index])  # "201415" .. "201920"
    assert forecast_counts(academic, 2)["period"].tolist() == ["202021", "202122"]
    as_text = series.set_axis([str(y) for y in series.index])
    assert forecast_counts(as_text, 2)["period"].tolist() == ["2020", "2021"]
    yearly = series.set_axis(pd.date_range("2014-01-01", periods=6, freq="YS"))
    assert forecast_counts(yearly, 2)["period"].tolist() == [pd.Timestamp("2020-01-01"), pd.Timestamp("2021-01-01")]


def test_month_labels_as_text():
    labels = [str(p) for p in pd.period_range("2022-01", periods=30, freq="M")]  # "2022-01" .. "2024-06"
    series = pd.Series(200 + 5 * np.arange(30) + np.resize(WOBBLE / 5, 30), index=labels)
    assert forecast_counts(series, 2)["period"].tolist() == ["2024-07", "2024-08"]


@pytest.mark.parametrize(("series", "reason"), [
    (pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], index=[2014, 2015, 2017, 2018, 2019, 2020]), "not consecutive"),
    (pd.Series([1.0, np.nan, 3.0, 4.0, 5.0, 6.0], index=range(2015, 2021)), "missing values"),
    (pd.Series([1.0, -2.0, 3.0, 4.0, 5.0, 6.0], index=range(2015, 2021)), "negative"),
    (pd.Series([1.0] * 6, index=list("abcdef")), "neither years"),
    (pd.Series([1.0] * 30, index=[f"{2020 + i // 4}-Q{i % 4 + 1}" for i in range(30)]), "neither years"),
    (pd.Series([1.0] * 30, index=[str(p) for p in pd.period_range("2020-01", periods=31, freq="M")
                                  if str(p) != "2021-05"]), "not consecutive"),
    (pd.Series(dtype=float), "empty"),
])
def test_unusable_series_are_refused_with_a_reason(series, reason):
    out = forecast_counts(series, horizon=1)
    assert out.empty and reason in out.attrs["reason"]


def test_zero_horizon_is_refused():
    assert "at least one" in forecast_counts(annual_linear(9), horizon=0).attrs["reason"]
