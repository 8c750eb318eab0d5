"""Data quality: how many records break each validation rule, the records behind one rule grouped by the team and
caseworker holding them, fix lists to download, and what the ingest set aside. For the council's officers.

`/data-quality?rule=&team=&caseworker=`: a plain GET form, laid out afresh for each choice, with the officer check
made from the session every time (`dashboard.officers.officer`). Anyone else gets a panel saying why and never a
child's record. Each view, allowed or refused, is an entry in the audit log and never kept in the response cache.
Hidden from the navigation (and so from the cache warming), like the open cases; the header's officer tools and
the performance clinic link here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
import pandas as pd
from dash import html

from dashboard import access, components, officers, quality, response_cache
from dashboard.identity import current_user

dash.register_page(__name__, path=quality.PAGE_PATH, name="Data quality", title="Data quality", order=86,
                   hidden=True, grid=True)

FORM = "quality-filters"
RULE = "quality-rule"
TEAM = "quality-team"
CASEWORKER = "quality-caseworker"
COUNTS = "quality-counts"
GROUPS = "quality-groups"
GRID = "quality-grid"
GRID_HEADING = "quality-grid-heading"
QUARANTINE = "quality-quarantine"
TREND = "quality-trend"
PANEL = "quality-refused"
DOWNLOADS = "quality-downloads"


def intro() -> list:
    return [html.H1("Data quality"),
            html.P("Validation rules in the style of DfE's SEN2 checks, run over the council's loaded records: fix "
                   "them here through the year, not in a rush before the return.", className="lede")]


def refused(message: str, signed_in: bool) -> html.Div:
    return components.officers_only(intro(), message, signed_in=signed_in, sign_in=quality.SIGN_IN, panel_id=PANEL)


def _table(table_id: str, caption: str, headers: list[str], body: list[list[Any]]) -> html.Div:
    return components.scrolling(html.Table([
        html.Caption(caption),
        html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
        html.Tbody([html.Tr([html.Th(row[0], scope="row"), *[html.Td(c) for c in row[1:]]]) for row in body]),
    ], id=table_id, className="table"), caption)


def _records(value: Any) -> str:
    """A rule's count, or why there is none (a table the rule needs is not in this warehouse)."""
    return "not checked" if pd.isna(value) else f"{int(value):,}"


def counts(bench: quality.Workbench) -> html.Section:
    frame = bench.counts
    totals = frame.groupby("severity")["records"].sum().to_dict()
    words = ", ".join(f"{int(totals.get(s, 0)):,} {quality.SEVERITY_WORDS[s].lower()} record(s)"
                      for s in quality.SEVERITY_WORDS)
    body = [[html.A(row.code, href=f"{quality.PAGE_PATH}?{urlencode({'rule': row.code})}"),
             quality.SEVERITY_WORDS[row.severity], row.message, f"{row.table}: {row.fields}", _records(row.records)]
            for row in frame.itertuples(index=False)]
    return html.Section([
        html.H2("Records breaking each rule", id=f"{COUNTS}-heading"),
        html.P(f"On {bench.reference_date:%-d %B %Y}, the date the loaded data runs to: {words}. Errors make the "
               "return wrong; warnings are probably wrong; queries are worth a look. Choose a rule's code to list "
               "its records. A rule is not checked when a lookup it needs (the wards, from the national bundle) "
               "is not loaded.", className="hint"),
        _table(COUNTS, "Each rule, with the number of records it finds",
               ["Rule", "Severity", "What is wrong", "Where to fix (table: fields)", "Records"], body),
    ], **{"aria-labelledby": f"{COUNTS}-heading"})


def choices(bench: quality.Workbench) -> html.Form:
    code = bench.rule.code if bench.rule else None
    rules = components.select(RULE, "rule", [
        components.option(components.EVERY, "Choose a rule", code),
        *[components.option(r.code, f"{r.code} {r.message} ({_records(r.records)})", code)
          for r in bench.counts.itertuples(index=False)]])
    return html.Form([
        components.form_field("Rule", RULE, "With the records it finds", rules),
        *components.team_fields("quality", bench.teams, bench.caseworkers, bench.team, bench.caseworker),
        html.Button("Show", type="submit", className="button filters__apply"),
    ], action=quality.PAGE_PATH, method="get", className="filters", role="search", id=FORM,
        **{"aria-label": "Choose a rule and whose records to list"})


