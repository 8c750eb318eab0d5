"""Tamper tests: forged requests to every callback and route, as everyone who is not an officer of the sample's
council, must never get a child-level row, a partner count of 1-5, an unrounded public count under 10, a named
caseworker or any other officer-only output, and never a 500.

The callbacks and routes are discovered from the app (tests/forged.py), so whatever is merged later is forged
too; the oracle (tests/leaks.py) reads every answer, and `test_the_oracle_*` prove it fires on a planted leak of
each kind and stays quiet on what the sample's officers legitimately see when read at their own tier.
"""

from __future__ import annotations

import io
import json
from urllib.parse import urlsplit

import dash
import pytest

from dashboard.audit import CSV_PATH, PAGE_PATH
from tests import forged
from tests.forged import IDENTITIES, TIER
from tests.identity import sign_in
from tests.leaks import Secrets, leaks
from tests.server.conftest import SAMPLE
from tests.walk import stops

pytestmark = pytest.mark.usefixtures("sample_server")

DRILL_KEYS = ["ward", "caseworker", "team", "school", "primary_need", "' OR 1=1--"]
CLICKS = [
    {"points": [{"customdata": "CW8010001", "x": 3, "y": "Chris Bramsynthgarth", "label": "Chris Bramsynthgarth"}]},
    {"points": [{"customdata": ["E05010890", "Ashley"], "location": "E05010890", "z": 2}]},
    {"points": [{"customdata": "'; DROP TABLE person; --", "label": "<img src=x onerror=alert(1)>"}]},
    {"points": [{"customdata": ["=HYPERLINK(\"http://evil\")", "@SUM(A1)"], "x": None, "y": 1e308}]},
    None,
]
# Pages forged with every hostile query (the others with a few): where figures, breakdowns and drill-downs live.
DEEP_PAGES = ("/indicator/ehcp_issued_20wk", "/data-book", "/clinic")


@pytest.fixture(scope="module")
def secrets() -> Secrets:
    return Secrets.of_sample(SAMPLE)


@pytest.fixture(scope="module")
def page_urls(sample_server) -> list[str]:
    return sorted({s.url for s in stops()} | {"/casework", "/reconciliation", "/admin/audit", "/no-such-page"})


def client_for(server, who: str):
    role, council = IDENTITIES[who]
    return sign_in(server.test_client(role=None), role, council)


def checked(response, who: str, secrets: Secrets, what: str, url: str = "") -> list[str]:
    """What is wrong with one answer to `url` (a page's path and query, or a route's): a 5xx, or a leak."""
    problems = []
    if response.status_code >= 500 and response.status_code != 503:
        problems.append(f"{what}: {response.status_code} {response.get_data(as_text=True)[:200]!r}")
    if response.status_code == 200:
        problems += [f"{what}: {leak}" for leak in
                     leaks(response.data, forged.counts_tier(who, url), secrets, content_type=response.content_type or "")]
    return problems


def callback_bodies(spec: forged.Spec, page_urls: list[str]) -> list[dict]:
    """Realistic and hostile bodies for one callback, varying one thing at a time from a realistic call: every
    page (with a few queries), every query (on the pages with figures), every forged pattern-matching id and
    click. Repeats are dropped."""
    props = {e["property"] for e in [*spec.inputs, *spec.state]}
    wild_keys = sorted({k for e in [*spec.inputs, *spec.state, *({"id": i} for i, _ in spec.outputs())]
                        if forged.is_wildcard(e["id"]) for k, v in e["id"].items() if isinstance(v, list)})
    fills: list[list[dict]] = [[{}]]
    if wild_keys:
        per_key = {"path": page_urls, "key": DRILL_KEYS, "chart": ["map", "bars", "x"]}
        choices = {k: per_key.get(k, ["x", "caseworker"]) for k in wild_keys}
        fills = [[{k: v[i % len(v)] for k, v in choices.items()} for i in range(max(map(len, choices.values())))],
                 [{k: "caseworker" for k in wild_keys}]]
    calls = []
    paths = page_urls if "pathname" in props else [DEEP_PAGES[0]]
    for path in paths:
        deep = path in DEEP_PAGES
        if "search" in props:
            queries = forged.REALISTIC_QUERIES[:3] + forged.HOSTILE_QUERIES if deep else \
                forged.REALISTIC_QUERIES[:1] + forged.HOSTILE_QUERIES[:1]
        else:
            queries = [None]
        calls += [(path, q, fills[0], CLICKS[0]) for q in queries]
    if wild_keys or "clickData" in props:
        calls += [(DEEP_PAGES[0], q, fill, click) for q in forged.HOSTILE_QUERIES[:2] + ["?area=E06000023"]
                  for fill in fills for click in (CLICKS if "clickData" in props else [None])]
    bodies, seen = [], set()
    for path, search, fill, click in calls:
        values = {"pathname": path, "search": search, "clickData": [click] * len(fill)}
        payload = forged.body(spec, values, fill)
        key = json.dumps(payload, sort_keys=True)
        if key not in seen:
            seen.add(key)
            bodies.append(payload)
    return bodies


