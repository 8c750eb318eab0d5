"""The regional view in a browser on the sample warehouse (one council): it reads cleanly with no axe-core
violations for a partner and an officer, its tables open, and choosing a measure redraws its months."""

from __future__ import annotations

import pytest

from tests.browser.conftest import OFFICER_HOST, _serve, check_view, query_of, settle, table_rows


def _reads_cleanly(page, url: str, name: str) -> list[str]:
    page.goto(url + "/region")
    text = check_view(page, name, open_details=True)
    assert "Councils compared" in text and "no other council to compare" in text
    rows = table_rows(page, "#region-table")
    assert [row[0] for row in rows] == ["Bristol, City of"]
    return rows[0]


def test_the_regional_view_reads_cleanly_for_a_partner(page, app_url):
    assert _reads_cleanly(page, app_url, "region-partner")[-1] == "as partners see them (small numbers suppressed)"


def test_the_regional_view_reads_cleanly_for_an_officer(page, officer_url):
    assert _reads_cleanly(page, officer_url, "region-officer")[-1] == "in full (officer)"


def test_choosing_a_measure_draws_its_months(page, app_url):
    page.goto(app_url + "/region")
    settle(page)
    page.get_by_role("link", name="Requests for assessment").click()
    settle(page)
    assert query_of(page.url) == {"indicator": "ehcp_requests"}
    assert "Requests for assessment: each council by month" in page.locator("#region-months").inner_text()


# --- three councils' synthetic extracts in one warehouse ----------------------------------------------------------

TORBAY, NORTH_SOMERSET, BATH = "E06000027", "E06000024", "E06000022"  # South West councils: one region


@pytest.fixture(scope="module")
def three_url(tmp_path_factory):
    """The app on a warehouse of three councils' synthetic extracts, Torbay first (the home council)."""
    from data.ingest import ingest
    from data.synth import generate

    root = tmp_path_factory.mktemp("three")
    sources = []
    for council in (TORBAY, NORTH_SOMERSET, BATH):
        generate(council, 2026, root / council)
        sources += [root / council / "sen2", root / council / "local", root / council / "MANIFEST.json"]
    ingest(sources, root / "warehouse.duckdb", progress=False)
    yield from _serve(tmp_path_factory, OFFICER_HOST, warehouse=root / "warehouse.duckdb")


def test_three_councils_ranked_and_placed_for_an_officer_of_one(browser, three_url):
    from tests.identity import session_cookie

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_cookies([{"name": "send_session", "value": session_cookie("officer", TORBAY), "domain": OFFICER_HOST,
                          "path": "/", "httpOnly": True, "sameSite": "Lax"}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(three_url + "/region")
        text = check_view(page, "region-three-councils", open_details=True)
        assert "no other council to compare" not in text
        rows = {row[0]: row for row in table_rows(page, "#region-table")}
        assert set(rows) == {"Torbay", "North Somerset", "Bath and North East Somerset"}
        assert sorted(row[1] for row in rows.values()) == ["1", "2", "3"]
        assert rows["Torbay"][-1] == "in full (officer)"
        for other in ("North Somerset", "Bath and North East Somerset"):
            assert rows[other][-1].startswith("as the public sees them")
        placed = table_rows(page, "#region-funnel")
        assert len(placed) == 3 and all(row[-1].split(" the ")[0] in ("within", "above", "below") for row in placed)
    finally:
        context.close()
