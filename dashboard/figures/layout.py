"""What every figure is drawn on: the one template, text safe from markup, the empty figure, notes under a
chart and value axes worded and ticked by unit."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from dashboard.figures.rows import Meta
from dashboard.theme import MUTED_COLOUR, TEMPLATE, TEXT_COLOUR


def axis_format(m: Meta, top: float | None) -> dict[str, Any]:
    """Tick labels for a value axis whose largest value is `top`. Steps finer than the labels' rounding would
    print the same label twice (0, 0, 1, 1), so percentages and rates keep their decimals (0.5%) and a count
    that stays under 5 steps by whole children."""
    if m.unit == "percent":
        return {"ticksuffix": "%", "tickformat": ",~f"}
    if m.unit == "count":
        small = top is None or math.isnan(top) or top < 5  # unknown: no value on the axis
        return {"tickformat": ",.0f", **({"dtick": 1, "tick0": 0} if small else {})}
    return {"tickformat": ",~f"}


def axis_title(m: Meta) -> str:
    return {"percent": "Per cent", "count": "Number", "rate_per_10000": "Rate per 10,000", "weeks": "Weeks",
            "days": "Days", "mean_score": "Average score", "gap_points": "Gap (points)"}.get(m.unit, "Value")


def better_word(m: Meta) -> str:
    return {"high_is_good": "higher is better", "low_is_good": "lower is better"}.get(m.polarity,
                                                                                     "no judgement of better or worse")


# Plotly reads a subset of HTML in text, hover text, legend names and tick labels. Names come from data (wards,
# schools, councils), so any tag other than the few these functions write themselves is shown as text.
_ALLOWED_TAG = re.compile(r"<(?=(?:/?b|br|/?extra)>)")
_TRACE_TEXT = ("text", "hovertext", "name", "x", "y")
_AXIS_TEXT = ("categoryarray", "ticktext", "tickvals")


def _escape_markup(text: str) -> str:
    return _ALLOWED_TAG.sub("\x00", text).replace("<", "&lt;").replace("\x00", "<")


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return _escape_markup(value)
    if isinstance(value, np.ndarray) and value.dtype.kind != "O":
        return value  # numbers
    if isinstance(value, list | tuple | np.ndarray):
        if not any(isinstance(v, str) for v in value):
            return value
        return [_escape_markup(v) if isinstance(v, str) else v for v in value]
    return value


def safe_text(build: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """Decorator: no markup from data reaches plotly's text rendering (see `_escape_markup`). Custom data
    (codes for drill-down) is left exactly as it was."""
    @functools.wraps(build)
    def wrapper(*args: Any, **kwargs: Any) -> go.Figure:
        fig = build(*args, **kwargs)
        for trace in fig.data:
            for key in _TRACE_TEXT:
                if key in trace and trace[key] is not None:
                    trace[key] = _escaped(trace[key])
        for note in fig.layout.annotations:
            note.text = _escaped(note.text)
        for name in ("xaxis", "yaxis"):
            axis = fig.layout[name]
            for key in _AXIS_TEXT:
                if axis[key] is not None:
                    axis[key] = _escaped(axis[key])
        return fig
    return wrapper


def new_figure(height: int | None = None, **layout: Any) -> go.Figure:
    """An empty figure on the one template."""
    # Unvalidated: every figure here is made from known property names, and plotly's checks cost more than
    # the rest of a page together. So the template is given as itself, not by name.
    fig = go.Figure(_validate=False)
    fig.update_layout(template=pio.templates[TEMPLATE], hovermode="closest", **({"height": height} if height else {}), **layout)
    return fig


def empty_figure(message: str = "There is no data to show for this selection.") -> go.Figure:
    """A figure that says why it is empty: no axes, one centred note."""
    fig = new_figure(height=220)
    fig.update_layout(xaxis={"visible": False}, yaxis={"visible": False}, showlegend=False,
                      margin={"l": 10, "r": 10, "t": 10, "b": 10})
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": 15, "color": TEXT_COLOUR})
    return fig


def _wrap(text: str, width: int = 80) -> str:
    """Break a long note into lines (plotly does not wrap annotation text)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def add_note(fig: go.Figure, text: str, y: float = -0.18) -> None:
    """A muted note under the chart, wrapped to lines that fit."""
    fig.add_annotation(text=_wrap(text), x=0, y=y, xref="paper", yref="paper", xanchor="left", yanchor="top",
                       showarrow=False, align="left", font={"size": 12, "color": MUTED_COLOUR})
