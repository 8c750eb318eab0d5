"""Faults while the app serves, with real processes on loopback: a gunicorn worker killed in the middle of a
request, and Redis (the shared cache) going away mid-run and coming back. What a reader sees is asserted on every
request made meanwhile: 200, with the same content as before the fault.

A worker killed mid-request. gunicorn replaces a dead worker, but the request it was serving is lost with it: the
connection closes with no answer. The product's answer is the proxy in front of two instances (the deployment of
several instances, as tests/server/test_two_instances.py runs it): nginx sends a request whose upstream failed
before answering to the other instance (`proxy_next_upstream error timeout`). It does so for the app's POSTs too
(`non_idempotent`), but only at the address Dash callbacks post to, `/_dash-update-component`: a callback only
reads, drawing a view from the read-only warehouse, so drawing it twice changes nothing (at worst an officer's view
is in the audit log twice). Sign-in and sign-out, which change things, are never sent twice. The slow request is
made slow by the test's app (`tests/server/fault_app.py`: held a few seconds before the app answers it).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import redis
import requests

from bench.server import Server, free_port, gunicorn, stop
from dashboard.response_cache import canonical
from dashboard.warm import page_request
from tests.identity import HOME
from tests.server.serve import SAMPLE, nginx_conf, programs
from tests.server.test_two_instances import answer_keys, start, wait_for, writes

KEY = "fault-tests-key-" + "k" * 32
TIMEOUT_S = 90  # any one answer or start; a test fails rather than waits longer
HOLD_S = 3  # how long the slow request is held before the app answers it
FIGURE = f"/download/ehcp_caseload.csv?area={HOME}&breakdown=primary_need"
NEW_FIGURE = f"/download/ehcp_caseload.csv?area={HOME}&breakdown=age_band"
BOARD = json.dumps(page_request("/board", f"?area={HOME}"))
# What readers ask for during a fault: a figure to download and the board's page (a Dash callback, a POST)
pytestmark = pytest.mark.slow  # serves the app with gunicorn

ASKED = {"figure": ("GET", FIGURE, None), "board": ("POST", "/_dash-update-component", BOARD)}

RETRY = """\
        location / {
            proxy_pass http://dashboard;
            proxy_next_upstream error timeout;
            add_header X-Upstream $upstream_addr always;
        }
        location = /_dash-update-component {
            proxy_pass http://dashboard;
            proxy_next_upstream error timeout non_idempotent;
            add_header X-Upstream $upstream_addr always;
        }"""  # a request an app server dropped is sent to the other (see the test)


def ask(base: str, what: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    """(status, body, the upstreams nginx tried) of one of the requests in ASKED. The body is compared in one
    spelling: Dash orders a component's aria-* props by a set, so two instances spell one answer differently."""
    method, path, body = ASKED[what]
    answer = requests.request(method, base + path, data=body, timeout=TIMEOUT_S, allow_redirects=False,
                              headers={"Content-Type": "application/json", **(headers or {})})
    return answer.status_code, canonical(answer.content), answer.headers.get("X-Upstream", "")


def until(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


class Stream:
    """Readers asking for everything in ASKED, one after another, in `threads` threads, until stopped."""

    def __init__(self, base: str, threads: int = 2) -> None:
        self.base, self.answers, self.done = base, [], threading.Event()
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]
        self.failure: BaseException | None = None

    def _run(self) -> None:
        try:
            while not self.done.is_set():
                for what in ASKED:
                    status, body, _ = ask(self.base, what)
                    self.answers.append((time.monotonic(), what, status, body))
        except BaseException as exc:  # noqa: BLE001 - a reader left without an answer: the test's failure
            self.failure = exc

    def __enter__(self) -> Stream:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join(timeout=TIMEOUT_S)

    def answered_since(self, moment: float) -> int:
        return sum(1 for at, *_ in list(self.answers) if at > moment)


def assert_every_answer_right(stream: Stream, reference: dict[str, bytes]) -> None:
    assert stream.failure is None, f"a reader got no answer: {stream.failure!r}"
    wrong = [(what, status, body[:200]) for _, what, status, body in stream.answers
             if status != 200 or body != reference[what]]
    assert not wrong, wrong


# --- 1. a worker killed mid-request ------------------------------------------------------------------------

@dataclass
class Pair:
    proxy: str
    servers: tuple[Server, Server]
    holding: Path  # where a worker holding a slow request writes its pid


def workers(server: Server) -> set[int]:
    return {child.pid for child in psutil.Process(server.process.pid).children()}


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    (nginx,) = programs("nginx")
    tmp = tmp_path_factory.mktemp("worker-kill")
    holding = tmp / "holding"
    holding.mkdir()
    env = {"SEND_TEST_HOLDING": str(holding), "SEND_SECRET_KEY": KEY}
    with ExitStack() as stack:
        # Different hash seeds, as two hosts would have: each instance spells some answers' JSON differently
        a, b = (stack.enter_context(gunicorn(tmp / name, SAMPLE, app="tests.server.fault_app:application", workers=1,
                                             threads=2, timeout=TIMEOUT_S, env={**env, "PYTHONHASHSEED": seed}))
                for name, seed in (("a", "1"), ("b", "4")))
        port = free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(nginx_conf(tmp, port, a.url, b.url, RETRY))
        proxy = f"http://127.0.0.1:{port}"
        process = start(stack, [nginx, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "nginx-error.log")],
                        tmp / "nginx.log")
        wait_for(lambda: requests.get(proxy + "/sign-in", timeout=TIMEOUT_S).ok, "nginx", process,
                 tmp / "nginx-error.log")
        yield Pair(proxy, (a, b), holding)


