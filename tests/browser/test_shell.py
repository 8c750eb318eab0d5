"""The page shell in a real browser: keyboard skip link, language, no accessibility violations."""

from __future__ import annotations

import pytest

from tests.browser.conftest import axe_violations, screenshot, settle

SHELL_PAGES = ["/", "/accessibility", "/about-the-data"]


@pytest.mark.parametrize("path", SHELL_PAGES)
def test_shell_pages_have_no_axe_violations(page, app_url, path):
    page.goto(app_url + path)
    settle(page)
    screenshot(page, "shell" + path.replace("/", "_"))
    assert page.locator("html").get_attribute("lang") == "en-GB"
    assert axe_violations(page) == []


def test_skip_link_is_first_and_moves_focus_to_main(page, app_url):
    page.goto(app_url + "/")
    settle(page)
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.textContent")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
