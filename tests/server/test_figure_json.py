"""Figures are built without plotly's checks (they cost more than the rest of a page): the same pages built
with the checks on must give exactly the same JSON, so a misspelt property or a bad value still fails here."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest
from dash._utils import to_json

from dashboard.figures import layout as figure_layout
from tests.server import tree
from tests.server.conftest import sample_page_modules

BRISTOL = "E06000023"
VIEWS = [("board", {}), ("commissioners", {}), ("clinic", {}), ("theme", {"theme": "governance"})] + [
    ("indicator", {"indicator_id": indicator, **extra})
    for indicator in ("ehcp_issued_20wk", "ehcp_caseload", "send_in_mainstream", "ks2_rwm_gap_ehcp")
    for extra in ({}, {"breakdown": "need_type"}, {"breakdown": "school"}, {"breakdown": "ward"})]


@pytest.fixture(scope="module")
def pages():
    yield from sample_page_modules()


class CheckedFigure(go.Figure):
    def __init__(self, *args, **kwargs):
        kwargs["_validate"] = True
        super().__init__(*args, **kwargs)


def _drawn(pages, server) -> dict[str, object]:
    with tree.request_as(server):
        return {f"{name} {query}": json.loads(to_json(pages[name].layout(area=BRISTOL, **query)))
                for name, query in VIEWS}


def test_pages_draw_the_same_figures_with_plotly_checks_on(pages, sample_server, monkeypatch):
    fast = _drawn(pages, sample_server)
    monkeypatch.setattr(figure_layout.go, "Figure", CheckedFigure)
    checked = _drawn(pages, sample_server)
    assert sum(json.dumps(page).count('"type": "scatter"') + json.dumps(page).count('"type": "bar"')
               for page in checked.values()) > 20  # the pages do draw charts
    assert [view for view in fast if fast[view] != checked[view]] == []
