"""Schools compared fairly: a funnel plot of each school's percentage against its number of children, with
control limits around the area's rate."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.layout import add_note, empty_figure, new_figure, safe_text
from dashboard.figures.rows import area_name_of, breakdown_rows, frame, meta
from dashboard.format import as_number, format_number, format_period, format_value
from dashboard.theme import HIGHLIGHT, MUTED_COLOUR, NEIGHBOUR, PALETTE, TEXT_COLOUR
from indicators.benchmarks import Z95, Z998, control_limits


def _school_points(rows: Any, period: str | None, breakdown: str) -> tuple[pd.DataFrame, float | None, str | None,
                                                                           int]:
    part, total, period = breakdown_rows(rows, breakdown, period)
    usable = part[part["value"].notna() & (part["denominator"] > 0)].copy()
    hidden = len(part) - len(usable)
    p = None
    if len(total):
        num, den = as_number(total["numerator"].iat[0]), as_number(total["denominator"].iat[0])
        if num is not None and den:
            p = num / den
        elif as_number(total["value"].iat[0]) is not None:
            p = float(total["value"].iat[0]) / 100
    if p is None and len(usable):
        num = (usable["value"] / 100 * usable["denominator"]).sum()
        p = float(num / usable["denominator"].sum())
    usable["p"] = usable["value"] / 100
    return usable.reset_index(drop=True), p, period, hidden


def _classify(p: float, n: np.ndarray, x: np.ndarray) -> list[str]:
    lo95, hi95 = control_limits(p, n, Z95)
    lo998, hi998 = control_limits(p, n, Z998)
    out = []
    for value, a, b, c, d in zip(x, lo998, lo95, hi95, hi998, strict=True):
        out.append("far above" if value > d else "above" if value > c else "far below" if value < a
                   else "below" if value < b else "within")
    return out


@safe_text
def funnel_plot(rows: Any, indicator: Any, *, schools: Any = None, period: str | None = None,
                breakdown: str = "school") -> go.Figure:
    """Schools' percentages against their denominators, with 95% and 99.8% control limits around the
    area's rate (normal approximation to the binomial, `control_limits`), so small schools are not misjudged.

    Only for percentages. Schools outside the 95% limits are labelled by name and drawn as triangles
    (up: above, down: below); schools whose figure is suppressed cannot be placed and are counted in a note.
    schools: optional frame or records with `urn` and `school_name` so each point carries the URN in
    `customdata` ([urn, name]); without it the name stands in for the URN.
    """
    m = meta(indicator)
    if m.unit != "percent":
        return empty_figure("A funnel plot compares percentages; this measure is not a percentage.")
    pts, p, period, hidden = _school_points(rows, period, breakdown)
    if pts.empty or p is None:
        return empty_figure("There are no school figures that can be shown for this selection.")
    urns = _urn_lookup(schools)
    n_max = float(pts["denominator"].max())
    grid = np.unique(np.concatenate([np.linspace(max(1.0, float(pts["denominator"].min()) * 0.8), n_max * 1.1, 120),
                                     pts["denominator"].to_numpy(dtype=float)]))
    fig = new_figure(height=460)
    for z, name, dash in ((Z998, "99.8% limits", "dot"), (Z95, "95% limits", "dash")):
        lower, upper = control_limits(p, grid, z)
        for bound, values in (("upper", upper), ("lower", lower)):
            fig.add_trace(dict(type="scatter",
                x=grid, y=values * 100, mode="lines", name=name, legendgroup=name, showlegend=bound == "upper",
                line={"color": MUTED_COLOUR if z == Z998 else TEXT_COLOUR, "width": 1.5, "dash": dash},
                hovertext=[f"{name}, {bound}, for {format_number(n)} children: {format_value(v * 100, 'percent', m.places)}"
                           for n, v in zip(grid, values, strict=True)],
                hovertemplate="%{hovertext}<extra></extra>"))
    area = area_name_of(frame(rows))
    fig.add_trace(dict(type="scatter", x=[grid[0], grid[-1]], y=[p * 100, p * 100], mode="lines",
                             name=f"{area}: {format_value(p * 100, 'percent', m.places)}",
                             line={"color": PALETTE[2], "width": 2},
                             hovertext=[f"{area} overall: {format_value(p * 100, 'percent', m.places)}"] * 2,
                             hovertemplate="%{hovertext}<extra></extra>"))
    pts["class"] = _classify(p, pts["denominator"].to_numpy(dtype=float), pts["p"].to_numpy(dtype=float))
    styles = {"within": ("Within the 95% limits", NEIGHBOUR, "circle"),
              "above": ("Above the 95% limit", HIGHLIGHT, "triangle-up"),
              "far above": ("Above the 99.8% limit", HIGHLIGHT, "triangle-up"),
              "below": ("Below the 95% limit", HIGHLIGHT, "triangle-down"),
              "far below": ("Below the 99.8% limit", HIGHLIGHT, "triangle-down")}
    for cls, (name, colour, symbol) in styles.items():
        part = pts[pts["class"] == cls]
        if part.empty:
            continue
        names = part["breakdown_value"].tolist()
        fig.add_trace(dict(type="scatter",
            x=part["denominator"], y=part["value"], mode="markers" if cls == "within" else "markers+text",
            name=name, text=None if cls == "within" else names, textposition="middle right", cliponaxis=False,
            textfont={"size": 11, "color": TEXT_COLOUR},
            marker={"color": colour, "symbol": symbol, "size": 9 if cls == "within" else 12,
                    "line": {"color": "#ffffff", "width": 1}},
            customdata=[[urns.get(nm, nm), nm] for nm in names],
            hovertext=[f"{nm}: {format_value(v, 'percent', m.places)} of {format_number(d)} children ({cls.replace('within', 'within the limits')})"
                       for nm, v, d in zip(names, part["value"], part["denominator"], strict=True)],
            hovertemplate="%{hovertext}<extra></extra>"))
    when = f" ({format_period(period)})" if period else ""
    fig.update_xaxes(title=f"Number of children in the school's figure{when}", rangemode="tozero", tickformat=",.0f")
    fig.update_yaxes(title="Per cent", range=[0, 105], ticksuffix="%")
    if hidden:
        add_note(fig, f"{hidden} school(s) with a suppressed or missing figure are not shown.")
        fig.update_layout(margin={"b": 90})
    return fig


def _urn_lookup(schools: Any) -> dict[str, str]:
    if schools is None:
        return {}
    if isinstance(schools, pd.DataFrame):
        schools = schools.to_dict("records")
    if isinstance(schools, Mapping):
        return {str(v): str(k) for k, v in schools.items()}
    return {str(s.get("school_name")): str(s.get("urn")) for s in schools if s.get("urn") and s.get("school_name")}


def title_funnel(rows: Any, indicator: Any, *, period: str | None = None, breakdown: str = "school") -> str:
    m = meta(indicator)
    if m.unit != "percent":
        return f"{m.short_title}: a funnel plot does not apply to this measure"
    pts, p, period, _ = _school_points(rows, period, breakdown)
    if pts.empty or p is None:
        return f"{m.short_title} by school: no figures to compare"
    classes = _classify(p, pts["denominator"].to_numpy(dtype=float), pts["p"].to_numpy(dtype=float))
    outside = sum(c != "within" for c in classes)
    when = f" in {format_period(period)}" if period else ""
    if outside == 0:
        return f"{m.short_title}: every school is within the expected range{when}"
    return f"{m.short_title}: {outside} of {len(classes)} schools outside the expected range{when}"


def summary_funnel(rows: Any, indicator: Any, *, period: str | None = None, breakdown: str = "school") -> str:
    m = meta(indicator)
    if m.unit != "percent":
        return "A funnel plot compares percentages; this measure is not a percentage."
    pts, p, period, hidden = _school_points(rows, period, breakdown)
    if pts.empty or p is None:
        return "There are no school figures that can be shown for this selection."
    classes = _classify(p, pts["denominator"].to_numpy(dtype=float), pts["p"].to_numpy(dtype=float))
    above = [n for n, c in zip(pts["breakdown_value"], classes, strict=True) if "above" in c]
    below = [n for n, c in zip(pts["breakdown_value"], classes, strict=True) if "below" in c]
    text = (f"{len(pts)} schools are compared with the area's overall {format_value(p * 100, 'percent', m.places)}, "
            "allowing for the number of children at each.")
    if above:
        text += f" Above the 95% limit: {', '.join(above)}."
    if below:
        text += f" Below the 95% limit: {', '.join(below)}."
    if not above and not below:
        text += " All are within the range expected from chance."
    if hidden:
        text += f" {hidden} school(s) with a suppressed or missing figure are not shown."
    return text


def table_funnel(rows: Any, indicator: Any, *, period: str | None = None, breakdown: str = "school") -> pd.DataFrame:
    m = meta(indicator)
    pts, p, _, _ = _school_points(rows, period, breakdown)
    if pts.empty or p is None:
        return pd.DataFrame(columns=["School", "Value", "Children", "95% limits", "Compared with the limits"])
    n = pts["denominator"].to_numpy(dtype=float)
    lower, upper = control_limits(p, n, Z95)
    classes = _classify(p, n, pts["p"].to_numpy(dtype=float))
    words = {"within": "Within", "above": "Above 95% limit", "far above": "Above 99.8% limit",
             "below": "Below 95% limit", "far below": "Below 99.8% limit"}
    return pd.DataFrame({
        "School": pts["breakdown_value"].tolist(),
        "Value": [format_value(v, "percent", m.places) for v in pts["value"]],
        "Children": [format_number(d) for d in pts["denominator"]],
        "95% limits": [f"{format_value(lo * 100, 'percent', m.places)} to {format_value(hi * 100, 'percent', m.places)}"
                       for lo, hi in zip(lower, upper, strict=True)],
        "Compared with the limits": [words[c] for c in classes],
    })
