"""Who is asking: the signed-in person, their roles in each council, and their session.

A role holds for a council: one instance can serve a regional group where each council's officers see their own
children and only aggregates of the others. The person comes from the signed-in session (a cookie signed with
`SEND_SECRET_KEY`), never from a URL or a callback's inputs; a visitor who has not signed in is `ANONYMOUS` and
sees the public tier. Sessions end after `SEND_SESSION_IDLE_MINUTES` without a request and after
`SEND_SESSION_HOURS` whatever happens; signing out revokes the session on every server sharing the cache, so a
copied cookie stops working too.

    officer  child-level drill-through, case lists, data quality; unsuppressed figures, named caseworkers
    partner  aggregates under partner-tier disclosure control; teams, never named staff
    public   the public tier (also every signed-out visitor)
    admin    loads, users and the audit log; partner-tier figures unless also an officer
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import flask

from data.settings import settings
from indicators.vocabulary import Audience

SESSION_KEY = "who"
TOUCH_EVERY = 60  # seconds: `seen` is written back at most this often (each write sends a new cookie)
REVOKED = "revoked-session:"


class Role(StrEnum):
    OFFICER = "officer"
    PARTNER = "partner"
    PUBLIC = "public"
    ADMIN = "admin"


# What each role lets its holder see of a council's figures; the widest of a person's roles there wins.
FIGURES = {Role.OFFICER: Audience.OFFICER, Role.PARTNER: Audience.PARTNER, Role.ADMIN: Audience.PARTNER,
           Role.PUBLIC: Audience.PUBLIC}
WIDEST_FIRST = [Audience.OFFICER, Audience.PARTNER, Audience.PUBLIC]


def widest(audiences) -> Audience:
    return min(audiences, key=WIDEST_FIRST.index, default=Audience.PUBLIC)


def parse_grants(raw: object, where: str) -> dict[str, frozenset[Role]]:
    """{council code: role or [roles]} checked: raises ValueError naming `where`, the council and the fix."""
    if raw in (None, {}):
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: councils must be a mapping of council code to role(s), e.g. "
                         "{E06000023: officer}")
    grants = {}
    for council, roles in raw.items():
        council = str(council).strip().upper()
        if not council or not council.isalnum() or len(council) > 12:
            raise ValueError(f"{where}: '{council}' is not a council code (e.g. E06000023)")
        listed = [roles] if isinstance(roles, str) else list(roles or [])
        try:
            grants[council] = frozenset(Role(str(r).strip().lower()) for r in listed)
        except ValueError:
            raise ValueError(f"{where}: council {council} has role(s) {listed}; each must be one of "
                             f"{', '.join(r.value for r in Role)}") from None
    return grants


@dataclass(frozen=True)
class User:
    id: str  # "local:alice", "oidc:<subject>", "demo:officer"; "" when signed out
    name: str
    grants: Mapping[str, frozenset[Role]] = field(default_factory=dict)  # council code -> roles there
    source: str = "anonymous"  # anonymous | demo | local | oidc

    @property
    def signed_in(self) -> bool:
        return bool(self.id)

    def roles_at(self, council: str | None) -> frozenset[Role]:
        return self.grants.get(str(council or "").upper(), frozenset())

    def has(self, role: Role, council: str | None = None) -> bool:
        """Holds `role` in `council`, or (council None) in any council."""
        if council is None:
            return any(role in roles for roles in self.grants.values())
        return role in self.roles_at(council)

    def audience_at(self, area: str | None, *, council: bool = True) -> Audience:
        """What this person may see of an area's figures. A council (`council`) they hold a role in: that role's
        tier; a council they hold none in: the public tier. An area wider than a council (a region, England:
        published figures and aggregates only): their widest tier, at most partner, since no child is in reach."""
        if council:
            return widest(FIGURES[r] for r in self.roles_at(area))
        return widest([*(FIGURES[r] for roles in self.grants.values() for r in roles if r is not Role.OFFICER),
                       *([Audience.PARTNER] if self.has(Role.OFFICER) else [])])

    def describe(self, names: Callable[[str], str] = str) -> str:
        """'officer, admin in E06000023' for the audit log; `names` gives a council's name for the header."""
        return "; ".join(f"{', '.join(sorted(roles))} in {names(council)}"
                         for council, roles in sorted(self.grants.items()) if roles) or "no role"

    def grants_key(self) -> str:
        """The grants as one canonical string: people holding the same roles see the same figures."""
        return "|".join(f"{c}={','.join(sorted(r))}" for c, r in sorted(self.grants.items()) if r)

    def to_session(self) -> dict:
        return {"id": self.id, "name": self.name, "source": self.source,
                "grants": {c: sorted(str(role) for role in r) for c, r in self.grants.items()}}

    @classmethod
    def from_session(cls, data: Mapping) -> User:
        return cls(str(data["id"]), str(data["name"]), parse_grants(data.get("grants"), "session"),
                   str(data.get("source", "local")))


