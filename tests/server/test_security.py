"""Hardening (`dashboard/security.py`, `data/warehouse/connect.py`) through the Flask test client on the sample
warehouse: the security headers on every kind of answer, a script policy that allows exactly the inline scripts
the index runs, 404 for an unknown path, 400 for a malformed callback body, a plain 500 without a traceback,
cross-site requests refused, the warehouse connection shut off from files and extensions, and spreadsheet
formulas in the data neutralised in downloaded files."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re

import duckdb
import openpyxl
import pytest

from dashboard import routes, security
from tests import walk

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
DIRECTIVES = {  # every directive but script-src, whose hashes follow the index
    "default-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
FEATURES_OFF = ("camera", "microphone", "geolocation", "payment", "usb", "serial", "hid", "midi")
AREA = "E06000023"
NAV = '{"path":["ALL"],"type":"nav-link"}'
NAV_OUTPUT = f"..{NAV}.href...{NAV}.aria-current.."


@pytest.fixture(scope="module")
def client(sample_server):
    return sample_server.test_client()


def policy(response) -> dict[str, str]:
    """The Content-Security-Policy as {directive: sources}."""
    parts = [p.strip().split(" ", 1) for p in response.headers["Content-Security-Policy"].split(";")]
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def nav_body(search: str = "?area=E06000023", **changes) -> dict:
    """A body the browser sends for the navigation links' callback (shell.carry_state), with `changes`."""
    link = {"type": "nav-link", "path": "/board"}
    body = {
        "output": NAV_OUTPUT,
        "outputs": [[{"id": link, "property": "href"}], [{"id": link, "property": "aria-current"}]],
        "inputs": [{"id": "url", "property": "pathname", "value": "/board"},
                   {"id": "url", "property": "search", "value": search},
                   [{"id": link, "property": "id", "value": link}]],
        "changedPropIds": ["url.pathname"],
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not DROP}


DROP = object()


def post(client, body, *, content_type: str = "application/json", **headers):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/_dash-update-component", data=data, content_type=content_type, headers=headers)


def raising_callback(monkeypatch):
    """Make the navigation callback fail inside (shell.carry_state reads the query with filters.parse_search)."""
    from dashboard import filters

    def broken(_search):
        raise RuntimeError("secret detail at /srv/app/dashboard/filters.py line 12")

    monkeypatch.setattr(filters, "parse_search", broken)


# --- headers ---------------------------------------------------------------------------------------------------

def _answers(client) -> dict[str, object]:
    """One answer of each kind the server gives, by a name for the failure message."""
    index = client.get("/board").get_data(as_text=True)
    suite = re.search(r'src="(/_dash-component-suites/[^"]+)"', index).group(1)
    return {
        "home page": client.get("/"),
        "a page": client.get("/board"),
        "a templated page": client.get("/indicator/ehcp_issued_20wk"),
        "unknown path (404)": client.get("/no-such-page"),
        "layout": client.get("/_dash-layout"),
        "dependencies": client.get("/_dash-dependencies"),
        "component suite": client.get(suite),
        "asset": client.get("/assets/style.css"),
        "missing asset (404)": client.get("/assets/no-such-file.css"),
        "callback": post(client, nav_body("?area=E06000023&headers=1")),
        "malformed callback (400)": post(client, b"{"),
        "cross-site callback (403)": post(client, nav_body(), Origin="https://evil.example"),
        "CSV download": client.get(f"/download/ehcp_issued_20wk.csv?area={AREA}"),
        "XLSX download": client.get(f"/download/ehcp_issued_20wk.xlsx?area={AREA}"),
        "unknown download (404)": client.get("/download/no_such_indicator.csv"),
        "board pack refused (400)": client.get("/board-pack.pdf?area=E92000001"),
        "wrong method (405)": client.delete("/_dash-layout"),
    }


def test_every_kind_of_answer_carries_the_security_headers(client, monkeypatch):
    answers = _answers(client)
    raising_callback(monkeypatch)
    answers["failing callback (500)"] = post(client, nav_body("?area=E06000023&fails=1"))
    statuses = {name: r.status_code for name, r in answers.items()}
    assert statuses == {**{name: 200 for name in answers}, "unknown path (404)": 404, "missing asset (404)": 404,
                        "malformed callback (400)": 400, "cross-site callback (403)": 403,
                        "unknown download (404)": 404, "board pack refused (400)": 400, "wrong method (405)": 405,
                        "failing callback (500)": 500}
    for name, response in answers.items():
        for header, value in EXPECTED.items():
            assert response.headers.get(header) == value, f"{name}: {header}"
        directives = policy(response)
        assert {d: directives.get(d) for d in DIRECTIVES} == DIRECTIVES, name
        assert directives["script-src"].startswith("'self' 'sha256-"), name
        features = dict(f.strip().split("=") for f in response.headers["Permissions-Policy"].split(","))
        assert all(features.get(f) == "()" for f in FEATURES_OFF), name
        assert set(features.values()) == {"()"}, name


