"""Start page: what this dashboard is, the three ways in (board, performance clinic, commissioners), the six
themes, and what data is loaded."""

from __future__ import annotations

import dash
from dash import html

from dashboard import filters, views
from dashboard.format import format_period
from data.warehouse.status import TABLE_GROUPS

dash.register_page(__name__, path="/", name="Home", title="Local area SEND dashboard", order=0)

LABELS = {
    "national_fact": "Published national figures", "stat_neighbour": "Statistical neighbour pairs",
    "lait_measure": "LAIT measure definitions", "area_inspection": "Area SEND inspections",
    "dim_la": "Local authorities", "dim_region": "Regions", "dim_ward": "Wards", "dim_need_type": "Need types",
    "la_nhs": "LA to NHS geography", "person": "Children and young people", "request": "Requests for assessment",
    "assessment": "EHC needs assessments", "named_plan": "EHC plans", "plan_detail": "Settings named in plans",
    "active_plan": "Active plans", "placement": "Placements", "sen_need": "Recorded needs",
    "review": "Annual reviews", "health_advice": "Advice requests", "casework": "Case allocations",
    "caseworker": "Caseworkers", "residence": "Residence and school records", "dim_school": "Schools and settings",
    "sen_support": "Pupils on SEN support (census)", "dispute": "Mediation and tribunal cases",
    "aggregate_measure": "Partner measures (aggregate)",
}

# The three audiences and the view made for each (PRODUCT.md, "Users, and what each comes for").
ENTRY_POINTS = [
    ("/board", "Board (LASSPG)",
     "Headline measures against targets, neighbours and England, with what is going well and what needs attention."),
    ("/clinic", "Performance clinic",
     "Monthly timeliness, and the same figures by team, caseworker and need, to find where delays arise."),
    ("/commissioners", "Commissioners",
     "Benchmarks against statistical neighbours, region and England, demand forecasts and where children are placed."),
]
THEME_BLURBS = {
    "governance": "Timeliness, requests, plans, reviews, appeals and how the partnership works.",
    "local-profile": "Who has SEN support or a plan, their needs, settings and placements.",
    "learning-employment": "Attainment, progress, destinations and participation of children with SEND.",
    "friends-community": "Taking part in leisure activities of their choosing.",
    "good-health": "Parent carers' confidence managing health and care needs.",
    "independent-living": "Adults with a learning disability living in their own home or with family.",
}
MORE = [
    ("/data-book", "Data book", "Every indicator's table at every breakdown, to download as CSV or Excel."),
    ("/dictionary", "Indicator dictionary", "What every measure means, where it comes from and when it updates."),
    ("/coverage", "What the data covers", "Which measures the loaded data can show, and how to fill the gaps."),
    ("/board-pack", "Board pack", "A printable pack of the board's measures for a chosen period."),
]


def _unavailable(problem: views.Problem) -> html.Div:
    return html.Div([
        html.H1(problem.title),
        html.P(" ".join(filter(None, [problem.message, problem.hint])), className="notice notice--error"),
    ])


def _status(summary) -> html.Section:
    sections = []
    for group, tables in TABLE_GROUPS.items():
        rows = [html.Tr([html.Th(LABELS.get(t, t.replace("_", " ")), scope="row"),
                         html.Td(f"{summary.table_rows[t]:,}", className="num")])
                for t in tables if t in summary.table_rows]
        sections.append(html.Table([
            html.Caption(f"{group}: rows loaded"),
            html.Thead(html.Tr([html.Th("What", scope="col"), html.Th("Rows", scope="col", className="num")])),
            html.Tbody(rows),
        ], className="table"))
    periods = html.Table([
        html.Caption("Published datasets and the periods they cover"),
        html.Thead(html.Tr([html.Th("Dataset", scope="col"), html.Th("First period", scope="col"),
                            html.Th("Latest period", scope="col")])),
        html.Tbody([html.Tr([html.Td(d.replace("_", " ")), html.Td(format_period(first)), html.Td(format_period(last))])
                    for d, first, last in summary.national_datasets]),
    ], className="table")
    return html.Section([
        html.H2("What is loaded", id="loaded"),
        html.P([
            f"Warehouse version {summary.info['version']}, data to {summary.info['reference_date']}. ",
            f"{summary.quarantined_rows:,} row(s) were set aside at load and {summary.cleared_values:,} value(s) cleared "
            "because they failed validation; officers can review them.",
        ]),
        html.Details([html.Summary("Rows loaded, table by table"), *sections,
                      html.H3("Published data periods"), periods], className="details"),
    ], className="home__section", **{"aria-labelledby": "loaded"})


def _cards(items, params) -> html.Ul:
    return html.Ul([
        html.Li(html.A([html.Span(title, className="card__title"), html.Span(text, className="card__text")],
                       href=filters.href(path, params), className="card__link"), className="card")
        for path, title, text in items
    ], className="cards")


def layout(**query) -> html.Div:
    try:
        summary = views.get_engine().status()
    except views.Problem as problem:
        return _unavailable(problem)
    params: dict[str, str] = {}
    picker = None
    notice = None
    notes = None
    area_name = summary.la_name
    try:
        ctx = views.context(query)
        params = ctx.params
        area_name = ctx.area.name
        notes = views.notes(ctx.notes)
        picker = filters.picker_bar(views.council_choices(), ctx.area.code, ctx.period, last_year=ctx.last_year)
    except views.Problem as problem:
        notice = html.Div([html.H2(problem.title), html.P(problem.message), html.P(problem.hint)],
                          className="notice notice--error", role="alert")
        try:
            engine = views.get_engine()
            picker = filters.picker_bar(views.council_choices(), views.default_area(engine).code, None)
        except views.Problem:
            picker = None
    themes = html.Ul([
        html.Li([html.A(title, href=filters.href(f"/theme/{slug}", params), className="themes-grid__link"),
                 html.Span(THEME_BLURBS.get(slug, ""), className="themes-grid__text")], className="themes-grid__item")
        for slug, title in views.themes()
    ], className="themes-grid")
    return html.Div([
        html.H1(f"SEND in {area_name}" if area_name else "Local area SEND dashboard"),
        html.P("One place for the local area's SEND partnership to see how well children and young people with "
               "special educational needs and disabilities are served: the council's own records beside the "
               "published national figures, benchmarked against similar areas.", className="lede"),
        notice,
        html.Section([html.H2("Area and period", id="choose"), picker, notes], className="home__section",
                     **{"aria-labelledby": "choose"}) if picker is not None else None,
        html.Section([html.H2("Start here", id="start"), _cards(ENTRY_POINTS, params)],
                     className="home__section", **{"aria-labelledby": "start"}),
        html.Section([html.H2("Reports by theme", id="themes"),
                      html.P("The Council for Disabled Children's outcomes framework groups the measures into "
                             "six themes. Each theme page links to a page for every measure, with its trend, "
                             "benchmarks and breakdowns by ward, school and need."),
                      themes], className="home__section", **{"aria-labelledby": "themes"}),
        html.Section([html.H2("Tables, definitions and packs", id="more"), _cards(MORE, params)],
                     className="home__section", **{"aria-labelledby": "more"}),
        _status(summary),
    ])