ANONYMOUS = User("", "Signed-out visitor")


# --- the session ---------------------------------------------------------------------------------------------

def sign_in(user: User) -> None:
    """Start a session for `user` (inside a request): a new session id, so nothing from before signing in is kept
    (no session fixation)."""
    flask.session.clear()
    flask.session[SESSION_KEY] = session_data(user)
    flask.session.permanent = True
    flask.g.who, flask.g.session_problem = user, None


def session_data(user: User) -> dict:
    """What a new session for `user` holds (its own id, and when it began and was last used)."""
    now = int(time.time())
    return {**user.to_session(), "sid": secrets.token_urlsafe(16), "issued": now, "seen": now}


def sign_out() -> None:
    """End the session here and, through the shared cache, on every server (a copied cookie dies with it)."""
    data = flask.session.get(SESSION_KEY)
    if isinstance(data, Mapping) and data.get("sid"):
        _revoked_store().set(REVOKED + str(data["sid"]), True, timeout=settings().session_hours * 3600 + 60)
    flask.session.clear()
    flask.g.who, flask.g.session_problem = ANONYMOUS, None


def _revoked_store():
    from indicators.cache import app_cache

    return app_cache(flask.current_app._get_current_object())


def session_state() -> tuple[User, str | None]:
    """The person in this request's session and, when a session was there but can no longer be used, why
    ('expired', 'signed-out', 'changed'). Keeps the session's last-seen time up to date."""
    data = flask.session.get(SESSION_KEY)
    if not isinstance(data, Mapping):
        return ANONYMOUS, None
    now, config = time.time(), settings()
    try:
        issued, seen, sid = float(data["issued"]), float(data["seen"]), str(data["sid"])
        user = User.from_session(data)
    except (KeyError, TypeError, ValueError):
        flask.session.clear()
        return ANONYMOUS, "changed"
    if now - issued > config.session_hours * 3600 or now - seen > config.session_idle_minutes * 60:
        flask.session.clear()
        return ANONYMOUS, "expired"
    if _revoked_store().get(REVOKED + sid):
        flask.session.clear()
        return ANONYMOUS, "signed-out"
    if user.source in ("local", "demo"):
        from dashboard import users

        fresh = users.current(user)  # a person removed from the users file, or given other roles, is seen now
        if fresh is None or fresh.grants != user.grants:
            flask.session.clear()
            return ANONYMOUS, "changed"
    if now - seen >= TOUCH_EVERY:
        flask.session[SESSION_KEY] = {**data, "seen": int(now)}
    return user, None


_OUTSIDE_REQUESTS: ContextVar[User] = ContextVar("send_user_outside_requests", default=ANONYMOUS)


@contextmanager
def acting_as(user: User) -> Iterator[None]:
    """Calls made outside any request (the command line, tests calling page functions) are made as `user`.
    Inside a request the session alone decides: nothing a request does can reach this."""
    token = _OUTSIDE_REQUESTS.set(user)
    try:
        yield
    finally:
        _OUTSIDE_REQUESTS.reset(token)


def current_user() -> User:
    """The person making this request (worked out once per request); outside a request, whoever `acting_as`
    names (nobody: ANONYMOUS)."""
    if not flask.has_request_context():
        return _OUTSIDE_REQUESTS.get()
    if "who" not in flask.g:
        flask.g.who, flask.g.session_problem = session_state()
    return flask.g.who


def session_problem() -> str | None:
    current_user()
    return flask.g.get("session_problem") if flask.has_request_context() else None


def signed_session(user: User) -> str:
    """The value of a session cookie for `user`, signed with this machine's key (SEND_SECRET_KEY, or the one kept
    beside the cache): for tools that act as someone against a local server (the benchmark's simulated users)."""
    from flask.sessions import SecureCookieSessionInterface

    signer = flask.Flask("session-signer")
    signer.secret_key = secret_key()
    return SecureCookieSessionInterface().get_signing_serializer(signer).dumps({SESSION_KEY: session_data(user)})


# --- the key that signs sessions -----------------------------------------------------------------------------

MIN_KEY_LENGTH = 32


def secret_key() -> str:
    """SEND_SECRET_KEY; without one (never in production), a random key made once and kept, readable by this user
    alone, in a private folder beside the cache, so every worker and every restart signs sessions alike."""
    configured = settings().secret_key
    if configured is not None:
        return configured.get_secret_value()
    from indicators.cache import private_folder

    path = private_folder(Path(tempfile.gettempdir()) / f"send-dashboard-keys-{os.getuid()}") / "session-key"
    if not path.exists():
        draft = path.with_name(f"session-key.{os.getpid()}")
        draft.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # atomic: of several workers starting at once, one key wins and all read it
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text(encoding="utf-8").strip()
