"""Shared components: the accessible chart wrapper, values with symbols, badges, breadcrumbs."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from dash import dcc, html

from dashboard import components as C
from dashboard.figures import empty_figure


def walk(component):
    """Every component in a tree, depth first."""
    yield component
    children = getattr(component, "children", None)
    if children is None:
        return
    for child in children if isinstance(children, list | tuple) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            yield from walk(child)


def texts(component) -> list[str]:
    out = []
    for node in walk(component):
        children = getattr(node, "children", None)
        for child in children if isinstance(children, list | tuple) else [children]:
            if isinstance(child, str | int | float):
                out.append(str(child))
    return out


def text(component) -> str:
    return "".join(texts(component))


def find(component, kind) -> list:
    return [n for n in walk(component) if isinstance(n, kind)]


BAD = re.compile(r"\b(None|nan|NaN|NaT)\b")
TABLE = pd.DataFrame({"Ward": ["Ashley", "Bedminster", "Clifton"], "Value": ["50.0%", "c", None],
                      "Children": [1234, 40, float("nan")]})


def test_chart_is_a_figure_with_caption_summary_graph_and_a_table_behind_details():
    out = C.chart(empty_figure("x"), title="Plans in 20 weeks: 26.4% in 2025", caption="Source: SEN2",
                  summary="Bristol issued 26.4% of new plans within 20 weeks in 2025.", table=TABLE,
                  table_caption="Plans in 20 weeks by ward, 2025", id="trend")
    assert isinstance(out, html.Figure) and out.id == "trend"
    caption = out.children[0]
    assert isinstance(caption, html.Figcaption)
    assert "Plans in 20 weeks: 26.4% in 2025" in texts(caption) and "Source: SEN2" in texts(caption)
    assert "Bristol issued 26.4% of new plans within 20 weeks in 2025." in texts(out)
    [graph] = find(out, dcc.Graph)
    assert graph.config["displayModeBar"] is False and graph.id == "trend-graph"
    plot = [n for n in walk(out) if getattr(n, "role", None) == "img"][0]
    label = plot.to_plotly_json()["props"]["aria-label"]
    assert "Plans in 20 weeks" in label and "26.4%" in label
    [details] = find(out, html.Details)
    assert text(find(details, html.Summary)[0]) == "View as table"
    [table] = find(details, html.Table)
    assert text(find(table, html.Caption)[0]) == "Plans in 20 weeks by ward, 2025"
    assert [h.scope for h in find(find(table, html.Thead)[0], html.Th)] == ["col", "col", "col"]
    rows = find(find(table, html.Tbody)[0], html.Tr)
    assert [r.children[0].scope for r in rows] == ["row", "row", "row"]
    assert texts(rows[0]) == ["Ashley", "50.0%", "1,234"]
    assert texts(rows[1]) == ["Bedminster", "c (suppressed)", "40"]
    assert texts(rows[2]) == ["Clifton", "x (not available)", "x (not available)"]
    assert not [t for t in texts(out) if BAD.search(t)]


@pytest.mark.parametrize(("id", "expected"), [("trend", "trend-summary"),
                                               ({"type": "chart", "index": "wards"}, "chart-wards-summary"),
                                               (None, "chart-plans-in-20-weeks-26-4-in-2025-summary")])
def test_the_graph_is_named_by_the_title_and_described_by_the_summary(id, expected):
    out = C.chart(empty_figure(), title="Plans in 20 weeks: 26.4% in 2025", caption="c", summary="Up from 22%.",
                  table=TABLE, table_caption="tc", id=id)
    plot = [n for n in walk(out) if getattr(n, "role", None) == "img"][0].to_plotly_json()["props"]
    [summary] = [n for n in walk(out) if "chart__summary" in (getattr(n, "className", "") or "")]
    assert plot["aria-label"] == "Chart: Plans in 20 weeks: 26.4% in 2025"
    assert plot["aria-describedby"] == summary.id == expected and summary.children == "Up from 22%."


def test_chart_graph_id_for_drill_down_and_pattern_matching_ids():
    out = C.chart(empty_figure(), title="t", caption="c", summary="s", table=TABLE, table_caption="tc",
                  id={"type": "chart", "index": "wards"})
    assert find(out, dcc.Graph)[0].id == {"type": "chart", "index": "wards", "part": "graph"}
    out = C.chart(empty_figure(), title="t", caption="c", summary="s", table=TABLE, table_caption="tc",
                  graph_id="ward-map")
    assert find(out, dcc.Graph)[0].id == "ward-map"


@pytest.mark.parametrize("table", [pd.DataFrame(), None])
def test_chart_with_no_rows_explains_itself_instead_of_an_empty_graph(table):
    out = C.chart(empty_figure(), title="Plans by ward", caption="c", summary="s", table=table, table_caption="t")
    assert isinstance(out, html.Figure) and isinstance(out.children[0], html.Figcaption)
    assert find(out, dcc.Graph) == [] and find(out, html.Table) == []
    assert "There are no figures for this selection." in texts(out)


def test_chart_empty_reason_is_shown():
    out = C.chart(empty_figure(), title="Plans by ward", caption="c", summary="s", table=TABLE, table_caption="t",
                  empty_reason="Ward of residence is not in the loaded extract.")
    assert find(out, dcc.Graph) == []
    assert "Ward of residence is not in the loaded extract." in texts(out)


@pytest.mark.parametrize(("value", "status", "unit", "places", "expected"), [
    (17.25, "value", "percent", 1, "17.3%"),
    (1234, "value", "count", 0, "1,234"),
    (None, "c", "percent", 1, "c (suppressed)"),
    (None, "x", "percent", 1, "x (not available)"),
    (None, "z", "count", 0, "z (not applicable)"),
    (None, "low", "count", 0, "low (rounds to zero)"),
    (None, "u", "percent", 1, "u (low reliability)"),
    (None, "value", "count", 0, "x (not available)"),
    (float("nan"), None, "count", 0, "x (not available)"),
    (3.0, float("nan"), "count", 0, "3"),
])
def test_value_text_for_every_status(value, status, unit, places, expected):
    out = C.value_text(value, status, unit, places)
    assert text(out) == expected
    assert not BAD.search(text(out))


def test_value_text_explains_a_symbol_on_hover_too():
    assert "privacy" in C.value_text(None, "c", "percent", 1).title


@pytest.mark.parametrize(("rag", "words", "cls"), [
    ("green", "Green — on target", "badge--green"), ("amber", "Amber — close to target", "badge--amber"),
    ("red", "Red — off target", "badge--red"), (None, "No target set", "badge--none"),
    ("nonsense", "No target set", "badge--none"),
])
def test_rag_badge_has_words_as_well_as_colour(rag, words, cls):
    badge = C.rag_badge(rag)
    assert text(badge) == words and cls in badge.className


def test_rag_badge_against_neighbours():
    assert text(C.rag_badge("red", against="neighbours")) == "Red — worse than statistical neighbours"


@pytest.mark.parametrize(("bench", "expected", "words"), [
    ({"target": {"target": 60.0, "rag": "amber"}, "rag_against_neighbours": "green"}, ("amber", "target"),
     "Amber — close to target"),
    ({"target": {"target": None}, "rag_against_neighbours": "green", "rag_against_england": "red"},
     ("green", "neighbours"), "Green — better than statistical neighbours"),
    ({"rag_against_england": "red"}, ("red", "england"), "Red — worse than England"),
    ({"target": {"target": None}}, (None, "target"), "No target set"),
    # a target is set but the figure could not be rated against it: never "No target set" beside a target
    ({"target": {"target": 45.0, "rag": None}}, (None, "target_unrated"), "Not rated against its target"),
])
def test_rating_names_what_it_is_against(bench, expected, words):
    from indicators.results import Benchmark

    block = Benchmark.model_validate({"source": "national", "area_code": "E06000023", "area_name": "Bristol", **bench})
    assert C.rating(block) == expected
    assert text(C.rag_badge(*expected[:1], against=expected[1])) == words
    assert C.rating_text(*expected, separator=": ") == words.replace(" — ", ": ")


@pytest.mark.parametrize(("direction", "polarity", "arrow", "words"), [
    ("improving", "high_is_good", "▲", "Improving"),
    ("improving", "low_is_good", "▼", "Improving"),
    ("worsening", "high_is_good", "▼", "Getting worse"),
    ("worsening", "low_is_good", "▲", "Getting worse"),
    ("no significant change", "high_is_good", "▶", "No significant change"),
    ("not assessed", None, "–", "Change not assessed"),
    ("increasing", "no_judgement", "▲", "Increasing"),
    (None, None, "–", "Change not assessed"),
])
def test_direction_badge_arrow_shape_and_words(direction, polarity, arrow, words):
    badge = C.direction_badge(direction, polarity)
    arrow_span = badge.children[0]
    assert arrow_span.children == arrow and arrow_span.to_plotly_json()["props"]["aria-hidden"] == "true"
    assert badge.children[-1] == words


def test_symbols_legend_lists_every_symbol_with_its_meaning():
    legend = C.symbols_legend()
    terms = [text(dt) for dt in find(legend, html.Dt)]
    assert terms == ["c", "x", "z", "low", "u"]
    assert all(text(dd) for dd in find(legend, html.Dd))


def test_breadcrumbs_mark_the_current_page():
    nav = C.breadcrumbs([("Home", "/"), ("Governance", "/theme/governance"), ("Plans in 20 weeks", None)])
    assert nav.to_plotly_json()["props"]["aria-label"] == "Breadcrumb"
    links = find(nav, html.A)
    assert [(a.children, a.href) for a in links] == [("Home", "/"), ("Governance", "/theme/governance")]
    current = [n for n in walk(nav) if "aria-current" in n.to_plotly_json()["props"]]
    assert len(current) == 1 and current[0].children == "Plans in 20 weeks"


def test_loading_wraps_content():
    out = C.loading(html.P("slow"))
    assert isinstance(out, dcc.Loading) and "slow" in texts(out)


def test_data_table_never_prints_none_or_nan():
    frame = pd.DataFrame({"A": ["x", None, "nan"], "B": [1.5, float("nan"), 2.0], "C": [None, "None", True]})
    table = C.data_table(frame, "Caption")
    assert not [t for t in texts(table) if BAD.search(t)]
    assert "1.5" in texts(table) and "2" in texts(table) and "Yes" in texts(table)


def test_narrative_list_links_each_sentence_to_its_evidence():
    from dashboard.narrative import Sentence

    sentence = Sentence(text="Plans rose.", href="/indicator/p?area=E1", indicator_id="p", title="Plans",
                        kind="going_well", priority=1)
    out = C.narrative_list([sentence], heading="What is going well", empty="Nothing to report.")
    [link] = find(out, html.A)
    assert link.href == "/indicator/p?area=E1" and "See the evidence" in texts(link)
    assert "Nothing to report." in texts(C.narrative_list([], heading="h", empty="Nothing to report."))
