"""Board pack: a print-ready page of the board's headline measures, narrative and key charts for one area and
period, with the same pack as a PDF (`/board-pack.pdf`) to go into a board paper.

URL: /board-pack?area=E06000023&period=2024 (period: figures available at the end of that year; none: the
latest). The content is `dashboard.pdf.pack`, shared with the PDF route.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import dcc, html

from dashboard import filters, pdf, views

dash.register_page(__name__, path="/board-pack", name="Board pack", title="Board pack", order=60, charts=True)

# --- component ids ------------------------------------------------------------------------------------------
AREA = "pack-area"
PERIOD = "pack-period"
PDF_LINK = "pack-pdf"
LATEST = ""


def _select(name: str, control_id: str, options: list[tuple[str, str]], chosen: str) -> html.Select:
    return html.Select([html.Option(label, value=value, selected=value == chosen) for value, label in options],
                       id=control_id, name=name, className="select", **{"aria-describedby": f"{control_id}-hint"})


def picker(ctx: views.Context, audience: str | None) -> html.Form:
    years = [(LATEST, "Latest figures")] + [(y, f"Figures available at the end of {y}")
                                            for y in filters.year_choices(ctx.last_year)]
    hidden = [dcc.Input(type="hidden", name="audience", value=audience)] if audience else []
    return html.Form([
        html.Div([html.Label("Area", htmlFor=AREA, className="filters__label"),
                  html.Span("The council the pack is for", id=f"{AREA}-hint", className="filters__hint"),
                  _select("area", AREA, views.council_choices(), ctx.area.code)], className="filters__field"),
        html.Div([html.Label("Period", htmlFor=PERIOD, className="filters__label"),
                  html.Span("The latest figures, or those available at the end of a year", id=f"{PERIOD}-hint",
                            className="filters__hint"),
                  _select("period", PERIOD, years, ctx.period or LATEST)], className="filters__field"),
        *hidden,
        html.Button("Show", type="submit", className="button filters__apply"),
    ], action="/board-pack", method="get", role="search", className="filters",
        **{"aria-label": "Choose the area and period of the pack"})


def layout(**query: Any) -> html.Div:
    try:
        ctx = views.context({k: v for k, v in query.items() if v not in (None, "")})
    except views.Problem as exc:
        return html.Div([html.H1("Board pack"), html.Div([html.H2(exc.title), html.P(exc.message),
                                                          html.P(exc.hint) if exc.hint else None],
                                                         className="notice notice--info")])
    audience = filters.audience_param(ctx.audience, ctx.area.code)
    pairs = [(k, v) for k, v in (("area", ctx.area.code), ("period", ctx.period), ("audience", audience)) if v]
    return html.Div([
        html.Div([
            picker(ctx, audience),
            html.Div([
                html.A("Download the board pack as a PDF", href=f"/board-pack.pdf?{urlencode(pairs)}", id=PDF_LINK,
                       className="button pack__download"),
                html.P("Making the PDF takes a few seconds. To print this page instead, use your browser's Print "
                       "command: the navigation and choices are left out.", className="muted small"),
            ], className="pack__actions"),
        ], className="no-print"),
        dcc.Loading(html.Div(pdf.pack(ctx), className="pack"), type="default"),
    ])
