"""Commissioners: benchmarks against statistical neighbours, region and England; every council ranked; demand
and its forecast (caseload, requests, new plans); and where children with plans are placed (the setting mix in
the latest year and in every published year, and plans in independent or non-maintained special schools).

URL: /commissioners?area=E06000023&period=2024&indicator=ehcp_pupils_pct (the measure ranked)
"""

from __future__ import annotations

import dash
from dash import html

from dashboard import components, figures, filters, views
from indicators.catalogue.model import BREAKDOWNS
from indicators.results import published_of

dash.register_page(__name__, path="/commissioners", name="Commissioners", title="Commissioners' view", order=30,
                   charts=True)

# The measures compared side by side, ranked, forecast and placed: dashboard/pages.yaml.
MEASURES = views.page_measures().commissioners
COMPARED, RANKED, DEMAND, PLACEMENTS = MEASURES.compared, MEASURES.ranked, MEASURES.demand, MEASURES.placements
SETTING_MIX = MEASURES.setting_mix


def _benchmark(ctx: views.Context, indicator_id: str):
    head = views.headline(ctx, indicator_id)
    meta, bench = head.indicator, head.benchmark
    published = published_of(bench)
    when = figures.format_period(published.period) if published.period else "the latest year"
    return html.Div([components.chart(
        figures.benchmark_bars(bench, meta), title=figures.title_benchmark(bench, meta),
        caption=f"Published figures, {when}.", summary=figures.summary_benchmark(bench, meta),
        table=figures.table_benchmark(bench, meta),
        table_caption=f"{head.title}: {ctx.area.name} and its comparators, {when}", id=f"comm-bench-{indicator_id}",
        empty_reason=head.problem or (None if published.period else
                                      "This measure has no published figures to compare.")),
        html.A(f"Open the report: {head.title}", href=ctx.link(f"/indicator/{indicator_id}"))])


def _ranked(ctx: views.Context, indicator_id: str) -> html.Figure:
    head = views.headline(ctx, indicator_id)
    meta, bench = head.indicator, head.benchmark
    published = published_of(bench)
    # A count the engine cannot rank per 10,000 of the 0-25 population is not ranked at all (rank_note says why).
    ranked = () if published.rank_note else views.ranked_councils(ctx, indicator_id, bench)
    neighbours = [n.area_code for n in published.neighbours]
    cuts = published.quartile_cut_points
    when = figures.format_period(published.period) if published.period else "the latest year"
    return components.chart(
        figures.ranked_all_las(ranked, ctx.area.code, neighbours, meta, cuts, period=published.period),
        title=figures.title_ranked(ranked, ctx.area.code, meta, published.quartile_band),
        caption=f"Every council in England, {when}: the area and its statistical neighbours highlighted, "
                "shaded bands the quartiles (A best).",
        summary=figures.summary_ranked(ranked, ctx.area.code, neighbours, meta, cuts),
        table=figures.table_ranked(ranked, ctx.area.code, neighbours, meta),
        table_caption=f"{head.title}: every council ranked, {when}", id="comm-ranked",
        empty_reason=head.problem or published.rank_note or (
            None if ranked else "No council has a published figure to rank."))


def _trend(ctx: views.Context, indicator_id: str, *, forecast: bool) -> html.Div:
    head = views.headline(ctx, indicator_id, forecast=forecast)
    meta, bench = head.indicator, head.benchmark
    fc = bench.forecast if forecast and bench is not None else None
    target = bench.target if bench is not None else None
    rows = head.series
    caption = "By year."
    if fc and fc.rows:
        caption += " The dashed line is the forecast and the shaded band its likely range."
    elif fc and fc.reason:
        caption += f" No forecast: {fc.reason}"
    caption += " " + figures.source_caption(rows, meta)
    return html.Div([components.chart(
        figures.trend(rows, meta, target=target, forecast=fc, complete_to=head.period,
                      breaks=head.breaks),
        title=figures.title_trend(rows, meta, target=target, complete_to=head.period),
        caption=caption,
        summary=figures.summary_trend(rows, meta, target=target, forecast=fc, complete_to=head.period,
                                      breaks=head.breaks),
        table=figures.table_trend(rows, meta, forecast=fc, complete_to=head.period),
        table_caption=f"{head.title} by year, {ctx.area.name}", id=f"comm-trend-{indicator_id}",
        empty_reason=head.problem or (None if rows else "There are no figures for this area.")),
        html.A(f"Open the report: {head.title}", href=ctx.link(f"/indicator/{indicator_id}"))])