def test_a_worker_killed_mid_request_costs_no_reader_an_answer(pair):
    # What every reader should get: the same from either instance
    reference = {}
    for what in ASKED:
        answers = [ask(server.url, what)[:2] for server in pair.servers]
        assert answers[0] == answers[1] and answers[0][0] == 200, what
        reference[what] = answers[0][1]
    assert b"primary" in reference["figure"].lower() and b"Board view" in reference["board"]

    with Stream(pair.proxy) as stream:
        slow: dict[str, tuple] = {}
        asking = threading.Thread(target=lambda: slow.update(board=ask(pair.proxy, "board", {"X-Hold": str(HOLD_S)})))
        asking.start()
        until(lambda: any(pair.holding.iterdir()), "a worker holding the slow request")
        (held,) = list(pair.holding.iterdir())
        victim = int(held.name)
        (instance,) = [server for server in pair.servers if victim in workers(server)]
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        asking.join(timeout=TIMEOUT_S)
        # gunicorn starts another worker, which answers again; readers are served throughout
        until(lambda: workers(instance) and victim not in workers(instance), "a new worker in place of the killed one")
        until(lambda: requests.get(instance.url + "/sign-in", timeout=TIMEOUT_S).ok, "the new worker answering")
        served = stream.answered_since(killed)
        until(lambda: stream.answered_since(killed) >= served + 2 * len(ASKED), "readers served after the restart")

    status, body, upstreams = slow["board"]
    assert status == 200 and body == reference["board"]  # the reader of the killed request saw their page
    assert len(upstreams.split(", ")) == 2, upstreams  # tried where the worker died, answered by the other instance
    assert stream.answered_since(killed) >= 2 * len(ASKED)
    assert_every_answer_right(stream, reference)
    assert f"Worker (pid:{victim}) was sent SIGKILL" in instance.log.read_text(errors="replace")


# --- 5. Redis going away mid-run ---------------------------------------------------------------------------

def test_the_app_answers_while_redis_goes_away_and_caches_again_once_it_is_back(tmp_path):
    (redis_server,) = programs("redis-server")
    port = free_port()
    command = [redis_server, "--save", "", "--appendonly", "no", "--port", str(port), "--bind", "127.0.0.1",
               "--dir", str(tmp_path), "--daemonize", "no"]
    with ExitStack() as stack:
        redis_process = start(stack, command, tmp_path / "redis.log")
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)
        wait_for(client.ping, "redis-server", redis_process, tmp_path / "redis.log")
        app = stack.enter_context(gunicorn(tmp_path / "app", SAMPLE, workers=2, threads=2, timeout=TIMEOUT_S,
                                           env={"SEND_CACHE_REDIS_URL": f"redis://127.0.0.1:{port}/0"}))
        reference = {}
        for what in ASKED:
            status, reference[what], _ = ask(app.url, what)
            assert status == 200
        kept = answer_keys(client)
        assert kept  # the answers are in Redis

        with Stream(app.url) as stream:
            until(lambda: len(stream.answers) >= len(ASKED), "readers served from Redis")
            stop(redis_process)
            gone = time.monotonic()
            assert redis_process.poll() is not None
            until(lambda: stream.answered_since(gone) >= 3 * len(ASKED), "readers served with Redis gone")
            # a figure nobody has asked for yet is drawn too
            drawn = requests.get(app.url + NEW_FIGURE, timeout=TIMEOUT_S)
            assert drawn.status_code == 200 and b"age" in drawn.content.lower()
            new_figure = drawn.content
        assert_every_answer_right(stream, reference)
        assert stream.answered_since(gone) >= 3 * len(ASKED)
        assert "the cache could not be read (ConnectionError): computing instead" in app.log.read_text(errors="replace")

        # Redis back on the same address, empty: the app keeps answers there again, then reads them from it
        redis_process = start(stack, command, tmp_path / "redis-again.log")
        wait_for(client.ping, "redis-server again", redis_process, tmp_path / "redis-again.log")
        assert answer_keys(client) == []
        before = writes(client)
        again = requests.get(app.url + NEW_FIGURE, timeout=TIMEOUT_S)
        assert again.status_code == 200 and again.content == new_figure
        assert writes(client) > before and len(answer_keys(client)) == 1  # kept again
        written, hits = writes(client), client.info("stats")["keyspace_hits"]
        for _ in range(2):  # whichever worker answers, it reads the kept answer and computes nothing
            served = requests.get(app.url + NEW_FIGURE, timeout=TIMEOUT_S)
            assert served.status_code == 200 and served.content == new_figure
        assert writes(client) == written
        assert client.info("stats")["keyspace_hits"] >= hits + 2
