"""Locust users replaying captured journeys (`bench.journeys`): run it with `python -m bench.load`.

Each simulated user is a new browser: it fetches the static files once, then walks one journey after another
(picked at random), step by step, with a short think time between steps. A step sends the requests the browser
sent, in the order captured (the page, its layout and dependencies, its callbacks with their captured payloads,
a download). A request fails when its status differs from the one captured or is an error; one whose kept-alive
connection was reset before any answer is sent again once, as a browser does (counted as `retried ...`).
Requests are named by kind (`page /board`, `layout`, `callback _pages_content+_pages_store /clinic`,
`download csv`), so locust's statistics come per kind.

Options added to locust's own: `--journeys FILE` (written by `python -m bench.journeys`), `--think 1-3` (the
think time range in seconds) and `--request-log FILE` (every request's name, time and error, if any, appended).
"""

from __future__ import annotations

import random
from pathlib import Path

from locust import HttpUser, events, task

from bench.journeys import RETRIED, load
from bench.server import session_cookie

JOURNEYS: dict | None = None  # set from the options when locust starts (`_configure`)
THINK = (1.0, 3.0)
LOG: str | None = None
RESET = ("Connection aborted", "RemoteDisconnected", "ConnectionResetError")
HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--journeys", help="a journeys file written by `python -m bench.journeys`")
    parser.add_argument("--think", default="1-3", help="think time between steps, a range in seconds")
    parser.add_argument("--request-log", default="", help="append every request's name, time and error here")


@events.init.add_listener
def _configure(environment, **_kwargs) -> None:
    global JOURNEYS, THINK, LOG
    options = environment.parsed_options
    if options is None:
        return
    JOURNEYS = load(Path(options.journeys)) if options.journeys else None
    THINK = tuple(float(x) for x in options.think.split("-", 1))
    LOG = options.request_log or None
    if LOG:
        events.request.add_listener(_log_request)


class JourneyUser(HttpUser):
    def wait_time(self) -> float:  # between journeys; within one, each step is followed by think time too
        return random.uniform(*THINK)

    def on_start(self) -> None:
        if JOURNEYS is None:
            raise RuntimeError("give --journeys: a file written by `python -m bench.journeys`")
        for name, value in session_cookie(JOURNEYS["audience"], JOURNEYS["area"]).items():
            self.client.cookies.set(name, value)  # signed in as the audience the journeys were captured for
        for asset in JOURNEYS["assets"]:  # a new browser's first visit: every script and style once
            self._send({"kind": "asset", "name": "asset", "method": "GET", "path": asset["path"], "body": None,
                        "status": asset["status"]})

    def _send(self, request: dict, retry: bool = True) -> None:
        post = request["method"] == "POST"
        with self.client.request(request["method"], request["path"], data=request["body"] if post else None,
                                 headers=HEADERS if post else None, name=request["name"],
                                 catch_response=True) as answer:
            error = f": {answer.error}" if answer.error else ""  # no answer at all: the connection's error
            if retry and answer.status_code == 0 and any(word in error for word in RESET):
                # A kept-alive connection the server closed while the user was thinking: a browser sends the
                # request again on a new connection, so do the same, and count the reset under its own name.
                answer.request_meta["name"] = f"{RETRIED} {request['name']}"
                answer.failure(f"connection reset, sent again{error}")
            elif answer.status_code != request["status"] or answer.status_code >= 400:
                answer.failure(f"HTTP {answer.status_code} (captured {request['status']}){error}")
                return
            else:
                answer.success()
                return
        self._send(request, retry=False)

    @task
    def walk(self) -> None:
        journey = random.choice(JOURNEYS["journeys"])
        for number, step in enumerate(journey["steps"]):
            if number:
                self.wait()
            for request in step["requests"]:
                self._send(request)


def _log_request(request_type, name, response_time, response_length, exception=None, **_kwargs) -> None:
    """Every request's time, for exact percentiles (locust's own are rounded): `name<TAB>ms<TAB>error` lines."""
    error = " ".join(str(exception).split())[:200] if exception else ""
    with open(LOG, "a") as log:
        log.write(f"{name}\t{response_time:.2f}\t{error}\n")

