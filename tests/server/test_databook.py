"""Data book, indicator dictionary and coverage pages built from a URL's query on the sample warehouse."""

from __future__ import annotations

import pytest

from dashboard.routes import gather
from indicators.vocabulary import Audience
from tests.forbidden import FORBIDDEN
from tests.server import tree
from tests.server.tree import layout


@pytest.fixture(scope="module")
def server(sample_server):
    return sample_server


def _strings(node) -> list[str]:
    """Every string anywhere in a component tree: children, props, grid rows and column definitions."""
    if node is None or isinstance(node, bool | int | float):
        return []
    if isinstance(node, str):
        return [node]
    if isinstance(node, list | tuple):
        return [s for child in node for s in _strings(child)]
    if isinstance(node, dict):  # a grid's "function" is JavaScript for the browser, not text for a reader
        return [s for key, value in node.items() if key != "function" for s in _strings(value)]
    if hasattr(node, "to_plotly_json"):
        props = node.to_plotly_json()["props"]
        return [s for key, value in props.items() if key != "figure" for s in _strings(value)]
    return []


def _text(node) -> str:
    return " ".join(_strings(node))


def _find(node, predicate) -> list:
    found = []
    if isinstance(node, list | tuple):
        for child in node:
            found += _find(child, predicate)
        return found
    if hasattr(node, "to_plotly_json"):
        if predicate(node):
            found.append(node)
        found += _find(getattr(node, "children", None), predicate)
    return found


def _clean(node) -> None:
    bad = [s for s in _strings(node) if FORBIDDEN.search(s)]
    assert bad == []


# --- data book -------------------------------------------------------------------------------------------

def test_data_book_index_lists_every_theme_and_offers_workbooks(server):
    page = layout(server, "/data-book")
    text = _text(page)
    for title in ("Governance and assurance", "Local profile", "Learning and employment",
                  "Friends, relationships and community", "Good health", "Independent living"):
        assert title in text
    links = [a.href for a in _find(page, lambda n: getattr(n, "_type", "") == "A" and getattr(n, "href", None))]
    assert "/download/all-indicators.xlsx?area=E06000023" in links
    assert "/download/theme/good-health.xlsx?area=E06000023" in links
    assert "/data-book?indicator=ehcp_issued_20wk&area=E06000023" in links
    groups = _find(page, lambda n: getattr(n, "_type", "") == "Optgroup")
    assert [g.label for g in groups][:2] == ["Governance and assurance", "Local profile"]
    _clean(page)


def test_one_indicator_grid_holds_every_breakdown(server):
    page = layout(server, "/data-book", indicator="ehcp_issued_20wk", area="E06000023")
    grid = _find(page, lambda n: getattr(n, "_type", "") == "AgGrid")[0]
    with tree.request_as(server, "/"):
        from dashboard.access import engine

        table = gather(engine(), "ehcp_issued_20wk", "E06000023", Audience.PARTNER)
    assert len(grid.rowData) == len(table.frame)
    # Every breakdown but caseworkers: figures for named staff are for officers only.
    assert {r["breakdown"] for r in grid.rowData} == {
        "Total", "Sex", "Ethnic group", "Age band", "Primary need", "Type of setting", "Ward of residence",
        "NHS sub-ICB location", "School or setting attended", "SEND team"}
    headers = [c["headerName"] for c in grid.columnDefs]
    assert headers == ["Period", "Breakdown", "Group", "Numerator", "Denominator", "Value (%)", "Status", "Source"]
    hidden = [r for r in grid.rowData if r["v"] is None]
    assert hidden and all(r["vs"] == "c (suppressed)" and r["status"] == "c (suppressed)" for r in hidden)
    assert all(c.get("sortable", True) for c in grid.columnDefs) and grid.defaultColDef["sortable"]
    text = _text(page)
    assert "New EHC plans issued within 20 weeks, including exceptions" in text
    assert "Higher is better" in text and "c (suppressed)" in text
    assert "counts from local data of 1 to 5 are replaced by 'c'" in text  # the partner audience's rules
    links = [a.href for a in _find(page, lambda n: getattr(n, "_type", "") == "A" and getattr(n, "href", None))]
    assert "/download/ehcp_issued_20wk.csv?area=E06000023" in links
    assert "/download/ehcp_issued_20wk.xlsx?area=E06000023" in links
    _clean(page)


def test_period_and_breakdown_from_the_url(server):
    page = layout(server, "/data-book", indicator="ehcp_issued_20wk", area="E06000023", period="2024",
                 breakdown="ward")
    grid = _find(page, lambda n: getattr(n, "_type", "") == "AgGrid")[0]
    assert {r["period"] for r in grid.rowData} == {"2024"}
    assert {r["breakdown"] for r in grid.rowData} == {"Total", "Ward of residence"}
    links = [a.href for a in _find(page, lambda n: getattr(n, "_type", "") == "A" and getattr(n, "href", None))]
    assert "/download/ehcp_issued_20wk.csv?area=E06000023&period=2024&breakdown=ward" in links
    chosen = {s.name: [o.value for o in s.children if getattr(o, "selected", False)]
              for s in _find(page, lambda n: getattr(n, "_type", "") == "Select")}
    assert chosen["period"] == ["2024"] and chosen["breakdown"] == ["ward"]


