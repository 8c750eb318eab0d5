"""Property-based fuzzing of every callback and every page and download URL, as each forged identity.

Hypothesis writes well-shaped callback bodies (the ids and properties each callback declares) and query strings
with hostile values: SQL injection, script, spreadsheet formulae, odd unicode, very long strings, numbers, null,
nested lists and dicts, wrong types. Whatever it writes, the answer is never a 500 and never a leak by the oracle
of tests/leaks.py. The callbacks and routes are discovered from the app (tests/forged.py). Runs are derandomised,
so CI repeats them exactly; the calls are counted and the module's last test checks they reach 10,000.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import forged
from tests.forged import IDENTITIES, TIER
from tests.identity import sign_in
from tests.leaks import Secrets, leaks
from tests.server.conftest import SAMPLE
from tests.walk import stops

CALLS: Counter[str] = Counter()  # fuzzed calls per test, summed by the last test
WANTED = 10_000
SCALE = float(os.environ.get("FUZZ_SCALE", "1"))  # a quick trial: FUZZ_SCALE=0.05 (the count check then skips)
# Examples per test: the cheap answers (links, drill-down, a page's HTML) take most; the page content callback
# draws a whole page per call and a download computes figures (0.1-0.3 s each), so they take fewer. Every example
# makes one call.
EXAMPLES = {name: int(count * SCALE) for name, count in
            {"links": 3_000, "drill": 1_300, "content": 300, "pages": 5_500, "downloads": 300}.items()}


def fuzz_settings(name: str):
    return settings(max_examples=EXAMPLES[name], derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


PAYLOADS = [
    "' OR 1=1--", "1; DROP TABLE person; --", "E06000023' UNION SELECT forename, surname FROM person--",
    "\" OR \"\"=\"", "%27%20OR%201%3D1", "caseworker' --", "ward) OR (1=1",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)", "\"><svg onload=alert(1)>",
    "=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
    "E06000023\u200b", "Ｅ０６０００００２３", "\u202eE06000023", "\x00", "%00", "../../etc/passwd", "🙂" * 20,
    "E" * 5000, "9" * 400, "1e308", "-1", "NaN", "Infinity", "None", "null", "true", "[]", "{}",
    "officer", "audience=officer", "caseworker", "E06000023", "E10000016", "E92000001", "801", "2024", "2025-03",
    "2023/24", "ward", "team", "primary_need", "school", "E05010890",
]  # never a name or id from the sample: an answer that echoes what was sent would read as a leak
REAL_KEYS = ["area", "period", "breakdown", "ward", "audience", "indicator", "drill", "source", "by", "value",
             "theme", "school", "need", "q", "who", "action", "council", "since", "until", "text", "next"]

hostile_text = st.one_of(st.sampled_from(PAYLOADS), st.text(max_size=40),
                         st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=12))
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20),
                    st.floats(allow_nan=False, allow_infinity=False), hostile_text)
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(hostile_text, inner, max_size=4)),
                           max_leaves=8)
query_strings = st.one_of(
    st.dictionaries(st.one_of(st.sampled_from(REAL_KEYS), hostile_text), hostile_text, max_size=5).map(
        lambda d: "?" + urlencode(d)),
    st.lists(st.tuples(st.sampled_from(REAL_KEYS), hostile_text), max_size=4).map(
        lambda pairs: "?" + urlencode(pairs)),  # repeated keys
    hostile_text.map(lambda t: "?" + quote(t, safe="=&")),
    st.just(""),
)


@pytest.fixture(scope="module")
def world(sample_server):
    """Everything the fuzz needs, found once: a signed-in client per identity, the callbacks, the pages, the
    download routes and the oracle's secrets."""
    clients = {who: sign_in(sample_server.test_client(role=None), *IDENTITIES[who]) for who in IDENTITIES}
    callbacks = forged.server_callbacks(sample_server)
    downloads = [r for r in forged.routes(sample_server) if "GET" in r.methods and r.arguments
                 and not r.rule.startswith("/<")] + \
                [r for r in forged.routes(sample_server) if "GET" in r.methods and r.rule.endswith(".csv")
                 and not r.arguments]
    return {"clients": clients, "callbacks": callbacks, "pages": sorted({s.url for s in stops()}),
            "downloads": downloads, "secrets": Secrets.of_sample(SAMPLE)}


def answer_ok(world, who: str, response, what: str) -> None:
    assert response.status_code < 500 or response.status_code == 503, \
        f"{who} {what}: {response.status_code} {response.get_data(as_text=True)[:300]!r}"
    if response.status_code == 200:
        found = leaks(response.data, TIER[who], world["secrets"], content_type=response.content_type or "")
        assert not found, f"{who} {what}: " + "\n".join(found[:5])


