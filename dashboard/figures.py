"""Pure figure functions: engine output in, `plotly.graph_objects.Figure` out.

Every function here takes what the engine already returned (`Engine.show()`'s dict, its `rows`, or its
`benchmark` block) and the indicator's metadata (`show()["indicator"]`, or a catalogue `Indicator`), and
returns a figure. No I/O, no engine calls, no randomness: the same input always gives the same figure.

Rules every figure keeps:
* it always returns a figure: no data gives an annotated empty figure (`empty_figure`), never an exception;
* one template (`dashboard.theme.TEMPLATE`) and the one palette; the area itself is highlighted by colour
  *and* by a label or outline, so colour is never the only carrier of meaning;
* suppressed or missing figures are gaps or are labelled with their symbol and its meaning (`c (suppressed)`),
  never drawn as zeros and never shown as "None" or "nan";
* values are formatted by the indicator's unit and decimal places (`format_value`); hover text is plain English.

Beside each figure, `title_*` states the finding, `summary_*` says it in one or two sentences (the chart's text
alternative) and `table_*` gives the numbers as a table of readable strings (the "view as table" alternative).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from dashboard.format import SYMBOL_MEANINGS, SYMBOL_SHORT, format_period, mid_sentence
from dashboard.theme import (
    BAND_FILLS,
    COMPARATOR,
    HIGHLIGHT,
    MUTED_COLOUR,
    NEIGHBOUR,
    OTHER,
    PALETTE,
    SEQUENTIAL,
    SUPPRESSED_FILL,
    TEMPLATE,
    TEXT_COLOUR,
)

TOTAL = "Total"
COLUMNS = ["period", "area_code", "area_name", "breakdown", "breakdown_value", "numerator", "denominator",
           "value", "status"]

# The symbols that stand in for a figure, worded once in dashboard.format: the short word and the meaning.
SYMBOLS: dict[str, str] = {k: v for k, v in SYMBOL_SHORT.items() if k != "p"}  # `p` marks, never replaces
SYMBOL_EXPLANATIONS: dict[str, str] = SYMBOL_MEANINGS

Z95 = 1.959963984540054  # two-sided 95%
Z998 = 3.090232306167813  # two-sided 99.8%

_UNIT_WORDS = {"percent": "percentage points", "rate_per_10000": "per 10,000", "weeks": "weeks", "days": "days",
               "mean_score": "points", "gap_points": "points", "count": ""}


# --- metadata and rows -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Meta:
    """The few facts about an indicator a figure needs."""

    id: str
    title: str
    short_title: str
    unit: str
    places: int
    polarity: str

    @property
    def high_is_good(self) -> bool:
        return self.polarity == "high_is_good"

    @property
    def low_is_good(self) -> bool:
        return self.polarity == "low_is_good"

    @property
    def judged(self) -> bool:
        return self.polarity in ("high_is_good", "low_is_good")


def meta(indicator: Any) -> Meta:
    """`Meta` from `show()["indicator"]`, a catalogue `Indicator`, a `Meta`, or None (a neutral default)."""
    if isinstance(indicator, Meta):
        return indicator
    if indicator is None:
        return Meta("", "Figure", "Figure", "count", 0, "no_judgement")
    if isinstance(indicator, Mapping):
        unit = indicator.get("unit") or (indicator.get("definition") or {}).get("unit") or "count"
        places = indicator.get("decimal_places")
        return Meta(str(indicator.get("id") or ""), str(indicator.get("title") or indicator.get("short_title") or "Figure"),
                    str(indicator.get("short_title") or indicator.get("title") or "Figure"), str(unit),
                    int(places) if places is not None else 1, str(indicator.get("polarity") or "no_judgement"))
    unit = getattr(getattr(indicator, "definition", None), "unit", "count")
    return Meta(str(indicator.id), str(indicator.title), str(indicator.short_title), str(getattr(unit, "value", unit)),
                int(indicator.decimal_places), str(getattr(indicator.polarity, "value", indicator.polarity)))


def frame(rows: Any) -> pd.DataFrame:
    """Engine rows as a DataFrame with every result column: accepts `show()`'s dict, its `rows` list, or a frame.

    `value` is a float that is NaN wherever the status is not `value` (a suppressed figure is never a number
    here, whatever the input says); `status` is always a string (`value` when the input had none).
    """
    if isinstance(rows, Mapping):
        rows = rows.get("rows", [])
    df = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows or []))
    for column in COLUMNS:
        if column not in df.columns:
            df[column] = TOTAL if column in ("breakdown", "breakdown_value") else None
    df = df[COLUMNS + [c for c in df.columns if c not in COLUMNS]].copy()
    for column in ("numerator", "denominator", "value"):
        df[column] = pd.to_numeric(df[column], errors="coerce").astype(float)
    status = df["status"].astype(object).where(df["status"].notna(), None)
    status = status.map(lambda s: "value" if s is None or (isinstance(s, float) and math.isnan(s)) else str(s))
    status = status.where(~((status == "value") & df["value"].isna()), "x")
    df["status"] = status.astype(object)
    df.loc[df["status"] != "value", "value"] = np.nan
    for column in ("period", "area_code", "area_name", "breakdown", "breakdown_value"):
        df[column] = df[column].map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    # a period whose statutory clocks are still running (the engine's `provisional`)
    df["provisional"] = (df["provisional"].map(lambda v: v is True or v == 1) if "provisional" in df
                         else pd.Series(False, index=df.index)).astype(bool)
    return df.reset_index(drop=True)


def _period_key(period: str) -> tuple:
    text = str(period)
    digits = "".join(ch if ch.isdigit() else " " for ch in text).split()
    return tuple(int(d) for d in digits) or (0,), text


def _sorted_periods(periods: Iterable[str]) -> list[str]:
    return sorted({str(p) for p in periods if str(p)}, key=_period_key)


def _totals(rows: Any) -> pd.DataFrame:
    df = frame(rows)
    df = df[(df["breakdown"] == TOTAL) | (df["breakdown"] == "")]
    df = df.drop_duplicates("period", keep="first")
    order = {p: i for i, p in enumerate(_sorted_periods(df["period"]))}
    return df.assign(_order=df["period"].map(order)).sort_values("_order").drop(columns="_order").reset_index(drop=True)


# Where a figure comes from, as a reader says it. Local figures for a period DfE has not yet published are
# provisional: DfE's published figure will replace them (the engine shows it once it is loaded).
SOURCE_LABELS = {"published": "published by DfE", "local": "local records", "partner": "partner return"}


def source_labels(rows: Any) -> list[str]:
    """Each all-children row's source in words ("published by DfE", "local records, provisional"), in the
    order `_totals` gives; empty where the rows do not say."""
    df = _totals(rows)
    sources = [str(s) if isinstance(s, str) else "" for s in df.get("source", pd.Series([None] * len(df)))]
    mixed = "published" in sources
    return [SOURCE_LABELS.get(s, "") + (", provisional (not yet published)" if s == "local" and mixed else "")
            for s in sources]


def value_source_text(source: str | None, indicator: Any) -> str:
    """A headline figure's source in words: "Published by DfE", or "Local records, provisional (not yet
    published)" where DfE publishes the measure but not yet for this period."""
    published_somewhere = isinstance(indicator, Mapping) and "national" in (indicator.get("sources") or [])
    text = SOURCE_LABELS.get(source or "", "")
    if source == "local" and published_somewhere:
        text += ", provisional (not yet published)"
    return text[:1].upper() + text[1:]


def source_caption(rows: Any, indicator: Any) -> str:
    """Which periods come from which source, for a chart's caption: "Source: DfE, ... (SEN2). Published
    figures 2014 to 2024; 2025 from local records, provisional (not yet published)."""
    df = _totals(rows)
    named = (indicator.get("source") if isinstance(indicator, Mapping) else None) or "see the indicator dictionary"
    sources = list(df["source"]) if "source" in df else []
    published = [p for p, s in zip(df["period"], sources, strict=True) if s == "published"]
    local = [p for p, s in zip(df["period"], sources, strict=True) if s in ("local", "partner")]

    def span(periods: list[str]) -> str:
        first, last = format_period(periods[0]), format_period(periods[-1])
        return first if first == last else f"{first} to {last}"

    parts = []
    if published:
        parts.append(f"figures published by DfE for {span(published)}")
    if local:
        kind = "the council's local records" if "local" in sources else "partner returns"
        parts.append(f"{span(local)} from {kind}" + (", provisional (not yet published)" if published else ""))
    return f"Source: {named}." + (f" {'; '.join(parts)[:1].upper()}{'; '.join(parts)[1:]}." if parts else "")


