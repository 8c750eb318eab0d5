"""Data book: every indicator's figures at every breakdown, in a filterable grid, with downloads.

`/data-book` lists the indicators by theme with workbook downloads; `/data-book?indicator=ehcp_issued_20wk&area=
E06000023&period=2024&breakdown=ward` shows one indicator's tidy rows (every breakdown unless one is chosen) in an
AG Grid, its definition, the symbols, and links to the same figures as CSV and Excel (`dashboard.routes`). The
figures come from `dashboard.routes.gather`, the same function the downloads use, for the audience the server
grants, so the page and the files always agree.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
from dash import dcc, html

from dashboard import components, exports, filters, views
from dashboard.format import format_period, mid_sentence
from dashboard.routes import ALL_BREAKDOWNS, gather
from indicators.catalogue.model import BREAKDOWNS, THEME_TITLES, Indicator
from indicators.disclosure import suppression_note
from indicators.engine import NotAvailable, UnknownPeriod
from indicators.vocabulary import TOTAL, Audience

dash.register_page(__name__, path="/data-book", name="Data book", title="Data book", order=50, grid=True)

# --- component ids: the one place they are named ----------------------------------------------------------
INDICATOR = "databook-indicator"
AREA = "databook-area"
PERIOD = "databook-period"
BREAKDOWN = "databook-breakdown"
SOURCE = "databook-source"
BY = "databook-by"
SHOW = "databook-show"
GRID = "databook-grid"
GRID_HEADING = "databook-grid-heading"
ROW_COUNT = "databook-row-count"

ALL_PERIODS = "all"
OFFICIAL = "official"  # the source choice meaning: published where DfE has published, local records otherwise
SOURCE_CHOICES = {OFFICIAL: "Official: published by DfE where published, local records otherwise",
                  "national": "Published by DfE only", "local": "Local records only",
                  "aggregate": "Partner returns only"}
BY_CHOICES = {"year": "By year", "month": "By month (local records)"}
LINK_PARAMS = ("area", "period", "breakdown", "source", "by", "audience")
_PERIOD = re.compile(r"\d{4}|\d{6}|\d{4}-\d{2}|\d{4}-Q[1-4]")
PATH = "/data-book"
PAGE_SIZE = 25


# --- links -------------------------------------------------------------------------------------------------

def page_link(indicator: str | None = None, **params: str | None) -> str:
    """A link to the data book for `indicator` carrying the given area, period, breakdown and audience."""
    pairs = [("indicator", indicator)] + [(k, params.get(k)) for k in LINK_PARAMS]
    pairs = [(k, v) for k, v in pairs if v]
    return PATH + (f"?{urlencode(pairs)}" if pairs else "")


def download_link(indicator: str, ext: str, **params: str | None) -> str:
    pairs = [(k, params.get(k)) for k in LINK_PARAMS if params.get(k)]
    return f"/download/{indicator}.{ext}" + (f"?{urlencode(pairs)}" if pairs else "")


def workbook_link(theme: str | None, **params: str | None) -> str:
    pairs = [(k, params.get(k)) for k in ("area", "period", "audience") if params.get(k)]
    path = f"/download/theme/{theme.replace('_', '-')}.xlsx" if theme else "/download/all-indicators.xlsx"
    return path + (f"?{urlencode(pairs)}" if pairs else "")


# --- the picker: a plain GET form of native selects (keyboard and screen-reader friendly, grouped by theme) ----

def _select(name: str, control_id: str, options: list, chosen: str | None) -> html.Select:
    """A native select; `options` are (value, label) pairs or (group label, [(value, label), ...])."""
    def option(value: str, label: str) -> html.Option:
        return html.Option(label, value=value, selected=value == chosen)

    children = []
    for value, label in options:
        if isinstance(label, list):
            children.append(html.Optgroup([option(v, text) for v, text in label], label=value))
        else:
            children.append(option(value, label))
    return html.Select(children, id=control_id, name=name, className="select",
                       **{"aria-describedby": f"{control_id}-hint"})


def _field(label: str, control_id: str, hint: str, control) -> html.Div:
    return html.Div([
        html.Label(label, htmlFor=control_id, className="filters__label"),
        html.Span(hint, id=f"{control_id}-hint", className="filters__hint"),
        control,
    ], className="filters__field")


def indicator_options(engine) -> list:
    """Every indicator, grouped under its theme."""
    return [(THEME_TITLES[theme], [(i.id, i.title) for i in indicators])
            for theme, indicators in engine.catalogue.by_theme().items() if indicators]


def period_options(periods: list[str]) -> list[tuple[str, str]]:
    return [(ALL_PERIODS, "Every period"), *[(p, format_period(p)) for p in reversed(periods)]]


def breakdown_options(offered: list[str]) -> list[tuple[str, str]]:
    return [(ALL_BREAKDOWNS, "Every breakdown"), *[(b, BREAKDOWNS.get(b, b)) for b in offered if b != TOTAL]]


def picker(engine, indicator: str | None, area_code: str, period: str | None, periods: list[str],
           breakdown: str | None, offered: list[str], audience: str | None, *, source: str | None = None,
           sources: list[str] | None = None, by: str | None = None, monthly: bool = False) -> html.Form:
    """The choices, sent as the page's own query string when the reader presses Show (a plain GET form).
    sources: the figures the indicator has for the area (besides the official series); monthly: whether it
    also runs by month."""
    indicators = indicator_options(engine)
    if indicator is None:
        indicators = [("", "Choose an indicator"), *indicators]
    fields = [
        _field("Indicator", INDICATOR, "Grouped by theme", _select("indicator", INDICATOR, indicators, indicator or "")),
        _field("Area", AREA, "The council whose figures to show",
               _select("area", AREA, [(code, name) for code, name in views.council_choices()], area_code)),
    ]
    if indicator is not None:
        fields += [
            _field("Period", PERIOD, "Every period, or one", _select("period", PERIOD, period_options(periods),
                                                                     period or ALL_PERIODS)),
            _field("Breakdown", BREAKDOWN, "Every breakdown, or one with its total",
                   _select("breakdown", BREAKDOWN, breakdown_options(offered), breakdown or ALL_BREAKDOWNS)),
        ]
        if sources and len(sources) > 1:
            fields.append(_field("Figures", SOURCE, "Which source's figures", _select(
                "source", SOURCE, [(OFFICIAL, SOURCE_CHOICES[OFFICIAL]),
                                   *[(s, SOURCE_CHOICES[s]) for s in sources]], source or OFFICIAL)))
        if monthly:
            fields.append(_field("Periods", BY, "Years, or months", _select(
                "by", BY, list(BY_CHOICES.items()), by or "year")))
    hidden = [dcc.Input(type="hidden", name="audience", value=audience)] if audience else []
    return html.Form([*fields, *hidden, html.Button("Show", id=SHOW, type="submit", className="button filters__apply")],
                     action=PATH, method="get", className="filters databook__filters", role="search",
                     **{"aria-label": "Choose the data book's figures"})


# --- pieces of the page ------------------------------------------------------------------------------------

def symbols_legend() -> html.Section:
    return html.Section([
        html.H2("Symbols", className="databook__h3"),
        html.Dl([part for symbol, meaning in exports.SYMBOLS.items()
                 for part in (html.Dt(symbol, className="databook__symbol"), html.Dd(meaning[0].upper() + meaning[1:]))],
                className="databook__symbols"),
    ], className="databook__legend", **{"aria-label": "Symbols used in the figures"})


def definition_list(table: exports.Table, keep: tuple[str, ...]) -> html.Dl:
    items = []
    for label, text in exports.metadata_fields(table.indicator, table.source_used):
        if label in keep:
            items += [html.Dt(label), html.Dd(text)]
    return html.Dl(items, className="databook__meta")


def problem(title: str, message: str, hint: str = "") -> html.Div:
    return html.Div([html.H2(title), html.P(message), html.P(hint) if hint else None],
                    className="notice notice--info", role="status")


def column_defs(indicator: Indicator) -> list[dict[str, Any]]:
    """Friendly headers, numbers right-aligned and formatted, symbols with their meaning in place of hidden figures."""
    definition = indicator.definition
    unit = definition.unit.value
    places = indicator.decimal_places
    value_format = f",.{places}f"
    suffix = "%" if unit == "percent" else ""

    def number(field: str, header: str, fmt: str, tip: str, extra: str = "") -> dict[str, Any]:
        return {"field": field, "headerName": header, "headerTooltip": tip, "type": "rightAligned",
                "filter": "agNumberColumnFilter", "minWidth": 150,
                "valueFormatter": {"function": f"params.value == null ? (params.data.{field}s || '') : "
                                               f"d3.format('{fmt}')(params.value) + '{extra}'"}}

    return [
        # Sorted by the period code (2019 < 2019/20 < 2020, months in order), shown and filtered as people write it.
        {"field": "pc", "headerName": "Period", "filter": "agTextColumnFilter", "minWidth": 110,
         "valueFormatter": {"function": "params.data.period"},
         "filterValueGetter": {"function": "params.data.period"}},
        {"field": "breakdown", "headerName": "Breakdown", "filter": "agTextColumnFilter", "minWidth": 170},
        {"field": "group", "headerName": "Group", "filter": "agTextColumnFilter", "minWidth": 200, "flex": 2},
        number("n", "Numerator", ",", definition.numerator or "Numerator"),
        number("d", "Denominator", ",", definition.denominator or "No denominator: a count"),
        number("v", exports.VALUE_HEADERS.get(unit, "Value"), value_format,
               exports.UNIT_WORDS.get(unit, "Value"), suffix),
        {"field": "status", "headerName": "Status", "filter": "agTextColumnFilter", "minWidth": 170},
        {"field": "source", "headerName": "Source", "filter": "agTextColumnFilter", "minWidth": 200},
    ]


def grid_rows(table: exports.Table) -> list[dict[str, Any]]:
    """The rows the grid needs, kept small: numbers, and a symbol (`ns`, `ds`, `vs`) where a number is hidden."""
    out = []
    for r in exports.records(table):
        row: dict[str, Any] = {"period": r["period_label"], "pc": r["period"], "breakdown": r["breakdown_label"],
                               "group": r["breakdown_value"], "status": r["status_text"],
                               "source": r["source_label"]}
        for key, column in (("n", "numerator"), ("d", "denominator"), ("v", "value")):
            if isinstance(r[column], str):
                row[key] = None
                row[f"{key}s"] = r[f"{column}_text"]
            else:
                row[key] = r[column]
        out.append(row)
    return out


def grid(table: exports.Table, caption: str) -> html.Section:
    rows = grid_rows(table)
    count = f"{len(rows):,} row{'s' if len(rows) != 1 else ''}"
    return html.Section([
        html.H2(caption, id=GRID_HEADING),
        html.P([html.Span(count, id=ROW_COUNT, role="status"), ". Sort by choosing a column heading; filter with the "
                "box under it. ",
                "Use Tab to move into the table and the arrow keys to move between cells."], className="hint"),
        dcc.Loading(dag.AgGrid(
            id=GRID, rowData=rows, columnDefs=column_defs(table.indicator),
            defaultColDef={"sortable": True, "resizable": True, "floatingFilter": True, "flex": 1,
                           "wrapHeaderText": True, "autoHeaderHeight": True, "suppressHeaderMenuButton": True},
            dashGridOptions={"pagination": True, "paginationPageSize": PAGE_SIZE,
                             "paginationPageSizeSelector": [25, 50, 100], "domLayout": "autoHeight",
                             "ensureDomOrder": True, "enableCellTextSelection": True, "tooltipShowDelay": 300,
                             "suppressColumnVirtualisation": True},
            className="ag-theme-alpine databook__grid", style={"width": "100%"},
        ), type="default"),
    ], className="databook__table", **{"aria-labelledby": GRID_HEADING})


def downloads(indicator: str, theme: str, params: dict[str, str | None]) -> html.Section:
    return html.Section([
        html.H2("Download these figures", className="databook__h3"),
        html.Ul([
            html.Li(html.A("CSV (comma-separated values)", href=download_link(indicator, "csv", **params),
                           className="databook__download")),
            html.Li(html.A("Excel workbook, with definitions and symbols", href=download_link(indicator, "xlsx",
                                                                                           **params),
                           className="databook__download")),
            html.Li(html.A(f"Excel workbook of every indicator in {THEME_TITLES.get(theme, theme)}",
                           href=workbook_link(theme, **{**params, "breakdown": None}),
                           className="databook__download")),
        ], className="databook__downloads"),
    ])


# --- the layout --------------------------------------------------------------------------------------------

def contents(engine, params: dict[str, str | None]) -> html.Div:
    """No indicator chosen: the catalogue by theme, each a link, with a workbook per theme."""
    sections = []
    for theme, indicators in engine.catalogue.by_theme().items():
        if not indicators:
            continue
        sections.append(html.Section([
            html.H2(THEME_TITLES[theme]),
            html.P(html.A(f"Download every {mid_sentence(THEME_TITLES[theme])} indicator as an Excel workbook",
                          href=workbook_link(theme.value, **params), className="databook__download")),
            html.Ul([html.Li(html.A(i.title, href=page_link(i.id, **params))) for i in indicators],
                    className="databook__list"),
        ]))
    return html.Div([
        html.P(["Choose an indicator above, or from the lists below. ",
                html.A("Download every indicator as one Excel workbook", href=workbook_link(None, **params),
                       className="databook__download"),
                " (this can take a little while)."]),
        *sections,
    ])


def _resolve_period(ctx: views.Context, indicator_id: str, source: str, periods: list[str]) -> tuple[str | None, str]:
    """The indicator period the URL's period means, and a note when it had to be read or was ignored."""
    if ctx.period is None:
        return None, ""
    if ctx.period in periods:
        return ctx.period, ""
    if not _PERIOD.fullmatch(ctx.period):
        return None, "The period in the link is not one this indicator has, so every period is shown."
    chosen = views.period_for(ctx, indicator_id, source, periods) if len(ctx.period) == 4 else None
    if chosen:
        return chosen, (f"This indicator has no figures for {format_period(ctx.period)} as such, so the "
                        f"latest period that had ended by then, {format_period(chosen)}, is shown.")
    return None, (f"This indicator has no figures for {format_period(ctx.period)}, so every period is "
                  "shown.")


