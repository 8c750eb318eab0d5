"""One indicator's report: trend by year and by month (target, baseline, forecast), benchmark against statistical
neighbours, region and England, every council ranked, breakdowns (ward map, school funnel plot, need, setting,
age, sex, ethnicity, ...), equity gaps, and drill-down ward -> its schools -> need types.

URL: /indicator/<id>?area=E06000023&period=2024&breakdown=ward&ward=<ward>&school=<school>&need=<need type>
Every value in the URL is checked against the engine's allowlists; a click on a ward tile, a school or a need
type writes the next level into the URL (callback below), and links do the same for keyboard users.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash
from dash import ALL, Input, Output, State, html

from dashboard import components, figures, filters, views
from dashboard.format import mid_sentence
from indicators.catalogue.model import BREAKDOWNS, Indicator
from indicators.results import Row, published_of
from indicators.vocabulary import Audience


def _title(indicator_id: str | None = None, **_kwargs) -> str:
    try:
        return f"{views.get_engine().indicator(str(indicator_id)).title} - indicator report"
    except Exception:  # noqa: BLE001 - a title never fails a page
        return "Indicator report"


dash.register_page(__name__, path_template="/indicator/<indicator_id>", path="/indicator", name="Indicator",
                   title=_title, charts=True)

# Component ids: the drill-down charts are pattern-matched by the URL key they set.
DRILL = "indicator-drill"  # {"type": DRILL, "key": "ward" | "school" | "need", "chart": "map" | "bars" | "funnel"}
SECTION_IDS = {"trend": "trend", "benchmark": "benchmark", "breakdown": "breakdown", "equity": "equity"}
GAP_BREAKDOWNS = views.page_measures().indicator.gap_breakdowns  # dashboard/pages.yaml
MAX_GAP_GROUPS = 8
DRILL_LABELS = {"ward": "Ward", "school": "School or setting", "need": "Need type"}


# --- pieces -------------------------------------------------------------------------------------------------

def _chart(kind: str, figure, *, title: str, caption: str, summary: str, table, table_caption: str,
           graph_id: Any = None, empty_reason: str | None = None):
    return components.chart(figure, title=title, caption=caption, summary=summary, table=table,
                            table_caption=table_caption, graph_id=graph_id, empty_reason=empty_reason,
                            id=f"chart-{kind}")


def _polarity_words(indicator: Indicator) -> str:
    return {"high_is_good": "Higher is better.", "low_is_good": "Lower is better."}.get(
        indicator.polarity.value, "Neither higher nor lower is judged better.")


def _headline_facts(head: views.Headline) -> html.Div:
    m = figures.meta(head.indicator)
    bench = head.benchmark
    if head.problem:
        return components.empty_state(head.problem, title="No figures")
    goal = bench.target.target if bench.target is not None else None
    rag, against = components.rating(bench)  # the one rating the board's tile and narrative also show
    return html.Div([
        html.Span(components.value_text(bench.value, bench.status, m.unit, m.places),
                  className="headline-facts__value"),
        html.Span(figures.format_period(head.period), className="muted"),
        components.rag_badge(rag, against=against),
        components.direction_badge(bench.direction_of_travel, m.polarity),
        html.Span(f"Target {figures.format_value(goal, m.unit, m.places)}") if goal is not None else None,
    ], className="headline-facts")


def _crumbs(ctx: views.Context, indicator_id: str, indicator: Indicator, drill: dict[str, str]) -> html.Nav:
    theme = indicator.theme
    top = ctx.link(f"/indicator/{indicator_id}")
    items = [("Home", ctx.link("/")), (views.theme_title(theme), ctx.link(f"/theme/{views.theme_slug(theme)}")),
             (f"{indicator.short_title or indicator.title}: {ctx.area.name}", top)]
    params = dict(ctx.params)
    for key in ("ward", "school", "need"):
        if key in drill:
            params[key] = drill[key]
            items.append((f"{DRILL_LABELS[key]}: {drill[key]}", filters.href(f"/indicator/{indicator_id}", params)))
    return components.breadcrumbs(items)


def _choices(ctx: views.Context, indicator_id: str, offered: list[str], chosen: str | None,
             drill: dict[str, str]) -> html.Nav:
    links = []
    for b in offered:
        href = filters.href(f"/indicator/{indicator_id}", {**ctx.params, **drill}, breakdown=b) + "#breakdown"
        extra = {"aria-current": "page"} if b == chosen else {}
        links.append(html.Li(html.A(BREAKDOWNS.get(b, b), href=href, **extra)))
    return html.Nav(html.Ul(links, className="choices"), **{"aria-label": "Breakdowns"})


def _drill_links(ctx: views.Context, indicator_id: str, key: str, values: list[str], drill: dict[str, str],
                 label: str) -> html.Details | None:
    """Keyboard and screen-reader route into the next level: one link per ward, school or need type (officers
    only, as the engine gives drill-down figures to officers only)."""
    if not values or ctx.audience is not Audience.OFFICER:
        return None
    base = {**ctx.params, **drill}
    after = {"ward": {"school": None, "need": None, "breakdown": "school"},
             "school": {"need": None, "breakdown": "primary_need"}, "need": {"breakdown": None}}[key]
    links = [html.Li(html.A(v, href=filters.href(f"/indicator/{indicator_id}", base, **{key: v}, **after)))
             for v in values]
    return html.Details([html.Summary(label), html.Ul(links, className="drill-list")], className="details")


# --- sections -----------------------------------------------------------------------------------------------

def _trend_section(ctx: views.Context, indicator_id: str, head: views.Headline) -> html.Section:
    meta, bench = head.indicator, head.benchmark
    yearly = views.yearly_rows(ctx, indicator_id, head)
    target = bench.target
    forecast = bench.forecast
    # the last year that has ended, so a later ended year whose clocks still run is marked provisional, not "so far"
    done = views.last_ended(ctx, indicator_id, views.source_of(head), yearly) or head.period
    yearly_chart = _chart(
        "trend", figures.trend(yearly, meta, target=target, forecast=forecast, complete_to=done, breaks=head.breaks),
        title=figures.title_trend(yearly, meta, target=target, complete_to=done),
        caption="By year. " + ("The dashed line is the target; the dotted line the local baseline. "
                               if target else "") + ("The shaded band is the forecast's likely range. "
                                                     if forecast and forecast.rows else "")
        + figures.caption_provisional(yearly, complete_to=done) + " " + figures.source_caption(yearly, meta),
        summary=figures.summary_trend(yearly, meta, target=target, forecast=forecast, complete_to=done,
                                      breaks=head.breaks),
        table=figures.table_trend(yearly, meta, forecast=forecast, complete_to=done),
        table_caption=f"{head.title} by year, {ctx.area.name}",
        empty_reason=None if yearly else "There are no yearly figures for this area.")
    monthly = views.monthly_rows(ctx, indicator_id, head)
    parts = [yearly_chart]
    if forecast and forecast.reason and not forecast.rows:
        parts.append(html.P(f"No forecast: {forecast.reason}", className="muted small"))
    elif forecast and forecast.method:
        parts.append(html.P(f"Forecast method: {forecast.method}"
                            + (f"; {forecast.note}" if forecast.note else "") + ".", className="muted small"))
    if monthly:
        month_done = views.last_ended(ctx, indicator_id, "local", monthly)
        parts.append(_chart(
            "monthly", figures.trend(monthly, meta, target=target, monthly=True, complete_to=month_done),
            title=figures.title_trend(monthly, meta, target=target, monthly=True, complete_to=month_done),
            caption="By month, from the council's own records. Gaps are months whose figure is suppressed."
                    + figures.caption_provisional(monthly, complete_to=month_done),
            summary=figures.summary_trend(monthly, meta, target=target, monthly=True, complete_to=month_done),
            table=figures.table_trend(monthly, meta, complete_to=month_done),
            table_caption=f"{head.title} by month, {ctx.area.name}"))
    return html.Section([html.H2("Trend", id=SECTION_IDS["trend"]), *parts], className="report-section")


def _benchmark_section(ctx: views.Context, indicator_id: str, head: views.Headline) -> html.Section:
    meta, bench = head.indicator, head.benchmark
    published = published_of(bench)
    heading = html.H2("Compared with similar areas and England", id=SECTION_IDS["benchmark"])
    if not published.period:
        return html.Section([heading, components.empty_state(
            "This measure is not published nationally, so there are no figures for other councils to compare with.",
            title="No national comparison")], className="report-section")
    neighbours = [n.area_code for n in published.neighbours]
    ranked = views.ranked_councils(ctx, indicator_id, bench)
    cuts = published.quartile_cut_points
    when = figures.format_period(published.period)
    note = "" if head.period == published.period else (
        f" The latest published figures are for {when}; the local figure above may be more recent.")
    charts = [
        _chart("benchmark", figures.benchmark_bars(bench, meta), title=figures.title_benchmark(bench, meta),
               caption=f"Published figures, {when}: the area, its ten statistical neighbours (DfE), their average, "
                       f"the region and England.{note}",
               summary=figures.summary_benchmark(bench, meta), table=figures.table_benchmark(bench, meta),
               table_caption=f"{head.title}: {ctx.area.name} and its comparators, {when}"),
        _chart("ranked", figures.ranked_all_las(ranked, ctx.area.code, neighbours, meta, cuts, period=published.period),
               title=figures.title_ranked(ranked, ctx.area.code, meta, published.quartile_band),
               caption=f"Every council in England, {when}, ranked; the area and its statistical neighbours "
                       "highlighted; shaded bands are the quartiles (A best).",
               summary=figures.summary_ranked(ranked, ctx.area.code, neighbours, meta, cuts),
               table=figures.table_ranked(ranked, ctx.area.code, neighbours, meta),
               table_caption=f"{head.title}: every council ranked, {when}",
               empty_reason=None if ranked else "No council has a published figure for this period."),
    ]
    return html.Section([heading, html.Div(charts, className="chart-grid")], className="report-section")


def _breakdown_charts(ctx: views.Context, indicator_id: str, head: views.Headline, breakdown: str,
                      rows: Sequence[Row], drill: dict[str, str]) -> list:
    meta = head.indicator
    label = BREAKDOWNS.get(breakdown, breakdown)
    period = head.period if head.period in {r.period for r in rows} else None
    when = figures.format_period(period) if period else "the latest period"
    common = {"period": period}
    values = views.breakdown_values([r for r in rows if r.breakdown == breakdown])
    bars = _chart(
        f"breakdown-{breakdown}", figures.breakdown_bars(rows, meta, breakdown, breakdown_label=label, **common),
        title=figures.title_breakdown(rows, meta, breakdown, breakdown_label=label, **common),
        caption=f"{label}, {when}, ranked. {figures.caption_breakdown(rows, meta, breakdown, **common)}".strip(),
        summary=figures.summary_breakdown(rows, meta, breakdown, breakdown_label=label, **common),
        table=figures.table_breakdown(rows, meta, breakdown, breakdown_label=label, **common),
        table_caption=f"{head.title} by {mid_sentence(label)}, {ctx.area.name}, {when}",
        graph_id={"type": DRILL, "key": "need" if breakdown == "primary_need" else
                  "ward" if breakdown == "ward" else "school" if breakdown == "school" else "none",
                  "chart": f"bars-{breakdown}"},
        empty_reason=None if values else f"There are no figures by {mid_sentence(label)} for this area.")
    out = []
    if breakdown == "ward":
        out.append(_chart(
            "ward-map", figures.ward_map(rows, meta, geojson=views.ward_geojson(), **common),
            title=figures.title_ward_map(rows, meta, **common),
            caption=f"Each tile is a ward of {ctx.area.name}, {when}; darker is higher. Choose a ward to see it "
                    "and the schools. The ranked bars beside it show the same figures.",
            summary=figures.summary_ward_map(rows, meta, **common),
            table=figures.table_breakdown(rows, meta, "ward", breakdown_label="Ward", **common),
            table_caption=f"{head.title} by ward, {ctx.area.name}, {when}",
            graph_id={"type": DRILL, "key": "ward", "chart": "map"},
            empty_reason=None if values else "There are no figures by ward for this area."))
        out.insert(0, _drill_links(ctx, indicator_id, "ward", values, drill, "Open a ward"))
        out.append(bars)
    elif breakdown == "school":
        links = _drill_links(ctx, indicator_id, "school", values, drill, "Open a school or setting")
        if meta.definition.unit.value == "percent":
            out.append(links)
            out.append(_chart(
                "funnel", figures.funnel_plot(rows, meta, **common), title=figures.title_funnel(rows, meta, **common),
                caption=f"Each point is a school or setting, {when}: its figure against the number of children "
                        "behind it. The funnel lines are the range expected by chance around the area's figure, so "
                        "a small school is not judged on a few children.",
                summary=figures.summary_funnel(rows, meta, **common), table=figures.table_funnel(rows, meta, **common),
                table_caption=f"{head.title} by school, {ctx.area.name}, {when}",
                graph_id={"type": DRILL, "key": "school", "chart": "funnel"},
                empty_reason=None if values else "There are no figures by school for this area."))
            return [o for o in out if o is not None]
        shown = [r for r in rows if r.breakdown != breakdown or r.status == "value"]
        hidden = len([r for r in rows if r.breakdown == breakdown and r.period == period]) - len(
            [r for r in shown if r.breakdown == breakdown and r.period == period])
        out.append(links)
        out.append(_chart(
            "breakdown-school", figures.breakdown_bars(shown, meta, breakdown, breakdown_label=label, **common),
            title=figures.title_breakdown(shown, meta, breakdown, breakdown_label=label, **common),
            caption=f"Schools and settings with a figure, {when}, ranked"
                    + (f"; {hidden} with a suppressed or missing figure are not listed." if hidden > 0 else "."),
            summary=figures.summary_breakdown(rows, meta, breakdown, breakdown_label=label, **common),
            table=figures.table_breakdown(rows, meta, breakdown, breakdown_label=label, **common),
            table_caption=f"{head.title} by school, {ctx.area.name}, {when}",
            graph_id={"type": DRILL, "key": "school", "chart": "bars-school"},
            empty_reason=None if values else "There are no figures by school for this area."))
        return [o for o in out if o is not None]
    else:
        if breakdown == "primary_need":
            out.append(_drill_links(ctx, indicator_id, "need", values, drill, "Open a need type"))
        out.append(bars)
    return [o for o in out if o is not None]


def _breakdown_section(ctx: views.Context, indicator_id: str, head: views.Headline, offered: list[str],
                       chosen: str | None, drill: dict[str, str]) -> html.Section:
    heading = html.H2("Breakdowns", id=SECTION_IDS["breakdown"])
    if not offered:
        return html.Section([heading, components.empty_state(
            "The figures for this measure are not broken down for this area.", title="No breakdowns")],
            className="report-section")
    rows = views.breakdown_rows(ctx, indicator_id, chosen, drill) if chosen else []
    charts = _breakdown_charts(ctx, indicator_id, head, chosen, rows, drill) if chosen else []
    links = [c for c in charts if isinstance(c, html.Details)]  # the keyboard route into the next level
    charts = [c for c in charts if not isinstance(c, html.Details)]
    scope = ""
    if drill:
        scope = "These breakdowns cover only " + _drill_scope(drill) + "."
    return html.Section([heading, html.P("Choose how to break the figures down:"),
                         _choices(ctx, indicator_id, offered, chosen, drill),
                         html.P(scope, className="notice notice--info") if scope else None,
                         *links,
                         html.Div(charts, className="chart-grid" if len(charts) > 1 else None)],
                        className="report-section")


def _equity_section(ctx: views.Context, indicator_id: str, head: views.Headline, offered: list[str],
                    chosen: str | None) -> html.Section | None:
    """Gaps between groups: SEN status first (SEN against no SEN) where published, else the chosen breakdown
    when it has a handful of groups."""
    candidates = [b for b in ("sen_status", chosen) if b in offered and b in GAP_BREAKDOWNS]
    for breakdown in dict.fromkeys(candidates):
        rows = views.breakdown_rows(ctx, indicator_id, breakdown)
        groups = views.breakdown_values([r for r in rows if r.breakdown == breakdown])
        if not 2 <= len(groups) <= MAX_GAP_GROUPS:
            continue
        label = BREAKDOWNS.get(breakdown, breakdown)
        meta = head.indicator
        return html.Section([html.H2("Equity gaps", id=SECTION_IDS["equity"]), _chart(
            f"gap-{breakdown}", figures.equity_gap(rows, meta, breakdown),
            title=figures.title_equity_gap(rows, meta, breakdown),
            caption=f"The gap between the highest and lowest group by {mid_sentence(label)}, period by period.",
            summary=figures.summary_equity_gap(rows, meta, breakdown),
            table=figures.table_equity_gap(rows, meta, breakdown),
            table_caption=f"{head.title} by {mid_sentence(label)}, {ctx.area.name}")], className="report-section")
    return None


def _drill_scope(drill: dict[str, str]) -> str:
    """In words, whose figures a drill-down shows: 'children living in Ashley, at Ashley Primary'."""
    parts = []
    if "ward" in drill:
        parts.append(f"children living in {drill['ward']}")
    if "school" in drill:
        parts.append(f"{'' if parts else 'children '}at {drill['school']}")
    if "need" in drill:
        parts.append(f"{'' if parts else 'children '}whose primary need is {mid_sentence(drill['need'])}")
    return ", ".join(parts)


def _drill_section(ctx: views.Context, indicator_id: str, head: views.Headline, drill: dict[str, str]) -> html.Section:
    """The chosen ward, school or need type: its own trend beside the area's, and the way down a level."""
    meta = head.indicator
    key = "need" if "need" in drill else "school" if "school" in drill else "ward"
    value = drill[key]
    # The rows carry the council's name; the chart, its summary and legend speak of the children drilled to.
    scope = _drill_scope(drill)
    series = [row.model_copy(update={"area_name": scope})
              for row in views.totals(views.breakdown_rows(ctx, indicator_id, None, drill))]
    label = DRILL_LABELS[key]
    m = figures.meta(meta)
    parts = [_chart(
        f"drill-{key}", figures.trend(series, meta, complete_to=head.period),
        title=figures.title_trend(series, meta, complete_to=head.period),
        caption=f"{label} {value}, by year. The figure for all of {ctx.area.name} was "
                f"{figures.format_value(head.benchmark.value, m.unit, m.places, head.benchmark.status)}"
                f" in {figures.format_period(head.period)}.",
        summary=figures.summary_trend(series, meta, complete_to=head.period),
        table=figures.table_trend(series, meta, complete_to=head.period),
        table_caption=f"{head.title}, {mid_sentence(label)} {value}, by year",
        empty_reason=None if series else f"There are no figures for this {mid_sentence(label)}.")]
    next_key = {"ward": "school", "school": "need"}.get(key)
    up = dict(ctx.params)
    for k in ("ward", "school"):
        if k in drill and k != key:
            up[k] = drill[k]
    back = filters.href(f"/indicator/{indicator_id}", up)
    if next_key:
        what = {"school": "schools and settings", "need": "need types"}[next_key]
        parts.append(html.P(f"Next: the {what} below, for {scope} only.",
                            className="notice notice--info"))
    return html.Section([html.H2(f"{label}: {value}", id="drill"), *parts,
                         html.A(f"Back to all of {ctx.area.name}" if len(drill) == 1 else "Back one level",
                                href=back, className="back-link")], className="report-section")


