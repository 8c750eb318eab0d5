"""Several app servers behind one address: two gunicorn instances of the app on the sample warehouse, on two
loopback ports, behind nginx (round robin), sharing one real `redis-server` (SEND_CACHE_REDIS_URL) and one
session key (SEND_SECRET_KEY). Every process is started here, as this user, with its files in a temporary folder,
and stopped at the end whatever happens.

Which instance answered is named by the test's own proxy (an `X-Upstream` header in the nginx configuration
below), never by the app. The last test stops Redis and checks the app goes on answering.
"""

from __future__ import annotations

import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests

from bench.server import free_port, gunicorn, stop
from tests.identity import HOME
from tests.server.serve import SAMPLE, nginx_conf, programs

KEY = "two-instances-test-key-" + "k" * 32  # both instances sign sessions with it
START_TIMEOUT_S = 90
FIGURE = f"/download/ehcp_caseload.csv?area={HOME}&breakdown=primary_need"
OFFICERS_FILE = "/casework/open-cases.csv"  # an officer's download: refused to anyone else
WRITES = ("set", "setex", "psetex", "mset", "msetnx", "setnx", "incr", "incrby", "expire", "del")



@dataclass
class Cluster:
    proxy: str  # the one address readers use
    a: str
    b: str
    redis: object  # a client of the shared Redis
    redis_process: subprocess.Popen
    audit_log: Path
    logs: tuple[Path, Path]

    def upstream(self, url: str) -> str:
        """'a' or 'b': the instance whose loopback address is `url`'s."""
        return "a" if url == self.a else "b"


