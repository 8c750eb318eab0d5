"""Figure functions on small hand-made inputs: the right traces, the area highlighted, hand-worked numbers."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import figures as F
from dashboard.theme import HIGHLIGHT, NEIGHBOUR, TEMPLATE
from indicators import benchmarks
from indicators.results import Benchmark, Forecast, Target
from tests.forbidden import FORBIDDEN

PCT = F.Meta(id="plans_20wk", title="New EHC plans issued within 20 weeks", short_title="Plans in 20 weeks",
             unit="percent", places=1, polarity="high_is_good")
LOW = replace(PCT, id="absence", title="Persistent absence", short_title="Absence", polarity="low_is_good")
COUNT = F.Meta(id="plans", title="EHC plans", short_title="EHC plans", unit="count", places=0,
               polarity="no_judgement")
LA = "E06000023"


def row(period, value, status="value", breakdown="Total", breakdown_value="Total", numerator=None, denominator=None):
    return {"period": period, "area_code": LA, "area_name": "Bristol, City of", "breakdown": breakdown,
            "breakdown_value": breakdown_value, "numerator": numerator, "denominator": denominator, "value": value,
            "status": status}


def strings(obj, skip=()):
    """Every string anywhere in a figure's JSON (data and layout), leaving out the keys in `skip`."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            if key not in skip:
                yield from strings(value, skip)
    elif isinstance(obj, list | tuple):
        for value in obj:
            yield from strings(value, skip)
    elif hasattr(obj, "tolist"):
        yield from strings(obj.tolist(), skip)


def assert_clean(fig: go.Figure) -> None:
    bad = [s for s in strings(fig.to_plotly_json()) if FORBIDDEN.search(s)]
    assert bad == [], bad


def annotations(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations]


def trace(fig: go.Figure, name: str):
    matches = [t for t in fig.data if t.name == name]
    assert matches, f"no trace named {name!r}: {[t.name for t in fig.data]}"
    return matches[0]


# --- formatting --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "unit", "places", "status", "expected"), [
    (17.25, "percent", 1, "value", "17.3%"),  # halves away from zero, as DfE publishes
    (2.675, "percent", 2, "value", "2.68%"),
    (1234567, "count", 0, "value", "1,234,567"),
    (12.5, "rate_per_10000", 1, "value", "12.5 per 10,000"),
    (28, "weeks", 1, "value", "28.0 weeks"),
    (-0.04, "mean_score", 1, "value", "0.0"),
    (None, "percent", 1, "c", "c (suppressed)"),
    (5.0, "percent", 1, "c", "c (suppressed)"),  # a status wins over a number that should not be there
    (None, "count", 0, "value", "x (not available)"),
    (float("nan"), "count", 0, "value", "x (not available)"),
    (None, "count", 0, "z", "z (not applicable)"),
    (None, "count", 0, "low", "low (rounds to zero)"),
    (None, "count", 0, "u", "u (low reliability)"),
])
def test_format_value(value, unit, places, status, expected):
    assert F.format_value(value, unit, places, status) == expected


def test_ordinal_and_quarter_periods():
    assert [F.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]
    assert F.format_period("2024-Q4") == "Oct to Dec 2024"
    assert F.format_period("202425") == "2024/25"
    assert F.format_period("2024-03") == "Mar 2024"


# --- trend and sparkline -----------------------------------------------------------------------------------

def test_trend_draws_suppressed_years_as_gaps_with_a_note_and_labels_target_and_baseline():
    rows = [row("2020", 20.0), row("2021", None, "c"), row("2022", 30.0), row("2022", 99.0, breakdown="ward",
                                                                              breakdown_value="Ashley")]
    target = Target(target=60.0, tolerance=10.0, baseline=17.3, baseline_period="2024", rag="red")
    fig = F.trend(rows, PCT, target=target)
    line = fig.data[0]
    assert list(line.x) == ["2020", "2021", "2022"]
    assert list(line.y) == [20.0, None, 30.0]  # a gap, never a zero; the ward row is not drawn
    assert line.connectgaps is False
    assert list(trace(fig, "Target 60.0%").y) == [60.0] * 3
    assert list(trace(fig, "Local baseline 17.3% (2024)").y) == [17.3] * 3
    assert any("2021: c (suppressed)" in text for text in annotations(fig))
    assert fig.layout.template.layout.font.family  # the registered template is applied
    assert_clean(fig)


