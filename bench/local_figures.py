"""Every local indicator's figures, written to one CSV, so a change to the local SQL can be checked for
changed numbers: run it before and after, then compare the two files.

    python -m bench.local_figures before.csv              # the sample warehouse and the test fixture's
    python -m bench.local_figures after.csv --compare before.csv

Rows: for each warehouse, local indicator, audience and breakdown the audience may ask for, the unprotected
figures straight from the SQL (`raw`, years and, where the indicator runs by month, months), the protected
local figures (`local`) and the figures a page shows (`official`: DfE's published figures in place where
published). A breakdown in only one of the two files (one added or removed) is listed, not compared.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from indicators.engine import TOTAL, Engine
from indicators.testing import fixture_warehouse
from indicators.vocabulary import Audience

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "warehouse.duckdb"
KEY = ["warehouse", "indicator", "kind", "audience", "breakdown", "period", "breakdown_value"]
FIGURES = ["numerator", "denominator", "value", "status", "provisional"]


def figures(name: str, engine: Engine) -> pd.DataFrame:
    parts = []
    area = engine.local_area
    for indicator in engine.catalogue:
        if not indicator.local:
            continue
        tag = {"warehouse": name, "indicator": indicator.id}
        for breakdown in engine.breakdowns_for(indicator, "local", Audience.OFFICER):
            for monthly in (False, True) if indicator.local.monthly else (False,):
                frame = engine._frame(indicator, "local", breakdown, monthly)
                parts.append(frame.assign(**tag, kind="raw-months" if monthly else "raw", audience="",
                                          breakdown=breakdown))
        for audience in Audience:
            for breakdown in engine.breakdowns_for(indicator, "local", audience):
                for official in (False, True):
                    rows = engine.result(indicator.id, area, audience, breakdown=breakdown, source="local",
                                         official=official).frame
                    parts.append(rows.assign(**tag, kind="official" if official else "local",
                                             audience=audience.value, breakdown=breakdown))
            if indicator.local.monthly:
                rows = engine.result(indicator.id, area, audience, breakdown=TOTAL, source="local",
                                     monthly=True).frame
                parts.append(rows.assign(**tag, kind="months", audience=audience.value, breakdown=TOTAL))
    return pd.concat(parts, ignore_index=True)


def dump(path: Path) -> pd.DataFrame:
    frames = []
    for name, warehouse in (("sample", SAMPLE), ("fixture", fixture_warehouse())):
        engine = Engine(warehouse)
        try:
            frames.append(figures(name, engine))
        finally:
            engine.close()
    out = pd.concat(frames, ignore_index=True)
    out = out[[*KEY, *FIGURES, *[c for c in out.columns if c not in KEY + FIGURES]]].sort_values(KEY, kind="stable")
    out.to_csv(path, index=False)
    return out


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)  # as written: a blank is a blank on both sides


def compare(before: pd.DataFrame, after: pd.DataFrame) -> int:
    pairs = before.merge(after, on=KEY, how="outer", suffixes=("_before", "_after"), indicator=True)
    breakdowns = ["warehouse", "indicator", "kind", "audience", "breakdown"]
    old = set(map(tuple, before[breakdowns].drop_duplicates().to_numpy()))
    new = set(map(tuple, after[breakdowns].drop_duplicates().to_numpy()))
    both = pairs[[tuple(r) in (old & new) for r in pairs[breakdowns].to_numpy()]]
    mismatched = both[both["_merge"] != "both"]
    same = both[both["_merge"] == "both"]
    for column in FIGURES:
        a, b = same[f"{column}_before"], same[f"{column}_after"]
        differ = ~((a == b) | (a.isna() & b.isna()))
        mismatched = pd.concat([mismatched, same[differ]])
    print(f"rows before {len(before):,}, after {len(after):,}; compared {len(same):,} rows in "
          f"{len(old & new):,} (indicator, kind, audience, breakdown) tables; mismatches {len(mismatched):,}")
    for label, names in (("only before", old - new), ("only after", new - old)):
        if names:
            print(f"tables {label}: {len(names)}: " + ", ".join("/".join(n[1:]) for n in sorted(names)[:20]))
    if len(mismatched):
        print(mismatched.head(40).to_string())
    return len(mismatched)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--compare", type=Path, help="an earlier output to compare with")
    args = parser.parse_args(argv)
    after = dump(args.output)
    print(f"wrote {len(after):,} rows to {args.output}")
    if args.compare:
        return 1 if compare(_read(args.compare), _read(args.output)) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
