"""The server never lets a client raise its own audience, and a role holds for its own council only."""

import pytest

from dashboard.access import audience_for, granted_audience
from dashboard.identity import ANONYMOUS, Role, User
from indicators.vocabulary import Audience
from tests.identity import ELSEWHERE, HOME, acting_as

REGION = "E12000009"  # South West: wider than a council
ENGLAND = "E92000001"


@pytest.mark.parametrize(("role", "asked", "expected"), [
    ("partner", None, Audience.PARTNER),
    ("partner", "officer", Audience.PARTNER),  # asking for more is refused
    ("partner", "public", Audience.PUBLIC),  # asking for stricter is allowed
    ("public", "officer", Audience.PUBLIC),
    ("officer", "partner", Audience.PARTNER),
    ("officer", None, Audience.OFFICER),
    ("admin", None, Audience.PARTNER),  # administrators see partner figures unless also officers
    ("partner", "superuser", Audience.PARTNER),  # nonsense falls back to what is granted
    (None, "officer", Audience.PUBLIC),  # signed out: the public tier, whatever is asked
])
def test_audience_is_never_raised_by_the_client(role, asked, expected):
    with acting_as(role):
        assert audience_for(asked, HOME) == expected


@pytest.mark.parametrize(("role", "area", "expected"), [
    ("officer", HOME, Audience.OFFICER),
    ("officer", ELSEWHERE, Audience.PUBLIC),  # a role holds for its own council only
    ("partner", ELSEWHERE, Audience.PUBLIC),
    ("officer", REGION, Audience.PARTNER),  # wider areas: aggregates, never more than partner
    ("officer", ENGLAND, Audience.PARTNER),
    ("partner", REGION, Audience.PARTNER),
    ("public", REGION, Audience.PUBLIC),
    (None, ENGLAND, Audience.PUBLIC),
])
def test_a_role_holds_for_its_council(role, area, expected):
    with acting_as(role):
        assert granted_audience(area) == expected


def test_the_widest_of_several_roles_in_a_council_wins_and_councils_stay_apart():
    user = User("x", "X", {HOME: frozenset({Role.PUBLIC, Role.OFFICER}), ELSEWHERE: frozenset({Role.PARTNER})})
    assert user.audience_at(HOME) is Audience.OFFICER
    assert user.audience_at(ELSEWHERE) is Audience.PARTNER
    assert user.audience_at("E08000035") is Audience.PUBLIC  # Leeds: no role there
    assert user.audience_at(REGION, council=False) is Audience.PARTNER
    assert ANONYMOUS.audience_at(HOME) is Audience.PUBLIC
