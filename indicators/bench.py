"""Benchmark of the indicator engine on a warehouse (default: the Bristol sample).

    python -m indicators.bench [--warehouse PATH] [--area CODE] [--repeat 20] [--json FILE]

Prints the catalogue's size by theme, then p50 and p95 times of `Engine.show` (rows, metadata and benchmark
block, as the command line and the pages use it) for three indicators:
  cold     a new, empty cache each time: every query runs (and the forecast is fitted)
  no-fc    cold, without the demand forecast (what a dashboard tile asks for)
  cached   the in-process cache (the command line's) already holding the answer
  flask    flask-caching's file-system cache (the app's default) already holding the answer: what a page gets
           after a load, which draws the home council's default views ahead (`dashboard.warm`)
and, for comparison, a plain pandas implementation of the same three all-children series, timed two ways:
  pandas   from tables already in memory (as a pandas app holding them would answer)
  +read    reading the columns it needs from the warehouse into pandas first (what each answer really pays
           when the tables are not held in memory)
Ratios engine / pandas (below 1: the engine is faster; issue 9's budget is 0.1, ten times faster) are given for
the engine cold, cached and after a load (flask) against both, and only after checking that the engine and pandas give the same figure
for every period they share. `measure()` returns the same figures as data (`bench.performance` writes them to
docs/PERFORMANCE.md). No assertions: the budgets are read off this output, never tested by timing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from indicators.cache import SimpleCache
from indicators.engine import Engine
from indicators.vocabulary import Audience

INDICATORS = ("ehcp_issued_20wk", "ehcp_caseload", "ehcp_requests")
# The columns each pandas series needs (named_plan's cease dates give the first year the extract covers).
NEEDS = {
    "ehcp_issued_20wk": {"request": ["request_id", "received_date", "mediation", "tribunal"],
                         "assessment": ["assessment_id", "request_id", "outcome", "outcome_date", "mediation",
                                        "tribunal"],
                         "named_plan": ["cease_date"]},
    "ehcp_caseload": {"request": ["request_id"], "assessment": ["assessment_id", "request_id"],
                      "named_plan": ["assessment_id", "start_date", "cease_date"]},
    "ehcp_requests": {"request": ["received_date"], "named_plan": ["cease_date"]},
}


def timings(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), float(np.percentile(samples, 95))


def read_tables(path: Path, needs: dict[str, list[str]] | None = None, council: str | None = None) -> dict[str, object]:
    """The tables a pandas implementation reads from the warehouse (only the columns in `needs` when given),
    and the extract's reference date: of one council's rows (`council`; default the home council of a warehouse
    of several, whose reference date it is), never the whole nation's."""
    import duckdb

    from data.warehouse.connect import home_council

    needs = needs or {"request": ["*"], "assessment": ["*"], "named_plan": ["*"]}
    with duckdb.connect(str(path), read_only=True) as con:
        council = council or home_council(con, con.execute("SELECT current_database()").fetchone()[0])
        where = "WHERE la_code = $council" if council else ""
        bound = {"council": council} if council else {}
        tables: dict[str, object] = {name: con.execute(f"SELECT {', '.join(columns)} FROM {name} {where}",  # noqa: S608 - names from NEEDS
                                                       bound).df() for name, columns in needs.items()}
        reference = (con.execute("SELECT reference_date FROM loads WHERE la_code = $council", bound).fetchone()[0]
                     if council else con.execute("SELECT value FROM warehouse_info WHERE key = 'reference_date'").fetchone()[0])
        tables["reference"] = pd.Timestamp(reference)
    return tables


def timely(tables: dict) -> pd.Series:
    request, assessment = tables["request"], tables["assessment"]
    first_year = pd.to_datetime(tables["named_plan"]["cease_date"]).min().year
    df = assessment.merge(request, on="request_id", suffixes=("", "_r"))
    df = df[(df["outcome"] == "Y") & df["outcome_date"].notna()]
    disputes = df[["mediation", "tribunal", "mediation_r", "tribunal_r"]].fillna(0).sum(axis=1)
    df = df[disputes == 0]
    days = (pd.to_datetime(df["outcome_date"]) - pd.to_datetime(df["received_date"])).dt.days
    year = pd.to_datetime(df["outcome_date"]).dt.year
    out = (days <= 140).groupby(year).mean() * 100
    return out[out.index >= first_year].round(1)


