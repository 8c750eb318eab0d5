"""Every page Dash has registered, laid out on the sample warehouse for every audience and read as a reader
would: no forbidden word (tests/forbidden.py) in its text, labels, chart text or title, no error notice, one H1.

The pages are found by walking `dash.page_registry` (tests/walk.py), so a new page is checked without anyone
listing it; the planted pages (tests/planted.py) prove the walk catches what it is for.
"""

from __future__ import annotations

import dash
import pytest

from tests import planted, walk
from tests.forbidden import forbidden
from tests.server.tree import find, layout, texts


@pytest.fixture(scope="module")
def server(sample_server):
    return sample_server


def problems(server, stop: walk.Stop, role: str | None = "partner") -> list[str]:
    """What is wrong with one page as laid out: forbidden words, an error notice (a default or a fill value
    that no longer works), or other than one H1."""
    try:
        tree = layout(server, stop.path, as_role=role, **stop.variables)
        title = dash.page_registry[stop.module]["title"]
        title = title(**stop.variables) if callable(title) else title
    except Exception as exc:  # noqa: BLE001 - a page that fails is reported with the rest
        return [f"{stop.url}: the layout raised {exc!r}"]
    out = [f"{stop.url}: forbidden word in '{words}'" for words in forbidden("\n".join([title, *texts(tree)]))]
    if find(tree, lambda n: "notice--error" in (getattr(n, "className", None) or "")):
        out.append(f"{stop.url}: shows an error notice: {' '.join(texts(tree))[:300]}")
    headings = len(find(tree, lambda n: type(n).__name__ == "H1"))
    if headings != 1:
        out.append(f"{stop.url}: {headings} H1 headings")
    return out


def test_the_walk_opens_every_registered_page(server):
    stops = walk.stops()
    assert {s.module for s in stops} == set(dash.page_registry)
    templated = [p for p in dash.page_registry.values() if p.get("path_template")]
    assert len(stops) == len(dash.page_registry) + len(templated)  # a templated page at its index and filled


@pytest.mark.parametrize("audience", walk.AUDIENCES)
def test_every_page_reads_cleanly(server, audience):
    found = [p for stop in walk.stops() for p in problems(server, stop, audience)]
    assert found == []


# --- the walk's teeth ----------------------------------------------------------------------------------------

@pytest.fixture
def plant(server):
    """Plant pages in the app (fresh for this module) and take them out again afterwards."""
    modules: list[str] = []

    def _plant(**kwargs) -> None:
        modules.extend(planted.plant(**kwargs))

    yield _plant
    planted.unplant(modules)


def test_the_walk_catches_a_forbidden_word_on_a_new_page(server, plant):
    plant()
    stops = {s.url: s for s in walk.stops()}
    assert planted.WORDS in stops, "a newly registered page is walked without being listed"
    found = problems(server, stops[planted.WORDS])
    assert len(found) == 1 and "forbidden word" in found[0] and planted.FORBIDDEN_TEXT in found[0]
    assert problems(server, stops[planted.AXE]) == []  # the axe page breaks a rule only a browser can see


def test_the_walk_refuses_a_templated_page_with_no_fill_value(server, plant):
    plant(templated=True)
    with pytest.raises(walk.Unfilled, match=r"no fill value: \['/planted/<thing>'\]"):
        walk.stops()


def test_the_walk_refuses_a_fill_value_for_a_page_that_has_gone(monkeypatch):
    monkeypatch.setitem(walk.FILLS, "/gone/<thing>", {"thing": "x"})
    with pytest.raises(walk.Unfilled, match=r"fill values for no page: \['/gone/<thing>'\]"):
        walk.stops()
