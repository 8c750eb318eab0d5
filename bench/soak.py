"""A week of use, simulated: mixed journeys for half an hour with a load in the middle (not part of the tests).

    python -m bench.soak [--minutes 30] [--users 20] [--think 1-3] [--json FILE] [--doc docs/PERFORMANCE.md]

On a copy of the sample warehouse, gunicorn serves the app with the project's settings (one worker per core) and
the cache as a load leaves it, while locust replays the captured journeys (`bench.load`: board member, clinic,
commissioner, analyst) for the whole run. Halfway, a new extract (the sample's council generated with another
seed, so its figures differ) is loaded into the live warehouse by `python -m data ingest`, with the app's cache
settings, as an analyst would load next month's extract, while the users go on. Measured:
  - every worker's resident memory every 10 s (psutil), from the first minute to the end: flat or growing;
  - requests, failures and p50/p95/p99, and tracebacks in gunicorn's log;
  - the load's time, and how long after it every worker served the new version (the start page names the
    warehouse version) with the same worker processes (no restart).
Writes the figures to the "Soak" section of docs/PERFORMANCE.md (`bench.performance` keeps that section when it
writes the rest). No assertions: figures to read.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import psutil

from bench import journeys
from bench.load import summarise
from bench.performance import DOC, _git, _table, machine
from bench.server import ROOT, SAMPLE_WAREHOUSE, gunicorn, warm_cache

SAMPLE_DIR = ROOT / "data" / "sample"
MARK_START, MARK_END = "<!-- soak: written by python -m bench.soak -->", "<!-- /soak -->"


def workers(master: int) -> dict[int, float]:
    """Each gunicorn worker's resident memory (MB), by pid."""
    try:
        return {child.pid: child.memory_info().rss / 1e6 for child in psutil.Process(master).children()}
    except psutil.Error:
        return {}


