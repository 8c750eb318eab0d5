"""Health checks for a load balancer, an orchestrator or Docker's HEALTHCHECK (README, "Deployment").

    /healthz   liveness: the process answers. Always 200 while it can answer at all.
    /readyz    readiness: the warehouse opens read-only. 200 with what is loaded (its version, data model
               version, reference date, when the file was built, how many councils it holds); 503 with the
               reason and what to run when it is missing, truncated or not one of ours.

Neither needs sign-in, and neither says anything a signed-out visitor could not already learn from the home
page: no figure, no child-level row. They are not audited (no child's record is in them) and never kept in the
response cache (it keeps only Dash's answers and downloads). Readiness opens the file on a connection of its
own, as the engine does, and reads only the `warehouse_info` and `loads` records; a load balancer asking every
few seconds reuses the last answer, ready or not, for `REUSE_S` seconds while the file is the same one (a
swapped-in load, a removed or truncated file has another identity, so it is seen at once).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import flask

from data.settings import settings
from data.warehouse.connect import (
    WarehouseUnavailable,
    councils,
    identity,
    open_readonly,
    remedy,
    warehouse_info,
)

LIVE_PATH = "/healthz"
READY_PATH = "/readyz"
PATHS = (LIVE_PATH, READY_PATH)
REUSE_S = 5.0
# warehouse path -> (its identity, when checked, the answer or the reason it is not ready)
_last: dict[str, tuple[tuple, float, dict | str]] = {}
_lock = threading.Lock()


def warehouse() -> Path:
    """The file this app serves: its own when it was built on one (a load warming its views), else the setting."""
    return Path(flask.current_app.config.get("WAREHOUSE") or settings().warehouse)


def readiness(path: Path) -> dict[str, object]:
    """What is loaded in `path`, or WarehouseUnavailable saying what is wrong and what to run."""
    now = identity(path)  # raises WarehouseUnavailable (with the command to run) when there is no file
    with _lock:
        known = _last.get(str(path))
    if known is not None and known[0] == now and time.monotonic() - known[1] < REUSE_S:
        answer = known[2]
    else:
        try:
            answer = _read(path, now)
        except WarehouseUnavailable as exc:
            answer = str(exc)
        with _lock:
            _last[str(path)] = (now, time.monotonic(), answer)
    if isinstance(answer, str):
        raise WarehouseUnavailable(answer)
    return answer


def _read(path: Path, now: tuple) -> dict[str, object]:
    con = open_readonly(path)
    try:
        info, held = warehouse_info(con), councils(con)
    except duckdb.Error as exc:  # it opened, but its records of loads do not read: not whole
        raise WarehouseUnavailable(f"The warehouse at {path} cannot be read: its records of loads are damaged "
                                   f"({type(exc).__name__}). {remedy(path)}") from exc
    finally:
        con.close()
    return {"status": "ready", "version": info["version"], "model_version": info.get("model_version"),
            "reference_date": info.get("reference_date"),
            "built": datetime.fromtimestamp(now[3] / 1e9, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "councils": len(held) or (1 if info.get("local_la_code") else 0)}


def _json(status: int, body: dict[str, object]) -> flask.Response:
    response = flask.jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"  # a proxy must ask the app each time
    return response


def live() -> flask.Response:
    return _json(200, {"status": "ok"})


def ready() -> flask.Response:
    try:
        return _json(200, readiness(warehouse()))
    except WarehouseUnavailable as exc:
        return _json(503, {"status": "unavailable", "reason": str(exc)})
    except OSError as exc:  # e.g. a mount this process may not read
        return _json(503, {"status": "unavailable", "reason": f"The warehouse at {warehouse()} could not be read "
                           f"({exc.strerror or type(exc).__name__}): check the mount and its permissions."})


def register(server: flask.Flask) -> None:
    server.add_url_rule(LIVE_PATH, "healthz", live)
    server.add_url_rule(READY_PATH, "readyz", ready)
