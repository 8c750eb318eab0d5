"""The tracker's two charts: plans issued per month (throughput) and the open cases' ageing, each with its
words and table. Plain counts in (from `Engine.caseload_performance`, summed by `dashboard.casework`), figures
out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.layout import add_note, empty_figure, new_figure, safe_text
from dashboard.theme import MUTED_COLOUR, PALETTE

PARTIAL_NOTE = "The last month runs only to the date the loaded data runs to."


def _month(key: str) -> str:
    return f"{pd.Period(key, freq='M'):%b %Y}"


@safe_text
def throughput_bars(months: Sequence[str], counts: Mapping[str, int], *, partial_last: bool) -> go.Figure:
    """Plans issued in each month ('YYYY-MM', oldest first); the last month, when it is only part of one, is
    drawn paler and named so in its label, so colour is not the only sign."""
    if not months:
        return empty_figure("There are no months to show.")
    labels = [_month(m) + (" (part)" if partial_last and n == len(months) - 1 else "") for n, m in enumerate(months)]
    values = [int(counts.get(m, 0)) for m in months]
    colours = [MUTED_COLOUR if partial_last and n == len(months) - 1 else PALETTE[0] for n in range(len(months))]
    fig = new_figure(height=320, margin={"l": 50, "r": 20, "t": 20, "b": 90}, showlegend=False)
    fig.add_trace(go.Bar(x=labels, y=values, marker={"color": colours}, text=[f"{v:,}" for v in values],
                         textposition="outside", cliponaxis=False,
                         hovertemplate="%{x}: %{y:,} plans issued<extra></extra>"))
    fig.update_layout(yaxis={"title": "Plans issued", "rangemode": "tozero"}, xaxis={"type": "category"})
    if partial_last:
        add_note(fig, PARTIAL_NOTE, y=-0.32)
    return fig


def title_throughput(who: str, months: Sequence[str], counts: Mapping[str, int]) -> str:
    total = sum(int(counts.get(m, 0)) for m in months)
    return f"{who}: {total:,} EHC plans issued in the 12 months from {_month(months[0])}" if months else who


def summary_throughput(months: Sequence[str], counts: Mapping[str, int], *, partial_last: bool) -> str:
    values = [int(counts.get(m, 0)) for m in months]
    if not values or not sum(values):
        return "No plan was issued in these months."
    whole = values[:-1] if partial_last and len(values) > 1 else values
    most = max(range(len(whole)), key=lambda n: whole[n])
    least = min(range(len(whole)), key=lambda n: whole[n])
    words = (f"The most plans were issued in {_month(months[most])} ({whole[most]:,}), the fewest in "
             f"{_month(months[least])} ({whole[least]:,}); {sum(whole) / len(whole):.1f} a month on average")
    if partial_last and len(values) > 1:
        words += f" over the whole months. {_month(months[-1])} so far: {values[-1]:,}"
    return words + "."


def table_throughput(months: Sequence[str], counts: Mapping[str, int], *, partial_last: bool) -> pd.DataFrame:
    return pd.DataFrame({"Month": [_month(m) + (" (to date)" if partial_last and n == len(months) - 1 else "")
                                   for n, m in enumerate(months)],
                         "Plans issued": [f"{int(counts.get(m, 0)):,}" for m in months]})


@safe_text
def ageing_bars(bands: Mapping[str, int], late_from: str) -> go.Figure:
    """A histogram of the open cases by how long they have been open, in bands (in their order); the bands from
    `late_from` on are past the 20-week deadline: drawn in another colour and named so on the axis."""
    if not sum(bands.values()):
        return empty_figure("No case is open.")
    names = list(bands)
    late = names.index(late_from) if late_from in names else len(names)
    labels = [f"{name} (past 20 weeks)" if n >= late else name for n, name in enumerate(names)]
    values = [int(v) for v in bands.values()]
    fig = new_figure(height=300, margin={"l": 50, "r": 20, "t": 20, "b": 70}, showlegend=False)
    fig.add_trace(go.Bar(x=labels, y=values, text=[f"{v:,}" for v in values], textposition="outside",
                         cliponaxis=False, marker={"color": [PALETTE[1] if n >= late else PALETTE[0]
                                                             for n in range(len(names))]},
                         hovertemplate="%{x}: %{y:,} open cases<extra></extra>"))
    fig.update_layout(yaxis={"title": "Open cases", "rangemode": "tozero"},
                      xaxis={"type": "category", "title": "Time since the request arrived"})
    return fig


def summary_ageing(bands: Mapping[str, int], late_from: str, median_days: float | None) -> str:
    total = sum(int(v) for v in bands.values())
    if not total:
        return "No case is open."
    names = list(bands)
    late = sum(int(bands[n]) for n in names[names.index(late_from):]) if late_from in names else 0
    median = "" if median_days is None or pd.isna(median_days) else (
        f" Half have been open {median_days:,.0f} days or fewer.")
    return (f"{total:,} open cases: {late:,} ({100 * late / total:.0f}%) have been open longer than 20 weeks."
            + median)


def table_ageing(bands: Mapping[str, int]) -> pd.DataFrame:
    return pd.DataFrame({"Open for": list(bands), "Open cases": [f"{int(v):,}" for v in bands.values()]})
