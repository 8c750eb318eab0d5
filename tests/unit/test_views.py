"""URL state and view assembly: every value from a URL or a callback is checked before it reaches the engine."""

from __future__ import annotations

import pytest

from dashboard import filters
from indicators.vocabulary import Audience


@pytest.mark.parametrize("value", [None, "", "   ", ["E06000023", "E08000035"], {"a": 1}, True, "x" * 500])
def test_one_refuses_anything_but_a_short_single_text(value):
    assert filters.one(value) is None


def test_one_trims_and_keeps_text():
    assert filters.one("  E06000023 ") == "E06000023"
    assert filters.one(2024) == "2024"


def test_clean_choice_is_an_exact_allowlist():
    allowed = ["ward", "school"]
    assert filters.clean_choice("ward", allowed) == "ward"
    assert filters.clean_choice("WARD", allowed) is None
    assert filters.clean_choice("ward' OR 1=1 --", allowed) is None
    assert filters.clean_choice(["ward"], allowed) is None


@pytest.mark.parametrize("value,expected", [("2024", "2024"), ("2014", "2014"), ("2013", None), ("2031", None),
                                            ("20x4", None), ("202324", None), ("' OR 1=1 --", None)])
def test_clean_year(value, expected):
    assert filters.clean_year(value, 2026) == expected


def test_query_string_is_ordered_and_drops_empty_and_unknown_keys():
    assert filters.query_string({"period": "2024", "area": "E06000023", "ward": None, "evil": "1"}) == \
        "?area=E06000023&period=2024"
    assert filters.query_string({}) == ""


def test_href_applies_changes_and_escapes():
    link = filters.href("/indicator/x", {"area": "E06000023"}, ward="Ashley & Easton", school=None)
    assert link == "/indicator/x?area=E06000023&ward=Ashley+%26+Easton"


def test_parse_search_keeps_known_single_keys_only():
    parsed = filters.parse_search("?area=E06000023&area=E08000035&period=2024&evil=1&ward=Ashley")
    assert parsed == {"period": "2024", "ward": "Ashley"}
    assert filters.parse_search(None) == {}
    assert filters.parse_search(42) == {}


def test_an_audience_in_a_url_can_only_make_the_view_stricter(monkeypatch):
    monkeypatch.setenv("SEND_AUDIENCE", "partner")
    assert filters.clean_audience("officer") is Audience.PARTNER
    assert filters.clean_audience("public") is Audience.PUBLIC
    assert filters.clean_audience("' OR 1=1 --") is Audience.PARTNER
    assert filters.audience_param(Audience.PARTNER) is None
    assert filters.audience_param(Audience.PUBLIC) == "public"


def test_safe_primary_keeps_only_readable_colours():
    from dashboard.shell import DEFAULT_PRIMARY, safe_primary

    assert safe_primary("#003366") == "#003366"
    assert safe_primary("#ffff00") == DEFAULT_PRIMARY  # white text on yellow fails AA
    assert safe_primary("red; background: url(x)") == DEFAULT_PRIMARY
    assert safe_primary(None) == DEFAULT_PRIMARY
