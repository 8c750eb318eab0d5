from dashboard.format import format_period


def test_periods_read_as_people_write_them():
    assert format_period("202425") == "2024/25"
    assert format_period("2024") == "2024"
    assert format_period("2024-03") == "Mar 2024"
    assert format_period("2024-Q4") == "Oct to Dec 2024"
    assert format_period(None) == ""
    assert format_period("2024-13") == "2024-13"  # not a month: shown as given, never an error
