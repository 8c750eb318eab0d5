"""Every chart on every page has an accessible name and is described by its written summary: the name and the
description are the ones Chromium's accessibility tree gives a screen reader (read over the DevTools protocol),
the `aria-describedby` id is on the page once, and the summary it points to holds text.

The pages are the page walk's (tests/walk.py, every registered page) as an officer sees them (the widest view),
and every breakdown of an indicator, each of which draws its own charts."""

from __future__ import annotations

import dash
import pytest

from tests import walk
from tests.browser.conftest import settle

INDICATOR = "/indicator/ehcp_issued_20wk"

# Each drawn chart: the element that carries its accessible role, its described-by id, and what that id holds.
GRAPHS = """() => Array.from(document.querySelectorAll('.dash-graph')).map((graph, i) => {
    const image = graph.closest('[role="img"]');
    const described = image && image.getAttribute('aria-describedby');
    const targets = described ? described.split(/\\s+/).map(id => document.querySelectorAll('[id="' + id + '"]')) : [];
    return {index: i, where: (graph.closest('figure') || graph.closest('li') || graph).id || graph.id || 'a chart',
            role: image ? 'img' : null, described,
            copies: targets.map(found => found.length),
            text: targets.map(found => found.length ? found[0].textContent.trim() : '').join(' ')};
})"""


@pytest.fixture(scope="module")
def registry():
    import app  # noqa: F401  (importing it registers every page)

    return dash.page_registry


def accessible(cdp, index: int) -> dict[str, str]:
    """The role, name and description Chromium computed for the element holding chart `index`'s role."""
    found = cdp.send("Runtime.evaluate", {"expression": f"document.querySelectorAll('.dash-graph')[{index}]"
                                                        ".closest('[role=\"img\"]')"})
    node = cdp.send("Accessibility.getPartialAXTree", {"objectId": found["result"]["objectId"],
                                                       "fetchRelatives": False})["nodes"][0]
    return {key: (node.get(key) or {}).get("value", "") for key in ("role", "name", "description")}


def problems(page, cdp, url: str) -> tuple[int, list[str]]:
    """How many charts the page drew, and what is wrong with their names and descriptions."""
    found = []
    graphs = page.evaluate(GRAPHS)
    for graph in graphs:
        where = f"{url} {graph['where']}"
        if graph["role"] is None:
            found.append(f"{where}: the graph is in no element with role img")
            continue
        if not graph["described"]:
            found.append(f"{where}: no aria-describedby")
        elif graph["copies"] != [1] * len(graph["copies"]):
            found.append(f"{where}: aria-describedby '{graph['described']}' is on the page {graph['copies']} times")
        elif not graph["text"]:
            found.append(f"{where}: its summary '{graph['described']}' holds no text")
        tree = accessible(cdp, graph["index"])
        if tree["role"] != "image" or not tree["name"].strip():
            found.append(f"{where}: the accessibility tree gives it role '{tree['role']}', name '{tree['name']}'")
        if graph["text"] and tree["description"] != " ".join(graph["text"].split()):
            found.append(f"{where}: described as '{tree['description'][:80]}', not by its summary")
    return len(graphs), found


def test_every_chart_is_named_and_described_by_its_summary(registry, page, officer_url):
    cdp = page.context.new_cdp_session(page)
    urls = [stop.url for stop in walk.stops(registry)]
    page.goto(officer_url + INDICATOR)
    settle(page)
    urls += [a.get_attribute("href") for a in page.locator("nav[aria-label='Breakdowns'] a").all()]
    found, drawn = [], {}
    for url in urls:
        page.goto(officer_url + url)
        settle(page)
        drawn[url], wrong = problems(page, cdp, url)
        found += wrong
    assert found == []
    # The walk reached the charts: the board's sparklines, the indicator's trend and each breakdown's charts.
    assert drawn["/board"] >= 12 and drawn[INDICATOR] >= 3, drawn
    assert sum(drawn.values()) >= 100, drawn
