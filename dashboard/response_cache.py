"""Whole answers to the browser, kept once made: a page or chart a reader has already been sent costs a lookup.

A Dash callback's answer (or a download's) is a pure function of what the browser sent (the request body, or the
query), the data (the warehouse version), who asks (the roles the signed-in session holds, never a value from the
browser; and, for the page frame that names them, the person), the code and settings that drew it, and the day (a page says how old its figures are). The key covers
all five, so a new load, an upgrade, a changed setting or a new day never serves an old answer, and nothing needs
flushing.

Answers live in the app's flask-caching store (`indicators.cache.app_cache`): on the file system or in Redis,
so every worker shares them, and a load can fill them before it goes live (`dashboard.warm`). Only complete
answers (HTTP 200) are kept; errors and "nothing to update" are always made afresh, and so is any answer that
holds children's records (`dont_keep`): each of those is written to the audit log as it is made.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import threading
from datetime import date
from pathlib import Path

import flask

from dashboard import access
from dashboard.identity import current_user
from data.settings import settings

LOG = logging.getLogger(__name__)
CACHED_PATHS = ("/_dash-update-component", "/_dash-layout")
DOWNLOADS = "/download/"  # CSV and workbook downloads: a function of their path and query like the rest
KEPT_HEADERS = ("Content-Type", "Content-Disposition")
ROOT = Path(__file__).resolve().parent.parent
CODE_FOLDERS = ("dashboard", "indicators", "assets")
WAIT_FOR_DRAWING_S = 30.0


@functools.cache
def code_digest() -> str:
    """The code, catalogue and queries that draw an answer: an upgrade starts a fresh set of answers."""
    digest = hashlib.sha256()
    for folder in CODE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".yaml", ".sql", ".json", ".css", ".js"}:
                digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


# Settings that only say where things are or how to serve them: the warehouse's version already says which
# data, so a load warming its views on a file not yet live shares its answers with the app serving it.
PLUMBING = {"warehouse", "temp_dir", "cache_redis_url", "cache_dir", "cache_threshold", "host", "port", "chromium",
            "proxies", "secret_key", "users_file", "session_idle_minutes", "session_hours", "cookie_secure", "production",
            "oidc_metadata_url", "oidc_client_id", "oidc_client_secret", "oidc_role_claim", "oidc_role_map",
            "audit_log"}


def _settings_digest() -> str:
    return hashlib.sha256(settings().model_dump_json(exclude=PLUMBING).encode()).hexdigest()[:16]


def answer_key(path: str, body: bytes, version: str, audience: str, today: date) -> str:
    """The cache key of one answer (see the module docstring for why each part is in it); a changed setting
    (the council's branding, the board's measures) starts a fresh set of answers too."""
    digest = hashlib.sha256(b"\0".join([path.encode(), body, audience.encode()])).hexdigest()[:32]
    return f"answer:{version}:{code_digest()}:{_settings_digest()}:{today.isoformat()}:{digest}"


def _current_key() -> str | None:
    request = flask.request
    if request.method == "POST" and request.path in CACHED_PATHS:
        asked = canonical(request.get_data())
    elif request.method == "GET" and (request.path in CACHED_PATHS or request.path.startswith(DOWNLOADS)):
        asked = request.query_string
    else:
        return None
    try:
        version = access.engine().version
    except Exception:  # noqa: BLE001 - no warehouse: the page explains that itself, uncached
        return None
    return answer_key(request.path, asked, version, who_asks(), date.today())


def who_asks() -> str:
    """People holding the same roles share answers; the page frame, which names the person, is their own."""
    user = current_user()
    return f"{user.id}#{user.grants_key()}" if flask.request.path == "/_dash-layout" else user.grants_key()


def dont_keep() -> None:
    """This request's answer is never kept (it holds children's records, each view of which is audited)."""
    if flask.has_request_context():
        flask.g.dont_keep = True


def canonical(body: bytes) -> bytes:
    """A JSON body in one spelling (keys sorted, no spaces): the browser's and `dashboard.warm`'s bodies for
    the same view share one kept answer."""
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        return body


class _Drawing:
    """One drawing of an answer at a time in this process: a room full of people opening the same new view at
    once wait for the first drawing and share it, instead of drawing it once each (threads of a worker)."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def done(self, key: str, lock: threading.Lock) -> None:
        lock.release()
        with self._guard:
            if not lock.locked() and self._locks.get(key) is lock:
                del self._locks[key]


def install(server: flask.Flask) -> None:
    """Serve kept answers before Dash runs, and keep Dash's complete answers after."""
    from indicators.cache import app_cache

    drawing = _Drawing()

    def _kept(key: str) -> flask.Response | None:
        kept = app_cache(server).get(key)
        return None if kept is None else flask.Response(kept[1], headers=kept[0])

    @server.before_request
    def _serve_kept():
        key = _current_key()
        if key is None:
            return None
        kept = _kept(key)
        if kept is None:
            lock = drawing.lock(key)
            if lock.acquire(timeout=WAIT_FOR_DRAWING_S):  # else whoever draws it is stuck: draw it too
                flask.g.answer_drawing = (key, lock)
                kept = _kept(key)  # drawn by another request while this one waited
            if kept is None:
                flask.g.answer_key = key
        return kept

    @server.after_request
    def _keep(response: flask.Response) -> flask.Response:
        key = flask.g.pop("answer_key", None)
        keep = response.status_code == 200 and not response.direct_passthrough and not flask.g.get("dont_keep")
        if key is not None and keep:
            headers = [(name, value) for name, value in response.headers.items() if name in KEPT_HEADERS]
            try:
                app_cache(server).set(key, (headers, response.get_data()))
            except Exception:  # noqa: BLE001 - a full or unreachable cache only costs speed
                LOG.warning("could not keep the answer to %s", flask.request.path, exc_info=True)
        return response

    @server.teardown_request
    def _done(_error: BaseException | None) -> None:
        held = flask.g.pop("answer_drawing", None)
        if held is not None:
            drawing.done(*held)
