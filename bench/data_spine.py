"""Time the data spine: generate synthetic extracts and build the sample warehouse from raw files.

    python -m bench.data_spine [--all] [--out build/bench]
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import duckdb

from data.ingest import ingest
from data.synth import generate

BUDGET_SAMPLE_S = 60.0  # QUALITY.md: sample warehouse built from raw files
BUDGET_KENT_S = 120.0  # the data-spine issue: Kent generates in under 2 minutes


def timed(label: str, action) -> float:
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    print(f"{label:<52}{seconds:>8.1f} s")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="build/bench")
    parser.add_argument("--all", action="store_true", help="also generate all 153 LAs (several minutes, ~3.6 GB)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)

    bristol = out / "E06000023"
    generated = timed("Generate Bristol (E06000023)", lambda: generate("E06000023", 2026, bristol))
    warehouse = out / "warehouse.duckdb"
    built = timed("Ingest Bristol + national bundle into a new warehouse",
                  lambda: ingest([bristol / "sen2", bristol / "local", bristol / "MANIFEST.json"], warehouse,
                                 progress=False))
    sample = generated + built
    print(f"{'Sample warehouse from raw files (generate + ingest)':<52}{sample:>8.1f} s  "
          f"= {sample / BUDGET_SAMPLE_S:.0%} of the {BUDGET_SAMPLE_S:.0f} s budget")
    kent = timed("Generate Kent (E10000016)", lambda: generate("E10000016", 2026, out / "E10000016"))
    print(f"{'':<52}{'':>8}    = {kent / BUDGET_KENT_S:.0%} of the {BUDGET_KENT_S:.0f} s budget")
    if args.all:
        from data.synth import cli

        everything = argparse.Namespace(all=True, out=str(out / "national"), seed=2026, workers=2,
                                        reference_date=cli.DEFAULT_REFERENCE_DATE, la=None)
        timed("Generate all 153 LAs", lambda: cli.run(everything))

    print("\nRows per table in the Bristol sample warehouse:")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        for table in tables:
            rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608 - names from the catalog
            print(f"  {table:<26}{rows:>12,}")
    print(f"\nWarehouse file: {warehouse.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
