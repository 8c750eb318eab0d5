"""Page callbacks' server time, uncached and from cache, and the cold start, against issue 9's budgets.

    python -m bench.pages [--warehouse PATH] [--quick] [--no-cold-start] [--json FILE]

Callbacks: every distinct `/_dash-update-component` payload captured by `bench.journeys` (captured first if
needed) is replayed through the app's own Flask test client (in process: server time only, no HTTP or browser)
in a fresh Python process of its own, with the warehouse's facts as loaded and SEND_CACHE_DIR a copy of the cache
as a load leaves it (`dashboard.warm` has drawn the home council's default views; `--empty-cache`: an empty
folder): the first call is the first view after a load, the second, identical, comes from the cache.
The import of the app (and its opening of the warehouse) happens before the clock starts; the cold start covers
it. Grouped by the callback's outputs and page, with p50/p95/max per group and overall, against <= 100 ms
uncached and <= 10 ms from cache. `--quick` replays one payload per group.

Cold start: gunicorn launched with the project's settings (`bench.server`) on an empty cache; the time to the
start page's first HTTP 200, and to every request of the start page as a browser makes it (the page, its layout
and dependencies, its callbacks) answered 200; budget <= 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import journeys
from bench.server import ROOT, SAMPLE_WAREHOUSE, gunicorn, session_cookie, status, warm_cache

UNCACHED_MS, CACHED_MS, COLD_START_S = 100, 10, 5
CHILD_TIMEOUT_S = 300


def _child(journeys_file: Path, index: int) -> None:
    """In a fresh process: replay one captured callback twice and print its times as JSON."""
    document = journeys.load(journeys_file)
    request = journeys.callbacks(document)[index]
    import app  # builds the app, opens the warehouse

    client = app.server.test_client()
    for name, value in session_cookie(document["audience"], document["area"]).items():
        client.set_cookie(name, value)
    times, statuses = [], []
    for _ in range(2):
        started = time.perf_counter()
        answer = client.post(request["path"], data=request["body"], content_type="application/json")
        answer.get_data()
        times.append((time.perf_counter() - started) * 1000)
        statuses.append(answer.status_code)
    print(json.dumps({"name": request["name"], "uncached_ms": times[0], "cached_ms": times[1],
                      "statuses": statuses, "captured_status": request["status"]}))


def callback_times(warehouse: Path, journeys_file: Path, *, quick: bool = False,
                   after_load: Path | None = None) -> list[dict]:
    """One fresh process per captured callback (per group with `quick`), each with an empty cache, or with
    `after_load` a copy of that cache folder (`bench.server.warm_cache`: the first view after a load)."""
    document = journeys.load(journeys_file)
    requests = journeys.callbacks(document)
    chosen = list(range(len(requests)))
    if quick:
        chosen = list({r["name"]: i for i, r in reversed(list(enumerate(requests)))}.values())[::-1]
    results = []
    for index in chosen:
        with tempfile.TemporaryDirectory(prefix="bench-pages-") as cache:
            if after_load is not None:
                shutil.copytree(after_load, cache, dirs_exist_ok=True)
            env = {**os.environ, "SEND_WAREHOUSE": str(warehouse), "SEND_CACHE_DIR": cache,
                   "PYTHONPATH": str(ROOT)}
            env.pop("SEND_CACHE_REDIS_URL", None)
            try:
                done = subprocess.run([sys.executable, "-m", "bench.pages", "--child", str(journeys_file), str(index)],
                                      env=env, cwd=ROOT, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S)
                result = json.loads(done.stdout.strip().splitlines()[-1])
            except (subprocess.TimeoutExpired, IndexError, json.JSONDecodeError) as exc:
                result = {"name": requests[index]["name"], "uncached_ms": float("nan"), "cached_ms": float("nan"),
                          "statuses": [], "captured_status": requests[index]["status"],
                          "error": f"{type(exc).__name__}: {getattr(done, 'stderr', '')[-300:]}"
                          if not isinstance(exc, subprocess.TimeoutExpired) else f"over {CHILD_TIMEOUT_S} s"}
        results.append(result)
    return results


def _summary(values: list[float]) -> dict[str, float]:
    values = [v for v in values if v == v]
    if not values:
        return {"n": 0, "p50": float("nan"), "p95": float("nan"), "max": float("nan")}
    p50, p95 = np.percentile(values, [50, 95])
    return {"n": len(values), "p50": float(p50), "p95": float(p95), "max": float(max(values))}


def group(results: list[dict]) -> dict[str, dict]:
    """Per callback group and overall: uncached and cached p50/p95/max (ms)."""
    names = sorted({r["name"] for r in results})
    out = {}
    for name in [*names, "all callbacks"]:
        rows = [r for r in results if name in (r["name"], "all callbacks")]
        out[name] = {"uncached": _summary([r["uncached_ms"] for r in rows]),
                     "cached": _summary([r["cached_ms"] for r in rows]),
                     "failed": sum(1 for r in rows if r.get("error") or any(s != r["captured_status"]
                                                                            for s in r["statuses"]))}
    return out


def cold_start(warehouse: Path, journeys_file: Path, deadline_s: float = 120) -> dict:
    """Seconds from launching gunicorn to the start page's first 200, and to its every request answered."""
    document = journeys.load(journeys_file)
    start = next(step for journey in document["journeys"] for step in journey["steps"]
                 if step["requests"] and step["requests"][0]["name"] == "page /")
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as folder:
        with gunicorn(Path(folder), warehouse, timeout=deadline_s) as server:
            while status(server.url + "/") != 200:
                if time.monotonic() > server.started + deadline_s:
                    return {"first_200_s": float("nan"), "start_page_s": float("nan"), "failed": ["page /"]}
                time.sleep(0.02)
            first = time.monotonic() - server.started
            cookies = session_cookie(document["audience"], document["area"])
            failed = [r["name"] for r in start["requests"]
                      if status(server.url + r["path"], r["method"], r["body"], cookies) != r["status"]]
            whole = time.monotonic() - server.started
    return {"first_200_s": first, "start_page_s": whole, "failed": failed}


