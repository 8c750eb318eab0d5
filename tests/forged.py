"""Forged requests for the tamper and fuzz tests: who forges them, and what the app offers to be forged.

Everything is discovered from the running app, never listed by hand, so a callback or route merged later is
covered at once: the server-side Dash callbacks from `app.callback_map` (a clientside callback runs in the
browser and has no server answer), the Flask routes from `server.url_map`, the pages from `dash.page_registry`
(through tests/walk.py, which fills templated paths from the sample).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from indicators.vocabulary import Audience
from tests.identity import ELSEWHERE, HOME

# Who forges: the four identities the acceptance names, and the tier each may see of the sample's council.
IDENTITIES = {"signed-out": (None, HOME), "public": ("public", HOME), "partner": ("partner", HOME),
              "officer-elsewhere": ("officer", ELSEWHERE)}
TIER = {"signed-out": Audience.PUBLIC, "public": Audience.PUBLIC, "partner": Audience.PARTNER,
        "officer-elsewhere": Audience.PUBLIC}

def counts_tier(who: str, url: str) -> Audience:
    """The tier to hold counts to in the answer to `url`: the identity's own for the sample's council, whose local
    records are the only ones there are; an answer about another area holds DfE's published figures alone (shown as
    published to everyone), so only the name and child-level rules apply to it."""
    query = parse_qs(urlsplit(url).query)
    areas = {a.strip().upper() for a in query.get("area", [])}
    other = any(re.fullmatch(r"E\d{8}", a) and a != HOME for a in areas)
    return Audience.OFFICER if other else TIER[who]


# Dash's and Flask's own plumbing: hit once each for "no 500", not forged.
PLUMBING = ("/static/", "/assets/", "/_dash-component-suites/", "/_dash-layout", "/_dash-dependencies",
            "/_reload-hash", "/_favicon.ico")
CALLBACKS_PATH = "/_dash-update-component"

# Filter values an attacker tries: wider audiences, officer-only breakdowns, child-level filters, wrong areas.
HOSTILE_QUERIES = [
    "?area=E06000023&audience=officer&breakdown=caseworker",
    "?area=E06000023&breakdown=ward&ward=E05010890&drill=ward&audience=officer&period=2025",
    "?area=E10000016&audience=officer&breakdown=caseworker&indicator=ehcp_issued_20wk",
    "?area=E92000001&audience=officer&breakdown=team", "?area=801&period=2025-03&by=month&audience=officer",
    "?area=E06000023&indicator=ehcp_issued_20wk&breakdown=caseworker&audience=officer&source=local",
    "?area=E06000023&breakdown=primary_need&value=1&audience=officer&audience=partner",
    "?area='%20OR%201=1--&period=2024;DROP%20TABLE%20person&breakdown=%3Cscript%3Ealert(1)%3C/script%3E",
    "?area=E06000023&period=%3D1%2B1&breakdown=%40SUM(A1)&ward=%27%20UNION%20SELECT%20surname%20FROM%20person--",
    "?who=&action=&text=synth&council=E06000023&audience=officer",
]
REALISTIC_QUERIES = ["", "?area=E06000023", "?area=E06000023&indicator=ehcp_caseload&breakdown=ward",
                     "?area=E06000023&period=2024", "?area=E10000016", "?area=E92000001"]
# Indicators worth forging downloads of: a count with wards, timeliness with caseworkers, a snapshot; plus nonsense.
INDICATOR_FILLS = ["ehcp_issued_20wk", "ehcp_caseload", "ehcp_requests", "requests_decided_6wk", "no_such_thing",
                   "..%2F..%2Fetc%2Fpasswd", "%3Cscript%3E"]


@dataclass(frozen=True)
class Spec:
    """One server-side callback as the browser calls it."""

    output: str
    inputs: list[dict]
    state: list[dict]

    @property
    def name(self) -> str:
        return self.output

    def outputs(self) -> list[tuple[object, str]]:
        """(id, property) of each output: a dict for a pattern-matching id (with its wildcards)."""
        parts = self.output[2:-2].split("...") if self.output.startswith("..") else [self.output]
        out = []
        for part in parts:
            ident, prop = part.rsplit(".", 1) if not part.startswith("{") else _split_json(part)
            out.append((json.loads(ident) if ident.startswith("{") else ident, prop))
        return out


def _split_json(part: str) -> tuple[str, str]:
    end = part.rindex("}") + 1
    return part[:end], part[end + 1:]


def dash_app(server):
    """The Dash app whose Flask server this is (tests build it by importing `app`)."""
    module = sys.modules.get("app")
    assert module is not None and module.server is server, "the sample server is not app.server"
    return module.app


def server_callbacks(server) -> list[Spec]:
    app = dash_app(server)
    specs = []
    for entry in app._callback_list:
        if entry.get("clientside_function"):
            continue  # runs in the browser: the server never answers it
        assert entry["output"] in app.callback_map, entry["output"]
        specs.append(Spec(entry["output"], [_spec(i) for i in entry["inputs"]], [_spec(s) for s in entry["state"]]))
    return specs


def _spec(item: dict) -> dict:
    ident = item["id"]
    return {"id": json.loads(ident) if ident.startswith("{") else ident, "property": item["property"]}


def is_wildcard(ident: object) -> bool:
    return isinstance(ident, dict) and any(isinstance(v, list) for v in ident.values())


def concrete(ident: dict, fill: dict[str, object]) -> dict:
    """A pattern-matching id with each wildcard key given a value (`fill`, else a plausible string)."""
    return {k: (fill.get(k, "x") if isinstance(v, list) else v) for k, v in ident.items()}


def body(spec: Spec, values: dict[str, object], fills: list[dict[str, object]] | None = None) -> dict:
    """The callback's request body. values: property -> value for plain inputs and state; for a pattern-matching
    input or state, its value for each concrete id in `fills` (values[prop] is then a list, one per fill)."""
    fills = fills if fills is not None else [{}]

    def item(entry: dict) -> dict | list:
        ident, prop = entry["id"], entry["property"]
        if is_wildcard(ident):
            per_id = values.get(prop)
            per_id = per_id if isinstance(per_id, list) and len(per_id) == len(fills) else [per_id] * len(fills)
            ids = [concrete(ident, f) for f in fills]
            return [{"id": i, "property": prop, "value": i if prop == "id" else v}
                    for i, v in zip(ids, per_id, strict=True)]
        return {"id": ident, "property": prop, "value": values.get(prop)}

    outputs = []
    for ident, prop in spec.outputs():
        if is_wildcard(ident):
            outputs.append([{"id": concrete(ident, f), "property": prop.split("@")[0]} for f in fills])
        else:
            outputs.append({"id": ident, "property": prop.split("@")[0]})
    inputs = [item(e) for e in spec.inputs]
    changed = []
    for entry, given in zip(spec.inputs, inputs, strict=True):
        first = given[0] if isinstance(given, list) and given else given
        if isinstance(first, dict):
            ident = first["id"]
            changed.append(f"{json.dumps(ident, sort_keys=True, separators=(',', ':')) if isinstance(ident, dict) else ident}"
                           f".{entry['property']}")
    return {"output": spec.output, "outputs": outputs if len(outputs) > 1 else outputs[0], "inputs": inputs,
            "state": [item(e) for e in spec.state], "changedPropIds": changed[:1]}


def routes(server) -> list:
    """Every Flask rule except Dash's plumbing and static files (those: `plumbing_routes`)."""
    return [r for r in server.url_map.iter_rules() if not r.rule.startswith(PLUMBING) and r.rule != CALLBACKS_PATH]


def plumbing_routes(server) -> list:
    return [r for r in server.url_map.iter_rules() if r.rule.startswith(PLUMBING)]


def fill_rule(rule, page_urls: list[str], themes: list[str]) -> list[str]:
    """URLs for a rule: every combination of real and hostile values for its variables."""
    choices = {"indicator_id": INDICATOR_FILLS, "theme": [*themes, "no-such-theme", "%27%20OR%201=1"],
               "path": [u.lstrip("/") for u in page_urls if u != "/"] + ["no/such/page", "admin/audit", "casework",
                                                                      "data-quality", "%3Cscript%3E"],
               "kind": ["open-cases", "reconciliation", "x", "%27%20OR%201=1--"], "ext": ["csv", "xlsx", "x"],
               "code": ["DQ702", "DQ101", "x", "%27%20OR%201=1--"]}  # data-quality fix lists: real rules first
    urls = [rule.rule]
    for arg in sorted(rule.arguments):
        pattern = next(p for p in (f"<{arg}>", f"<path:{arg}>", f"<string:{arg}>") if p in rule.rule)
        urls = [url.replace(pattern, choice) for url in urls
                for choice in choices.get(arg, ["x", "%27%20OR%201=1--"])]
    return urls
