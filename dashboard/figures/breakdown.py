"""One breakdown (ward, primary need, setting, age, sex, ...) in one period, as ranked bars, words and table."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.layout import axis_format, axis_title, empty_figure, new_figure, safe_text
from dashboard.figures.rows import Meta, breakdown_rows, meta, sort_best_first
from dashboard.format import as_number, format_number, format_period, format_value, mid_sentence, symbol_text
from dashboard.theme import MUTED_COLOUR, PALETTE, TEXT_COLOUR


def _label(value: str, labels: Mapping[str, str] | None) -> str:
    if labels and value in labels:
        return str(labels[value])
    return value or "Not recorded"


def _yardstick(m: Meta, total: pd.DataFrame) -> float | None:
    """The all-children figure to draw across a breakdown, or None. A rate's is a yardstick for each group; a
    count's is the groups' sum and a share's is 100%, so drawn they would only squeeze the bars (the summary
    states them instead)."""
    value = as_number(total["value"].iat[0]) if len(total) else None
    if value is None or m.unit == "count" or (m.unit == "percent" and value == 100):
        return None
    return value


def caption_breakdown(rows: Any, indicator: Any, breakdown: str, *, period: str | None = None) -> str:
    """What the breakdown chart's dashed line is, or nothing where `breakdown_bars` draws none."""
    _, total, _ = breakdown_rows(rows, breakdown, period)
    return "The dashed line is the figure for all children." if _yardstick(meta(indicator), total) is not None else ""


@safe_text
def breakdown_bars(rows: Any, indicator: Any, breakdown: str, *, period: str | None = None,
                   labels: Mapping[str, str] | None = None, breakdown_label: str | None = None) -> go.Figure:
    """Ranked horizontal bars for one breakdown (ward, primary need, setting, age, sex, ethnicity, team...)
    in one period (the latest with figures when not given); the all-children figure as a dashed line;
    suppressed or missing cells listed last and labelled with their symbol (`c (suppressed)`), not drawn as 0.

    labels: optional display names for breakdown values that are codes.
    """
    m = meta(indicator)
    part, total, period = breakdown_rows(rows, breakdown, period)
    what = mid_sentence(breakdown_label or breakdown.replace("_", " "))
    if part.empty:
        return empty_figure(f"There are no figures by {what} for this selection.")
    items = [{"name": _label(v, labels), "value": None if pd.isna(x) else float(x), "status": s,
              "den": d} for v, x, s, d in zip(part["breakdown_value"], part["value"], part["status"],
                                              part["denominator"], strict=True)]
    ordered = sort_best_first(items, m)
    names = [e["name"] for e in ordered]
    when = format_period(period) if period else ""
    height = max(260, 26 * len(ordered) + 110)
    fig = new_figure(height=height)
    valued = [e for e in ordered if e["value"] is not None]
    if valued:
        fig.add_trace(dict(type="bar",
            x=[e["value"] for e in valued], y=[e["name"] for e in valued], orientation="h", name=m.short_title,
            marker={"color": PALETTE[0]}, text=[format_value(e["value"], m.unit, m.places) for e in valued],
            textposition="outside", cliponaxis=False, textfont={"color": TEXT_COLOUR}, showlegend=False,
            customdata=[e["name"] for e in valued],
            hovertext=[f"{e['name']}: {format_value(e['value'], m.unit, m.places)}"
                       + (f" ({format_number(e['den'])} children)" if e["den"] is not None and not pd.isna(e["den"])
                          and m.unit in ("percent", "rate_per_10000") else "") + (f", {when}" if when else "")
                       for e in valued],
            hovertemplate="%{hovertext}<extra></extra>"))
    hidden = [e for e in ordered if e["value"] is None]
    if hidden:
        fig.add_trace(dict(type="scatter",
            x=[0] * len(hidden), y=[e["name"] for e in hidden], mode="text", showlegend=False, name="No figure",
            text=["  " + symbol_text(e["status"]) for e in hidden], textposition="middle right",
            textfont={"color": MUTED_COLOUR}, customdata=[e["name"] for e in hidden],
            hovertext=[f"{e['name']}: {symbol_text(e['status'])}" for e in hidden],
            hovertemplate="%{hovertext}<extra></extra>"))
    total_value = _yardstick(m, total)
    if total_value is not None:
        fig.add_vline(x=total_value, line={"color": TEXT_COLOUR, "width": 2, "dash": "dash"})
        fig.add_annotation(x=total_value, y=1, yref="paper", yanchor="bottom", showarrow=False,
                           text=f"All children: {format_value(total_value, m.unit, m.places)}",
                           font={"size": 12, "color": TEXT_COLOUR}, bgcolor="rgba(255,255,255,0.85)")
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=names, autorange="reversed", title=None)
    top = max([e["value"] for e in valued] + [total_value or 0, 0])
    fig.update_xaxes(title=f"{axis_title(m)}{', ' + when if when else ''}", rangemode="tozero",
                     range=[0, top * 1.18 if top > 0 else 1], **axis_format(m, top))
    fig.update_layout(margin={"t": 50})
    return fig