def report(results: list[dict], cold: dict | None, uncached_ms: float = UNCACHED_MS,
           cached_ms: float = CACHED_MS) -> str:
    """The groups' figures against the budgets (issue 9's by default)."""
    grouped = group(results)
    lines = [f"{'callback (outputs, page)':<60}{'n':>3}{'uncached p50':>13}{'p95':>8}{'max':>8}"
             f"{'cached p50':>11}{'p95':>7}{'max':>7}"]
    for name, s in grouped.items():
        u, c = s["uncached"], s["cached"]
        flag = ("" if u["p95"] <= uncached_ms else "  uncached OVER") + ("" if c["p95"] <= cached_ms else
                                                                         "  cached OVER")
        lines.append(f"{name[:60]:<60}{u['n']:>3}{u['p50']:>11.0f}ms{u['p95']:>6.0f}ms{u['max']:>6.0f}ms"
                     f"{c['p50']:>9.1f}ms{c['p95']:>5.0f}ms{c['max']:>5.0f}ms{flag}"
                     + (f"  {s['failed']} FAILED" if s["failed"] else ""))
    lines.append(f"budgets: p95 <= {uncached_ms:g} ms uncached, <= {cached_ms:g} ms from cache")
    lines += [f"error: {r['name']}: {r['error']}" for r in results if r.get("error")]
    if cold:
        lines.append(f"cold start: first 200 for / after {cold['first_200_s']:.1f} s; the start page's every request "
                     f"answered after {cold['start_page_s']:.1f} s (budget {COLD_START_S} s)"
                     + (f"; FAILED {cold['failed']}" if cold["failed"] else ""))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    if argv is None and sys.argv[1:2] == ["--child"]:
        _child(Path(sys.argv[2]), int(sys.argv[3]))
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", type=Path, default=SAMPLE_WAREHOUSE)
    parser.add_argument("--journeys", type=Path, help="a captured journeys file (default: captured for the warehouse)")
    parser.add_argument("--quick", action="store_true", help="one payload per callback group")
    parser.add_argument("--no-cold-start", action="store_true")
    parser.add_argument("--empty-cache", action="store_true",
                        help="first call on an empty cache (default: on the cache as a load leaves it)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    warehouse = args.warehouse.resolve()
    journeys_file = journeys.ensure(warehouse, args.journeys)
    with tempfile.TemporaryDirectory(prefix="bench-warmed-") as warmed:
        warm_s = None if args.empty_cache else warm_cache(warehouse, Path(warmed))
        results = callback_times(warehouse, journeys_file, quick=args.quick,
                                 after_load=None if args.empty_cache else Path(warmed))
    cold = None if args.no_cold_start else cold_start(warehouse, journeys_file)
    print("first call: " + ("an empty cache" if args.empty_cache else
                            f"the cache as a load leaves it (default views drawn in {warm_s:.1f} s)"))
    print(report(results, cold))
    if args.json:
        args.json.write_text(json.dumps({"warehouse": warehouse.name, "quick": args.quick, "callbacks": results,
                                         "groups": group(results), "cold_start": cold,
                                         "first_call": "empty cache" if args.empty_cache else "after a load",
                                         "warm_s": warm_s}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