def test_trend_forecast_band_and_period_in_progress():
    rows = [row("2023", 700.0), row("2024", 780.0), row("2025", 60.0)]
    forecast = Forecast.model_validate({"rows": [{"period": "2025", "forecast": 800.0, "lower": 700.0, "upper": 900.0},
                                                 {"period": "2026", "forecast": 820.0, "lower": 650.0, "upper": 990.0}]})
    fig = F.trend(rows, COUNT, forecast=forecast, complete_to="2024")
    assert list(fig.data[0].y) == [700.0, 780.0, None]  # 2025 has not ended: not on the line
    so_far = trace(fig, "So far (period not finished)")
    assert list(so_far.x) == ["2025"] and list(so_far.y) == [60.0]
    band = trace(fig, "Forecast range")
    assert band.fill == "tonexty" and list(band.y) == [900.0, 990.0]
    assert list(trace(fig, "Forecast").y) == [780.0, 800.0, 820.0]  # joined to the last complete year
    assert list(fig.layout.xaxis.categoryarray) == ["2023", "2024", "2025", "2026"]
    assert F.title_trend(rows, COUNT, complete_to="2024") == "EHC plans: 780 in 2024, up from 700 in 2023"
    assert "2025 so far: 60" in F.summary_trend(rows, COUNT, complete_to="2024")
    assert_clean(fig)


def test_sparkline_is_tiny_without_axes_and_marks_the_latest_point():
    fig = F.sparkline([row("2022", 30.0), row("2023", None, "c"), row("2024", 35.0)], PCT)
    assert fig.layout.height <= 80
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    assert fig.layout.showlegend is False
    assert list(trace(fig, "Latest").y) == [35.0]
    assert_clean(fig)


# --- benchmark bars ----------------------------------------------------------------------------------------

def bench(la=17.3, neighbours=(("Leeds", 9.3), ("Reading", 61.5), ("Barnet", None)), sn_mean=35.4, england=45.9):
    return Benchmark.model_validate({"source": "local", "area_code": LA, "area_name": "Bristol, City of",
                                     "period": "2025", "value": 26.4,
            "published": {"period": "2024", "la_value": la, "region_name": "South West", "region_value": 31.0,
                          "england_value": england, "sn_mean": sn_mean,
                          "neighbours": [{"rank": i + 1, "area_code": f"E0{i}", "area_name": n, "value": v}
                                         for i, (n, v) in enumerate(neighbours)],
                          "rank": 131, "rank_out_of": 153, "quartile_band": "D"}})


def test_benchmark_bars_sorted_best_first_with_the_area_highlighted_by_colour_and_label():
    fig = F.benchmark_bars(bench(), PCT)
    order = list(fig.layout.yaxis.categoryarray)
    assert fig.layout.yaxis.autorange == "reversed"  # first category at the top
    assert order == ["Reading", "England", "Statistical neighbours' average", "South West (region)",
                     "<b>Bristol, City of (this area)</b>", "Leeds", "Barnet"]  # missing figure last
    area = trace(fig, "This area")
    assert area.marker.color == HIGHLIGHT and area.marker.line.width == 2
    assert list(area.x) == [17.3] and list(area.text) == ["17.3%"]
    assert trace(fig, "Statistical neighbours").marker.color == NEIGHBOUR
    assert "Barnet: no published figure in 2024" in list(trace(fig, "No published figure").hovertext)
    assert_clean(fig)


