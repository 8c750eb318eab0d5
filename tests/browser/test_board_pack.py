"""The board pack: the print page for a chosen council and period, and its PDF through the page's own link."""

from __future__ import annotations

import re

from tests.browser.conftest import ROOT, check_view, query_of

PDF_DIR = ROOT / "test-artifacts"


def test_board_pack_page_and_pdf(page, app_url):
    page.goto(app_url + "/board-pack?area=E06000023")
    main = check_view(page, "board_pack_bristol")
    assert page.get_by_role("heading", level=1).inner_text() == "SEND board pack: Bristol, City of"
    assert "Contains public sector information licensed under the Open Government Licence v3.0." in main
    headline = page.locator("table", has=page.locator("caption", has_text="The board's headline measures"))
    assert headline.locator("tbody tr").count() == 12
    for heading in ("What is going well", "What needs attention", "Key charts"):
        assert page.get_by_role("heading", name=heading).count() >= 1, heading

    # The PDF, fetched through the page's link.
    link = page.get_by_role("link", name="Download the board pack as a PDF")
    href = link.get_attribute("href")
    assert href.startswith("/board-pack.pdf?") and query_of(href) == {"area": "E06000023"}
    response = page.request.get(app_url + href, timeout=90_000)
    assert response.status == 200, response.text()[:300]
    assert response.headers["content-type"] == "application/pdf"
    assert "E06000023" in response.headers["content-disposition"]
    body = response.body()
    PDF_DIR.mkdir(parents=True, exist_ok=True)
    (PDF_DIR / "board-pack_E06000023.pdf").write_bytes(body)
    assert body.startswith(b"%PDF-")
    assert len(body) > 10_000, f"only {len(body)} bytes"
    assert b"/Title (SEND board pack: Bristol, City of)" in body, "the document is titled for its council"
    pages = len(re.findall(rb"/Type\s*/Page\b", body))
    assert pages >= 2, f"{pages} page(s)"

    # Another council and year through the pack's own choices: the page and its PDF link follow.
    page.get_by_role("combobox", name=re.compile("^Area")).select_option(label="Kent")
    page.get_by_role("combobox", name=re.compile("^Period")).select_option(label="Figures available at the end of 2024")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"area=E10000016"))
    check_view(page, "board_pack_kent_2024")
    assert query_of(page.url) == {"area": "E10000016", "period": "2024"}
    assert page.get_by_role("heading", level=1).inner_text() == "SEND board pack: Kent"
    href = page.get_by_role("link", name="Download the board pack as a PDF").get_attribute("href")
    assert query_of(href) == {"area": "E10000016", "period": "2024"}