def post_callback(world, who: str, payload: dict, counter: str) -> None:
    CALLS[counter] += 1
    response = world["clients"][who].post(forged.CALLBACKS_PATH, data=json.dumps(payload),
                                          content_type="application/json")
    answer_ok(world, who, response, json.dumps(payload)[:400])


@st.composite
def callback_call(draw, world, kinds):
    """A well-shaped body for one of the callbacks whose name fits `kinds`, with hostile values."""
    specs = [s for s in world["callbacks"] if kinds(s)]
    spec = draw(st.sampled_from(specs))
    wild = {k for e in [*spec.inputs, *spec.state, *({"id": i} for i, _ in spec.outputs())]
            if forged.is_wildcard(e["id"]) for k, v in e["id"].items() if isinstance(v, list)}
    fills = draw(st.lists(st.fixed_dictionaries({k: st.one_of(hostile_text, st.sampled_from(world["pages"]))
                                                 for k in sorted(wild)}), min_size=1, max_size=5)) if wild else [{}]
    values = {}
    for entry in [*spec.inputs, *spec.state]:
        prop = entry["property"]
        if prop == "pathname":
            values[prop] = draw(st.one_of(st.sampled_from(world["pages"]), hostile_text, scalars))
        elif prop == "search":
            values[prop] = draw(st.one_of(query_strings, scalars))
        elif forged.is_wildcard(entry["id"]):
            values[prop] = draw(st.lists(json_values, min_size=len(fills), max_size=len(fills)))
        else:
            values[prop] = draw(json_values)
    return forged.body(spec, values, fills)


def _links(spec) -> bool:
    return "-link" in spec.output


def _drill(spec) -> bool:
    return not _links(spec) and "_pages_content" not in spec.output


def _content(spec) -> bool:
    return "_pages_content" in spec.output


@pytest.fixture(scope="module")
def strategies(world):
    return {name: callback_call(world, kinds) for name, kinds in
            (("links", _links), ("drill", _drill), ("content", _content))}


def test_there_is_a_callback_of_each_kind(world):
    assert all(any(kinds(s) for s in world["callbacks"]) for kinds in (_links, _drill, _content))


@pytest.mark.parametrize("name", ["links", "drill", "content"])
def test_fuzzed_callbacks(world, strategies, name):
    @fuzz_settings(name)
    @given(who=st.sampled_from(list(IDENTITIES)), payload=strategies[name])
    def run(who, payload):
        post_callback(world, who, payload, name)

    run()


@fuzz_settings("pages")
@given(data=st.data())
def test_fuzzed_page_urls(world, data):
    who = data.draw(st.sampled_from(list(IDENTITIES)))
    # a hostile path segment, every '/' in it encoded: a request path never starts '//' (a client reads that as a host)
    path = data.draw(st.one_of(st.sampled_from(world["pages"]), hostile_text.map(lambda t: "/" + quote(t, safe=""))))
    query = data.draw(query_strings)
    CALLS["pages"] += 1
    response = world["clients"][who].get(path + query)
    answer_ok(world, who, response, path + query)


@fuzz_settings("downloads")
@given(data=st.data())
def test_fuzzed_download_urls(world, data):
    who = data.draw(st.sampled_from(list(IDENTITIES)))
    rule = data.draw(st.sampled_from(world["downloads"]))
    url = rule.rule
    for arg in rule.arguments:
        value = data.draw(st.one_of(st.sampled_from(forged.INDICATOR_FILLS[:4] + ["send_support", "governance"]),
                                    hostile_text))
        url = url.replace(f"<{arg}>", quote(value, safe=""))
    query = data.draw(query_strings)
    CALLS["downloads"] += 1
    response = world["clients"][who].get(url + query)
    answer_ok(world, who, response, url + query)


BROKEN_SHAPES = [
    b"not json", b"{}", b"[]", b'{"output": "url.search"}', b'{"output": 1, "inputs": "x"}',
    b'{"output": ".._pages_content.children..._pages_store.data..", "outputs": [], "inputs": [{"id": 1}]}',
    b'{"output": ".._pages_content.children..._pages_store.data..", "inputs": null, "state": {}}',
]


@pytest.mark.parametrize("raw", BROKEN_SHAPES)
def test_a_broken_callback_body_answers_400(world, raw):
    response = world["clients"]["partner"].post(forged.CALLBACKS_PATH, data=raw, content_type="application/json")
    assert response.status_code == 400


def test_fuzzed_calls_add_up(world):
    """The acceptance asks for 10,000 generated calls; counted here when the whole module ran."""
    print(f"\nfuzzed calls: {sum(CALLS.values()):,} ({dict(CALLS)})")
    if set(CALLS) != set(EXAMPLES) or SCALE != 1:
        pytest.skip(f"only part of the fuzz ran ({sorted(CALLS)}, scale {SCALE}): the total is checked on a whole run")
    assert sum(CALLS.values()) >= WANTED
