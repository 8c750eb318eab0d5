"""Benchmark of the indicator engine on a warehouse (default: the Bristol sample).

    python -m indicators.bench [--warehouse PATH] [--area E06000023] [--repeat 20]

Prints the catalogue's size by theme, then p50 and p95 times of `Engine.show` (rows, metadata and benchmark
block, as the command line and the pages use it) for three indicators:
  cold     a new, empty cache each time: every query runs (and the forecast is fitted)
  no-fc    cold, without the demand forecast (what a dashboard tile asks for)
  cached   the in-process cache (the command line's) already holding the answer
  flask    flask-caching's file-system cache (the app's default) already holding the answer
and, for comparison, a plain pandas implementation of the same three all-children series computed from
tables already in memory (the ratio is engine cold / pandas), after checking that both give the same figure
for every period they share. No assertions: QUALITY.md's budgets are
read off this output, never tested by timing.
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

from indicators.cache import SimpleCache, cache_config
from indicators.engine import Engine
from indicators.vocabulary import Audience

INDICATORS = ("ehcp_issued_20wk", "ehcp_caseload", "ehcp_requests")


def timings(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), float(np.percentile(samples, 95))


def pandas_baseline(path: Path) -> dict[str, Callable[[], pd.Series]]:
    """The same all-children series in plain pandas (data loaded beforehand, as a pandas app would hold it)."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        request = con.execute("SELECT * FROM request").df()
        assessment = con.execute("SELECT * FROM assessment").df()
        plan = con.execute("SELECT * FROM named_plan").df()
        reference = pd.Timestamp(con.execute("SELECT value FROM warehouse_info WHERE key = 'reference_date'")
                                 .fetchone()[0])
    first_year = pd.to_datetime(plan["cease_date"]).min().year

    def timely() -> pd.Series:
        df = assessment.merge(request, on="request_id", suffixes=("", "_r"))
        df = df[(df["outcome"] == "Y") & df["outcome_date"].notna()]
        disputes = df[["mediation", "tribunal", "mediation_r", "tribunal_r"]].fillna(0).sum(axis=1)
        df = df[disputes == 0]
        days = (pd.to_datetime(df["outcome_date"]) - pd.to_datetime(df["received_date"])).dt.days
        year = pd.to_datetime(df["outcome_date"]).dt.year
        out = (days <= 140).groupby(year).mean() * 100
        return out[out.index >= first_year].round(1)

    def caseload() -> pd.Series:
        # as the SQL: plans whose assessment and request are on record, active on the census day (a plan that
        # ceases that day is no longer maintained), censuses up to the reference date
        df = plan.merge(assessment[["assessment_id", "request_id"]], on="assessment_id")
        df = df.merge(request[["request_id"]], on="request_id")
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

    def requests() -> pd.Series:
        year = pd.to_datetime(request["received_date"]).dt.year.dropna().astype(int)
        return year[year >= first_year].value_counts().sort_index()

    return {"ehcp_issued_20wk": timely, "ehcp_caseload": caseload, "ehcp_requests": requests}


def main(argv: list[str] | None = None) -> int:
    from data import settings

    parser = argparse.ArgumentParser(prog="python -m indicators.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warehouse", type=Path, default=settings.warehouse_path())
    parser.add_argument("--area", default="E06000023")
    parser.add_argument("--audience", default=Audience.PARTNER.value, choices=[a.value for a in Audience])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    audience = Audience(args.audience)

    engine = Engine(args.warehouse, cache=SimpleCache())
    print(f"Warehouse {args.warehouse} (version {engine.version}); area {args.area}; audience {audience.value}")
    by_theme = engine.catalogue.by_theme()
    print(f"Indicators: {len(engine.catalogue)}")
    for theme, items in by_theme.items():
        print(f"  {theme.value:<22}{len(items):>4}")

    flask_timings = {}
    try:
        from flask import Flask

        from indicators.cache import flask_cache

        with tempfile.TemporaryDirectory() as folder:
            import os

            os.environ.setdefault("SEND_CACHE_DIR", folder)
            app = Flask("bench")
            fcache = flask_cache(app)
            print(f"flask-caching: {cache_config()['CACHE_TYPE']}")
            with app.app_context():
                fengine = Engine(args.warehouse, cache=fcache)
                for indicator in INDICATORS:
                    fengine.show(indicator, args.area, audience)
                    flask_timings[indicator] = timings(lambda i=indicator: fengine.show(i, args.area, audience),
                                                       args.repeat)
                fengine.close()
    except ImportError:
        pass

    baseline = pandas_baseline(args.warehouse)
    # The ratio means something only if both compute the same figures: compare them first.
    for indicator in INDICATORS:
        mine = engine.result(indicator, args.area, Audience.OFFICER, source="local", official=False).frame
        mine = mine[mine["breakdown"] == "Total"].set_index("period")["value"]
        theirs = baseline[indicator]()
        theirs.index = theirs.index.astype(str)
        shared = mine.index.intersection(theirs.index)
        differ = int((mine[shared].astype(float).round(1) != theirs[shared].astype(float).round(1)).sum())
        print(f"{indicator}: {len(shared)} periods compared with pandas, {differ} differ")
    print(f"\n{'indicator':<20}{'cold p50':>10}{'cold p95':>10}{'no-fc p50':>11}{'no-fc p95':>11}"
          f"{'cached p50':>12}{'cached p95':>12}"
          f"{'flask p50':>11}{'flask p95':>11}{'pandas p50':>12}{'cold/pandas':>13}")
    for indicator in INDICATORS:
        def cold(i=indicator):
            engine.cache = SimpleCache()
            engine.show(i, args.area, audience)

        cold_p50, cold_p95 = timings(cold, args.repeat)

        def cold_no_forecast(i=indicator):
            engine.cache = SimpleCache()
            engine.show(i, args.area, audience, forecast=False)

        nf50, nf95 = timings(cold_no_forecast, args.repeat)
        engine.cache = SimpleCache()
        engine.show(indicator, args.area, audience)
        warm_p50, warm_p95 = timings(lambda i=indicator: engine.show(i, args.area, audience), args.repeat)
        pandas_p50, _ = timings(baseline[indicator], args.repeat)
        f50, f95 = flask_timings.get(indicator, (float("nan"), float("nan")))
        print(f"{indicator:<20}{cold_p50:>8.1f}ms{cold_p95:>8.1f}ms{nf50:>9.1f}ms{nf95:>9.1f}ms"
              f"{warm_p50:>10.2f}ms{warm_p95:>10.2f}ms"
              f"{f50:>9.2f}ms{f95:>9.2f}ms{pandas_p50:>10.1f}ms{cold_p50 / pandas_p50:>12.1f}x")
    print("\ncold = empty cache (every query runs, benchmark block and demand forecast included); no-fc = cold "
          "without the forecast;\npandas = the all-children series only, from tables already in memory")
    engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
