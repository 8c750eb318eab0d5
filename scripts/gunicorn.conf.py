"""How gunicorn serves the dashboard (scripts/run.sh and the Dockerfile both use this file).

One worker per core, each with its own read-only warehouse connection and a few threads: a page's callbacks
wait on DuckDB and on the cache, not on Python, so threads keep a core busy while one waits. HOST and PORT
choose the address (127.0.0.1:8050 by default; the Dockerfile binds 0.0.0.0).
"""

import os

from data.settings import settings

bind = f"{settings().host}:{settings().port}"
workers = max(2, os.cpu_count() or 1)
threads = 4
worker_class = "gthread"
timeout = 120  # the first board pack PDF after a load prints in Chromium
graceful_timeout = 30
keepalive = 10  # a reader pauses between clicks: the default 2 s reset connections a browser then sent again
# One JSON line per record on stderr, gunicorn's own (workers booting, a worker killed) as the app's
# (dashboard/logs.py). No access log: the app writes each request's line itself, with its request id and who
# asked, so gunicorn's would only say it again.
accesslog = None
logconfig_dict = {
    "root": {"level": "WARNING", "handlers": ["json"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
    "handlers": {"json": {"class": "dashboard.logs.StderrHandler", "formatter": "json"}},
    "formatters": {"json": {"()": "dashboard.logs.JsonFormatter"}},
}
control_socket_disable = True


def when_ready(_server) -> None:
    """Say how people sign in (demo mode: the demo users and their password) once the server listens."""
    from dashboard.signin import start_notice

    if notice := start_notice():
        print(notice, flush=True)