def served_version(url: str) -> str | None:
    """The warehouse version the start page names (as a browser asks for its content)."""
    from dashboard.warm import page_request

    request = urllib.request.Request(url + "/_dash-update-component", data=json.dumps(page_request("/", "")).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            found = re.search(r"Warehouse version ([0-9a-f]{16})", answer.read().decode())
    except OSError:
        return None
    return found.group(1) if found else None


def new_extract(folder: Path, seed: int) -> Path:
    """The sample's council generated again with another seed: another month's extract, other figures."""
    from data import settings
    from data.synth import generate

    out = folder / "next-extract"
    generate(settings.DEFAULT_LA, seed=seed, out=out)
    return out


def run(minutes: float, users: int, think: str) -> dict:
    seconds = round(minutes * 60)
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as folder:
        folder = Path(folder)
        warehouse = folder / "warehouse.duckdb"
        shutil.copyfile(SAMPLE_WAREHOUSE, warehouse)
        journeys_file = journeys.ensure(SAMPLE_WAREHOUSE)  # the copy is the same load: the same journeys
        extract = new_extract(folder, seed=2027)
        cache = folder / "server" / "cache"
        warm_cache(warehouse, cache)
        log = folder / "requests.tsv"
        log.touch()
        samples: list[dict] = []
        events: dict = {}
        with gunicorn(folder / "server", warehouse, timeout=120) as server:
            before = served_version(server.url)
            stop = threading.Event()

            def sample() -> None:
                started = time.monotonic()
                while not stop.is_set():
                    samples.append({"t": round(time.monotonic() - started), "workers": workers(server.process.pid)})
                    stop.wait(10)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            command = [str(Path(sys.executable).with_name("locust")), "-f", str(ROOT / "bench" / "locustfile.py"),
                       "--journeys", str(journeys_file), "--think", think, "--request-log", str(log), "--headless",
                       "--host", server.url, "--users", str(users), "--spawn-rate", "2", "--run-time", f"{seconds}s",
                       "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"]
            with open(folder / "locust.log", "wb") as locust_log:
                locust = subprocess.Popen(command, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                                          stdout=subprocess.DEVNULL, stderr=locust_log, start_new_session=True)
            began = time.monotonic()
            time.sleep(seconds / 2)
            pids = set(workers(server.process.pid))
            load_started = time.monotonic()
            loaded = subprocess.run(
                [sys.executable, "-m", "data", "ingest", "--warehouse", str(warehouse), str(extract / "sen2"),
                 str(extract / "local"), str(extract / "MANIFEST.json"), "--allow-shrink"],
                env={**os.environ, "PYTHONPATH": str(ROOT), "SEND_CACHE_DIR": str(cache)}, cwd=ROOT,
                capture_output=True, text=True, timeout=900)
            events["load_s"] = time.monotonic() - load_started
            events["load_exit"] = loaded.returncode
            events["load_at_s"] = load_started - began
            new = re.search(r"\(version ([0-9a-f]{16})\)", loaded.stdout)
            events["versions"] = [before, new.group(1) if new else None]
            # every worker: ask as many times as there are workers' threads, until all answer the new version
            while new and time.monotonic() < load_started + events["load_s"] + 120:
                if all(served_version(server.url) == new.group(1) for _ in range(8)):
                    events["switched_after_s"] = time.monotonic() - load_started - events["load_s"]
                    break
                time.sleep(0.5)
            events["same_workers"] = set(workers(server.process.pid)) == pids
            try:
                locust.wait(timeout=max(0, seconds - (time.monotonic() - began)) + 60)
            except subprocess.TimeoutExpired:
                os.killpg(locust.pid, signal.SIGKILL)
                locust.wait()
            stop.set()
            sampler.join()
            tracebacks = server.log.read_text(errors="replace").count("Traceback")
        summary = summarise(log.read_text().splitlines())
    return {"minutes": minutes, "users": users, "think": think, "samples": samples, "events": events,
            "server_tracebacks": tracebacks, "overall": summary.get("overall", {}), "kind": summary.get("kind", {}),
            "errors": summary.get("errors", {})}


def memory(result: dict) -> list[list[str]]:
    """Per worker: MB after the first minute, at the load, at the end, the most, and the change first to end."""
    rows = []
    settled = [s for s in result["samples"] if s["t"] >= 60] or result["samples"]
    halfway = result["events"].get("load_at_s", 0)
    for pid in sorted({pid for s in settled for pid in s["workers"]}):
        series = [(s["t"], s["workers"][pid]) for s in settled if pid in s["workers"]]
        first, last = series[0][1], series[-1][1]
        at_load = min(series, key=lambda p: abs(p[0] - halfway))[1]
        rows.append([str(pid), f"{first:.0f} MB (t={series[0][0]} s)", f"{at_load:.0f} MB", f"{last:.0f} MB",
                     f"{max(v for _, v in series):.0f} MB", f"{100 * (last - first) / first:+.1f}%"])
    return rows


def section(result: dict) -> str:
    overall = result["overall"].get("all requests", {})
    events = result["events"]
    m = result["machine"]
    lines = [MARK_START, "## Soak (issue 13)", "",
             f"Written by `{result['command']}` on {result['date']} at commit `{result['commit']}`; {m['cores']} "
             f"cores, load average at the start {m['load_average']}. {result['users']} users replaying the captured "
             f"journeys for {result['minutes']:g} minutes (think {result['think']} s) against gunicorn on a copy of "
             "the sample warehouse, a new extract loaded halfway.", ""]
    lines += _table(["measure", "result"], [
        ["requests", f"{overall.get('requests', 0):,}"],
        ["failed", f"{overall.get('failures', 0):,}"],
        ["p50 / p95 / p99", f"{overall.get('p50', float('nan')):.0f} / {overall.get('p95', float('nan')):.0f} / "
                            f"{overall.get('p99', float('nan')):.0f} ms"],
        ["tracebacks in gunicorn's log", str(result["server_tracebacks"])],
        ["the load halfway", f"{events.get('load_s', float('nan')):.0f} s, exit {events.get('load_exit')} "
                             f"(at {events.get('load_at_s', 0) / 60:.1f} min)"],
        ["version served", " then ".join(str(v) for v in events.get("versions", []))],
        ["every worker on the new version", f"{events['switched_after_s']:.1f} s after the load ended"
         if "switched_after_s" in events else "not seen within 2 minutes"],
        ["the same worker processes throughout (no restart)", "yes" if events.get("same_workers") else "no"]])
    lines += ["", "Memory of each worker (resident, sampled every 10 s):", ""]
    lines += _table(["worker", "after the first minute", "at the load", "at the end", "most", "change"],
                    memory(result))
    if result["errors"]:
        lines += ["", "Failures:", ""] + [f"- {count}× {error}" for error, count in result["errors"].items()]
    return "\n".join(lines + ["", MARK_END])


def write_section(doc: Path, text: str) -> None:
    """Put the soak section in the document, in place of the one there, or at its end."""
    current = doc.read_text() if doc.exists() else "# Performance\n"
    if MARK_START in current and MARK_END in current:
        head, rest = current.split(MARK_START, 1)
        current = head + text + rest.split(MARK_END, 1)[1]
    else:
        current = current.rstrip("\n") + "\n\n" + text + "\n"
    doc.write_text(current)


def kept_section(doc: Path) -> str:
    """The soak section a document already holds ('' if none): `bench.performance` keeps it."""
    current = doc.read_text() if doc.exists() else ""
    if MARK_START in current and MARK_END in current:
        return MARK_START + current.split(MARK_START, 1)[1].split(MARK_END, 1)[0] + MARK_END
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--think", default="1-3", help="seconds between steps, a range")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    result = {"machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "commit": _git("rev-parse", "--short", "HEAD"),
              "command": "python -m bench.soak" + "".join(f" {a}" for a in (argv or sys.argv[1:])),
              **run(args.minutes, args.users, args.think)}
    text = section(result)
    print(text)
    write_section(args.doc, text)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
