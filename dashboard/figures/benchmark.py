"""The area beside its statistical neighbours, their average, the region and England (published figures)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.layout import (
    add_note,
    axis_format,
    axis_title,
    better_word,
    empty_figure,
    new_figure,
    safe_text,
)
from dashboard.figures.rows import meta, sort_best_first
from dashboard.format import as_number, format_period, format_value, listed, ordinal, symbol_text
from dashboard.theme import COMPARATOR, HIGHLIGHT, MUTED_COLOUR, NEIGHBOUR, TEXT_COLOUR
from indicators.results import Benchmark, Published


def _published(benchmark: Benchmark | None) -> tuple[Published, str]:
    """The benchmark's published comparators (empty when it has none) and the area's name."""
    if benchmark is None:
        return Published(), "This area"
    return benchmark.published or Published(), benchmark.area_name or "This area"


def _benchmark_entries(benchmark: Benchmark | None, unit: str = "percent"
                       ) -> tuple[list[dict[str, Any]], str | None]:
    pub, area = _published(benchmark)
    entries = [{"kind": "area", "name": area, "value": as_number(pub.la_value)}]
    for n in pub.neighbours:
        entries.append({"kind": "neighbour", "name": n.area_name or f"Statistical neighbour {n.rank}",
                        "value": as_number(n.value)})
    if pub.sn_mean is not None or pub.neighbours:
        entries.append({"kind": "average", "name": "Statistical neighbours' average", "value": as_number(pub.sn_mean)})
    if unit == "count":  # a region's or England's total is no yardstick for one LA's count
        return entries, pub.period
    if pub.region_name:
        entries.append({"kind": "average", "name": f"{pub.region_name} (region)", "value": as_number(pub.region_value)})
    if "england_value" in pub.model_fields_set:  # England is listed (with its symbol) whenever it was looked up
        entries.append({"kind": "average", "name": "England", "value": as_number(pub.england_value)})
    return entries, pub.period


@safe_text
def benchmark_bars(benchmark: Benchmark | None, indicator: Any) -> go.Figure:
    """The area beside each of its statistical neighbours, their average, the region and England.

    From the benchmark block's `published` figures (all for the same published period). Sorted best first
    by polarity (highest first when there is no judgement); the area in the highlight colour with a bold
    label and an outline; averages in grey; an area without a figure listed at the end with its symbol.
    """
    m = meta(indicator)
    entries, period = _benchmark_entries(benchmark, m.unit)
    if not any(e["value"] is not None for e in entries):
        return empty_figure("There are no published figures to compare this area with.")
    ordered = sort_best_first(entries, m)
    labels = []
    for e in ordered:
        label = f"<b>{e['name']} (this area)</b>" if e["kind"] == "area" else e["name"]
        labels.append(label)
        e["label"] = label
    when = f" in {format_period(period)}" if period else ""
    fig = new_figure(height=max(320, 30 * len(ordered) + 90))
    styles = {"area": ("This area", HIGHLIGHT, {"color": TEXT_COLOUR, "width": 2}),
              "neighbour": ("Statistical neighbours", NEIGHBOUR, {"width": 0}),
              "average": ("Averages: neighbours, region, England", COMPARATOR, {"width": 0})}
    for kind, (name, colour, line) in styles.items():
        group = [e for e in ordered if e["kind"] == kind and e["value"] is not None]
        if not group:
            continue
        fig.add_trace(dict(type="bar",
            x=[e["value"] for e in group], y=[e["label"] for e in group], orientation="h", name=name,
            marker={"color": colour, "line": line}, text=[format_value(e["value"], m.unit, m.places) for e in group],
            textposition="outside", cliponaxis=False, textfont={"color": TEXT_COLOUR},
            hovertext=[f"{e['name']}: {format_value(e['value'], m.unit, m.places)}{when}" for e in group],
            hovertemplate="%{hovertext}<extra></extra>"))
    missing = [e for e in ordered if e["value"] is None]
    if missing:
        fig.add_trace(dict(type="scatter",
            x=[0] * len(missing), y=[e["label"] for e in missing], mode="text", name="No published figure",
            text=[symbol_text("x") for _ in missing], textposition="middle right", showlegend=False,
            textfont={"color": MUTED_COLOUR}, hovertext=[f"{e['name']}: no published figure{when}" for e in missing],
            hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_layout(barmode="overlay", bargap=0.25)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels, autorange="reversed", title=None)
    top = max(e["value"] for e in ordered if e["value"] is not None)
    fig.update_xaxes(title=f"{axis_title(m)}{when}", rangemode="tozero", **axis_format(m, top),
                     range=[0, max(top * 1.15, 1e-9)] if top > 0 else None)
    order_words = "best at the top" if m.judged else "highest at the top"
    add_note(fig, f"Sorted {order_words} ({better_word(m)}).", y=-0.08 - 40 / max(320, 30 * len(ordered) + 90))
    return fig


def _compare(value: float, other: float) -> str:
    return "above" if value > other else "below" if value < other else "level with"


def title_benchmark(benchmark: Benchmark | None, indicator: Any) -> str:
    """E.g. "Plans issued in 20 weeks: Bristol, City of below its statistical neighbours and England in 2024"."""
    m = meta(indicator)
    pub, area = _published(benchmark)
    value = as_number(pub.la_value)
    if value is None:
        return f"{m.short_title}: no published figure for {area} to compare"
    parts = []
    if as_number(pub.sn_mean) is not None:
        parts.append(("its statistical neighbours", _compare(value, pub.sn_mean)))
    if as_number(pub.england_value) is not None and m.unit != "count":
        parts.append(("England", _compare(value, pub.england_value)))
    when = f" in {format_period(pub.period)}" if pub.period else ""
    if not parts:
        return f"{m.short_title} in {area}: {format_value(value, m.unit, m.places)}{when}"
    if len(parts) == 2 and parts[0][1] == parts[1][1]:
        return f"{m.short_title}: {area} {parts[0][1]} its statistical neighbours and England{when}"
    said = " and ".join(f"{rel} {who}" for who, rel in parts)
    return f"{m.short_title}: {area} {said}{when}"


def summary_benchmark(benchmark: Benchmark | None, indicator: Any) -> str:
    """E.g. "In 2024, Bristol, City of's figure was 17.3%, below its statistical neighbours' average of 47.5%
    and England's 45.9%. It ranked 131st of 153 councils (1 is best), in quartile band D." """
    m = meta(indicator)
    pub, area = _published(benchmark)
    value = as_number(pub.la_value)
    when = f"In {format_period(pub.period)}, " if pub.period else ""
    if value is None:
        return f"There is no published figure for {area} to compare with its statistical neighbours and England."
    text = f"{when}{area}'s figure was {format_value(value, m.unit, m.places)}"
    comparisons = []
    if as_number(pub.sn_mean) is not None:
        comparisons.append(f"{_compare(value, pub.sn_mean)} its statistical neighbours' average of "
                           f"{format_value(pub.sn_mean, m.unit, m.places)}")
    if as_number(pub.region_value) is not None and pub.region_name and m.unit != "count":
        comparisons.append(f"{_compare(value, pub.region_value)} the {pub.region_name} figure of "
                           f"{format_value(pub.region_value, m.unit, m.places)}")
    if as_number(pub.england_value) is not None and m.unit != "count":
        comparisons.append(f"{_compare(value, pub.england_value)} England's "
                           f"{format_value(pub.england_value, m.unit, m.places)}")
    if comparisons:
        text += ", " + listed(comparisons)
    text += "."
    if pub.rank is not None and pub.rank_out_of:
        order = "1 is best" if m.judged else "1 is highest"
        text += f" It ranked {ordinal(pub.rank)} of {pub.rank_out_of} councils ({order})"
        text += f", in quartile band {pub.quartile_band}." if pub.quartile_band else "."
    if m.judged:
        text += f" For this measure {better_word(m)}."
    return text


def table_benchmark(benchmark: Benchmark | None, indicator: Any) -> pd.DataFrame:
    """Area, Value, Compared as (this area / statistical neighbour / average), sorted as in the chart."""
    m = meta(indicator)
    entries, _ = _benchmark_entries(benchmark, m.unit)
    ordered = sort_best_first(entries, m)
    kinds = {"area": "This area", "neighbour": "Statistical neighbour", "average": "Average"}
    return pd.DataFrame({"Area": [e["name"] for e in ordered],
                         "Value": [format_value(e["value"], m.unit, m.places) for e in ordered],
                         "Shown as": [kinds[e["kind"]] for e in ordered]})