def test_benchmark_bars_low_is_good_puts_the_lowest_first():
    fig = F.benchmark_bars(bench(), LOW)
    assert list(fig.layout.yaxis.categoryarray)[:2] == ["Leeds", "<b>Bristol, City of (this area)</b>"]


def test_benchmark_text_states_the_hand_worked_comparison():
    summary = F.summary_benchmark(bench(), PCT)
    assert summary.startswith("In 2024, Bristol, City of's figure was 17.3%, below its statistical neighbours' "
                              "average of 35.4%")
    assert "below England's 45.9%" in summary and "131st of 153" in summary and "band D" in summary
    assert F.title_benchmark(bench(), PCT) == (
        "Plans in 20 weeks: Bristol, City of below its statistical neighbours and England in 2024")


# --- all LAs ranked ----------------------------------------------------------------------------------------

def nine_las():
    return pd.DataFrame({"area_code": [f"L{i}" for i in range(1, 10)], "area_name": [f"Council {i}" for i in range(1, 10)],
                         "value": [float(i) for i in range(1, 10)]})


def test_ranked_all_las_best_first_with_area_neighbours_and_bands():
    fig = F.ranked_all_las(nine_las(), "L4", ["L8", "L2"], PCT)
    area = trace(fig, "Council 4 (this area)")
    assert area.marker.color == HIGHLIGHT
    assert list(area.x) == [6] and list(area.y) == [4.0]  # 4 is the 6th highest of 1..9
    assert sorted(trace(fig, "Statistical neighbours").customdata) == ["L2", "L8"]
    assert any("Council 4" in text and "6th of 9" in text for text in annotations(fig))  # labelled, not colour only
    bands = {s.name: (s.y0, s.y1) for s in fig.layout.shapes if s.type == "rect"}
    assert bands["Band A"][0] == 7.0 and bands["Band B"] == (5.0, 7.0)
    assert bands["Band C"] == (3.0, 5.0) and bands["Band D"][1] == 3.0
    assert_clean(fig)


def test_ranked_all_las_low_is_good_band_a_is_the_lowest_values():
    fig = F.ranked_all_las(nine_las(), "L4", [], LOW, quartile_cuts=[3.0, 5.0, 7.0])
    assert list(trace(fig, "Council 4 (this area)").x) == [4]
    bands = {s.name: (s.y0, s.y1) for s in fig.layout.shapes if s.type == "rect"}
    assert bands["Band A"][1] == 3.0 and bands["Band D"][0] == 7.0
    assert F.title_ranked(nine_las(), "L4", LOW, "B") == "Absence: Council 4 ranks 4th of 9 councils, quartile band B"


# --- breakdowns --------------------------------------------------------------------------------------------

def ward_rows():
    return [row("2024", 60.0, numerator=60, denominator=100),
            row("2024", 50.0, breakdown="ward", breakdown_value="Ashley", numerator=20, denominator=40),
            row("2024", 70.0, breakdown="ward", breakdown_value="Bedminster", numerator=35, denominator=50),
            row("2024", None, "c", breakdown="ward", breakdown_value="Clifton"),
            row("2023", 10.0, breakdown="ward", breakdown_value="Ashley")]


def test_breakdown_bars_ranked_with_suppressed_cells_labelled_not_zero():
    fig = F.breakdown_bars(ward_rows(), PCT, "ward")
    bars = [t for t in fig.data if isinstance(t, go.Bar)][0]
    assert list(bars.y) == ["Bedminster", "Ashley"] and list(bars.x) == [70.0, 50.0]  # 2024 only, best first
    labels = [t for t in fig.data if isinstance(t, go.Scatter) and t.mode == "text"][0]
    assert list(labels.y) == ["Clifton"] and labels.text[0].strip() == "c (suppressed)"
    assert list(fig.layout.yaxis.categoryarray) == ["Bedminster", "Ashley", "Clifton"]
    assert any(text == "All children: 60.0%" for text in annotations(fig))
    assert F.caption_breakdown(ward_rows(), PCT, "ward") == "The dashed line is the figure for all children."
    assert "Bedminster (70.0%)" in F.title_breakdown(ward_rows(), PCT, "ward")
    table = F.table_breakdown(ward_rows(), PCT, "ward")
    assert table.iloc[2].tolist() == ["Clifton", "c (suppressed)", "c (suppressed)", "c (suppressed)"]
    assert_clean(fig)