def test_discovery_finds_every_server_callback_and_route(sample_server):
    """The forging covers what the app registers: at least the callbacks and routes known today."""
    names = {s.output for s in forged.server_callbacks(sample_server)}
    assert any("_pages_content" in n for n in names) and any("nav-link" in n for n in names)
    assert any(n.startswith("url.search@") for n in names)  # the indicator drill-down
    rules = {r.rule for r in forged.routes(sample_server)}
    assert {"/download/<indicator_id>.csv", "/board-pack.pdf", CSV_PATH, "/sign-out", "/<path:path>"} <= rules


@pytest.mark.parametrize("who", list(IDENTITIES))
def test_every_callback_forged(sample_server, secrets, page_urls, who):
    client = client_for(sample_server, who)
    problems, calls = [], 0
    for spec in forged.server_callbacks(sample_server):
        for payload in callback_bodies(spec, page_urls):
            response = client.post(forged.CALLBACKS_PATH, data=json.dumps(payload), content_type="application/json")
            calls += 1
            problems += checked(response, who, secrets, f"{who} {spec.name[:60]} {json.dumps(payload)[:300]}",
                                _search_of(payload))
    assert calls > 300
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("who", list(IDENTITIES))
def test_every_route_forged(sample_server, secrets, page_urls, who):
    client = client_for(sample_server, who)
    themes = [slug for slug, _ in _themes(sample_server)]
    problems, covered = [], set()
    for rule in forged.routes(sample_server):
        covered.add(rule.rule)
        for url, query in route_calls(rule, page_urls, themes):
            method = "POST" if "GET" not in rule.methods else "GET"
            response = client.open(url + query, method=method, data={"login": "demo:officer", "password": "x"})
            problems += checked(response, who, secrets, f"{who} {method} {url}{query}", url + query)
            if rule.rule == "/sign-out":
                client = client_for(sample_server, who)  # signing out ended the forger's session
    assert not problems, "\n".join(problems[:20])
    assert covered


def route_calls(rule, page_urls: list[str], themes: list[str]) -> list[tuple[str, str]]:
    """(url, query) pairs for one rule: its first two fills with every query, the rest with a few; the board pack
    PDF (drawn by Chromium, seconds each) and whole-catalogue workbooks with a few only."""
    urls = forged.fill_rule(rule, page_urls, themes)
    every = forged.REALISTIC_QUERIES + forged.HOSTILE_QUERIES
    few = forged.REALISTIC_QUERIES[:2] + forged.HOSTILE_QUERIES[:3]
    if not rule.rule.startswith(("/download/", "/board-pack")):  # cheap answers: every query
        return [(url, q) for url in urls for q in every]
    if rule.rule.endswith(".pdf"):
        return [(urls[0], "?audience=officer&area=E06000023&breakdown=caseworker")]
    if "all-indicators" in rule.rule:  # the whole catalogue: seconds each
        return [(urls[0], "?audience=officer")]
    if "theme" in rule.rule:
        return [(url, "?audience=officer") for url in urls[:1] + urls[-2:]]
    if rule.rule.endswith(".xlsx"):  # the same figures as the CSV, drawn as a workbook
        return [(url, q) for i, url in enumerate(urls) for q in (few if i < 1 else few[-1:])]
    return [(url, q) for i, url in enumerate(urls) for q in (every if i < 1 else few)]


def _themes(server):
    from dashboard import views

    with server.test_request_context("/"):
        return list(views.themes())


def _plumbing_url(rule, file_name: str) -> str:
    return (rule.rule.replace("<path:filename>", file_name).replace("<string:package_name>", "dash")
            .replace("<path:fingerprinted_path>", file_name))


