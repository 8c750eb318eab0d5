"""Command line: `python -m data synth --la 801` (wired by data/__main__.py) or `python -m data.synth`."""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
from pathlib import Path

from data.synth.extract import DEFAULT_REFERENCE_DATE


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--la", default="E06000023",
                        help="LA code: new ONS code (E06000023) or old 3-digit code (801); default Bristol")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (same LA + seed = identical files)")
    parser.add_argument("--out", default=None,
                        help="output folder (default data/sample/<new_la_code>, or build/national_synth with --all)")
    parser.add_argument("--all", action="store_true",
                        help="generate every one of the 153 LAs into <out>/<new_la_code>/ (2 processes)")
    parser.add_argument("--reference-date", default=DEFAULT_REFERENCE_DATE,
                        help="extract date (default 2026-01-15, the SEN2 2026 census date)")
    parser.add_argument("--workers", type=int, default=2, help="processes for --all (default 2)")
    parser.add_argument("--xml", action=argparse.BooleanOptionalAction, default=None,
                        help="also write the SEN2 return as XML (default: yes for one LA, no with --all, whose "
                             "folders are ingested as they are and a load refuses one return given twice)")


def _one(job: tuple[str, int, str, str, bool]) -> tuple[str, float, int]:
    from data.synth.extract import generate

    code, seed, out, ref, xml = job
    t0 = time.perf_counter()
    counts = generate(code, seed=seed, out=Path(out), reference_date=ref, xml=xml)
    return code, time.perf_counter() - t0, counts.get("sen2/person.csv", 0)


def run(args: argparse.Namespace) -> int:
    from data.synth.inputs import UnknownLAError, la_dim, resolve_la

    t0 = time.perf_counter()
    if getattr(args, "all", False):
        out = Path(args.out or "build/national_synth")
        codes = list(la_dim()["new_la_code"])
        xml = bool(getattr(args, "xml", None))
        jobs = [(c, args.seed, str(out / c), args.reference_date, xml) for c in codes]
        ctx = mp.get_context("fork") if sys.platform != "win32" else mp.get_context("spawn")
        with ctx.Pool(max(1, int(getattr(args, "workers", 2)))) as pool:
            for code, secs, persons in pool.imap_unordered(_one, jobs):
                print(f"{code}: {persons} persons in {secs:.1f}s", flush=True)
        print(f"{len(codes)} LAs written to {out} in {time.perf_counter() - t0:.1f}s")
        return 0
    try:
        info = resolve_la(args.la)
    except UnknownLAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from data.synth.extract import generate

    out = Path(args.out) if args.out else Path("data/sample") / info["new_la_code"]
    counts = generate(info["new_la_code"], seed=args.seed, out=out, reference_date=args.reference_date,
                      xml=getattr(args, "xml", None) is not False)
    print(f"{info['la_name']} ({info['new_la_code']}, {info['old_la_code']}): synthetic extract written to {out} "
          f"in {time.perf_counter() - t0:.1f}s")
    for name, n in counts.items():
        print(f"  {name}: {n}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.synth",
                                     description="Generate a deterministic synthetic local SEN2 extract.")
    add_arguments(parser)
    return run(parser.parse_args(argv))
