"""Kept answers: a page already drawn is served again without drawing it, and only to a request that would
get the very same answer (same body, data, audience, code, settings and day)."""

from __future__ import annotations

import json
import time
from datetime import date

import dash
import pytest

from dashboard.response_cache import answer_key


def _router(path: str, search: str) -> dict:
    """The body the browser posts for a page's content (captured from Chromium)."""
    changed = ["_pages_location.pathname", "_pages_location.search"]
    return {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": changed, "parsedChangedPropsIds": changed}


def test_every_part_of_an_answer_key_matters():
    base = dict(path="/_dash-update-component", body=b'{"a": 1}', version="v1", audience="partner",
                today=date(2026, 1, 15))
    key = answer_key(**base)
    assert answer_key(**base) == key
    for change in (dict(path="/_dash-layout"), dict(body=b'{"a": 2}'), dict(version="v2"),
                   dict(audience="public"), dict(today=date(2026, 1, 16))):
        assert answer_key(**{**base, **change}) != key, change


@pytest.fixture
def board_entry():
    entry = next(p for p in dash.page_registry.values() if p["path"] == "/board")
    drawn = entry["layout"]
    yield entry
    entry["layout"] = drawn


def _broken(**_query):
    raise RuntimeError("drawn again")


def test_a_kept_page_is_served_without_drawing_it_and_nothing_else_is(sample_server, board_entry):
    client = sample_server.test_client()
    body = json.dumps(_router("/board", "?area=E06000023&period=2024"))
    first = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert first.status_code == 200 and b"board" in first.data.lower()

    board_entry["layout"] = _broken  # from now on, drawing the board fails
    again = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert again.status_code == 200 and again.data == first.data  # kept: not drawn

    other = json.dumps(_router("/board", "?area=E06000023&period=2023"))
    assert client.post("/_dash-update-component", data=other, content_type="application/json").status_code == 500

    for role, council in [(None, "E06000023"), ("public", "E06000023"), ("officer", "E06000023"),
                          ("partner", "E10000016")]:  # nobody holding other roles gets the partners' answer
        asked = sample_server.test_client(role=role, council=council).post(
            "/_dash-update-component", data=body, content_type="application/json")
        assert asked.status_code == 500, (role, council)
    another_partner = sample_server.test_client().post("/_dash-update-component", data=body,
                                                        content_type="application/json")
    assert another_partner.data == first.data  # people holding the same roles share it


def test_a_failed_answer_is_never_kept(sample_server, board_entry):
    client = sample_server.test_client()
    body = json.dumps(_router("/board", "?area=E06000023&period=2022"))
    drawn = board_entry["layout"]
    board_entry["layout"] = _broken
    assert client.post("/_dash-update-component", data=body, content_type="application/json").status_code == 500
    board_entry["layout"] = drawn
    answer = client.post("/_dash-update-component", data=body, content_type="application/json")
    assert answer.status_code == 200 and b"board" in answer.data.lower()


def test_people_opening_a_new_view_at_once_share_one_drawing(sample_server, board_entry):
    from concurrent.futures import ThreadPoolExecutor

    from dash import html

    drawings = []

    def slow(**_query):
        drawings.append(1)
        time.sleep(0.5)
        return html.Div("the board")

    board_entry["layout"] = slow
    body = json.dumps(_router("/board", "?area=E06000023&period=2021"))

    def ask(_):
        return sample_server.test_client().post("/_dash-update-component", data=body,
                                                content_type="application/json")

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(ask, range(6)))
    assert [a.status_code for a in answers] == [200] * 6
    assert len({a.data for a in answers}) == 1
    assert len(drawings) == 1


def test_a_kept_download_keeps_its_file_name(sample_server):
    client = sample_server.test_client()
    url = "/download/ehcp_caseload.csv?area=E06000023&breakdown=primary_need"
    first, again = client.get(url), client.get(url)
    assert first.status_code == again.status_code == 200
    assert again.data == first.data and len(first.data) > 100
    assert again.headers["Content-Disposition"] == first.headers["Content-Disposition"]
    assert "attachment" in again.headers["Content-Disposition"] and again.mimetype == first.mimetype
