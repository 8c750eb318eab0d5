"""Drill-down filters: the figures of one ward, then one school, then one need type, worked out by hand.

From the fixture extract (see test_engine_local): plans issued in 2024 that count for 20-week timeliness are
A1 (P1, lives in Ashley, attends Ashley Primary, ASD, timely), A2 (P2, Ashley, Bedminster Special, SEMH, late)
and A4 (P4, Bedminster ward, no school, SLCN, late); A3 is left out (mediation before issue).
"""

from __future__ import annotations

import pytest

from indicators.cache import SimpleCache
from indicators.engine import Engine, NotAvailable, UnknownBreakdown
from indicators.testing import fixture_warehouse
from indicators.vocabulary import Audience

LA = "E06000023"


@pytest.fixture(scope="module")
def engine():
    engine = Engine(fixture_warehouse(), cache=SimpleCache())
    yield engine
    engine.close()


def _figures(frame):
    return {(r.breakdown_value): (r.numerator, r.denominator, r.value) for r in frame.itertuples()}


def test_one_ward_and_its_schools(engine):
    result = engine.result("ehcp_issued_20wk", LA, Audience.OFFICER, period="2024", breakdown="school",
                           filters={"ward": "Ashley"})
    assert _figures(result.frame) == {
        "Total": (1, 2, 50.0),  # A1 timely, A2 late
        "Ashley Primary (test)": (1, 1, 100.0),  # A1
        "Bedminster Special (test)": (0, 1, 0.0),  # A2: lives in Ashley, goes to school in Bedminster
    }


def test_one_ward_then_one_school_by_need(engine):
    result = engine.result("ehcp_issued_20wk", LA, Audience.OFFICER, period="2024", breakdown="primary_need",
                           filters={"ward": "Ashley", "school": "Bedminster Special (test)"})
    assert _figures(result.frame) == {"Total": (0, 1, 0.0),
                                      "Social, emotional and mental health": (0, 1, 0.0)}


def test_filters_are_checked_against_known_values(engine):
    with pytest.raises(UnknownBreakdown) as caught:
        engine.result("ehcp_issued_20wk", LA, Audience.OFFICER, filters={"ward": "' OR 1=1 --"})
    assert "Ashley" in caught.value.choices
    with pytest.raises(UnknownBreakdown):
        engine.result("ehcp_issued_20wk", LA, Audience.OFFICER, filters={"postcode": "BS1"})


def test_published_figures_cannot_be_narrowed(engine):
    with pytest.raises(NotAvailable):
        engine.result("ehcp_issued_20wk", LA, Audience.OFFICER, source="national", filters={"ward": "Ashley"})


@pytest.mark.parametrize("audience", [Audience.PARTNER, Audience.PUBLIC])
def test_one_ward_is_for_officers_only(engine, audience):
    # A ward's figures by school are cells of the ward x school table, whose margins the ward and school
    # breakdowns show: protected one request at a time they can be worked out, so they are refused.
    with pytest.raises(NotAvailable, match="officers only"):
        engine.result("ehcp_issued_20wk", LA, audience, period="2024", filters={"ward": "Ashley"})
