"""Structured logs: one JSON object a line on stderr, and every request's line carrying its request id.

- `JsonFormatter` writes a record as one JSON line (`time`, `level`, `logger`, `pid` (which worker), `message`,
  inside a request its `request_id`, and a failure's `traceback`); JSON escapes newlines and control
  characters, so a value sent by a browser can never start a line of its own.
- `configure` (called by app.py, for the app that is served) gives the root logger one stderr handler with it,
  unless one is there already (gunicorn puts one there itself: `logconfig_dict` in scripts/gunicorn.conf.py,
  which also turns gunicorn's access log off, since the app writes a fuller line per request).
- `install` takes each request's id from its `X-Request-Id` header when that is a safe token (1-64 letters,
  digits and `._:-`, what nginx's `$request_id` or a load balancer's uuid sends), else makes one; returns it in
  the response's `X-Request-Id` and writes the request's line when it is answered. Every other record logged
  while the request runs (a warning, a failure's traceback) carries the same id, and so does its audit entry.

A request's line holds its method, path, status and duration, and who asked as the roles held in each council
and how they signed in, never a name, an e-mail address or a user id (a local user's id can be their e-mail).
Of the query string only the parameters' names are kept, never their values: a value can be a caseworker's
name (`/casework?caseworker=`), a search of the audit log or a child's id, and this log goes to wherever the
host sends stderr, read more widely than the audit log, which keeps each view of children's records with its
filters. A Dash callback's line names the component it updates (`callback`), never what the browser sent.
Successful health checks are logged at DEBUG (a load balancer asks every few seconds), failed ones as usual.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

import flask

from dashboard import health

REQUESTS = "dashboard.requests"
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
HEADER = "X-Request-Id"
MAX_PATH = 300
MAX_NAMES = 20
MAX_NAME = 40
CALLBACK_PATH = "/_dash-update-component"
LOG = logging.getLogger(REQUESTS)


def current_request_id() -> str | None:
    return flask.g.get("request_id") if flask.has_request_context() else None


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON; a record's `fields` (`extra={"fields": {...}}`) join the top level."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname, "logger": record.name, "pid": record.process, "message": record.getMessage()}
        if request_id := current_request_id():
            entry["request_id"] = request_id
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)


class StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time (gunicorn's, a test's capture), in JSON."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(JsonFormatter())

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:  # the stream is always the current stderr
        pass


def configure() -> None:
    """JSON lines on stderr for every record of this process, once; requests' lines at INFO."""
    root = logging.getLogger()
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
        root.addHandler(StderrHandler())
    logging.captureWarnings(True)  # a library's warning is a JSON line too, not text printed on stderr
    LOG.setLevel(logging.INFO)
    # The development server's access lines carry each query string's values (a caseworker's name, say): the
    # request log above says the same with the parameters' names only
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def request_id(asked: str | None) -> str:
    """The caller's id when it is a safe token, else a new one."""
    return asked if asked and REQUEST_ID.fullmatch(asked) else uuid.uuid4().hex


def _who() -> dict[str, object]:
    """Who asked, as the request itself worked it out. A request refused before sign-in's hook ran (a forged
    callback, say) never read its session, and its log line must not read it either (that can renew it)."""
    user = flask.g.get("who")
    if user is None:
        return {"auth": "unread", "roles": {}}
    return {"auth": user.source,
            "roles": {council: sorted(str(role) for role in roles) for council, roles in sorted(user.grants.items())
                      if roles}}


def _callback() -> str | None:
    request = flask.request
    if request.method != "POST" or not request.path.endswith(CALLBACK_PATH):
        return None
    body = request.get_json(silent=True)
    output = body.get("output") if isinstance(body, dict) else None
    return output[:MAX_PATH] if isinstance(output, str) else None


def request_fields(response: flask.Response) -> dict[str, object]:
    request = flask.request
    fields: dict[str, object] = {
        "request_id": flask.g.request_id, "method": request.method, "path": request.path[:MAX_PATH],
        "query": sorted({name[:MAX_NAME] for name in request.args})[:MAX_NAMES],
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - flask.g.request_started) * 1000, 1)}
    if callback := _callback():
        fields["callback"] = callback
    fields.update(_who())
    return fields


def _level(status: int) -> int:
    if status >= 500:
        return logging.ERROR
    return logging.DEBUG if status < 400 and flask.request.path in health.PATHS else logging.INFO


def install(server: flask.Flask) -> None:
    """Give every request an id and a line in the log. Call it before anything else that hooks requests, so the
    id is there for them and the line is written last, with the status the browser gets. The lines are written
    where `configure` has been called (the served app, app.py); elsewhere (a load drawing its views into the
    cache) only failures are."""

    @server.before_request
    def _start() -> None:
        flask.g.request_started = time.perf_counter()
        flask.g.request_id = request_id(flask.request.headers.get(HEADER))

    @server.after_request
    def _finish(response: flask.Response) -> flask.Response:
        if "request_id" not in flask.g:  # answered before our hook ran (another hook refused it)
            _start()
        response.headers[HEADER] = flask.g.request_id
        try:
            level = _level(response.status_code)
            if LOG.isEnabledFor(level):
                LOG.log(level, "%s %s %s", flask.request.method, flask.request.path[:MAX_PATH], response.status_code,
                        extra={"fields": request_fields(response)})
        except Exception:  # noqa: BLE001 - a log line never costs the reader their answer
            LOG.warning("could not log the request", exc_info=True)
        return response