# --- the page -----------------------------------------------------------------------------------------------

def _choose_drill(ctx: views.Context, indicator_id: str, query: dict) -> tuple[dict[str, str], list[str]]:
    """The ward, school and need type in the URL that the engine knows for this indicator and area."""
    drill: dict[str, str] = {}
    notes = []
    for key in ("ward", "school", "need"):
        raw = query.get(key)
        if raw in (None, ""):
            continue
        chosen = filters.clean_choice(raw, views.drill_allowlist(ctx, indicator_id, key))
        if chosen is None and ctx.audience is not Audience.OFFICER:
            notes.append(f"Figures for one {mid_sentence(DRILL_LABELS[key])} are for council officers only, so the "
                         f"link's choice is left out.")
        elif chosen is None:
            notes.append(f"The {mid_sentence(DRILL_LABELS[key])} in the link is not one this measure has figures for in "
                         f"{ctx.area.name}, so it is left out.")
        else:
            drill[key] = chosen
    return drill, notes


def _no_indicator(ctx: views.Context | None) -> html.Div:
    link = ctx.link if ctx else (lambda path: path)
    return html.Div([
        html.H1("Indicator reports"),
        html.P("Choose a theme to find a measure, or look it up in the indicator dictionary."),
        html.Ul([html.Li(html.A(title, href=link(f"/theme/{slug}"))) for slug, title in views.themes()]),
        html.P(html.A("Indicator dictionary", href="/dictionary")),
    ])


