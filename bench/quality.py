"""Time the data-quality rules on a warehouse (default: the Bristol sample; Kent's is the issue's size).

    python -m bench.quality [--warehouse PATH] [--repeat 5]

Prints the p50 and slowest of `Engine.quality_counts` (every rule counted: what each view of /data-quality
runs), then each rule's `Engine.quality_records` (one rule's records with their holders: what choosing a rule
and each fix-list download runs), slowest first, with the records found. No assertions: figures to read.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from data import settings
from indicators import quality
from indicators.engine import Engine
from indicators.vocabulary import Audience


def timed(call, repeat: int) -> tuple[float, float, object]:
    seconds, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), max(seconds), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default=str(settings.warehouse_path()))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    engine = Engine(Path(args.warehouse))
    try:
        officer = Audience.OFFICER
        print(f"Warehouse {args.warehouse}: {engine.tables.get('person', 0):,} people, "
              f"{engine.tables.get('request', 0):,} requests, area {engine.local_area}")
        p50, worst, counts = timed(lambda: engine.quality_counts(officer, user="bench"), args.repeat)
        print(f"Every rule counted ({len(quality.rules())} rules): p50 {p50 * 1000:.0f} ms, slowest "
              f"{worst * 1000:.0f} ms; {int(counts['records'].sum()):,} records found")
        rows = []
        for rule in quality.rules():
            p50, worst, frame = timed(lambda code=rule.code: engine.quality_records(officer, user="bench", code=code),
                                      args.repeat)
            rows.append((p50, worst, rule.code, len(frame)))
        print("One rule's records with their holders, slowest first:")
        for p50, worst, code, found in sorted(rows, reverse=True):
            print(f"  {code}  p50 {p50 * 1000:7.0f} ms  slowest {worst * 1000:7.0f} ms  {found:>8,} records")
        print(f"All {len(rows)} rules' records one after another: {sum(r[0] for r in rows):.2f} s (p50s summed)")
    finally:
        engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
