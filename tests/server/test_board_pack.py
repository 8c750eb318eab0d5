"""The board pack: the print page, the standalone document it prints from, and the PDF made by headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import dash
import pytest
from dash import dcc, html

from dashboard import pdf
from tests.server import tree

CHROMIUM = Path(pdf.CHROMIUM)


@pytest.fixture(scope="module")
def server(sample_server):
    return sample_server


def _page(server, **query):
    entry = next(p for p in dash.page_registry.values() if p["path"] == "/board-pack")
    with tree.request_as(server, "/board-pack"):
        return entry["layout"](**query)


def test_print_page_has_the_cover_narrative_headlines_and_charts(server):
    page = _page(server, area="E06000023", period="2024")
    text = tree.text(page)
    assert "SEND board pack: Bristol, City of" in text
    assert "Figures available at the end of 2024" in text
    assert "Partners: board, commissioners and NHS" in text
    assert "Synthetic data." in text  # the sample's local records are synthetic
    assert "What is going well" in text and "What needs attention" in text
    assert "Headline measures" in text and "Key charts" in text
    assert "Open Government Licence v3.0" in text
    for word in ("None", "nan", "NaN", "Traceback"):
        assert f" {word} " not in f" {text} "


def test_pdf_link_carries_area_and_period(server):
    page = _page(server, area="E06000023", period="2024")
    stack, links = [page], []
    while stack:
        node = stack.pop()
        if isinstance(node, list | tuple):
            stack.extend(node)
        elif hasattr(node, "to_plotly_json"):
            if getattr(node, "_type", "") == "A":
                links.append(node.href)
            stack.append(getattr(node, "children", None))
    assert "/board-pack.pdf?area=E06000023&period=2024" in links


def test_standalone_document_escapes_text_and_keeps_only_safe_links():
    content = html.Div([
        html.H1("<script>alert('x')</script>"),
        html.A("evil", href="javascript:alert(1)"),
        html.A("fine", href="/dictionary?q=a&b"),
        html.P("Tom & Jerry", className='x" onmouseover="bad'),
        dcc.Graph(figure={"data": [{"type": "bar", "x": ["</script><b>"], "y": [1]}], "layout": {}},
                  style={"height": "200px"}),
    ])
    document = pdf.to_html(content, title="T & <T>")
    body = document.split("<body", 1)[1].split("<script", 1)[0]
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    assert "javascript:" not in body
    assert 'href="/dictionary?q=a&amp;b"' in body
    assert "Tom &amp; Jerry" in body and 'onmouseover="bad' not in body
    assert "</script><b>" not in document  # the figure's data cannot close its script element
    assert "<title>T &amp; &lt;T&gt;</title>" in document
    assert 'id="pack-plot-0" style="height: 200px"' in body


def test_missing_chromium_gives_a_clear_message(server, monkeypatch):
    monkeypatch.setenv("SEND_CHROMIUM", "/nowhere/chromium")
    response = server.test_client().get("/board-pack.pdf?area=E06000023")
    assert response.status_code == 503
    assert response.mimetype == "text/plain"
    assert "Chromium is not installed" in response.get_data(as_text=True)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium "
                                                   "(apt-get install chromium), so no PDF can be made")
def test_board_pack_pdf_is_made(server):
    response = server.test_client().get("/board-pack.pdf?area=E06000023&period=2024")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert len(response.data) > 10_000
    assert response.headers["Content-Disposition"] == \
        'inline; filename="send-board-pack_E06000023_2024_partner.pdf"'
    pages = [int(n) for n in re.findall(rb"/Count (\d+)", response.data)]
    assert max(pages) >= 3  # cover, summary and headlines, charts
    # Tagged (its headings, lists and tables in a structure tree a screen reader reads) and with bookmarks.
    assert b"/StructTreeRoot" in response.data and b"/MarkInfo" in response.data and b"/Outlines" in response.data


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")
def test_pdf_is_made_from_a_thread_that_runs_an_event_loop():
    """An async worker (or a Playwright session already open in the same thread, as in the browser tests) must
    not stop the PDF: Playwright's sync API refuses to start inside a running event loop."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    document = ('<html><body data-charts="drawn"><h1>Board pack</h1><p>One page.</p></body></html>')

    async def inside_a_loop() -> bytes:
        return pdf.render_pdf(document, footer="test")

    # A thread of the test's own, so its loop is the only one there (the browser tests may hold this one's).
    with ThreadPoolExecutor(max_workers=1) as pool:
        made = pool.submit(asyncio.run, inside_a_loop()).result()
    assert made.startswith(b"%PDF")
