"""Serve the app with gunicorn on loopback for a test, as the Dockerfile serves it (bench.server does the work)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest

from bench import server


@contextmanager
def gunicorn(folder: Path, warehouse: Path, *, app: str = "app:server", workers: int = 2, threads: int = 4):
    """Yields the base URL once the port accepts connections. Only a TCP connect is made before, so the
    workers have served nothing when the test begins."""
    try:
        with server.gunicorn(folder, warehouse, app=app, workers=workers, threads=threads, timeout=40) as running:
            yield running.url
    except server.ServerError as exc:
        pytest.fail(str(exc))
