"""The app as the fault tests serve it: a request carrying `X-Hold: <seconds>` is held that long before the app
answers it, once the worker has written its pid into the folder `SEND_TEST_HOLDING` names, so a test can kill the
very worker serving a slow request. The request itself is the app's, untouched; every other request goes straight
to the app."""

from __future__ import annotations

import os
import time
from pathlib import Path

from app import server


def application(environ, start_response):
    hold = environ.get("HTTP_X_HOLD")
    if hold:
        (Path(os.environ["SEND_TEST_HOLDING"]) / str(os.getpid())).touch()
        time.sleep(float(hold))
    return server(environ, start_response)