def test_plumbing_answers_without_a_500(sample_server, secrets):
    client = client_for(sample_server, "signed-out")
    for rule in forged.plumbing_routes(sample_server):
        if "<string:package_name>" in rule.rule:
            continue  # an unknown script: below
        url = _plumbing_url(rule, "x.js")
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
    for who in IDENTITIES:  # the layout names who is signed in: never anyone's children or caseworkers
        response = client_for(sample_server, who).get("/_dash-layout")
        assert response.status_code == 200 and not leaks(response.data, TIER[who], secrets)


def test_an_unknown_dash_script_is_not_a_500(sample_server):
    client = client_for(sample_server, "signed-out")
    rule = next(r for r in forged.plumbing_routes(sample_server) if "<string:package_name>" in r.rule)
    assert client.get(_plumbing_url(rule, "x.js")).status_code == 404


@pytest.mark.parametrize("who", list(IDENTITIES))
def test_the_officer_only_breakdown_asked_for_directly_is_refused(sample_server, secrets, who):
    client = client_for(sample_server, who)
    for area in ("E06000023", "E10000016"):
        for ext in ("csv", "xlsx"):
            for indicator in ("ehcp_issued_20wk", "requests_decided_6wk"):
                response = client.get(f"/download/{indicator}.{ext}?area={area}&breakdown=caseworker&audience=officer")
                assert response.status_code in (400, 404), (who, area, response.status_code)
                assert not leaks(response.data, forged.counts_tier(who, f"?area={area}"), secrets)
        query = f"?area={area}&breakdown=caseworker&audience=officer"
        page = client.post(forged.CALLBACKS_PATH, json=_page("/indicator/ehcp_issued_20wk", query))
        assert page.status_code == 200 and not leaks(page.data, forged.counts_tier(who, query), secrets)
        assert "Caseworker" not in json.dumps(page.json)


def _search_of(payload: dict) -> str:
    """The query string a callback body carries (the page's or the URL's search), for `counts_tier`."""
    for item in [*payload.get("inputs", []), *payload.get("state", [])]:
        if isinstance(item, dict) and item.get("property") == "search" and isinstance(item.get("value"), str):
            return item["value"]
    return ""


def _page(path: str, search: str) -> dict:
    from dashboard.warm import page_request

    return page_request(path, search)


@pytest.mark.parametrize("who", list(IDENTITIES))
def test_the_audit_log_gives_nothing_to_someone_not_an_administrator(sample_server, secrets, who):
    client = client_for(sample_server, who)
    for query in ("", "?who=&text=synth", "?council=E06000023&action=view", "?council=E10000016"):
        download = client.get(CSV_PATH + query)
        assert download.status_code == 403 and "Time (UTC)" not in download.get_data(as_text=True)
        page = client.post(forged.CALLBACKS_PATH, json=_page(PAGE_PATH, query))
        assert page.status_code == 200
        assert not leaks(page.data, TIER[who], secrets)
        assert "This page is for administrators" in json.dumps(page.json)


def test_an_administrator_does_read_the_audit_log(sample_server, secrets):
    """The audit rule has teeth in the app too: an administrator's page holds the results the others never get."""
    client = sign_in(sample_server.test_client(role=None), "admin")
    page = client.post(forged.CALLBACKS_PATH, json=_page(PAGE_PATH, ""))
    assert any("audit log's" in leak for leak in leaks(page.data, "partner", secrets))
    assert client.get(CSV_PATH).status_code == 200


@pytest.mark.parametrize("who", list(IDENTITIES))
def test_sign_in_and_sign_out_behave_for_each_role(sample_server, who):
    client = client_for(sample_server, who)
    out = client.post("/sign-out")
    assert out.status_code == 303 and urlsplit(out.headers["Location"]).path == "/sign-in"
    with client.session_transaction() as session:
        assert "who" not in session
    client = client_for(sample_server, who)
    refused = client.post("/sign-in", data={"login": "demo:officer' OR 1=1--", "password": "x" * 300,
                                            "next": "https://evil.example/"})
    assert refused.status_code in (303, 429)
    if refused.status_code == 303:
        assert refused.headers["Location"].startswith("/sign-in?failed=1")
        assert "evil.example" not in refused.headers["Location"]
    for path in ("/sign-in/sso", "/sign-in/callback?code=forged&state=forged"):
        assert client.get(path).status_code in (404, 429)  # demo mode: no single sign-on to forge


