"""Performance clinic: statutory timeliness month by month, and where delays arise by team, caseworker and need,
with the way into each measure's ward and school drill-down.

URL: /clinic?area=E06000023&period=2025&indicator=ehcp_issued_20wk
"""

from __future__ import annotations

import dash
from dash import html

from dashboard import components, figures, filters, views
from dashboard.format import mid_sentence
from indicators.catalogue.model import BREAKDOWNS
from indicators.vocabulary import Audience

dash.register_page(__name__, path="/clinic", name="Performance clinic", title="Performance clinic", order=20,
                   charts=True)

# The statutory clocks the clinic watches, in the order they run for a child.
TIMELINESS = views.page_measures().clinic.timeliness  # dashboard/pages.yaml
CAUSES = views.page_measures().clinic.causes  # where delays arise
MONTHS_SHOWN = 24
GRID = "clinic-monthly"


def _monthly_chart(ctx: views.Context, indicator_id: str) -> html.Figure:
    head = views.headline(ctx, indicator_id)
    meta = head.indicator
    link = html.A(f"Open the report: {head.title}", href=ctx.link(f"/indicator/{indicator_id}"))
    if head.problem:
        return html.Div([html.H3(head.title), components.empty_state(head.problem), link])
    rows = tuple(views.monthly_rows(ctx, indicator_id, head)[-MONTHS_SHOWN:])  # a tuple: its charts share one frame
    done = views.last_ended(ctx, indicator_id, "local", rows)
    target = head.benchmark.target
    return html.Div([components.chart(
        figures.trend(rows, meta, target=target, monthly=True, complete_to=done),
        title=figures.title_trend(rows, meta, target=target, monthly=True, complete_to=done),
        caption=f"The last {MONTHS_SHOWN} months, from the council's own records."
                + (" The dashed line is the target." if target else "")
                + figures.caption_provisional(rows, complete_to=done),
        summary=figures.summary_trend(rows, meta, target=target, monthly=True, complete_to=done),
        table=figures.table_trend(rows, meta, complete_to=done),
        table_caption=f"{head.title} by month, {ctx.area.name}", id=f"clinic-{indicator_id}",
        empty_reason=None if rows else "This measure has no monthly figures for this area."), link])


def _causes(ctx: views.Context, indicator_id: str) -> list:
    head = views.headline(ctx, indicator_id)
    if head.problem:
        return [components.empty_state(head.problem)]
    meta = head.indicator
    offered = views.offered_breakdowns(ctx, indicator_id, head)
    charts = []
    for breakdown in [b for b in CAUSES if b in offered]:
        rows = views.breakdown_rows(ctx, indicator_id, breakdown)
        period = head.period if head.period in {r.period for r in rows} else None
        label = BREAKDOWNS[breakdown]
        values = views.breakdown_values([r for r in rows if r.breakdown == breakdown])
        when = figures.format_period(period) if period else "the latest period"
        charts.append(components.chart(
            figures.breakdown_bars(rows, meta, breakdown, period=period, breakdown_label=label),
            title=figures.title_breakdown(rows, meta, breakdown, period=period, breakdown_label=label),
            caption=f"{label}, {when}, ranked best first. "
                    f"{figures.caption_breakdown(rows, meta, breakdown, period=period)}".strip(),
            summary=figures.summary_breakdown(rows, meta, breakdown, period=period, breakdown_label=label),
            table=figures.table_breakdown(rows, meta, breakdown, period=period, breakdown_label=label),
            table_caption=f"{head.title} by {mid_sentence(label)}, {ctx.area.name}, {when}", id=f"clinic-{breakdown}",
            empty_reason=None if values else f"There are no figures by {mid_sentence(label)} for this area."))
    if not charts:
        return [components.empty_state("This measure is not broken down by team, caseworker or need.")]
    return charts


@views.guarded("Performance clinic")
def layout(**query) -> html.Div:
    ctx = views.context(query)
    chosen = filters.clean_choice(query.get("indicator"), TIMELINESS) or views.page_measures().clinic.default
    notes = list(ctx.notes)
    if query.get("indicator") not in (None, "") and query.get("indicator") != chosen:
        notes.append("The measure in the link is not one the clinic covers, so plans issued within 20 weeks is shown.")
    who = "team, caseworker and need" if ctx.audience is Audience.OFFICER else "team and need"  # caseworkers: officers
    intro = html.P("For SEND service managers and analysts: how each statutory clock is running month by month, "
                   f"and where delays arise by {who}. Every chart links to its measure's report, where the figures "
                   "break down by ward and school.", className="lede page-intro")
    head = [html.H1(f"Performance clinic: {ctx.area.name}"), intro,
            filters.picker_bar(views.council_choices(), ctx.area.code, ctx.period, last_year=ctx.last_year,
                               keep={"indicator": chosen}),
            components.synthetic_banner() if ctx.synthetic and ctx.is_local else None,  # the clinic is local records
            views.notes(notes)]
    if not ctx.is_local:
        local = ctx.engine.local_area
        return html.Div([*head, components.empty_state(
            f"The clinic works from a council's own case records, which are loaded here for one council only. "
            f"{ctx.area.name}'s published figures are in the board view and the theme reports.",
            title="No local records for this area"),
            html.P(html.A("Open the clinic for the council whose records are loaded",
                          href=filters.href("/clinic", {"area": local}))) if local else None])
    measures = []
    for indicator_id in TIMELINESS:
        title = views.headline(ctx, indicator_id).title
        extra = {"aria-current": "page"} if indicator_id == chosen else {}
        measures.append(html.Li(html.A(title, href=ctx.link("/clinic", indicator=indicator_id) + "#causes", **extra)))
    chosen_title = views.headline(ctx, chosen).title
    return html.Div([
        *head,
        html.Section([html.H2("Timeliness month by month", id="monthly"),
                      html.Div([_monthly_chart(ctx, i) for i in TIMELINESS], className="chart-grid", id=GRID)],
                     className="report-section", **{"aria-labelledby": "monthly"}),
        html.Section([html.H2(f"Where delays arise: {mid_sentence(chosen_title)}", id="causes"),
                      html.P("Choose a measure:"),
                      html.Nav(html.Ul(measures, className="choices"), **{"aria-label": "Measures"}),
                      html.Div(_causes(ctx, chosen), className="chart-grid"),
                      html.P(["By place: ",
                              html.A("by ward", href=ctx.link(f"/indicator/{chosen}", breakdown="ward") + "#breakdown"),
                              ", ",
                              html.A("by school", href=ctx.link(f"/indicator/{chosen}", breakdown="school") + "#breakdown"),
                              "."])],
                     className="report-section", **{"aria-labelledby": "causes"}),
        html.P([html.A("Case-level lists of what breaches this week", href="/casework"), " and the ",
                html.A("records to fix before the return", href="/data-quality"),
                " are for council officers, who sign in to see them."], className="muted small"),
    ])
