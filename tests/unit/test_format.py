import pytest

from dashboard.format import format_period, mid_sentence


def test_periods_read_as_people_write_them():
    assert format_period("202425") == "2024/25"
    assert format_period("2024") == "2024"
    assert format_period("2024-03") == "Mar 2024"
    assert format_period("2024-Q4") == "Oct to Dec 2024"
    assert format_period(None) == ""
    assert format_period("2024-13") == "2024-13"  # not a month: shown as given, never an error


@pytest.mark.parametrize(("label", "expected"), [
    ("SEND team", "SEND team"),
    ("EHC plans issued within 20 weeks", "EHC plans issued within 20 weeks"),
    ("Primary need", "primary need"),
    ("Autistic Spectrum Disorder", "autistic spectrum disorder"),
    ("Children with SEN support in Year 6", "children with SEN support in Year 6"),
    ("Year of request", "year of request"),
    ("", ""),
])
def test_labels_inside_a_sentence_keep_their_acronyms(label, expected):
    assert mid_sentence(label) == expected