# --- the oracle has teeth -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def officer_answers(sample_server) -> dict[str, bytes]:
    """What the sample's own officers see: named caseworkers, small counts, child-level figures."""
    client = sign_in(sample_server.test_client(role=None), "officer")
    return {
        "clinic": client.post(forged.CALLBACKS_PATH, json=_page("/clinic", "?area=E06000023")).data,
        "indicator": client.post(forged.CALLBACKS_PATH, json=_page("/indicator/ehcp_issued_20wk", "?area=E06000023")).data,
        "csv": client.get("/download/ehcp_issued_20wk.csv?area=E06000023&breakdown=caseworker").data,
        "xlsx": client.get("/download/ehcp_issued_20wk.xlsx?area=E06000023&breakdown=caseworker").data,
    }


def test_the_oracle_fires_on_what_officers_see(officer_answers, secrets):
    """An officer's answers read as a partner's: each kind of officer-only output is caught, in each format."""
    clinic = leaks(officer_answers["clinic"], "partner", secrets)
    assert any("named caseworker" in leak for leak in clinic)
    indicator = leaks(officer_answers["indicator"], "partner", secrets)
    assert any("children" in leak for leak in indicator)
    for kind in ("csv", "xlsx"):
        found = leaks(officer_answers[kind], "partner", secrets)
        assert any("named caseworker" in leak for leak in found), kind
        assert any("caseworker breakdown" in leak for leak in found), kind


def _data_csv(indicator: str, numerator: str, denominator: str, value: str, source: str = "Local records",
              breakdown: str = "Ward") -> str:
    head = "Indicator ID,Indicator,Period,Area code,Area,Breakdown,Breakdown value,Numerator,Denominator,Value,Unit,Status,Source"
    return (f'Title line\n{head}\n{indicator},x,2025,E06000023,Bristol,{breakdown},Ashley,"{numerator}","{denominator}",'
            f'"{value}",u,value,{source}\n')


def test_the_oracle_fires_on_a_planted_leak_of_each_kind(secrets):
    surname, worker = sorted(secrets.surnames)[0], sorted(secrets.caseworkers)[0]
    upn = next(t for t in sorted(secrets.tokens) if t[0].isalpha() and len(t) == 13)
    # (a) a child-level row
    assert leaks(json.dumps({"props": {"children": f"Ada {surname}"}}), "partner", secrets)
    assert leaks(f"<p>{upn}</p>", "public", secrets)
    assert leaks("Person id,Value\n17,3\n", "partner", secrets, content_type="text/csv")
    assert leaks(json.dumps({"rowData": [{"request_id": "42"}]}), "partner", secrets)
    # (b) a named caseworker
    assert leaks(json.dumps(["Plans issued by " + worker]), "partner", secrets)
    assert leaks("CW8010001", "public", secrets)
    # (c) a partner count of 1-5: a CSV row, a grid row, a chart's point, a table, a sentence
    assert leaks(_data_csv("ehcp_caseload", "3", "z", "3"), "partner", secrets, content_type="text/csv")
    assert leaks(_data_csv("ehcp_issued_20wk", "40", "4", "10.0"), "partner", secrets, content_type="text/csv")
    grid = {"type": "AgGrid", "namespace": "dash_ag_grid", "props": {
        "columnDefs": [{"field": "n", "headerTooltip": "x"}, {"field": "v", "headerName": "Value (number)"}],
        "rowData": [{"n": 2, "v": 2, "source": "Local records"}]}}
    assert leaks(json.dumps(grid), "partner", secrets)
    chart = {"type": "Graph", "namespace": "dash_core_components", "props": {"id": "g", "figure": {
        "layout": {"yaxis": {"title": {"text": "Number"}}},
        "data": [{"type": "bar", "y": [120.0, 4.0], "hovertext": ["a: 120", "b: 4"]}]}}}
    assert leaks(json.dumps(chart), "partner", secrets)
    assert leaks(json.dumps(_table("Plans issued in 20 weeks", "1", "2")), "partner", secrets)
    assert leaks(json.dumps(["Ashley: 50.0% (2 children), 2025"]), "partner", secrets)
    # (d) a public count under 10, or not rounded to 5
    assert leaks(_data_csv("ehcp_caseload", "7", "z", "7"), "public", secrets, content_type="text/csv")
    assert leaks(_data_csv("ehcp_caseload", "1,232", "z", "1,232"), "public", secrets, content_type="text/csv")
    unrounded = next(n for n in range(11, 10**6) if n % 5 and n not in secrets.published)
    assert leaks(json.dumps([f"Ashley: 35.7% ({unrounded} children), 2025"]), "public", secrets)
    # (e) officer-only output: the caseworker breakdown, the audit log
    assert leaks(_data_csv("ehcp_issued_20wk", "40", "50", "80.0", breakdown="Caseworker"), "partner", secrets,
                 content_type="text/csv")
    assert leaks(json.dumps({"type": "Table", "namespace": "dash_html_components",
                             "props": {"id": "audit-results", "children": []}}), "partner", secrets)
    assert leaks("Time (UTC),Person id,Person,Roles\n", "partner", secrets, content_type="text/csv")


