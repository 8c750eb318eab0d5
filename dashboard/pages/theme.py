"""One CDC theme: what is going well and what needs attention in it, and every measure in the theme with its
latest figure, rating, direction of travel and comparators, each linking to its report.

URL: /theme/<theme>?area=..&period=..  (or /theme?name=<theme>); <theme> as in the navigation, e.g. governance.
"""

from __future__ import annotations

from dataclasses import replace

import dash
from dash import html

from dashboard import components, figures, filters, views
from dashboard.narrative import GOING_WELL, NEEDS_ATTENTION, narrative
from indicators.results import Benchmark, Published


def _title(theme: str | None = None, **_kwargs) -> str:
    try:
        return f"{views.theme_title(views.resolve_theme(theme))} - theme report"
    except Exception:  # noqa: BLE001 - a title never fails a page
        return "Theme report"


dash.register_page(__name__, path_template="/theme/<theme>", path="/theme", name="Themes", title=_title)

TABLE = "theme-measures"
NARRATIVE = "theme-narrative"


def _rating(bench: Benchmark | None):
    rag, against = components.rating(bench)  # the one rating the board and the narrative also use
    if rag is None:
        return html.Span("Not rated", className="muted")
    return components.rag_badge(rag, against=against)


def _row(ctx: views.Context, head: views.Headline) -> html.Tr:
    link = html.A(head.indicator.title or head.title, href=ctx.link(f"/indicator/{head.indicator_id}"))
    if head.problem:
        return html.Tr([html.Th(link, scope="row"), html.Td(head.problem, colSpan=6, className="muted")])
    m = figures.meta(head.indicator)
    bench = head.benchmark
    published = bench.published or Published()
    sn = published.sn_mean
    england = published.england_value if m.unit != "count" else None
    return html.Tr([
        html.Th(link, scope="row"),
        html.Td(components.value_text(bench.value, bench.status, m.unit, m.places), className="num"),
        html.Td(figures.format_period(head.period), className="nowrap"),
        html.Td(_rating(bench), className="rag"),
        html.Td(components.direction_badge(bench.direction_of_travel, m.polarity)),
        _comparator(sn, m),
        _comparator(england, m),
    ])


def _comparator(value, m) -> html.Td:
    if value is None:
        return html.Td("No comparison", className="num muted small")
    return html.Td(figures.format_value(value, m.unit, m.places), className="num")


def _narrative(ctx: views.Context, heads: list[views.Headline]) -> html.Section:
    usable = [h for h in heads if h.benchmark and not h.problem]
    found = narrative({h.indicator_id: h.benchmark for h in usable}, {h.indicator_id: h.indicator for h in usable},
                      ctx.area.name, area_code=ctx.area.code, limit=4)
    linked = {k: [replace(s, href=ctx.link(f"/indicator/{s.indicator_id}")) for s in v] for k, v in found.items()}
    return html.Div([
        html.Div(components.narrative_list(linked[GOING_WELL], heading="What is going well", heading_level=2,
                                           empty="No measure in this theme is clearly doing well."),
                 className="narrative-columns__column narrative-columns__column--well"),
        html.Div(components.narrative_list(linked[NEEDS_ATTENTION], heading="What needs attention", heading_level=2,
                                           empty="No measure in this theme clearly needs attention."),
                 className="narrative-columns__column narrative-columns__column--attention"),
    ], className="narrative-columns", id=NARRATIVE)


def _index(ctx: views.Context) -> html.Div:
    return html.Div([
        html.H1("Reports by theme"),
        html.P("The measures are grouped in the six themes of the Council for Disabled Children's outcomes "
               "framework. Choose one."),
        html.Ul([html.Li(html.A(title, href=ctx.link(f"/theme/{slug}"))) for slug, title in views.themes()]),
    ])


@views.guarded("Theme report")
def layout(theme: str | None = None, **query) -> html.Div:
    ctx = views.context(query)
    asked = theme if theme not in (None, "") else query.get("name")
    if asked in (None, ""):
        return _index(ctx)
    chosen = views.resolve_theme(asked)
    ids = views.theme_indicators(ctx.engine, chosen)
    heads = [views.headline(ctx, i) for i in ids]
    outcomes = list(dict.fromkeys(h.indicator.outcome for h in heads if h.indicator.outcome))
    shown = sum(1 for h in heads if not h.problem)
    when = f"figures available at the end of {ctx.period}" if ctx.period else "the latest figures"
    caption = f"{views.theme_title(chosen)}: every measure for {ctx.area.name}"
    return html.Div([
        components.breadcrumbs([("Home", ctx.link("/")), (views.theme_title(chosen), None)]),
        html.H1(f"{views.theme_title(chosen)}: {ctx.area.name}"),
        html.P(f"{len(ids)} measures in this theme; {shown} have figures for {ctx.area.name}. Showing {when}.",
               className="lede page-intro"),
        html.Details([html.Summary("The outcomes these measures evidence"),
                      html.Ul([html.Li(o) for o in outcomes])], className="details") if outcomes else None,
        filters.picker_bar(views.council_choices(), ctx.area.code, ctx.period, last_year=ctx.last_year),
        components.synthetic_banner() if ctx.synthetic and views.shows_local(heads) else None,
        views.notes(ctx.notes),
        _narrative(ctx, heads),
        html.Section([
            html.H2("Every measure", id="measures"),
            components.symbols_legend(ratings=True),
            components.scrolling(html.Table([
                html.Caption(caption),
                html.Thead(html.Tr([html.Th(c, scope="col", className="num" if c in NUMERIC else None)
                                    for c in COLUMNS])),
                html.Tbody([_row(ctx, h) for h in heads]),
            ], className="table table--wide", id=TABLE), caption),
            html.P([html.A("What the loaded data covers, and how to fill the gaps", href=ctx.link("/coverage")),
                    " · ", html.A("Data book", href=ctx.link("/data-book"))], className="small"),
        ], **{"aria-labelledby": "measures"}),
    ])


COLUMNS = ["Measure", "Latest", "Period", "Rating", "Direction of travel", "Neighbours' average", "England"]
NUMERIC = {"Latest", "Neighbours' average", "England"}