def title_breakdown(rows: Any, indicator: Any, breakdown: str, *, period: str | None = None,
                    breakdown_label: str | None = None) -> str:
    m = meta(indicator)
    part, _, period = breakdown_rows(rows, breakdown, period)
    what = mid_sentence(breakdown_label or breakdown.replace("_", " "))
    valued = part[part["value"].notna()]
    if valued.empty:
        return f"{m.short_title} by {what}: no figures to show"
    hi = valued.loc[valued["value"].idxmax()]
    lo = valued.loc[valued["value"].idxmin()]
    when = f" in {format_period(period)}" if period else ""
    if len(valued) == 1 or hi["value"] == lo["value"]:
        return f"{m.short_title} by {what}{when}: {format_value(hi['value'], m.unit, m.places)}"
    return (f"{m.short_title} by {what}{when}: highest in {hi['breakdown_value']} "
            f"({format_value(hi['value'], m.unit, m.places)}), lowest in {lo['breakdown_value']} "
            f"({format_value(lo['value'], m.unit, m.places)})")


def summary_breakdown(rows: Any, indicator: Any, breakdown: str, *, period: str | None = None,
                      breakdown_label: str | None = None, labels: Mapping[str, str] | None = None) -> str:
    m = meta(indicator)
    part, total, period = breakdown_rows(rows, breakdown, period)
    what = mid_sentence(breakdown_label or breakdown.replace("_", " "))
    if part.empty:
        return f"There are no figures by {what} for this selection."
    valued = part[part["value"].notna()]
    when = f"In {format_period(period)}, " if period else ""
    if len(part) == 1 and len(valued) == 1:  # one group (e.g. every ward in one NHS sub-ICB location)
        only = valued.iloc[0]
        text = (f"{when}every child counted here falls in one {what}, {_label(only['breakdown_value'], labels)}: "
                f"{format_value(only['value'], m.unit, m.places)}.")
        return text[0].upper() + text[1:]
    if len(valued) == len(part):
        text = f"{when}the {len(part)} groups by {what}"
    else:
        text = f"{when}{len(valued)} of the {len(part)} groups by {what} have a figure"
        text += ";" if len(valued) else ""
    if len(valued):
        hi = valued.loc[valued["value"].idxmax()]
        lo = valued.loc[valued["value"].idxmin()]
        text += " they" if len(valued) != len(part) else ""
        text += (f" ranged from {format_value(lo['value'], m.unit, m.places)} ({_label(lo['breakdown_value'], labels)})"
                 f" to {format_value(hi['value'], m.unit, m.places)} ({_label(hi['breakdown_value'], labels)})")
    text += "."
    total_value = as_number(total["value"].iat[0]) if len(total) else None
    if total_value is not None:
        text += f" The figure for all children was {format_value(total_value, m.unit, m.places)}."
    hidden = len(part) - len(valued)
    if hidden:
        text += f" {hidden} group(s) have no figure shown: suppressed to protect privacy or not available."
    return text


def table_breakdown(rows: Any, indicator: Any, breakdown: str, *, period: str | None = None,
                    labels: Mapping[str, str] | None = None, breakdown_label: str | None = None) -> pd.DataFrame:
    m = meta(indicator)
    part, _, _ = breakdown_rows(rows, breakdown, period)
    items = [{"name": _label(v, labels), "value": None if pd.isna(x) else float(x), "status": s, "num": n, "den": d}
             for v, x, s, n, d in zip(part["breakdown_value"], part["value"], part["status"], part["numerator"],
                                      part["denominator"], strict=True)]
    ordered = sort_best_first(items, m)
    out = pd.DataFrame({(breakdown_label or breakdown.replace("_", " ").capitalize()): [e["name"] for e in ordered],
                        m.short_title: [format_value(e["value"], m.unit, m.places, e["status"]) for e in ordered]})
    if m.unit in ("percent", "rate_per_10000"):
        out["Numerator"] = [format_number(e["num"]) if not pd.isna(e["num"]) else symbol_text(
            e["status"] if e["status"] != "value" else "x") for e in ordered]
        out["Denominator"] = [format_number(e["den"]) if not pd.isna(e["den"]) else symbol_text(
            e["status"] if e["status"] != "value" else "x") for e in ordered]
    return out
