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

A warehouse of several councils stores the home council's facts whole and, for every other council it holds,
what the regional view reads of the indicators it compares (`EVERY_COUNCIL`, `council_keys`): the months for all
children, in full for officers and protected for partners and the public (a few hundred rows per council, where
its every frame would be about 100,000). A group of fifteen councils then reads fifteen councils' stored months
instead of computing them from the nation's child-level rows. Each fact row carries its council (`la_code`), so
the engine's narrowing to one council (`data.warehouse.connect.scope`) gives each council's engine its own facts
and nobody else's.

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

from indicators.regional import INDICATORS as REGIONAL_INDICATORS
from indicators.vocabulary import TOTAL, Audience

if TYPE_CHECKING:
    from indicators.catalogue import Catalogue
    from indicators.engine import Engine

INDEX = "fact_index"  # with fact_frame: the two tables facts live in
INFO_KEY = "facts_key"
FORMAT = "2"  # bump when what is stored changes shape (2: each row carries its council)
SQL_DIR = Path(__file__).resolve().parent / "sql"
PROTECTED_AUDIENCES = (Audience.PARTNER, Audience.PUBLIC)  # officers read the unprotected frames
ALL_BREAKDOWNS = "*"  # a protected frame holds every breakdown of the indicator
EVERY_COUNCIL = REGIONAL_INDICATORS  # stored for every council a warehouse holds: what the regional view reads


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


def keys(engine: Engine, indicators: tuple[str, ...] | None = None) -> Iterator[FactKey]:
    """Every frame a page, download or export can ask for without a drill-down filter (of `indicators` only,
    when given)."""
    from indicators.engine import SOURCES, _has_source

    for indicator in engine.catalogue:
        if indicators is not None and indicator.id not in indicators:
            continue
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
                    if monthly:  # the months for all children of those, on their own (see council_keys)
                        yield FactKey("protected", indicator.id, source, TOTAL, True, audience.value)


def council_keys(engine: Engine) -> Iterator[FactKey]:
    """What a council other than the home council stores: the regional indicators' months for all children, in
    full and protected for each tier (what `indicators.regional` reads)."""
    for key in keys(engine, EVERY_COUNCIL):
        if key.source == "local" and key.breakdown == TOTAL and key.monthly:
            yield key


def fresh(engine: Engine, key: FactKey) -> pd.DataFrame:
    """The frame a key stands for, computed by the engine (through its cache)."""
    indicator = engine.indicator(key.indicator)
    if key.kind == "frame":
        return engine._frame(indicator, key.source, key.breakdown, key.monthly)
    if key.breakdown == ALL_BREAKDOWNS:
        return engine._protect_families(indicator, key.source, Audience(key.audience))
    return engine._protected(indicator, key.source, Audience(key.audience), key.breakdown, key.monthly
                             ).reset_index(drop=True)


def compute(engine: Engine, chosen: list[FactKey] | None = None,
            pool: ThreadPoolExecutor | None = None) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(facts, index, problems) of the engine's council (of the `chosen` keys only, when given): every frame stacked
    under its key, each key's columns in order, and the keys whose query cannot run on this warehouse (e.g. one
    loaded without the national data has no wards): those are left to the engine, which will say the same to
    whoever asks. Indicators are computed side by side (DuckDB works outside Python's lock), on `pool` when
    given; each one's keys in order, so its protected frames reuse its frames from the engine's cache, where one
    query has put every breakdown's (`_compute_keys`)."""
    by_indicator: dict[str, list[FactKey]] = {}
    for key in keys(engine) if chosen is None else chosen:
        by_indicator.setdefault(key.indicator, []).append(key)
    # The heaviest first (most frames, months above all), so no long one is left to run alone at the end
    heaviest = sorted(by_indicator, key=lambda i: -sum(1 + k.monthly for k in by_indicator[i]))
    if pool is None:
        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as own:
            return compute(engine, chosen, own)
    done = dict(zip(heaviest, pool.map(lambda i: _compute_keys(engine, by_indicator[i]), heaviest), strict=True))
    parts = [done[i] for i in by_indicator]
    frames = [frame for part in parts for frame in part[0]]
    index = pd.DataFrame([entry for part in parts for entry in part[1]])
    problems = [problem for part in parts for problem in part[2]]
    council = engine.local_area or ""
    if not index.empty:
        index.insert(0, "la_code", council)
    if not frames:
        return pd.DataFrame(), index, problems
    facts = pd.concat(frames, ignore_index=True)
    rows = index["rows"].to_numpy()  # each frame's rows, stacked in the index's order: each row's key
    for column, entry in (("kind", "kind"), ("indicator", "indicator"), ("fact_source", "source"),
                          ("breakdown_key", "breakdown_key"), ("monthly", "monthly"), ("audience", "audience")):
        facts[column] = np.repeat(index[entry].to_numpy(), rows)
    facts["fact_row"] = np.concatenate([np.arange(n) for n in rows])
    facts["la_code"] = council
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
        try:  # through the engine's cache: the protected frames reuse the frames before them
            frame = fresh(engine, key)
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
        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1)) as pool:
            parts = [compute(engine, pool=pool)]
            for council in (c for c in engine.councils() if c != engine.local_area):  # the others: the regional view's
                other = engine.for_council(council)
                other.cache = SimpleCache()
                parts.append(compute(other, list(council_keys(other)), pool))
                other.cache = SimpleCache()  # the council's every frame, let go once its months are kept
    finally:
        engine.close()
    facts = pd.concat([part[0] for part in parts], ignore_index=True)
    index = pd.concat([part[1] for part in parts], ignore_index=True)
    problems = [problem for part in parts for problem in part[2]]
    if index.empty:  # nothing could be computed: the engine computes on request, as without facts
        return 0, problems
    with duckdb.connect(str(path)) as con:
        con.execute("DROP TABLE IF EXISTS fact_frame")
        con.execute("DROP TABLE IF EXISTS fact_index")
        con.register("facts_in", facts)
        con.register("index_in", index)
        # Stored in council and key order, so the engine's one-key reads touch few row groups.
        con.execute("""CREATE TABLE fact_frame AS SELECT * FROM facts_in
                        ORDER BY la_code, kind, indicator, fact_source, audience, breakdown_key, monthly, fact_row""")
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
    return typed(frame, columns)


def read_all(engine: Engine) -> dict[FactKey, pd.DataFrame]:
    """Every frame the engine's council stores, untyped (`typed` each when asked for), from one query: for a
    council that stores only its regional months (`council_keys`, about 1,300 rows), one read, not one a frame."""
    rows = engine._query("SELECT * FROM fact_frame ORDER BY fact_row", {})
    return {FactKey(kind, indicator, source, breakdown, bool(monthly), audience): frame
            for (kind, indicator, source, breakdown, monthly, audience), frame in rows.groupby(
                ["kind", "indicator", "fact_source", "breakdown_key", "monthly", "audience"], sort=False)}


def typed(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A stored frame's rows with the columns and types the engine computed it with."""
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

