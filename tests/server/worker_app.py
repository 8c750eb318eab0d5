"""The app as the running-app test serves it: every answer names the worker process that gave it (header
`X-Worker`), so the test can tell that each gunicorn worker has answered."""

from __future__ import annotations

import os

from app import server


def application(environ, start_response):
    def start(status, headers, exc_info=None):
        return start_response(status, [*headers, ("X-Worker", str(os.getpid()))], exc_info)

    return server(environ, start)
