"""Open cases: every request for an EHC needs assessment still open, against its statutory clock, for the council's
officers.

`/casework?clock=&team=&caseworker=&period=` (clock: a key of `casework.LISTS`, the open requests when left out;
an alerts section counts every clock's breaches by team and week; a performance section, for the period chosen,
sets each team, or one team's caseworkers, side by side: the drill from team to caseworker to cases is by links). A plain GET form (no callbacks): the page is laid out afresh for each choice, and
the check is made here, from the session, every time (`dashboard.officers.officer`). Anyone but an officer of the
warehouse's council gets a panel saying why, and never a child's record. Each view, allowed or refused, is an
entry in the audit log, and is never kept in the response cache. Hidden from the navigation, and so from the
cache warming (which would record itself as a refusal); the performance clinic links here.

The page is built in sections (a summary, the choices, the performance, the alerts, the list).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import html

from dashboard import access, alerts, casework, components, officers, response_cache
from dashboard.figures import caseload as caseload_figures
from dashboard.identity import current_user

dash.register_page(__name__, path=casework.PAGE_PATH, name="Open cases", title="Open cases", order=85, hidden=True,
                   grid=True)

# --- component ids ------------------------------------------------------------------------------------------
FORM = "casework-filters"
TEAM = "casework-team"
CASEWORKER = "casework-caseworker"
CLOCK = "casework-clock"
PERIOD = "casework-period"
SUMMARY = "casework-summary"
GRID = "casework-grid"
GRID_HEADING = "casework-grid-heading"
PANEL = "casework-refused"
DOWNLOADS = "casework-downloads"
ALERTS = "casework-alerts"
PERFORMANCE = "casework-performance"
TILE = {"Breached": "tile--red", "Due this week": "tile--amber", "Due in the next four weeks": "tile--amber"}


def intro() -> list:
    return [html.H1("Open cases"),
            html.P("Every request for an education, health and care needs assessment still open, against its "
                   "statutory clock: the decision whether to assess is due 6 weeks after the request, and the plan "
                   "20 weeks after it. Choose a clock to list advice, annual reviews and phase transfers instead.",
                   className="lede")]


def refused(message: str, signed_in: bool) -> html.Div:
    return components.officers_only(intro(), message, signed_in=signed_in, sign_in=casework.SIGN_IN, panel_id=PANEL)


# --- pieces of the page ---------------------------------------------------------------------------------------

def summary(cases: casework.Cases) -> html.Section:
    counts = cases.counts()
    tiles = [html.Li([html.H3(label, className="tile__title"),
                      html.P(f"{count:,}", className="tile__value"),
                      html.P(casework.CLOCKS.get(label, f"open on {cases.reference_date:%-d %B %Y}"),
                             className="tile__period")],
                     className=f"tile {TILE.get(label, '')}".strip())
             for label, count in counts.items()]
    return html.Section([html.H2("Summary", id=f"{SUMMARY}-heading"),
                         html.P(f"For {cases.narrowed()}, on {cases.reference_date:%-d %B %Y}, the date the loaded "
                                "data runs to.", className="hint"),
                         html.Ul(tiles, className="tiles", id=SUMMARY)],
                        **{"aria-labelledby": f"{SUMMARY}-heading"})


def clock_name(kind: str) -> str:
    return ("Request: 6-week decision, or assessment: 20-week plan" if kind == "open-cases"
            else alerts.CLOCKS[casework.LISTS[kind]])


def choices(cases: casework.Cases, found: casework.Performance) -> html.Form:
    """Team, caseworker, clock and the performance period, sent as the page's own query when the reader presses
    Show (a plain GET form); the caseworkers grouped by their team."""
    clocks = components.select(CLOCK, "clock", [components.option(k, clock_name(k), cases.kind)
                                                 for k in casework.LISTS])
    periods = components.select(PERIOD, "period", [components.option(p.key, p.label, found.period.key)
                                                   for p in found.periods])
    return html.Form([
        *components.team_fields("casework", cases.teams, cases.caseworkers, cases.team, cases.caseworker),
        components.form_field("Clock", CLOCK, "Which statutory clock", clocks),
        components.form_field("Period", PERIOD, "For the performance by team", periods),
        html.Button("Show", type="submit", className="button filters__apply"),
    ], action=casework.PAGE_PATH, method="get", className="filters", role="search", id=FORM,
        **{"aria-label": "Choose whose open cases to list"})


def downloads(cases: casework.Cases) -> html.P:
    return components.file_links("this list", casework.file_path(cases.kind, "csv", cases.query()),
                                 casework.file_path(cases.kind, "xlsx", cases.query()), id=DOWNLOADS)


def _date(field: str, header: str, **extra: Any) -> dict[str, Any]:
    """A date column: sorted by its ISO date, shown as people write it (`6 Jun 2024`)."""
    return {"field": field, "headerName": header, "filter": "agTextColumnFilter", "minWidth": 125,
            "valueFormatter": {"function": f"params.data.{field}_text"},
            "filterValueGetter": {"function": f"params.data.{field}_text"}, **extra}


def column_defs() -> list[dict[str, Any]]:
    headers = dict(casework.COLUMNS)
    number = {"type": "rightAligned", "filter": "agNumberColumnFilter", "minWidth": 105}
    text = {"filter": "agTextColumnFilter", "minWidth": 115}
    defs = []
    for field, header in casework.COLUMNS:
        if field in casework.DATES:
            defs.append(_date(field, header, **({"sort": "asc"} if field == "due_date" else {})))
        elif field in ("days_open", "days_to_due"):
            defs.append({"field": field, "headerName": header, **number})
        else:
            defs.append({"field": field, "headerName": headers[field], **text,
                         **({"minWidth": 180} if field in ("name", "caseworker", "stage") else {})})
    return defs


def grid_rows(cases: casework.Cases) -> list[dict[str, Any]]:
    out = []
    for record in cases.records():
        row = dict(record)
        for field in casework.DATES:
            day = record[field]
            row[field] = day.isoformat() if day else ""
            row[f"{field}_text"] = f"{day:%-d %b %Y}" if day else ""
        out.append(row)
    return out


def case_table(cases: casework.Cases) -> html.Section:
    rows = grid_rows(cases)
    heading = f"Open cases by due date, {cases.narrowed()}: {len(rows):,}"
    if cases.kind != "open-cases":
        heading = f"{clock_name(cases.kind)}: open cases by due date, {cases.narrowed()}: {len(rows):,}"
    return html.Section([
        html.H2(heading, id=GRID_HEADING),
        html.P("The earliest due date first. Sort by choosing a column heading; filter with the box under it. Use "
               "Tab to move into the table and the arrow keys to move between cells. Days to due date is negative "
               "for a case past its date.", className="hint"),
        # a request can run several clocks of one kind (advice from two services), so its stage too
        components.records_grid(GRID, rows, column_defs(), "params.data.request_id" if cases.kind == "open-cases"
                                else "params.data.request_id + '|' + params.data.stage"),
    ], className="databook__table", **{"aria-labelledby": GRID_HEADING})


# --- performance by team and caseworker ------------------------------------------------------------------------

def _link(query: dict[str, str]) -> str:
    return casework.PAGE_PATH + "?" + urlencode(query)


def _cell(column: str, value: Any) -> str:
    if value is None:
        return "–"  # no plan in the period to judge
    if column in ("on_time_pct", "on_time_ex_pct"):
        return f"{value:.1f}%"
    return f"{value:,.1f}" if column in ("mean_weeks", "median_days_open") else f"{value:,}"


def performance_table(found: casework.Performance, cases: casework.Cases) -> html.Div:
    """One row a team (or a caseworker of the team chosen), the total last. A team's name links to its
    caseworkers; a caseworker's to their open cases (when they hold any: the list offers only those)."""
    listed = set(cases.caseworkers.get(found.team, [])) if found.team else set()
    period = {"period": found.period.key}

    def label(name: str) -> Any:
        if not found.team:
            return html.A(name, href=_link({"team": name, **period}))
        if name in listed:
            return html.A(name, href=_link({"team": found.team, "caseworker": name, **period}),
                          **({"aria-current": "true"} if name == found.caseworker else {}))
        return name

    def row(name: Any, values: list[Any]) -> html.Tr:
        return html.Tr([html.Th(name, scope="row"), *[html.Td(_cell(c, v), className="num") for (c, _), v in
                                                      zip(casework.MEASURES, values, strict=True)]])

    *holders, total = casework.performance_rows(found)
    head = html.Tr([html.Th(found.by(), scope="col"), *[html.Th(h, scope="col", className="num")
                                                         for _, h in casework.MEASURES]])
    body = [row(label(cells[0]), cells[1:]) for cells in holders]
    caption = f"{found.by()}s, {found.period.label}" + (" (provisional)" if found.provisional() else "")
    return html.Div(html.Table([html.Caption(caption), html.Thead(head), html.Tbody(body),
                                html.Tfoot(row(total[0], total[1:]))], className="table", id=f"{PERFORMANCE}-table"),
                    className="table-scroll", tabIndex="0", role="region", **{"aria-label": caption})


