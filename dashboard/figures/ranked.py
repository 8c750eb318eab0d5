"""Every council ranked on one measure, with the area, its statistical neighbours and the quartile bands."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.layout import axis_format, axis_title, better_word, empty_figure, new_figure, safe_text
from dashboard.figures.rows import Meta, meta
from dashboard.format import format_period, format_value, ordinal
from dashboard.theme import BAND_FILLS, HIGHLIGHT, MUTED_COLOUR, NEIGHBOUR, OTHER, TEXT_COLOUR
from indicators import benchmarks
from indicators.results import RankedCouncil


def _ranked(values: pd.DataFrame | Sequence[RankedCouncil | Mapping[str, Any]], m: Meta) -> pd.DataFrame:
    df = values.copy() if isinstance(values, pd.DataFrame) else pd.DataFrame(
        [v.model_dump() if isinstance(v, RankedCouncil) else v for v in values or []])
    for column in ("area_code", "area_name", "value"):
        if column not in df.columns:
            df[column] = None
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype(float)
    if "status" in df.columns:
        df.loc[df["status"].astype(str) != "value", "value"] = np.nan
    df = df.dropna(subset=["value"]).drop_duplicates("area_code").copy()
    df["area_code"] = df["area_code"].astype(str)
    df["area_name"] = [str(n) if n is not None and not (isinstance(n, float) and math.isnan(n)) else "Unnamed council"
                       for n in df["area_name"]]
    ascending = m.low_is_good
    df["rank"] = df["value"].rank(method="min", ascending=ascending).astype(int)
    return df.sort_values(["rank", "area_name"]).reset_index(drop=True)


def quartile_bands(cuts: Sequence[float], low: float, high: float, polarity: str) -> list[dict[str, Any]]:
    """The four bands as value ranges: [{band, y0, y1}] with A the best quarter by polarity.

    High is good: A from the 75th percentile up, B 50th-75th, C 25th-50th, D below the 25th.
    Low is good: A up to the 25th percentile, ..., D above the 75th. No judgement: no letters (Q1 lowest).
    """
    q25, q50, q75 = (float(c) for c in cuts)
    edges = [(min(low, q25), q25), (q25, q50), (q50, q75), (q75, max(high, q75))]
    if polarity == "high_is_good":
        letters = ["D", "C", "B", "A"]
    elif polarity == "low_is_good":
        letters = ["A", "B", "C", "D"]
    else:
        letters = ["Lowest quarter", "Second quarter", "Third quarter", "Highest quarter"]
    return [{"band": letter, "y0": y0, "y1": y1} for letter, (y0, y1) in zip(letters, edges, strict=True)]


def _spread(positions: Sequence[float], gap: float) -> list[float]:
    """Rising positions moved apart to at least `gap` from each other, centred on where they were meant to be."""
    out = list(positions)
    for i in range(1, len(out)):
        out[i] = max(out[i], out[i - 1] + gap)
    shift = (sum(out) - sum(positions)) / len(out) if out else 0.0
    return [y - shift for y in out]


@safe_text
def ranked_all_las(values: pd.DataFrame | Sequence[RankedCouncil | Mapping[str, Any]], la_code: str,
                   neighbours: Sequence[str],
                   indicator: Any, quartile_cuts: Sequence[float] | None = None, *, period: str | None = None
                   ) -> go.Figure:
    """Every LA's value ranked best first by polarity (highest first with no judgement); the area and its
    statistical neighbours highlighted (colour, and the area labelled with an arrow); quartile bands A-D as
    shaded value ranges with their letters.

    values: every council's figure for one period (`Engine.ranked`, or a frame with area_code, area_name,
    value[, status]). quartile_cuts: the benchmark's `quartile_cut_points`, or None to have
    `indicators.benchmarks.quartile_cut_points` work them out over the same values.
    """
    m = meta(indicator)
    df = _ranked(values, m)
    if df.empty:
        return empty_figure("There are no published figures for councils to rank.")
    cuts = tuple(quartile_cuts) if quartile_cuts is not None else benchmarks.quartile_cut_points(df)
    neighbours = {str(n) for n in neighbours or []}
    n = len(df)
    df["position"] = np.arange(1, n + 1)
    df["group"] = ["area" if c == str(la_code) else "neighbour" if c in neighbours else "other" for c in df["area_code"]]
    when = f" in {format_period(period)}" if period else ""
    fig = new_figure(height=460)
    styles = [("other", "Other councils", OTHER), ("neighbour", "Statistical neighbours", NEIGHBOUR),
              ("area", "This area", HIGHLIGHT)]
    rank_word = "" if m.judged else " (1 = highest)"
    for group, name, colour in styles:
        part = df[df["group"] == group]
        if part.empty:
            continue
        if group == "area":
            name = f"{part['area_name'].iat[0]} (this area)"
        fig.add_trace(dict(type="bar",
            x=part["position"], y=part["value"], name=name, marker={"color": colour, "line": {"width": 0}},
            width=0.8,
            customdata=part["area_code"],
            hovertext=[f"{nm}: {format_value(v, m.unit, m.places)}{when}, ranked {ordinal(int(r))} of {n}{rank_word}"
                       for nm, v, r in zip(part["area_name"], part["value"], part["rank"], strict=True)],
            hovertemplate="%{hovertext}<extra></extra>"))
    low, high = float(min(df["value"].min(), 0)), float(df["value"].max())
    if cuts is not None and len(cuts) == 3:
        bands = quartile_bands(cuts, low, high * 1.05 if high > 0 else high, m.polarity)
        # Each label sits in the middle of its band, pushed apart where bands are too narrow for two lines.
        label_ys = _spread([(b["y0"] + b["y1"]) / 2 for b in bands], gap=(high * 1.2 - low) * 0.1)
        for band, label_y in zip(bands, label_ys, strict=True):
            letter = band["band"]
            fill = BAND_FILLS.get(letter, "rgba(80, 90, 95, 0.06)")
            fig.add_shape(type="rect", xref="paper", x0=0, x1=1, yref="y", y0=band["y0"], y1=band["y1"],
                          fillcolor=fill, line={"width": 0}, layer="below", name=f"Band {letter}")
            label = ({"A": "Band A<br>best quarter", "D": "Band D<br>worst quarter"}.get(letter, f"Band {letter}")
                     if len(letter) == 1 else letter.replace(" quarter", "<br>quarter"))
            fig.add_annotation(x=1.01, xref="paper", xanchor="left", y=label_y, yref="y",
                               text=label, showarrow=False, font={"size": 12, "color": TEXT_COLOUR}, align="left")
        for cut in cuts:
            fig.add_shape(type="line", xref="paper", x0=0, x1=1, yref="y", y0=cut, y1=cut,
                          line={"color": MUTED_COLOUR, "width": 1, "dash": "dot"}, layer="below")
    mine = df[df["group"] == "area"]
    if not mine.empty:
        row = mine.iloc[0]
        fig.add_annotation(x=row["position"], y=row["value"], text=(
            f"<b>{row['area_name']}</b><br>{format_value(row['value'], m.unit, m.places)}, "
            f"{ordinal(int(row['rank']))} of {n}"), showarrow=True, arrowhead=2, arrowcolor=TEXT_COLOUR,
            ax=-90 if row["position"] > n / 2 else 90, ay=-50, font={"color": TEXT_COLOUR, "size": 13}, bgcolor="rgba(255,255,255,0.9)",
            bordercolor=HIGHLIGHT, borderwidth=2)
    fig.update_layout(barmode="overlay", bargap=0.1, margin={"r": 95})
    order = "best (1) to worst" if m.judged else "highest to lowest"
    ticks = [1] + list(range(25, n + 1, 25))
    if n - ticks[-1] >= 8:
        ticks.append(n)
    fig.update_xaxes(title=f"Councils in England ranked from {order}", range=[0, n + 1], showgrid=False,
                     tickvals=ticks, tickangle=0)
    top = high * 1.2 if high > 0 else 1
    if m.unit == "percent" and high <= 100:
        top = min(top, 105)
    fig.update_yaxes(title=f"{axis_title(m)}{when}", range=[low, top], **axis_format(m, high))
    return fig


def title_ranked(values: Any, la_code: str, indicator: Any, quartile_band: str | None = None) -> str:
    m = meta(indicator)
    df = _ranked(values, m)
    mine = df[df["area_code"] == str(la_code)]
    if mine.empty:
        return f"{m.short_title}: this area has no published figure to rank"
    row = mine.iloc[0]
    text = f"{m.short_title}: {row['area_name']} ranks {ordinal(int(row['rank']))} of {len(df)} councils"
    if not m.judged:
        text += " (1 = highest)"
    if quartile_band:
        text += f", quartile band {quartile_band}"
    return text


def summary_ranked(values: Any, la_code: str, neighbours: Sequence[str], indicator: Any,
                   quartile_cuts: Sequence[float] | None = None) -> str:
    m = meta(indicator)
    df = _ranked(values, m)
    mine = df[df["area_code"] == str(la_code)]
    if mine.empty:
        return "There is no published figure for this area, so it cannot be ranked among councils."
    row = mine.iloc[0]
    cuts = tuple(quartile_cuts) if quartile_cuts is not None else benchmarks.quartile_cut_points(df)
    text = (f"{row['area_name']}'s figure of {format_value(row['value'], m.unit, m.places)} ranks "
            f"{ordinal(int(row['rank']))} of {len(df)} councils in England "
            f"({'1 is best, ' + better_word(m) if m.judged else '1 is highest'}).")
    ns = df[df["area_code"].isin({str(n) for n in neighbours or []})]
    if len(ns):
        text += (f" Its statistical neighbours rank between {ordinal(int(ns['rank'].min()))} and "
                 f"{ordinal(int(ns['rank'].max()))}.")
    if cuts and m.judged:
        q25, q50, q75 = cuts
        text += (f" Quartile cut-points are {format_value(q25, m.unit, m.places)}, "
                 f"{format_value(q50, m.unit, m.places)} and {format_value(q75, m.unit, m.places)}.")
    return text


def table_ranked(values: Any, la_code: str, neighbours: Sequence[str], indicator: Any) -> pd.DataFrame:
    m = meta(indicator)
    df = _ranked(values, m)
    ns = {str(n) for n in neighbours or []}
    return pd.DataFrame({
        "Rank": [str(int(r)) for r in df["rank"]],
        "Council": df["area_name"].tolist(),
        "Value": [format_value(v, m.unit, m.places) for v in df["value"]],
        "Note": ["This area" if c == str(la_code) else "Statistical neighbour" if c in ns else ""
                 for c in df["area_code"]],
    })
