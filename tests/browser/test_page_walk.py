"""Every page Dash has registered, opened in Chromium once its callbacks have settled: no failed request or
script error, no request or script the Content-Security-Policy refused (`dashboard/security.py`), every chart
drawn, no forbidden word (tests/forbidden.py) in its text or title, no error notice, the page's language set, and
no axe-core violation of WCAG 2.x A and AA.

The pages are found by walking `dash.page_registry` (tests/walk.py), so a new page is checked without anyone
listing it. The walk runs as partners see the app (every visitor's default) and as officers do (the widest view,
with the sections only officers get); the public view differs from the partner one in its figures only, which
the server walk (tests/server/test_page_walk.py) reads for every audience, and walking it here too would add
about a minute. The planted pages (tests/planted.py), served by their own app, prove the walk catches a
forbidden word, an axe violation and a request the Content-Security-Policy refuses.
"""

from __future__ import annotations

import json
import re

import dash
import pytest

from indicators.vocabulary import Audience
from tests import planted, walk
from tests.browser.conftest import axe_violations, bad_words, screenshot, settle

WARD_AREA = "E06000023"  # the sample council
SERVED = {Audience.PARTNER: "app_url", Audience.OFFICER: "officer_url"}  # the fixture serving each audience


@pytest.fixture(scope="module")
def registry():
    """The registry of the app under test: importing it registers every page, as the served app does."""
    import app  # noqa: F401

    return dash.page_registry


# Every refusal by the Content-Security-Policy, kept by the page from its first script on.
CSP_LISTENER = """window.__refused = [];
document.addEventListener('securitypolicyviolation', e => window.__refused.push(
    `${e.effectiveDirective} refused ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`));"""


def _failed(response) -> bool:
    """A server error, or a callback or layout request refused (a callback body the server judged malformed)."""
    return response.status >= 500 or (response.status >= 400 and "/_dash-" in response.url)


def refused_by_policy(page) -> list[str]:
    return [f"Content-Security-Policy: {v}" for v in page.evaluate("() => window.__refused || []")]


def undrawn_charts(page) -> list[str]:
    """Each dcc.Graph plotly did not draw (no SVG in it)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('.dash-graph'))
        .filter(g => !g.querySelector('svg.main-svg'))
        .map(g => 'chart not drawn: ' + ((g.closest('figure') || g).id || g.id || 'a chart'))""")


@pytest.fixture
def visit(page):
    """visit(url, name): open the URL, let Dash settle, save a screenshot, and return what is wrong with it."""
    failures: list[str] = []
    page.add_init_script(CSP_LISTENER)
    page.on("pageerror", lambda error: failures.append(f"script error: {error}"))
    page.on("response", lambda r: failures.append(f"{r.status} from {r.url}") if _failed(r) else None)
    page.on("console", lambda m: failures.append(f"console: {m.text[:200]}")
            if "Content Security Policy" in m.text or "Permissions-Policy" in m.text else None)

    def _visit(url: str, name: str) -> list[str]:
        failures.clear()
        page.goto(url)
        settle(page)
        screenshot(page, name)
        found = [*failures, *refused_by_policy(page), *undrawn_charts(page),
                 *(f"forbidden word in '{w}'" for w in bad_words(page))]
        if page.locator(".notice--error").count():
            found.append("shows an error notice: " + page.locator(".notice--error").first.inner_text()[:200])
        if page.locator("html").get_attribute("lang") != "en-GB":
            found.append("the page's language is not en-GB")
        found += [f"axe {v}" for v in axe_violations(page)]
        return [f"{url}: {f}" for f in found]

    return _visit


def _name(audience: str, url: str) -> str:
    return f"walk_{audience}_" + (re.sub(r"[^\w-]+", "_", url).strip("_") or "home")


def drawn_charts(page) -> int:
    return page.locator(".dash-graph svg.main-svg").count()