def wait_for(check, what: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001, S110 - not answering yet
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start:\n" + log.read_text(errors="replace")[-2000:])
        time.sleep(0.05)


def start(stack: ExitStack, command: list[str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    stack.callback(stop, process)
    return process


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    redis_server, nginx = programs("redis-server", "nginx")
    tmp = tmp_path_factory.mktemp("two-instances")
    with ExitStack() as stack:
        redis_port = free_port()
        process = start(stack, [redis_server, "--save", "", "--appendonly", "no", "--port", str(redis_port),
                                "--bind", "127.0.0.1", "--dir", str(tmp), "--daemonize", "no"], tmp / "redis.log")
        client = redis.Redis(host="127.0.0.1", port=redis_port, socket_timeout=5)
        wait_for(client.ping, "redis-server", process, tmp / "redis.log")
        audit_log = tmp / "audit.jsonl"
        env = {"SEND_CACHE_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "SEND_SECRET_KEY": KEY,
               "SEND_AUDIT_LOG": str(audit_log), "SEND_AUTH": "demo"}
        a = stack.enter_context(gunicorn(tmp / "a", SAMPLE, workers=1, threads=2, timeout=START_TIMEOUT_S, env=env))
        b = stack.enter_context(gunicorn(tmp / "b", SAMPLE, workers=1, threads=2, timeout=START_TIMEOUT_S, env=env))
        port = free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(nginx_conf(tmp, port, a.url, b.url))
        proxy = f"http://127.0.0.1:{port}"
        nginx_process = start(stack, [nginx, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "nginx-error.log")],
                              tmp / "nginx.log")
        wait_for(lambda: requests.get(proxy + "/sign-in", timeout=60).ok, "nginx", nginx_process,
                 tmp / "nginx-error.log")
        yield Cluster(proxy, a.url, b.url, client, process, audit_log, (a.log, b.log))


def through_proxy(cluster: Cluster, path: str, **kwargs) -> tuple[str, requests.Response]:
    """Which instance ('a' or 'b') answered `path` through the proxy, and its answer."""
    answer = requests.get(cluster.proxy + path, timeout=120, allow_redirects=False, **kwargs)
    return cluster.upstream("http://" + answer.headers["X-Upstream"]), answer


def writes(client) -> int:
    """Commands that changed Redis so far (its own statistics: no timing)."""
    stats = client.info("commandstats")
    return sum(stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in WRITES)


def answer_keys(client) -> list[bytes]:
    return sorted(client.scan_iter(match="send-indicators:answer:*"))


def test_the_proxy_sends_readers_to_both_instances(cluster):
    answered = [through_proxy(cluster, "/sign-in") for _ in range(4)]
    assert all(answer.status_code == 200 for _, answer in answered)
    assert [who for who, _ in answered] in (["a", "b", "a", "b"], ["b", "a", "b", "a"])  # round robin


def test_a_figure_drawn_by_one_instance_is_served_by_the_other_from_redis(cluster):
    assert answer_keys(cluster.redis) == []
    before = writes(cluster.redis)
    first, drawn = through_proxy(cluster, FIGURE)
    assert drawn.status_code == 200 and "primary" in drawn.text.lower()
    kept = answer_keys(cluster.redis)
    assert len(kept) == 1  # the whole answer, kept in Redis
    assert any(k.startswith(b"send-indicators:ind:") for k in cluster.redis.scan_iter())  # and the engine's results
    drawing_writes = writes(cluster.redis) - before
    assert drawing_writes >= 2

    other, served = None, None
    for _ in range(3):  # round robin: the next request goes to the other instance
        before, misses = writes(cluster.redis), cluster.redis.info("stats")["keyspace_misses"]
        other, served = through_proxy(cluster, FIGURE)
        if other != first:
            break
    assert other != first, "the proxy never sent the figure to the second instance"
    assert served.status_code == 200 and served.content == drawn.content
    assert writes(cluster.redis) == before  # nothing computed and kept again
    assert cluster.redis.info("stats")["keyspace_misses"] == misses  # every lookup found its answer
    assert answer_keys(cluster.redis) == kept


def sign_in(url: str, login: str, password: str) -> requests.Response:
    return requests.post(url + "/sign-in", data={"login": login, "password": password, "next": "/"},
                         allow_redirects=False, timeout=60)


def test_a_session_from_one_instance_works_on_the_other_until_signed_out_there(cluster):
    assert requests.get(cluster.b + OFFICERS_FILE, timeout=60).status_code in (401, 403)  # signed out: refused
    signed_in = sign_in(cluster.a, "officer", "demo")
    assert signed_in.status_code == 303
    cookies = {"send_session": signed_in.cookies["send_session"]}

    on_b = requests.get(cluster.b + OFFICERS_FILE, cookies=cookies, timeout=120)
    assert on_b.status_code == 200 and on_b.headers["Content-Type"].startswith("text/csv")

    assert requests.post(cluster.a + "/sign-out", cookies=cookies, allow_redirects=False,
                         timeout=60).status_code == 303
    assert any(k.startswith(b"send-indicators:revoked-session:") for k in cluster.redis.scan_iter())
    assert requests.get(cluster.b + OFFICERS_FILE, cookies=cookies, timeout=60).status_code in (401, 403)
    page = requests.get(cluster.b + "/", cookies=cookies, allow_redirects=False, timeout=60)
    assert page.status_code == 302 and "ended=signed-out" in page.headers["Location"]

    # Both instances wrote to the one audit log of this host, and its chain holds
    lines = cluster.audit_log.read_text().splitlines()
    assert [line for line in lines if '"sign-in"' in line] and [line for line in lines if '"export"' in line]
    verify = subprocess.run([sys.executable, "-m", "dashboard.audit", "verify", "--log", str(cluster.audit_log)],
                            capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_the_sign_in_limit_counts_attempts_on_both_instances(cluster):
    remaining, refused_on = [], None
    for attempt in range(12):  # the limit is 10 a minute per address: well within 12 alternate attempts
        url = (cluster.a, cluster.b)[attempt % 2]
        answer = sign_in(url, "officer", "wrong password")
        if answer.status_code == 429:
            refused_on = url
            break
        assert answer.status_code == 303
        remaining.append(int(answer.headers["X-RateLimit-Remaining"]))
    assert refused_on is not None, "twelve wrong passwords in a row were all let through"
    # each attempt, on either instance, took one from the same count
    assert remaining == list(range(remaining[0], remaining[0] - len(remaining), -1)) and remaining[-1] == 0
    assert len(remaining) >= 2


def test_the_app_goes_on_answering_when_redis_goes_away(cluster):
    stop(cluster.redis_process)
    for _ in range(2):  # each instance once: a kept figure, a new one, a page, a sign-in
        for path in (FIGURE, FIGURE.replace("primary_need", "age_band"), "/_dash-layout"):
            _, answer = through_proxy(cluster, path)
            assert answer.status_code == 200, (path, answer.text[:300])
        assert sign_in(cluster.proxy, "partner", "demo").status_code == 303
    for log in cluster.logs:
        assert "the cache could not be read" in log.read_text(errors="replace")
