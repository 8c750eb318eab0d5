"""Who may see what, decided on the server for every callback and download.

Until sign-in arrives (an officer-tools issue), the server grants one audience to every visitor:
SEND_AUDIENCE (default `partner`). A page or URL may ask for a *stricter* view (`public`, for a parent carer
forum pack) but can never raise it: a client can call any callback with any values, so the audience a
callback uses always comes from `audience_for`, never straight from its inputs.
"""

from __future__ import annotations

import flask

from data.settings import settings
from indicators.engine import Engine, shared_engine
from indicators.vocabulary import Audience

# From least to most protected.
STRICTNESS = [Audience.OFFICER, Audience.PARTNER, Audience.PUBLIC]


def granted_audience() -> Audience:
    value = settings().audience
    try:
        return Audience(value)
    except ValueError:
        return Audience.PUBLIC  # a mistyped setting fails safe


def audience_for(requested: str | None = None) -> Audience:
    """The audience to compute with: what was asked for, but never less protected than what is granted."""
    granted = granted_audience()
    try:
        asked = Audience(requested) if requested else granted
    except ValueError:
        asked = granted
    return max(asked, granted, key=STRICTNESS.index)


def engine() -> Engine:
    """The shared engine, cached through the app's flask-caching when called inside a request; on the app's
    own warehouse when it has one (`create_app(warehouse=...)`: a load warming its views before it goes live)."""
    if not flask.has_app_context():
        return shared_engine()
    server = flask.current_app._get_current_object()
    return shared_engine(server, server.config.get("WAREHOUSE"))