def performance_charts(found: casework.Performance) -> list:
    months, row = found.months(), found.scope()
    counts, partial = row["monthly"], found.partial_month()
    bands, median = found.bands(), row["median_days_open"]
    who = found.scope_name()
    return [
        components.chart(caseload_figures.throughput_bars(months, counts, partial_last=partial),
                         title=caseload_figures.title_throughput(who, months, counts),
                         caption="Plans issued each month, by the date of issue, for the 12 months the periods "
                                 "offer.",
                         summary=caseload_figures.summary_throughput(months, counts, partial_last=partial),
                         table=caseload_figures.table_throughput(months, counts, partial_last=partial),
                         table_caption=f"Plans issued per month: {who}", id=f"{PERFORMANCE}-throughput"),
        components.chart(caseload_figures.ageing_bars(bands, casework.LATE_BAND),
                         title=f"{who}: how long the open cases have been open",
                         caption=f"Open cases on {found.reference_date:%-d %B %Y} by the time since the request "
                                 "arrived; the bands past 20 weeks are named so.",
                         summary=caseload_figures.summary_ageing(bands, casework.LATE_BAND, median),
                         table=caseload_figures.table_ageing(bands), table_caption=f"Open cases by age: {who}",
                         id=f"{PERFORMANCE}-ageing"),
    ]


