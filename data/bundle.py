"""Build the compact national bundle in `data/national/` from the published files in `../shared/data/`.

`python -m data national SRC` re-runs it when DfE publishes a new release. The bundle is what the sample
warehouse loads; the same readers also take any published file directly in `python -m data ingest`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from data.sources.dfe_tidy import read_dfe_tidy

NATIONAL_DIR = Path(__file__).parent / "national"
FACTS_DIR = NATIONAL_DIR / "facts"

# Published DfE tidy files bundled as facts: path under the shared data folder.
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


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Deterministic Parquet: stable row order, no pandas index, zstd compression."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = frame.sort_values(list(frame.columns[:12]), kind="stable", na_position="first").reset_index(drop=True)
    frame.to_parquet(path, index=False, compression="zstd")


def build_dfe_facts(src: Path, out: Path = FACTS_DIR) -> dict[str, int]:
    counts = {}
    for rel in DFE_TIDY_FILES:
        frame = read_dfe_tidy(src / rel)
        write_parquet(frame, out / f"{frame['dataset'].iat[0]}.parquet")
        counts[frame["dataset"].iat[0]] = len(frame)
    return counts


def build_dimensions(src: Path, out: Path = NATIONAL_DIR / "dims") -> dict[str, int]:
    from data.sources.lookups import read_la_lookup, read_ward_lookup

    frames = {
        "la": read_la_lookup(src / "lookups/la_lookup_202425_from_ees.csv"),
        "ward": read_ward_lookup(src / "lookups/ward_lad_la_pcon_hierarchy.csv"),
    }
    for name, frame in frames.items():
        write_parquet(frame, out / f"{name}.parquet")
    return {name: len(frame) for name, frame in frames.items()}
