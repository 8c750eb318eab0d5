"""The tracker's charts (dashboard/figures/caseload.py) from counts chosen by hand: what each draws and says."""

from __future__ import annotations

from dashboard.figures import caseload

MONTHS = ["2025-02", "2025-03", "2025-04"]
COUNTS = {"2025-02": 4, "2025-03": 10, "2025-04": 3}
BANDS = {"Up to 6 weeks": 5, "6 to 20 weeks": 3, "20 to 26 weeks": 1, "26 weeks to a year": 1, "A year or more": 0}


def test_throughput_with_a_part_month():
    fig = caseload.throughput_bars(MONTHS, COUNTS, partial_last=True)
    bar = fig.data[0]
    assert list(bar.x) == ["Feb 2025", "Mar 2025", "Apr 2025 (part)"] and list(bar.y) == [4, 10, 3]
    assert bar.marker.color[-1] != bar.marker.color[0]  # paler, and named "(part)" too
    # whole months Feb and Mar: most in March (10), fewest in February (4), (4 + 10) / 2 = 7.0 a month
    assert caseload.summary_throughput(MONTHS, COUNTS, partial_last=True) == (
        "The most plans were issued in Mar 2025 (10), the fewest in Feb 2025 (4); 7.0 a month on average over "
        "the whole months. Apr 2025 so far: 3.")
    assert caseload.title_throughput("Team North", MONTHS, COUNTS) == (
        "Team North: 17 EHC plans issued in the 12 months from Feb 2025")
    table = caseload.table_throughput(MONTHS, {"2025-03": 1200}, partial_last=False)
    assert table["Plans issued"].tolist() == ["0", "1,200", "0"] and table["Month"].iloc[-1] == "Apr 2025"


def test_throughput_with_nothing_issued():
    assert caseload.summary_throughput(MONTHS, {}, partial_last=False) == "No plan was issued in these months."


def test_ageing():
    fig = caseload.ageing_bars(BANDS, "20 to 26 weeks")
    assert list(fig.data[0].x)[1:3] == ["6 to 20 weeks", "20 to 26 weeks (past 20 weeks)"]
    colours = fig.data[0].marker.color
    assert colours[1] != colours[2] and colours[2] == colours[4]
    # 10 open, 2 of them (20) past 20 weeks
    assert caseload.summary_ageing(BANDS, "20 to 26 weeks", 38.0) == (
        "10 open cases: 2 (20%) have been open longer than 20 weeks. Half have been open 38 days or fewer.")
    assert caseload.summary_ageing(dict.fromkeys(BANDS, 0), "20 to 26 weeks", None) == "No case is open."
    assert caseload.table_ageing(BANDS)["Open cases"].tolist() == ["5", "3", "1", "1", "0"]
