"""Signing in and out: the session cookie, the sign-in form's and single sign-on's routes, the production checks.

    GET  /sign-in            the sign-in page (a Dash page: dashboard/pages/sign_in.py)
    POST /sign-in            a local or demo user's name and password (rate limited)
    GET  /sign-in/sso        off to the identity provider (OpenID Connect: Microsoft Entra ID or any other)
    GET  /sign-in/callback   back from it: the ID token's role claim mapped to roles per council
    POST /sign-out           ends the session everywhere

Sign-in modes (`SEND_AUTH`): `demo` (the README's run command: demo users for each role, printed at start and
bannered on every page), `local` (a users file), `oidc` (single sign-on), `public` (no sign-in at all). In every
mode a signed-out visitor sees the public tier. `SEND_PRODUCTION=true` refuses to start unless sign-in is real.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import flask
import yaml

from dashboard import identity, users
from dashboard.identity import Role, User, parse_grants
from dashboard.security import plain
from data.settings import SettingsError, settings

LOG = logging.getLogger(__name__)
COOKIE = "send_session"
NEXT = re.compile(r"/(?!/)[A-Za-z0-9/_.~%?=&+-]{0,300}")  # a path on this site, never another site
SIGN_IN_LIMITS = "10 per minute;60 per hour"  # per address: guessing passwords takes millions of tries


class SignInNotConfigured(RuntimeError):
    """Single sign-on was asked for but is not set up (the message says which settings are missing)."""


def install(server: flask.Flask) -> None:
    """Sessions, the sign-in routes and their rate limit on the app's Flask server."""
    config = settings()
    refuse_unsafe_production()
    server.secret_key = identity.secret_key()
    server.config.update(
        SESSION_COOKIE_NAME=COOKIE, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.cookie_secure, PERMANENT_SESSION_LIFETIME=timedelta(hours=config.session_hours),
        SESSION_REFRESH_EACH_REQUEST=False)
    limiter = _limiter(server)
    server.add_url_rule("/sign-in", "sign_in", limiter.limit(SIGN_IN_LIMITS)(sign_in_form), methods=["POST"])
    server.add_url_rule("/sign-out", "sign_out", sign_out, methods=["POST"])
    server.add_url_rule("/sign-in/sso", "sign_in_sso", limiter.limit(SIGN_IN_LIMITS)(sign_in_sso))
    server.add_url_rule("/sign-in/callback", "sign_in_callback", limiter.limit(SIGN_IN_LIMITS)(sso_callback))
    server.before_request(_ended_session)


def _limiter(server: flask.Flask):
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    storage = settings().cache_redis_url or "memory://"  # Redis: one count across every worker and server
    # Redis gone away: each process counts on its own until it is back, instead of refusing everyone
    return Limiter(get_remote_address, app=server, storage_uri=storage, headers_enabled=True,
                   in_memory_fallback_enabled=storage != "memory://", swallow_errors=True,
                   on_breach=lambda _limit: plain(429, "Too many sign-in attempts from this address. Wait a "
                                                         "minute and try again."))


def _audit(action: str, outcome: str = "ok", **filters: object) -> None:
    from dashboard import audit

    audit.record(action, target=flask.request.path, filters=filters, outcome=outcome)


# --- where to go after signing in ------------------------------------------------------------------------------

def safe_next(value: object) -> str:
    """Where to send someone after signing in: a path on this site, else the home page."""
    text = value if isinstance(value, str) else ""
    return text if NEXT.fullmatch(text) and not text.startswith("/sign-") else "/"


def sign_in_page(**query: str) -> str:
    return "/sign-in" + (f"?{urlencode({k: v for k, v in query.items() if v})}" if any(query.values()) else "")


def _ended_session():
    """A page opened with a session that has just ended goes to the sign-in page, which says why."""
    problem = identity.session_problem()
    if problem and flask.request.method == "GET" and _is_page(flask.request.path):
        return flask.redirect(sign_in_page(ended=problem, next=safe_next(flask.request.full_path.rstrip("?"))))
    return None


