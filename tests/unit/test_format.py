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


def test_a_rank_is_worded_once_for_board_and_pack():
    from types import SimpleNamespace

    from dashboard.format import rank_words

    ranked = SimpleNamespace(rank=12, rank_out_of=152, rank_basis="per 10,000 aged 0-25", quartile_band="B")
    assert rank_words(ranked) == "12th of 152 (per 10,000 aged 0-25), band B"
    assert rank_words(SimpleNamespace(rank=1, rank_out_of=153, rank_basis=None, quartile_band=None)) == "1st of 153"
    assert rank_words(SimpleNamespace(rank=None, rank_out_of=None, rank_basis=None, quartile_band=None)) == ""
