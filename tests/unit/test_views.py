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


def test_an_audience_in_a_url_can_only_make_the_view_stricter():
    from tests.identity import acting_as

    with acting_as("partner"):
        _partner_asks_for_other_audiences()


def _partner_asks_for_other_audiences():
    bristol = "E06000023"
    assert filters.clean_audience("officer", bristol) is Audience.PARTNER
    assert filters.clean_audience("public", bristol) is Audience.PUBLIC
    assert filters.clean_audience("' OR 1=1 --", bristol) is Audience.PARTNER
    assert filters.audience_param(Audience.PARTNER, bristol) is None
    assert filters.audience_param(Audience.PUBLIC, bristol) == "public"


def test_safe_primary_keeps_only_readable_colours():
    from dashboard.shell import DEFAULT_PRIMARY, safe_primary

    assert safe_primary("#003366") == "#003366"
    assert safe_primary("#ffff00") == DEFAULT_PRIMARY  # white text on yellow fails AA
    assert safe_primary("red; background: url(x)") == DEFAULT_PRIMARY
    assert safe_primary(None) == DEFAULT_PRIMARY


def test_clicked_values_reads_only_plain_text_from_the_first_point():
    from dashboard.views import clicked_values

    click = {"points": [{"customdata": ["Cotham", "Cotham ward"], "x": 3, "y": "Cotham", "location": None}]}
    assert clicked_values(click) == ["Cotham", "Cotham ward", "Cotham", "3"]
    assert clicked_values({"points": [{"customdata": {"evil": 1}}]}) == []
    assert clicked_values({"points": "x"}) == []
    assert clicked_values("' OR 1=1 --") == []
    assert clicked_values({"points": [{"customdata": "x" * 500}]}) == []


def test_as_series_turns_one_breakdown_value_into_a_named_series():
    from dashboard.views import as_series
    from indicators.results import Row

    rows = [Row(period="2024", breakdown="Total", breakdown_value="Total", area_name="Bristol", value=20),
            Row(period="2024", breakdown="ward", breakdown_value="Cotham", area_name="Bristol", value=30),
            Row(period="2024", breakdown="ward", breakdown_value="Easton", area_name="Bristol", value=10)]
    series = as_series(rows, "Cotham", "Cotham")
    assert series == [Row(period="2024", breakdown="Total", breakdown_value="Total", area_name="Cotham", value=30)]


def test_themes_resolve_from_slugs_and_ids_only():
    from dashboard import views
    from indicators.catalogue.model import Theme

    assert views.resolve_theme("learning-employment") is Theme.LEARNING_EMPLOYMENT
    assert views.resolve_theme("local_profile") is Theme.LOCAL_PROFILE
    for bad in ["' OR 1=1 --", None, ["governance"], "theme"]:
        with pytest.raises(views.Problem):
            views.resolve_theme(bad)
