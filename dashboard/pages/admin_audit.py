"""The audit log, searched by an administrator: who saw which children's records, who downloaded what, and every
sign-in, for the councils they administer.

`/admin/audit?who=&action=&council=&since=&until=&text=`. A plain GET form (no callbacks): the page is laid out
afresh for each search, and the check is made here, from the session, every time. Anyone who does not hold the
admin role in some council gets a panel saying why, and never an entry. Each view, allowed or refused, is itself
an entry in the log, and is never kept in the response cache (the log grows, and each view must be recorded).
Hidden from the navigation, and so from the cache warming (which would record itself); administrators open it
by its address.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
from dash import dcc, html

from dashboard import audit, response_cache
from dashboard.identity import current_user

dash.register_page(__name__, path=audit.PAGE_PATH, name="Audit log", title="Audit log", order=95, hidden=True)

# --- component ids ------------------------------------------------------------------------------------------
FORM = "audit-search"
INTEGRITY = "audit-integrity"
RESULTS = "audit-results"
PANEL = "audit-refused"
SHOWN_IDS = 10  # child ids listed in a row; the CSV holds all of them
ANY = ""

INTRO = [html.H1("Audit log"),
         html.P("Who saw which children's records, who downloaded which files, and every sign-in and sign-out, "
                "for the councils you administer. Each entry is chained to the one before it, so an edited or "
                "deleted entry shows below as a broken chain.", className="lede")]


def _field(label: str, name: str, control: Any, hint: str) -> html.Div:
    return html.Div([
        html.Label([html.Span(label, className="filters__label"), html.Span(hint, className="filters__hint")],
                   htmlFor=f"{FORM}-{name}"),
        control,
    ], className="filters__field")


def _input(name: str, value: str, day: bool = False) -> dcc.Input:
    shape = {"pattern": r"\d{4}-\d{2}-\d{2}", "maxLength": 10} if day else {"maxLength": audit.MAX_SEARCH}
    return dcc.Input(type="text", id=f"{FORM}-{name}", name=name, value=value, autoComplete="off",
                     className="filters__input", **shape)


def _select(name: str, options: list[tuple[str, str]], chosen: str) -> html.Select:
    return html.Select([html.Option(text, value=value, selected=value == chosen) for value, text in options],
                       id=f"{FORM}-{name}", name=name, className="select")


def search_form(search: audit.Search, councils: frozenset[str]) -> html.Form:
    day = {k: v.isoformat() if v else "" for k, v in (("since", search.since), ("until", search.until))}
    return html.Form([
        _field("Person", "who", _input("who", search.who), "Part of their name or account id"),
        _field("Action", "action", _select("action", [(ANY, "Any action"), *[(a, a) for a in audit.ACTIONS]],
                                           search.action), "What they did"),
        _field("Council", "council", _select("council", [(ANY, "Every council you administer"),
                                                         *[(c, c) for c in sorted(councils)]], search.council),
               "The council the entry is about"),
        _field("From", "since", _input("since", day["since"], day=True), "The first day (UTC), YYYY-MM-DD"),
        _field("To", "until", _input("until", day["until"], day=True), "The last day (UTC), YYYY-MM-DD"),
        _field("Text", "text", _input("text", search.text), "Anywhere in the entry: a page, a filter, a child's id"),
        html.Button("Search", type="submit", className="button filters__apply"),
    ], action=audit.PAGE_PATH, method="get", role="search", className="filters", id=FORM,
        **{"aria-label": "Search the audit log"})


def _ids(entry: dict) -> str:
    ids = [str(i) for i in entry.get("child_ids") or []]
    if len(ids) <= SHOWN_IDS:
        return " ".join(ids)
    return " ".join(ids[:SHOWN_IDS]) + f" and {len(ids) - SHOWN_IDS:,} more (all in the CSV)"


def results_table(found: list[dict]) -> html.Div:
    caption = f"Matching entries, newest first: {len(found):,} shown"
    head = ["Time (UTC)", "Person", "Roles", "Council", "Action", "Target", "Filters", "Child records", "Child ids",
            "Outcome", "Line"]
    rows = [html.Tr([
        html.Td(str(e.get("time", "")).replace("T", " ").rstrip("Z"), className="nowrap"),
        html.Th([str(e.get("name") or ""), html.Br(), html.Small(str(e.get("user") or "signed out"))], scope="row"),
        html.Td(str(e.get("roles") or "")),
        html.Td(str(e.get("council") or "")),
        html.Td(str(e.get("action") or "")),
        html.Td(str(e.get("target") or "")),
        html.Td(audit.filters_text(e.get("filters"))),
        html.Td(f"{int(e.get('child_records') or 0):,}", className="num"),
        html.Td(_ids(e)),
        html.Td(str(e.get("outcome") or "")),
        html.Td(str(e["line"]), className="num"),
    ]) for e in found]
    return html.Div(html.Table([
        html.Caption(caption),
        html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
        html.Tbody(rows),
    ], className="table table--wide data-table"), className="table-scroll", tabIndex="0", role="region",
        id=RESULTS, **{"aria-label": caption})


def refused(message: str) -> html.Div:
    return html.Div([*INTRO, html.Div([html.H2("This page is for administrators"), html.P(message)],
                                      className="notice notice--info", id=PANEL)])


def layout(**query: Any) -> html.Div:
    response_cache.dont_keep()  # each view is recorded below, so none may be answered from the cache
    user = current_user()
    councils = audit.administered(user)
    if not councils:
        audit.record("denied", target=audit.PAGE_PATH, outcome="signed out" if not user.signed_in else "no admin role")
        return refused(audit.refusal(user))
    notes = []
    try:
        search = audit.parse_search(query, councils)
    except audit.BadSearch as exc:
        notes.append(html.P(f"The search was not run as asked: {exc.message}. Showing every entry instead.",
                            className="notice"))
        search = audit.Search()
    path = audit.log_path()
    integrity = audit.check(path)
    found = audit.entries(path, **search.filters(), councils=councils, limit=audit.SHOWN + 1)
    audit.record("view", target=audit.PAGE_PATH, council=search.council or None, filters=search.query())
    more = len(found) > audit.SHOWN
    found = found[:audit.SHOWN]
    csv_href = audit.CSV_PATH + (f"?{urlencode(search.query())}" if search.query() else "")
    chain = html.Div([
        html.P(integrity.summary(), className="coverage__summary"),
        html.Ul([html.Li(p) for p in integrity.problems]) if integrity.problems else None,
        html.P(["The chain covers the whole log, every council's entries; ", html.Code("python -m dashboard.audit "
                "verify"), " on the server makes the same check."], className="hint"),
    ], id=INTEGRITY, className="notice" + (" notice--error" if integrity.problems else ""), role="status")
    summary = (f"The newest {audit.SHOWN:,} matching entries are shown; the CSV holds every one." if more else
               f"{len(found):,} matching {'entry' if len(found) == 1 else 'entries'}." if found else
               "No entry matches this search.")
    return html.Div([
        *INTRO,
        chain,
        search_form(search, councils),
        *notes,
        html.P([summary, " ", html.A("Download the matching entries (CSV)", href=csv_href, download="audit-log.csv")]),
        results_table(found) if found else None,
    ])
