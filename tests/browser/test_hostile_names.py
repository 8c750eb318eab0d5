"""Hostile names in a real browser: the app on a warehouse whose schools, wards, caseworkers and teams are named
with script, markup and formula payloads (tests/hostile.py), opened as an officer. A dialog handler records any
alert() a payload could raise; the pages must show the payloads as text, run none of them, and the downloaded
CSV and XLSX must hold them neutralised."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from tests import hostile
from tests.browser.conftest import DOWNLOADS, OFFICER_HOST, _serve, settle
from tests.hostile import PAYLOADS

INDICATOR = "ehcp_issued_20wk"
AREA = "E06000023"
SCRIPT, IMG, SVG = PAYLOADS[:3]
# Payloads whose text a reader sees unchanged (white space aside) wherever a name is shown.
SHOWN = [p for p in PAYLOADS if p.strip() == p]


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory, hostile_warehouse):
    yield from _serve(tmp_path_factory, OFFICER_HOST, warehouse=hostile_warehouse)


@pytest.fixture()
def watched(page):
    """The page, with every dialog recorded (and dismissed) and every uncaught page error kept."""
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(f"{dialog.type}: {dialog.message}"), dialog.dismiss()))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.dialogs, page.errors = dialogs, errors
    yield page
    assert dialogs == [], f"a payload ran: {dialogs}"


def _open(page, url: str) -> str:
    """Open a view, settle, open every <details> (tables, link lists) and return the text a reader sees."""
    page.goto(url)
    settle(page)
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.wait_for_timeout(200)
    return page.evaluate("() => document.body.innerText")


def _planted(page) -> list[str]:
    """Elements a payload would have created had it been parsed as markup."""
    return page.evaluate("""() => [
        ...Array.from(document.querySelectorAll('script')).filter(s => /alert\\(/.test(s.textContent)).map(() => 'script'),
        ...Array.from(document.querySelectorAll('img[src="x"], [onerror], [onload]')).map(e => e.outerHTML.slice(0, 80)),
        ...Array.from(document.querySelectorAll('a[href]')).filter(a => /^\\s*javascript:/i.test(a.getAttribute('href')))
            .map(a => a.outerHTML.slice(0, 80)),
    ]""")


def _hover_points(page, chart: str) -> list[str]:
    """Focus a chart, hover its first points with the mouse, then every point of every trace through plotly's
    own hover (a mouse far down a long page loses plotly's hover after a scroll); the hover labels' text."""
    graph = page.locator(f"{chart} .js-plotly-plot").first
    graph.scroll_into_view_if_needed()
    graph.focus()
    labels = []
    points = page.locator(f"{chart} .point, {chart} .textpoint")
    for i in range(min(points.count(), 3)):
        points.nth(i).hover(force=True)
        page.wait_for_timeout(50)
        labels.append(graph.locator(".hoverlayer").evaluate("layer => layer.textContent"))
    # the points whose hover text names a payload (escaped for plotly's markup), hovered one at a time: plotly
    # ignores a hover within 50 ms of the last
    wanted = [p.replace("<", "&lt;") for p in SHOWN]
    targets = graph.evaluate("""(gd, wanted) => gd.data.flatMap((trace, curve) =>
        Array.from(trace.hovertext || trace.text || [], (text, point) => [curve, point, String(text)]))
        .filter(([, , text]) => wanted.some(w => text.includes(w))).map(([curve, point]) => [curve, point])""",
                             wanted)
    for curve, point in targets:
        graph.evaluate("(gd, at) => Plotly.Fx.hover(gd, [{curveNumber: at[0], pointNumber: at[1]}])", [curve, point])
        page.wait_for_timeout(70)
        labels.append(graph.locator(".hoverlayer").evaluate("layer => layer.textContent"))
    return labels


def _charts(page) -> list[str]:
    """A selector for each chart on the page."""
    return ["#" + i for i in page.evaluate("""() => Array.from(document.querySelectorAll('[id^="chart-"]'))
        .filter(e => e.querySelector('.js-plotly-plot')).map(e => e.id)""")]


def _hovered(labels: list[str]) -> set[str]:
    """The payloads that a hover label showed as text."""
    return {p for p in SHOWN for label in labels if p in label}


def _url(base: str, path: str, **query: str) -> str:
    return f"{base}{path}?{urlencode({'area': AREA, **query})}"


def _assert_shown(text: str, payloads: list[str]) -> None:
    flat = " ".join(text.split())
    missing = [p for p in payloads if " ".join(p.split()) not in flat]
    assert missing == [], f"not on the page as text: {missing}"


def test_the_dialog_handler_sees_a_script_that_runs(watched, hostile_url):
    """The watch has teeth: an alert() that does run is recorded."""
    page = watched
    _open(page, _url(hostile_url, f"/indicator/{INDICATOR}", breakdown="ward"))
    page.evaluate("() => alert('probe')")
    assert page.dialogs == ["alert: probe"]
    page.dialogs.clear()


def test_indicator_by_ward_school_and_caseworker_shows_payloads_as_text(watched, hostile_url):
    page = watched
    for breakdown, chart in (("ward", "#chart-breakdown-ward"), ("school", "#chart-funnel"),
                             ("caseworker", "#chart-breakdown-caseworker"), ("team", "#chart-breakdown-team")):
        text = _open(page, _url(hostile_url, f"/indicator/{INDICATOR}", breakdown=breakdown))
        _assert_shown(text, SHOWN)
        labels = _hover_points(page, chart)
        assert _hovered(labels), (breakdown, labels[:8])
        assert _planted(page) == [], breakdown
        assert page.dialogs == [], breakdown
    # the ward map's tiles carry the names too: hover them all
    _open(page, _url(hostile_url, f"/indicator/{INDICATOR}", breakdown="ward"))
    tiles = _hover_points(page, "#chart-ward-map")
    assert _hovered(tiles), tiles[:8]
    assert page.dialogs == [] and _planted(page) == []


def test_drilling_into_a_hostile_ward_and_school(watched, hostile_url):
    page = watched
    _open(page, _url(hostile_url, f"/indicator/{INDICATOR}", breakdown="ward"))
    wards = page.locator("details", has=page.locator("summary", has_text="Open a ward"))
    link = wards.get_by_role("link", name=SCRIPT, exact=True)
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"[?&]ward="))
    settle(page)
    assert page.locator("#drill").inner_text().strip() == f"Ward: {SCRIPT}"
    assert page.dialogs == [] and _planted(page) == []

    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    schools = page.locator("details", has=page.locator("summary", has_text="Open a school or setting"))
    names = [t.strip() for t in schools.locator("a").all_inner_texts()]
    hostile_school = next((n for n in names if n in SHOWN), None)
    assert hostile_school, f"no payload school in the ward: {names[:10]}"
    schools.get_by_role("link", name=hostile_school, exact=True).click()
    page.wait_for_url(re.compile(r"[?&]school="))
    settle(page)
    assert page.locator("#drill").inner_text().strip() == f"School or setting: {hostile_school}"
    for chart in _charts(page):
        _hover_points(page, chart)
    assert page.dialogs == [] and _planted(page) == []


def test_the_clinic_names_hostile_teams_and_caseworkers_as_text(watched, hostile_url):
    page = watched
    text = _open(page, _url(hostile_url, "/clinic"))
    _assert_shown(text, SHOWN)
    for chart in ("#clinic-team", "#clinic-caseworker"):
        assert _hovered(_hover_points(page, chart)), chart
    assert page.dialogs == [] and _planted(page) == []


@pytest.mark.parametrize("breakdown", ["ward", "school", "caseworker"])
def test_the_data_book_grid_and_its_downloads(watched, hostile_url, breakdown):
    page = watched
    _open(page, _url(hostile_url, "/data-book", indicator=INDICATOR, breakdown=breakdown))
    grid = page.locator("#databook-grid")
    grid.get_by_role("textbox", name="Breakdown Filter Input").fill(
        {"ward": "Ward", "school": "School", "caseworker": "Caseworker"}[breakdown])
    cells = []
    for payload in SHOWN:  # the grid's own filter finds each payload name, drawn as text in a cell
        box = grid.get_by_role("textbox", name="Group Filter Input")
        box.fill(payload)
        cell = grid.locator(".ag-center-cols-container [col-id='group']").filter(has_text=payload).first
        cell.wait_for(timeout=5000)
        cells.append(cell.inner_text().strip())
    assert set(SHOWN) <= set(cells), sorted(set(SHOWN) - set(cells))
    assert page.dialogs == [] and _planted(page) == []

    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    files = {}
    for ext, name in (("csv", "CSV (comma-separated values)"), ("xlsx", "Excel workbook, with definitions and symbols")):
        with page.expect_download() as info:
            page.get_by_role("link", name=name).click()
        path = DOWNLOADS / f"hostile_{breakdown}.{ext}"
        info.value.save_as(path)
        files[ext] = path.read_bytes()
    wanted = {hostile.neutralised(p, breakdown) for p in PAYLOADS}
    csv_cells = hostile.csv_cells(files["csv"])
    assert hostile.live_csv_cells(csv_cells) == []
    assert wanted <= set(csv_cells), sorted(wanted - set(csv_cells))
    xlsx_cells = hostile.xlsx_cells(files["xlsx"])
    assert hostile.live_xlsx_cells(xlsx_cells) == []
    assert wanted <= {v for _, v, _ in xlsx_cells if isinstance(v, str)}
    assert page.dialogs == []
