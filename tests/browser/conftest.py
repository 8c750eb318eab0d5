"""Browser tests: the real app served on localhost, driven by Debian's Chromium through Playwright.

The app runs in a background process on the sample warehouse (built by the test command before pytest).
Screenshots go to test-artifacts/screenshots/ for people to look at.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.forbidden import forbidden

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Who the browser is: every page opens signed in, as a partner of the sample's council on 127.0.0.1 and as an
# officer on localhost (cookies belong to a host, whatever the port), so a test says who it is by the URL it opens.
PARTNER_HOST, OFFICER_HOST = "127.0.0.1", "localhost"


@pytest.fixture(scope="session")
def app_url(tmp_path_factory) -> str:
    """The app as partners (board, commissioners, NHS) see it."""
    yield from _serve(tmp_path_factory, PARTNER_HOST)


@pytest.fixture(scope="session")
def officer_url(tmp_path_factory) -> str:
    """The app as council officers see it: unsuppressed, with drill-down and caseworkers."""
    yield from _serve(tmp_path_factory, OFFICER_HOST)


@pytest.fixture(scope="session")
def planted_url(tmp_path_factory) -> str:
    """The partner app with the pages tests/planted.py plants to prove the page walk has teeth."""
    yield from _serve(tmp_path_factory, PARTNER_HOST, ("-m", "tests.browser.planted_app"))


def _serve(tmp_path_factory, host: str, command: tuple[str, ...] = ("app.py",), env: dict | None = None,
           warehouse: Path | None = None):
    """Start app.py (or `python command`) in demo mode on the sample warehouse (or `warehouse`), with the settings
    in `env`; yield its URL on `host` (which says who the browser is signed in as); stop it afterwards."""
    warehouse = warehouse or ROOT / "data" / "sample" / "warehouse.duckdb"
    if not warehouse.exists():
        pytest.fail("the sample warehouse is missing: run `python -m data sample` first (scripts/test.sh does)")
    port = _free_port()
    env = {**os.environ, "SEND_WAREHOUSE": str(warehouse), "PORT": str(port), "SEND_AUTH": "demo",
           "SEND_CACHE_DIR": str(tmp_path_factory.mktemp("cache")), **(env or {})}
    log = (tmp_path_factory.mktemp("app") / "app.log").open("w")
    process = subprocess.Popen([sys.executable, *command], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{host}:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}", timeout=1)
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"the app exited: see {log.name}")
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("the app did not start within 60 s")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which("chromium") and not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: scripts/test.sh installs Debian's chromium package")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def signed_in(context):
    """A browser context signed in as a partner on 127.0.0.1 and as an officer on localhost."""
    from tests.identity import session_cookie

    context.add_cookies([{"name": "send_session", "value": session_cookie(role), "domain": host, "path": "/",
                          "httpOnly": True, "sameSite": "Lax"}
                         for role, host in (("partner", PARTNER_HOST), ("officer", OFFICER_HOST))])
    return context


@pytest.fixture()
def page(browser):
    context = signed_in(browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True,
                                            locale="en-GB"))
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def settle(page) -> None:
    """Wait until Dash has drawn the page: no pending callbacks, no loading spinners."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('[data-dash-is-loading=\"true\"]')", timeout=30_000)
    page.wait_for_timeout(300)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    # WCAG 2.x A and AA, and axe's best practices (landmarks, one main and one footer, headings in order).
    # resultTypes: only violations are gathered in full (the passes on a long page took most of the time).
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]})
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} node(s): "
            f"{', '.join(n['target'][0] if isinstance(n['target'][0], str) else str(n['target'][0]) for n in v['nodes'][:3])})"
            for v in results.response["violations"]]


# --- helpers shared by the journey tests -------------------------------------------------------------------

DOWNLOADS = ROOT / "test-artifacts" / "downloads"


def bad_words(page) -> list[str]:
    """Every forbidden word in the page's text (charts' SVG text included), with a little context."""
    return forbidden(page.evaluate("() => document.title + '\\n' + document.body.innerText"))


def repeated_ticks(page) -> list[str]:
    """Charts whose axis shows the same tick label twice (e.g. 0, 0, 1, 1: a scale rounded past its steps)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(plot => {
        const where = (plot.closest('figure') || plot).id || 'a chart';
        return ['xtick', 'ytick'].map(axis => Array.from(plot.querySelectorAll('.' + axis + ' text'))
                                              .map(t => t.textContent))
            .filter(ticks => new Set(ticks).size < ticks.length)
            .map(ticks => where + ': ' + ticks.join(', '));
    })""")


def check_view(page, name: str, *, open_details: bool = False) -> str:
    """Settle, save a screenshot, and assert the view reads cleanly and has no axe-core violations.

    open_details: open every <details> first ("View as table", "Open a ward", ...) so the tables and link
    lists inside are checked too. Every chart is also checked for a repeated axis label. Returns the text of
    <main>.
    """
    settle(page)
    if open_details:
        page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
        page.wait_for_timeout(200)
    screenshot(page, name)
    assert bad_words(page) == [], f"{name}: forbidden words on the page"
    assert repeated_ticks(page) == [], f"{name}: repeated axis labels"
    assert axe_violations(page) == [], f"{name}: axe-core violations"
    return page.locator("main").inner_text()


def query_of(url: str) -> dict[str, str]:
    """The query string of `url` as {key: value} (one value per key)."""
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def table_rows(page, selector: str) -> list[list[str]]:
    """The body rows of the first table inside `selector` (open or not), as lists of cell texts."""
    return page.locator(selector).first.evaluate(
        "(el) => Array.from(el.querySelectorAll('table tbody tr')).map("
        "tr => Array.from(tr.cells).map(c => c.textContent.trim()))")


def crumbs(page) -> list[str]:
    """The breadcrumb trail's labels, in order."""
    return [t.strip() for t in page.locator("nav.breadcrumbs li").all_inner_texts()]


def current_crumb(page) -> str:
    return page.locator("nav.breadcrumbs [aria-current='page']").inner_text().strip()
