"""National scale: every council's synthetic extract in one warehouse, measured against issue 12's budgets.

    python -m bench.national [--out build/national] [--reuse] [--quick] [--repeat 5] [--json FILE]
    python -m bench.national --from-json FILE      (write the document again from a run's figures)

1. Build: `python -m data synth --all` (153 councils, 2 processes), then one `python -m data ingest` of every
   council's folder with the home council (Bristol) first, each a subprocess timed from launch to exit, with its
   peak memory: the resident memory of the process and all its children summed, sampled every 0.2 s. The ingest
   includes what every load does before it goes live (data-quality history, the facts, the default views).
   Budget: the two together under 20 minutes on 2 cores, peak memory under 8 GB. `--reuse` keeps a warehouse
   already built there.
2. Page interactions for the home council on the national warehouse: every distinct callback of the captured
   journeys (board member, clinic, commissioner with /region, analyst; `bench.journeys`), replayed by
   `bench.pages` in a fresh process after the load's cache: p95 per callback group, uncached and cached.
   Budget: p95 under 500 ms uncached, under 10 ms cached.
3. The regional view: `Engine.regional` for the home region's councils (15 in the South West), as the /region
   page asks for it (the home council in full, the others at the partner tier), on a fresh engine with an empty
   cache (uncached) and again (cached). Budget: under 1 s uncached.
4. Plain pandas on the same data in the same run: for each council of the group, the three all-children series
   of `indicators.bench` computed by the engine narrowed to that council (cold: a new, empty cache) against pandas
   on that council's rows (already in memory, and reading them from the warehouse first); ratios only where the
   figures agree.
No assertions: figures and ratios to read, `--json` to keep, and docs/NATIONAL_SCALE.md written with the machine,
date and commit.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

from bench import journeys, pages
from bench.performance import _git, _met, _ms, _table, machine
from bench.server import ROOT, warm_cache

BUILD_S, BUILD_GB, UNCACHED_MS, CACHED_MS, REGIONAL_S = 20 * 60, 8, 500, 10, 1
HOME = "E06000023"  # Bristol: the home council of the national warehouse, as of the sample
DOC = ROOT / "docs" / "NATIONAL_SCALE.md"
MARKER = ".bench-national"  # in a folder this script made, and so may empty


def run_measured(command: list[str], log: Path) -> dict:
    """Run `command` (output to `log`), with its wall time and the peak of its process tree's resident memory."""
    started = time.perf_counter()
    peak = 0
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
        watched = psutil.Process(process.pid)
        while process.poll() is None:
            try:
                tree = [watched, *watched.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass  # a worker ended between the listing and the reading
            time.sleep(0.2)
    shown = " ".join(command[2:]).replace(f"{ROOT}/", "")  # no machine's paths in the document
    return {"command": shown, "seconds": time.perf_counter() - started, "peak_gb": peak / 1e9,
            "exit": process.returncode, "log": str(log)}


def build(out: Path) -> list[dict]:
    synth, warehouse = out / "synth", out / "warehouse.duckdb"
    python = sys.executable
    steps = [run_measured([python, "-m", "data", "synth", "--all", "--out", str(synth)], out / "synth.log")]
    if steps[0]["exit"] == 0:
        steps.append(run_measured([python, "-m", "data", "ingest", "--warehouse", str(warehouse), str(synth / HOME),
                                   str(synth)], out / "ingest.log"))
    return steps


def warehouse_rows(warehouse: Path) -> dict:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        councils, rows_in, loaded, quarantined = con.execute(
            "SELECT count(*), sum(rows_in), sum(rows_loaded), sum(rows_quarantined) FROM loads").fetchone()
        plans, active = con.execute("SELECT count(*), count(*) FILTER (WHERE cease_date IS NULL) FROM named_plan").fetchone()
    return {"councils": councils, "rows_in": int(rows_in), "rows_loaded": int(loaded),
            "rows_quarantined": int(quarantined), "plans": plans, "active_plans": active,
            "size_gb": warehouse.stat().st_size / 1e9}


def _scan(node: dict) -> dict | None:
    """The table scan of a profiled one-table query (DuckDB's JSON profile)."""
    if "row_groups_scanned" in node:
        return node
    for child in node.get("children", node.get("operator", [])):
        found = _scan(child)
        if found:
            return found
    return None


def pruning(warehouse: Path, council: str = HOME) -> list[dict]:
    """For each local table, what a query for one council reads of it: DuckDB's own count of the row groups and
    rows its scan touched (the rows lie council by council, so the others' row groups are skipped)."""
    import duckdb

    from data.warehouse.model import LOCAL_TABLES

    if not council.isalnum():
        raise ValueError(f"not a council code: {council!r}")
    rows = []
    with tempfile.TemporaryDirectory() as folder, duckdb.connect(str(warehouse), read_only=True) as con:
        profile = Path(folder) / "profile.json"
        for table in LOCAL_TABLES:
            total = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - our names
            con.execute("PRAGMA enable_profiling = 'json'")
            con.execute(f"PRAGMA profiling_output = '{profile}'")
            # written in (a checked code: DuckDB profiles no prepared statement), as the engine's narrowing writes it
            mine = con.execute(f"SELECT count(*) FROM {table} WHERE la_code = '{council}'").fetchall()[0][0]  # noqa: S608
            con.execute("PRAGMA disable_profiling")
            scan = _scan(json.loads(profile.read_text())) or {}
            rows.append({"table": table, "rows": total, "council_rows": mine,
                         "row_groups_scanned": scan.get("row_groups_scanned"),
                         "row_groups": scan.get("total_row_groups_to_scan"), "rows_scanned": scan.get("rows_scanned")})
    return rows


def interactions(warehouse: Path, out: Path, quick: bool) -> dict:
    """bench.pages on the national warehouse: each captured callback uncached (after the load) and cached."""
    journeys_file = journeys.ensure(warehouse, out / "journeys.json")
    with tempfile.TemporaryDirectory(prefix="bench-national-") as warmed:
        warm_s = warm_cache(warehouse, Path(warmed))
        results = pages.callback_times(warehouse, journeys_file, quick=quick, after_load=Path(warmed))
    return {"warm_s": warm_s, "callbacks": results, "groups": pages.group(results)}


def _timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def regional_view(warehouse: Path, repeat: int) -> dict:
    """Engine.regional for the home region, uncached (a new engine and cache each time) and cached."""
    from indicators.cache import SimpleCache
    from indicators.engine import Engine
    from indicators.vocabulary import Audience

    probe = Engine(warehouse)
    group, home = probe.region_group(), probe.local_area
    probe.close()
    audiences = {c: Audience.OFFICER if c == home else Audience.PARTNER for c in group}

    def uncached():
        engine = Engine(warehouse, cache=SimpleCache())
        try:
            engine.regional(audiences)
        finally:
            engine.close()

    engine = Engine(warehouse, cache=SimpleCache())
    engine.regional(audiences)
    cached = _timed(lambda: engine.regional(audiences), repeat)
    engine.close()
    cold = _timed(uncached, repeat)
    return {"councils": group, "uncached_s": cold, "cached_s": cached}


def pandas_ratios(warehouse: Path, councils: list[str]) -> list[dict]:
    """Per council and series: the engine narrowed to the council, cold, against pandas on its rows."""
    from indicators import bench as engine_bench
    from indicators.cache import SimpleCache
    from indicators.engine import Engine

    home = Engine(warehouse, cache=SimpleCache())
    rows = []
    try:
        for code in councils:
            council = home.for_council(code)
            in_memory = engine_bench.pandas_baseline(warehouse, code)
            reading = engine_bench.pandas_reading(warehouse, code)
            for indicator, series in in_memory.items():
                compared, differ = engine_bench.agreement(council, code, indicator, series())

                def cold(i=indicator, c=council, a=code):
                    c.cache = SimpleCache()
                    c.result(i, a, engine_bench.Audience.OFFICER, source="local", official=False)

                engine_ms = statistics.median(_timed(cold, 3)) * 1000
                pandas_ms = statistics.median(_timed(series, 3)) * 1000
                read_ms = statistics.median(_timed(reading[indicator], 3)) * 1000
                rows.append({"council": code, "indicator": indicator, "compared": compared, "differ": differ,
                             "engine_ms": engine_ms, "pandas_ms": pandas_ms, "pandas_read_ms": read_ms})
    finally:
        home.close()
    return rows


def _ratio(row: dict, theirs: float) -> str:
    return f"{row['engine_ms'] / theirs:.2f}x" if row["compared"] and not row["differ"] and theirs else "differ"


def report(result: dict) -> str:
    lines = []
    if result.get("build"):
        lines.append("Build (synthetic generation + one ingest of every council):")
        for step in result["build"]:
            lines.append(f"  {step['command'][:70]:<72}{step['seconds']:>7.0f} s  peak {step['peak_gb']:.2f} GB"
                         + ("" if step["exit"] == 0 else f"  FAILED (exit {step['exit']}, see {step['log']})"))
        total = sum(s["seconds"] for s in result["build"])
        peak = max(s["peak_gb"] for s in result["build"])
        lines.append(f"  together {total / 60:.1f} min (budget {BUILD_S // 60} min), peak {peak:.2f} GB "
                     f"(budget {BUILD_GB} GB)")
    w = result["warehouse"]
    lines.append(f"Warehouse: {w['councils']} councils, {w['rows_in']:,} rows in = {w['rows_loaded']:,} loaded + "
                 f"{w['rows_quarantined']:,} quarantined; {w['plans']:,} plans ({w['active_plans']:,} active); "
                 f"{w['size_gb']:.2f} GB")
    if result.get("interactions"):
        found = result["interactions"]
        lines.append(f"\nPage interactions for {HOME} (each captured callback in a fresh process, after the load's "
                     f"cache, drawn in {found['warm_s']:.0f} s):")
        lines.append(pages.report(found["callbacks"], None, UNCACHED_MS, CACHED_MS))
    r = result["regional"]
    cold, warm = np.array(r["uncached_s"]), np.array(r["cached_s"])
    lines.append(f"\nRegional view of {len(r['councils'])} councils (Engine.regional): uncached p50 {np.median(cold):.2f} s, "
                 f"p95 {np.percentile(cold, 95):.2f} s (budget {REGIONAL_S} s); cached p50 {np.median(warm) * 1000:.1f} ms, "
                 f"p95 {np.percentile(warm, 95) * 1000:.1f} ms")
    lines.append("\nEngine (cold, narrowed to the council) against pandas on the council's rows, p50 of 3:")
    lines.append(f"{'council':<11}{'indicator':<18}{'engine':>9}{'pandas':>9}{'+read':>9}{'eng/pandas':>12}{'eng/+read':>11}")
    for row in result["pandas"]:
        ratios = [_ratio(row, row[theirs]) for theirs in ("pandas_ms", "pandas_read_ms")]
        lines.append(f"{row['council']:<11}{row['indicator']:<18}{row['engine_ms']:>7.0f}ms{row['pandas_ms']:>7.0f}ms"
                     f"{row['pandas_read_ms']:>7.0f}ms{ratios[0]:>12}{ratios[1]:>11}")
    agreed = [r for r in result["pandas"] if r["compared"] and not r["differ"]]
    if agreed:
        lines.append(f"median over {len(agreed)} agreeing series: engine/pandas "
                     f"{statistics.median(r['engine_ms'] / r['pandas_ms'] for r in agreed):.2f}x, engine/+read "
                     f"{statistics.median(r['engine_ms'] / r['pandas_read_ms'] for r in agreed):.2f}x "
                     f"({len(result['pandas']) - len(agreed)} series differ)")
    return "\n".join(lines)


def budgets(result: dict) -> list[list[str]]:
    rows = []
    if result.get("build"):
        total = sum(s["seconds"] for s in result["build"])
        peak = max(s["peak_gb"] for s in result["build"])
        rows.append(["National build (synth --all + one ingest of 153) under 20 min on 2 cores",
                     f"{total / 60:.1f} min", _met(total < BUILD_S)])
        rows.append(["Its peak memory under 8 GB", f"{peak:.2f} GB", _met(peak < BUILD_GB)])
    if result.get("interactions"):
        every = result["interactions"]["groups"]["all callbacks"]
        rows.append(["Page interaction for one council, p95 uncached under 500 ms",
                     f"{_ms(every['uncached']['p95'])} (max {_ms(every['uncached']['max'])}) over "
                     f"{every['uncached']['n']} callbacks", _met(every["uncached"]["p95"] < UNCACHED_MS)])
        rows.append(["Page interaction for one council, p95 cached under 10 ms",
                     f"{_ms(every['cached']['p95'])} (max {_ms(every['cached']['max'])})",
                     _met(every["cached"]["p95"] < CACHED_MS)])
    cold = result["regional"]["uncached_s"]
    rows.append([f"Regional view of {len(result['regional']['councils'])} councils under 1 s uncached",
                 f"p95 {_ms(1000 * float(np.percentile(cold, 95)))} (p50 {_ms(1000 * float(np.median(cold)))})",
                 _met(float(np.percentile(cold, 95)) < REGIONAL_S)])
    return rows


def document(result: dict) -> str:
    m, w = result["machine"], result["warehouse"]
    lines = ["# National scale", "",
             f"Written by `{result['command']}` on {result['date']} at commit `{result['commit']}`. Do not edit by "
             "hand: run the command again (see bench/README.md). Issue 12's budgets, on every council's synthetic "
             "extract in one warehouse.", "", "## Machine", "",
             f"{m['cores']} cores, {m['ram_gb']} GB RAM, {m['cpu']}; {m['os']}; Python {m['python']}. Load average "
             f"when the run began: {m['load_average']}; when it ended: {result.get('load_average_after')} (other "
             "work on the machine slows every figure: they are upper bounds).", "",
             f"Warehouse: {w['councils']} councils, {w['rows_in']:,} rows in = {w['rows_loaded']:,} loaded + "
             f"{w['rows_quarantined']:,} quarantined; {w['plans']:,} plans ({w['active_plans']:,} active); "
             f"{w['size_gb']:.2f} GB on disk. Home council {HOME} (Bristol).", "", "## Budgets (issue 12)", ""]
    lines += _table(["budget", "measured", "met?"], budgets(result))
    if result.get("build"):
        lines += ["", "## Build", "", "Each step a subprocess, timed from launch to exit; peak memory is the resident "
                  "memory of the process and its children summed, sampled every 0.2 s.", ""]
        lines += _table(["step", "time", "peak memory"], [[f"`python -m {s['command']}`", f"{s['seconds']:.0f} s",
                                                           f"{s['peak_gb']:.2f} GB"] for s in result["build"]])
    if result.get("pruning"):
        lines += ["", "## What a query for one council reads", "",
                  f"Each local table counted for {HOME} alone (`WHERE la_code = ...`, as the engine's narrowing to a "
                  "council reads it), with DuckDB's profile of the scan: the row groups (about 122,880 rows each) it "
                  "touched of the table's. A load writes the councils one after another, so the others' row groups "
                  "are skipped by their min/max council.", ""]
        lines += _table(["table", "rows", f"{HOME}'s rows", "row groups read", "rows read"],
                        [[f"`{r['table']}`", f"{r['rows']:,}", f"{r['council_rows']:,}",
                          f"{r['row_groups_scanned']} of {r['row_groups']}", f"{r['rows_scanned']:,}"]
                         for r in result["pruning"]])
    if result.get("interactions"):
        found = result["interactions"]
        lines += ["", "## Page interactions for the home council", "",
                  "Every distinct callback of the captured journeys (board member, clinic, commissioner with /region, "
                  "analyst), signed in as a partner, each replayed in a fresh process on a copy of the cache as the "
                  f"load left it (default views drawn in {found['warm_s']:.0f} s), then again (from cache).", ""]
        lines += _table(["callback (outputs, page)", "n", "uncached p50", "p95", "max", "cached p50", "p95"],
                        [[f"`{name}`", g["uncached"]["n"], _ms(g["uncached"]["p50"]), _ms(g["uncached"]["p95"]),
                          _ms(g["uncached"]["max"]), _ms(g["cached"]["p50"]), _ms(g["cached"]["p95"])]
                         for name, g in found["groups"].items()])
    r = result["regional"]
    lines += ["", "## Regional view", "",
              f"`Engine.regional` for {len(r['councils'])} councils ({', '.join(r['councils'])}): the home council in "
              "full, the others at the partner tier, as /region asks for it. Uncached: a new engine and an empty "
              "cache each time; cached: the same engine again.", ""]
    lines += _table(["", "p50", "p95", "runs"],
                    [["uncached", _ms(1000 * float(np.median(r["uncached_s"]))),
                      _ms(1000 * float(np.percentile(r["uncached_s"], 95))), len(r["uncached_s"])],
                     ["cached", _ms(1000 * float(np.median(r["cached_s"]))),
                      _ms(1000 * float(np.percentile(r["cached_s"], 95))), len(r["cached_s"])]])
    lines += ["", "## Engine against plain pandas", "",
              "For each council of the group, the three all-children series of `indicators.bench`: the engine "
              "narrowed to the council with an empty cache (cold) against pandas on that council's rows, already in "
              "memory and reading them from the warehouse first; p50 of 3. A ratio below 1: the engine is faster; "
              "'differ': no ratio, the figures do not agree.", ""]
    lines += _table(["council", "indicator", "engine", "pandas", "pandas + read", "engine / pandas",
                     "engine / pandas + read"],
                    [[row["council"], row["indicator"], _ms(row["engine_ms"]), _ms(row["pandas_ms"]),
                      _ms(row["pandas_read_ms"]), _ratio(row, row["pandas_ms"]), _ratio(row, row["pandas_read_ms"])]
                     for row in result["pandas"]])
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.national", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "national")
    parser.add_argument("--reuse", action="store_true", help="measure a warehouse already built in --out")
    parser.add_argument("--quick", action="store_true", help="one payload per callback group")
    parser.add_argument("--skip-pages", action="store_true", help="leave out the page interactions (part 2)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--from-json", type=Path, help="write the document from a run's --json figures, measuring nothing")
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    if args.from_json:
        args.doc.write_text(document(json.loads(args.from_json.read_text())))
        return 0
    out = args.out.resolve()
    warehouse = out / "warehouse.duckdb"
    result: dict = {"machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                    "commit": _git("rev-parse", "--short", "HEAD"),
                    "command": "python -m bench.national" + "".join(f" {a}" for a in (argv or sys.argv[1:]))}
    if not (args.reuse and warehouse.exists()):
        if out.exists() and any(out.iterdir()):
            if not (out / MARKER).exists():  # never empty a folder this script did not make
                print(f"Refused: {out} holds files this benchmark did not write; name an empty or new folder with --out")
                return 2
            shutil.rmtree(out)
        out.mkdir(parents=True, exist_ok=True)
        (out / MARKER).write_text("Made by python -m bench.national, which empties this folder at its next run.\n")
        result["build"] = build(out)
        for step in (s for s in result["build"] if s["exit"]):
            print(f"FAILED (exit {step['exit']}): {step['command']}; its output is in {step['log']}")
            return 1
    result["warehouse"] = warehouse_rows(warehouse)
    result["pruning"] = pruning(warehouse)
    if not args.skip_pages:
        result["interactions"] = interactions(warehouse, out, args.quick)
    result["regional"] = regional_view(warehouse, args.repeat)
    result["pandas"] = pandas_ratios(warehouse, result["regional"]["councils"])
    result["load_average_after"] = machine()["load_average"]
    print(report(result))
    args.doc.write_text(document(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
