"""Councils compared from their own records: a funnel plot of 20-week timeliness over twelve settled months
(each council against control limits round the group's pooled rate, so a small council is not misjudged), and
each council's monthly series (provisional months marked). Input: `indicators.regional.funnel()` and the months
of `Engine.regional()`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.layout import add_note, axis_format, axis_title, empty_figure, new_figure, safe_text
from dashboard.figures.rows import meta
from dashboard.format import format_number, format_period, format_value, symbol_text
from dashboard.theme import HIGHLIGHT, MUTED_COLOUR, NEIGHBOUR, PALETTE, TEXT_COLOUR
from indicators.benchmarks import Z95, Z998, control_limits

POSITION_WORDS = {"within": "within the 95% limits", "above": "above the 95% limit", "below": "below the 95% limit"}
# Shape as well as colour tells the positions apart
POSITION_STYLE = {"within": (NEIGHBOUR, "circle"), "above": (HIGHLIGHT, "triangle-up"),
                  "below": (HIGHLIGHT, "triangle-down")}


def _position(row: Any) -> str:
    words = POSITION_WORDS[row["position"]]
    return words + (" and beyond the 99.8% limit" if row["position"] != "within" and row["beyond998"] else "")


@safe_text
def council_funnel(points: pd.DataFrame, pooled: float | None, *, left_out: int = 0) -> go.Figure:
    """Each council's rate against its denominator, with the 95% and 99.8% control limits round the pooled rate
    (`indicators.benchmarks.control_limits`). left_out: councils whose figure is suppressed (counted in a note)."""
    if points.empty or pooled is None:
        return empty_figure("No council in the group has a 20-week figure over twelve settled months to place.")
    p = pooled / 100
    n = points["denominator"].to_numpy(dtype=float)
    grid = np.unique(np.concatenate([np.linspace(max(1.0, n.min() * 0.8), n.max() * 1.1, 120), n]))
    fig = new_figure(height=460)
    for z, name, dash in ((Z998, "99.8% limits", "dot"), (Z95, "95% limits", "dash")):
        lower, upper = control_limits(p, grid, z)
        for bound, values in (("upper", upper), ("lower", lower)):
            fig.add_trace(dict(type="scatter", x=grid, y=values * 100, mode="lines", name=name, legendgroup=name,
                               showlegend=bound == "upper",
                               line={"color": MUTED_COLOUR if z == Z998 else TEXT_COLOUR, "width": 1.5, "dash": dash},
                               hoverinfo="skip"))
    fig.add_trace(dict(type="scatter", x=[grid[0], grid[-1]], y=[pooled, pooled], mode="lines",
                       name=f"The group: {format_value(pooled, 'percent', 1)}", line={"color": PALETTE[2], "width": 2},
                       hoverinfo="skip"))
    for position, (colour, symbol) in POSITION_STYLE.items():
        part = points[points["position"] == position]
        if part.empty:
            continue
        fig.add_trace(dict(
            type="scatter", x=part["denominator"], y=part["value"], mode="markers+text",
            name=POSITION_WORDS[position].capitalize(), text=part["council_name"].tolist(),
            textposition="middle right", cliponaxis=False, textfont={"size": 11, "color": TEXT_COLOUR},
            marker={"color": colour, "symbol": symbol, "size": 12, "line": {"color": "#ffffff", "width": 1}},
            hovertext=[f"{r['council_name']}: {format_value(r['value'], 'percent', 1)} of "
                       f"{format_number(r['denominator'])} requests, {_position(r)}" for _, r in part.iterrows()],
            hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_xaxes(title="Agreed requests in the twelve months (the rate's denominator)", rangemode="tozero",
                     tickformat=",.0f")
    fig.update_yaxes(title="Per cent issued within 20 weeks", range=[0, 105], ticksuffix="%")
    if left_out:
        add_note(fig, f"{left_out} council(s) with a suppressed or missing figure are not shown.")
        fig.update_layout(margin={"b": 90})
    return fig


def title_council_funnel(points: pd.DataFrame) -> str:
    outside = points[points["position"] != "within"] if not points.empty else points
    if points.empty:
        return "Plans issued in 20 weeks: no council can be placed"
    if outside.empty:
        return "Plans issued in 20 weeks: every council is within the limits expected by chance"
    return (f"Plans issued in 20 weeks: {len(outside)} of {len(points)} councils outside the 95% limits "
            "round the group's rate")


def summary_council_funnel(points: pd.DataFrame, pooled: float | None) -> str:
    if points.empty or pooled is None:
        return "No council in the group has a 20-week figure over twelve settled months to place."
    parts = [f"{r['council_name']} {format_value(r['value'], 'percent', 1)} of {format_number(r['denominator'])}, "
             f"{_position(r)}" for _, r in points.iterrows()]
    return (f"Across the group {format_value(pooled, 'percent', 1)} of plans were issued within 20 weeks. "
            + "; ".join(parts) + ". A council outside the limits differs from the group by more than chance "
            "would explain for its number of requests.")


def table_council_funnel(points: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Council": points["council_name"],
        "Within 20 weeks": [format_number(v) for v in points["numerator"]],
        "Agreed requests": [format_number(v) for v in points["denominator"]],
        "Per cent": [format_value(v, "percent", 1) for v in points["value"]],
        "95% limits": [f"{format_value(a, 'percent', 1)} to {format_value(b, 'percent', 1)}"
                       for a, b in zip(points["lower95"], points["upper95"], strict=True)],
        "99.8% limits": [f"{format_value(a, 'percent', 1)} to {format_value(b, 'percent', 1)}"
                         for a, b in zip(points["lower998"], points["upper998"], strict=True)],
        "Position": [_position(r) for _, r in points.iterrows()]})


def _months(months: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    return months[months["indicator"] == indicator_id].sort_values(["council_name", "period"])


@safe_text
def council_months(months: pd.DataFrame, indicator: Any) -> go.Figure:
    """One line per council over the months; a month whose clocks still run is an open marker and says so."""
    m = meta(indicator)
    rows = _months(months, m.id)
    if rows.empty:
        return empty_figure("No council in the group has monthly figures for this measure that can be shown.")
    fig = new_figure(height=400)
    for k, (name, part) in enumerate(rows.groupby("council_name", sort=True)):
        colour, symbols = PALETTE[k % len(PALETTE)], ["circle", "square", "diamond", "triangle-up", "cross"]
        provisional = part["provisional"].astype(bool).to_numpy()
        fig.add_trace(dict(
            type="scatter", x=part["period"], y=part["value"], mode="lines+markers", name=name,
            line={"color": colour, "width": 2},
            marker={"color": colour, "symbol": [f"{symbols[k % 5]}-open" if p else symbols[k % 5]
                                                for p in provisional], "size": 8},
            hovertext=[f"{name}, {format_period(p)}: {format_value(v, m.unit, m.places, s)}"
                       + (" (provisional: clocks still running)" if pr else "")
                       for p, v, s, pr in zip(part["period"], part["value"], part["status"], provisional, strict=True)],
            hovertemplate="%{hovertext}<extra></extra>"))
    top = pd.to_numeric(rows["value"], errors="coerce").max()
    fig.update_yaxes(title=axis_title(m), rangemode="tozero", **axis_format(m, top))
    fig.update_xaxes(title="Month (local records)", type="category")
    if rows["provisional"].astype(bool).any():
        add_note(fig, "Open markers: provisional months, whose statutory clocks are still running.")
        fig.update_layout(margin={"b": 90})
    return fig


def summary_council_months(months: pd.DataFrame, indicator: Any) -> str:
    m = meta(indicator)
    rows = _months(months, m.id)
    if rows.empty:
        return "No council in the group has monthly figures for this measure that can be shown."
    parts = []
    for name, part in rows.groupby("council_name", sort=True):
        last = part.iloc[-1]
        parts.append(f"{name} {format_value(last['value'], m.unit, m.places, last['status'])} in "
                     f"{format_period(last['period'])}" + (" (provisional)" if last["provisional"] else ""))
    return f"{m.short_title}, latest month from each council's own records: " + "; ".join(parts) + "."


def table_council_months(months: pd.DataFrame, indicator: Any) -> pd.DataFrame:
    m = meta(indicator)
    rows = _months(months, m.id)
    return pd.DataFrame({
        "Council": rows["council_name"], "Month": [format_period(p) for p in rows["period"]],
        "Figure": [format_value(v, m.unit, m.places, s) if s == "value" else symbol_text(s)
                   for v, s in zip(rows["value"], rows["status"], strict=True)],
        "Provisional": ["yes: clocks still running" if p else "no" for p in rows["provisional"].astype(bool)]})