# --- ward map ----------------------------------------------------------------------------------------------

def test_hex_layout_is_deterministic_and_every_tile_has_its_own_cell():
    for n in [1, 2, 7, 8, 19, 34, 60]:
        keys = [f"W{i:02d}" for i in range(n)]
        first, again = F.hex_layout(keys), F.hex_layout(list(keys))
        assert first == again and sorted(first) == keys
        centres = list(first.values())
        for i, a in enumerate(centres):
            for b in centres[i + 1:]:
                assert math.dist(a, b) >= math.sqrt(3) - 1e-9  # neighbouring hexagons touch, never overlap


def test_ward_map_tiles_every_ward_once_with_codes_for_drill_down():
    wards = pd.DataFrame({"ward_code": ["E05000003", "E05000001", "E05000002", "E05000004"],
                          "ward_name": ["Clifton", "Ashley", "Bedminster", "Dundry"]})
    fig = F.ward_map(ward_rows(), PCT, wards)
    tiles = [t for t in fig.data if isinstance(t, go.Scatter)][0]
    codes = [c[0] for c in tiles.customdata]
    assert codes == ["E05000001", "E05000002", "E05000003", "E05000004"]  # each once, in name order
    assert [c[1] for c in tiles.customdata] == ["Ashley", "Bedminster", "Clifton", "Dundry"]
    assert "<b>70.0%</b>" in tiles.text[1] and "<b>c</b>" in tiles.text[2] and "<b>x</b>" in tiles.text[3]
    assert len([s for s in fig.layout.shapes if s.type == "path"]) == 4
    assert F.ward_map(ward_rows(), PCT, wards).to_plotly_json() == fig.to_plotly_json()  # deterministic
    assert_clean(fig)


def test_ward_map_is_a_choropleth_when_boundaries_are_given():
    square = {"type": "Polygon", "coordinates": [[[0, 0], [0, 1], [1, 1], [1, 0], [0, 0]]]}
    geojson = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"WD24CD": code}, "geometry": square}
        for code in ("E05000001", "E05000002", "E05000003")]}
    wards = {"E05000001": "Ashley", "E05000002": "Bedminster", "E05000003": "Clifton"}
    fig = F.ward_map(ward_rows(), PCT, wards, geojson)
    kinds = {type(t) for t in fig.data}
    assert kinds == {go.Choropleth}
    assert all(t.featureidkey == "properties.WD24CD" for t in fig.data)
    shown = [t for t in fig.data if t.name == "Plans in 20 weeks"][0]
    assert list(shown.locations) == ["E05000001", "E05000002"] and list(shown.z) == [50.0, 70.0]
    assert [c[0] for c in shown.customdata] == ["E05000001", "E05000002"]
    assert_clean(fig)


# --- funnel plot -------------------------------------------------------------------------------------------

def school_rows():
    return [row("2024", 20.0, numerator=60, denominator=300),
            row("2024", 20.0, breakdown="school", breakdown_value="Avon Primary", numerator=20, denominator=100),
            row("2024", 35.0, breakdown="school", breakdown_value="Brook Academy", numerator=35, denominator=100),
            row("2024", 10.0, breakdown="school", breakdown_value="Castle School", numerator=10, denominator=100),
            row("2024", None, "c", breakdown="school", breakdown_value="Dale Infants")]


