"""Hostile names through the real app (Flask test client) on a warehouse whose schools, wards, caseworkers and
teams are named with script, markup and spreadsheet-formula payloads (tests/hostile.py), and SQL-injection text
in every filter of every page and download.

A payload must reach the reader as inert text: in Dash's JSON a string child or a plain attribute, never inside
`dangerouslySetInnerHTML`, a Markdown component or a link's href; in chart text escaped before plotly's own
markup sees it; in a CSV or XLSX cell with an apostrophe before a leading = + - @ tab or CR. Each check also
finds the payloads themselves, so it cannot pass by the names being absent.
"""

from __future__ import annotations

import importlib
import json
import re
from urllib.parse import urlencode

import pytest

from dashboard.warm import page_request
from tests import hostile
from tests.hostile import PAYLOADS, stored
from tests.identity import client_as
from tests.server.conftest import forget_engines

INDICATOR = "ehcp_issued_20wk"  # a local percentage broken down by ward, school, team and caseworker
AREA = "E06000023"
KINDS = ("ward", "school", "team", "caseworker")

# Dash components that would put text into the page as markup.
MARKUP_PROPS = ("dangerouslySetInnerHTML", "dangerously_allow_html", "dangerously_allow_code")
# Plotly draws these with its own small markup language (dashboard.figures.layout escapes them): the only
# tags in them may be the few the figures write themselves.
CHART_TEXT = ("text", "hovertext", "ticktext", "y", "x", "name", "title", "categoryarray", "hovertemplate",
              "texttemplate")
CHART_TAG = re.compile(r"<\s*/?\s*([A-Za-z][\w-]*)")
CHART_TAGS_WRITTEN = {"b", "br", "extra"}


@pytest.fixture(scope="module")
def server(hostile_warehouse, tmp_path_factory):
    """A fresh app on the hostile warehouse, private cache."""
    patch = pytest.MonkeyPatch()
    patch.setenv("SEND_WAREHOUSE", str(hostile_warehouse))
    patch.setenv("SEND_CACHE_DIR", str(tmp_path_factory.mktemp("hostile-cache")))
    forget_engines()
    import app

    module = importlib.reload(app)
    yield module.server
    forget_engines()
    patch.undo()


@pytest.fixture(scope="module")
def officer(server):
    return client_as(server, "officer")


@pytest.fixture(scope="module")
def partner(server):
    return client_as(server, "partner")


def content(client, path: str, query: dict[str, str]) -> tuple[int, object]:
    """A page's content as the browser asks for it (the pages callback), and its JSON."""
    search = "?" + urlencode(query) if query else ""
    response = client.post("/_dash-update-component", data=json.dumps(page_request(path, search)),
                           content_type="application/json")
    return response.status_code, (response.get_json(silent=True) if response.status_code == 200 else None)


# --- reading Dash's JSON ------------------------------------------------------------------------------------

