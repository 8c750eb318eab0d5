from dashboard.format import format_period


def test_periods_read_as_people_write_them():
    assert format_period("202425") == "2024/25"
    assert format_period("2024") == "2024"
    assert format_period("2024-03") == "Mar 2024"
