"""The indicator report's comparison section for three different councils: the council among its statistical
neighbours, its region and England, and every council ranked with the council highlighted and its quartile band.
The text, the tables behind the charts and the chart itself must tell the same story about the right council."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import check_view, query_of, settle, table_rows

INDICATOR = "ehcp_issued_20wk"  # published for every council in 2024, higher is better, quartile bands
COUNCILS = 153
ORDINAL = r"(\d+)(?:st|nd|rd|th)"
PERCENT = r"(\d+\.\d)%"


def _band(value: float, cuts: list[float]) -> str:
    """The quartile band of a higher-is-better value (A best) from the three cut-points, lowest first."""
    return "ABCD"[sum(value < c for c in cuts)]


@pytest.mark.parametrize(("code", "name", "region", "via_picker"), [
    ("E06000023", "Bristol, City of", "South West", False),
    ("E10000016", "Kent", "South East", True),
    ("E06000017", "Rutland", "East Midlands", False),
], ids=["bristol", "kent-by-picker", "rutland"])
def test_benchmark_view_for_council(page, app_url, code, name, region, via_picker):
    if via_picker:
        # Start from the local area's report and change the area as a reader does: type, choose, Show.
        page.goto(app_url + f"/indicator/{INDICATOR}?area=E06000023")
        settle(page)
        box = page.get_by_role("combobox", name=re.compile("^Area"))
        assert box.input_value() == "Bristol, City of"
        assert page.locator(f"#filter-area-list option[value='{name}']").count() == 1, "offered in the list"
        box.fill(name)
        page.get_by_role("button", name="Show").click()
        page.wait_for_url(re.compile(r"[?&]area=Kent(&|$)"))
        assert page.url.split("?")[0].endswith(f"/indicator/{INDICATOR}"), "the same report, another area"
    else:
        page.goto(app_url + f"/indicator/{INDICATOR}?area={code}")
    check_view(page, f"benchmark_{code}")
    assert page.locator("main p.muted strong").first.inner_text() == name
    assert page.get_by_role("combobox", name=re.compile("^Area")).input_value() == name
    assert query_of(page.url)["area"] in (code, name)

    # The council among its neighbours, region and England.
    bench = page.locator("#chart-benchmark")
    summary = bench.locator(".chart__summary").inner_text()
    found = re.search(rf"In 2024, {re.escape(name)}'s figure was {PERCENT}, (above|below) its statistical "
                      rf"neighbours' average of {PERCENT}, (above|below) the {region} figure of {PERCENT} and "
                      rf"(above|below) England's {PERCENT}\. It ranked {ORDINAL} of {COUNCILS} councils \(1 is best\), "
                      r"in quartile band ([A-D])\.", summary)
    assert found, summary
    value, rank, band = float(found.group(1)), int(found.group(8)), found.group(9)
    for words, figure in ((found.group(2), found.group(3)), (found.group(4), found.group(5)),
                          (found.group(6), found.group(7))):
        assert words == ("above" if value > float(figure) else "below"), summary
    shown = {row[0]: row for row in table_rows(page, "#chart-benchmark")}
    kinds = [row[2] for row in shown.values()]
    assert kinds.count("This area") == 1 and kinds.count("Statistical neighbour") == 10, kinds
    assert [n for n, row in shown.items() if row[2] == "This area"][0].startswith(name)
    assert {"Statistical neighbours' average", f"{region} (region)", "England"} <= set(shown), sorted(shown)
    assert f"{name} (this area)" in bench.locator(".js-plotly-plot").text_content()

    # Every council ranked, the council highlighted, its quartile band.
    ranked = page.locator("#chart-ranked")
    title = ranked.locator(".chart__title").inner_text()
    assert re.search(rf"{re.escape(name)} ranks {rank}(st|nd|rd|th) of {COUNCILS} councils, quartile band "
                     rf"{band}$", title), title
    text = ranked.locator(".chart__summary").inner_text()
    assert re.search(rf"{re.escape(name)}'s figure of {value}% ranks {ORDINAL} of {COUNCILS} councils", text), text
    cuts = [float(c) for c in re.search(rf"Quartile cut-points are {PERCENT}, {PERCENT} and {PERCENT}",
                                        text).groups()]
    assert _band(value, cuts) == band, f"{value}% is not in band {band} for cut-points {cuts}"
    rows = table_rows(page, "#chart-ranked")
    assert len(rows) == COUNCILS
    this = [r for r in rows if r[3] == "This area"]
    assert len(this) == 1 and this[0][1] == name, this
    assert int(this[0][0]) == rank and this[0][2] == f"{value}%"
    assert sum(r[3] == "Statistical neighbour" for r in rows) == 10
    assert [int(r[0]) for r in rows] == sorted(int(r[0]) for r in rows), "ranked in order"
    plot = ranked.locator(".js-plotly-plot").text_content()
    assert f"{name} (this area)" in plot and f"{value}%, {rank}" in plot, "the council labelled on the chart"
