"""Sign in: the form (local or demo users) or the single sign-on link, and why a session ended.

The form posts to the Flask route `/sign-in` (dashboard/signin.py), which checks the password on the server; this
page only draws it. It works without JavaScript. Who is signed in shows in the header on every page.
"""

from __future__ import annotations

import dash
from dash import dcc, html

from dashboard import signin, users
from dashboard.identity import current_user
from data.settings import settings

dash.register_page(__name__, path="/sign-in", name="Sign in", title="Sign in", order=95, hidden=True)  # linked from the header

ENDED = {
    "expired": "Your session ended because it was not used for a while, or had lasted its longest. Sign in again.",
    "signed-out": "You have signed out.",
    "changed": "Your account's roles changed, so you were signed out. Sign in again to use them.",
}
FAILED = {"1": "That user name and password do not match an account. Check them and try again.",
          "sso": "Your council's sign-in service did not confirm who you are. Try again; if it keeps happening, "
                 "tell the team that runs this dashboard."}
ROLES = [
    ("Council officer", "Every figure unsuppressed, named caseworkers, and the lists of children behind them "
                        "(each view recorded in the audit log)."),
    ("Partner", "The board, commissioners and NHS colleagues: figures about children with small numbers "
                "suppressed; teams, never named staff."),
    ("Public", "Parent carer forums and anyone signed out: published figures and local figures rounded for "
               "publication."),
    ("Administrator", "The audit log, and partner figures unless also an officer."),
]


def layout(ended: str | None = None, failed: str | None = None, next: str | None = None, **_query) -> html.Div:
    mode = settings().auth
    next_path = signin.safe_next(next)
    notes = []
    if isinstance(ended, str) and ended in ENDED:
        notes.append(html.Div(ENDED[ended], className="notice", role="status"))
    if isinstance(failed, str) and failed in FAILED:
        notes.append(html.Div(FAILED[failed], className="notice notice--error", role="alert"))
    user = current_user()
    if user.signed_in:
        notes.append(html.P(["You are signed in with ", html.Strong(user.describe()), ". Signing in again "
                             "replaces that session."]))
    return html.Div([
        html.H1("Sign in"),
        *notes,
        _way_in(mode, next_path),
        html.H2("What each role sees"),
        html.Dl([part for title, words in ROLES for part in (html.Dt(title), html.Dd(words))], className="roles"),
        html.P("Without signing in you see the public figures."),
    ])


def _way_in(mode: str, next_path: str) -> html.Div:
    if mode == "public":
        return html.P("This copy of the dashboard shows public figures to everyone and has no sign-in.")
    if mode == "oidc":
        return html.P(html.A("Sign in with your council account", href=f"/sign-in/sso?next={next_path}",
                             className="button"))
    form = html.Form([
        html.Label("User name", htmlFor="sign-in-login"),
        dcc.Input(id="sign-in-login", name="login", type="text", autoComplete="username", maxLength=64),
        html.Label("Password", htmlFor="sign-in-password"),
        dcc.Input(id="sign-in-password", name="password", type="password", autoComplete="current-password",
                  maxLength=256),
        dcc.Input(type="hidden", name="next", value=next_path),
        html.Button("Sign in", type="submit", className="button"),
    ], method="post", action="/sign-in", className="sign-in-form")
    if mode != "demo":
        return form
    names = [html.Li([html.Code(role.value)]) for role in users.DEMO_ROLES]
    return html.Div([
        html.Div([html.Strong("Demo mode. "), "Sign in as one of these demo users, each with the password ",
                  html.Code(users.DEMO_PASSWORD), ", to see the dashboard as that role sees it:",
                  html.Ul(names)], className="notice"),
        form,
    ])