@views.guarded("Indicator report")
def layout(indicator_id: str | None = None, **query) -> html.Div:
    ctx = views.context(query, period_is_code=True)
    if indicator_id in (None, ""):
        return _no_indicator(ctx)
    indicator_id = views.resolve_indicator(ctx.engine, indicator_id)
    head = views.headline(ctx, indicator_id, forecast=True)
    meta = head.indicator
    drill, drill_notes = _choose_drill(ctx, indicator_id, query) if not head.problem else ({}, [])
    offered = views.offered_breakdowns(ctx, indicator_id, head) if not head.problem else []
    asked = query.get("breakdown")
    chosen = filters.clean_choice(asked, offered)
    notes = list(ctx.notes) + drill_notes
    if asked not in (None, "") and chosen is None:
        notes.append("The breakdown in the link is not one this measure has; choose one from the list.")
    if chosen is None and offered:
        level = views.NEXT_BREAKDOWN["school" if "school" in drill else "ward" if "ward" in drill else None]
        chosen = level if level in offered else offered[0]
    periods = [r.period for r in ctx.engine.show(indicator_id, ctx.area.code, ctx.audience, forecast=False).totals
               ] if not head.problem else []
    if ctx.period and not head.problem and head.period is None:
        notes.append("There are no figures for the period in the link; choose another.")
    definition = meta.definition
    keep = {"breakdown": query.get("breakdown") if chosen == query.get("breakdown") else None, **drill}
    body = [
        _crumbs(ctx, indicator_id, meta, drill),
        html.H1(meta.title or head.title),
        html.P([html.Strong(ctx.area.name), f" · {views.theme_title(meta.theme)}"],
               className="muted"),
        html.P(meta.outcome, className="lede page-intro") if meta.outcome else None,
        html.Details([html.Summary("How this is measured"), html.Dl([
            html.Dt("Counted"), html.Dd(definition.numerator or "As published"),
            *([html.Dt("Out of"), html.Dd(definition.denominator)] if definition.denominator else []),
            html.Dt("Which way is better"), html.Dd(_polarity_words(meta)),
            html.Dt("Source"), html.Dd(meta.source or "Not recorded"),
        ], className="symbols")], className="details"),
        filters.picker_bar(views.council_choices(), ctx.area.code, ctx.period if ctx.period in periods or (
            ctx.period and len(ctx.period) == 4) else None, list(reversed(periods)), keep=keep),
        components.synthetic_banner() if ctx.synthetic and views.shows_local([head]) else None,
        views.notes(notes),
        _headline_facts(head),
        html.P(stale, className="notice notice--stale") if (stale := views.staleness(ctx, head)) else None,
        html.P([html.A("This measure in the data book", href=ctx.link("/data-book", indicator=indicator_id)), " · ",
                html.A("Definition in the indicator dictionary", href=f"/dictionary?q={indicator_id}")],
               className="small"),
        components.symbols_legend(ratings=True),
    ]
    if head.problem:
        return html.Div([*body, html.P(html.A("What the loaded data covers", href=ctx.link("/coverage")))])
    if drill:
        body.append(_drill_section(ctx, indicator_id, head, drill))
    else:
        body += [_trend_section(ctx, indicator_id, head), _benchmark_section(ctx, indicator_id, head)]
    body.append(_breakdown_section(ctx, indicator_id, head, offered, chosen, drill))
    if not drill:
        body.append(_equity_section(ctx, indicator_id, head, offered, chosen))
    return html.Div(body)


