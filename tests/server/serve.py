"""Serve the app with gunicorn on loopback for a test, as the Dockerfile serves it (bench.server does the work)."""

from __future__ import annotations

import getpass
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from bench import server
from tests.server.conftest import SAMPLE


def program(name: str) -> str | None:
    return shutil.which(name) or next((str(p) for p in (Path("/usr/sbin") / name, Path("/usr/bin") / name)
                                       if p.exists()), None)


def programs(*names: str) -> list[str]:
    """The paths of the programs a test serves with, beside the sample warehouse: the test is skipped, naming
    what is missing, without a program, and fails without the warehouse (the test command builds it)."""
    found = [program(name) for name in names]
    missing = [name for name, path in zip(names, found, strict=True) if not path]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed (scripts/test.sh installs Debian's packages where it "
                    "may use apt-get)")
    if not SAMPLE.exists():
        pytest.fail("the sample warehouse is missing: run `python -m data sample` first (scripts/test.sh does)")
    return found


@contextmanager
def gunicorn(folder: Path, warehouse: Path, *, app: str = "app:server", workers: int = 2, threads: int = 4):
    """Yields the base URL once the port accepts connections. Only a TCP connect is made before, so the
    workers have served nothing when the test begins."""
    try:
        with server.gunicorn(folder, warehouse, app=app, workers=workers, threads=threads, timeout=40) as running:
            yield running.url
    except server.ServerError as exc:
        pytest.fail(str(exc))


NGINX_CONF = """\
daemon off;
worker_processes 1;
user {user};
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    upstream dashboard {{
        server 127.0.0.1:{a};
        server 127.0.0.1:{b};
    }}
    proxy_set_header Host $http_host;
    proxy_read_timeout 120s;
    server {{
        listen 127.0.0.1:{port};
{locations}
    }}
}}
"""
NO_RETRY = """\
        location / {
            proxy_pass http://dashboard;
            proxy_next_upstream off;
            add_header X-Upstream $upstream_addr always;
        }"""


def nginx_conf(tmp: Path, port: int, a: str, b: str, locations: str = NO_RETRY) -> str:
    """nginx round-robin over two app servers (`a`, `b`: their URLs) on loopback `port`, run as this user with
    every file in `tmp`; `locations` are the server's location blocks (its own X-Upstream header names which
    server answered: the app sets none)."""
    return NGINX_CONF.format(tmp=tmp, user=getpass.getuser(), port=port, a=a.rsplit(":", 1)[1],
                             b=b.rsplit(":", 1)[1], locations=locations)
