"""Facts: every figure the pages read, computed once per load and stored in the warehouse.

A request used to re-derive its figures from child-level rows (each local query rebuilds its family's
events, joins and breakdowns). Instead, when a load is built, `build` runs the engine over the new file
once and stores in it:
  - every indicator's figures from each of its sources, for every breakdown it offers, by year and (local
    figures that run by month) by month: the engine's unprotected frames;
  - the protected frames partners and the public read (`Engine._protect_families`): one disclosure pattern
    per indicator and audience, so every page, download and export shows the same cells.
The engine then reads a frame by its key (`Engine._frame`, `Engine._protected`) with one indexed query.
Only an officer's drill-down to one ward, school or need type and the case lists still read child-level rows.

Facts belong to the catalogue and the queries that made them: their key (`facts_key` in `warehouse_info`)
covers the catalogue's digest and every SQL file, so after an upgrade that changes either the engine ignores
the stored facts and computes as before, until `python -m indicators facts` (or the next load) rebuilds them.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from indicators.vocabulary import Audience

if TYPE_CHECKING:
    from indicators.catalogue import Catalogue
    from indicators.engine import Engine

INDEX = "fact_index"  # with fact_frame: the two tables facts live in
INFO_KEY = "facts_key"
FORMAT = "1"  # bump when what is stored changes shape
SQL_DIR = Path(__file__).resolve().parent / "sql"
PROTECTED_AUDIENCES = (Audience.PARTNER, Audience.PUBLIC)  # officers read the unprotected frames
ALL_BREAKDOWNS = "*"  # a protected frame holds every breakdown of the indicator


@dataclass(frozen=True)
class FactKey:
    kind: str  # "frame" (unprotected) | "protected"
    indicator: str
    source: str
    breakdown: str
    monthly: bool
    audience: str = ""


def key_for(catalogue: Catalogue) -> str:
    """What the stored facts depend on besides the data: the catalogue and the queries."""
    digest = hashlib.sha256(f"{FORMAT}\0{catalogue.digest}".encode())
    for path in sorted(SQL_DIR.rglob("*.sql")):
        digest.update(path.relative_to(SQL_DIR).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def keys(engine: Engine) -> Iterator[FactKey]:
    """Every frame a page, download or export can ask for without a drill-down filter."""
    from indicators.engine import SOURCES, _has_source

    for indicator in engine.catalogue:
        for source in SOURCES:
            if not _has_source(indicator, source):
                continue
            monthly = source == "local" and indicator.local.monthly
            for breakdown in engine.breakdowns_for(indicator, source, Audience.OFFICER):
                yield FactKey("frame", indicator.id, source, breakdown, False)
                if monthly:
                    yield FactKey("frame", indicator.id, source, breakdown, True)
            if source != "national":  # published figures are shown as published
                for audience in PROTECTED_AUDIENCES:
                    yield FactKey("protected", indicator.id, source, ALL_BREAKDOWNS, False, audience.value)


def compute(engine: Engine) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(facts, index, problems): every frame stacked under its key, each key's columns in order, and the
    keys whose query cannot run on this warehouse (e.g. one loaded without the national data has no wards):
    those are left to the engine, which will say the same to whoever asks. Indicators are computed side by
    side (DuckDB works outside Python's lock); each one's keys in order, so its protected frames reuse its
    frames from the engine's cache, where one query has put every breakdown's (`_compute_keys`)."""
    by_indicator: dict[str, list[FactKey]] = {}
    for key in keys(engine):
        by_indicator.setdefault(key.indicator, []).append(key)
    # The heaviest first (most frames, months above all), so no long one is left to run alone at the end
    heaviest = sorted(by_indicator, key=lambda i: -sum(1 + k.monthly for k in by_indicator[i]))
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
        done = dict(zip(heaviest, pool.map(lambda i: _compute_keys(engine, by_indicator[i]), heaviest), strict=True))
    parts = [done[i] for i in by_indicator]
    frames = [frame for part in parts for frame in part[0]]
    index = pd.DataFrame([entry for part in parts for entry in part[1]])
    problems = [problem for part in parts for problem in part[2]]
    if not frames:
        return pd.DataFrame(), index, problems
    facts = pd.concat(frames, ignore_index=True)
    rows = index["rows"].to_numpy()  # each frame's rows, stacked in the index's order: each row's key
    for column, entry in (("kind", "kind"), ("indicator", "indicator"), ("fact_source", "source"),
                          ("breakdown_key", "breakdown_key"), ("monthly", "monthly"), ("audience", "audience")):
        facts[column] = np.repeat(index[entry].to_numpy(), rows)
    facts["fact_row"] = np.concatenate([np.arange(n) for n in rows])
    return facts, index, problems


