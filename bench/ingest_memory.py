"""Peak memory of loading a large person.csv: the ingest runs in a child process and its peak resident set
size is read back from the operating system.

    python -m bench.ingest_memory [--sizes 50 200]   (megabytes of person.csv)

The file is the sample's person.csv repeated with fresh ids until it reaches the size, in a temporary folder.
The interpreter with the ingest's imports loaded is measured the same way, so the load's own share shows.
"""

from __future__ import annotations

import argparse
import csv
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from data import settings

SAMPLE_PERSON = settings.SAMPLE_DIR / settings.DEFAULT_LA / "sen2" / "person.csv"
ROOT = Path(__file__).resolve().parent.parent
IMPORTS = "import data.ingest, data.schemas.validate, data.sources.national"
LOAD = IMPORTS + "; import sys, pandas as pd; data.ingest.ingest([sys.argv[1]], sys.argv[2], bundle=False, " \
                 "today=pd.Timestamp('2026-03-31'), progress=False)"


def make_person_csv(target: Path, megabytes: float) -> int:
    """Repeat the sample's people with new ids (and unique pupil numbers) until the file reaches the size."""
    with SAMPLE_PERSON.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header, people = reader.fieldnames, list(reader)
    wanted, written = megabytes * 1e6, 0
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        while handle.tell() < wanted:
            for person in people:
                written += 1
                writer.writerow({**person, "persontableid": str(written), "upn": "", "uniquelearnernumber": ""})
    return written


def peak_rss_mb(code: str, *args: str) -> float:
    """Peak resident memory (MB) of a fresh interpreter running `code`; each call is its own child, so the
    children's maximum is read with the call alone under way."""
    subprocess.run([sys.executable, "-c", code, *args], check=True, cwd=ROOT)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kilobytes on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=float, nargs="+", default=[50, 200], help="person.csv sizes in MB")
    args = parser.parse_args(argv)
    if not SAMPLE_PERSON.exists():
        print(f"Build the sample first (python -m data sample): {SAMPLE_PERSON} is missing")
        return 1
    base = peak_rss_mb(IMPORTS)
    print(f"{'interpreter with the ingest imported':<40}{base:>10.0f} MB peak")
    print(f"{'person.csv':>12}{'rows':>12}{'peak RSS':>12}{'peak/file':>11}{'(peak-base)/file':>18}")
    # ru_maxrss of children is the maximum over every child so far, so sizes run smallest first
    for megabytes in sorted(args.sizes):
        with tempfile.TemporaryDirectory() as folder:
            person = Path(folder) / "person.csv"
            rows = make_person_csv(person, megabytes)
            size = person.stat().st_size / 1e6
            peak = peak_rss_mb(LOAD, str(person), str(Path(folder) / "warehouse.duckdb"))
            print(f"{size:>9.0f} MB{rows:>12,}{peak:>9.0f} MB{peak / size:>10.1f}x{(peak - base) / size:>17.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
