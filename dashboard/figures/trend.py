"""A measure over time: the trend chart, the headline sparkline, their words and table, where each period's
figure comes from, and which periods are still provisional or in progress."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.layout import add_note, axis_format, axis_title, empty_figure, new_figure, safe_text
from dashboard.figures.rows import Meta, area_name_of, meta, period_key, total_rows
from dashboard.format import (
    as_number,
    format_number,
    format_period,
    format_value,
    listed,
    mid_sentence,
    subject_phrase,
    symbol_text,
)
from dashboard.theme import MUTED_COLOUR, PALETTE, TEXT_COLOUR
from indicators.catalogue import Indicator
from indicators.results import Forecast, SeriesBreak, Target

TargetLine = Target | float | None  # the benchmark's target block, or a number to draw

# Where a figure comes from, as a reader says it. Local figures for a period DfE has not yet published are
# provisional: DfE's published figure will replace them (the engine shows it once it is loaded).
SOURCE_LABELS = {"published": "published by DfE", "local": "local records", "partner": "partner return"}


def source_labels(rows: Any) -> list[str]:
    """Each all-children row's source in words ("published by DfE", "local records, provisional"), in the
    order `total_rows` gives; empty where the rows do not say."""
    df = total_rows(rows)
    sources = [str(s) if isinstance(s, str) else "" for s in df.get("source", pd.Series([None] * len(df)))]
    mixed = "published" in sources
    return [SOURCE_LABELS.get(s, "") + (", provisional (not yet published)" if s == "local" and mixed else "")
            for s in sources]


def value_source_text(source: str | None, indicator: Indicator | None) -> str:
    """A headline figure's source in words: "Published by DfE", or "Local records, provisional (not yet
    published)" where DfE publishes the measure but not yet for this period."""
    published_somewhere = indicator is not None and bool(indicator.national)
    text = SOURCE_LABELS.get(source or "", "")
    if source == "local" and published_somewhere:
        text += ", provisional (not yet published)"
    return text[:1].upper() + text[1:]


def source_caption(rows: Any, indicator: Indicator | None) -> str:
    """Which periods come from which source, for a chart's caption: "Source: DfE, ... (SEN2). Published
    figures 2014 to 2024; 2025 from local records, provisional (not yet published)."""
    df = total_rows(rows)
    named = (indicator.source if indicator is not None else None) or "see the indicator dictionary"
    sources = list(df["source"]) if "source" in df else [None] * len(df)
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


def _target_value(target: TargetLine) -> float | None:
    if isinstance(target, Target):
        return as_number(target.target)
    return as_number(target)


def _baseline(target: TargetLine, baseline: float | None) -> tuple[float | None, str | None]:
    if baseline is not None:
        return as_number(baseline), None
    if isinstance(target, Target):
        return as_number(target.baseline), target.baseline_period
    return None, None


def _forecast_rows(forecast: Forecast | None) -> list[dict[str, Any]]:
    if forecast is None:
        return []
    return [{"period": row.period, "forecast": as_number(row.forecast), "lower": as_number(row.lower),
             "upper": as_number(row.upper)} for row in forecast.rows if as_number(row.forecast) is not None]


PROVISIONAL_KEY = "Provisional (p): clocks still running"  # the legend's words for a provisional period


def _held_back(df: pd.DataFrame, complete_to: str | None) -> list[bool]:
    """Periods a finding must not use: still in progress ("so far") or provisional (clocks still running)."""
    return [_is_partial(p, complete_to) or bool(prov) for p, prov in zip(df["period"], df["provisional"], strict=True)]


def caption_provisional(rows: Any, complete_to: str | None = None) -> str:
    """A caption's sentence on provisional periods (clocks still running), or "" when the chart has none."""
    df = total_rows(rows)
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
    return period_key(text) > period_key(complete)


def _nothing_to_show(df: pd.DataFrame, m: Meta) -> str:
    """Why a series has no figure: all suppressed to protect children, or simply none yet."""
    statuses = set(df["status"].dropna()) if "status" in df else set()
    if statuses and statuses <= {"c"}:
        return (f"Every figure for {mid_sentence(m.short_title)} here is suppressed (c) to protect children: each "
                "involves too few children to show safely.")
    return f"There are no figures for {mid_sentence(m.short_title)} that can be shown yet."


