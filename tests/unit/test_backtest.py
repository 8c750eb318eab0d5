"""The forecast backtest: drift, APE and the rolling origin worked by hand on tiny series; the acceptance
criteria (one year ahead, the method at least as close as drift; 95% bands holding 90-97% of outcomes) on the
bundled published data of every council; and the committed `forecast_backtest.json` is what the data gives."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from indicators import backtest
from indicators.cache import SimpleCache
from indicators.engine import Engine
from indicators.forecast import BACKTEST_FILE
from indicators.testing import fixture_warehouse

FORECAST_COUNTS = {"ehcp_caseload", "ehcp_requests", "ehcp_new_plans"}


def test_drift_is_last_value_plus_average_change():
    # Average change (22 - 10) / 3 = 4 a year.
    assert backtest.drift([10, 14, 16, 22], 2).tolist() == [26.0, 30.0]
    assert backtest.drift([50, 40, 30, 20, 10], 1).tolist() == [0.0]


def test_ape_is_percent_of_the_outcome():
    assert backtest.ape(100, 90) == 10.0
    assert backtest.ape(80, 100) == 25.0
    assert math.isnan(backtest.ape(0, 5))


def test_rolling_origin_worked_by_hand():
    series = {"E1": pd.Series([100.0, 110, 125, 130, 150, 160, 175], index=[str(y) for y in range(2016, 2023)])}
    rows = backtest.errors(series).set_index(["origin", "horizon"])
    # Two origins have five years or more behind them: 2020 (forecasts 2021, 2022) and 2021 (forecasts 2022).
    assert list(rows.index) == [("2020", 1), ("2020", 2), ("2021", 1)]
    # From 2020: slopes (150 - 100) / 4 = 12.5 and (150 - 110) / 3 = 13.333, mean 12.9167; drift 12.5.
    assert rows.loc[("2020", 1), "forecast"] == pytest.approx(162.9167, abs=1e-4)
    assert rows.loc[("2020", 2), "forecast"] == pytest.approx(175.8333, abs=1e-4)
    assert rows.loc[("2020", 1), "drift"] == 162.5 and rows.loc[("2020", 2), "drift"] == 175.0
    assert rows.loc[("2020", 1), "ape"] == pytest.approx(2.9167 / 160 * 100, abs=1e-4)  # 1.823%
    assert rows.loc[("2020", 1), "drift_ape"] == pytest.approx(1.5625)
    assert rows.loc[("2020", 2), "drift_ape"] == 0.0
    # Changes 10, 15, 5, 20: standard deviation sqrt(125 / 3) = 6.455; error 160 - 162.9167 in those units.
    assert rows.loc[("2020", 1), "z"] == pytest.approx(-2.9167 / math.sqrt(125 / 3), abs=1e-4)
    # From 2021: slopes (160 - 100) / 5 = 12 and (160 - 125) / 3 = 11.667; drift 12.
    assert rows.loc[("2021", 1), "forecast"] == pytest.approx(171.8333, abs=1e-4)
    assert rows.loc[("2021", 1), "drift_ape"] == pytest.approx(3 / 175 * 100)


def test_calibration_takes_quantiles_nests_bands_and_drops_untested_horizons():
    tested = pd.DataFrame({"horizon": [1] * 201 + [2] * 201 + [3] * 50,
                           "z": np.r_[np.arange(201.0), np.arange(201.0) / 2 + 50, np.zeros(50)]})
    bands = backtest.calibrate(tested)["0.95"]
    # 2.5% and 97.5% of 0..200 are 5 and 195; the narrower 52.5..147.5 at two years widens to them.
    assert bands == {"1": [5.0, 195.0], "2": [5.0, 195.0]}


@pytest.fixture(scope="module")
def result():
    engine = Engine(fixture_warehouse(), cache=SimpleCache())
    yield backtest.run(engine)
    engine.close()


def test_every_forecast_count_is_backtested_on_every_council(result):
    assert set(result["indicators"]) == FORECAST_COUNTS
    for block in result["indicators"].values():
        assert block["councils"] == 153  # every council with a published figure; shorter runs test less


@pytest.mark.parametrize("indicator_id", sorted(FORECAST_COUNTS))
def test_one_year_ahead_at_least_as_close_as_drift(result, indicator_id):
    one = result["indicators"][indicator_id]["horizons"]["1"]
    assert one["forecasts"] >= 140
    assert one["mdape"] <= one["drift_mdape"]


@pytest.mark.parametrize("indicator_id", sorted(FORECAST_COUNTS))
def test_95_percent_bands_hold_90_to_97_percent_of_outcomes(result, indicator_id):
    for block in result["indicators"][indicator_id]["horizons"].values():
        assert 90 <= block["coverage"] <= 97
        assert block["covered"] == round(block["coverage"] / 100 * block["forecasts"])


def test_horizon_reaches_only_as_far_as_the_history_tested(result):
    # Published: requests 2016-2024 (nine years), caseload 2018/19-2024/25 (seven), new plans 2019-2024 (six).
    reach = {k: sorted(v["horizons"]) for k, v in result["indicators"].items()}
    assert reach == {"ehcp_requests": ["1", "2", "3"], "ehcp_caseload": ["1", "2"], "ehcp_new_plans": ["1"]}


def test_committed_backtest_is_current(result):
    committed = json.loads(BACKTEST_FILE.read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(result)), "run `python -m indicators backtest --write`"