def test_funnel_plot_limits_around_the_area_rate_and_schools_outside_labelled():
    schools = pd.DataFrame({"urn": ["100001", "100002", "100003"],
                            "school_name": ["Avon Primary", "Brook Academy", "Castle School"]})
    fig = F.funnel_plot(school_rows(), PCT, schools=schools)
    upper95 = [t for t in fig.data if t.name == "95% limits"]
    at_100 = sorted(float(v) for t in upper95 for x, v in zip(t.x, t.y, strict=True) if x == 100)
    assert at_100 == pytest.approx([20 - 100 * benchmarks.Z95 * 0.04, 20 + 100 * benchmarks.Z95 * 0.04])  # 12.16% and 27.84%
    assert at_100 == pytest.approx([12.16, 27.84], abs=0.001)
    within = trace(fig, "Within the 95% limits")
    assert [c[0] for c in within.customdata] == ["100001"] and within.text is None
    above = trace(fig, "Above the 99.8% limit")  # 35% > 20% + 3.09 x 4% = 32.36%
    assert [c[0] for c in above.customdata] == ["100002"] and list(above.text) == ["Brook Academy"]
    below = trace(fig, "Below the 95% limit")  # 10% < 12.16% but above 7.64%
    assert list(below.text) == ["Castle School"] and below.marker.symbol == "triangle-down"
    assert any("1 school(s) with a suppressed" in text for text in annotations(fig))
    assert F.title_funnel(school_rows(), PCT) == "Plans in 20 weeks: 2 of 3 schools outside the expected range in 2024"
    assert_clean(fig)


def test_funnel_plot_refuses_counts_with_an_explanation():
    fig = F.funnel_plot(school_rows(), COUNT)
    assert fig.data == () and "percentages" in annotations(fig)[0]


# --- equity gap --------------------------------------------------------------------------------------------

def test_equity_gap_dot_and_line_with_the_gap_written():
    rows = [row(p, v, breakdown="sen_status", breakdown_value=g) for p, g, v in [
        ("202324", "EHC plan", 5.0), ("202324", "No identified SEN", 70.0),
        ("202425", "EHC plan", 4.0), ("202425", "No identified SEN", 74.0), ("202425", "SEN support", None)]]
    rows[-1]["status"] = "c"
    fig = F.equity_gap(rows, PCT, "sen_status", groups=["EHC plan", "No identified SEN"])
    assert [t.name for t in fig.data] == ["EHC plan", "No identified SEN"]
    assert fig.data[0].marker.symbol != fig.data[1].marker.symbol  # shape as well as colour
    lines = sorted((s.y0, s.x0, s.x1) for s in fig.layout.shapes)
    assert lines == [("2023/24", 5.0, 70.0), ("2024/25", 4.0, 74.0)]
    assert "Gap 70.0 percentage points" in annotations(fig)
    assert F.summary_equity_gap(rows, PCT, "sen_status", groups=["EHC plan", "No identified SEN"]) == (
        "In 2024/25, the figure was 74.0% for No identified SEN and 4.0% for EHC plan, a gap of 70.0 percentage "
        "points. That is wider than the gap of 65.0 percentage points in 2023/24.")
    assert_clean(fig)


# --- every function: empty input, no stray words -----------------------------------------------------------

EMPTY_CALLS = {
    "trend": lambda: F.trend([], PCT),
    "sparkline": lambda: F.sparkline([], PCT),
    "benchmark_bars": lambda: F.benchmark_bars(None, PCT),
    "ranked_all_las": lambda: F.ranked_all_las(pd.DataFrame(), LA, [], PCT),
    "breakdown_bars": lambda: F.breakdown_bars([], PCT, "ward"),
    "ward_map": lambda: F.ward_map([], PCT, None),
    "funnel_plot": lambda: F.funnel_plot([], PCT),
    "equity_gap": lambda: F.equity_gap([], PCT),
}