def _setting_mix(ctx: views.Context) -> html.Figure:
    head = views.headline(ctx, SETTING_MIX)
    if head.problem:
        return components.empty_state(head.problem, title="Where children with plans are placed")
    meta = head.indicator
    rows = views.breakdown_rows(ctx, SETTING_MIX, "setting")
    period = head.period if head.period in {r.period for r in rows} else None
    when = figures.format_period(period) if period else "the latest year"
    label = BREAKDOWNS["setting"]
    values = views.breakdown_values([r for r in rows if r.breakdown == "setting"])
    return components.chart(
        figures.breakdown_bars(rows, meta, "setting", period=period, breakdown_label=label),
        title=figures.title_breakdown(rows, meta, "setting", period=period, breakdown_label=label),
        caption=f"Children and young people with an EHC plan by type of setting, {when}.",
        summary=figures.summary_breakdown(rows, meta, "setting", period=period, breakdown_label=label),
        table=figures.table_breakdown(rows, meta, "setting", period=period, breakdown_label=label),
        table_caption=f"EHC plans by type of setting, {ctx.area.name}, {when}", id="comm-settings",
        empty_reason=None if values else "There are no figures by type of setting for this area.")


def _mix_over_time(ctx: views.Context) -> html.Figure:
    """The setting mix in every year DfE has published for the area (the council's own later years use its
    local groups, shown in the latest year's chart)."""
    head = views.headline(ctx, SETTING_MIX)
    if head.problem:
        return components.empty_state(head.problem, title="The placement mix over time")
    meta = head.indicator
    rows = [r for r in views.breakdown_rows(ctx, SETTING_MIX, "setting") if r.source == "published"]
    periods = sorted({r.period for r in rows if r.breakdown == "setting"})
    span = f"{figures.format_period(periods[0])} to {figures.format_period(periods[-1])}" if periods else ""
    label = BREAKDOWNS["setting"]
    return components.chart(
        figures.mix_over_time(rows, meta, "setting", breakdown_label=label),
        title=figures.title_mix_over_time(rows, meta, "setting", breakdown_label=label),
        caption=f"Published figures (DfE, SEN2), {span}: each bar is the year's EHC plans, split by type of "
                "setting; patterns as well as colours tell the settings apart.",
        summary=figures.summary_mix_over_time(rows, meta, "setting", breakdown_label=label),
        table=figures.table_mix_over_time(rows, meta, "setting", breakdown_label=label),
        table_caption=f"EHC plans by type of setting, {ctx.area.name}, every published year",
        id="comm-settings-over-time",
        empty_reason=None if periods else "DfE has published no figures by type of setting for this area.")


@views.guarded("Commissioners' view")
def layout(**query) -> html.Div:
    ctx = views.context(query)
    rankable = RANKED
    chosen = filters.clean_choice(query.get("indicator"), rankable) or rankable[0]
    notes = list(ctx.notes)
    if query.get("indicator") not in (None, "") and query.get("indicator") != chosen:
        notes.append("The measure in the link cannot be ranked here, so the first one is shown.")
    rank_links = []
    for indicator_id in rankable:
        extra = {"aria-current": "page"} if indicator_id == chosen else {}
        rank_links.append(html.Li(html.A(views.headline(ctx, indicator_id).title,
                                         href=ctx.link("/commissioners", indicator=indicator_id) + "#ranked", **extra)))
    return html.Div([
        html.H1(f"Commissioners' view: {ctx.area.name}"),
        html.P("For council and NHS commissioners: how the area compares with its statistical neighbours, its "
               "region and England; how demand is growing and where it is forecast to go; and where children "
               "and young people with plans are placed.", className="lede page-intro"),
        filters.picker_bar(views.council_choices(), ctx.area.code, ctx.period, last_year=ctx.last_year,
                           keep={"indicator": chosen}),
        components.synthetic_banner() if ctx.synthetic and ctx.is_local else None,  # local placements and forecasts
        views.notes(notes),
        html.Section([html.H2("Benchmarks", id="benchmarks"),
                      html.Div([_benchmark(ctx, i) for i in COMPARED], className="chart-grid")],
                     className="report-section", **{"aria-labelledby": "benchmarks"}),
        html.Section([html.H2("Every council ranked", id="ranked"), html.P("Choose a measure:"),
                      html.Nav(html.Ul(rank_links, className="choices"), **{"aria-label": "Measure to rank"}),
                      _ranked(ctx, chosen),
                      html.P(html.A("The councils whose records are loaded, compared month by month",
                                    href="/region"))], className="report-section", **{"aria-labelledby": "ranked"}),
        html.Section([html.H2("Demand and its forecast", id="demand"),
                      html.Div([_trend(ctx, i, forecast=True) for i in DEMAND], className="chart-grid")],
                     className="report-section", **{"aria-labelledby": "demand"}),
        html.Section([html.H2("Placements", id="placements"),
                      html.Div([_setting_mix(ctx), _mix_over_time(ctx),
                                *[_trend(ctx, i, forecast=False) for i in PLACEMENTS]], className="chart-grid"),
                      html.P("Placement costs are not yet among the measures this dashboard holds.",
                             className="muted small")],
                     className="report-section", **{"aria-labelledby": "placements"}),
    ])
