"""Load test: locust replays captured journeys against gunicorn on loopback, bounded in time.

    python -m bench.load [--warehouse PATH] [--users 50] [--minutes 5] [--spawn-rate 5] [--think 1-3]

Captures the warehouse's journeys first if they are not captured yet (`bench.journeys`), starts gunicorn with
the project's settings (scripts/gunicorn.conf.py: one worker per core, 4 threads) and the cache as a load leaves
it (`bench.server.warm_cache`: the home council's default views drawn; `--empty-cache` for none), runs locust headless for the given time (its `--run-time`, and a hard timeout
a minute later), stops both and prints p50/p95/p99, requests and failures overall, per kind of request (page,
layout, dependencies, callback, download, static file) and per named request (each page, each callback on each
page). Percentiles are exact, from every request's time (not locust's rounded ones). The load generator runs on
the same machine as the server, so it takes some of its CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import journeys
from bench.journeys import RETRIED
from bench.server import ROOT, gunicorn, warm_cache


def percentiles(times: list[float]) -> dict[str, float]:
    if not times:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "max": float("nan")}
    p50, p95, p99 = np.percentile(times, [50, 95, 99])
    return {"p50": float(p50), "p95": float(p95), "p99": float(p99), "max": float(max(times))}


def summarise(lines: list[str]) -> dict:
    """Overall, per kind and per name: requests, failures and percentiles (ms) of the `name<TAB>ms<TAB>error`
    log; and each failure's message with its count. Requests sent again after a reset connection (`retried ...`)
    are a kind of their own, left out of the overall figures (the request sent again is in them)."""
    groups: dict[str, dict[str, list]] = {}

    def add(group: str, key: str, ms: float, ok: bool) -> None:
        entry = groups.setdefault(group, {}).setdefault(key, [[], 0])
        entry[0].append(ms)
        entry[1] += 0 if ok else 1

    errors: dict[str, int] = {}
    for line in lines:
        name, ms, error = line.rstrip("\n").split("\t")
        kind = name.split(" ", 1)[0]
        for group, key in (("overall", "all requests"), ("kind", kind), ("name", name)):
            if group != "overall" or kind != RETRIED:  # a reset connection sent again is counted apart
                add(group, key, float(ms), not error)
        if error:
            errors[f"{name}: {error}"] = errors.get(f"{name}: {error}", 0) + 1
    summary = {group: {key: {"requests": len(times), "failures": failed, **percentiles(times)}
                       for key, (times, failed) in sorted(entries.items())}
               for group, entries in groups.items()}
    return {**summary, "errors": errors}


def run(warehouse: Path, *, users: int, seconds: int, spawn_rate: float, think: str,
        journeys_file: Path | None = None, after_load: bool = True) -> dict:
    journeys_file = journeys.ensure(warehouse, journeys_file)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as folder:
        log = Path(folder) / "requests.tsv"
        log.touch()
        if after_load:
            warm_cache(warehouse, Path(folder) / "cache")  # what the load left: the default views drawn
        with gunicorn(Path(folder), warehouse, timeout=120) as server:
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            command = [str(Path(sys.executable).with_name("locust")), "-f", str(ROOT / "bench" / "locustfile.py"),
                       "--journeys", str(journeys_file), "--think", think, "--request-log", str(log), "--headless", "--host", server.url, "--users", str(users), "--spawn-rate", str(spawn_rate),
                       "--run-time", f"{seconds}s", "--only-summary", "--loglevel", "WARNING",
                       "--exit-code-on-error", "0"]
            with open(Path(folder) / "locust.log", "wb") as locust_log:
                locust = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=locust_log,
                                          start_new_session=True)
            started = time.monotonic()
            try:
                locust.wait(timeout=seconds + 60)  # the hard bound: locust stops itself at --run-time
            except subprocess.TimeoutExpired:
                os.killpg(locust.pid, signal.SIGKILL)
                locust.wait()
            elapsed = time.monotonic() - started
            tracebacks = server.log.read_text(errors="replace").count("Traceback")
        summary = summarise(log.read_text().splitlines())
    return {"warehouse": warehouse.name, "users": users, "seconds": seconds, "elapsed": round(elapsed, 1),
            "spawn_rate": spawn_rate, "think": think, "server_tracebacks": tracebacks, **summary}


def report(result: dict) -> str:
    lines = [f"{result['users']} users for {result['seconds']} s on {result['warehouse']} "
             f"(spawn {result['spawn_rate']}/s, think {result['think']} s; locust ran {result['elapsed']} s); "
             f"server tracebacks: {result['server_tracebacks']}",
             f"{'requests':<58}{'count':>7}{'failed':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"]
    for group in ("overall", "kind", "name"):
        for key, s in result.get(group, {}).items():
            label = key if group != "name" else "  " + key
            lines.append(f"{label[:58]:<58}{s['requests']:>7}{s['failures']:>7}{s['p50']:>9.0f}{s['p95']:>9.0f}"
                         f"{s['p99']:>9.0f}{s['max']:>9.0f}")
    lines += [f"{'reset' if error.startswith(RETRIED) else 'failed'} {count}x  {error}"
              for error, count in result.get("errors", {}).items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", type=Path, default=ROOT / "data" / "sample" / "warehouse.duckdb")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--spawn-rate", type=float, default=5, help="users started per second")
    parser.add_argument("--think", default="1-3", help="seconds between steps, a range (default 1-3)")
    parser.add_argument("--journeys", type=Path, help="a captured journeys file (default: captured for the warehouse)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--empty-cache", action="store_true", help="start gunicorn on an empty cache")
    args = parser.parse_args(argv)
    result = run(args.warehouse.resolve(), users=args.users, seconds=round(args.minutes * 60),
                 spawn_rate=args.spawn_rate, think=args.think, journeys_file=args.journeys,
                 after_load=not args.empty_cache)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