def caseload(tables: dict) -> pd.Series:
    # as the SQL: plans whose assessment and request are on record, active on the census day (a plan that
    # ceases that day is no longer maintained), censuses up to the reference date
    plan, reference = tables["named_plan"], tables["reference"]
    first_year = pd.to_datetime(plan["cease_date"]).min().year
    df = plan.merge(tables["assessment"][["assessment_id", "request_id"]], on="assessment_id")
    df = df.merge(tables["request"][["request_id"]], on="request_id")
    df = df.assign(start=pd.to_datetime(df["start_date"]), cease=pd.to_datetime(df["cease_date"]))
    counts = {}
    for year in range(first_year, reference.year + 1):
        jan1 = pd.Timestamp(year, 1, 1)
        census = jan1 + pd.Timedelta(days=(3 - jan1.weekday()) % 7 + 14)
        if census > reference:
            break
        counts[f"{year - 1}{year % 100:02d}"] = int(((df["start"] <= census) &
                                                     (df["cease"].isna() | (df["cease"] > census))).sum())
    return pd.Series(counts)


def requests(tables: dict) -> pd.Series:
    first_year = pd.to_datetime(tables["named_plan"]["cease_date"]).min().year
    year = pd.to_datetime(tables["request"]["received_date"]).dt.year.dropna().astype(int)
    return year[year >= first_year].value_counts().sort_index()


SERIES = {"ehcp_issued_20wk": timely, "ehcp_caseload": caseload, "ehcp_requests": requests}


def pandas_baseline(path: Path, council: str | None = None) -> dict[str, Callable[[], pd.Series]]:
    """The same all-children series in plain pandas, from tables loaded beforehand (as a pandas app would
    hold them)."""
    tables = read_tables(path, council=council)
    return {indicator: (lambda f=f: f(tables)) for indicator, f in SERIES.items()}


def pandas_reading(path: Path, council: str | None = None) -> dict[str, Callable[[], pd.Series]]:
    """The same series, each reading the columns it needs from the warehouse first."""
    return {indicator: (lambda i=indicator, f=f: f(read_tables(path, NEEDS[i], council)))
            for indicator, f in SERIES.items()}


def agreement(engine: Engine, area: str, indicator: str, theirs: pd.Series) -> tuple[int, int]:
    """(periods compared, periods whose figures differ) between the engine's all-children series and pandas'."""
    mine = engine.result(indicator, area, Audience.OFFICER, source="local", official=False).frame
    mine = mine[mine["breakdown"] == "Total"].set_index("period")["value"]
    theirs = theirs.copy()
    theirs.index = theirs.index.astype(str)
    shared = mine.index.intersection(theirs.index)
    return len(shared), int((mine[shared].astype(float).round(1) != theirs[shared].astype(float).round(1)).sum())


def _flask_timings(warehouse: Path, area: str, audience: Audience, repeat: int) -> dict[str, tuple[float, float]]:
    """Engine.show answered from flask-caching's file-system cache (the app's default), per indicator."""
    try:
        from flask import Flask
        from flask_caching import Cache as FlaskCache

        from indicators.cache import cache_config
    except ImportError:
        return {}
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        app = Flask("bench")
        fcache = FlaskCache(app, config={**cache_config(), "CACHE_TYPE": "FileSystemCache", "CACHE_DIR": folder})
        with app.app_context():
            fengine = Engine(warehouse, cache=fcache)
            for indicator in INDICATORS:
                fengine.show(indicator, area, audience)
                out[indicator] = timings(lambda i=indicator: fengine.show(i, area, audience), repeat)
            fengine.close()
    return out


def _ratio(engine_ms: float, pandas_ms: float, agree: bool) -> float | None:
    return engine_ms / pandas_ms if agree and pandas_ms > 0 else None


