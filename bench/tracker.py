"""Time the statutory-timescale tracker on a warehouse (default: the Bristol sample; Kent's is the issue's size).

    python -m bench.tracker [--warehouse PATH] [--repeat 5]

Prints the p50 and slowest of `Engine.case_list` for every clock (each view of /casework and each list download
runs one, two when narrowed), then `Engine.caseload_performance` for every period the tracker offers, by team and
for the allocated team with the most open cases (each view of /casework runs one, two when a team is chosen),
with the rows found. No assertions: figures to read.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.quality import timed
from data import settings
from indicators import tracker
from indicators.engine import CASE_LISTS, Engine
from indicators.vocabulary import Audience


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default=str(settings.warehouse_path()))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    engine = Engine(Path(args.warehouse))
    try:
        officer = Audience.OFFICER
        print(f"Warehouse {args.warehouse}: {engine.tables.get('person', 0):,} people, "
              f"{engine.tables.get('request', 0):,} requests, area {engine.local_area}, reference date "
              f"{engine.reference_date}")
        print("Case lists (Engine.case_list), every clock:")
        total = 0.0
        for kind in CASE_LISTS:
            p50, worst, frame = timed(lambda k=kind: engine.case_list(officer, user="bench", kind=k), args.repeat)
            total += p50
            print(f"  {kind:16}  p50 {p50 * 1000:7.0f} ms  slowest {worst * 1000:7.0f} ms  {len(frame):>8,} cases")
        print(f"Every clock one after another: {total:.2f} s (p50s summed)")
        teams = engine.case_list(officer, user="bench")["team"]
        busiest = teams[teams != "Unallocated"].value_counts().index[0]  # the drill's usual first step
        print(f"Performance (Engine.caseload_performance), every period, by team and for team {busiest}:")
        rows = []
        for period in tracker.periods(engine.reference_date):
            for team in (None, busiest):
                p50, worst, frame = timed(lambda p=period.key, t=team: engine.caseload_performance(
                    officer, user="bench", period=p, team=t), args.repeat)
                rows.append((p50, worst, period.key, "its caseworkers" if team else "by team", len(frame) - 1))
        for p50, worst, key, team, holders in rows:
            print(f"  {key:15} {team:15}  p50 {p50 * 1000:7.0f} ms  slowest {worst * 1000:7.0f} ms  "
                  f"{holders:>4} teams or caseworkers")
        print(f"All {len(rows)} one after another: {sum(r[0] for r in rows):.2f} s (p50s summed); "
              f"slowest p50 {max(r[0] for r in rows) * 1000:.0f} ms")
    finally:
        engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