# --- the callback: a click on a ward, school or need type drills down -------------------------------------

def drill_down(clicks: list, ids: list, pathname: object, search: object) -> str:
    """The new query string for the clicked ward, school or need type, or no change when the click names
    nothing the engine allows for this indicator and area. The allowlist is computed for the server's
    audience (`views.context` takes it from `dashboard.access.audience_for`): a URL can only ask for a stricter
    view, never smuggle in a wider one."""
    if not isinstance(clicks, list) or not isinstance(ids, list):
        return dash.no_update
    try:
        triggered = dash.callback_context.triggered_id
    except Exception:  # noqa: BLE001 - called outside a request (tests): no trigger to prefer
        triggered = None
    pairs = [(i, c) for i, c in zip(ids, clicks, strict=False) if isinstance(i, dict) and c]
    if isinstance(triggered, dict):
        pairs = [(i, c) for i, c in pairs if i == triggered] or pairs
    for item, click in pairs:
        key = item.get("key")
        result = views.drill_search(key, click, pathname, search) if key in views.DRILL_BREAKDOWN else None
        if result is not None:
            return result
    return dash.no_update


dash.callback(Output(filters.URL, "search", allow_duplicate=True),
              Input({"type": DRILL, "key": ALL, "chart": ALL}, "clickData"),
              State({"type": DRILL, "key": ALL, "chart": ALL}, "id"),
              State(filters.URL, "pathname"), State(filters.URL, "search"),
              prevent_initial_call=True)(drill_down)