@pytest.mark.parametrize("name", sorted(EMPTY_CALLS))
def test_empty_input_gives_an_annotated_empty_figure(name):
    fig = EMPTY_CALLS[name]()
    assert isinstance(fig, go.Figure)
    assert annotations(fig) and all(text for text in annotations(fig))
    assert not any(len(getattr(t, "x", None) or getattr(t, "locations", None) or []) for t in fig.data)
    assert fig.layout.template.layout.font.family
    assert_clean(fig)


def test_only_suppressed_figures_give_an_explained_figure_not_zeros():
    rows = [row("2023", None, "c"), row("2024", None, "c"),
            row("2024", None, "c", breakdown="ward", breakdown_value="Ashley")]
    for fig in (F.trend(rows, PCT), F.breakdown_bars(rows, PCT, "ward"), F.ward_map(rows, PCT, None),
                F.funnel_plot(rows, PCT), F.equity_gap(rows, PCT)):
        assert_clean(fig)
        assert not any(0 in list(getattr(t, "y", None) or []) for t in fig.data if isinstance(t, go.Bar))


def test_text_alternatives_have_no_stray_words():
    texts = [
        F.title_trend([], PCT), F.summary_trend([], PCT), F.summary_trend(ward_rows(), PCT, target=50),
        F.title_benchmark(None, PCT), F.summary_benchmark(None, PCT), F.summary_benchmark(bench(la=None), PCT),
        F.title_breakdown([], PCT, "ward"), F.summary_breakdown(ward_rows(), PCT, "ward"),
        F.summary_ward_map(ward_rows(), PCT), F.summary_funnel(school_rows(), PCT),
        F.summary_ranked(nine_las(), "L4", ["L2"], PCT), F.summary_equity_gap([], PCT),
        *F.table_trend(ward_rows(), PCT).astype(str).to_numpy().ravel(),
        *F.table_benchmark(bench(), PCT).astype(str).to_numpy().ravel(),
        *F.table_funnel(school_rows(), PCT).astype(str).to_numpy().ravel(),
    ]
    assert [t for t in texts if FORBIDDEN.search(t) or not t] == []


def test_every_figure_uses_the_one_template():
    figs = [F.trend(ward_rows(), PCT), F.benchmark_bars(bench(), PCT), F.ranked_all_las(nine_las(), "L1", [], PCT),
            F.breakdown_bars(ward_rows(), PCT, "ward"), F.ward_map(ward_rows(), PCT), F.funnel_plot(school_rows(), PCT),
            F.sparkline(ward_rows(), PCT), F.empty_figure()]
    import plotly.io as pio

    expected = pio.templates[TEMPLATE].layout.font.family
    assert all(f.layout.template.layout.font.family == expected for f in figs)


def test_markup_in_names_from_data_is_shown_as_text_not_rendered():
    evil = "<a href='javascript:alert(1)'>Evil</a>"
    rows = [row("2024", 20.0, numerator=20, denominator=100),
            row("2024", 30.0, breakdown="ward", breakdown_value="<img src=x onerror=alert(1)>", numerator=30,
                denominator=100),
            row("2024", 45.0, breakdown="school", breakdown_value=evil, numerator=45, denominator=100)]
    for r in rows:
        r["area_name"] = "<i>Council</i>"
    benchmark = bench(neighbours=((evil, 10.0),)).model_copy(update={"area_name": "<script>x</script>"})
    values = pd.DataFrame({"area_code": ["A", "B"], "area_name": [evil, "Fine"], "value": [1.0, 2.0]})
    figs = [F.trend(rows, PCT, target=50), F.breakdown_bars(rows, PCT, "ward"), F.ward_map(rows, PCT, None),
            F.funnel_plot(rows, PCT), F.benchmark_bars(benchmark, PCT), F.ranked_all_las(values, "A", ["B"], PCT),
            F.equity_gap(rows + [row("2024", 1.0, breakdown="ward", breakdown_value="Plain")], PCT, "ward"),
            F.sparkline(rows, PCT)]
    only_our_tags = re.compile(r"<(?!/?b>|br>|/?extra>)")
    for fig in figs:
        rendered = [s for s in strings(fig.to_plotly_json(), skip=("customdata",)) if only_our_tags.search(s)]
        assert rendered == [], rendered
    # Codes for drill-down are untouched: the ward tile still carries the name it came with.
    tiles = [t for t in figs[2].data if isinstance(t, go.Scatter)][0]
    assert tiles.customdata[0][1] == "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize(("values", "dtick"), [([0.0, 0.0, 0.0], 1), ([1.0, 3.0, 2.0], 1), ([700.0, 780.0], None)])
