"""Serve the app with gunicorn on loopback, as scripts/run.sh and the Dockerfile serve it (scripts/gunicorn.conf.py),
for a benchmark or a test; and read a warehouse's home council.

    with gunicorn(folder, warehouse) as server:
        ... server.url ... server.started (time.monotonic() at launch)

The server gets its own empty file cache (`<folder>/cache`) and log (`<folder>/gunicorn.log`); on leaving, it is
stopped (SIGTERM to its process group, then SIGKILL), so nothing is left running.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "gunicorn.conf.py"
SAMPLE_WAREHOUSE = ROOT / "data" / "sample" / "warehouse.duckdb"


class ServerError(RuntimeError):
    """gunicorn did not start; the message ends with its log's last lines."""


@dataclass(frozen=True)
class Server:
    url: str
    started: float  # time.monotonic() just before gunicorn was launched
    process: subprocess.Popen
    log: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def home_area(warehouse: Path) -> str:
    """The council whose local records the warehouse holds (the engine's own answer), e.g. E06000023."""
    from indicators.engine import Engine

    engine = Engine(warehouse)
    try:
        area = engine.local_area
    finally:
        engine.close()
    if not area:
        raise SystemExit(f"{warehouse} holds no council's local records: load an extract with --la first.")
    return area


@contextmanager
def gunicorn(folder: Path, warehouse: Path, *, app: str = "app:server", workers: int | None = None,
             threads: int | None = None, timeout: float = 60,
             env: dict[str, str] | None = None) -> Iterator[Server]:
    """Yields once the port accepts connections: only a TCP connect is made before, so the workers have served
    nothing yet. `workers` and `threads` override the configuration's (one worker per core, 4 threads); `env`
    adds or overrides settings (SEND_CACHE_REDIS_URL among them: none is inherited). Requests
    sign in with `session_cookie` (the server signs sessions with the key this machine keeps)."""
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    # A benchmark's cache starts empty and is its own; a test of several servers names a shared Redis in `env`
    inherited = {name: value for name, value in os.environ.items() if name != "SEND_CACHE_REDIS_URL"}
    environment = {**inherited, "SEND_WAREHOUSE": str(warehouse), "SEND_AUTH": "demo",
                   "SEND_CACHE_DIR": str(folder / "cache"), "PYTHONPATH": str(ROOT), "HOST": "127.0.0.1",
                   "PORT": str(port), **(env or {})}
    command = [str(Path(sys.executable).with_name("gunicorn")), app, "--config", str(CONFIG), "--chdir", str(ROOT)]
    command += ["--workers", str(workers)] if workers else []
    command += ["--threads", str(threads)] if threads else []
    log_path = folder / "gunicorn.log"
    with open(log_path, "wb") as log:
        started = time.monotonic()
        process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=log,
                                   start_new_session=True)  # its own group: stopping it stops every worker
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > started + timeout:
                    raise ServerError("gunicorn did not start:\n" + log_path.read_text(errors="replace")[-2000:]) from None
                time.sleep(0.05)
        yield Server(f"http://127.0.0.1:{port}", started, process, log_path)
    finally:
        stop(process)


def session_cookie(audience: str, council: str) -> dict[str, str]:
    """The cookie that signs a simulated person in as a holder of `audience`'s role in `council` ({} for public:
    a signed-out visitor sees the public tier)."""
    from dashboard.identity import Role, User, signed_session

    if audience == "public":
        return {}
    user = User(f"bench:{audience}", f"Benchmark {audience}", {council: frozenset({Role(audience)})}, "bench")
    return {"send_session": signed_session(user)}


def warm_cache(warehouse: Path, folder: Path) -> float:
    """The app's cache as a load leaves it (`dashboard.warm`: the home council's default views drawn for its
    partners and for signed-out visitors) in `folder`; returns the seconds it took."""
    env = {**os.environ, "SEND_CACHE_DIR": str(folder), "PYTHONPATH": str(ROOT)}
    env.pop("SEND_CACHE_REDIS_URL", None)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"from dashboard.warm import warm; warm({str(warehouse)!r})"],
                   env=env, cwd=ROOT, check=True, timeout=900, capture_output=True)
    return time.perf_counter() - started


def status(url: str, method: str = "GET", body: str | None = None, cookies: dict[str, str] | None = None) -> int:
    """The HTTP status of one request (0: no answer at all), the body read and dropped."""
    headers = {"Content-Type": "application/json"} if body else {}
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    request = urllib.request.Request(url, data=body.encode() if body else None, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def stop(process: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM to the process's group, SIGKILL after `grace` seconds; waits for it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