def components(tree: object):
    """Every component (namespace, type, props) in a Dash response, at any depth (figures and grids included)."""
    if isinstance(tree, dict):
        if "type" in tree and "namespace" in tree and isinstance(tree.get("props"), dict):
            yield tree["namespace"], tree["type"], tree["props"]
        for value in tree.values():
            yield from components(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from components(value)


def strings(value: object, key: str | None = None):
    """(key, text) of every string under `value`."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v, key)
    elif isinstance(value, str):
        yield key, value


def inert_problems(tree: object) -> list[str]:
    """Where a Dash response could turn text into markup, script or a link that runs."""
    out = []
    for namespace, kind, props in components(tree):
        where = f"{namespace}.{kind}#{props.get('id', '')}"
        out += [f"{where} sets {p}" for p in MARKUP_PROPS if props.get(p)]
        if kind == "Markdown":
            out.append(f"{where} is Markdown")
        for name, value in props.items():
            if name.lower() in ("href", "src", "action", "formaction", "data") and isinstance(value, str):
                if value.strip().lower().startswith(("javascript:", "data:", "vbscript:")):
                    out.append(f"{where} {name}={value[:60]!r}")
        if kind == "AgGrid":
            for column in props.get("columnDefs") or []:
                renderer = str(column.get("cellRenderer", ""))
                if renderer.lower() in ("markdown", "html") or column.get("dangerously_allow_code"):
                    out.append(f"{where} column {column.get('field')} renders {renderer or 'code'}")
        if kind == "Graph" and isinstance(props.get("figure"), dict):
            out += [f"{where} chart {key}: {text[:60]!r}" for key, text in strings(props["figure"])
                    if key in CHART_TEXT and {t.lower() for t in CHART_TAG.findall(text)} - CHART_TAGS_WRITTEN]
    out += [f"an href {text[:60]!r}" for key, text in strings(tree)
            if key == "href" and text.strip().lower().startswith("javascript:")]
    return out


def shown_names(tree: object) -> set[str]:
    """Texts a reader sees: children of components and the data book grid's cells."""
    seen = set()
    for _, kind, props in components(tree):
        children = props.get("children")
        if isinstance(children, str):
            seen.add(children)
        elif isinstance(children, list):
            seen.update(c for c in children if isinstance(c, str))
        if kind == "AgGrid":
            seen.update(text for _, text in strings(props.get("rowData")))
    return seen


def present(payloads_shown: set[str], texts: set[str]) -> set[str]:
    return {p for p in payloads_shown if any(p in t for t in texts)}


def test_the_checks_have_teeth():
    """A markup prop, a Markdown component, a javascript: link, an unescaped tag in chart text and a live cell
    are each caught."""
    import plotly
    from dash import dcc, html

    tree = json.loads(json.dumps(html.Div([
        html.A("x", href=" JavaScript:alert(1)"), dcc.Markdown("<b>x</b>", dangerously_allow_html=True),
        dcc.Graph(figure={"data": [{"type": "bar", "y": ["<img src=x onerror=alert(2)>", "a&lt;img"],
                                    "hovertext": ["<b>ok</b><br>fine<extra></extra>"]}]})]),
        cls=plotly.utils.PlotlyJSONEncoder))
    found = inert_problems(tree)
    assert len(found) == 5, found  # the href twice (prop and anywhere), Markdown, its prop, the chart's <img
    assert hostile.live_csv_cells(["-2+3", "-2.5", "'=1", "@cmd", "\t=1+1", "x"]) == ["-2+3", "@cmd", "\t=1+1"]


# --- the warehouse as loaded --------------------------------------------------------------------------------

def test_the_ingest_keeps_every_payload_as_text_and_trims_only_white_space(hostile_warehouse):
    """Nothing is rejected or quarantined: a name is text, and text is not validated for content. The local
    extract's text fields are trimmed, so a school, caseworker or team named '\\t=1+1' is stored as '=1+1';
    the published ward lookup is kept verbatim, tab included."""
    import duckdb

    names = hostile.names_in(hostile_warehouse)
    for kind in ("school", "caseworker", "team"):
        assert {stored(p) for p in PAYLOADS} <= names[kind], kind
        assert "\t=1+1" not in names[kind]
    assert set(PAYLOADS) <= names["ward"]
    with duckdb.connect(str(hostile_warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0


# --- pages --------------------------------------------------------------------------------------------------

DRILL_WARD, DRILL_SCHOOL = '"><svg onload=alert(3)>', "<script>alert(1)</script>"
VIEWS = [  # (role, path, query, kinds of name it must show)
    *[("officer", f"/indicator/{INDICATOR}", {"area": AREA, "breakdown": k}, {k}) for k in KINDS],
    *[("partner", f"/indicator/{INDICATOR}", {"area": AREA, "breakdown": k}, {k}) for k in ("ward", "school", "team")],
    ("officer", f"/indicator/{INDICATOR}", {"area": AREA, "breakdown": "school", "ward": DRILL_WARD}, {"ward"}),
    ("officer", f"/indicator/{INDICATOR}", {"area": AREA, "breakdown": "primary_need", "school": DRILL_SCHOOL},
     {"school"}),
    ("officer", "/clinic", {"area": AREA}, {"team", "caseworker"}),
    ("officer", "/clinic", {"area": AREA, "indicator": "annual_reviews_4wk"}, {"team", "caseworker"}),
    ("partner", "/clinic", {"area": AREA}, {"team"}),
    *[("officer", "/data-book", {"area": AREA, "indicator": INDICATOR, "breakdown": k}, {k}) for k in KINDS],
    *[("partner", "/data-book", {"area": AREA, "indicator": INDICATOR, "breakdown": k}, {k})
      for k in ("ward", "school", "team")],
    ("officer", "/board-pack", {"area": AREA}, set()),
]


@pytest.mark.parametrize(("role", "path", "query", "kinds"), VIEWS,
                         ids=[f"{r}-{p}-{'-'.join(f'{v[:12]}' for v in q.values())}" for r, p, q, _ in VIEWS])
def test_names_reach_the_page_as_inert_text(server, role, path, query, kinds):
    client = client_as(server, role)
    status, tree = content(client, path, query)
    assert status == 200
    assert inert_problems(tree) == []
    texts = shown_names(tree)
    if "ward" in kinds and "ward" in query:  # a drilled-into ward is named in the page's text
        assert present({query["ward"]}, texts) == {query["ward"]}
    elif "school" in kinds and "school" in query:
        assert present({query["school"]}, texts) == {query["school"]}
    elif kinds:  # every payload of the breakdown is on the page, as text
        payloads = {stored(p) for p in PAYLOADS}
        assert present(payloads, texts) == payloads, f"missing {sorted(payloads - present(payloads, texts))}"


def test_every_payload_markup_is_escaped_in_chart_text(server, officer):
    """The HTML payloads are in the ward chart's text, escaped for plotly (`&lt;`), not dropped."""
    _, tree = content(officer, f"/indicator/{INDICATOR}", {"area": AREA, "breakdown": "ward"})
    chart = {text for _, kind, props in components(tree) if kind == "Graph"
             for key, text in strings(props.get("figure")) if key in CHART_TEXT}
    for payload in PAYLOADS[:3]:
        escaped = payload.replace("<", "&lt;")
        assert any(escaped in t for t in chart), payload


# --- downloads ----------------------------------------------------------------------------------------------

DOWNLOADS = [("officer", k) for k in KINDS] + [("partner", k) for k in ("ward", "school", "team")]


@pytest.mark.parametrize(("role", "breakdown"), DOWNLOADS)
@pytest.mark.parametrize("ext", ["csv", "xlsx"])
def test_downloaded_cells_are_neutralised(server, role, breakdown, ext):
    client = client_as(server, role)
    response = client.get(f"/download/{INDICATOR}.{ext}?" + urlencode({"area": AREA, "breakdown": breakdown}))
    assert response.status_code == 200
    wanted = {hostile.neutralised(p, breakdown) for p in PAYLOADS}
    if ext == "csv":
        cells = hostile.csv_cells(response.data)
        assert hostile.live_csv_cells(cells) == []
        found = set(cells)
    else:
        cells = hostile.xlsx_cells(response.data)
        assert hostile.live_xlsx_cells(cells) == []
        found = {value for _, value, _ in cells if isinstance(value, str)}
    assert wanted <= found, f"missing {sorted(wanted - found)}"
    assert "'-2+3" in found and "'@cmd" in found  # the neutralised form, not the raw one
    assert ("'\t=1+1" if breakdown == "ward" else "'=1+1") in found


def test_the_whole_book_is_neutralised(server, officer):
    """The governance workbook (every breakdown of every indicator in the theme) as an officer downloads it."""
    response = officer.get("/download/theme/governance.xlsx?" + urlencode({"area": AREA}))
    assert response.status_code == 200
    cells = hostile.xlsx_cells(response.data)
    assert hostile.live_xlsx_cells(cells) == []
    found = {value for _, value, _ in cells if isinstance(value, str)}
    assert {hostile.neutralised(p) for p in PAYLOADS} <= found


# --- SQL injection in every filter --------------------------------------------------------------------------

INJECTIONS = [
    "' OR '1'='1",
    "'; DROP TABLE person; --",
    "E06000023' UNION SELECT person_id, NULL FROM person --",
    "1); DELETE FROM request; --",
    "\" OR 1=1 --",
    "'; ATTACH 'x.duckdb' AS x; COPY person TO 'x.csv'; --",
]
FILTERS = ("area", "period", "breakdown", "ward", "school", "need", "indicator", "team", "caseworker",
           "audience", "source", "by", "q")
PAGES = [f"/indicator/{INDICATOR}", "/clinic", "/data-book", "/board", "/commissioners", "/theme/governance",
         "/board-pack", "/coverage", "/dictionary", "/"]
DOWNLOAD_PATHS = [f"/download/{INDICATOR}.csv", f"/download/{INDICATOR}.xlsx", "/download/theme/governance.xlsx"]


@pytest.fixture(scope="module")
def counts_before(hostile_warehouse):
    return hostile.row_counts(hostile_warehouse)


def injected(names: tuple[str, ...], offset: int = 0) -> list[tuple[str, str]]:
    """(filter, injection) pairs: every filter once, the injections taken in turn, so each filter meets a
    different one and every injection is used (a view takes about a second to draw: not every pair)."""
    return [(name, INJECTIONS[(i + offset) % len(INJECTIONS)]) for i, name in enumerate(names)]


@pytest.mark.parametrize("path", PAGES)
def test_injection_in_any_page_filter_is_answered_not_crashed(server, officer, partner, path, counts_before):
    """Every filter of the page, one at a time (the rest a real view: breakdown by ward), and all at once."""
    failures = []
    calls = [("officer", officer, {name: text}) for name, text in injected(FILTERS)]
    calls += [("partner", partner, {name: text}) for name, text in injected(("area", "breakdown", "ward"), 3)]
    calls += [("officer", officer, dict.fromkeys(FILTERS, text)) for text in INJECTIONS[:2]]
    for role, client, injection in calls:
        status, tree = content(client, path, {"area": AREA, "breakdown": "ward", **injection})
        if status >= 500 or (status == 200 and tree is None):
            failures.append(f"{role} {path} {injection}: {status}")
        elif status == 200 and inert_problems(tree):
            failures.append(f"{role} {path} {injection}: {inert_problems(tree)[:2]}")
    assert failures == []


@pytest.mark.parametrize("text", INJECTIONS)
def test_injection_in_a_path_is_answered_not_crashed(server, officer, text):
    for path in (f"/indicator/{text}", f"/theme/{text}"):
        status, _ = content(officer, path, {"area": AREA})
        assert status == 200 or 400 <= status < 500, path
    for path in (f"/download/{text}.csv", f"/download/{text}.xlsx", f"/download/theme/{text}.xlsx"):
        assert officer.get(path).status_code in (400, 404), path


@pytest.mark.parametrize("path", DOWNLOAD_PATHS)
def test_injection_in_any_download_filter_is_refused_or_answered(server, officer, partner, path):
    """Every argument a download reads (and a few it does not), with each injection in turn."""
    read = ("area", "period", "breakdown", "source", "by", "audience")
    calls = [("officer", officer, name, text) for name in read for text in INJECTIONS]
    if "theme" not in path:  # a whole workbook takes seconds: the ignored ones on one indicator only
        calls += [("officer", officer, name, text) for name, text in injected(("ward", "school", "team", "need"))]
        calls += [("partner", partner, name, text) for name, text in injected(read, 2)]
    failures = []
    for role, client, name, text in calls:
        query = {"area": AREA, name: text}
        if "theme" not in path and name != "breakdown":
            query["breakdown"] = "ward"
        response = client.get(f"{path}?{urlencode(query)}")
        if response.status_code >= 500:
            failures.append(f"{role} {path} {name}={text!r}: {response.status_code}")
        elif response.status_code >= 400:
            body = response.get_data(as_text=True)
            if text in body or not body.strip():  # explained, never echoed back whole
                failures.append(f"{role} {path} {name}={text!r}: {response.status_code} {body[:80]!r}")
    assert failures == []


def test_the_warehouse_is_unchanged_by_the_injections(hostile_warehouse, counts_before):
    """Run last in the module (pytest keeps file order): the injections above changed no table."""
    assert hostile.row_counts(hostile_warehouse) == counts_before
    assert counts_before["person"] > 1000 and counts_before["request"] > 1000


# --- the drill-down click callback -------------------------------------------------------------------------

def drill_click(server, client, name: str, search: str) -> tuple[int, object]:
    """A click on the ward map naming `name`, posted as the browser posts it to the drill-down callback."""
    output = next(k for k in server_app(server).callback_map if k.startswith("url.search@"))
    graph = {"chart": "map", "key": "ward", "type": "indicator-drill"}
    click = {"points": [{"customdata": [name], "location": name, "text": name, "hovertext": name}]}
    body = {"output": output, "outputs": {"id": "url", "property": output.split(".", 1)[1]},
            "inputs": [[{"id": graph, "property": "clickData", "value": click}]],
            "state": [[{"id": graph, "property": "id", "value": graph}],
                      {"id": "url", "property": "pathname", "value": f"/indicator/{INDICATOR}"},
                      {"id": "url", "property": "search", "value": search}],
            "changedPropIds": [json.dumps(graph, separators=(",", ":")) + ".clickData"]}
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    return response.status_code, response.get_json(silent=True)


def server_app(server):
    import app

    assert app.server is server
    return app.app


def test_a_click_on_a_hostile_ward_drills_into_it_and_an_injected_click_does_nothing(server, officer):
    from urllib.parse import parse_qs

    search = "?" + urlencode({"area": AREA, "breakdown": "ward"})
    for ward in PAYLOADS:
        status, answer = drill_click(server, officer, ward, search)
        assert status == 200, ward
        chosen = parse_qs(answer["response"]["url"]["search"].lstrip("?"))
        assert chosen["ward"] == [ward] and chosen["breakdown"] == ["school"], ward
    for text in [t for t in INJECTIONS if t not in PAYLOADS]:  # one is a ward's name in this warehouse
        for injected_search in (search, search + "&" + urlencode({"ward": text, "school": text})):
            status, answer = drill_click(server, officer, text, injected_search)
            assert status == 204 or (status == 200 and answer["response"] == {}), (text, injected_search, answer)  # no update: the click names no allowed ward