def test_the_script_policy_allows_exactly_the_inline_scripts_each_page_runs(client):
    """Every inline script on every page's index is allowed by its hash, and nothing else is: no 'unsafe-inline'
    and no 'unsafe-eval' (the browser walk proves Dash and plotly.js need neither)."""
    for stop in [*walk.stops(), walk.Stop("", "", "/no-such-page")]:
        response = client.get(stop.url)
        page = response.get_data(as_text=True)
        inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", page, re.S)
        hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in inline}
        sources = policy(response)["script-src"].split()
        assert len(inline) >= 2 and "new DashRenderer" in inline[-1], stop.url  # Dash's inline scripts
        assert sources[0] == "'self'" and set(sources[1:]) == hashes, stop.url
    assert "unsafe" not in response.headers["Content-Security-Policy"].replace("style-src 'self' 'unsafe-inline'", "")


def test_script_hashes_match_the_csp_specification_example():
    """The hash of `alert('Hello, world.');` given in the CSP Level 3 specification; a script with a src and a
    JSON data block are not inline scripts a browser runs."""
    page = ("<script>alert('Hello, world.');</script><script src='/a.js'></script>"
            '<script type="application/json">{"a": 1}</script><script>alert(\'Hello, world.\');</script>')
    assert security.script_hashes(page) == ["'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"]


# --- unknown paths ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/no-such-page", "/board/extra", "/dictionary/x", "/wp-admin.php", "/.env",
                                  "/_dash-update-component",  # a GET of the callback route reaches the catch-all
                                  # a template's variable is one segment: a deeper path matches no page
                                  "/indicator/a/b", "/indicator/ehcp_issued_20wk/extra", "/theme/governance/x/"])
def test_an_unknown_path_answers_dash_s_index_with_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert 'id="_dash-renderer"' in response.get_data(as_text=True)  # Dash still draws its 404 page


def test_every_registered_page_and_path_template_answers_200(client):
    urls = [s.url for s in walk.stops()] + ["/", "/indicator/anything", "/theme/no-such-theme", "/board/"]
    assert {url: client.get(url).status_code for url in urls} == {url: 200 for url in urls}


# --- callback bodies --------------------------------------------------------------------------------------------

LINK = {"type": "nav-link", "path": "/board"}
MALFORMED = {
    "not JSON": b"{'output': 1",
    "empty body": b"",
    "JSON array": [],
    "JSON string": "output",
    "JSON null": None,
    "empty object": {},
    "no output": nav_body(output=DROP),
    "output not a string": nav_body(output=["a", "b"]),
    "output no callback has": nav_body(output="nobody.children"),
    "no outputs": nav_body(outputs=DROP),
    "outputs a string": nav_body(outputs="href"),
    "too few outputs": nav_body(outputs=[[{"id": LINK, "property": "href"}]]),
    "no inputs": nav_body(inputs=DROP),
    "inputs an object": nav_body(inputs={"id": "url", "property": "pathname", "value": "/"}),
    "too few inputs": nav_body(inputs=[{"id": "url", "property": "pathname", "value": "/"}]),
    "too many inputs": nav_body(inputs=nav_body()["inputs"] + [{"id": "url", "property": "hash", "value": ""}]),
    "an input not an object": nav_body(inputs=["/board", "", []]),
    "an input without property": nav_body(inputs=[{"id": "url", "value": "/"}, {"id": "url", "property": "search"},
                                                  []]),
    "a pattern input not a list": nav_body(inputs=nav_body()["inputs"][:2] + [{"id": LINK, "property": "id"}]),
    "state for a callback without": nav_body(state=[{"id": "url", "property": "hash", "value": ""}]),
    "changedPropIds not a list": nav_body(changedPropIds="url.pathname"),
}


def test_a_well_formed_callback_body_is_answered(client):
    response = post(client, nav_body("?area=E06000023&well=formed"))
    assert response.status_code == 200
    hrefs = json.loads(response.get_data())["response"]
    assert any("area=E06000023" in json.dumps(v) for v in hrefs.values())


@pytest.mark.parametrize("shape", list(MALFORMED))
def test_a_malformed_callback_body_answers_400_in_plain_words(client, shape):
    response = post(client, MALFORMED[shape])
    text = response.get_data(as_text=True)
    assert response.status_code == 400, (shape, text[:300])
    assert response.mimetype == "text/plain" and 0 < len(text) < 120
    assert "Traceback" not in text and ".py" not in text


def test_a_callback_body_that_is_not_labelled_json_answers_400(client):
    response = post(client, nav_body(), content_type="text/plain")
    assert response.status_code == 400 and response.mimetype == "text/plain"


def test_a_callback_that_prevents_its_update_still_answers_204(client, monkeypatch):
    from dash.exceptions import PreventUpdate

    from dashboard import filters

    def prevent(_search):
        raise PreventUpdate

    monkeypatch.setattr(filters, "parse_search", prevent)
    response = post(client, nav_body("?area=E06000023&prevented=1"))
    assert response.status_code == 204 and response.get_data() == b""


