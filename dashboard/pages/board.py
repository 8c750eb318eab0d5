"""Board view (LASSPG): headline tiles for the configured KPIs and a generated narrative of what is going well
and what needs attention, every sentence linked to its evidence.

URL: /board?area=E06000023&period=2024 (period: figures available at the end of that year; none: the latest).
"""

from __future__ import annotations

from dataclasses import replace

import dash
from dash import dcc, html

from dashboard import components, figures, filters, views
from dashboard.format import rank_words
from dashboard.narrative import GOING_WELL, NEEDS_ATTENTION, narrative, questions
from indicators.results import published_of

dash.register_page(__name__, path="/board", name="Board (LASSPG)", title="Board view: headline measures", order=10,
                   charts=True)

# Component ids (the tiles' sparklines are pattern-matched by indicator).
TILES = "board-tiles"
NARRATIVE = "board-narrative"
SPARK = "board-spark"


def _fact(term: str, detail) -> list:
    return [html.Dt(term), html.Dd(detail)]


def tile(ctx: views.Context, head: views.Headline) -> html.Li:
    meta = head.indicator
    m = figures.meta(meta)
    link = ctx.link(f"/indicator/{head.indicator_id}")
    title = html.H3(html.A(head.title, href=link), className="tile__title")
    if head.problem:
        return html.Li([title, html.P(head.problem, className="tile__empty")], className="tile")
    bench = head.benchmark
    rag, against = components.rating(bench)
    published = published_of(bench)
    facts = []
    target = bench.target.target if bench.target is not None else None
    facts += _fact("Target", figures.format_value(target, m.unit, m.places) if target is not None else "Not set")
    if published.sn_mean is not None:
        facts += _fact("Neighbours' average", figures.format_value(published.sn_mean, m.unit, m.places))
    if published.england_value is not None and m.unit != "count":
        facts += _fact("England", figures.format_value(published.england_value, m.unit, m.places))
    compared_earlier = bool(published.period) and published.period != head.period
    if compared_earlier and published.la_value is not None:  # what the comparisons and rank are about
        facts += _fact(f"Published {figures.format_period(published.period)}",
                       figures.format_value(published.la_value, m.unit, m.places))
    if rank_words(published):
        rank = rank_words(published)
        if compared_earlier:
            rank += f" (its {figures.format_period(published.period)} published figure)"
        facts += _fact("Rank in England", rank)
    elif published.rank_note:
        facts += _fact("Rank in England", published.rank_note)
    if compared_earlier:
        facts += _fact("Compared in", figures.format_period(published.period) + " (latest published)")
    spark_title = figures.title_trend(head.series, meta, complete_to=head.period)
    spark_id = {"type": SPARK, "indicator": head.indicator_id}
    described = components.summary_id(spark_id, spark_title)
    spark = [html.Div(dcc.Graph(id=spark_id, figure=figures.sparkline(head.series, meta, complete_to=head.period),
                                config=components.GRAPH_CONFIG, className="tile__spark", style={"height": "60px"}),
                      role="img", **{"aria-label": f"Trend: {m.short_title}", "aria-describedby": described}),
             html.P(spark_title, id=described, className="tile__trend")]
    return html.Li([
        title,
        html.P([components.value_text(bench.value, bench.status, m.unit, m.places)],
               className="tile__value"),
        html.P(" · ".join(t for t in (figures.format_period(head.period),
                                      figures.value_source_text(bench.value_source, meta)) if t),
               className="tile__period"),
        html.P(stale, className="tile__stale") if (stale := views.staleness(ctx, head)) else None,
        html.Div([components.rag_badge(rag, against=against), components.direction_badge(
            bench.direction_of_travel, m.polarity)], className="tile__badges"),
        *spark,
        html.Dl(facts, className="tile__facts"),
    ], className=f"tile tile--{rag or 'none'}")


def _narrative(ctx: views.Context, heads: list[views.Headline]) -> html.Section:
    benches = {h.indicator_id: h.benchmark for h in heads if h.benchmark is not None and not h.problem}
    metas = {h.indicator_id: h.indicator for h in heads if h.benchmark is not None and not h.problem}
    # Every rated measure is listed (no limit), so the lists are exactly the tiles' red and green ratings.
    found = narrative(benches, metas, ctx.area.name, area_code=ctx.area.code)
    linked = {kind: [replace(s, href=ctx.link(f"/indicator/{s.indicator_id}")) for s in sentences]
              for kind, sentences in found.items()}
    asked = [replace(q, href=ctx.link(f"/indicator/{q.indicator_id}")) for q in questions(benches, metas)]
    return html.Section([
        html.H2("Summary", id="summary-heading"),
        html.P("Generated from the figures below: each sentence says what the engine's benchmarks and trends show, "
               "and links to the evidence.", className="muted small"),
        html.Div([
            html.Div(components.narrative_list(linked[GOING_WELL], heading="What is going well",
                                               empty="No measure is clearly doing well on the figures available.",
                                               heading_level=3),
                     className="narrative-columns__column narrative-columns__column--well"),
            html.Div(components.narrative_list(linked[NEEDS_ATTENTION], heading="What needs attention",
                                               empty="No measure clearly needs attention on the figures available.",
                                               heading_level=3),
                     className="narrative-columns__column narrative-columns__column--attention"),
        ], className="narrative-columns"),
        components.questions_list(asked, heading_level=3),
    ], id=NARRATIVE, **{"aria-labelledby": "summary-heading"})


@views.guarded("Board view")
def layout(**query) -> html.Div:
    ctx = views.context(query)
    ids, notes = views.kpi_ids(ctx.engine)
    heads = [views.headline(ctx, i) for i in ids]
    when = f"figures available at the end of {ctx.period}" if ctx.period else "latest figures"
    return html.Div([
        html.H1(f"Board view: {ctx.area.name}"),
        html.P(["Headline measures for the Local Area SEND Strategic Partnership Group, ", when, ". Each tile "
                "shows the figure, its target, a rating in colour and words, the direction of travel and how the "
                "area compares with its statistical neighbours and England."], className="lede page-intro"),
        filters.picker_bar(views.council_choices(), ctx.area.code, ctx.period, last_year=ctx.last_year),
        components.synthetic_banner() if ctx.synthetic and views.shows_local(heads) else None,
        views.notes(ctx.notes + notes),
        _narrative(ctx, heads),
        html.Section([
            html.H2("Headline measures", id="tiles-heading"),
            components.symbols_legend(ratings=True),
            html.Ul([tile(ctx, h) for h in heads], className="tiles", id=TILES),
        ], **{"aria-labelledby": "tiles-heading"}),
        html.P([html.A("Board pack for this period", href=ctx.link("/board-pack")), " · ",
                html.A("Data book", href=ctx.link("/data-book")), " · ",
                html.A("Indicator dictionary", href="/dictionary")], className="small"),
    ])
