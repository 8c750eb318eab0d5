"""Every page Dash has registered, opened in Chromium once its callbacks have settled: no failed request or
script error, no forbidden word (tests/forbidden.py) in its text or title, no error notice, the page's language
set, and no axe-core violation of WCAG 2.x A and AA.

The pages are found by walking `dash.page_registry` (tests/walk.py), so a new page is checked without anyone
listing it. The walk runs as partners see the app (every visitor's default) and as officers do (the widest view,
with the sections only officers get); the public view differs from the partner one in its figures only, which
the server walk (tests/server/test_page_walk.py) reads for every audience, and walking it here too would add
about a minute. The planted pages (tests/planted.py), served by their own app, prove the walk catches a
forbidden word and an axe violation.
"""

from __future__ import annotations

import re

import dash
import pytest

from indicators.vocabulary import Audience
from tests import planted, walk
from tests.browser.conftest import axe_violations, bad_words, screenshot, settle

SERVED = {Audience.PARTNER: "app_url", Audience.OFFICER: "officer_url"}  # the fixture serving each audience


@pytest.fixture(scope="module")
def registry():
    """The registry of the app under test: importing it registers every page, as the served app does."""
    import app  # noqa: F401

    return dash.page_registry


@pytest.fixture
def visit(page):
    """visit(url, name): open the URL, let Dash settle, save a screenshot, and return what is wrong with it."""
    failures: list[str] = []
    page.on("pageerror", lambda error: failures.append(f"script error: {error}"))
    page.on("response", lambda r: failures.append(f"{r.status} from {r.url}") if r.status >= 500 else None)

    def _visit(url: str, name: str) -> list[str]:
        failures.clear()
        page.goto(url)
        settle(page)
        screenshot(page, name)
        found = [*failures, *(f"forbidden word in '{w}'" for w in bad_words(page))]
        if page.locator(".notice--error").count():
            found.append("shows an error notice: " + page.locator(".notice--error").first.inner_text()[:200])
        if page.locator("html").get_attribute("lang") != "en-GB":
            found.append("the page's language is not en-GB")
        found += [f"axe {v}" for v in axe_violations(page)]
        return [f"{url}: {f}" for f in found]

    return _visit


def _name(audience: str, url: str) -> str:
    return f"walk_{audience}_" + (re.sub(r"[^\w-]+", "_", url).strip("_") or "home")


@pytest.mark.parametrize("audience", list(SERVED))
def test_every_page_in_chromium(request, registry, visit, audience):
    base = request.getfixturevalue(SERVED[audience])
    found = [f for stop in walk.stops(registry) for f in visit(base + stop.url, _name(audience, stop.url))]
    assert found == []


def test_the_walk_catches_a_forbidden_word_and_an_axe_violation_on_new_pages(registry, planted_url, visit):
    modules = planted.plant()  # as the planted app did, so this registry holds what it serves
    try:
        stops = {s.url: s for s in walk.stops(registry)}
    finally:
        planted.unplant(modules)
    assert planted.WORDS in stops and planted.AXE in stops, "newly registered pages are walked without being listed"
    words = visit(planted_url + planted.WORDS, "walk_planted_words")
    assert len(words) == 1 and "forbidden word" in words[0] and planted.FORBIDDEN_TEXT in words[0], words
    axe = visit(planted_url + planted.AXE, "walk_planted_axe")
    assert len(axe) == 1 and "axe image-alt" in axe[0], axe