@pytest.mark.parametrize("audience", list(SERVED))
def test_every_page_in_chromium(request, registry, page, visit, audience):
    base = request.getfixturevalue(SERVED[audience])
    found = []
    for stop in walk.stops(registry):
        found += visit(base + stop.url, _name(audience, stop.url))
        registered = registry[stop.module]
        charted = registered.get("charts") and (stop.variables or not registered.get("path_template"))
        if charted and not drawn_charts(page):  # (a templated page's own path is its index, without charts)
            found.append(f"{stop.url}: a page with charts drew none")
    assert found == []


@pytest.fixture(scope="module")
def boundaries_url(tmp_path_factory):
    """The partner app with ward boundaries (SEND_WARD_GEOJSON): the ward map is then a choropleth, drawn by the
    full plotly.js bundle dcc.Graph fetches. The boundaries are squares, one per current ward of the sample
    council (its code and name, as a council's file carries them), from the sample warehouse."""
    import duckdb

    from tests.browser.conftest import PARTNER_HOST, ROOT, _serve

    with duckdb.connect(str(ROOT / "data" / "sample" / "warehouse.duckdb"), read_only=True) as con:
        wards = con.execute("SELECT ward_code, ward_name FROM dim_ward WHERE lad_code = $area AND is_current "
                            "ORDER BY ward_code", {"area": WARD_AREA}).fetchall()
    features = []
    for i, (code, name) in enumerate(wards):
        x, y = -2.7 + (i % 6) * 0.02, 51.4 + (i // 6) * 0.02
        ring = [[x, y], [x, y + 0.02], [x + 0.02, y + 0.02], [x + 0.02, y], [x, y]]
        features.append({"type": "Feature", "id": code, "properties": {"name": name},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    path = tmp_path_factory.mktemp("wards") / "wards.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    for url in _serve(tmp_path_factory, PARTNER_HOST, env={"SEND_WARD_GEOJSON": str(path)}):
        yield len(wards), url


def test_the_ward_map_from_boundaries_keeps_to_the_policy(boundaries_url, page, visit):
    """The full plotly.js bundle needs nothing the policy refuses (no eval), and draws every ward: plotly's
    world outline, which it would fetch from cdn.plot.ly, is stood in for by assets/plotly-geo.js."""
    wards, base = boundaries_url
    bundles = []
    page.on("request", lambda r: bundles.append(r.url) if "plotly" in r.url and r.url.endswith(".js") else None)
    found = visit(f"{base}/indicator/ehcp_caseload?area={WARD_AREA}&breakdown=ward", "walk_ward_boundaries")
    assert found == []
    assert any("package_data/plotly.min.js" in url for url in bundles), bundles
    assert not any("plotly-basic" in url for url in bundles), bundles
    assert wards >= 30 and page.locator("#chart-ward-map .choroplethlayer path").count() == wards


def test_the_walk_catches_a_forbidden_word_an_axe_violation_and_a_policy_refusal_on_new_pages(registry, planted_url, visit):
    modules = planted.plant()  # as the planted app did, so this registry holds what it serves
    try:
        stops = {s.url: s for s in walk.stops(registry)}
    finally:
        planted.unplant(modules)
    assert {planted.WORDS, planted.AXE, planted.CSP} <= stops.keys(), "new pages are walked without being listed"
    words = visit(planted_url + planted.WORDS, "walk_planted_words")
    assert len(words) == 1 and "forbidden word" in words[0] and planted.FORBIDDEN_TEXT in words[0], words
    axe = visit(planted_url + planted.AXE, "walk_planted_axe")
    assert len(axe) == 1 and "axe image-alt" in axe[0], axe
    refused = visit(planted_url + planted.CSP, "walk_planted_csp")
    assert refused and all("Content Security Policy" in f or "Content-Security-Policy" in f for f in refused), refused
    assert any(f"img-src refused {planted.ELSEWHERE}" in f for f in refused), refused