def test_small_counts_step_by_whole_children_so_no_axis_label_repeats(values, dtick):
    """Plotly steps a 0 to 1 axis by 0.2; printed as whole numbers that reads 0, 0, 0, 1, 1, 1."""
    rows = [row(str(2020 + i), v) for i, v in enumerate(values)]
    fig = F.trend(rows, COUNT)
    assert fig.layout.yaxis.dtick == dtick
    assert fig.layout.yaxis.tickformat == ",.0f"


def test_percent_axes_keep_their_decimals_so_small_steps_read_distinctly():
    fig = F.trend([row("2023", 0.0), row("2024", 1.5)], PCT)
    assert fig.layout.yaxis.tickformat == ",~f" and fig.layout.yaxis.ticksuffix == "%"


def test_breakdown_bars_draw_the_all_children_line_only_where_it_is_a_yardstick():
    counts = [row("2024", 769.0, numerator=769.0), row("2024", 80.0, breakdown="school", breakdown_value="A"),
              row("2024", 46.0, breakdown="school", breakdown_value="B")]
    fig = F.breakdown_bars(counts, COUNT, "school")
    assert not fig.layout.shapes and not any("All children" in text for text in annotations(fig))
    assert fig.layout.xaxis.range[1] == pytest.approx(80 * 1.18)  # bars fill the chart, not squeezed by 769
    assert "The figure for all children was 769." in F.summary_breakdown(counts, COUNT, "school")
    assert F.caption_breakdown(counts, COUNT, "school") == ""  # the caption speaks of no line either
    shares = [row("2024", 100.0), row("2024", 60.0, breakdown="sex", breakdown_value="Male"),
              row("2024", 40.0, breakdown="sex", breakdown_value="Female")]
    assert not F.breakdown_bars(shares, PCT, "sex").layout.shapes


def test_band_labels_are_pushed_apart_where_bands_are_narrow():
    assert F._spread([1.0, 5.0, 9.0], gap=2.0) == [1.0, 5.0, 9.0]  # already far enough apart: unmoved
    spread = F._spread([2.0, 5.1, 5.3, 8.0], gap=1.0)  # the middle two would overlap
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(spread, spread[1:], strict=False))
    assert sum(spread) == pytest.approx(2.0 + 5.1 + 5.3 + 8.0)  # centred where they were meant to be


def test_a_source_caption_without_sources_names_the_publication_only():
    rows = [{"period": "2023", "breakdown": "Total", "breakdown_value": "Total", "value": 10.0, "status": "value"}]
    from indicators.catalogue import default_catalogue

    indicator = default_catalogue().get("ehcp_issued_20wk").model_copy(update={"source": "DfE SEN2"})
    assert F.source_caption(rows, indicator) == "Source: DfE SEN2."


def test_a_breakdown_with_one_group_says_so_instead_of_a_range():
    """Every Bristol ward lies in one NHS sub-ICB location: 'the 1 groups ranged from 1,766 to 1,766' read badly."""
    one = [row("2025", 1766.0), row("2025", 1766.0, breakdown="sub_icb", breakdown_value="15C")]
    assert F.summary_breakdown(one, COUNT, "sub_icb", breakdown_label="NHS sub-ICB location") == (
        "In 2025, every child counted here falls in one NHS sub-ICB location, 15C: 1,766.")


