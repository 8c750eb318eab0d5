"""What every answer of the server is hardened with, in one place (`install`, called by `shell.create_app`).

- Security headers on every response, errors included: a Content-Security-Policy that lets the page run only
  its own scripts (files from this server, and the inline scripts Dash's index carries, allowed by their
  sha256 hash, worked out from the index the app actually renders), never framed (`frame-ancestors 'none'`,
  X-Frame-Options), no MIME sniffing, no referrer to other sites, no powerful browser features, and a
  browsing context of its own (Cross-Origin-Opener-Policy).
- Cross-site requests refused: a state-changing request (POST, PUT, PATCH, DELETE: Dash's callbacks are
  POSTs) whose Origin, or failing that Referer, names another host than the one it was sent to answers 403.
  Browsers always send Origin on a cross-site POST; a request with neither header (curl, `dashboard.warm`)
  comes from no page, so no page can forge it. The host compared is the request's own Host header: a
  deployment behind a TLS proxy must pass Host through unchanged.
- An unknown path answers Dash's index (its 404 page still draws) with status 404, not 200.
- A callback body that is not the shape Dash sends answers 400 with a short message, before Dash runs.
- Anything unexpected answers 500 with a short plain message; the traceback goes to the log, never to the
  client.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
from collections.abc import Mapping
from html.parser import HTMLParser
from urllib.parse import urlsplit

import flask
from dash.exceptions import DependencyException
from werkzeug.exceptions import HTTPException

LOG = logging.getLogger(__name__)
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PORT = {"http": 80, "https": 443}
CALLBACK_ENDPOINT = "_dash-update-component"
LAYOUT_ENDPOINT = "_dash-layout"
CATCHALL_RULE = "<path:path>"
# Every powerful feature off: the dashboard reads figures and needs none of them.
PERMISSIONS_OFF = ("accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "geolocation",
                   "gyroscope", "hid", "magnetometer", "microphone", "midi", "payment", "publickey-credentials-get",
                   "screen-wake-lock", "serial", "usb", "xr-spatial-tracking")
SCRIPT_TYPES = ("", "text/javascript", "application/javascript", "module")  # what a browser runs
FAILED = ("Something went wrong on the server. Try again; if it keeps happening, tell the team that runs this "
          "dashboard.")
REFUSED_CROSS_SITE = "This request came from another site and was refused."


def content_security_policy(script_hashes: list[str]) -> str:
    """The policy, with the hash sources (`'sha256-...'`) of the inline scripts the index may run.

    style-src needs 'unsafe-inline': Dash's renderer, its core components and React write <style> elements,
    and plotly.js <style> elements and style attributes, all made at run time where no hash can cover them
    (a browser shows each refused without it). A style cannot run code, so the scripts stay exactly as tight.
    No 'unsafe-eval': neither Dash nor plotly.js (the basic bundle or the full one) needs it."""
    return "; ".join([
        "default-src 'self'",
        " ".join(["script-src 'self'", *script_hashes]),
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def headers(script_hashes: list[str]) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(script_hashes),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": ", ".join(f"{feature}=()" for feature in PERMISSIONS_OFF),
        "Cross-Origin-Opener-Policy": "same-origin",
    }


# --- the inline scripts of the index --------------------------------------------------------------------------

class _InlineScripts(HTMLParser):
    """The text of each <script> without a src whose type a browser runs (Dash's JSON config is data)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = {k: (v or "") for k, v in attrs}
        if tag == "script" and "src" not in named and named.get("type", "").strip().lower() in SCRIPT_TYPES:
            self._open = []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._open is not None:
            self.scripts.append("".join(self._open))
            self._open = None


def script_hashes(page: str) -> list[str]:
    """The CSP hash source of every inline script `page` would run, in order of first appearance."""
    parser = _InlineScripts()
    parser.feed(page)
    parser.close()
    digests = [base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() for s in parser.scripts]
    return [f"'sha256-{d}'" for d in dict.fromkeys(digests)]


def _endpoint(server: flask.Flask, name: str) -> str | None:
    """The endpoint of Dash's route `name` (Dash names each route by its full path, prefix included)."""
    for rule in server.url_map.iter_rules():
        if rule.rule.endswith("/" + name) and rule.endpoint == rule.rule:
            return rule.endpoint
    return None


def _index_hashes(server: flask.Flask) -> list[str] | None:
    """The hashes of the inline scripts in the index Dash renders (the same on every page: only the script
    files differ). Dash adds the pages router's script while serving its first request, so this is worked out
    once that request has been set up; None when the index cannot be rendered yet."""
    endpoint = _endpoint(server, "")
    if endpoint is None:
        return None
    try:
        with server.test_request_context(endpoint):
            return script_hashes(server.view_functions[endpoint]())
    except Exception:  # noqa: BLE001 - no hash: inline scripts are refused, which fails safe
        LOG.warning("could not render the index to find its inline scripts", exc_info=True)
        return None


# --- requests from another site -------------------------------------------------------------------------------

def _host_port(url: str) -> tuple[str, int, str] | None:
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORT or not parts.hostname:
        return None
    try:
        return parts.hostname.lower(), parts.port or DEFAULT_PORT[parts.scheme], parts.scheme
    except ValueError:  # a port that is not a number
        return None


def same_origin(claimed: str, host: str) -> bool:
    """Whether the origin (or referring URL) `claimed` is the host the request was sent to (`Host`, with its
    port or none for the scheme's default). The scheme is not compared: behind a TLS proxy the app itself
    is spoken to in plain HTTP."""
    origin = _host_port(claimed)
    if origin is None:  # "null" (a sandboxed frame), or not a web address
        return False
    target = urlsplit("//" + host)
    try:
        port = target.port or DEFAULT_PORT[origin[2]]
    except ValueError:
        return False
    return (target.hostname or "").lower() == origin[0] and port == origin[1]


def _refuse_cross_site() -> flask.Response | None:
    request = flask.request
    if request.method not in STATE_CHANGING:
        return None
    claimed = request.headers.get("Origin")
    if claimed is None:
        claimed = request.headers.get("Referer")
    if claimed is None or same_origin(claimed, request.host):
        return None
    LOG.warning("refused a %s to %s from another origin (%.100s)", request.method, request.path, claimed)
    return plain(403, REFUSED_CROSS_SITE)


# --- callback bodies ------------------------------------------------------------------------------------------

def _many(spec_id: object) -> bool:
    """Whether a dependency's id (as Dash stores it: a string, JSON for a pattern) matches a list of
    components (ALL or ALLSMALLER) rather than one."""
    return isinstance(spec_id, str) and ('["ALL"]' in spec_id or '["ALLSMALLER"]' in spec_id)


def _one(item: object) -> bool:
    return (isinstance(item, dict) and isinstance(item.get("id"), str | dict) and item.get("id") != ""
            and isinstance(item.get("property"), str))


def _fits(item: object, spec_id: object) -> bool:
    if _many(spec_id):
        return isinstance(item, list) and all(_one(i) for i in item)
    return _one(item)


PAGE_LOCATION = "_pages_location"  # the dcc.Location Dash's page routing reads


def callback_problem(body: object, callbacks: Mapping[str, Mapping]) -> str | None:
    """What is wrong with a callback request's body, in a short sentence, or None when it has the shape Dash
    sends for one of `callbacks` (Dash's callback map): an object naming a callback's `output`, with the
    `outputs`, `inputs` and `state` that callback takes (as many, each a component or a list of them)."""
    from dash._utils import split_callback_id

    if not isinstance(body, dict):
        return "The request must be a JSON object."
    output = body.get("output")
    if not isinstance(output, str) or not output:
        return "The request must name the callback's output."
    spec = callbacks.get(output)
    if spec is None:
        return "No callback has that output."
    if not spec.get("no_output"):
        wanted = split_callback_id(output)
        outputs = body.get("outputs")
        if isinstance(wanted, dict):
            if not _fits(outputs, wanted["id"]):
                return "The request's outputs do not match the callback's."
        elif not (isinstance(outputs, list) and len(outputs) == len(wanted)
                  and all(_fits(o, w["id"]) for o, w in zip(outputs, wanted, strict=True))):
            return "The request's outputs do not match the callback's."
    for part in ("inputs", "state"):
        given, expected = body.get(part, []), spec.get(part) or []
        if not isinstance(given, list) or len(given) != len(expected):
            return f"The callback takes {len(expected)} {part}."
        if not all(_fits(g, e.get("id")) for g, e in zip(given, expected, strict=True)):
            return f"The request's {part} do not match the callback's."
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds must be a list of strings."
    return next(filter(None, map(_location_problem, body.get("inputs", []))), None)


def _location_problem(item: object) -> str | None:
    """Dash's own page callback reads the URL's pathname and search as text, the pathname from "/", and fails (a
    500) on anything else. A browser always sends that; a forged number, list, null or relative pathname is refused."""
    if not isinstance(item, dict) or item.get("id") != PAGE_LOCATION:
        return None
    value, pathname = item.get("value"), item.get("property") == "pathname"
    if (not isinstance(value, str) and (pathname or value is not None)) or (pathname and not value.startswith("/")):
        return "The page's address must be text, its path starting with '/'."
    return None


def _dash_callbacks(server: flask.Flask) -> Mapping[str, Mapping]:
    """The Dash app's callback map: its layout route is a method of the app."""
    endpoint = _endpoint(server, LAYOUT_ENDPOINT)
    view = server.view_functions.get(endpoint) if endpoint else None
    return getattr(getattr(view, "__self__", None), "callback_map", {})


def _check_callback(server: flask.Flask) -> flask.Response | None:
    request = flask.request
    if request.url_rule is None or not request.url_rule.rule.endswith("/" + CALLBACK_ENDPOINT):
        return None
    if not request.is_json:
        return plain(400, "A callback request must be JSON (Content-Type: application/json).")
    body = request.get_json(silent=True)  # parsed once: Dash reads the same parse
    problem = "The request is not valid JSON." if body is None else callback_problem(body, _dash_callbacks(server))
    return None if problem is None else plain(400, problem)


# --- answers --------------------------------------------------------------------------------------------------

def plain(status: int, message: str) -> flask.Response:
    response = flask.Response(message + "\n", status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def _failure(error: Exception) -> flask.Response:
    if isinstance(error, HTTPException):  # 404, 405, ...: Flask's own short answer
        return error.get_response()
    if isinstance(error, DependencyException):  # a script file Dash does not serve: not found, not a failure
        return plain(404, "There is no such file.")
    LOG.error("%s %s failed", flask.request.method, flask.request.path, exc_info=error)
    return plain(500, FAILED)


def _unknown_path_is_404(view):
    """Dash's catch-all answers its index for any path (the browser draws Dash's 404 page there); a path no
    registered page matches gets that index with status 404."""
    @functools.wraps(view)
    def answer(*args, **kwargs):
        from dashboard.shell import page_at

        body = view(*args, **kwargs)
        return (body, 200) if page_at(kwargs.get("path", "")) else (body, 404)

    return answer


def install(server: flask.Flask) -> None:
    """Attach the checks and headers to the app's Flask server. Call it before `response_cache.install`, so a
    refused request is never answered from the kept answers."""
    state: dict[str, list[str]] = {}

    def _hashes() -> list[str]:
        if "hashes" not in state:
            found = _index_hashes(server)
            if found is None:
                return []
            state["hashes"] = found
        return state["hashes"]

    server.before_request(_refuse_cross_site)
    server.before_request(lambda: _check_callback(server))

    @server.after_request
    def _secure(response: flask.Response) -> flask.Response:
        response.headers.update(headers(_hashes()))
        return response

    server.register_error_handler(Exception, _failure)
    catchall = _endpoint(server, CATCHALL_RULE)
    if catchall is not None:
        server.view_functions[catchall] = _unknown_path_is_404(server.view_functions[catchall])
