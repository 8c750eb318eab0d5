"""The officers' pages in a browser as anyone else sees them: a partner of the council, and someone signed out, get
the panel explaining why (with a Sign in link when signed out) and no grid or row, even at a link asking for
records, and each page's files answer 403 to their cookies. As an officer, the data-quality and reconciliation
views with records listed read cleanly and axe-core finds nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_view, signed_in

# (page, a link that would list children's records, the refusal panel's id, a file of the page and a header in it)
PAGES = [
    ("/casework", "/casework?team=Early+years", "casework-refused", "/casework/open-cases.csv", "Request id"),
    ("/data-quality", "/data-quality?rule=DQ702", "quality-refused", "/data-quality/DQ702.csv", "Record to fix"),
    ("/reconciliation", "/reconciliation?year=2025&measure=ceased_plans.transfer", "reconciliation-refused",
     "/reconciliation/sen2-return.xml?year=2025", "<Person>"),
]


@pytest.fixture(params=["partner", "signed-out"])
def visitor(request, browser):
    """(who, a page): signed in as a partner of the sample's council on 127.0.0.1, or with no session at all."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    if request.param == "partner":
        signed_in(context)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield request.param, page
    context.close()


@pytest.mark.parametrize("path, link, panel, file, header", PAGES, ids=[p[0].strip("/") for p in PAGES])
def test_an_officers_page_refuses_anyone_else(visitor, app_url, path, link, panel, file, header):
    who, page = visitor
    for url in (path, link):
        page.goto(app_url + url)
        main = check_view(page, f"refused_{who}_{path.strip('/')}" + ("_link" if url == link else ""))
        refusal = page.locator("[id$='-refused']")
        expect(refusal).to_have_count(1)
        assert refusal.get_attribute("id") == panel
        assert "This page is for council officers" in main
        assert page.locator(".ag-root, .ag-row, [id$='-grid']").count() == 0
        sign_in = refusal.get_by_role("link", name="Sign in", exact=True)
        if who == "signed-out":
            expect(sign_in).to_have_attribute("href", f"/sign-in?next={path}")
        else:
            assert "does not hold the officer role" in main and sign_in.count() == 0

    response = page.request.get(app_url + file)  # with this visitor's cookies, or none
    assert response.status == 403 and header not in response.text()
    answer = page.goto(app_url + file)  # and followed as a link
    assert answer is not None and answer.status == 403


@pytest.mark.parametrize("link", [p[1] for p in PAGES[1:]], ids=["data-quality", "reconciliation"])
def test_an_officers_view_with_records_reads_cleanly(page, officer_url, link):
    page.goto(officer_url + link)
    main = check_view(page, "officer_" + link.strip("/").split("?")[0] + "_records", open_details=True)
    assert "This page is for council officers" not in main
    assert page.locator(".ag-row").count() > 0
