"""Administration: for people holding the admin role, what is loaded, who can sign in and with which roles, and
the state of the audit log.

`/admin`. Hidden from the navigation like the audit log (and so from the cache warming); the check is made here,
from the session, on every view, and each view is an entry in the audit log. Nothing is changed from this page:
loads run from the command line (`python -m data ingest`) and local users are managed with
`python -m dashboard.users`, so an administrator's browser session can never load data or grant a role.
"""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from dashboard import audit, response_cache, signin, users, views
from dashboard.identity import User, current_user
from data.settings import settings

PATH = "/admin"
dash.register_page(__name__, path=PATH, name="Administration", title="Administration", order=96, hidden=True)


def _table(caption: str, head: list[str], rows: list[list[Any]], empty: str) -> html.Div:
    if not rows:
        return html.P(empty)
    return html.Div(html.Table([
        html.Caption(caption),
        html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
        html.Tbody([html.Tr([html.Th(str(row[0]), scope="row"), *[html.Td(str(v)) for v in row[1:]]])
                    for row in rows]),
    ], className="table"), className="table-scroll", tabIndex="0", role="region", **{"aria-label": caption})


def load_section(councils: frozenset[str]) -> html.Section:
    try:
        status = views.get_engine().status()
    except views.Problem as problem:
        return html.Section([html.H2("This load"), html.P(f"{problem.message}. {problem.hint}")])
    info = status.info
    if info.get("local_la_code") not in councils:
        return html.Section([html.H2("This load"),
                             html.P("The records loaded here are another council's, which you do not administer.")])
    facts = [("Council", f"{status.la_name} ({info.get('local_la_code', 'none')})"),
             ("Records as at", info.get("reference_date", "unknown")),
             ("Warehouse version", info.get("version", "unknown")),
             ("Source files loaded", info.get("source_files", "unknown")),
             ("Rows set aside at load (quarantined)", f"{status.quarantined_rows:,}"),
             ("Values cleared at load", f"{status.cleared_values:,}"),
             ("Local records", "synthetic sample" if info.get("synthetic_local_data") == "true" else "the council's")]
    rows = [[table, f"{count:,}"] for table, count in status.table_rows.items()]
    return html.Section([
        html.H2("This load"),
        html.Dl([part for label, value in facts for part in (html.Dt(label), html.Dd(value))], className="roles"),
        _table("Rows in each table", ["Table", "Rows"], rows, "No tables are loaded."),
        html.P(["A new extract is loaded from the command line: ", html.Code("python -m data ingest <folder>"),
                " (README, \"Loading data\"). It goes live in every worker without a restart."]),
    ])


def users_section(councils: frozenset[str]) -> html.Section:
    mode = settings().auth
    words = {"demo": "demo users (never for real records)", "local": "the local users file",
             "oidc": "single sign-on", "public": "no sign-in: everyone sees the public tier"}
    parts: list[Any] = [html.H2("Who can sign in"), html.P(f"Sign-in: {words[mode]}.")]
    people: list[User] = []
    try:
        if mode == "demo":
            people = list(users.demo_users().values())
        elif mode == "local":
            people = [User(f"local:{login}", p["name"], p["grants"], "local") for login, p in users.load().items()]
        elif mode == "oidc":
            people = [User(value, value, grants, "oidc") for value, grants in signin.role_map().items()]
    except (users.UsersFileError, ValueError) as exc:
        parts.append(html.P(f"The sign-in configuration cannot be read: {exc}", className="notice notice--error"))
    # An administrator sees the people and roles of the councils they administer, not another council's.
    shown = [p for p in people if councils.intersection(p.grants)]
    first = "App role or group" if mode == "oidc" else "Account"
    rows = [[p.id.split(":", 1)[-1], p.name, User("", "", {c: r for c, r in p.grants.items() if c in councils})
             .describe()] for p in shown]
    parts.append(_table("Accounts and their roles in the councils you administer", [first, "Name", "Roles"], rows,
                        "No account holds a role in the councils you administer."))
    if mode == "local":
        parts.append(html.P(["Add, change or remove people with ", html.Code("python -m dashboard.users"),
                             " on the server (README, \"Sign-in and roles\")."]))
    return html.Section(parts)


def audit_section() -> html.Section:
    integrity = audit.check(audit.log_path())
    return html.Section([
        html.H2("Audit log"),
        html.P([f"{integrity.summary()}. ", html.A("Search the audit log", href=audit.PAGE_PATH), "."]),
    ])


def layout(**_query: Any) -> html.Div:
    response_cache.dont_keep()  # each view is recorded below
    user = current_user()
    councils = audit.administered(user)
    intro = html.H1("Administration")
    if not councils:
        audit.record("denied", target=PATH, outcome="signed out" if not user.signed_in else "no admin role")
        return html.Div([intro, html.Div([html.H2("This page is for administrators"),
                                          html.P(audit.refusal(user))], className="notice notice--info")])
    audit.record("view", target=PATH)
    return html.Div([intro, load_section(councils), users_section(councils), audit_section()])
