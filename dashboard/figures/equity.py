"""Gaps between groups of a breakdown over time (for example EHC plan, SEN support, no identified SEN)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.layout import axis_format, axis_title, empty_figure, new_figure, safe_text
from dashboard.figures.rows import TOTAL, frame, meta, sorted_periods
from dashboard.format import format_change, format_period, format_value, symbol_text
from dashboard.theme import OTHER, PALETTE, TEXT_COLOUR


def _gap_data(rows: Any, breakdown: str | None, groups: Sequence[str] | None, periods: int
              ) -> tuple[pd.DataFrame, list[str], list[str], str | None]:
    df = frame(rows)
    breakdowns = [b for b in dict.fromkeys(df["breakdown"]) if b not in (TOTAL, "")]
    breakdown = breakdown or (breakdowns[0] if breakdowns else None)
    part = df[(df["breakdown"] == breakdown) & (df["breakdown_value"] != TOTAL)] if breakdown else df.iloc[0:0]
    names = list(groups) if groups else sorted(set(part["breakdown_value"]))
    part = part[part["breakdown_value"].isin(names)]
    valued_periods = sorted_periods(part.loc[part["value"].notna(), "period"])[-periods:]
    return part[part["period"].isin(valued_periods)], names, valued_periods, breakdown


def _gaps(part: pd.DataFrame, periods: list[str]) -> list[dict[str, Any]]:
    out = []
    for period in periods:
        here = part[(part["period"] == period) & part["value"].notna()]
        if len(here) >= 2:
            hi, lo = here.loc[here["value"].idxmax()], here.loc[here["value"].idxmin()]
            out.append({"period": period, "gap": float(hi["value"] - lo["value"]), "high": hi["breakdown_value"],
                        "low": lo["breakdown_value"], "high_value": float(hi["value"]), "low_value": float(lo["value"])})
    return out


@safe_text
def equity_gap(rows: Any, indicator: Any, breakdown: str | None = None, *, groups: Sequence[str] | None = None,
               periods: int = 8) -> go.Figure:
    """The gap between groups of a breakdown (e.g. SEN status: EHC plan, SEN support, no identified SEN) as
    a dot-and-line chart: one row per period (latest at the top), a dot per group (its own colour and
    shape), a grey line from the lowest to the highest, and the gap written at the right.

    breakdown: which breakdown's groups (default: the first in the rows); groups: which of its values, in
    legend order (default: all, alphabetically); periods: how many of the latest periods with figures.
    """
    m = meta(indicator)
    part, names, period_list, breakdown = _gap_data(rows, breakdown, groups, periods)
    if len(period_list) == 0 or part["value"].notna().sum() < 2:
        return empty_figure("There are not enough figures by group to show a gap.")
    labels = {p: format_period(p) for p in period_list}
    order = [labels[p] for p in reversed(period_list)]
    fig = new_figure(height=max(260, 46 * len(period_list) + 130))
    gaps = _gaps(part, period_list)
    for g in gaps:
        fig.add_shape(type="line", x0=g["low_value"], x1=g["high_value"], y0=labels[g["period"]],
                      y1=labels[g["period"]], line={"color": OTHER, "width": 4}, layer="below")
    symbols = ["circle", "diamond", "square", "triangle-up", "cross", "x", "star"]
    for i, name in enumerate(names):
        here = part[(part["breakdown_value"] == name) & part["value"].notna()]
        if here.empty:
            continue
        fig.add_trace(dict(type="scatter",
            x=here["value"], y=[labels[p] for p in here["period"]], mode="markers", name=name,
            marker={"color": PALETTE[i % len(PALETTE)], "symbol": symbols[i % len(symbols)], "size": 13,
                    "line": {"color": "#ffffff", "width": 1}},
            hovertext=[f"{name}, {labels[p]}: {format_value(v, m.unit, m.places)}"
                       for p, v in zip(here["period"], here["value"], strict=True)],
            hovertemplate="%{hovertext}<extra></extra>"))
    for g in gaps:
        fig.add_annotation(x=1.0, xref="paper", xanchor="left", y=labels[g["period"]], yref="y", showarrow=False,
                           text=f"Gap {format_change(g['gap'], m.unit, m.places)}", font={"size": 12, "color": TEXT_COLOUR})
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=order, autorange="reversed", title=None)
    values = part["value"].dropna()
    top = float(values.max())
    fig.update_xaxes(title=axis_title(m), rangemode="tozero", range=[min(0.0, float(values.min())), top * 1.1 if top > 0 else 1],
                     **axis_format(m, top))
    fig.update_layout(margin={"r": 170})
    return fig


def title_equity_gap(rows: Any, indicator: Any, breakdown: str | None = None, *,
                     groups: Sequence[str] | None = None) -> str:
    m = meta(indicator)
    part, _, period_list, _ = _gap_data(rows, breakdown, groups, 50)
    gaps = _gaps(part, period_list)
    if not gaps:
        return f"{m.short_title}: not enough figures by group to show a gap"
    g = gaps[-1]
    return (f"{m.short_title}: a gap of {format_change(g['gap'], m.unit, m.places)} between {g['high']} and "
            f"{g['low']} in {format_period(g['period'])}")


def summary_equity_gap(rows: Any, indicator: Any, breakdown: str | None = None, *,
                       groups: Sequence[str] | None = None) -> str:
    m = meta(indicator)
    part, _, period_list, _ = _gap_data(rows, breakdown, groups, 50)
    gaps = _gaps(part, period_list)
    if not gaps:
        return "There are not enough figures by group to show a gap."
    g = gaps[-1]
    text = (f"In {format_period(g['period'])}, the figure was {format_value(g['high_value'], m.unit, m.places)} for "
            f"{g['high']} and {format_value(g['low_value'], m.unit, m.places)} for {g['low']}, a gap of "
            f"{format_change(g['gap'], m.unit, m.places)}.")
    if len(gaps) > 1:
        first = gaps[0]
        change = g["gap"] - first["gap"]
        word = "wider than" if change > 0 else "narrower than" if change < 0 else "the same as"
        text += f" That is {word} the gap of {format_change(first['gap'], m.unit, m.places)} in {format_period(first['period'])}."
    return text


def table_equity_gap(rows: Any, indicator: Any, breakdown: str | None = None, *,
                     groups: Sequence[str] | None = None, periods: int = 8) -> pd.DataFrame:
    m = meta(indicator)
    part, names, period_list, _ = _gap_data(rows, breakdown, groups, periods)
    gaps = {g["period"]: g for g in _gaps(part, period_list)}
    records = []
    for period in reversed(period_list):
        record = {"Period": format_period(period)}
        for name in names:
            here = part[(part["period"] == period) & (part["breakdown_value"] == name)]
            record[name] = (format_value(here["value"].iat[0], m.unit, m.places, here["status"].iat[0]) if len(here)
                            else symbol_text("x"))
        record["Gap"] = format_change(gaps[period]["gap"], m.unit, m.places) if period in gaps else symbol_text("x")
        records.append(record)
    return pd.DataFrame(records, columns=["Period", *names, "Gap"])
