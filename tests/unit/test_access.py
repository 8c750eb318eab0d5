"""The server never lets a client raise its own audience."""

import pytest

from dashboard.access import audience_for
from indicators.vocabulary import Audience


@pytest.mark.parametrize(("granted", "asked", "expected"), [
    ("partner", None, Audience.PARTNER),
    ("partner", "officer", Audience.PARTNER),  # asking for more is refused
    ("partner", "public", Audience.PUBLIC),  # asking for stricter is allowed
    ("public", "officer", Audience.PUBLIC),
    ("officer", "partner", Audience.PARTNER),
    ("officer", None, Audience.OFFICER),
    ("partner", "superuser", Audience.PARTNER),  # nonsense falls back to what is granted
    ("nonsense", None, Audience.PUBLIC),  # a mistyped setting fails safe
])
def test_audience_is_never_raised_by_the_client(monkeypatch, granted, asked, expected):
    monkeypatch.setenv("SEND_AUDIENCE", granted)
    assert audience_for(asked) == expected