def _compute_keys(engine: Engine, batch: list[FactKey]) -> tuple[list[pd.DataFrame], list[dict], list[str]]:
    """One indicator's keys. Its local frames first, all breakdowns of years (and of months) from one query
    (`Engine._frames`) into the engine's cache; a query that cannot run is left to each key on its own, so the
    problem names the breakdown that needs what the warehouse lacks."""
    frames, index, problems = [], [], []
    together: dict[tuple[str, bool], list[str]] = {}
    for key in batch:
        if key.kind == "frame":
            together.setdefault((key.source, key.monthly), []).append(key.breakdown)
    for (source, monthly), breakdowns in together.items():
        try:
            engine._frames(engine.indicator(batch[0].indicator), source, breakdowns, monthly)
        except duckdb.Error:
            pass
    for key in batch:
        indicator = engine.indicator(key.indicator)
        try:
            if key.kind == "frame":  # through the engine's cache: the protected frames below reuse them
                frame = engine._frame(indicator, key.source, key.breakdown, key.monthly)
            else:
                frame = engine._protect_families(indicator, key.source, Audience(key.audience))
        except duckdb.Error as exc:
            problems.append(f"{key.indicator} ({key.source}, {key.breakdown}): {str(exc).splitlines()[0]}")
            continue
        index.append({"kind": key.kind, "indicator": key.indicator, "source": key.source,
                      "breakdown_key": key.breakdown, "monthly": key.monthly, "audience": key.audience,
                      "columns": json.dumps(list(frame.columns)), "rows": len(frame)})
        frames.append(frame)
    return frames, index, problems


def build(path: Path) -> tuple[int, list[str]]:
    """Compute the facts of the warehouse at `path` and store them in it (before it goes live). Returns the
    number of frames stored and the keys that could not be computed (see `compute`)."""
    from indicators.cache import SimpleCache
    from indicators.engine import Engine

    engine = Engine(path, cache=SimpleCache(), use_facts=False)  # every frame afresh, whatever the file holds
    try:
        key = key_for(engine.catalogue)
        facts, index, problems = compute(engine)
    finally:
        engine.close()
    if index.empty:  # nothing could be computed: the engine computes on request, as without facts
        return 0, problems
    with duckdb.connect(str(path)) as con:
        con.execute("DROP TABLE IF EXISTS fact_frame")
        con.execute("DROP TABLE IF EXISTS fact_index")
        con.register("facts_in", facts)
        con.register("index_in", index)
        # Stored in key order, so the engine's one-key reads touch few row groups.
        con.execute("""CREATE TABLE fact_frame AS SELECT * FROM facts_in
                        ORDER BY kind, indicator, fact_source, audience, breakdown_key, monthly, fact_row""")
        con.execute("CREATE TABLE fact_index AS SELECT * FROM index_in")
        con.execute("DELETE FROM warehouse_info WHERE key = $key", {"key": INFO_KEY})
        con.execute("INSERT INTO warehouse_info VALUES ($key, $value)", {"key": INFO_KEY, "value": key})
    return len(index), problems


def stored_columns(engine: Engine) -> dict[FactKey, list[str]]:
    """Each stored key's columns, in the order the engine made them."""
    index = engine._query("SELECT * FROM fact_index", {})
    return {FactKey(r.kind, r.indicator, r.source, r.breakdown_key, bool(r.monthly), r.audience):
            json.loads(r.columns) for r in index.itertuples(index=False)}


def read(engine: Engine, key: FactKey, columns: list[str]) -> pd.DataFrame:
    """One stored frame, with the columns and types the engine computed it with."""
    frame = engine._query(
        """SELECT * FROM fact_frame WHERE kind = $kind AND indicator = $indicator AND fact_source = $source
           AND breakdown_key = $breakdown AND monthly = $monthly AND audience = $audience
           ORDER BY fact_row""",
        {"kind": key.kind, "indicator": key.indicator, "source": key.source, "breakdown": key.breakdown,
         "monthly": key.monthly, "audience": key.audience})
    frame = frame[columns].reset_index(drop=True)
    if frame.empty:  # as the engine makes an empty frame
        from indicators.engine import _empty_frame

        return _empty_frame()[columns]
    for column in ("numerator", "denominator", "value"):
        if column in frame:
            frame[column] = frame[column].astype(float)
    if "provisional" in frame:
        frame["provisional"] = frame["provisional"].fillna(False).astype(bool)
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype("str")
    return frame


def present(info: dict[str, str], catalogue: Catalogue) -> bool:
    return info.get(INFO_KEY) == key_for(catalogue)