def test_the_oracle_lets_through_what_each_tier_may_see(secrets):
    """Published figures of any size, true zeros, rounded public counts, timeliness numerators, 'Year 3 pupils'."""
    assert not leaks(_data_csv("ehcp_caseload", "3", "z", "3", source="Published by DfE"), "public", secrets,
                     content_type="text/csv")
    assert not leaks(_data_csv("ehcp_caseload", "0", "z", "0"), "partner", secrets, content_type="text/csv")
    assert not leaks(_data_csv("ehcp_caseload", "1,235", "z", "1,235"), "public", secrets, content_type="text/csv")
    assert not leaks(_data_csv("ehcp_issued_20wk", "3", "40", "7.5"), "partner", secrets, content_type="text/csv")
    assert not leaks(json.dumps(["Year 3 pupils", "Ashley: 35.7% (14 children), 2025"]), "partner", secrets)
    assert not leaks(json.dumps(["Bristol, City of, 2019/20: 4 (published by DfE)"]), "public", secrets)


def test_a_provisional_local_row_is_not_taken_for_a_published_one(secrets):
    provisional = "Local records, provisional (not yet published)"
    assert leaks(_data_csv("ehcp_caseload", "3", "z", "3", source=provisional), "partner", secrets,
                 content_type="text/csv")
    assert leaks(json.dumps(["Bristol, City of, 2025/26: 3 children (local records, provisional (not yet published))"]),
                 "partner", secrets)


def _table(title: str, numerator: str, denominator: str) -> dict:
    def cell(kind, text):
        return {"type": kind, "namespace": "dash_html_components", "props": {"children": text}}

    def row(kind, texts):
        return {"type": "Tr", "namespace": "dash_html_components", "props": {"children": [cell(kind, t) for t in texts]}}

    return {"type": "Table", "namespace": "dash_html_components", "props": {"children": [
        row("Th", ["Period", title, "Source", "Numerator", "Denominator"]),
        row("Td", ["2025", "50.0%", "Local records", numerator, denominator])]}}


def test_xlsx_is_read_cell_by_cell(secrets):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(["Indicator ID", "Indicator", "Period", "Area code", "Area", "Breakdown", "Breakdown value",
                  "Numerator", "Denominator", "Value", "Unit", "Status", "Source"])
    sheet.append(["ehcp_caseload", "EHC plans", "2025", "E06000023", "Bristol", "Ward", "Ashley", 4, None, 4,
                  "Number", "value", "Local records"])
    data = io.BytesIO()
    book.save(data)
    assert any("numerator of 4" in leak for leak in leaks(data.getvalue(), "partner", secrets))


def test_pages_are_discovered_from_dash():
    assert {p["path"] for p in dash.page_registry.values()} >= {"/board", "/clinic", PAGE_PATH}


@pytest.mark.parametrize("pathname, search", [(None, ""), (7, ""), (["/board"], ""), ("board", ""),
                                              ("/board", 12), ("/board", {"area": "E06000023"})])
def test_a_page_address_that_is_not_text_is_refused_not_a_500(sample_server, pathname, search):
    """Dash's own page callback fails on these (found by the fuzz); the app answers 400 before it runs."""
    payload = _page("/board", "")
    payload["inputs"][0]["value"], payload["inputs"][1]["value"] = pathname, search
    response = client_for(sample_server, "partner").post(forged.CALLBACKS_PATH, json=payload)
    assert response.status_code == 400


def test_a_page_address_a_browser_sends_still_opens(sample_server):
    response = client_for(sample_server, "partner").post(forged.CALLBACKS_PATH, json=_page("/board", None))
    assert response.status_code == 200 and "_pages_content" in response.get_data(as_text=True)