def performance_section(found: casework.Performance, cases: casework.Cases) -> html.Section:
    """Open caseload, plans issued, the 20-week on-time rate with and without exceptions, mean weeks to issue and
    the open cases' ageing, by team or by the caseworkers of one team, with the charts and the table's files."""
    heading = f"Performance of team {found.team}'s caseworkers" if found.team else "Performance by team"
    status = ([html.Strong("Provisional. "), "Requests received in this period are still inside their 20 weeks, "
               "so its figures may change."] if found.provisional() else
              ["Settled: every 20-week clock of the requests received in this period has run out."])
    back = [html.P(html.A("Back to every team", href=_link({"period": found.period.key})))] if found.team else []
    return html.Section([
        html.H2(heading, id=f"{PERFORMANCE}-heading"),
        html.P(f"{found.period.label}: {found.period.first:%-d %B %Y} to {found.period.last:%-d %B %Y}.",
               className="hint"),
        html.P(status, className="notice", id=f"{PERFORMANCE}-status"),
        html.P([casework.ON_TIME_RULE, " A case past its deadline counts as late: its 20 weeks have run out "
                "whether or not the plan is written."], className="hint"),
        *back,
        performance_table(found, cases),
        components.file_links("this table", casework.file_path(casework.PERFORMANCE, "csv", found.query()),
                              casework.file_path(casework.PERFORMANCE, "xlsx", found.query()),
                              id=f"{PERFORMANCE}-downloads"),
        *performance_charts(found),
    ], id=PERFORMANCE, **{"aria-labelledby": f"{PERFORMANCE}-heading"})


