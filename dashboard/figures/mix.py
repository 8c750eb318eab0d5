"""One breakdown's shares over time (the placement mix: plans by type of setting, every year), as stacked bars,
words and a table."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.layout import empty_figure, new_figure, safe_text
from dashboard.figures.rows import TOTAL, frame, meta, sorted_periods
from dashboard.format import format_change, format_period, format_value, mid_sentence, symbol_text
from dashboard.theme import PALETTE, TEXT_COLOUR

# A fill pattern for each group as well as a colour, so no group is told apart by colour alone.
PATTERNS = ["", "/", "\\", "x", ".", "-", "|", "+"]
LABEL_FROM = 5.0  # a share below this many per cent is too thin a band to carry its own label


def mix_table(rows: Any, breakdown: str) -> tuple[pd.DataFrame, list[str], list[str]]:
    """(the breakdown's rows, its periods in time order, its groups) where groups run largest first in the
    latest period, then by name; groups with no figure in the latest period last."""
    df = frame(rows)
    part = df[(df["breakdown"] == breakdown) & (df["breakdown_value"] != TOTAL)]
    periods = sorted_periods(part["period"])
    if not periods:
        return part.reset_index(drop=True), [], []
    latest = part[part["period"] == periods[-1]].set_index("breakdown_value")["value"]
    names = sorted(set(part["breakdown_value"]))
    names.sort(key=lambda n: (pd.isna(latest.get(n)), -(latest.get(n) if pd.notna(latest.get(n)) else 0), n))
    return part.reset_index(drop=True), periods, names


def _cell(part: pd.DataFrame, period: str, name: str) -> pd.Series | None:
    found = part[(part["period"] == period) & (part["breakdown_value"] == name)]
    return found.iloc[0] if len(found) else None


def _value(part: pd.DataFrame, period: str, name: str) -> float | None:
    cell = _cell(part, period, name)
    return None if cell is None or pd.isna(cell["value"]) else float(cell["value"])


@safe_text
def mix_over_time(rows: Any, indicator: Any, breakdown: str, *, breakdown_label: str | None = None) -> go.Figure:
    """A bar a period, stacked from each group's share; every group has its own colour and fill pattern and
    is named in the legend, and bands wide enough carry their value. A group with no figure in a period
    (suppressed or not published) is a gap there, never a zero."""
    m = meta(indicator)
    part, periods, names = mix_table(rows, breakdown)
    what = mid_sentence(breakdown_label or breakdown.replace("_", " "))
    if part["value"].notna().sum() == 0:
        return empty_figure(f"There are no figures by {what} for this selection.")
    when = [format_period(p) for p in periods]
    fig = new_figure(height=460)
    for i, name in enumerate(names):
        values = [_value(part, p, name) for p in periods]
        fig.add_trace(dict(
            type="bar", x=when, y=values, name=name,
            marker={"color": PALETTE[i % len(PALETTE)],
                    # overlaid on the colour, light enough that the band's value stays legible
                    "pattern": {"shape": PATTERNS[i % len(PATTERNS)], "fillmode": "overlay", "fgcolor": "#ffffff",
                                "fgopacity": 0.35, "size": 10, "solidity": 0.15}},
            text=[format_value(v, m.unit, m.places) if v is not None and v >= LABEL_FROM else "" for v in values],
            textposition="inside", insidetextanchor="middle", textfont={"color": "#ffffff"},
            hovertext=[f"{name}, {w}: " + (format_value(v, m.unit, m.places) if v is not None else
                                            symbol_text(_status(part, p, name)))
                       for v, w, p in zip(values, when, periods, strict=True)],
            hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_layout(barmode="stack", legend={"traceorder": "normal", "title": {"text": breakdown_label or ""}},
                      margin={"t": 30})
    fig.update_xaxes(type="category", title=None)
    fig.update_yaxes(title="Share of plans" if m.unit == "percent" else None, rangemode="tozero",
                     ticksuffix="%" if m.unit == "percent" else "", color=TEXT_COLOUR)
    return fig


def _status(part: pd.DataFrame, period: str, name: str) -> str:
    cell = _cell(part, period, name)
    return "x" if cell is None else str(cell["status"] if cell["status"] != "value" else "x")


def _change(part: pd.DataFrame, first: str, last: str, names: list[str]) -> tuple[str, float, float] | None:
    """The group whose share moved most between the first and last periods: (name, first, last)."""
    moved = [(n, a, b) for n in names if (a := _value(part, first, n)) is not None
             and (b := _value(part, last, n)) is not None]
    return max(moved, key=lambda e: (abs(e[2] - e[1]), e[0]), default=None)


def title_mix_over_time(rows: Any, indicator: Any, breakdown: str, *, breakdown_label: str | None = None) -> str:
    m = meta(indicator)
    part, periods, names = mix_table(rows, breakdown)
    what = mid_sentence(breakdown_label or breakdown.replace("_", " "))
    if part["value"].notna().sum() == 0:
        return f"{m.short_title} by {what} over time: no figures to show"
    first, last = periods[0], periods[-1]
    top = names[0]
    text = (f"{m.short_title} by {what}, {format_period(first)} to {format_period(last)}: {top} the largest in "
            f"{format_period(last)} ({format_value(_value(part, last, top), m.unit, m.places)})")
    moved = _change(part, first, last, names) if first != last else None
    if moved and moved[1] != moved[2]:
        text += (f"; {moved[0]} moved most, from {format_value(moved[1], m.unit, m.places)} to "
                 f"{format_value(moved[2], m.unit, m.places)}")
    return text


def summary_mix_over_time(rows: Any, indicator: Any, breakdown: str, *, breakdown_label: str | None = None) -> str:
    m = meta(indicator)
    part, periods, names = mix_table(rows, breakdown)
    what = mid_sentence(breakdown_label or breakdown.replace("_", " "))
    if part["value"].notna().sum() == 0:
        return f"There are no figures by {what} for this selection."
    first, last = periods[0], periods[-1]
    span = f"From {format_period(first)} to {format_period(last)}" if first != last else f"In {format_period(last)}"
    words = []
    for name in names:
        a, b = _value(part, first, name), _value(part, last, name)
        if first == last or a is None or b is None:
            shown = format_value(b, m.unit, m.places) if b is not None else symbol_text(_status(part, last, name))
            words.append(f"{name} {shown} in {format_period(last)}")
        elif a == b:
            words.append(f"{name} unchanged at {format_value(b, m.unit, m.places)}")
        else:
            way = "up" if b > a else "down"
            words.append(f"{name} {way} from {format_value(a, m.unit, m.places)} to {format_value(b, m.unit, m.places)}"
                         f" ({format_change(b - a, m.unit, m.places)})")
    text = f"{span}, the share of plans by {what}: " + "; ".join(words) + "."
    gaps = int(sum(_value(part, p, n) is None for p in periods for n in names))
    if gaps:
        text += f" {gaps} figure(s) are not shown: not published, or suppressed to protect privacy."
    return text


def table_mix_over_time(rows: Any, indicator: Any, breakdown: str, *,
                        breakdown_label: str | None = None) -> pd.DataFrame:
    """A row a group, a column a period: each group's share as published (a symbol where there is none)."""
    m = meta(indicator)
    part, periods, names = mix_table(rows, breakdown)
    out = pd.DataFrame({(breakdown_label or breakdown.replace("_", " ").capitalize()): names})
    for period in periods:
        values = [_value(part, period, n) for n in names]
        out[format_period(period)] = [format_value(v, m.unit, m.places) if v is not None
                                      else symbol_text(_status(part, period, n)) for v, n in zip(values, names, strict=True)]
    return out
