"""Signing in and out in a real browser, with the form, over the plain-HTTP loopback address the README's run
command serves on (the session cookie is Secure: browsers keep it for 127.0.0.1 and localhost)."""

from __future__ import annotations

from tests.browser.conftest import axe_violations, screenshot, settle


def test_a_demo_officer_signs_in_with_the_form_and_signs_out(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")  # no cookie: signed out
    page = context.new_page()
    page.goto(app_url + "/clinic?area=E06000023")
    settle(page)
    assert page.get_by_role("link", name="Sign in").is_visible()
    assert "Demo mode" in page.locator(".banner--demo").inner_text()
    page.get_by_role("link", name="Sign in").click()
    settle(page)
    assert axe_violations(page) == []
    screenshot(page, "sign_in")
    page.get_by_label("User name").fill("officer")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    settle(page)
    header = page.locator(".header__account").inner_text()
    assert "Demo officer" in header and "officer in Bristol, City of" in header
    cookie = next(c for c in context.cookies() if c["name"] == "send_session")
    assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in?ended=signed-out")
    settle(page)
    assert "You have signed out." in page.locator("main").inner_text()
    assert page.get_by_role("link", name="Sign in").is_visible()
    page.get_by_label("User name").fill("officer")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/sign-in?failed=1**")
    settle(page)
    assert "do not match an account" in page.locator("main").inner_text()
    context.close()