def _is_page(path: str) -> bool:
    return not path.startswith(("/_dash-", "/assets/", "/_favicon", "/_reload", "/sign-")) and "." not in path


# --- the form ---------------------------------------------------------------------------------------------------

def sign_in_form() -> flask.Response:
    mode = settings().auth
    next_path = safe_next(flask.request.form.get("next"))
    if mode not in ("demo", "local"):
        return plain(404, "This dashboard does not sign people in with a password.")
    login = str(flask.request.form.get("login", ""))[:64]
    try:
        user = users.authenticate(login, str(flask.request.form.get("password", ""))[:256])
    except users.UsersFileError as exc:
        LOG.error("sign-in impossible: %s", exc)
        return plain(503, "Signing in is not possible at the moment: the users file has a problem. Tell the team "
                           "that runs this dashboard.")
    if user is None:
        _audit("sign-in-failed", outcome="refused", login=login)
        return flask.redirect(sign_in_page(failed="1", next=next_path), code=303)
    identity.sign_in(user)
    _audit("sign-in")
    return flask.redirect(next_path, code=303)


def sign_out() -> flask.Response:
    user = identity.current_user()
    if user.signed_in:
        _audit("sign-out")
    identity.sign_out()
    return flask.redirect(sign_in_page(ended="signed-out"), code=303)


# --- single sign-on (OpenID Connect) --------------------------------------------------------------------------

def _sso_client():
    """The Authlib client for the configured identity provider, made once per app."""
    server = flask.current_app._get_current_object()
    client = server.extensions.get("send_sso")
    if client is None:
        missing = oidc_missing()
        if missing:
            raise SignInNotConfigured(f"Single sign-on needs {', '.join(missing)}.")
        from authlib.integrations.flask_client import OAuth

        config = settings()
        oauth = OAuth(server)
        client = oauth.register("sso", client_id=config.oidc_client_id,
                                client_secret=config.oidc_client_secret.get_secret_value(),
                                server_metadata_url=config.oidc_metadata_url,
                                client_kwargs={"scope": "openid profile email"})
        server.extensions["send_sso"] = client
    return client


def oidc_missing() -> list[str]:
    config = settings()
    wanted = {"SEND_OIDC_METADATA_URL": config.oidc_metadata_url, "SEND_OIDC_CLIENT_ID": config.oidc_client_id,
              "SEND_OIDC_CLIENT_SECRET": config.oidc_client_secret, "SEND_OIDC_ROLE_MAP": config.oidc_role_map}
    return [name for name, value in wanted.items() if not value]


def sign_in_sso() -> flask.Response:
    if settings().auth != "oidc":
        return plain(404, "This dashboard does not use single sign-on.")
    try:
        client = _sso_client()
    except SignInNotConfigured as exc:
        LOG.error("%s", exc)
        return plain(503, "Single sign-on is not set up on this dashboard. Tell the team that runs it.")
    flask.session["sso_next"] = safe_next(flask.request.args.get("next"))
    return client.authorize_redirect(flask.url_for("sign_in_callback", _external=True))


def sso_callback() -> flask.Response:
    if settings().auth != "oidc":
        return plain(404, "This dashboard does not use single sign-on.")
    next_path = safe_next(flask.session.get("sso_next"))
    try:
        token = _sso_client().authorize_access_token()
    except Exception as exc:  # noqa: BLE001 - a refused, replayed or forged answer: say so, never a traceback
        LOG.warning("single sign-on refused: %s", exc)
        _audit("sign-in-failed", outcome="refused", method="sso")
        return flask.redirect(sign_in_page(failed="sso", next=next_path), code=303)
    claims = token.get("userinfo") or {}
    user = user_from_claims(claims)
    identity.sign_in(user)
    _audit("sign-in", method="sso")
    return flask.redirect(next_path, code=303)


