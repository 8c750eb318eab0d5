"""Signing test clients and direct page calls in as a role, without the sign-in form (whose rate limit a test
suite would soon reach). The sessions are signed by the app's own key, exactly as a real sign-in makes them."""

from __future__ import annotations

from dashboard import identity
from dashboard.identity import Role, User

HOME = "E06000023"  # the sample warehouse's council (Bristol)
ELSEWHERE = "E10000016"  # Kent: a council the sample holds no records of


def user(role: str | Role | None, council: str = HOME) -> User:
    """A person holding `role` in `council` (None: signed out). Source "test": never re-checked against a users
    file, like a single sign-on session."""
    if role is None:
        return identity.ANONYMOUS
    role = Role(role)
    return User(f"test:{role.value}-{council}", f"Test {role.value}", {council: frozenset({role})}, "test")


def sign_in(client, role: str | Role | None, council: str = HOME):
    """Put a session for `role` in `council` into a Flask test client's cookies (None: signed out)."""
    with client.session_transaction() as session:
        session.clear()
        if role is not None:
            session[identity.SESSION_KEY] = identity.session_data(user(role, council))
    return client


def client_as(server, role: str | Role | None, council: str = HOME):
    return sign_in(server.test_client(), role, council)


def acting_as(role: str | Role | None, council: str = HOME):
    """Calls made outside a request (page functions called directly) are made as `role` in `council`."""
    return identity.acting_as(user(role, council))


def session_cookie(role: str | Role | None, council: str = HOME) -> str:
    """The value of a session cookie for `role`, signed as the app signs them: for browsers."""
    return identity.signed_session(user(role, council)) if role else ""
