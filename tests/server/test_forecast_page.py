"""Each forecast on the commissioners and indicator pages states its backtest in plain words, with the figures
of the committed backtest (`indicators/forecast_backtest.json`)."""

from __future__ import annotations

import pytest

from dashboard import figures
from indicators.forecast import backtest
from indicators.results import Forecast
from tests.server.test_pages import pages, texts  # noqa: F401 - the page fixture on the sample warehouse


def expected(indicator_id: str) -> str:
    one = backtest()["indicators"][indicator_id]["horizons"]["1"]
    return f"this method was within {one['mdape']:.1f}% one year ahead"


def test_backtest_sentence_in_plain_words():
    block = Forecast.model_validate({"backtest": {"1": {"mdape": 4.123, "councils": 153, "covered": 141, "forecasts": 150},
                                                  "2": {"mdape": 8.06, "councils": 150, "covered": 140, "forecasts": 148}}})
    assert figures.backtest_sentence(block) == (
        " In past years this method was within 4.1% one year ahead and 8.1% two years ahead (median across "
        "153 councils' published figures); its band held the outcome one year ahead in 141 of 150 forecasts "
        "tested.")
    assert figures.backtest_sentence(Forecast(backtest=None)) == ""
    assert figures.backtest_sentence(None) == ""


def test_commissioners_page_states_each_forecasts_backtest(pages):  # noqa: F811
    text = " ".join(texts(pages["commissioners"].layout()))
    for indicator_id in ("ehcp_caseload", "ehcp_requests", "ehcp_new_plans"):
        one = backtest()["indicators"][indicator_id]["horizons"]["1"]
        assert expected(indicator_id) in text
        assert f"in {one['covered']} of {one['forecasts']} forecasts tested" in text


@pytest.mark.parametrize("indicator_id", ["ehcp_requests", "ehcp_caseload"])
def test_indicator_page_states_the_backtest(pages, indicator_id):  # noqa: F811
    text = " ".join(texts(pages["indicator"].layout(indicator_id=indicator_id)))
    assert expected(indicator_id) in text
    two = backtest()["indicators"][indicator_id]["horizons"]["2"]
    assert f"and {two['mdape']:.1f}% two years ahead" in text
