"""Reflow (WCAG 2.2 1.4.10): at 320 CSS px wide, and at 1280 px zoomed to 400% (the same 320 CSS px, four device
pixels to each), no main page scrolls sideways. A table wider than that scrolls within its own box, which a
keyboard can reach and a screen reader names (`dashboard.components.scrolling`); the page itself never does.

Opened as an officer (localhost), the widest view: caseworkers' columns, the officers' own pages."""

from __future__ import annotations

import pytest

from tests.browser.conftest import settle, signed_in

PAGES = ["/", "/board", "/clinic", "/commissioners", "/region", "/data-book", "/indicator/ehcp_issued_20wk",
         "/indicator/ehcp_caseload?breakdown=ward", "/casework", "/data-quality", "/reconciliation", "/sign-in",
         "/about-the-data", "/accessibility", "/theme/governance", "/dictionary", "/coverage", "/board-pack"]

# (viewport, device pixels per CSS pixel): a 320 px wide window, and 1280 x 900 at 400% zoom.
SCREENS = {"320px": ({"width": 320, "height": 640}, 1), "1280px-at-400%": ({"width": 320, "height": 225}, 4)}

# Everything that reaches past the right edge of the window, unless a box that scrolls or clips it ends inside it;
# and every box that scrolls sideways but is not a named region the keyboard can reach. AG Grid (the data book's
# and the officers' record grids) scrolls its own cells as the arrow keys move between them, so it is left to it.
FINDINGS = """() => {
    const width = document.documentElement.clientWidth;
    const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    const past = [], unreachable = [];
    for (const el of document.body.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.width > 0 && box.right > width + 0.5) {
            let held = false;
            for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
                if (getComputedStyle(up).overflowX !== 'visible' && up.getBoundingClientRect().right <= width + 0.5) {
                    held = true;
                    break;
                }
            }
            if (!held) past.push(`${describe(el)} reaches ${Math.round(box.right)} px`);
        }
        const style = getComputedStyle(el);
        if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1
                && !el.closest('.ag-root-wrapper')) {
            const named = el.getAttribute('role') === 'region' &&
                (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'));
            if (el.tabIndex < 0 || !named) unreachable.push(`${describe(el)} scrolls but is not a named, focusable region`);
        }
    }
    return {scroll: document.documentElement.scrollWidth, client: width, past: past.slice(0, 5), unreachable};
}"""


@pytest.mark.parametrize("screen", list(SCREENS))
def test_no_main_page_scrolls_sideways(browser, officer_url, screen):
    viewport, scale = SCREENS[screen]
    context = signed_in(browser.new_context(viewport=viewport, device_scale_factor=scale, locale="en-GB"))
    page = context.new_page()
    page.set_default_timeout(30_000)
    found = []
    for path in PAGES:
        page.goto(officer_url + path)
        settle(page)
        seen = page.evaluate(FINDINGS)
        assert seen["client"] == 320, f"{path}: the window is {seen['client']} CSS px wide"
        if seen["scroll"] > seen["client"]:
            found.append(f"{path}: the page is {seen['scroll']} px wide in a {seen['client']} px window: "
                         f"{'; '.join(seen['past'])}")
        found += [f"{path}: {what}" for what in seen["past"] if seen["scroll"] <= seen["client"]]
        found += [f"{path}: {what}" for what in seen["unreachable"]]
    context.close()
    assert found == []