def measure(warehouse: Path, area: str | None = None, audience: Audience = Audience.PARTNER,
            repeat: int = 20) -> dict:
    """The benchmark as data: the warehouse, its catalogue by theme and one row per indicator (times in ms,
    ratios engine / pandas, None when the figures do not agree)."""
    engine = Engine(warehouse, cache=SimpleCache())
    area = area or engine.local_area
    flask_timings = _flask_timings(warehouse, area, audience, repeat)
    # Another council the warehouse holds: the engine narrowed to it, and pandas reading its rows, not the home's
    council = area if area != engine.local_area and area in engine.councils() else None
    if council:
        engine = engine.for_council(council)
    in_memory, reading = pandas_baseline(warehouse, council), pandas_reading(warehouse, council)
    rows = []
    for indicator in INDICATORS:
        # The ratio means something only if both compute the same figures: compare them first.
        compared, differ = agreement(engine, area, indicator, in_memory[indicator]())
        agree = compared > 0 and differ == 0

        def cold(i=indicator):
            engine.cache = SimpleCache()
            engine.show(i, area, audience)

        def cold_no_forecast(i=indicator):
            engine.cache = SimpleCache()
            engine.show(i, area, audience, forecast=False)

        cold_p50, cold_p95 = timings(cold, repeat)
        nf50, nf95 = timings(cold_no_forecast, repeat)
        engine.cache = SimpleCache()
        engine.show(indicator, area, audience)
        warm_p50, warm_p95 = timings(lambda i=indicator: engine.show(i, area, audience), repeat)
        pandas_p50, pandas_p95 = timings(in_memory[indicator], repeat)
        read_p50, read_p95 = timings(reading[indicator], repeat)
        f50, f95 = flask_timings.get(indicator, (float("nan"), float("nan")))
        rows.append({
            "indicator": indicator, "periods_compared": compared, "periods_differ": differ,
            "cold_p50": cold_p50, "cold_p95": cold_p95, "no_forecast_p50": nf50, "no_forecast_p95": nf95,
            "cached_p50": warm_p50, "cached_p95": warm_p95, "flask_p50": f50, "flask_p95": f95,
            "pandas_p50": pandas_p50, "pandas_p95": pandas_p95, "pandas_read_p50": read_p50,
            "pandas_read_p95": read_p95,
            "cold_vs_pandas": _ratio(cold_p50, pandas_p50, agree),
            "cold_vs_pandas_read": _ratio(cold_p50, read_p50, agree),
            "cached_vs_pandas": _ratio(warm_p50, pandas_p50, agree),
            "cached_vs_pandas_read": _ratio(warm_p50, read_p50, agree),
            "after_load_vs_pandas": _ratio(f50, pandas_p50, agree),
            "after_load_vs_pandas_read": _ratio(f50, read_p50, agree),
        })
    result = {"warehouse": str(warehouse), "version": engine.version, "area": area, "audience": audience.value,
              "repeat": repeat, "indicators": len(engine.catalogue),
              "by_theme": {theme.value: len(items) for theme, items in engine.catalogue.by_theme().items()},
              "rows": rows}
    engine.close()
    return result


def _x(ratio: float | None) -> str:
    return "differ" if ratio is None else f"{ratio:.3g}x"


def report(result: dict) -> str:
    lines = [f"Warehouse {result['warehouse']} (version {result['version']}); area {result['area']}; "
             f"audience {result['audience']}; {result['repeat']} runs each",
             f"Indicators: {result['indicators']}"]
    lines += [f"  {theme:<22}{count:>4}" for theme, count in result["by_theme"].items()]
    lines += [f"{r['indicator']}: {r['periods_compared']} periods compared with pandas, {r['periods_differ']} differ"
              for r in result["rows"]]
    lines.append(f"\n{'indicator':<18}{'cold p50':>10}{'p95':>8}{'no-fc p50':>11}{'p95':>8}{'cached p50':>12}"
                 f"{'p95':>8}{'flask p50':>11}{'pandas p50':>12}{'+read p50':>11}")
    for r in result["rows"]:
        lines.append(f"{r['indicator']:<18}{r['cold_p50']:>8.1f}ms{r['cold_p95']:>6.1f}ms{r['no_forecast_p50']:>9.1f}ms"
                     f"{r['no_forecast_p95']:>6.1f}ms{r['cached_p50']:>10.2f}ms{r['cached_p95']:>6.2f}ms"
                     f"{r['flask_p50']:>9.2f}ms{r['pandas_p50']:>10.1f}ms{r['pandas_read_p50']:>9.1f}ms")
    lines.append(f"\nengine / pandas (p50; below 1 the engine is faster, budget 0.1)\n{'indicator':<18}"
                 f"{'cold/pandas':>13}{'cold/+read':>12}{'cached/pandas':>15}{'cached/+read':>14}")
    for r in result["rows"]:
        lines.append(f"{r['indicator']:<18}{_x(r['cold_vs_pandas']):>13}{_x(r['cold_vs_pandas_read']):>12}"
                     f"{_x(r['cached_vs_pandas']):>15}{_x(r['cached_vs_pandas_read']):>14}")
    lines.append("\ncold = empty cache (the warehouse's facts read, benchmark block and demand forecast included); "
                 "no-fc = cold without the forecast;\ncached = the in-process cache holding the answer; pandas = the "
                 "all-children series only, from tables already in memory;\n+read = the same, reading the columns it "
                 "needs from the warehouse first; 'differ' = no ratio, the figures do not agree")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import json

    from data import settings

    parser = argparse.ArgumentParser(prog="python -m indicators.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=settings.warehouse_path())
    parser.add_argument("--area", help="default: the warehouse's own council")
    parser.add_argument("--audience", default=Audience.PARTNER.value, choices=[a.value for a in Audience])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    result = measure(args.warehouse, args.area, Audience(args.audience), args.repeat)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