@safe_text
def trend(rows: Any, indicator: Any, *, target: TargetLine = None, baseline: float | None = None,
          forecast: Forecast | None = None,
          monthly: bool = False, complete_to: str | None = None,
          breaks: Sequence[SeriesBreak] | None = None) -> go.Figure:
    """The all-children series by year (or by month), with the target and local baseline as labelled lines
    and the forecast (point and lower-upper band) when given.

    rows: `show()`'s answer or its rows (only the all-children `Total` rows are drawn). target: a number or the
    benchmark's `target` block (whose `baseline` is used when `baseline` is not given). forecast: the
    benchmark's `forecast` block (its rows: period, forecast, lower, upper). complete_to: the last period
    that has ended (the benchmark's `period` for years; the last full month for `monthly`); later periods
    are drawn as hollow "so far" points, not joined to the line. breaks: the engine's `series_breaks` (a
    dotted line before each period where the published series changes definition).
    Where DfE's published figures are followed by local ones (periods not yet published), the local points are
    squares on a dotted line, named in the legend. Suppressed or missing periods are gaps in the line, listed in
    a note under the chart.
    """
    m = meta(indicator)
    df = total_rows(rows)
    fc = _forecast_rows(forecast)
    if df["value"].notna().sum() == 0 and not fc:
        return empty_figure(_nothing_to_show(df, m))
    area = area_name_of(df)
    area = area[:1].upper() + area[1:]  # a legend entry, whether a council or "children living in Knowle"
    labels = [format_period(p) for p in df["period"]]
    partial = [_is_partial(p, complete_to) for p in df["period"]]
    provisional = [bool(v) and not part for v, part in zip(df["provisional"], partial, strict=True)]
    values = [None if pd.isna(v) else float(v) for v in df["value"]]
    sources = source_labels(df)
    hover = [f"{area}, {lab}{' so far' if part else ' (provisional: clocks still running)' if prov else ''}: "
             f"{format_value(v, m.unit, m.places, s)}" + (f" ({src})" if src else "") for lab, v, s, part, prov, src in
             zip(labels, df["value"], df["status"], partial, provisional, sources, strict=True)]
    fig = new_figure(height=380 if not monthly else 400)
    whole = [None if part or prov else v for v, part, prov in zip(values, partial, provisional, strict=True)]
    unpublished = [src.endswith("(not yet published)") for src in sources]
    official = [None if unp else v for v, unp in zip(whole, unpublished, strict=True)]
    fig.add_trace(dict(type="scatter",
        x=labels, y=official, name=f"{area}, published by DfE" if any(unpublished) else area,
        mode="lines+markers", connectgaps=False,
        line={"color": PALETTE[0], "width": 3}, marker={"size": 8 if not monthly else 5, "color": PALETTE[0]},
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>"))
    if any(unpublished):  # local figures for periods DfE has not published yet: joined on from the last published
        idx = [i for i, unp in enumerate(unpublished) if unp and whole[i] is not None]
        before = [i for i, v in enumerate(official) if v is not None and (not idx or i < idx[0])]
        idx = before[-1:] + idx
        fig.add_trace(dict(type="scatter",
            x=[labels[i] for i in idx], y=[whole[i] for i in idx], name=f"{area}, local records (not yet published)",
            mode="lines+markers", line={"color": PALETTE[0], "width": 2, "dash": "dot"},
            marker={"size": 9, "symbol": ["circle" if not unpublished[i] else "diamond" for i in idx],
                    "color": PALETTE[0]},
            hovertext=[hover[i] for i in idx], hovertemplate="%{hovertext}<extra></extra>"))
    if any(partial):
        idx = [i for i, part in enumerate(partial) if part and values[i] is not None]
        fig.add_trace(dict(type="scatter",
            x=[labels[i] for i in idx], y=[values[i] for i in idx], name="So far (period not finished)",
            mode="markers+text", text=["so far" for _ in idx], textposition="top center",
            textfont={"size": 12, "color": MUTED_COLOUR},
            marker={"size": 10, "symbol": "circle-open", "color": PALETTE[0], "line": {"width": 2}},
            hovertext=[hover[i] for i in idx], hovertemplate="%{hovertext}<extra></extra>"))
    idx = [i for i, prov in enumerate(provisional) if prov and values[i] is not None]
    if idx:  # cases still inside their statutory clock: the figure will change, so it is not joined to the line
        fig.add_trace(dict(type="scatter",
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
            fig.add_trace(dict(type="scatter", x=fc_labels, y=lowers, mode="lines", line={"width": 0}, showlegend=False,
                                     hoverinfo="skip", name="Forecast range (lower)"))
            fig.add_trace(dict(type="scatter", x=fc_labels, y=uppers, mode="lines", line={"width": 0}, fill="tonexty",
                                     fillcolor="rgba(0, 114, 178, 0.18)", name="Forecast range",
                                     hovertext=band_hover, hovertemplate="%{hovertext}<extra></extra>"))
        # Join the forecast to the last complete figure so the line reads on.
        last = [(lab, v) for lab, v in zip(labels, whole, strict=True) if v is not None]
        fx = ([last[-1][0]] if last else []) + fc_labels
        fy = ([last[-1][1]] if last else []) + [r["forecast"] for r in fc]
        fhover = ([f"{area}, {last[-1][0]}: {format_value(last[-1][1], m.unit, m.places)}"] if last else []) + [
            f"Forecast for {lab}: {format_value(r['forecast'], m.unit, m.places)}" for lab, r in
            zip(fc_labels, fc, strict=True)]
        fig.add_trace(dict(type="scatter", x=fx, y=fy, name="Forecast", mode="lines+markers",
                                 line={"color": PALETTE[0], "width": 2, "dash": "dash"},
                                 marker={"size": 7, "symbol": "diamond-open", "color": PALETTE[0]},
                                 hovertext=fhover, hovertemplate="%{hovertext}<extra></extra>"))
    target_value = _target_value(target)
    if target_value is not None and categories:
        text = f"Target {format_value(target_value, m.unit, m.places)}"
        fig.add_trace(dict(type="scatter", x=categories, y=[target_value] * len(categories), name=text, mode="lines",
                                 line={"color": TEXT_COLOUR, "width": 2, "dash": "dash"},
                                 hovertext=[text] * len(categories), hovertemplate="%{hovertext}<extra></extra>"))
    base_value, base_period = _baseline(target, baseline)
    if base_value is not None and categories:
        text = f"Local baseline {format_value(base_value, m.unit, m.places)}"
        if base_period:
            text += f" ({format_period(base_period)})"
        fig.add_trace(dict(type="scatter", x=categories, y=[base_value] * len(categories), name=text, mode="lines",
                                 line={"color": PALETTE[4], "width": 2, "dash": "dot"},
                                 hovertext=[text] * len(categories), hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=categories, title=None,
                     showgrid=False)  # labels level while they fit, slanted (plotly's "auto") once they would touch
    if len(categories) > 16:  # many months: label every January (or every sixth point) only
        ticks = [c for c in categories if c.startswith("Jan ")] or categories[::6]
        fig.update_xaxes(tickvals=ticks, ticktext=ticks)
    for brk in breaks or []:  # a dotted line just before the first period of the newer definition
        label = format_period(brk.period)
        if label in categories and categories.index(label) > 0:
            fig.add_vline(x=categories.index(label) - 0.5, line={"color": MUTED_COLOUR, "width": 1, "dash": "dot"})
            fig.add_annotation(x=categories.index(label) - 0.5, y=1, xref="x", yref="paper", yanchor="bottom",
                               text="Series break", showarrow=False, font={"size": 11, "color": MUTED_COLOUR})
    fig.update_layout(legend={"traceorder": "normal"})
    top = max([v for v in values if v is not None] + [r["upper"] or r["forecast"] or 0 for r in fc]
              + [target_value or 0, base_value or 0, 0])
    fig.update_yaxes(title=axis_title(m), rangemode="tozero", **axis_format(m, top))
    if m.unit == "percent":
        fig.update_yaxes(range=[0, 100 if top > 60 else max(10.0, top * 1.2)])
    note = _gap_note(df)
    if note:
        add_note(fig, note)
        fig.update_layout(margin={"b": 80})
    return fig


@safe_text
def sparkline(rows: Any, indicator: Any, *, complete_to: str | None = None) -> go.Figure:
    """A tiny all-children trend for a headline tile: no axes, no legend, the latest complete point marked
    (periods after `complete_to` are left off: a tile shows finished periods only)."""
    m = meta(indicator)
    df = total_rows(rows)
    df = df.loc[~np.array(_held_back(df, complete_to), dtype=bool)]
    fig = new_figure(height=60)
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
    fig.add_trace(dict(type="scatter", x=labels, y=values, mode="lines", connectgaps=False, line={"color": PALETTE[0], "width": 2},
                             hovertext=hover, hovertemplate="%{hovertext}<extra></extra>", name="Trend"))
    last = max(i for i, v in enumerate(values) if v is not None)
    fig.add_trace(dict(type="scatter", x=[labels[last]], y=[values[last]], mode="markers", name="Latest",
                             marker={"size": 7, "color": PALETTE[0]}, hovertext=[hover[last]],
                             hovertemplate="%{hovertext}<extra></extra>"))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=labels)
    return fig


def _trend_points(rows: Any, complete_to: str | None = None) -> list[tuple[str, float]]:
    df = total_rows(rows)
    return [(p, float(v)) for p, v, held in zip(df["period"], df["value"], _held_back(df, complete_to), strict=True)
            if not pd.isna(v) and not held]


def title_trend(rows: Any, indicator: Any, *, target: TargetLine = None, monthly: bool = False,
                complete_to: str | None = None) -> str:
    """The finding of the trend: the latest complete figure and how it moved from the one before, and the target."""
    m = meta(indicator)
    points = _trend_points(rows, complete_to)
    if not points:
        suppressed = _nothing_to_show(total_rows(rows), m).startswith("Every")
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


def summary_trend(rows: Any, indicator: Any, *, target: TargetLine = None, forecast: Forecast | None = None,
                  monthly: bool = False, complete_to: str | None = None,
                  breaks: Sequence[SeriesBreak] | None = None) -> str:
    """One or two sentences: first and latest complete figures, the target, any period so far, the forecast
    and any gaps."""
    m = meta(indicator)
    df = total_rows(rows)
    points = _trend_points(df, complete_to)
    if not points:
        return _nothing_to_show(df, m)
    area = area_name_of(df)
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
        text += (f" {listed(waiting)} {'is' if len(waiting) == 1 else 'are'} provisional: clocks are still running "
                 "for some cases, so the figures will change.")
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
        text += f" Series break before {format_period(brk.period)}: {brk.note}"
    return text


def backtest_sentence(forecast: Forecast | None) -> str:
    """The forecast method's track record in plain words, from the engine's forecast block (its `backtest`,
    figures by horizon from `python -m indicators backtest`); "" when the method was not backtested."""
    one = forecast.horizon(1) if forecast is not None else None
    if one is None or one.mdape is None:
        return ""
    two = forecast.horizon(2)
    reach = f"{one.mdape:.1f}% one year ahead" + (
        f" and {two.mdape:.1f}% two years ahead" if two is not None and two.mdape is not None else "")
    return (f" In past years this method was within {reach} (median across {one.councils} councils' published "
            f"figures); its band held the outcome one year ahead in {one.covered} of {one.forecasts} "
            "forecasts tested.")


def table_trend(rows: Any, indicator: Any, *, forecast: Forecast | None = None, complete_to: str | None = None) -> pd.DataFrame:
    """The trend as a table of readable strings: Period, the value, Numerator and Denominator (for rates),
    then any forecast rows."""
    m = meta(indicator)
    df = total_rows(rows)
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
