"""Coverage: which indicators the loaded data can show for an area, and for the rest which file would fill them.

`/coverage?area=E06000023`. The answer is the engine's `coverage(area, audience)` (with `how_to_fill` for the
gaps), laid out by theme; the page adds no rules of its own.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import dcc, html

from dashboard import components, exports, filters, views
from indicators.catalogue.model import THEME_TITLES, Theme
from indicators.engine import EngineError

dash.register_page(__name__, path="/coverage", name="What the data covers", title="What the data covers", order=90)

# --- component ids ------------------------------------------------------------------------------------------
AREA = "coverage-area"
SUMMARY = "coverage-summary"


def _link(path: str, **params: str | None) -> str:
    pairs = [(k, v) for k, v in params.items() if v]
    return path + (f"?{urlencode(pairs)}" if pairs else "")


def area_form(area_code: str, audience: str | None) -> html.Form:
    options = [html.Option(name, value=code, selected=code == area_code) for code, name in views.council_choices()]
    hidden = [dcc.Input(type="hidden", name="audience", value=audience)] if audience else []
    return html.Form([
        html.Div([
            html.Label("Area", htmlFor=AREA, className="filters__label"),
            html.Span("The council whose coverage to show", id=f"{AREA}-hint", className="filters__hint"),
            html.Select(options, id=AREA, name="area", className="select", **{"aria-describedby": f"{AREA}-hint"}),
        ], className="filters__field"),
        *hidden,
        html.Button("Show", type="submit", className="button filters__apply"),
    ], action="/coverage", method="get", role="search", className="filters",
        **{"aria-label": "Choose the area"})


def theme_table(theme: Theme, rows: list[dict[str, Any]], params: dict[str, str | None]) -> html.Section:
    heading = f"coverage-{theme.value}"
    body = []
    for row in rows:
        title = html.A(row["title"], href=_link("/data-book", indicator=row["id"], **params)) if row["populated"] \
            else row["title"]
        body.append(html.Tr([
            html.Th(title, scope="row"),
            html.Td(html.Span("✓ Yes", className="coverage__yes") if row["populated"]
                    else html.Span("✗ No", className="coverage__no")),
            html.Td(exports.SOURCE_SHORT.get(row["source"] or "", "") if row["populated"] else "No figures loaded"),
            html.Td("Nothing needed" if row["populated"] else (row["to_fill"] or "No source is defined yet")),
        ]))
    shown = sum(1 for r in rows if r["populated"])
    caption = f"{THEME_TITLES[theme]}: {shown} of {len(rows)} indicators have figures"
    return html.Section([
        html.H2(THEME_TITLES[theme], id=heading),
        components.scrolling(html.Table([
            html.Caption(caption),
            html.Colgroup([html.Col(className="coverage__col-title"), html.Col(), html.Col(className="coverage__col-from"),
                           html.Col()]),
            html.Thead(html.Tr([html.Th("Indicator", scope="col"), html.Th("Figures", scope="col"),
                                html.Th("From", scope="col"), html.Th("What would fill it", scope="col")])),
            html.Tbody(body),
        ], className="table table--wide"), caption),
    ], **{"aria-labelledby": heading})


def layout(**query: Any) -> html.Div:
    intro = [html.H1("What the data covers"),
             html.P("Which indicators the loaded data can show for an area, and for the rest, the file or template "
                    "a council or partner would supply to fill them.", className="lede")]
    try:
        ctx = views.context(query)
    except views.Problem as exc:
        return html.Div([*intro, html.Div([html.H2(exc.title), html.P(exc.message), html.P(exc.hint)],
                                          className="notice notice--info")])
    audience = filters.audience_param(ctx.audience, ctx.area.code)
    try:
        rows = ctx.engine.coverage(ctx.area.code, ctx.audience)
    except EngineError:
        rows = []
    by_theme: dict[Theme, list[dict[str, Any]]] = {}
    for row in rows:
        by_theme.setdefault(Theme(row["theme"]), []).append(row)
    shown = sum(1 for r in rows if r["populated"])
    params = {"area": ctx.area.code, "audience": audience}
    local = ctx.area.code == ctx.engine.local_area
    note = ("Local records are loaded for this council, so indicators computed from case records are available."
            if local else
            f"Only published national figures are loaded for {ctx.area.name}: indicators computed from a council's "
            "own records are shown for the council whose extract is loaded.")
    return html.Div([
        *intro,
        area_form(ctx.area.code, audience),
        *[html.P(n, className="notice") for n in ctx.notes],
        html.P(f"{shown} of {len(rows)} indicators have figures for {ctx.area.name}.", id=SUMMARY,
               className="coverage__summary"),
        html.P(note),
        html.P(["The file names and columns are described in the data dictionary that ships with the dashboard "
                "(data/DICTIONARY.md). ", html.A("Indicator definitions", href="/dictionary"), "."]),
        *[theme_table(theme, by_theme[theme], params) for theme in Theme if theme in by_theme],
    ])