def _area_name(df: pd.DataFrame, fallback: str = "This area") -> str:
    names = [n for n in df.get("area_name", pd.Series(dtype=object)) if n]
    return names[0] if names else fallback


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


# --- formatting --------------------------------------------------------------------------------------------

def symbol_text(status: str | None) -> str:
    """A status symbol with its meaning, e.g. `c (suppressed)`; `x (not available)` for anything unknown."""
    status = str(status) if status not in (None, "", "value") else "x"
    return f"{status} ({SYMBOLS.get(status, 'not available')})"


def _fixed(number: float, places: int) -> str:
    """`number` to `places` decimals, halves rounded away from zero (as DfE publishes: 17.25 -> 17.3),
    with thousands separators; never "-0"."""
    places = max(0, int(places))
    rounded = Decimal(repr(float(number))).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    return f"{rounded:,.{places}f}"


def format_number(value: Any, places: int = 0) -> str:
    number = _number(value)
    if number is None:
        return symbol_text("x")
    return _fixed(number, places)


def format_value(value: Any, unit: str = "count", places: int = 1, status: str | None = "value") -> str:
    """A value as a reader sees it: `17.3%`, `1,234`, `12.5 per 10,000`, `28.0 weeks`.

    A status other than `value`, or a missing value, gives the symbol with its meaning (`c (suppressed)`),
    never "None" or "nan".
    """
    if status not in (None, "", "value"):
        return symbol_text(status)
    number = _number(value)
    if number is None:
        return symbol_text("x")
    unit = str(getattr(unit, "value", unit))
    text = _fixed(number, places)
    if unit == "percent":
        return f"{text}%"
    if unit == "rate_per_10000":
        return f"{text} per 10,000"
    if unit == "weeks":
        return f"{text} weeks"
    if unit == "days":
        return f"{text} days"
    if unit == "gap_points":
        return f"{text} points"
    return text


def format_change(difference: float, unit: str, places: int) -> str:
    """A difference between two values: `9.1 percentage points`, `120`, `2.0 weeks`."""
    text = _fixed(abs(difference), places)
    word = _UNIT_WORDS.get(unit, "")
    return f"{text} {word}".strip()


def subject_phrase(title: str, *, lower: bool = False) -> str:
    """An indicator title as the subject of a sentence: a trailing aside (", including exceptions",
    ", pupils with an EHC plan") is closed with a comma so the verb reads on; a list ("reading, writing and
    maths") is left alone."""
    text = title[0].lower() + title[1:] if lower and title and not title[:2].isupper() else title
    if "," not in text:
        return text
    tail = text.rsplit(",", 1)[1].split()
    return text if any(word in ("and", "or") for word in tail[:3]) else text + ","


def ordinal(n: int) -> str:
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _axis_format(m: Meta, top: float | None) -> dict[str, Any]:
    """Tick labels for a value axis whose largest value is `top`. Steps finer than the labels' rounding would
    print the same label twice (0, 0, 1, 1), so percentages and rates keep their decimals (0.5%) and a count
    that stays under 5 steps by whole children."""
    if m.unit == "percent":
        return {"ticksuffix": "%", "tickformat": ",~f"}
    if m.unit == "count":
        small = top is None or math.isnan(top) or top < 5  # unknown: no value on the axis
        return {"tickformat": ",.0f", **({"dtick": 1, "tick0": 0} if small else {})}
    return {"tickformat": ",~f"}


def _axis_title(m: Meta) -> str:
    return {"percent": "Per cent", "count": "Number", "rate_per_10000": "Rate per 10,000", "weeks": "Weeks",
            "days": "Days", "mean_score": "Average score", "gap_points": "Gap (points)"}.get(m.unit, "Value")


def _better_word(m: Meta) -> str:
    return {"high_is_good": "higher is better", "low_is_good": "lower is better"}.get(m.polarity,
                                                                                     "no judgement of better or worse")


# --- figure scaffolding ------------------------------------------------------------------------------------

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


def _base(height: int | None = None, **layout: Any) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(template=TEMPLATE, hovermode="closest", **({"height": height} if height else {}), **layout)
    return fig


def empty_figure(message: str = "There is no data to show for this selection.") -> go.Figure:
    """A figure that says why it is empty: no axes, one centred note."""
    fig = _base(height=220)
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


def _note(fig: go.Figure, text: str, y: float = -0.18) -> None:
    fig.add_annotation(text=_wrap(text), x=0, y=y, xref="paper", yref="paper", xanchor="left", yanchor="top",
                       showarrow=False, align="left", font={"size": 12, "color": MUTED_COLOUR})


def _gap_note(df: pd.DataFrame) -> str:
    missing = df[df["status"] != "value"]
    if missing.empty:
        return ""
    parts = []
    for status, group in missing.groupby("status", sort=True):
        if len(group) > 4:
            parts.append(f"{len(group)} periods between {format_period(group['period'].iat[0])} and "
                         f"{format_period(group['period'].iat[-1])}: {symbol_text(status)}")
        else:
            parts.append(f"{', '.join(format_period(p) for p in group['period'])}: {symbol_text(status)}")
    return "No figure shown for " + "; ".join(parts) + "."


# --- trend -------------------------------------------------------------------------------------------------

def _target_value(target: Any) -> float | None:
    if isinstance(target, Mapping):
        return _number(target.get("target"))
    return _number(target)


def _baseline(target: Any, baseline: Any) -> tuple[float | None, str | None]:
    if isinstance(baseline, Mapping):
        return _number(baseline.get("baseline", baseline.get("value"))), baseline.get("baseline_period")
    if baseline is not None:
        return _number(baseline), None
    if isinstance(target, Mapping):
        return _number(target.get("baseline")), target.get("baseline_period")
    return None, None


def _forecast_rows(forecast: Any) -> list[dict[str, Any]]:
    if forecast is None:
        return []
    if isinstance(forecast, Mapping):
        forecast = forecast.get("rows") or []
    if isinstance(forecast, pd.DataFrame):
        forecast = forecast.to_dict("records")
    out = []
    for row in forecast:
        point = _number(row.get("forecast", row.get("value")))
        if point is None or not row.get("period"):
            continue
        out.append({"period": str(row["period"]), "forecast": point, "lower": _number(row.get("lower")),
                    "upper": _number(row.get("upper"))})
    return out


PROVISIONAL_KEY = "Provisional (p): clocks still running"  # the legend's words for a provisional period


def _held_back(df: pd.DataFrame, complete_to: str | None) -> list[bool]:
    """Periods a finding must not use: still in progress ("so far") or provisional (clocks still running)."""
    return [_is_partial(p, complete_to) or bool(prov) for p, prov in zip(df["period"], df["provisional"], strict=True)]


def caption_provisional(rows: Any, complete_to: str | None = None) -> str:
    """A caption's sentence on provisional periods (clocks still running), or "" when the chart has none."""
    df = _totals(rows)
    if not any(prov and not _is_partial(p, complete_to) for p, prov in zip(df["period"], df["provisional"], strict=True)):
        return ""
    return (" Hollow squares marked p are provisional: clocks are still running for some cases, so those figures "
            "will change and are not used for the headline.")


def _is_partial(period: str, complete_to: str | None) -> bool:
    """Whether `period` comes after the last complete period (a year or month still in progress)."""
    if not complete_to:
        return False
    text, complete = str(period), str(complete_to)
    if len(text) != len(complete) or ("-" in text) != ("-" in complete):
        return False  # a month against a year (or a quarter): pass the last complete period of the same kind
    return _period_key(text) > _period_key(complete)


def _nothing_to_show(df: pd.DataFrame, m: Meta) -> str:
    """Why a series has no figure: all suppressed to protect children, or simply none yet."""
    statuses = set(df["status"].dropna()) if "status" in df else set()
    if statuses and statuses <= {"c"}:
        return (f"Every figure for {mid_sentence(m.short_title)} here is suppressed (c) to protect children: each "
                "involves too few children to show safely.")
    return f"There are no figures for {mid_sentence(m.short_title)} that can be shown yet."