def test_children_by_sub_icb_location(server):
    # Every child of the sample lives in a Bristol ward: Bristol is served by one sub-ICB location (15C)
    page = layout(server, "/data-book", indicator="ehcp_caseload", area="E06000023", breakdown="sub_icb")
    grid = _find(page, lambda n: getattr(n, "_type", "") == "AgGrid")[0]
    assert {r["breakdown"] for r in grid.rowData} == {"Total", "NHS sub-ICB location"}
    located = [r for r in grid.rowData if r["breakdown"] != "Total"]
    assert {r["group"] for r in located} == {"NHS Bristol, North Somerset and South Gloucestershire ICB - 15C"}
    totals = {r["pc"]: r["v"] for r in grid.rowData if r["breakdown"] == "Total"}
    assert located and all(r["v"] == totals[r["pc"]] for r in located)  # one location holds every child
    options = {o.value: o.children for s in _find(page, lambda n: getattr(n, "_type", "") == "Select")
               if s.name == "breakdown" for o in s.children}
    assert options["sub_icb"] == "NHS sub-ICB location"
    links = [a.href for a in _find(page, lambda n: getattr(n, "_type", "") == "A" and getattr(n, "href", None))]
    assert "/download/ehcp_caseload.csv?area=E06000023&breakdown=sub_icb" in links
    _clean(page)


def test_a_year_the_indicator_does_not_have_is_explained(server):
    page = layout(server, "/data-book", indicator="ks2_rwm_ehcp", area="E06000023", period="2024")
    assert "latest period that had ended by then, 2023/24" in _text(page)
    page = layout(server, "/data-book", indicator="ehcp_issued_20wk", area="E06000023", period="1999")
    assert "so every period is shown" in _text(page)


def test_unknown_indicator_and_area_are_explained(server):
    assert "does not have" in _text(layout(server, "/data-book", indicator="<b>nope</b>"))
    page = layout(server, "/data-book", indicator="ehcp_issued_20wk", area="Z99")
    assert "could not find that area" in _text(page)
    _clean(page)


def test_local_only_indicator_elsewhere_says_what_would_fill_it(server):
    page = layout(server, "/data-book", indicator="health_advice_6wk", area="E06000001")
    text = _text(page)
    assert "No figures for Hartlepool" in text and "health_advice.csv" in text
    assert not _find(page, lambda n: getattr(n, "_type", "") == "AgGrid")
    _clean(page)


def test_grid_never_renders_html_from_data(server):
    page = layout(server, "/data-book", indicator="ehcp_issued_20wk", area="E06000023", breakdown="school")
    grid = _find(page, lambda n: getattr(n, "_type", "") == "AgGrid")[0]
    assert not any(c.get("cellRenderer") for c in grid.columnDefs)
    assert "dangerously_allow_html" not in str(grid.to_plotly_json())


# --- dictionary --------------------------------------------------------------------------------------------

def _entries(page) -> list:
    return _find(page, lambda n: getattr(n, "_type", "") == "Article")


def test_dictionary_lists_every_indicator_by_theme(server):
    page = layout(server, "/dictionary")
    assert len(_entries(page)) == 87
    text = _text(page)
    assert "87 indicators in 6 themes." in text
    for label in ("Definition: numerator", "Polarity", "Source", "Frequency", "Breakdowns", "Comparators",
                  "Last update", "Next update", "Methodology notes"):
        assert label in text
    _clean(page)


def test_dictionary_search_filters_on_the_server(server):
    page = layout(server, "/dictionary", q="ehcp_issued_20wk_ex")
    entries = _entries(page)
    assert len(entries) == 1
    assert "New EHC plans issued within 20 weeks, excluding exceptions" in _text(entries[0])
    assert "1 of 87 indicators match 'ehcp_issued_20wk_ex'." in _text(page)
    # Every word must match: both words appear only in the two 20-week timeliness entries' text.
    both = _entries(layout(server, "/dictionary", q="20 WEEKS exceptions"))
    assert {e.to_plotly_json()["props"]["aria-labelledby"] for e in both} == {
        "dictionary-ehcp_issued_20wk", "dictionary-ehcp_issued_20wk_ex"}
    links = [a.href for a in _find(entries[0], lambda n: getattr(n, "_type", "") == "A")]
    assert "/indicator/ehcp_issued_20wk_ex?area=E06000023" in links
    assert "/data-book?indicator=ehcp_issued_20wk_ex&area=E06000023" in links


def test_dictionary_with_no_match_and_hostile_text(server):
    page = layout(server, "/dictionary", q="<script>alert(1)</script>")
    assert not _entries(page)
    assert "No indicator matches '<script>alert(1)</script>'" in _text(page)  # as text, escaped by Dash
    assert not _find(page, lambda n: getattr(n, "_type", "") in ("Script", "Iframe"))
    _clean(page)


# --- coverage ------------------------------------------------------------------------------------------------

def test_coverage_of_the_local_area(server):
    page = layout(server, "/coverage", area="E06000023")
    rows = _find(page, lambda n: getattr(n, "_type", "") == "Tr")
    body = [r for r in rows if _find(r, lambda n: getattr(n, "_type", "") == "Td")]
    assert len(body) == 87
    yes = [r for r in body if "✓ Yes" in _text(r)]
    assert f"{len(yes)} of 87 indicators have figures for Bristol, City of." in _text(page)
    _clean(page)


def test_coverage_elsewhere_names_what_would_fill_each_gap(server):
    page = layout(server, "/coverage", area="E06000001")
    body = [r for r in _find(page, lambda n: getattr(n, "_type", "") == "Tr")
            if _find(r, lambda n: getattr(n, "_type", "") == "Td")]
    gaps = [r for r in body if "✗ No" in _text(r)]
    assert gaps, "Hartlepool has no local records, so some indicators must be gaps"
    for row in gaps:
        cells = _find(row, lambda n: getattr(n, "_type", "") == "Td")
        assert ".csv" in _text(cells[-1]) or "DfE" in _text(cells[-1])
    assert "Only published national figures are loaded for Hartlepool" in _text(page)
    _clean(page)
