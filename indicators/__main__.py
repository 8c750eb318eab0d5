"""Command line for the indicator catalogue and engine.

    python -m indicators list [--theme THEME] [--warehouse PATH]
    python -m indicators coverage --area CODE [--warehouse PATH]
    python -m indicators show ID --area CODE [--period P] [--breakdown B] [--source local|aggregate|national]
                              [--monthly] [--audience officer|partner|public] [--format json|csv]
                              [--warehouse PATH]
    python -m indicators backtest [--write] [--warehouse PATH]

CODE is a new or old LA code (E06000023 or 801), a region code (E12000009) or E92000001 for England. P is a
DfE period: `2023` for a calendar year, `202425` for an academic or financial year, `2024-03` for a month;
omitted means every period. The audience defaults to `public`, the most protected view. Unknown ids, areas,
periods and breakdowns exit with status 2 and list the valid choices.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

from indicators.vocabulary import RESULT_COLUMNS, SOURCE_COLUMN, Audience

_open: list = []


def _engine(args):
    from indicators.engine import Engine

    engine = Engine(args.warehouse) if args.warehouse else Engine()
    _open.append(engine)
    return engine


def _sources(indicator) -> str:
    parts = []
    if indicator.local:
        parts.append("local")
    if indicator.aggregate:
        parts.append(f"aggregate:{indicator.aggregate.measure_code}")
    if indicator.national:
        parts.append("DfE:" + "+".join(dict.fromkeys(n.dataset for n in indicator.national)))
    return ", ".join(parts)


def cmd_list(args) -> int:
    engine = _engine(args)
    area = engine.local_area or "E92000001"
    rows = []
    for indicator in engine.catalogue:
        if args.theme and indicator.theme.value != args.theme:
            continue
        populated, source = engine.populated(indicator.id, area, Audience.PUBLIC)
        rows.append((indicator.id, indicator.title, indicator.theme.value, _sources(indicator),
                     f"yes ({source})" if populated else "no"))
    widths = [max(len(str(r[i])) for r in rows + [("id", "title", "theme", "source", "populated")]) for i in range(5)]
    widths[1] = min(widths[1], 70)
    print(f"Indicators that the loaded data can populate for {engine.area(area).name} ({area}):")
    header = ("id", "title", "theme", "source", "populated")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for row in rows:
        cells = [str(c) if len(str(c)) <= w else str(c)[: w - 1] + "…" for c, w in zip(row, widths, strict=True)]
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))
    print(f"{sum(r[4] != 'no' for r in rows)} of {len(rows)} populated")
    return 0


def cmd_coverage(args) -> int:
    engine = _engine(args)
    area = engine.area(args.area)
    rows = engine.coverage(area.code, Audience.PUBLIC)
    print(f"Coverage for {area.name} ({area.code}), warehouse version {engine.version}")
    by_theme: dict[str, list[dict]] = {}
    for row in rows:
        by_theme.setdefault(row["theme"], []).append(row)
    for theme, items in by_theme.items():
        shown = sum(r["populated"] for r in items)
        print(f"\n{theme}: {shown} of {len(items)} populated")
        for row in items:
            mark = f"populated ({row['source']})" if row["populated"] else "NOT POPULATED"
            print(f"  {row['id']:<30} {mark}")
            if not row["populated"]:
                print(f"      to fill: {row['to_fill']}")
    total = sum(r["populated"] for r in rows)
    print(f"\n{total} of {len(rows)} indicators populated for {area.code}")
    return 0


def _clean(value: Any) -> Any:
    """JSON-safe: NaN becomes null, numpy numbers plain numbers, containers recursively."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if value is not None and not isinstance(value, (str, int, float, bool)):
        return str(value)
    return value


def cmd_show(args) -> int:
    engine = _engine(args)
    answer = engine.show(args.id, args.area, Audience(args.audience), period=args.period, breakdown=args.breakdown,
                         source=args.source, monthly=args.monthly, official=args.source is None)
    if args.format == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=[*RESULT_COLUMNS, SOURCE_COLUMN, "provisional"],
                                lineterminator="\n")
        writer.writeheader()
        for row in answer.rows:
            writer.writerow({k: ("" if v is None else v) for k, v in row.as_json().items()})
    else:
        print(json.dumps(_clean(answer.as_json()), indent=2, allow_nan=False))
    return 0


def cmd_backtest(args) -> int:
    from indicators import backtest

    result = backtest.run(_engine(args))
    print(backtest.table(result))
    if args.write:
        backtest.write(result)
        print(f"wrote {backtest.BACKTEST_FILE.name}")
    return 0


def cmd_facts(args) -> int:
    """Rebuild the stored facts of a live warehouse (after an upgrade changed the catalogue or the queries):
    on a copy, swapped in as a load is, so the running app never sees a half-written file."""
    import shutil
    import time

    from data import settings
    from data.ingest import swap_in
    from indicators.facts import build

    live = Path(args.warehouse or settings.warehouse_path())
    copy = live.with_name(f"{live.name}.facts-{os.getpid()}")
    started = time.perf_counter()
    try:
        shutil.copyfile(live, copy)
        frames, problems = build(copy)
        swap_in(copy, live)
    finally:
        copy.unlink(missing_ok=True)
    print(f"Computed {frames} fact frames into {live} in {time.perf_counter() - started:.1f}s")
    for problem in problems:
        print(f"Warning: not computed, left to the engine: {problem}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indicators", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def warehouse(p):
        p.add_argument("--warehouse", type=Path, help="DuckDB warehouse (default: SEND_WAREHOUSE or the sample)")

    p = sub.add_parser("list", help="every indicator: id, title, theme, source, and whether the data can populate it")
    p.add_argument("--theme", help="only this CDC theme")
    warehouse(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("coverage", help="which indicators an area can show, and what would fill the rest")
    p.add_argument("--area", required=True)
    warehouse(p)
    p.set_defaults(func=cmd_coverage)

    p = sub.add_parser("show", help="one indicator for one area, protected for the audience")
    p.add_argument("id")
    p.add_argument("--area", required=True)
    p.add_argument("--period")
    p.add_argument("--breakdown")
    p.add_argument("--source", choices=["local", "aggregate", "national"],
                   help="only these figures (default: DfE's published figure for every published period, the "
                        "council's own records for the rest)")
    p.add_argument("--monthly", action="store_true", help="every month instead of every year (local figures)")
    p.add_argument("--audience", choices=[a.value for a in Audience], default=Audience.PUBLIC.value)
    p.add_argument("--format", choices=["json", "csv"], default="json")
    warehouse(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("backtest", help="rolling-origin backtest of the demand forecasts on every council's "
                                        "published history, against a drift baseline")
    p.add_argument("--write", action="store_true", help="also refresh indicators/forecast_backtest.json")
    warehouse(p)
    p.set_defaults(func=cmd_backtest)

    p = sub.add_parser("facts", help="rebuild the facts a warehouse stores for the pages (after an upgrade "
                                     "changed the catalogue or its queries; a load builds them itself)")
    warehouse(p)
    p.set_defaults(func=cmd_facts)

    args = parser.parse_args(argv)
    from data.warehouse.connect import WarehouseUnavailable
    from indicators.catalogue import CatalogueError
    from indicators.engine import EngineError

    try:
        return args.func(args)
    except EngineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        if exc.choices:
            print(f"valid choices: {', '.join(map(str, exc.choices))}", file=sys.stderr)
        return 2
    except (WarehouseUnavailable, CatalogueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        while _open:
            _open.pop().close()


if __name__ == "__main__":
    sys.exit(main())