@safe_text
def trend(rows: Any, indicator: Any, *, target: Any = None, baseline: Any = None, forecast: Any = None,
          monthly: bool = False, complete_to: str | None = None,
          breaks: Sequence[Mapping[str, str]] | None = None) -> go.Figure:
    """The all-children series by year (or by month), with the target and local baseline as labelled lines
    and the forecast (point and lower-upper band) when given.

    rows: `show()`'s dict or its rows (only the all-children `Total` rows are drawn). target: a number or the
    benchmark's `target` block (whose `baseline` is used when `baseline` is not given). forecast: the
    benchmark's `forecast` block or its rows (period, forecast, lower, upper). complete_to: the last period
    that has ended (the benchmark's `period` for years; the last full month for `monthly`); later periods
    are drawn as hollow "so far" points, not joined to the line. breaks: the engine's `series_breaks` (a
    dotted line before each period where the published series changes definition).
    Where DfE's published figures are followed by local ones (periods not yet published), the local points are
    squares on a dotted line, named in the legend. Suppressed or missing periods are gaps in the line, listed in
    a note under the chart.
    """
    m = meta(indicator)
    df = _totals(rows)
    fc = _forecast_rows(forecast)
    if df["value"].notna().sum() == 0 and not fc:
        return empty_figure(_nothing_to_show(df, m))
    area = _area_name(df)
    area = area[:1].upper() + area[1:]  # a legend entry, whether a council or "children living in Knowle"
    labels = [format_period(p) for p in df["period"]]
    partial = [_is_partial(p, complete_to) for p in df["period"]]
    provisional = [bool(v) and not part for v, part in zip(df["provisional"], partial, strict=True)]
    values = [None if pd.isna(v) else float(v) for v in df["value"]]
    sources = source_labels(df)
    hover = [f"{area}, {lab}{' so far' if part else ' (provisional: clocks still running)' if prov else ''}: "
             f"{format_value(v, m.unit, m.places, s)}" + (f" ({src})" if src else "") for lab, v, s, part, prov, src in
             zip(labels, df["value"], df["status"], partial, provisional, sources, strict=True)]
    fig = _base(height=380 if not monthly else 400)
    whole = [None if part or prov else v for v, part, prov in zip(values, partial, provisional, strict=True)]
    unpublished = [src.endswith("(not yet published)") for src in sources]
    official = [None if unp else v for v, unp in zip(whole, unpublished, strict=True)]
    fig.add_trace(go.Scatter(
        x=labels, y=official, name=f"{area}, published by DfE" if any(unpublished) else area,
        mode="lines+markers", connectgaps=False,
        line={"color": PALETTE[0], "width": 3}, marker={"size": 8 if not monthly else 5, "color": PALETTE[0]},
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"))
    if any(unpublished):  # local figures for periods DfE has not published yet: joined on from the last published
        idx = [i for i, unp in enumerate(unpublished) if unp and whole[i] is not None]
        before = [i for i, v in enumerate(official) if v is not None and (not idx or i < idx[0])]
        idx = before[-1:] + idx
        fig.add_trace(go.Scatter(
            x=[labels[i] for i in idx], y=[whole[i] for i in idx], name=f"{area}, local records (not yet published)",
            mode="lines+markers", line={"color": PALETTE[0], "width": 2, "dash": "dot"},
            marker={"size": 9, "symbol": ["circle" if not unpublished[i] else "diamond" for i in idx],
                    "color": PALETTE[0]},
            hovertext=[hover[i] for i in idx], hovertemplate="%{hovertext}<extra></extra>"))
    if any(partial):
        idx = [i for i, part in enumerate(partial) if part and values[i] is not None]
        fig.add_trace(go.Scatter(
            x=[labels[i] for i in idx], y=[values[i] for i in idx], name="So far (period not finished)",
            mode="markers+text", text=["so far" for _ in idx], textposition="top center",
            textfont={"size": 12, "color": MUTED_COLOUR},
            marker={"size": 10, "symbol": "circle-open", "color": PALETTE[0], "line": {"width": 2}},
            hovertext=[hover[i] for i in idx], hovertemplate="%{hovertext}<extra></extra>"))
    idx = [i for i, prov in enumerate(provisional) if prov and values[i] is not None]
    if idx:  # cases still inside their statutory clock: the figure will change, so it is not joined to the line
        fig.add_trace(go.Scatter(
            x=[labels[i] for i in idx], y=[values[i] for i in idx], name=PROVISIONAL_KEY,
            mode="markers+text", text=["p" for _ in idx], textposition="top center",
            textfont={"size": 12, "color": MUTED_COLOUR},
            marker={"size": 10, "symbol": "square-open", "color": PALETTE[0], "line": {"width": 2}},
            hovertext=[hover[i] for i in idx], hovertemplate="%{hovertext}<extra></extra>"))
    categories = list(labels)
    if fc:
        fc_labels = [format_period(r["period"]) for r in fc]
        categories += [lab for lab in fc_labels if lab not in categories]
        lowers = [r["lower"] for r in fc]
        uppers = [r["upper"] for r in fc]
        if all(v is not None for v in lowers + uppers):
            band_hover = [f"{lab}: likely between {format_value(lo, m.unit, m.places)} and "
                          f"{format_value(up, m.unit, m.places)}" for lab, lo, up in
                          zip(fc_labels, lowers, uppers, strict=True)]
            fig.add_trace(go.Scatter(x=fc_labels, y=lowers, mode="lines", line={"width": 0}, showlegend=False,
                                     hoverinfo="skip", name="Forecast range (lower)"))
            fig.add_trace(go.Scatter(x=fc_labels, y=uppers, mode="lines", line={"width": 0}, fill="tonexty",
                                     fillcolor="rgba(0, 114, 178, 0.18)", name="Forecast range",
                                     hovertext=band_hover, hovertemplate="%{hovertext}<extra></extra>"))
        # Join the forecast to the last complete figure so the line reads on.
        last = [(lab, v) for lab, v in zip(labels, whole, strict=True) if v is not None]
        fx = ([last[-1][0]] if last else []) + fc_labels
        fy = ([last[-1][1]] if last else []) + [r["forecast"] for r in fc]
        fhover = ([f"{area}, {last[-1][0]}: {format_value(last[-1][1], m.unit, m.places)}"] if last else []) + [
            f"Forecast for {lab}: {format_value(r['forecast'], m.unit, m.places)}" for lab, r in
            zip(fc_labels, fc, strict=True)]
        fig.add_trace(go.Scatter(x=fx, y=fy, name="Forecast", mode="lines+markers",
                                 line={"color": PALETTE[0], "width": 2, "dash": "dash"},
                                 marker={"size": 7, "symbol": "diamond-open", "color": PALETTE[0]},
                                 hovertext=fhover, hovertemplate="%{hovertext}<extra></extra>"))
    target_value = _target_value(target)
    if target_value is not None and categories:
        text = f"Target {format_value(target_value, m.unit, m.places)}"
        fig.add_trace(go.Scatter(x=categories, y=[target_value] * len(categories), name=text, mode="lines",
                                 line={"color": TEXT_COLOUR, "width": 2, "dash": "dash"},
                                 hovertext=[text] * len(categories), hovertemplate="%{hovertext}<extra></extra>"))
    base_value, base_period = _baseline(target, baseline)
    if base_value is not None and categories:
        text = f"Local baseline {format_value(base_value, m.unit, m.places)}"
        if base_period:
            text += f" ({format_period(base_period)})"
        fig.add_trace(go.Scatter(x=categories, y=[base_value] * len(categories), name=text, mode="lines",
                                 line={"color": PALETTE[4], "width": 2, "dash": "dot"},
                                 hovertext=[text] * len(categories), hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=categories, title=None,
                     showgrid=False)  # labels level while they fit, slanted (plotly's "auto") once they would touch
    if len(categories) > 16:  # many months: label every January (or every sixth point) only
        ticks = [c for c in categories if c.startswith("Jan ")] or categories[::6]
        fig.update_xaxes(tickvals=ticks, ticktext=ticks)
    for brk in breaks or []:  # a dotted line just before the first period of the newer definition
        label = format_period(brk.get("period"))
        if label in categories and categories.index(label) > 0:
            fig.add_vline(x=categories.index(label) - 0.5, line={"color": MUTED_COLOUR, "width": 1, "dash": "dot"})
            fig.add_annotation(x=categories.index(label) - 0.5, y=1, xref="x", yref="paper", yanchor="bottom",
                               text="Series break", showarrow=False, font={"size": 11, "color": MUTED_COLOUR})
    fig.update_layout(legend={"traceorder": "normal"})
    top = max([v for v in values if v is not None] + [r["upper"] or r["forecast"] or 0 for r in fc]
              + [target_value or 0, base_value or 0, 0])
    fig.update_yaxes(title=_axis_title(m), rangemode="tozero", **_axis_format(m, top))
    if m.unit == "percent":
        fig.update_yaxes(range=[0, 100 if top > 60 else max(10.0, top * 1.2)])
    note = _gap_note(df)
    if note:
        _note(fig, note)
        fig.update_layout(margin={"b": 80})
    return fig


@safe_text
def sparkline(rows: Any, indicator: Any, *, complete_to: str | None = None) -> go.Figure:
    """A tiny all-children trend for a headline tile: no axes, no legend, the latest complete point marked
    (periods after `complete_to` are left off: a tile shows finished periods only)."""
    m = meta(indicator)
    df = _totals(rows)
    df = df.loc[~np.array(_held_back(df, complete_to), dtype=bool)]
    fig = _base(height=60)
    fig.update_layout(margin={"l": 4, "r": 8, "t": 6, "b": 6}, showlegend=False,
                      xaxis={"visible": False, "fixedrange": True}, yaxis={"visible": False, "fixedrange": True})
    if df["value"].notna().sum() == 0:
        fig.add_annotation(text="No trend yet", x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                           font={"size": 12, "color": MUTED_COLOUR})
        return fig
    labels = [format_period(p) for p in df["period"]]
    values = [None if pd.isna(v) else float(v) for v in df["value"]]
    hover = [f"{lab}: {format_value(v, m.unit, m.places, s)}" for lab, v, s in
             zip(labels, df["value"], df["status"], strict=True)]
    fig.add_trace(go.Scatter(x=labels, y=values, mode="lines", connectgaps=False, line={"color": PALETTE[0], "width": 2},
                             hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", name="Trend"))
    last = max(i for i, v in enumerate(values) if v is not None)
    fig.add_trace(go.Scatter(x=[labels[last]], y=[values[last]], mode="markers", name="Latest",
                             marker={"size": 7, "color": PALETTE[0]}, hovertext=[hover[last]],
                             hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels)
    return fig


def _trend_points(rows: Any, complete_to: str | None = None) -> list[tuple[str, float]]:
    df = _totals(rows)
    return [(p, float(v)) for p, v, held in zip(df["period"], df["value"], _held_back(df, complete_to), strict=True)
            if not pd.isna(v) and not held]


def title_trend(rows: Any, indicator: Any, *, target: Any = None, monthly: bool = False,
                complete_to: str | None = None) -> str:
    """The finding of the trend: the latest complete figure and how it moved from the one before, and the target."""
    m = meta(indicator)
    points = _trend_points(rows, complete_to)
    if not points:
        suppressed = _nothing_to_show(_totals(rows), m).startswith("Every")
        return f"{m.short_title}: {'every figure suppressed' if suppressed else 'no figures to show yet'}"
    period, value = points[-1]
    text = f"{m.short_title}: {format_value(value, m.unit, m.places)} in {format_period(period)}"
    if len(points) > 1:
        before_period, before = points[-2]
        word = "up from" if value > before else "down from" if value < before else "the same as"
        text += f", {word} {format_value(before, m.unit, m.places)} in {format_period(before_period)}"
    target_value = _target_value(target)
    if target_value is not None:
        text += f" (target {format_value(target_value, m.unit, m.places)})"
    return text


def summary_trend(rows: Any, indicator: Any, *, target: Any = None, forecast: Any = None,
                  monthly: bool = False, complete_to: str | None = None,
                  breaks: Sequence[Mapping[str, str]] | None = None) -> str:
    """One or two sentences: first and latest complete figures, the target, any period so far, the forecast
    and any gaps."""
    m = meta(indicator)
    df = _totals(rows)
    points = _trend_points(df, complete_to)
    if not points:
        return _nothing_to_show(df, m)
    area = _area_name(df)
    first_period, first = points[0]
    period, value = points[-1]
    subject = subject_phrase(m.title, lower=True)
    text = f"For {area}, {subject} was {format_value(value, m.unit, m.places)} in {format_period(period)}"
    if len(points) > 1:
        text += f", compared with {format_value(first, m.unit, m.places)} in {format_period(first_period)}"
    text += "."
    target_value = _target_value(target)
    if target_value is not None:
        relation = "above" if value > target_value else "below" if value < target_value else "at"
        text += f" That is {relation} the target of {format_value(target_value, m.unit, m.places)}."
    so_far = [(p, v, s) for p, v, s in zip(df["period"], df["value"], df["status"], strict=True)
              if _is_partial(p, complete_to)]
    if so_far:
        p, v, s = so_far[-1]
        text += f" {format_period(p)} so far: {format_value(v, m.unit, m.places, s)}."
    waiting = [format_period(p) for p, prov in zip(df["period"], df["provisional"], strict=True)
               if prov and not _is_partial(p, complete_to)]
    if waiting:
        listed = ", ".join(waiting[:-1]) + " and " + waiting[-1] if len(waiting) > 1 else waiting[0]
        text += (f" {listed} {'is' if len(waiting) == 1 else 'are'} provisional: clocks are still running for some "
                 "cases, so the figures will change.")
    fc = _forecast_rows(forecast)
    if fc and fc[-1]["lower"] is not None and fc[-1]["upper"] is not None:
        text += (f" The forecast for {format_period(fc[-1]['period'])} is "
                 f"{format_value(fc[-1]['forecast'], m.unit, m.places)} (likely between "
                 f"{format_value(fc[-1]['lower'], m.unit, m.places)} and "
                 f"{format_value(fc[-1]['upper'], m.unit, m.places)}).")
        text += backtest_sentence(forecast)
    gaps = df[df["status"] != "value"]
    if len(gaps):
        text += f" {len(gaps)} period(s) have no figure shown (suppressed or not available)."
    local = [p for p, src in zip(df["period"], source_labels(df), strict=True) if src.endswith("(not yet published)")]
    if local:
        text += (f" {', '.join(format_period(p) for p in local)} {'is' if len(local) == 1 else 'are'} from local "
                 "records, provisional until DfE publishes the official figure.")
    for brk in breaks or []:
        text += f" Series break before {format_period(brk.get('period'))}: {brk.get('note', '')}"
    return text


def backtest_sentence(forecast: Any) -> str:
    """The forecast method's track record in plain words, from the engine's forecast block (its `backtest`,
    figures by horizon from `python -m indicators backtest`); "" when the method was not backtested."""
    tested = forecast.get("backtest") if isinstance(forecast, Mapping) else None
    one = (tested or {}).get("1")
    if not one:
        return ""
    two = tested.get("2")
    reach = f"{one['mdape']:.1f}% one year ahead" + (f" and {two['mdape']:.1f}% two years ahead" if two else "")
    return (f" In past years this method was within {reach} (median across {one['councils']} councils' published "
            f"figures); its band held the outcome one year ahead in {one['covered']} of {one['forecasts']} "
            "forecasts tested.")


def table_trend(rows: Any, indicator: Any, *, forecast: Any = None, complete_to: str | None = None) -> pd.DataFrame:
    """The trend as a table of readable strings: Period, the value, Numerator and Denominator (for rates),
    then any forecast rows."""
    m = meta(indicator)
    df = _totals(rows)
    out = pd.DataFrame({
        "Period": [format_period(p) + (" (so far)" if _is_partial(p, complete_to) else " (provisional)" if prov else "")
                   for p, prov in zip(df["period"], df["provisional"], strict=True)],
        m.short_title: [format_value(v, m.unit, m.places, s) for v, s in zip(df["value"], df["status"], strict=True)],
    })
    labels = source_labels(df)
    if any(labels):
        out["Source"] = [label[:1].upper() + label[1:] for label in labels]
    if m.unit in ("percent", "rate_per_10000") and (df["numerator"].notna().any() or df["denominator"].notna().any()):
        out["Numerator"] = [format_number(v) if not pd.isna(v) else symbol_text(s if s != "value" else "x")
                            for v, s in zip(df["numerator"], df["status"], strict=True)]
        out["Denominator"] = [format_number(v) if not pd.isna(v) else symbol_text(s if s != "value" else "x")
                              for v, s in zip(df["denominator"], df["status"], strict=True)]
    fc = _forecast_rows(forecast)
    if fc:
        extra = pd.DataFrame({"Period": [f"{format_period(r['period'])} (forecast)" for r in fc],
                              m.short_title: [
                                  format_value(r["forecast"], m.unit, m.places)
                                  + (f" (likely {format_value(r['lower'], m.unit, m.places)} to "
                                     f"{format_value(r['upper'], m.unit, m.places)})"
                                     if r["lower"] is not None and r["upper"] is not None else "")
                                  for r in fc]})
        out = pd.concat([out, extra], ignore_index=True).fillna("")
    return out


# --- benchmark against neighbours, region and England ------------------------------------------------------

def _benchmark_entries(benchmark: Mapping[str, Any] | None, unit: str = "percent"
                       ) -> tuple[list[dict[str, Any]], str | None]:
    benchmark = benchmark or {}
    pub = benchmark.get("published") or {}
    area = benchmark.get("area_name") or "This area"
    entries = [{"kind": "area", "name": area, "value": _number(pub.get("la_value"))}]
    for n in pub.get("neighbours") or []:
        entries.append({"kind": "neighbour", "name": n.get("area_name") or f"Statistical neighbour {n.get('rank')}",
                        "value": _number(n.get("value"))})
    if pub.get("sn_mean") is not None or pub.get("neighbours"):
        entries.append({"kind": "average", "name": "Statistical neighbours' average", "value": _number(pub.get("sn_mean"))})
    if unit == "count":  # a region's or England's total is no yardstick for one LA's count
        return entries, pub.get("period")
    if pub.get("region_name"):
        entries.append({"kind": "average", "name": f"{pub['region_name']} (region)", "value": _number(pub.get("region_value"))})
    if "england_value" in pub:
        entries.append({"kind": "average", "name": "England", "value": _number(pub.get("england_value"))})
    return entries, pub.get("period")


def _sort_best_first(items: list[dict[str, Any]], m: Meta, key: str = "value") -> list[dict[str, Any]]:
    valued = [e for e in items if e[key] is not None]
    missing = [e for e in items if e[key] is None]
    valued.sort(key=lambda e: (e[key] if m.low_is_good else -e[key], e.get("name", "")))
    return valued + missing


@safe_text
def benchmark_bars(benchmark: Mapping[str, Any] | None, indicator: Any) -> go.Figure:
    """The area beside each of its statistical neighbours, their average, the region and England.

    From the benchmark block's `published` figures (all for the same published period). Sorted best first
    by polarity (highest first when there is no judgement); the area in the highlight colour with a bold
    label and an outline; averages in grey; an area without a figure listed at the end with its symbol.
    """
    m = meta(indicator)
    entries, period = _benchmark_entries(benchmark, m.unit)
    if not any(e["value"] is not None for e in entries):
        return empty_figure("There are no published figures to compare this area with.")
    ordered = _sort_best_first(entries, m)
    labels = []
    for e in ordered:
        label = f"<b>{e['name']} (this area)</b>" if e["kind"] == "area" else e["name"]
        labels.append(label)
        e["label"] = label
    when = f" in {format_period(period)}" if period else ""
    fig = _base(height=max(320, 30 * len(ordered) + 90))
    styles = {"area": ("This area", HIGHLIGHT, {"color": TEXT_COLOUR, "width": 2}),
              "neighbour": ("Statistical neighbours", NEIGHBOUR, {"width": 0}),
              "average": ("Averages: neighbours, region, England", COMPARATOR, {"width": 0})}
    for kind, (name, colour, line) in styles.items():
        group = [e for e in ordered if e["kind"] == kind and e["value"] is not None]
        if not group:
            continue
        fig.add_trace(go.Bar(
            x=[e["value"] for e in group], y=[e["label"] for e in group], orientation="h", name=name,
            marker={"color": colour, "line": line}, text=[format_value(e["value"], m.unit, m.places) for e in group],
            textposition="outside", cliponaxis=False, textfont={"color": TEXT_COLOUR},
            hovertext=[f"{e['name']}: {format_value(e['value'], m.unit, m.places)}{when}" for e in group],
            hovertemplate="%{hovertext}<extra></extra>"))
    missing = [e for e in ordered if e["value"] is None]
    if missing:
        fig.add_trace(go.Scatter(
            x=[0] * len(missing), y=[e["label"] for e in missing], mode="text", name="No published figure",
            text=[symbol_text("x") for _ in missing], textposition="middle right", showlegend=False,
            textfont={"color": MUTED_COLOUR}, hovertext=[f"{e['name']}: no published figure{when}" for e in missing],
            hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_layout(barmode="overlay", bargap=0.25)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=labels, autorange="reversed", title=None)
    top = max(e["value"] for e in ordered if e["value"] is not None)
    fig.update_xaxes(title=f"{_axis_title(m)}{when}", rangemode="tozero", **_axis_format(m, top),
                     range=[0, max(top * 1.15, 1e-9)] if top > 0 else None)
    order_words = "best at the top" if m.judged else "highest at the top"
    _note(fig, f"Sorted {order_words} ({_better_word(m)}).", y=-0.08 - 40 / max(320, 30 * len(ordered) + 90))
    return fig


def _compare(value: float, other: float) -> str:
    return "above" if value > other else "below" if value < other else "level with"


def title_benchmark(benchmark: Mapping[str, Any] | None, indicator: Any) -> str:
    """E.g. "Plans issued in 20 weeks: Bristol, City of below its statistical neighbours and England in 2024"."""
    m = meta(indicator)
    benchmark = benchmark or {}
    pub = benchmark.get("published") or {}
    area = benchmark.get("area_name") or "This area"
    value = _number(pub.get("la_value"))
    if value is None:
        return f"{m.short_title}: no published figure for {area} to compare"
    parts = []
    if _number(pub.get("sn_mean")) is not None:
        parts.append(("its statistical neighbours", _compare(value, pub["sn_mean"])))
    if _number(pub.get("england_value")) is not None and m.unit != "count":
        parts.append(("England", _compare(value, pub["england_value"])))
    when = f" in {format_period(pub['period'])}" if pub.get("period") else ""
    if not parts:
        return f"{m.short_title} in {area}: {format_value(value, m.unit, m.places)}{when}"
    if len(parts) == 2 and parts[0][1] == parts[1][1]:
        return f"{m.short_title}: {area} {parts[0][1]} its statistical neighbours and England{when}"
    said = " and ".join(f"{rel} {who}" for who, rel in parts)
    return f"{m.short_title}: {area} {said}{when}"


def summary_benchmark(benchmark: Mapping[str, Any] | None, indicator: Any) -> str:
    """E.g. "In 2024, Bristol, City of's figure was 17.3%, below its statistical neighbours' average of 47.5%
    and England's 45.9%. It ranked 131st of 153 councils (1 is best), in quartile band D." """
    m = meta(indicator)
    benchmark = benchmark or {}
    pub = benchmark.get("published") or {}
    area = benchmark.get("area_name") or "This area"
    value = _number(pub.get("la_value"))
    when = f"In {format_period(pub['period'])}, " if pub.get("period") else ""
    if value is None:
        return f"There is no published figure for {area} to compare with its statistical neighbours and England."
    text = f"{when}{area}'s figure was {format_value(value, m.unit, m.places)}"
    comparisons = []
    if _number(pub.get("sn_mean")) is not None:
        comparisons.append(f"{_compare(value, pub['sn_mean'])} its statistical neighbours' average of "
                           f"{format_value(pub['sn_mean'], m.unit, m.places)}")
    if _number(pub.get("region_value")) is not None and pub.get("region_name") and m.unit != "count":
        comparisons.append(f"{_compare(value, pub['region_value'])} the {pub['region_name']} figure of "
                           f"{format_value(pub['region_value'], m.unit, m.places)}")
    if _number(pub.get("england_value")) is not None and m.unit != "count":
        comparisons.append(f"{_compare(value, pub['england_value'])} England's "
                           f"{format_value(pub['england_value'], m.unit, m.places)}")
    if comparisons:
        text += ", " + (", ".join(comparisons[:-1]) + " and " + comparisons[-1] if len(comparisons) > 1
                        else comparisons[0])
    text += "."
    if pub.get("rank") is not None and pub.get("rank_out_of"):
        order = "1 is best" if m.judged else "1 is highest"
        text += f" It ranked {ordinal(int(pub['rank']))} of {int(pub['rank_out_of'])} councils ({order})"
        text += f", in quartile band {pub['quartile_band']}." if pub.get("quartile_band") else "."
    if m.judged:
        text += f" For this measure {_better_word(m)}."
    return text


def table_benchmark(benchmark: Mapping[str, Any] | None, indicator: Any) -> pd.DataFrame:
    """Area, Value, Compared as (this area / statistical neighbour / average), sorted as in the chart."""
    m = meta(indicator)
    entries, _ = _benchmark_entries(benchmark, m.unit)
    ordered = _sort_best_first(entries, m)
    kinds = {"area": "This area", "neighbour": "Statistical neighbour", "average": "Average"}
    return pd.DataFrame({"Area": [e["name"] for e in ordered],
                         "Value": [format_value(e["value"], m.unit, m.places) for e in ordered],
                         "Shown as": [kinds[e["kind"]] for e in ordered]})


# --- every LA ranked ---------------------------------------------------------------------------------------

def _ranked(values: pd.DataFrame | Sequence[Mapping[str, Any]], m: Meta) -> pd.DataFrame:
    df = values.copy() if isinstance(values, pd.DataFrame) else pd.DataFrame(list(values or []))
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


def quartile_cut_points(values: pd.DataFrame | Sequence[Mapping[str, Any]]) -> tuple[float, float, float] | None:
    """25th, 50th and 75th percentiles of the values (linear interpolation, LAIT's method), None if empty."""
    df = _ranked(values, meta(None))
    if df.empty:
        return None
    q25, q50, q75 = np.percentile(df["value"].to_numpy(), [25, 50, 75])
    return float(q25), float(q50), float(q75)


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
def ranked_all_las(values: pd.DataFrame | Sequence[Mapping[str, Any]], la_code: str, neighbours: Sequence[str],
                   indicator: Any, quartile_cuts: Sequence[float] | None = None, *, period: str | None = None
                   ) -> go.Figure:
    """Every LA's value ranked best first by polarity (highest first with no judgement); the area and its
    statistical neighbours highlighted (colour, and the area labelled with an arrow); quartile bands A-D as
    shaded value ranges with their letters.

    values: a plain frame (area_code, area_name, value[, status]) of one period. quartile_cuts: the
    benchmark's `quartile_cut_points`, or None to compute them here the same way (`quartile_cut_points`).
    """
    m = meta(indicator)
    df = _ranked(values, m)
    if df.empty:
        return empty_figure("There are no published figures for councils to rank.")
    cuts = tuple(quartile_cuts) if quartile_cuts is not None else quartile_cut_points(df)
    neighbours = {str(n) for n in neighbours or []}
    n = len(df)
    df["position"] = np.arange(1, n + 1)
    df["group"] = ["area" if c == str(la_code) else "neighbour" if c in neighbours else "other" for c in df["area_code"]]
    when = f" in {format_period(period)}" if period else ""
    fig = _base(height=460)
    styles = [("other", "Other councils", OTHER), ("neighbour", "Statistical neighbours", NEIGHBOUR),
              ("area", "This area", HIGHLIGHT)]
    rank_word = "" if m.judged else " (1 = highest)"
    for group, name, colour in styles:
        part = df[df["group"] == group]
        if part.empty:
            continue
        if group == "area":
            name = f"{part['area_name'].iat[0]} (this area)"
        fig.add_trace(go.Bar(
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
    fig.update_yaxes(title=f"{_axis_title(m)}{when}", range=[low, top], **_axis_format(m, high))
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
    cuts = tuple(quartile_cuts) if quartile_cuts is not None else quartile_cut_points(df)
    text = (f"{row['area_name']}'s figure of {format_value(row['value'], m.unit, m.places)} ranks "
            f"{ordinal(int(row['rank']))} of {len(df)} councils in England "
            f"({'1 is best, ' + _better_word(m) if m.judged else '1 is highest'}).")
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


# --- breakdowns --------------------------------------------------------------------------------------------

def _latest_period(df: pd.DataFrame) -> str | None:
    """The latest period with figures, settled ones first (a provisional period is never the default)."""
    valued = df[df["value"].notna() & ~df["provisional"]]
    valued = valued if len(valued) else df[df["value"].notna()]
    periods = _sorted_periods((valued if len(valued) else df)["period"])
    return periods[-1] if periods else None


def _breakdown_rows(rows: Any, breakdown: str, period: str | None) -> tuple[pd.DataFrame, pd.DataFrame, str | None]:
    df = frame(rows)
    part = df[(df["breakdown"] == breakdown) & (df["breakdown_value"] != TOTAL)]
    period = period if period is not None else _latest_period(part)
    part = part[part["period"] == str(period)] if period is not None else part.iloc[0:0]
    total = df[(df["breakdown"] == TOTAL) & (df["period"] == str(period))]
    return part.reset_index(drop=True), total.reset_index(drop=True), period


def _label(value: str, labels: Mapping[str, str] | None) -> str:
    if labels and value in labels:
        return str(labels[value])
    return value or "Not recorded"


def _yardstick(m: Meta, total: pd.DataFrame) -> float | None:
    """The all-children figure to draw across a breakdown, or None. A rate's is a yardstick for each group; a
    count's is the groups' sum and a share's is 100%, so drawn they would only squeeze the bars (the summary
    states them instead)."""
    value = _number(total["value"].iat[0]) if len(total) else None
    if value is None or m.unit == "count" or (m.unit == "percent" and value == 100):
        return None
    return value


def caption_breakdown(rows: Any, indicator: Any, breakdown: str, *, period: str | None = None) -> str:
    """What the breakdown chart's dashed line is, or nothing where `breakdown_bars` draws none."""
    _, total, _ = _breakdown_rows(rows, breakdown, period)
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
    part, total, period = _breakdown_rows(rows, breakdown, period)
    what = mid_sentence(breakdown_label or breakdown.replace("_", " "))
    if part.empty:
        return empty_figure(f"There are no figures by {what} for this selection.")
    items = [{"name": _label(v, labels), "value": None if pd.isna(x) else float(x), "status": s,
              "den": d} for v, x, s, d in zip(part["breakdown_value"], part["value"], part["status"],
                                              part["denominator"], strict=True)]
    ordered = _sort_best_first(items, m)
    names = [e["name"] for e in ordered]
    when = format_period(period) if period else ""
    height = max(260, 26 * len(ordered) + 110)
    fig = _base(height=height)
    valued = [e for e in ordered if e["value"] is not None]
    if valued:
        fig.add_trace(go.Bar(
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
        fig.add_trace(go.Scatter(
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
    fig.update_xaxes(title=f"{_axis_title(m)}{', ' + when if when else ''}", rangemode="tozero",
                     range=[0, top * 1.18 if top > 0 else 1], **_axis_format(m, top))
    fig.update_layout(margin={"t": 50})
    return fig


def title_breakdown(rows: Any, indicator: Any, breakdown: str, *, period: str | None = None,
                    breakdown_label: str | None = None) -> str:
    m = meta(indicator)
    part, _, period = _breakdown_rows(rows, breakdown, period)
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
    part, total, period = _breakdown_rows(rows, breakdown, period)
    what = mid_sentence(breakdown_label or breakdown.replace("_", " "))
    if part.empty:
        return f"There are no figures by {what} for this selection."
    valued = part[part["value"].notna()]
    when = f"In {format_period(period)}, " if period else ""
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
    total_value = _number(total["value"].iat[0]) if len(total) else None
    if total_value is not None:
        text += f" The figure for all children was {format_value(total_value, m.unit, m.places)}."
    hidden = len(part) - len(valued)
    if hidden:
        text += f" {hidden} group(s) have no figure shown: suppressed to protect privacy or not available."
    return text


def table_breakdown(rows: Any, indicator: Any, breakdown: str, *, period: str | None = None,
                    labels: Mapping[str, str] | None = None, breakdown_label: str | None = None) -> pd.DataFrame:
    m = meta(indicator)
    part, _, _ = _breakdown_rows(rows, breakdown, period)
    items = [{"name": _label(v, labels), "value": None if pd.isna(x) else float(x), "status": s, "num": n, "den": d}
             for v, x, s, n, d in zip(part["breakdown_value"], part["value"], part["status"], part["numerator"],
                                      part["denominator"], strict=True)]
    ordered = _sort_best_first(items, m)
    out = pd.DataFrame({(breakdown_label or breakdown.replace("_", " ").capitalize()): [e["name"] for e in ordered],
                        m.short_title: [format_value(e["value"], m.unit, m.places, e["status"]) for e in ordered]})
    if m.unit in ("percent", "rate_per_10000"):
        out["Numerator"] = [format_number(e["num"]) if not pd.isna(e["num"]) else symbol_text(
            e["status"] if e["status"] != "value" else "x") for e in ordered]
        out["Denominator"] = [format_number(e["den"]) if not pd.isna(e["den"]) else symbol_text(
            e["status"] if e["status"] != "value" else "x") for e in ordered]
    return out


# --- wards: hex tile map or choropleth ---------------------------------------------------------------------

def _ward_list(wards: Any, part: pd.DataFrame) -> list[tuple[str, str]]:
    """[(code, name)] from a frame/records with ward_code and ward_name, a {code: name} mapping, or the rows."""
    pairs: list[tuple[str, str]] = []
    if isinstance(wards, pd.DataFrame):
        wards = wards.to_dict("records")
    if isinstance(wards, Mapping):
        pairs = [(str(k), str(v)) for k, v in wards.items()]
    elif wards:
        for w in wards:
            if isinstance(w, Mapping):
                code = w.get("ward_code") or w.get("code") or w.get("area_code")
                name = w.get("ward_name") or w.get("name") or w.get("area_name") or code
                if code:
                    pairs.append((str(code), str(name)))
            else:
                pairs.append((str(w), str(w)))
    if not pairs:
        pairs = [(v, v) for v in sorted(set(part["breakdown_value"])) if v]
    seen: dict[str, str] = {}
    for code, name in pairs:
        seen.setdefault(code, name)
    return sorted(seen.items(), key=lambda p: (p[1].lower(), p[0]))


def hex_layout(keys: Sequence[str]) -> dict[str, tuple[float, float]]:
    """Centres of pointy-topped hexagons (unit circumradius) for `keys`, in the order given, filling a compact
    hexagon row by row from the top left (reading order). The smallest hexagon that holds them all is used;
    spare cells are left off the ends of the first and last rows, so the shape stays compact and every tile
    sits on the hex grid. Deterministic; no two keys share a cell.
    """
    n = len(keys)
    if n == 0:
        return {}
    side = 1
    while 3 * side * (side - 1) + 1 < n:
        side += 1
    width = math.sqrt(3)
    cells: list[tuple[float, float]] = []
    rows = 2 * side - 1
    for r in range(rows):
        length = side + min(r, rows - 1 - r)
        start = -(length - 1) / 2
        for j in range(length):
            cells.append(((start + j) * width, -1.5 * (r - (rows - 1) / 2)))
    spare = len(cells) - n
    head = spare // 2
    cells = cells[head:len(cells) - (spare - head)]
    return {key: cells[i] for i, key in enumerate(keys)}


def _hex_path(x: float, y: float, radius: float = 0.97) -> str:
    points = [(x + radius * math.cos(math.radians(60 * k - 30)), y + radius * math.sin(math.radians(60 * k - 30)))
              for k in range(6)]
    return "M " + " L ".join(f"{px:.4f},{py:.4f}" for px, py in points) + " Z"


def short_name(name: str, width: int = 11) -> str:
    """A ward name that fits a tile: up to two lines of about `width` characters, `and` as `&`."""
    words = str(name).replace(" and ", " & ").split()
    lines: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}".strip()
        if len(trial) <= width or not current:
            current = trial
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > 2:
        lines = [lines[0], lines[1].rstrip("&").rstrip() + "…"]
    return "<br>".join(line if len(line) <= width + 3 else line[:width] + "…" for line in lines)


def _luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_colour_for(fill: str) -> str:
    """Black or white, whichever contrasts more with `fill` (a #rrggbb colour)."""
    lum = _luminance(fill)
    return TEXT_COLOUR if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


def _to_hex(colour: str) -> str:
    if colour.startswith("#"):
        return colour
    parts = [int(float(p)) for p in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3]]
    return "#" + "".join(f"{p:02x}" for p in parts)


def _ward_values(rows: Any, wards: Any, period: str | None) -> tuple[list[dict[str, Any]], str | None]:
    part, _, period = _breakdown_rows(rows, "ward", period)
    by_key = {v: (x, s) for v, x, s in zip(part["breakdown_value"], part["value"], part["status"], strict=True)}
    out = []
    for code, name in _ward_list(wards, part):
        value, status = by_key.get(code, by_key.get(name, (np.nan, "x")))
        out.append({"code": code, "name": name, "value": None if pd.isna(value) else float(value), "status": status})
    return out, period


def _geo_key(geojson: Mapping[str, Any], codes: set[str]) -> str | None:
    features = geojson.get("features") or []
    if not features:
        return None
    if all(f.get("id") is not None for f in features[:5]) and any(str(f.get("id")) in codes for f in features):
        return "id"
    props = features[0].get("properties") or {}
    for key in props:
        if any(str((f.get("properties") or {}).get(key)) in codes for f in features):
            return f"properties.{key}"
    return None


@safe_text
def ward_map(rows: Any, indicator: Any, wards: Any = None, geojson: Mapping[str, Any] | None = None, *,
             period: str | None = None) -> go.Figure:
    """The indicator by ward: a choropleth when a ward GeoJSON is given (features keyed by ward code),
    otherwise a generated hex tile map of the area's wards in alphabetical reading order (`hex_layout`).

    wards: the area's wards as a frame or records with `ward_code` and `ward_name`, or a {code: name}
    mapping; rows' ward values may be names or codes. Each tile shows a short ward name and the value;
    a suppressed ward is pale grey with its symbol. Every tile or area carries [ward code, ward name] in
    `customdata` for drill-down. Use `breakdown_bars(rows, indicator, "ward")` beside it as the ranked view.
    """
    m = meta(indicator)
    items, period = _ward_values(rows, wards, period)
    if not items:
        return empty_figure("There are no figures by ward for this selection.")
    valued = [e["value"] for e in items if e["value"] is not None]
    when = f", {format_period(period)}" if period else ""
    hover = [f"{e['name']}: {format_value(e['value'], m.unit, m.places, e['status'])}{when}" for e in items]
    custom = [[e["code"], e["name"]] for e in items]
    lo, hi = (min(valued), max(valued)) if valued else (0.0, 1.0)
    if hi == lo:
        hi = lo + 1
    colorbar = {"title": {"text": f"{_axis_title(m)} (darker is higher)", "side": "top"}, "thickness": 12,
                "len": 0.6, "orientation": "h", "x": 0.5, "xanchor": "center", "yanchor": "top",
                **({"ticksuffix": "%"} if m.unit == "percent" else {})}
    scale = [[i / (len(SEQUENTIAL) - 1), c] for i, c in enumerate(SEQUENTIAL)]
    key = _geo_key(geojson, {e["code"] for e in items}) if geojson else None
    if geojson and key:
        fig = _base(height=520)
        shown = [e for e in items if e["value"] is not None]
        hidden = [e for e in items if e["value"] is None]
        if hidden:
            fig.add_trace(go.Choropleth(
                geojson=geojson, featureidkey=key, locations=[e["code"] for e in hidden], z=[0] * len(hidden),
                colorscale=[[0, SUPPRESSED_FILL], [1, SUPPRESSED_FILL]], showscale=False, name="No figure",
                marker={"line": {"color": MUTED_COLOUR, "width": 0.6}},
                customdata=[[e["code"], e["name"]] for e in hidden],
                hovertext=[f"{e['name']}: {symbol_text(e['status'])}" for e in hidden],
                hovertemplate="%{hovertext}<extra></extra>"))
        if shown:
            fig.add_trace(go.Choropleth(
                geojson=geojson, featureidkey=key, locations=[e["code"] for e in shown],
                z=[e["value"] for e in shown], zmin=lo, zmax=hi, colorscale=scale, colorbar=colorbar,
                name=m.short_title, marker={"line": {"color": "#ffffff", "width": 0.8}},
                customdata=[[e["code"], e["name"]] for e in shown],
                hovertext=[f"{e['name']}: {format_value(e['value'], m.unit, m.places)}{when}" for e in shown],
                hovertemplate="%{hovertext}<extra></extra>"))
        fig.update_geos(fitbounds="locations", visible=False)
        fig.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": 10})
        return fig
    centres = hex_layout([e["code"] for e in items])
    span_x = max(abs(x) for x, _ in centres.values()) + 1.2
    span_y = max(abs(y) for _, y in centres.values()) + 1.3
    # Sized for a half-width column (about 560 pixels): the tiles fill it, with the scale and note below.
    plot_height = max(220, min(640, int(560 * span_y / span_x)))
    bottom = 140
    colorbar["y"] = -16 / plot_height
    fig = _base(height=plot_height + bottom + 10)
    fills, texts, colours = [], [], []
    for e in items:
        if e["value"] is None:
            fill = SUPPRESSED_FILL
            label = e["status"] if e["status"] in SYMBOLS else "x"
        else:
            fill = _to_hex(sample_colorscale(scale, [(e["value"] - lo) / (hi - lo)])[0])
            label = format_value(e["value"], m.unit, m.places)
        x, y = centres[e["code"]]
        edge = {"color": "#b1b4b6", "width": 1} if e["value"] is None else {"color": "#ffffff", "width": 2}
        fig.add_shape(type="path", path=_hex_path(x, y, 0.95 if e["value"] is None else 0.97), fillcolor=fill,
                      line=edge, layer="below")
        fills.append(fill)
        colours.append(text_colour_for(fill))
        texts.append(f"{short_name(e['name'])}<br><b>{label}</b>")
    xs = [centres[e["code"]][0] for e in items]
    ys = [centres[e["code"]][1] for e in items]
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="markers+text", text=texts, textposition="middle center",
        textfont={"size": 10, "color": colours}, name=m.short_title, showlegend=False,
        marker={"symbol": "hexagon", "size": 46, "colorscale": scale,
                "color": [lo if e["value"] is None else e["value"] for e in items],
                "cmin": lo, "cmax": hi, "opacity": 0, "showscale": bool(valued), "colorbar": colorbar},
        customdata=custom, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_xaxes(visible=False, range=[-span_x, span_x], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-span_y, span_y], scaleanchor="x", scaleratio=1, fixedrange=True)
    fig.update_layout(margin={"l": 0, "r": 0, "t": 10, "b": bottom})
    hidden = sum(1 for e in items if e["value"] is None)
    note = "Wards in alphabetical order, read left to right and top to bottom; tiles are not to scale."
    if hidden:
        note += f" {hidden} grey tile(s): suppressed (c) or not available (x)."
    _note(fig, note, y=-(84 if valued else 16) / plot_height)
    return fig


def title_ward_map(rows: Any, indicator: Any, wards: Any = None, *, period: str | None = None) -> str:
    return title_breakdown(rows, indicator, "ward", period=period, breakdown_label="ward")


def summary_ward_map(rows: Any, indicator: Any, wards: Any = None, *, period: str | None = None) -> str:
    m = meta(indicator)
    items, period = _ward_values(rows, wards, period)
    if not items:
        return "There are no figures by ward for this selection."
    valued = sorted((e for e in items if e["value"] is not None), key=lambda e: (-e["value"], e["name"]))
    when = f"In {format_period(period)}, " if period else ""
    if not valued:
        return f"{when}no ward has a figure that can be shown; all {len(items)} are suppressed or not available."
    text = (f"{when}{len(valued)} of {len(items)} wards have a figure, from "
            f"{format_value(valued[-1]['value'], m.unit, m.places)} in {valued[-1]['name']} to "
            f"{format_value(valued[0]['value'], m.unit, m.places)} in {valued[0]['name']}.")
    if len(valued) < len(items):
        text += f" The other {len(items) - len(valued)} are suppressed to protect privacy or not available."
    return text


# --- schools: funnel plot ----------------------------------------------------------------------------------

def control_limits(p: float, n: float | np.ndarray, z: float = Z95) -> tuple[Any, Any]:
    """Lower and upper control limits (as proportions, clipped to 0..1) around the rate `p` for a
    denominator `n`, by the normal approximation to the binomial: p ± z·√(p(1−p)/n).

    E.g. p = 0.2, n = 100, z = 1.96: 0.2 ± 1.96 × 0.04 = 0.1216 and 0.2784.
    """
    n = np.asarray(n, dtype=float)
    half = z * np.sqrt(p * (1 - p) / n)
    lower, upper = np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)
    if lower.ndim == 0:
        return float(lower), float(upper)
    return lower, upper


def _school_points(rows: Any, period: str | None, breakdown: str) -> tuple[pd.DataFrame, float | None, str | None,
                                                                           int]:
    part, total, period = _breakdown_rows(rows, breakdown, period)
    usable = part[part["value"].notna() & (part["denominator"] > 0)].copy()
    hidden = len(part) - len(usable)
    p = None
    if len(total):
        num, den = _number(total["numerator"].iat[0]), _number(total["denominator"].iat[0])
        if num is not None and den:
            p = num / den
        elif _number(total["value"].iat[0]) is not None:
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
    fig = _base(height=460)
    for z, name, dash in ((Z998, "99.8% limits", "dot"), (Z95, "95% limits", "dash")):
        lower, upper = control_limits(p, grid, z)
        for bound, values in (("upper", upper), ("lower", lower)):
            fig.add_trace(go.Scatter(
                x=grid, y=values * 100, mode="lines", name=name, legendgroup=name, showlegend=bound == "upper",
                line={"color": MUTED_COLOUR if z == Z998 else TEXT_COLOUR, "width": 1.5, "dash": dash},
                hovertext=[f"{name}, {bound}, for {format_number(n)} children: {format_value(v * 100, 'percent', m.places)}"
                           for n, v in zip(grid, values, strict=True)],
                hovertemplate="%{hovertext}<extra></extra>"))
    area = _area_name(frame(rows))
    fig.add_trace(go.Scatter(x=[grid[0], grid[-1]], y=[p * 100, p * 100], mode="lines",
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
        fig.add_trace(go.Scatter(
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
        _note(fig, f"{hidden} school(s) with a suppressed or missing figure are not shown.")
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


# --- equity gaps -------------------------------------------------------------------------------------------

def _gap_data(rows: Any, breakdown: str | None, groups: Sequence[str] | None, periods: int
              ) -> tuple[pd.DataFrame, list[str], list[str], str | None]:
    df = frame(rows)
    breakdowns = [b for b in dict.fromkeys(df["breakdown"]) if b not in (TOTAL, "")]
    breakdown = breakdown or (breakdowns[0] if breakdowns else None)
    part = df[(df["breakdown"] == breakdown) & (df["breakdown_value"] != TOTAL)] if breakdown else df.iloc[0:0]
    names = list(groups) if groups else sorted(set(part["breakdown_value"]))
    part = part[part["breakdown_value"].isin(names)]
    valued_periods = _sorted_periods(part.loc[part["value"].notna(), "period"])[-periods:]
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
    fig = _base(height=max(260, 46 * len(period_list) + 130))
    gaps = _gaps(part, period_list)
    for g in gaps:
        fig.add_shape(type="line", x0=g["low_value"], x1=g["high_value"], y0=labels[g["period"]],
                      y1=labels[g["period"]], line={"color": OTHER, "width": 4}, layer="below")
    symbols = ["circle", "diamond", "square", "triangle-up", "cross", "x", "star"]
    for i, name in enumerate(names):
        here = part[(part["breakdown_value"] == name) & part["value"].notna()]
        if here.empty:
            continue
        fig.add_trace(go.Scatter(
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
    fig.update_xaxes(title=_axis_title(m), rangemode="tozero", range=[min(0.0, float(values.min())), top * 1.1 if top > 0 else 1],
                     **_axis_format(m, top))
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


__all__ = [
    "SYMBOLS", "SYMBOL_EXPLANATIONS", "Meta", "benchmark_bars", "format_period", "breakdown_bars", "control_limits", "empty_figure",
    "equity_gap", "format_change", "format_number", "format_value", "frame", "funnel_plot", "hex_layout", "meta",
    "ordinal", "subject_phrase", "quartile_bands", "quartile_cut_points", "ranked_all_las", "short_name", "sparkline",
    "summary_benchmark", "summary_breakdown", "summary_equity_gap", "summary_funnel", "summary_ranked",
    "summary_trend", "summary_ward_map", "symbol_text", "table_benchmark", "table_breakdown", "table_equity_gap",
    "table_funnel", "table_ranked", "table_trend", "text_colour_for", "title_benchmark", "title_breakdown",
    "title_equity_gap", "title_funnel", "title_ranked", "title_trend", "title_ward_map", "trend", "ward_map",
]