def role_map(path: Path | None = None) -> dict[str, dict[str, frozenset[Role]]]:
    """{claim value: {council: roles}} from SEND_OIDC_ROLE_MAP."""
    path = path or settings().oidc_role_map
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, TypeError) as exc:
        raise SettingsError(f"SEND_OIDC_ROLE_MAP={path}: cannot be read as YAML ({exc}). Write one line per "
                            "group or app role: `SEND.Officer.Bristol: {E06000023: officer}`.") from None
    if not isinstance(raw, dict):
        raise SettingsError(f"SEND_OIDC_ROLE_MAP={path}: must map each group or app role to councils and roles.")
    return {str(value): parse_grants(grants, f"SEND_OIDC_ROLE_MAP {path}, '{value}'") for value, grants in raw.items()}


def user_from_claims(claims: dict) -> User:
    """The person an ID token describes, with every role its role claim's values map to (merged per council)."""
    held = claims.get(settings().oidc_role_claim) or []
    held = [held] if isinstance(held, str) else held
    grants: dict[str, set[Role]] = {}
    mapping = role_map()
    for value in held:
        for council, roles in mapping.get(str(value), {}).items():
            grants.setdefault(council, set()).update(roles)
    name = str(claims.get("name") or claims.get("preferred_username") or claims.get("email") or "Signed-in user")
    subject = f"{claims.get('iss', '')}|{claims.get('oid') or claims.get('sub', '')}"
    return User(f"oidc:{subject}", name[:120], {c: frozenset(r) for c, r in grants.items()}, "oidc")


# --- refusing an unsafe production start ---------------------------------------------------------------------

def production_problems() -> list[str]:
    """Why this configuration must not serve real people (empty when it may)."""
    config = settings()
    problems = []
    key = config.secret_key.get_secret_value() if config.secret_key else ""
    if len(key) < identity.MIN_KEY_LENGTH or len(set(key)) < 8:
        problems.append(f"SEND_SECRET_KEY must be set to at least {identity.MIN_KEY_LENGTH} random characters "
                        "(for example `python -c \"import secrets; print(secrets.token_urlsafe(48))\"`)")
    if config.auth == "demo":
        problems.append("SEND_AUTH is `demo` (anyone can sign in as a demo user): set it to `oidc`, `local` or "
                        "`public`")
    if config.auth == "oidc" and oidc_missing():
        problems.append(f"single sign-on (SEND_AUTH=oidc) needs {', '.join(oidc_missing())}")
    if config.auth == "local":
        try:
            open_users = users.open_demo_users()
            if not users.load():
                problems.append("SEND_AUTH=local needs SEND_USERS_FILE naming a file with at least one user")
            elif open_users:
                problems.append(f"the users file holds demo users anyone could sign in as: {', '.join(open_users)} "
                                "(remove them with `python -m dashboard.users remove <name>`)")
        except users.UsersFileError as exc:
            problems.append(str(exc))
    if not config.cookie_secure:
        problems.append("SEND_COOKIE_SECURE is false: session cookies would travel over plain HTTP")
    return problems


def refuse_unsafe_production() -> None:
    if settings().production and (problems := production_problems()):
        raise SettingsError("Refusing to start in production (SEND_PRODUCTION=true): " + "; ".join(problems) + ".")


def start_notice() -> str | None:
    """What to print when the server starts: the demo users, or that nobody can sign in."""
    mode = settings().auth
    if mode == "demo":
        names = ", ".join(r.value for r in users.DEMO_ROLES)
        return (f"DEMO MODE: sign in at /sign-in as {names} with the password '{users.DEMO_PASSWORD}'. "
                "For trying the dashboard on sample data only; never for real children's records "
                "(see README, 'Sign-in and roles').")
    if mode == "public":
        return "PUBLIC MODE: no sign-in; every visitor sees public-tier figures only."
    return None
