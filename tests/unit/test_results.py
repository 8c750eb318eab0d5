"""The engine's typed answers (`indicators.results`): they keep through the cache, give the same plain data as
before at the JSON boundary, and the analysis the pages used to do for themselves (every council ranked, the
period a year means) is the engine's."""

from __future__ import annotations

import json
import pickle

import pytest

from indicators import benchmarks
from indicators.cache import SimpleCache
from indicators.engine import Engine
from indicators.results import Benchmark, Published, Shown
from indicators.testing import fixture_warehouse
from indicators.vocabulary import Audience

BRISTOL = "E06000023"


@pytest.fixture(scope="module")
def engine():
    engine = Engine(fixture_warehouse(), cache=SimpleCache())
    yield engine
    engine.close()


def test_answers_pickle_and_compare_equal(engine):
    shown = engine.show("ehcp_issued_20wk", BRISTOL, Audience.PARTNER)
    assert isinstance(shown, Shown) and isinstance(shown.benchmark, Benchmark)
    again = pickle.loads(pickle.dumps(shown))  # the file-system and Redis caches store pickles
    assert again == shown and again.benchmark.published.la_value == 17.3  # Bristol 2024, timeliness_20_week.csv
    with pytest.raises(ValueError, match="frozen"):
        shown.benchmark.published.la_value = 99.0  # an answer read from the cache cannot be changed by a page


def test_json_holds_only_the_fields_the_engine_set(engine):
    answer = engine.show("ehcp_requests", BRISTOL, Audience.PARTNER).as_json()
    json.dumps(answer, allow_nan=False)
    published = answer["benchmark"]["published"]
    # a count with no 0-25 population to rank it by: a note, and no rank or band keys at all
    assert "rank_note" in published and "rank" not in published and "quartile_band" not in published
    assert answer["indicator"]["source_used"] == "local"
    assert answer["indicator"]["sources"] == ["local", "national"]  # the catalogue's sources, preferred first
    assert list(answer["rows"][0]) == ["period", "area_code", "area_name", "breakdown", "breakdown_value",
                                       "numerator", "denominator", "value", "status", "source", "provisional"]


def test_no_benchmark_block_is_an_empty_object_in_json():
    assert Published().as_json() == {}
    bench = Benchmark(source="national", area_code=BRISTOL, area_name="Bristol")
    assert bench.as_json() == {"source": "national", "area_code": BRISTOL, "area_name": "Bristol"}


def test_every_council_ranked_is_the_set_the_benchmark_ranks_over(engine):
    bench = engine.benchmark("ehcp_issued_20wk", BRISTOL, Audience.PUBLIC, period="2024", source="national")
    ranked = engine.ranked("ehcp_issued_20wk", "2024", Audience.PUBLIC)
    values = {c.area_code: c.value for c in ranked}
    assert values[BRISTOL] == 17.3
    assert len(ranked) == bench.published.rank_out_of
    # the rank and cut points the pages show are the engine's, over exactly these councils
    assert bench.published.rank == 1 + sum(v > 17.3 for v in values.values())
    import pandas as pd

    frame = pd.DataFrame({"area_code": list(values), "value": list(values.values())})
    assert bench.published.quartile_cut_points == pytest.approx(benchmarks.quartile_cut_points(frame))
    assert engine.ranked("ehcp_issued_20wk", "2024", Audience.OFFICER) == ranked  # published: the same for all
    assert engine.ranked("ehcp_issued_20wk", "1999", Audience.PUBLIC) == ()


@pytest.mark.parametrize(("indicator_id", "periods", "asked", "expected"), [
    ("ehcp_issued_20wk", ["2023", "2024"], "2024", "2024"),  # a calendar year is itself
    ("send_in_mainstream", ["202223", "202324", "202425"], "2024", "202324"),  # 2024/25 ends in August 2025
    ("personal_health_budgets", ["202223", "202324", "202425"], "2024", "202324"),  # ends 31 March 2024
    ("send_in_mainstream", ["202223", "202324"], "202223", "202223"),  # asked by its own code
    ("send_in_mainstream", ["202324"], "2019", None),  # nothing had ended by the end of 2019
    ("ehcp_issued_20wk", ["2023", "2024"], None, None),
])
def test_the_period_a_year_means(engine, indicator_id, periods, asked, expected):
    assert engine.period_for(engine.indicator(indicator_id), "national", periods, asked) == expected