def alerts_section(user_id: str, council: str) -> html.Section:
    """Breaching this week and in each of the next four weeks, by team, every clock together: the counts the
    alerts job (`python -m dashboard.alerts`) sends each team, from the same function."""
    found = alerts.gather(access.engine(), user_id, audience=access.audience_for(None, council))
    weeks = found.week_numbers()
    head = html.Tr([html.Th("Team", scope="col"), *[html.Th(found.short_label(w), scope="col") for w in weeks]])
    body = [html.Tr([html.Th(team, scope="row"), *[html.Td(f"{n:,}") for n in found.counts(team).values()]])
            for team in found.teams]
    every = [sum(found.counts(t)[w] for t in found.teams) for w in weeks]
    foot = html.Tr([html.Th("Every team", scope="row"), *[html.Td(f"{n:,}") for n in every]])
    caption = f"Cases due, by team and week, from {found.as_of:%-d %B %Y}"
    return html.Section([
        html.H2("Breaching this week and in each of the next four weeks", id=f"{ALERTS}-heading"),
        html.P("Every statutory clock: the decision to assess (6 weeks), the plan (20 weeks), a decision not to "
               "issue one (16 weeks), health and social care advice (6 weeks), annual reviews (12 months) and "
               "their decisions (4 weeks), and phase transfers (15 February, or 31 March into post-16). A case "
               "breaches the day after its due date; weeks are calendar days, with no allowance for bank "
               "holidays. Each team's list is written as a CSV and an email by the alerts job.", className="hint"),
        html.Div(html.Table([html.Caption(caption), html.Thead(head), html.Tbody(body), html.Tfoot(foot)],
                            className="table", id=ALERTS),
                 className="table-scroll", tabIndex="0", role="region", **{"aria-label": caption}),
    ], **{"aria-labelledby": f"{ALERTS}-heading"})


# --- the layout ---------------------------------------------------------------------------------------------

def layout(team: Any = None, caseworker: Any = None, clock: Any = None, period: Any = None,
           **_query: Any) -> html.Div:
    response_cache.dont_keep()  # each view is recorded below, so none may be answered from the cache
    try:
        user, council = officers.officer()
    except access.Forbidden as exc:
        return refused(officers.refuse(casework.PAGE_PATH, exc, {"team": team, "caseworker": caseworker,
                                                                 "period": period},
                                       (*casework.FILTERS, "period")), current_user().signed_in)
    kind = clock if isinstance(clock, str) and clock in casework.LISTS else "open-cases"
    cases, notes = casework.load(council, user, kind, team=team, caseworker=caseworker)
    if clock not in (None, "", kind):
        notes = ["The link asks for a clock the page does not keep, so the open requests are shown.", *notes]
    # the performance follows the list's team (a caseworker's own, when only they are chosen)
    own_team = cases.team or next((t for t, names in cases.caseworkers.items() if cases.caseworker in names), None)
    found, period_notes = casework.performance(council, user, period=period, team=own_team,
                                               caseworker=cases.caseworker)
    notes += period_notes
    officers.seen(casework.PageView(cases, found), "view",
                  casework.PAGE_PATH + ("" if kind == "open-cases" else f"?clock={kind}"))
    return html.Div([
        *intro(),
        *[html.P(note, className="notice") for note in notes],
        summary(cases),
        choices(cases, found),
        performance_section(found, cases),
        alerts_section(user.id, council),
        downloads(cases),
        case_table(cases) if len(cases.frame) else html.P("No open case matches this choice.", className="notice"),
    ])