def groups(bench: quality.Workbench) -> html.Section:
    """Whose desk the fixes are on: records per team and caseworker, each a link to that person's list."""
    code = bench.rule.code if bench.rule else ""
    body = [[team, html.A(worker, href=f"{quality.PAGE_PATH}?{urlencode({'rule': code, 'caseworker': worker})}"),
             f"{n:,}"] for team, worker, n in bench.groups()]
    return html.Section([
        html.H2("By team and caseworker", id=f"{GROUPS}-heading"),
        _table(GROUPS, f"Records breaking {code}, {bench.narrowed()}, by who holds the case",
               ["Team", "Caseworker", "Records"], body),
    ], **{"aria-labelledby": f"{GROUPS}-heading"})


def downloads(bench: quality.Workbench) -> html.P:
    code = bench.rule.code if bench.rule else ""
    query = bench.query(rule=False)
    return components.file_links("this fix list", quality.file_path(code, "csv", query),
                                 quality.file_path(code, "xlsx", query), id=DOWNLOADS)


def record_table(bench: quality.Workbench) -> html.Section:
    rows = bench.records()
    rule = bench.rule
    assert rule is not None
    return html.Section([
        html.H2(f"{rule.code}: {rule.message}, {bench.narrowed()}: {len(rows):,}", id=GRID_HEADING),
        html.P(f"Fix in table {rule.table}, fields {', '.join(rule.fields)}. Sort by choosing a column heading; "
               "filter with the box under it. Use Tab to move into the table and the arrow keys to move between "
               "cells.", className="hint"),
        components.records_grid(GRID, rows, [{"field": f, "headerName": h, "filter": "agTextColumnFilter",
                                              "minWidth": 260 if f == "detail" else 120} for f, h in quality.COLUMNS]),
    ], className="databook__table", **{"aria-labelledby": GRID_HEADING})


def trend(bench: quality.Workbench) -> html.Section:
    """Records breaking rules at every load so far, so the year-round trend shows (not only the rush before the
    return)."""
    loads = bench.trend()
    heading = html.H2("At each load", id=f"{TREND}-heading")
    if not loads:
        return html.Section([heading, html.P("No earlier load is recorded for this warehouse: the trend starts with "
                                             "the next load.", id=TREND)],
                            **{"aria-labelledby": f"{TREND}-heading"})
    code = bench.rule.code if bench.rule else None
    headers = ["Loaded", "Data runs to", *[f"{w} records" for w in quality.SEVERITY_WORDS.values()]]
    headers += [f"{code} records"] if code else []
    body = [[f"{r['loaded_at']:%-d %b %Y %H:%M}", f"{r['reference_date']:%-d %b %Y}",
             *[f"{r[s]:,}" for s in quality.SEVERITY_WORDS],
             *([f"{r['rule']:,}" if r["rule"] is not None else "not checked then"] if code else [])]
            for r in loads]
    return html.Section([heading, _table(TREND, "Records breaking the rules at each load, oldest first", headers, body)],
                        **{"aria-labelledby": f"{TREND}-heading"})


def quarantine(bench: quality.Workbench) -> html.Section:
    frame = bench.quarantine
    heading = html.H2("Set aside at load", id=f"{QUARANTINE}-heading")
    if not len(frame):
        content: list = [html.P("The last load set nothing aside: every row of every file passed the checks made "
                                "as it was loaded.", id=QUARANTINE)]
    else:
        body = [[row.source_file, row.table_name, row.reason, row.action, f"{row.rows:,}"]
                for row in frame.itertuples(index=False)]
        content = [html.P("Rows the ingest refused (a code outside DfE's lists, a missing key, dates in the wrong "
                          "order) and values it cleared. Fix them in the case-management system; they return "
                          "with the next load.", className="hint"),
                   _table(QUARANTINE, "Rows set aside or values cleared at the last load, by file and reason",
                          ["File", "Table", "Reason", "Action", "Rows"], body)]
    return html.Section([heading, *content], **{"aria-labelledby": f"{QUARANTINE}-heading"})


def layout(rule: Any = None, team: Any = None, caseworker: Any = None, **_query: Any) -> html.Div:
    response_cache.dont_keep()  # each view is recorded below, so none may be answered from the cache
    try:
        user, council = officers.officer()
    except access.Forbidden as exc:
        return refused(officers.refuse(quality.PAGE_PATH, exc, {"rule": rule, "team": team, "caseworker": caseworker},
                                       quality.FILTERS), current_user().signed_in)
    bench, notes = quality.load(council, user, rule=rule, team=team, caseworker=caseworker)
    officers.seen(bench, "view", quality.PAGE_PATH)
    chosen: list = []
    if bench.rule is not None:
        chosen = [groups(bench), downloads(bench), record_table(bench)] if len(bench.frame) else [
            html.P(f"No record breaks {bench.rule.code} for {bench.narrowed()}.", className="notice")]
    return html.Div([
        *intro(),
        *[html.P(note, className="notice") for note in notes],
        counts(bench),
        choices(bench),
        *chosen,
        trend(bench),
        quarantine(bench),
    ])
