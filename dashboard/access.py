"""Who may see what, decided on the server for every callback, download and export.

The person comes from the signed-in session (`dashboard.identity`), never from a URL or a callback's inputs: a
client can call any callback with any values. Their tier for an area is the widest their roles in that area's
council allow (`User.audience_at`); a signed-out visitor gets the public tier. A page or URL may ask for a
*stricter* view (`?audience=public`, for a parent carer forum pack) but can never raise it.
"""

from __future__ import annotations

import re

import flask

from dashboard.identity import Role, User, current_user
from indicators.engine import Engine, shared_engine
from indicators.vocabulary import Audience

# From least to most protected.
STRICTNESS = [Audience.OFFICER, Audience.PARTNER, Audience.PUBLIC]
COUNCIL_CODE = re.compile(r"E(0[6-9]|10)\d{6}")  # unitary, district, metropolitan, London borough, county


class Forbidden(Exception):
    """The person may not have this; `message` says what they would need (for a 403 or a sign-in panel)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def is_council(area: str | None) -> bool:
    return bool(area) and bool(COUNCIL_CODE.fullmatch(str(area).upper()))


def granted_audience(area: str | None = None) -> Audience:
    """The widest tier the signed-in person may see for `area` (a council: their role there; wider areas: at most
    partner; None: their home council's tier, as pages default to it)."""
    if area is None:
        area = home_council()
    return current_user().audience_at(str(area or "").upper(), council=is_council(area))


def home_council() -> str | None:
    """The council a page shows when the URL names none: the warehouse's own."""
    try:
        return engine().local_area
    except Exception:  # noqa: BLE001 - no warehouse: no council, so the tier of a wider area
        return None


def audience_for(requested: str | None = None, area: str | None = None) -> Audience:
    """The audience to compute with for `area`: what was asked for, but never less protected than granted."""
    granted = granted_audience(area)
    try:
        asked = Audience(requested) if requested else granted
    except ValueError:
        asked = granted
    return max(asked, granted, key=STRICTNESS.index)


def require(role: Role, council: str | None) -> User:
    """The signed-in person if they hold `role` in `council`; else Forbidden, saying why."""
    user = current_user()
    if not user.signed_in:
        raise Forbidden("Sign in to see this: it is for council officers.")
    if not user.has(role, council):
        raise Forbidden(f"Your account ({user.describe()}) does not hold the {role.value} role for "
                        f"{council or 'this council'}, which this needs.")
    return user


def engine() -> Engine:
    """The shared engine, cached through the app's flask-caching when called inside a request; on the app's
    own warehouse when it has one (`create_app(warehouse=...)`: a load warming its views before it goes live)."""
    if not flask.has_app_context():
        return shared_engine()
    server = flask.current_app._get_current_object()
    return shared_engine(server, server.config.get("WAREHOUSE"))
