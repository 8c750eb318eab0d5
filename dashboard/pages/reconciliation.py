"""The SEN2 reconciliation: each figure of the council's SEN2 return computed from its own records, beside the
figure DfE published for the council, with the difference and whether it is beyond the stated tolerance; for a
flagged figure, the children's records behind the local one.

`/reconciliation?year=&measure=`. A plain GET form (no callbacks), laid out afresh for each choice; the check is
made here, from the session, every time (`dashboard.officers.officer`). Anyone but an officer of the warehouse's
council gets a panel saying why. Each view, allowed or refused, is an entry in the audit log (with the children
listed, when records are), and is never kept in the response cache. Hidden from the navigation; the header's
officer tools link here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import html

from dashboard import access, components, officers, reconciliation, response_cache
from dashboard.identity import current_user
from indicators import sen2

dash.register_page(__name__, path=reconciliation.PAGE_PATH, name="SEN2 reconciliation", title="SEN2 reconciliation",
                   order=86, hidden=True, grid=True)

FORM = "reconciliation-filters"
YEAR = "reconciliation-year"
SUMMARY = "reconciliation-summary"
PANEL = "reconciliation-refused"
DOWNLOADS = "reconciliation-downloads"
RECORDS = "reconciliation-records"
GRID = "reconciliation-records-grid"
TILE = {"Beyond tolerance": "tile--amber"}


def intro() -> list:
    return [html.H1("SEN2 reconciliation"),
            html.P("The SEN2 return's figures computed from the council's own records, beside the figures DfE "
                   "published for the council, so differences are found and explained before the next return.",
                   className="lede")]


def refused(message: str, signed_in: bool) -> html.Div:
    return components.officers_only(intro(), message, signed_in=signed_in, sign_in=reconciliation.SIGN_IN,
                                    panel_id=PANEL, why="It shows the council's own figures before protection and "
                                                        "lists children by name")


def _number(value: Any, percent: bool) -> str:
    if value is None:
        return "–"
    text = f"{value:,.1f}" if percent or not float(value).is_integer() else f"{int(value):,}"
    return text + ("%" if percent else "")


def _signed(value: Any, percent: bool) -> str:
    if value is None:
        return "–"
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return sign + _number(abs(value), False) + (" points" if percent else "")


def summary(view: reconciliation.Reconciliation) -> html.Section:
    tiles = [html.Li([html.H3(label, className="tile__title"), html.P(f"{count:,}", className="tile__value"),
                      html.P(f"figures, reporting year {view.year}", className="tile__period")],
                     className=f"tile {TILE.get(label, '')}".strip())
             for label, count in view.counts().items()]
    return html.Section([
        html.H2("Summary", id=f"{SUMMARY}-heading"),
        html.P(f"Reporting year {view.year}: the January {view.year} census (caseload and primary need) and the "
               f"calendar year {view.year - 1} (requests, assessments, 20-week timeliness, reviews, ceased plans). "
               f"Tolerance: {sen2.TOLERANCE_NOTE}", className="hint"),
        html.Ul(tiles, className="tiles", id=SUMMARY),
    ], **{"aria-labelledby": f"{SUMMARY}-heading"})


def choices(view: reconciliation.Reconciliation) -> html.Form:
    years = components.select(YEAR, "year", [html.Option(str(y), value=str(y), selected=y == view.year)
                                             for y in reversed(view.years)])
    return html.Form([
        components.form_field("Reporting year", YEAR, "The years DfE has published for the council", years),
        html.Button("Show", type="submit", className="button filters__apply"),
    ], action=reconciliation.PAGE_PATH, method="get", className="filters", role="search", id=FORM,
        **{"aria-label": "Choose the reporting year"})


def downloads(view: reconciliation.Reconciliation) -> html.P:
    query = {"year": str(view.year)}
    links: list = ["Download: ", html.A("the reconciliation (CSV)", href=reconciliation.file_path(
        reconciliation.RECONCILIATION, "csv", query)), ", ", html.A("Excel workbook", href=reconciliation.file_path(
            reconciliation.RECONCILIATION, "xlsx", query)), "; each SEN2 table from the local records in DfE's layout: "]
    for n, (dataset, table) in enumerate(sen2.TABLES.items()):
        links += [", " if n else "", html.A(f"{table.title} (CSV)", href=reconciliation.file_path(dataset, "csv", query))]
    links += ["; the person-level SEN2 return as of the census day: ",
              html.A(f"SEN2 XML, {view.year}", href=reconciliation.file_path(reconciliation.RETURN, "xml", query))]
    return html.P([*links, ". Each download is recorded."], id=DOWNLOADS)


def table(view: reconciliation.Reconciliation, dataset: str) -> html.Section:
    rows = [r for r in view.rows() if sen2.MEASURE_KEYS[r["key"]].dataset == dataset]
    heading_id = f"reconciliation-{dataset}"
    head = html.Thead(html.Tr([html.Th(h, scope="col") for _, h in reconciliation.COLUMNS[1:]] +
                              [html.Th("Records", scope="col")]))
    body = []
    for r in rows:
        percent = sen2.MEASURE_KEYS[r["key"]].percent
        link = (html.A(f"List the records behind {r['measure']}", href=reconciliation.PAGE_PATH + "?" + urlencode(
            {"year": view.year, "measure": r["key"]})) if r["verdict"] == reconciliation.BEYOND else "")
        body.append(html.Tr([
            html.Td(html.Code(r["measure"])), html.Td(r["label"]), html.Td(r["period"]),
            html.Td(_number(r["local"], percent), className="numeric"),
            html.Td(_number(r["published"], percent), className="numeric"),
            html.Td(_signed(r["difference"], percent), className="numeric"),
            html.Td("–" if r["tolerance"] is None else "±" + _number(r["tolerance"], False) +
                    (" points" if percent else ""), className="numeric"),
            html.Td(r["verdict"], className=f"verdict verdict--{r['verdict'].split()[0].lower()}"),
            html.Td(r["calibration"]), html.Td(link)]))
    caption = f"{sen2.TABLES[dataset].title}: local records beside DfE's published figures, reporting year {view.year}"
    return html.Section([
        html.H2(sen2.TABLES[dataset].title, id=heading_id),
        components.scrolling(html.Table([html.Caption(caption, className="visually-hidden"), head, html.Tbody(body)],
                                        className="table"), caption),
    ], **{"aria-labelledby": heading_id})


def records(view: reconciliation.Reconciliation) -> html.Section:
    measure = sen2.MEASURE_KEYS[view.measure or ""]
    rows = view.record_rows()
    for row in rows:
        row["event_date_text"] = f"{row['event_date']:%-d %b %Y}"
        row["event_date"] = row["event_date"].isoformat()
    headers = dict(reconciliation.RECORD_COLUMNS)
    defs = [{"field": f, "headerName": headers[f], "filter": "agTextColumnFilter", "minWidth": 140,
             **({"valueFormatter": {"function": "params.data.event_date_text"}} if f == "event_date" else {})}
            for f, _ in reconciliation.RECORD_COLUMNS]
    heading = f"Records behind {measure.column} ({measure.label}), reporting year {view.year}: {len(rows):,}"
    return html.Section([
        html.H2(heading, id=RECORDS),
        html.P("The children's records the local figure counts, with what each adds: the numerator (and "
               "denominator) of a percentage, or the count. Compare them with the council's SEN2 submission to "
               "find the records that differ.", className="hint"),
        components.records_grid(GRID, rows, defs, "params.data.person_id + params.data.request_id + "
                                "params.data.event_date"),
    ], className="databook__table", **{"aria-labelledby": RECORDS})


def layout(year: Any = None, measure: Any = None, **_query: Any) -> html.Div:
    response_cache.dont_keep()  # each view is recorded below, so none may be answered from the cache
    asked = {"year": year, "measure": measure}
    try:
        user, council = officers.officer()
    except access.Forbidden as exc:
        return refused(officers.refuse(reconciliation.PAGE_PATH, exc, asked, reconciliation.FILTERS),
                       current_user().signed_in)
    try:
        view, notes = reconciliation.load(council, user, year=year, measure=measure)
    except officers.BadChoice as exc:
        return html.Div([*intro(), html.P(exc.message, className="notice")])
    officers.seen(view, "view", reconciliation.PAGE_PATH)
    return html.Div([
        *intro(),
        *[html.P(note, className="notice") for note in notes],
        summary(view),
        choices(view),
        downloads(view),
        *([records(view)] if view.measure else []),
        *[table(view, dataset) for dataset in sen2.TABLES],
    ])