def layout(indicator: str | None = None, breakdown: str | None = None, period: str | None = None,
           source: str | None = None, by: str | None = None, **query: Any) -> html.Div:
    try:
        ctx = views.context(query, period_is_code=True)
    except views.Problem as exc:
        return html.Div([html.H1("Data book"), problem(exc.title, exc.message, exc.hint)])
    # The period is read against the chosen indicator's own periods below (every period when there is none).
    wanted = filters.one(period)
    ctx = dataclasses.replace(ctx, period=None if wanted in (None, ALL_PERIODS) else wanted)
    engine = ctx.engine
    audience_param = filters.audience_param(ctx.audience, ctx.area.code)
    base = {"area": ctx.area.code, "period": ctx.period if ctx.period and _PERIOD.fullmatch(ctx.period) else None,
            "audience": audience_param}
    intro = [html.H1("Data book"),
             html.P("Every indicator's figures at every breakdown, with its definition, source and symbols, to "
                    "filter here or download as CSV or Excel.", className="lede")]
    notes = [html.P(n, className="notice") for n in ctx.notes]
    indicator_id = filters.one(indicator)
    if indicator_id is not None and indicator_id not in engine.catalogue:
        notes.append(html.P("The link asks for an indicator this dashboard does not have; choose one below.",
                            className="notice"))
        indicator_id = None
    if indicator_id is None:
        return html.Div([*intro, picker(engine, None, ctx.area.code, None, [], None, [], audience_param), *notes,
                         contents(engine, base)])

    meta_indicator = engine.indicator(indicator_id)
    sources = engine.sources_for(meta_indicator, ctx.area)
    wanted_source = filters.one(source)
    chosen_source = filters.clean_choice(wanted_source, sources) if wanted_source not in (None, OFFICIAL) else None
    if wanted_source not in (None, OFFICIAL) and chosen_source is None:
        notes.append(html.P("This indicator has no such figures for this area, so the official figures are shown.",
                            className="notice"))
    can_month = "local" in sources and bool(meta_indicator.local and meta_indicator.local.monthly)
    monthly = filters.one(by) == "month" and can_month and chosen_source in (None, "local")
    if filters.one(by) == "month" and not monthly:
        notes.append(html.P("Months come only from the council's own records, which this indicator does not have "
                            "by month for these figures, so years are shown.", className="notice"))
    try:
        first = engine.result(indicator_id, ctx.area.code, ctx.audience, source=chosen_source, monthly=monthly,
                              official=chosen_source is None)
    except NotAvailable:
        return html.Div([*intro, picker(engine, indicator_id, ctx.area.code, None, [], None, [], audience_param), *notes,
                         html.H2(meta_indicator.title),
                         problem(f"No figures for {ctx.area.name}",
                                 "This indicator is computed from records each council holds, and the loaded data "
                                 "does not include them for this area.",
                                 "What would fill it: " + engine.how_to_fill(meta_indicator, ctx.area) + "."),
                         html.P(html.A("See what the loaded data covers", href=f"/coverage?{urlencode({'area': ctx.area.code})}"))])
    used = first.source
    periods = list(dict.fromkeys(first.frame["period"]))  # the engine gives them in time order
    period, period_note = _resolve_period(ctx, indicator_id, used, periods)
    if period_note:
        notes.append(html.P(period_note, className="notice"))
    offered = [b for b in engine.breakdowns_for(meta_indicator, used, ctx.audience) if b != TOTAL]
    if first.monthly and ctx.audience is not Audience.OFFICER:
        offered = []
        notes.append(html.P("By month, the figures are for all children: months by breakdown are for council "
                            "officers only, so that no hidden count can be worked out from them.", className="notice"))
    chosen_breakdown = filters.clean_choice(breakdown, offered) if breakdown not in (None, "", ALL_BREAKDOWNS) else None
    if breakdown not in (None, "", ALL_BREAKDOWNS) and chosen_breakdown is None:
        notes.append(html.P("This indicator has no such breakdown, so every breakdown is shown.", className="notice"))
    try:
        table = gather(engine, indicator_id, ctx.area.code, ctx.audience, period=period, breakdown=chosen_breakdown,
                       source=chosen_source, monthly=monthly)
    except UnknownPeriod:
        table = gather(engine, indicator_id, ctx.area.code, ctx.audience, source=chosen_source, monthly=monthly)
        period = None
    params = {"area": ctx.area.code, "period": period, "breakdown": chosen_breakdown, "source": chosen_source,
              "by": "month" if monthly else None, "audience": audience_param}
    meta = table.indicator
    where = f"{ctx.area.name}, {format_period(period) if period else 'every period'}"
    body = (grid(table, f"{meta.title}: {where}") if len(table.frame) else
            problem("No figures", f"The loaded data has no figures for this indicator in {where}."))
    return html.Div([
        *intro,
        picker(engine, indicator_id, ctx.area.code, period, periods, chosen_breakdown, offered, audience_param,
               source=chosen_source, sources=sources, by="month" if monthly else None, monthly=can_month),
        components.synthetic_banner() if ctx.synthetic and used in ("local", "aggregate") else None,
        *notes,
        html.Div([
            html.Div([
                html.H2(meta.title),
                definition_list(table, ("Definition: numerator", "Definition: denominator", "Unit", "Polarity",
                                       "Source", "Figures used", "Frequency", "Last update", "Next update")),
                html.P([html.A("Full definition in the indicator dictionary",
                               href=f"/dictionary?{urlencode({'q': indicator_id})}"), " · ",
                        html.A("Indicator report", href=views_link(indicator_id, base))]),
            ], className="databook__about"),
            html.Div([downloads(indicator_id, meta.theme.value, params), symbols_legend()], className="databook__side"),
        ], className="databook__top"),
        html.P([html.Strong("Who these figures are for: "), exports.AUDIENCE_WORDS[ctx.audience.value] + ". ",
                suppression_note(ctx.audience)], className="databook__audience"),
        body,
    ])


def views_link(indicator_id: str, params: dict[str, str | None]) -> str:
    pairs = [(k, v) for k, v in params.items() if v]
    return f"/indicator/{indicator_id}" + (f"?{urlencode(pairs)}" if pairs else "")


# --- the row count follows the grid's filters (in the browser: no figures go back to the server) -------------

dash.clientside_callback(
    """function (shown, all) {
        const total = (all || []).length;
        const plural = (n) => n.toLocaleString("en-GB") + (n === 1 ? " row" : " rows");
        if (!shown || shown.length === total) { return plural(total); }
        return "Showing " + shown.length.toLocaleString("en-GB") + " of " + plural(total);
    }""",
    dash.Output(ROW_COUNT, "children"), dash.Input(GRID, "virtualRowData"), dash.State(GRID, "rowData"),
    prevent_initial_call=True)
