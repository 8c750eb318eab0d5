"""Build the compact national bundle in `data/national/` from the published files (`data/published/`).

`python -m data national [SRC]` re-runs it when DfE publishes a new release: the same readers that the ingest
uses on a supplied file (`data.sources.national`) read every published file, and the tables are written as
Parquet with a stable row order, so the same inputs always give byte-identical files. The build happens in
a scratch folder beside the bundle and replaces the Parquet files only when every file has been read; the
hand-written PROVENANCE.md and README.md are left alone. `manifest.json` records each source file's hash and
each table's row count.

A published CSV may be kept gzip-compressed (`caseload.csv.gz` in place of `caseload.csv`): it is read, named
and hashed as the CSV it holds, so compressing a source changes neither the bundle nor the manifest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from data.errors import SourceError
from data.parsing import GZIP, plain_path, read_bytes
from data.sources import inclusion, lait, lookups, statistical_neighbours
from data.sources.dfe_tidy import FACT_COLUMNS, read_dfe_tidy

NATIONAL_DIR = Path(__file__).parent / "national"
FACTS_DIR = NATIONAL_DIR / "facts"
PUBLISHED_DIR = Path(__file__).parent / "published"  # the published files the bundle is built from

# Published DfE tidy files bundled as facts: path under the published-files folder.
DFE_TIDY_FILES = [
    *(f"national/ehcp_2025/{name}.csv" for name in (
        "caseload", "newplans", "requests", "assessments", "timeliness_20_week", "sen_needs_all_plans",
        "sen_need_newplans", "annual_reviews", "ceased_plans", "personal_budgets", "residential_settings",
        "work_based_placements", "sen2_dmo_dco",
    )),
    "national/ehcp_2014_2021/sen2_mi.csv",
    "national/ehcp_2014_2021/sen2_age_caseload.csv",
    "national/inclusion/cin_sen_la.csv",
]
# The other published files. A pattern takes next year's file name (the newest match is used).
LOOKUP_FILES = {
    "la_lookup": "lookups/la_lookup_*_from_ees.csv",
    "las": "lookups/las.csv",
    "regions": "lookups/regions.csv",
    "region_la_hierarchy": "lookups/region_la_hierarchy.csv",
    "ward": "lookups/ward_lad_la_pcon_hierarchy.csv",
    "sen": "lookups/sen.csv",
    "sub_icb": "lookups/sub_icb_to_icb_to_nhse_region_*.csv",
}
SN_FILES = "national/statistical_neighbours/sn_*.xlsx"  # every model published
LAIT_FILES = {
    "dictionary": "national/lait/lait_send_measures_dictionary.csv",
    "long": "national/lait/lait_send_measures_long.csv",
    "la_list": "national/lait/la_code_list.xlsx",
}
INCLUSION_DIR = "national/inclusion"
OFSTED_FILES = ("national/inclusion/ofsted.csv", "national/inclusion/mi_ofsted_*.csv")
LA_CCG_FILE = "national/inclusion/la_ccg_lookup.csv"

# Row order of each non-fact table (facts, dims/la and dims/ward: their first 12 columns, as first bundled).
SORT_KEYS = {
    "dims/la_code": ["new_la_code"],
    "dims/region": ["region_code"],
    "dims/la_region_history": ["new_la_code", "region_code", "old_la_code"],
    "dims/need_type": ["sort_order"],
    "dims/sub_icb": ["sub_icb_code"],
    "tables/stat_neighbour": ["model", "old_la_code", "sn_rank"],
    "tables/lait_measure": ["measure_short"],
    "tables/lait_area": ["lait_number"],
    "tables/area_inspection": ["la_code", "framework", "publication_date"],
    "tables/la_nhs": ["la_code", "ccg_code"],
}


def published_files(src: Path, pattern: str) -> list[Path]:
    """Files under `src` matching `pattern`, each as published or gzip-compressed (`pattern` + `.gz`), in
    order of their published names."""
    return sorted({*src.glob(pattern), *src.glob(pattern + GZIP)}, key=plain_path)


def published_file(src: Path, rel: str) -> Path:
    """`src / rel`, or its compressed copy `src / rel.gz` when only that exists."""
    path = Path(src) / rel
    return path if path.exists() or not path.with_name(path.name + GZIP).exists() else path.with_name(path.name + GZIP)


def _one(src: Path, pattern: str) -> Path:
    matches = published_files(src, pattern)
    if not matches:
        raise SourceError(src / pattern, "is missing from the published files",
                          "copy the published file into the source folder (see data/national/PROVENANCE.md)")
    return matches[-1]


def _stable(frame: pd.DataFrame) -> pd.DataFrame:
    """One dtype per kind of column, whatever pandas inferred: text -> `string`, so files do not differ by
    whether a reader produced `str` or `string` columns."""
    frame = frame.copy()
    for column in frame.columns:
        dtype = frame[column].dtype
        if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
            frame[column] = frame[column].astype("string")
    return frame


def write_parquet(frame: pd.DataFrame, path: Path, sort: list[str] | None = None) -> None:
    """Deterministic Parquet: stable row order, no pandas index, zstd compression."""
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = sort or list(frame.columns[:12])
    frame = _stable(frame).sort_values(keys, kind="stable", na_position="first").reset_index(drop=True)
    frame.to_parquet(path, index=False, compression="zstd")


def read_all(src: Path) -> tuple[dict[str, pd.DataFrame], list[Path]]:
    """Read every published file the bundle holds -> {"facts/<dataset>" | "dims/<name>" | "tables/<name>": rows},
    and the list of source files read."""
    used: list[Path] = []

    def take(pattern: str) -> Path:
        path = _one(src, pattern)
        used.append(path)
        return path

    out: dict[str, pd.DataFrame] = {}
    la = lookups.read_la_lookup(take(LOOKUP_FILES["la_lookup"]))
    geography = {
        "dim_la": la,
        "dim_la_code": lookups.read_las(take(LOOKUP_FILES["las"]), current=la),
        "dim_region": lookups.read_regions(take(LOOKUP_FILES["regions"])),
    }
    resolver = lookups.AreaResolver.from_frames(geography)
    out["dims/la"] = la
    out["dims/la_code"] = geography["dim_la_code"]
    out["dims/region"] = geography["dim_region"]
    out["dims/la_region_history"] = lookups.read_region_la_hierarchy(take(LOOKUP_FILES["region_la_hierarchy"]))
    out["dims/ward"] = lookups.read_ward_lookup(take(LOOKUP_FILES["ward"]))
    out["dims/need_type"] = lookups.read_need_types(take(LOOKUP_FILES["sen"]))
    out["dims/sub_icb"] = lookups.read_sub_icb(take(LOOKUP_FILES["sub_icb"]))

    for rel in DFE_TIDY_FILES:
        frame = read_dfe_tidy(take(rel))
        out[f"facts/{frame['dataset'].iat[0]}"] = frame

    models = []
    for path in published_files(src, SN_FILES):
        used.append(path)
        models.append(statistical_neighbours.read_stat_neighbours_xlsx(path, resolver))
    if not models:
        _one(src, SN_FILES)  # raises: the statistical neighbours workbook is missing
    out["tables/stat_neighbour"] = pd.concat(models, ignore_index=True)

    measures = lait.read_lait_dictionary(take(LAIT_FILES["dictionary"]))
    out["tables/lait_measure"] = measures
    out["facts/lait"] = lait.read_lait_long(take(LAIT_FILES["long"]), measures, resolver)
    out["tables/lait_area"] = lait.read_lait_la_list(take(LAIT_FILES["la_list"]), resolver)

    for name, spec in inclusion.FACT_SPECS.items():
        out[f"facts/{spec.dataset}"] = inclusion.read_inclusion_facts(take(f"{INCLUSION_DIR}/{name}.csv"), resolver, spec)
    inspections = [inclusion.read_ofsted(take(OFSTED_FILES[0]), resolver)]
    for path in published_files(src, OFSTED_FILES[1]):
        used.append(path)
        inspections.append(inclusion.read_mi_ofsted(path, resolver))
    out["tables/area_inspection"] = inclusion.combine_inspections(inspections)
    out["tables/la_nhs"] = inclusion.read_la_ccg(take(LA_CCG_FILE), resolver, out["dims/sub_icb"])
    return out, used


def build_bundle(src: Path, out: Path = NATIONAL_DIR) -> dict[str, int]:
    """Rebuild every Parquet file of the bundle in `out` from the published files in `src`.

    Nothing in `out` changes unless every file was read. Returns rows per bundle file ("facts/caseload": n).
    """
    src, out = Path(src), Path(out)
    if not src.is_dir():
        raise SourceError(src, "is not a folder", "pass the folder holding the published files (lookups/, national/)")
    frames, used = read_all(src)
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".national-build-", dir=out.parent))
    try:
        for key, frame in sorted(frames.items()):
            sort = FACT_COLUMNS[:12] if key.startswith("facts/") else SORT_KEYS.get(key)
            write_parquet(frame, scratch / f"{key}.parquet", sort)
        manifest = {"sources": [_source_entry(src, p) for p in sorted(set(used), key=plain_path)],
            "files": [{"path": f"{key}.parquet", "rows": len(frame),
                       "sha256": hashlib.sha256((scratch / f"{key}.parquet").read_bytes()).hexdigest()}
                      for key, frame in sorted(frames.items())],
        }
        (scratch / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        for folder in ("facts", "dims", "tables"):
            target = out / folder
            target.mkdir(exist_ok=True)
            for old in target.glob("*.parquet"):
                old.unlink()
            for new in sorted((scratch / folder).glob("*.parquet")):
                shutil.move(str(new), target / new.name)
        shutil.move(str(scratch / "manifest.json"), out / "manifest.json")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    from data.sources.national import _bundle_tables

    _bundle_tables.cache_clear()
    return {key: len(frame) for key, frame in sorted(frames.items())}


def _source_entry(src: Path, path: Path) -> dict:
    """A source file in the manifest by its published name, size and SHA-256: a compressed copy is described
    by the bytes it holds, so the manifest says which publication was read, however it was stored."""
    data = read_bytes(path)
    return {"path": plain_path(path).relative_to(src).as_posix(), "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest()}


# Kept for callers of the first version of this module.
# ---------------------------------------------------------------------------------------------------------
# Command line: `python -m data national SRC`


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("src", type=Path, nargs="?", default=PUBLISHED_DIR,
                        help=f"folder of published files, holding lookups/ and national/ (default: {PUBLISHED_DIR})")
    parser.add_argument("--out", type=Path, default=NATIONAL_DIR,
                        help=f"bundle folder to rebuild (default: {NATIONAL_DIR})")
    parser.add_argument("--check", action="store_true",
                        help="build into a scratch folder and report whether the bundle is up to date (exit 1 if not)")


def run(args: argparse.Namespace) -> int:
    try:
        if args.check:
            with tempfile.TemporaryDirectory() as scratch:
                build_bundle(args.src, Path(scratch))
                stale = _differences(Path(scratch), args.out)
            for line in stale:
                print(line)
            print("national bundle is up to date" if not stale else f"{len(stale)} bundle file(s) differ")
            return 1 if stale else 0
        counts = build_bundle(args.src, args.out)
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    width = max(len(k) for k in counts)
    for key, rows in counts.items():
        print(f"{key:<{width}}  {rows:>9,} rows")
    size = sum(p.stat().st_size for p in Path(args.out).rglob("*.parquet"))
    print(f"{len(counts)} files, {size / 1e6:.1f} MB in {args.out}")
    return 0


def _differences(built: Path, committed: Path) -> list[str]:
    names = {p.relative_to(built) for p in built.rglob("*.parquet")} | {
        p.relative_to(committed) for p in committed.rglob("*.parquet")}
    stale = []
    for name in sorted(names):
        a, b = built / name, committed / name
        if not a.exists() or not b.exists() or a.read_bytes() != b.read_bytes():
            stale.append(f"differs: {name.as_posix()}")
    return stale


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data national", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