def test_a_failing_callback_answers_a_plain_500_and_logs_the_traceback(client, monkeypatch, caplog):
    raising_callback(monkeypatch)
    response = post(client, nav_body("?area=E06000023&fails=2"))
    text = response.get_data(as_text=True)
    assert response.status_code == 500 and response.mimetype == "text/plain"
    assert text == security.FAILED + "\n"
    assert "secret" not in text and "Traceback" not in text and ".py" not in text
    logged = [r for r in caplog.records if r.name == "dashboard.security" and r.exc_info]
    assert logged and "secret detail" in str(logged[-1].exc_info[1])


# --- requests from another site ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("headers", "status"), [
    ({}, 200),  # curl, the warm-up: no page sent it
    ({"Origin": "http://localhost"}, 200),  # the test client's own host
    ({"Referer": "http://localhost/board?area=E06000023"}, 200),
    ({"Origin": "https://evil.example"}, 403),
    ({"Origin": "null"}, 403),  # a sandboxed frame
    ({"Origin": "http://localhost:8050"}, 403),  # another port is another origin
    ({"Origin": "http://localhost.evil.example"}, 403),
    ({"Referer": "https://evil.example/page"}, 403),
    ({"Origin": "https://evil.example", "Referer": "http://localhost/board"}, 403),  # Origin decides
])
def test_a_state_changing_request_from_another_origin_is_refused(client, headers, status):
    body = nav_body("?area=E06000023&csrf=1")
    post(client, body)  # kept by the response cache: a refused request is never answered from it
    response = post(client, body, **headers)
    assert response.status_code == status
    if status == 403:
        assert response.mimetype == "text/plain" and response.get_data(as_text=True) == security.REFUSED_CROSS_SITE + "\n"


def test_a_read_from_another_origin_is_not_refused(client):
    assert client.get("/board", headers={"Origin": "https://evil.example"}).status_code == 200


@pytest.mark.parametrize(("claimed", "host", "same"), [
    ("https://example.org", "example.org", True),
    ("https://example.org:443", "example.org", True),
    ("http://EXAMPLE.org", "example.org", True),
    ("https://example.org", "example.org:8443", False),
    ("http://127.0.0.1:8050", "127.0.0.1:8050", True),
    ("http://[::1]:8050", "[::1]:8050", True),
    ("https://example.org.evil.example", "example.org", False),
    ("https://evil.example/example.org", "example.org", False),
    ("ftp://example.org", "example.org", False),
    ("https://example.org:port", "example.org", False),
    ("null", "example.org", False),
])
def test_same_origin(claimed, host, same):
    assert security.same_origin(claimed, host) is same


# --- the warehouse connection ----------------------------------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM glob('/etc/*')",
    "COPY (SELECT 1 AS x) TO '{out}/copied.csv'",
    "ATTACH '{out}/other.duckdb' AS other",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "SET lock_configuration = false",
    "CREATE TABLE planted AS SELECT 1 AS x",
    "DELETE FROM warehouse_info",
])
def test_the_app_s_warehouse_connection_reads_the_warehouse_and_nothing_else(sample_server, tmp_path, sql):
    from dashboard import access

    with sample_server.app_context():
        engine = access.engine()
        assert int(engine._query("SELECT count(*) AS n FROM warehouse_info", {})["n"].iat[0]) > 0
        with pytest.raises(duckdb.Error):
            engine._query(sql.format(out=tmp_path), {})
        assert int(engine._query("SELECT count(*) AS n FROM warehouse_info", {})["n"].iat[0]) > 0
    assert list(tmp_path.iterdir()) == []


# --- spreadsheet formulas in the data --------------------------------------------------------------------------

PAYLOADS = ['=HYPERLINK("http://evil.example","x")', "+SUM(A1:A9)", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


@pytest.fixture
def hostile_wards(monkeypatch):
    """The real figures by ward, with the wards named by formulas (as a council's extract could name them)."""
    real = routes.gather

    def gather(*args, **kwargs):
        table = real(*args, **kwargs)
        frame = table.frame.copy()
        wards = frame.index[frame["breakdown"] == "ward"]
        for i, row in enumerate(wards):
            frame.loc[row, "breakdown_value"] = PAYLOADS[i % len(PAYLOADS)]
        return table.__class__(indicator=table.indicator, source_used=table.source_used, frame=frame)

    monkeypatch.setattr(routes, "gather", gather)


def test_formulas_in_the_data_stay_text_in_downloaded_csv_and_xlsx(client, hostile_wards):
    query = f"area={AREA}&breakdown=ward&hostile=1"
    text = client.get(f"/download/ehcp_caseload.csv?{query}").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    wards = {r["Breakdown value"] for r in rows if r["Breakdown"] != "Total"}
    assert wards == {"'" + p for p in PAYLOADS}

    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/download/ehcp_caseload.xlsx?{query}").get_data()))
    cells = [c for row in book["Data"].iter_rows(min_row=2) for c in row]
    # A carriage return is written as the OOXML escape _x000D_, which Excel reads back as the character.
    values = {c.value.replace("_x000D_", "\r") for c in cells if isinstance(c.value, str)}
    assert {"'" + p for p in PAYLOADS} <= values and not values & set(PAYLOADS)
    assert all(c.data_type != "f" for c in cells)
