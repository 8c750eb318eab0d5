"""Serve the app with gunicorn on loopback for a test, as the Dockerfile serves it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(folder: Path, warehouse: Path, *, app: str = "app:server", workers: int = 2, threads: int = 4,
             audience: str = "officer"):
    """Yields the base URL once the port accepts connections. Only a TCP connect is made before, so the
    workers have served nothing when the test begins."""
    port = free_port()
    env = {**os.environ, "SEND_WAREHOUSE": str(warehouse), "SEND_AUDIENCE": audience,
           "SEND_CACHE_DIR": str(folder / "cache"), "PYTHONPATH": str(ROOT)}
    env.pop("SEND_CACHE_REDIS_URL", None)
    log_path = folder / "gunicorn.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), app, "--workers", str(workers), "--threads",
             str(threads), "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--no-control-socket"],
            env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.monotonic() + 40
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("gunicorn did not start:\n" + log_path.read_text()[-2000:])
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