def test_an_answers_rows_become_one_frame_that_no_chart_can_change_for_the_next():
    from indicators.results import Row

    rows = (Row(period="2024", value=10.0), Row(period="2023", value=8.0))
    from dashboard.figures.rows import total_rows

    first = total_rows(rows)
    assert list(first["period"]) == ["2023", "2024"]
    first.loc[0, "value"] = 999.0  # a chart that scribbles on its copy
    assert list(total_rows(rows)["value"]) == [8.0, 10.0]
    assert list(total_rows(list(rows))["value"]) == [8.0, 10.0]  # a list is made afresh, the same way


# --- the mix of one breakdown over time (plans by type of setting, every published year) -------------------------

def _mix_rows():
    """Two years, three settings; Further education not published in 2019/20 (x). Shares by hand."""
    s = "setting"
    return [row("201920", 100.0), row("201920", 60.0, breakdown=s, breakdown_value="Mainstream school"),
            row("201920", 40.0, breakdown=s, breakdown_value="Special school"),
            row("201920", None, "x", breakdown=s, breakdown_value="Further education"),
            row("202425", 100.0), row("202425", 45.0, breakdown=s, breakdown_value="Mainstream school"),
            row("202425", 35.0, breakdown=s, breakdown_value="Special school"),
            row("202425", 20.0, breakdown=s, breakdown_value="Further education")]


def test_mix_over_time_stacks_a_bar_a_year_with_gaps_not_zeros():
    fig = F.mix_over_time(_mix_rows(), PCT, "setting", breakdown_label="Type of setting")
    assert fig.layout.barmode == "stack"
    assert [t.name for t in fig.data] == ["Mainstream school", "Special school", "Further education"]  # largest first
    assert list(trace(fig, "Mainstream school").x) == ["2019/20", "2024/25"]
    assert list(trace(fig, "Mainstream school").y) == [60.0, 45.0]
    assert list(trace(fig, "Further education").y) == [None, 20.0]  # not published: a gap, never 0
    assert "Further education, 2019/20: x (not available)" in trace(fig, "Further education").hovertext[0]
    shapes = [t.marker.pattern.shape for t in fig.data]
    assert len(set(shapes)) == 3  # a pattern each as well as a colour
    assert_clean(fig)


def test_mix_over_time_words_and_table_are_the_hand_worked_shares():
    rows = _mix_rows()
    title = F.title_mix_over_time(rows, PCT, "setting", breakdown_label="Type of setting")
    assert title == ("Plans in 20 weeks by type of setting, 2019/20 to 2024/25: Mainstream school the largest in "
                     "2024/25 (45.0%); Mainstream school moved most, from 60.0% to 45.0%")
    summary = F.summary_mix_over_time(rows, PCT, "setting", breakdown_label="Type of setting")
    assert "Mainstream school down from 60.0% to 45.0% (15.0 percentage points)" in summary
    assert "Special school down from 40.0% to 35.0% (5.0 percentage points)" in summary
    assert "Further education 20.0% in 2024/25" in summary
    assert "1 figure(s) are not shown" in summary
    table = F.table_mix_over_time(rows, PCT, "setting", breakdown_label="Type of setting")
    assert list(table.columns) == ["Type of setting", "2019/20", "2024/25"]
    assert table.values.tolist() == [["Mainstream school", "60.0%", "45.0%"], ["Special school", "40.0%", "35.0%"],
                                     ["Further education", "x (not available)", "20.0%"]]


def test_mix_over_time_without_figures_says_so():
    fig = F.mix_over_time([row("202425", 100.0)], PCT, "setting", breakdown_label="Type of setting")
    assert annotations(fig) == ["There are no figures by type of setting for this selection."]
    assert F.table_mix_over_time([], PCT, "setting").empty
