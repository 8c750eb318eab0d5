"""The page shell in a real browser: the keyboard skip link. Every page's language and axe-core checks are in
the page walk (test_page_walk.py)."""

from __future__ import annotations

from tests.browser.conftest import settle


def test_skip_link_is_first_and_moves_focus_to_main(page, app_url):
    page.goto(app_url + "/")
    settle(page)
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
