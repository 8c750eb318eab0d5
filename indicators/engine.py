"""The indicator engine: the only code that runs SQL against the warehouse.

Every public call takes the caller's audience (no default) and returns figures already protected for it
(`indicators.disclosure.protect`), so pages, callbacks, downloads and the command line cannot show more than
the audience may see. Areas, periods and breakdowns are checked against allowlists before any query runs;
values are bound as DuckDB named parameters, never formatted into SQL.

    engine = Engine("data/sample/warehouse.duckdb")
    result = engine.result("ehcp_issued_20wk", "E06000023", Audience.PARTNER, breakdown="team")
    result.frame          # period, area_code, area_name, breakdown, breakdown_value, numerator, ..., provisional
    engine.benchmark("ehcp_issued_20wk", "E06000023", Audience.PARTNER)

A period whose statutory clocks are still running at the reference date is `provisional`: shown, but the
benchmark's headline period, direction of travel, ratings and forecasts use settled periods only (`settled`).

Sources: an indicator's `local` query computes from the child-level tables (the warehouse's own area only),
`aggregate` reads a partner's template rows, `national` reads published DfE figures for every LA, region and
England. For the local area the local figure is preferred and the published one is kept for comparison.
"""

from __future__ import annotations

import atexit
import copy
import logging
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from data.warehouse.status import WarehouseSummary, summarise
from indicators import benchmarks, facts, quality, tracker
from indicators.cache import Cache, SimpleCache
from indicators.catalogue import (
    BREAKDOWNS,
    LOCAL_BREAKDOWNS,
    OFFICER_ONLY_BREAKDOWNS,
    SQL_DIR,
    Catalogue,
    Indicator,
    default_catalogue,
    local_query_path,
)
from indicators.catalogue.model import NationalSource
from indicators.disclosure import protect_families
from indicators.results import (
    SOURCES,
    AreaInfo,
    Benchmark,
    Forecast,
    RankedCouncil,
    Row,
    SeriesBreak,
    Shown,
)
from indicators.targets import AreaTargets, load_targets
from indicators.vocabulary import (
    RESULT_COLUMNS,
    SOURCE_COLUMN,
    TOTAL,
    Audience,
    Polarity,
    RowSource,
    Status,
    Unit,
)
from indicators.vocabulary import Benchmark as Comparator

ENGLAND = "E92000001"
ROW_SOURCE = {"local": RowSource.LOCAL.value, "aggregate": RowSource.PARTNER.value,
              "national": RowSource.PUBLISHED.value}
LOCAL_FRAME = SQL_DIR / "local" / "_frame.sql"
FAMILY_MARKER = "-- FAMILY RECORDS --"
LOCAL_RECORDS = SQL_DIR / "local" / "_records.sql"
SHARED_MARKER = "-- SHARED LOOKUPS --"
DATASET_COLUMN = "dataset"  # on published rows: the release a figure comes from (series breaks)
# Breakdowns that can also narrow local figures for drill-down (ward -> school -> need type).
DRILL_FILTERS = ("ward", "school", "primary_need")
AUDIT = logging.getLogger("indicators.audit")
_PARAM = re.compile(r"\$([a-z_][a-z0-9_]*)")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
# Beside RESULT_COLUMNS every result carries `provisional`: True for a period whose cohort still has statutory
# clocks running at the reference date (local clock measures only). protect() keeps extra columns as they are.
PROVISIONAL = "provisional"
ANSWERS = "typed1"  # show() and benchmark() answer with `indicators.results` models


# --- errors: each carries the valid choices so callers can list them --------------------------------------

class EngineError(ValueError):
    def __init__(self, message: str, choices: list[str] | None = None) -> None:
        super().__init__(message)
        self.choices = choices or []


class UnknownIndicator(EngineError):
    pass


class UnknownArea(EngineError):
    pass


class UnknownPeriod(EngineError):
    pass


class UnknownBreakdown(EngineError):
    pass


class NotAvailable(EngineError):
    """The indicator has no source that can give figures for this area."""


class NotPermitted(PermissionError):
    """The audience may not see child-level records."""


# --- results -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str  # "Local authority" | "Regional" | "National"
    old_la_code: str | None = None
    region_code: str | None = None


@dataclass(frozen=True)
class Result:
    indicator: Indicator
    area: Area
    audience: Audience
    source: str
    breakdown: str
    monthly: bool
    frame: pd.DataFrame = field(repr=False)

    @property
    def published(self) -> bool:
        return self.source == "national"


def _has_source(indicator: Indicator, source: str) -> bool:
    return bool(getattr(indicator, source))


def _round_half_up(values: pd.Series, places: int) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    factor = 10.0 ** places
    return np.sign(numbers) * np.floor(np.abs(numbers) * factor + 0.5) / factor


def _empty_frame() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=float if c in ("numerator", "denominator", "value") else object)
                          for c in [*RESULT_COLUMNS, SOURCE_COLUMN]})
    frame[PROVISIONAL] = pd.Series(dtype=bool)
    return frame


class Engine:
    """One warehouse, one catalogue, one cache. Safe to share between threads."""

    _scope: tuple[str, ...] = ()  # ("council", code) for an engine narrowed to a council other than home

    def __init__(self, warehouse: str | Path | None = None, *, catalogue: Catalogue | None = None,
                 cache: Cache | None = None, use_facts: bool = True) -> None:
        """use_facts=False: compute every frame from the child-level tables, whatever facts the file holds
        (to build the facts, and to check them)."""
        from data import settings
        from data.warehouse.connect import council_tables, home_council, open_readonly, warehouse_info

        self.path = Path(warehouse) if warehouse is not None else settings.warehouse_path()
        self._con = open_readonly(self.path)
        self._lock = threading.Lock()
        self._council = home_council(self._con)  # a warehouse of several councils is read as this one's alone
        self._council_tables = council_tables(self._con) if self._council is not None else set()
        self.info = warehouse_info(self._con)
        self.version = self.info["version"]
        self.catalogue = catalogue or default_catalogue()
        self.cache: Cache = cache if cache is not None else SimpleCache()
        self._sql: dict[Path, str] = {}
        self._targets: dict[str, AreaTargets] = {}
        self._status: WarehouseSummary | None = None  # one file per engine, so it never changes
        self._use_facts = use_facts
        self._narrowed: dict[str, Engine] = {}

    def close(self) -> None:
        self._con.close()

    # --- queries -----------------------------------------------------------------------------------------

    def _query(self, sql: str, params: dict[str, Any]) -> pd.DataFrame:
        """Run one query with bound parameters (only those the text names), on a cursor of our own."""
        names = set(_PARAM.findall(sql))
        missing = names - set(params)
        if missing:
            raise RuntimeError(f"query needs parameter(s) {sorted(missing)}")
        with self._cursor(sql) as cursor:
            return cursor.execute(sql, {k: v for k, v in params.items() if k in names}).df()

    @contextmanager
    def _cursor(self, sql: str | None = None) -> Iterator[Any]:
        """A cursor of our own for one query (`sql`, None for any), closed after it. In a warehouse of several
        councils its temporary views narrow every council table the query names to the home council
        (`data.warehouse.connect.scope`), so every query reads that council's rows only; they go with the
        cursor, so no query can leave one behind."""
        from data.warehouse.connect import scope, tables_named

        with self._lock:
            cursor = self._con.cursor()
        try:
            if self._council is not None:
                scope(cursor, self._council, tables_named(sql, self._council_tables) if sql else self._council_tables)
            yield cursor
        finally:
            cursor.close()

    def status(self) -> WarehouseSummary:
        """What is loaded, for the home page: version, reference date and synthetic flag (`info`), rows per
        table, rows set aside and values cleared at load, and the periods of each published dataset."""
        if self._status is None:
            with self._cursor() as cursor:
                self._status = summarise(cursor)
        return self._status

    def _read_sql(self, path: Path) -> str:
        if path not in self._sql:
            self._sql[path] = path.read_text(encoding="utf-8")
        return self._sql[path]

    @cached_property
    def tables(self) -> dict[str, int]:
        """Rows per table (of this council's, in a warehouse of several): a count each, so asked only for counts;
        whether a table is there at all is `_table_names`."""
        counts = {}
        for name in sorted(self._table_names):
            if re.fullmatch(r"[a-z_][a-z0-9_]*", name):
                counts[name] = int(self._query(f'SELECT count(*) AS n FROM "{name}"', {})["n"].iat[0])  # noqa: S608
        return counts

    def _key(self, *parts: object) -> str:
        # ANSWERS names the form of cached answers, so a cache filled by older code is never read back
        return ":".join(["ind", ANSWERS, self.version, *self._scope, self.catalogue.digest, *map(str, parts)])

    def _cached(self, key: str, compute) -> Any:
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        value = compute()
        self.cache.set(key, value)
        return value

    # --- areas ---------------------------------------------------------------------------------------------

    @cached_property
    def local_area(self) -> str | None:
        """The council the local extract belongs to: as recorded at load, else the one LA the partner
        template names (an extract loaded without `--la` and without an LA in its manifest or headers)."""
        recorded = self.info.get("local_la_code")
        if recorded:
            return recorded
        if "dim_la" in self._table_names and self.tables.get("aggregate_measure"):
            found = self._query("""SELECT DISTINCT a.area_code FROM aggregate_measure a
                                   JOIN dim_la l ON l.new_la_code = a.area_code""", {})
            if len(found) == 1:
                return str(found["area_code"].iat[0])
        return None

    @cached_property
    def _areas(self) -> dict[str, Area]:
        areas = {ENGLAND: Area(ENGLAND, "England", "National")}
        if "dim_region" in self._table_names:
            for row in self._query("SELECT region_code, region_name FROM dim_region", {}).itertuples(index=False):
                areas[row.region_code] = Area(row.region_code, row.region_name, "Regional")
        if "dim_la" in self._table_names:
            las = self._query("SELECT new_la_code, old_la_code, la_name, region_code FROM dim_la", {})
            for row in las.itertuples(index=False):
                areas[row.new_la_code] = Area(row.new_la_code, row.la_name, "Local authority", row.old_la_code,
                                              row.region_code)
        if self.local_area and self.local_area not in areas:
            areas[self.local_area] = Area(self.local_area, self.local_area, "Local authority")
        return areas

    def area(self, code: str) -> Area:
        """A new or old LA code, a region code or E92000001 (England)."""
        text = str(code).strip().upper()
        if text in self._areas:
            return self._areas[text]
        if re.fullmatch(r"\d{1,3}", text):
            for area in self._areas.values():
                if area.old_la_code == text.zfill(3):
                    return area
        raise UnknownArea(f"unknown area '{code}': give a new LA code (E06000023), an old LA code (801), a region "
                          "code (E12000009) or E92000001 for England", sorted(self._areas))

    def areas(self) -> list[Area]:
        return sorted(self._areas.values(), key=lambda a: ({"National": 0, "Regional": 1}.get(a.level, 2), a.name))

    def area_name(self, code: str) -> str:
        area = self._areas.get(code)
        return area.name if area else code

    # --- councils ------------------------------------------------------------------------------------------

    def councils(self) -> list[str]:
        """The councils whose local records the warehouse holds, home council first."""
        from data.warehouse.connect import councils

        with self._lock:
            cursor = self._con.cursor()
        try:
            held = councils(cursor)
        finally:
            cursor.close()
        return held or ([self.local_area] if self.local_area else [])

    def for_council(self, code: str) -> Engine:
        """This engine narrowed to another council the warehouse holds: every query reads that council's rows
        only (the same temporary views as the home council's), with its own reference date, and results cached
        apart from the home council's. Shares this engine's connection and cache: close this one, not it."""
        held = self.councils()
        # a code the warehouse holds is taken as it is (a warehouse loaded without the national data lists no areas)
        council = code if code in held else self.area(code).code
        if council == self.local_area:
            return self
        if council not in held:
            raise UnknownArea(f"the warehouse holds no local records for {self.area_name(council)} ({council})",
                              self.councils())
        with self._lock:
            known = self._narrowed.get(council)
        if known is not None:
            return known
        from data.warehouse.connect import ALIAS

        # the file's own table, every council's row (`loads` in a query's text is narrowed to the home council)
        loaded = self._query(f"SELECT reference_date, version FROM {ALIAS}.main.loads WHERE la_code = $council",  # noqa: S608
                             {"council": council})
        other = copy.copy(self)
        for name in ("local_area", "tables", "_facts", "_council_facts", "reference_date"):  # cached for the home council
            other.__dict__.pop(name, None)
        other._council, other._narrowed = council, {}
        other._targets, other._status = {}, None  # its facts are its own rows of the fact tables (see facts)
        other.info = {**self.info, "local_la_code": council,
                      "reference_date": str(loaded["reference_date"].iat[0])[:10]}
        other._scope = ("council", council, str(loaded["version"].iat[0]))
        with self._lock:
            return self._narrowed.setdefault(council, other)

    def region_group(self, configured: list[str] | None = None) -> list[str]:
        """The councils to compare: those of `configured` (codes, e.g. the SEND_REGION_GROUP setting) the
        warehouse holds, else those of the home council's region it holds; home council first."""
        held = self.councils()
        if configured:
            chosen = {self._areas[c].code if c in self._areas else c for c in (str(x).strip().upper() for x in configured)}
            return [c for c in held if c in chosen]  # a code the warehouse does not hold is left out
        home = self._areas.get(self.local_area or "")
        region = home.region_code if home else None
        return [c for c in held if c == self.local_area
                or (region and self._areas.get(c) and self._areas[c].region_code == region)]

    def regional(self, audiences: Mapping[str, Audience], indicator_ids: tuple[str, ...] | None = None, *,
                 through: str | None = None):
        """For each council of `audiences` (code: the caller's tier there), the regional indicators' local
        months and 12-month figures beside the latest published one (`indicators.regional.Regional`), each
        council's computed through its own narrowed engine and protected for the tier given for it; cached whole
        (the warehouse's version covers every council's load)."""
        from indicators import regional

        chosen = tuple(indicator_ids or regional.INDICATORS)
        tiers = tuple((code, Audience(audience).value) for code, audience in audiences.items())
        return self._cached(self._key("regional", tiers, chosen, through),
                            lambda: regional.compare(self, audiences, chosen, through))

    # --- sources -------------------------------------------------------------------------------------------

    def indicator(self, indicator_id: str) -> Indicator:
        if indicator_id not in self.catalogue:
            raise UnknownIndicator(f"unknown indicator '{indicator_id}'", sorted(self.catalogue.indicators))
        return self.catalogue.get(indicator_id)

    def sources_for(self, indicator: Indicator, area: Area) -> list[str]:
        """The sources that could give figures for this area, preferred first."""
        out = []
        if area.code == self.local_area:
            out += [s for s in ("local", "aggregate") if _has_source(indicator, s)]
        if indicator.national:
            out.append("national")
        return out

    def _frame(self, indicator: Indicator, source: str, breakdown: str, monthly: bool,
               filters: tuple[tuple[str, str], ...] = ()) -> pd.DataFrame:
        """Every area's and period's unprotected figures from one source (cached by warehouse version)."""
        key = self._frame_key(indicator, source, breakdown, monthly, filters)
        stored = None if filters else facts.FactKey("frame", indicator.id, source, breakdown, monthly)
        return self._cached(key, lambda: self._stored(stored) if self._has_fact(stored)
                            else self._compute(indicator, source, breakdown, monthly, filters))

    def _frame_key(self, indicator: Indicator, source: str, breakdown: str, monthly: bool,
                   filters: tuple[tuple[str, str], ...] = ()) -> str:
        return self._key("frame", indicator.id, source, breakdown, int(monthly), filters)

    def _frames(self, indicator: Indicator, source: str, breakdowns: list[str], monthly: bool) -> list[pd.DataFrame]:
        """Several breakdowns' frames, as `_frame` gives each; those neither cached nor stored are computed
        together: local ones from one query, a single pass over the family's records for all of them; published
        ones reading each release's all-children rows, which every breakdown carries, once."""
        if source in ("local", "national"):
            keys = {b: self._frame_key(indicator, source, b, monthly) for b in breakdowns}
            wanted = [b for b in breakdowns if self.cache.get(keys[b]) is None
                      and not self._has_fact(facts.FactKey("frame", indicator.id, source, b, monthly))]
            if len(wanted) > 1:
                computed = (self._local_breakdowns(indicator, wanted, monthly) if source == "local"
                            else self._national_breakdowns(indicator, wanted))
                for breakdown, frame in computed.items():
                    self.cache.set(keys[breakdown], self._tidy(indicator, source, frame))
        return [self._frame(indicator, source, b, monthly) for b in breakdowns]

    @cached_property
    def _facts(self) -> dict[facts.FactKey, list[str]]:
        """The frames computed at load (`indicators.facts`), when they were made with this catalogue and
        these queries: each key's columns. Empty: every frame is computed on request."""
        if not self._use_facts or not facts.present(self.info, self.catalogue) or facts.INDEX not in self._table_names:
            return {}
        return facts.stored_columns(self)

    @cached_property
    def _table_names(self) -> set[str]:
        """The warehouse's tables (the same for every council: an engine narrowed to another keeps them)."""
        return set(self._query("SELECT table_name FROM information_schema.tables", {})["table_name"])

    @cached_property
    def _council_facts(self) -> dict[facts.FactKey, pd.DataFrame]:
        return facts.read_all(self)

    def _has_fact(self, key: facts.FactKey | None) -> bool:
        return key is not None and key in self._facts

    def _stored(self, key: facts.FactKey) -> pd.DataFrame:
        if self._scope:  # another council than home stores a few small frames: all read at once
            return facts.typed(self._council_facts.get(key, pd.DataFrame(columns=self._facts[key])), self._facts[key])
        return facts.read(self, key, self._facts[key])

    def _compute(self, indicator: Indicator, source: str, breakdown: str, monthly: bool,
                 filters: tuple[tuple[str, str], ...] = ()) -> pd.DataFrame:
        if source == "local":
            frame = self._local(indicator, breakdown, monthly, dict(filters))
        elif source == "aggregate":
            frame = self._aggregate(indicator, breakdown)
        else:
            frame = self._national(indicator, breakdown)
        return self._tidy(indicator, source, frame)

    def _tidy(self, indicator: Indicator, source: str, frame: pd.DataFrame) -> pd.DataFrame:
        """A query's rows as every frame has them: the result columns and types, values rounded as shown."""
        if frame.empty:
            return _empty_frame()
        provisional = (frame[PROVISIONAL].fillna(False).astype(bool).to_numpy() if PROVISIONAL in frame
                       else np.zeros(len(frame), dtype=bool))
        frame = frame[[*RESULT_COLUMNS, *([DATASET_COLUMN] if DATASET_COLUMN in frame else [])]].copy()
        frame[PROVISIONAL] = provisional
        for column in ("numerator", "denominator", "value"):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
        frame["period"] = frame["period"].astype(str)
        computed = source != "national" or any(n.combine != "published" for n in indicator.national)
        if computed:
            frame["value"] = _round_half_up(frame["value"], indicator.decimal_places)
        frame["status"] = frame["status"].astype(str)
        frame[SOURCE_COLUMN] = ROW_SOURCE[source]
        return frame.reset_index(drop=True)

    def _local(self, indicator: Indicator, breakdown: str, monthly: bool,
               filters: dict[str, str] | None = None) -> pd.DataFrame:
        return self._local_breakdowns(indicator, [breakdown], monthly, filters)[breakdown]

    def _local_breakdowns(self, indicator: Indicator, breakdowns: list[str], monthly: bool,
                          filters: dict[str, str] | None = None) -> dict[str, pd.DataFrame]:
        """Each breakdown's rows from the local family query: one query, one pass over the records for all."""
        local = indicator.local
        for breakdown in breakdowns:
            if breakdown != TOTAL and breakdown not in LOCAL_BREAKDOWNS:  # before any SQL runs
                raise UnknownBreakdown(f"local figures have no breakdown '{breakdown}'", sorted(LOCAL_BREAKDOWNS))
        family = self._read_sql(local_query_path(local))
        sql = self._read_sql(LOCAL_FRAME).replace(FAMILY_MARKER, family)
        area = self._areas.get(self.local_area or "")
        params = {
            "measure": local.measure, "breakdowns": list(breakdowns), "granularity": local.granularity,
            "monthly": monthly, "period": "", "value": local.value, "scale": float(local.scale),
            "area_code": self.local_area or "", "area_name": area.name if area else (self.local_area or ""),
            "reference_date": self.reference_date,
            # drill-down: only the children of one ward, school or primary need ('' = everyone)
            **{f"only_{name}": (filters or {}).get(name, "") for name in DRILL_FILTERS},
        }
        rows = self._query(sql, params)
        parts = dict(iter(rows.drop(columns="asked").groupby(rows["asked"], sort=False)))
        return {b: parts[b].reset_index(drop=True) if b in parts else rows.iloc[:0].drop(columns="asked")
                for b in breakdowns}

    @cached_property
    def reference_date(self) -> date:
        text = self.info.get("reference_date")
        return date.fromisoformat(text) if text else date.today()

    def _aggregate(self, indicator: Indicator, breakdown: str) -> pd.DataFrame:
        sql = self._read_sql(SQL_DIR / "aggregate_measure.sql")
        return self._query(sql, {"measure_code": indicator.aggregate.measure_code, "breakdown": breakdown,
                                 "unit": indicator.definition.unit.value, "period": "", "area": ""})

    def _national(self, indicator: Indicator, breakdown: str) -> pd.DataFrame:
        return self._national_breakdowns(indicator, [breakdown])[breakdown]

    def _national_breakdowns(self, indicator: Indicator, breakdowns: list[str]) -> dict[str, pd.DataFrame]:
        """Each breakdown's published rows: a release's all-children rows, which every breakdown carries, are
        read once for all of them."""
        read: dict[tuple[int, str], pd.DataFrame] = {}  # (release, the breakdown a query reads): its rows
        out = {}
        for breakdown in breakdowns:
            frames, covered = [], set()
            for n, source in enumerate(indicator.national):
                sql = self._read_sql(SQL_DIR / f"{source.query}.sql")
                parts = []
                for spec in _national_specs(source, breakdown):
                    if (n, spec["breakdown"]) not in read:
                        params = {"dataset": source.dataset, "topic": spec["topic"], "periods": source.periods or [],
                                  "area": "", "labels": spec["labels"], "numerators": spec["numerators"],
                                  "denominators": spec["denominators"], "published": spec["published"],
                                  "combine": source.combine, "scale": float(source.scale),
                                  "breakdown": spec["breakdown"], "total_row": spec["total_row"]}
                        read[(n, spec["breakdown"])] = self._query(sql, params)
                    parts.append(read[(n, spec["breakdown"])])
                if not parts:
                    continue
                frame = pd.concat(parts, ignore_index=True)
                if source.period_format == "census_year":  # January 2019 census -> academic year 201819
                    frame["period"] = [f"{int(p) - 1}{str(p)[2:]}" for p in frame["period"]]
                frame[DATASET_COLUMN] = source.dataset
                frame = frame[~frame["period"].isin(covered)]  # an earlier (newer) release wins a shared period
                covered |= set(frame["period"])
                frames.append(frame)
            out[breakdown] = pd.concat(frames, ignore_index=True) if frames else _empty_frame()
        return out

    # --- results -------------------------------------------------------------------------------------------

    def _choose_source(self, indicator: Indicator, area: Area, source: str | None) -> str:
        available = self.sources_for(indicator, area)
        if source is not None:
            if source not in available:
                raise NotAvailable(f"{indicator.id} has no {source} figures for {area.name} ({area.code})", available)
            return source
        if not available:
            raise NotAvailable(
                f"{indicator.id} is computed from local data, which this warehouse holds for "
                f"{self.local_area or 'no area'} only; it has no figures for {area.name} ({area.code})",
                [self.local_area] if self.local_area else [])
        for candidate in available:  # the preferred source that has figures for the area
            if self._has_rows(indicator, candidate, area):
                return candidate
        return available[0]

    def _has_rows(self, indicator: Indicator, source: str, area: Area) -> bool:
        frame = self._frame(indicator, source, TOTAL, False)
        rows = frame[frame["area_code"] == area.code]
        return bool((rows["status"] == Status.VALUE.value).any())

    def breakdowns_for(self, indicator: Indicator, source: str, audience: Audience) -> list[str]:
        """The breakdowns the audience may ask for: figures for named staff are for officers only."""
        offered = indicator.source_breakdowns().get(source, [])
        if Audience(audience) is not Audience.OFFICER:
            offered = [b for b in offered if b not in OFFICER_ONLY_BREAKDOWNS]
        return [TOTAL, *offered]

    def drill_filters(self, indicator: Indicator, source: str, filters: Mapping[str, str] | None,
                      audience: Audience) -> tuple[tuple[str, str], ...]:
        """Check drill-down filters (ward, school, primary_need) against the values this indicator has; they
        narrow local records only, so published or partner figures cannot be filtered. Officers only: a
        ward's figures by school or need are cells of a cross-table whose other margins other requests
        show, so they cannot be protected one request at a time (see `indicators.disclosure`)."""
        chosen = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
        if not chosen:
            return ()
        if Audience(audience) is not Audience.OFFICER:
            raise NotAvailable(f"{indicator.id}: figures for one ward, school or need type are for officers only")
        if source != "local":
            raise NotAvailable(f"{indicator.id}: figures for one ward, school or need type come only from the "
                               "council's own records")
        for name, value in chosen.items():
            if name not in DRILL_FILTERS:
                raise UnknownBreakdown(f"'{name}' cannot narrow the figures", list(DRILL_FILTERS))
            known = sorted(set(self._frame(indicator, source, name, False)["breakdown_value"]) - {TOTAL})
            if str(value) not in known:
                raise UnknownBreakdown(f"{indicator.id} has no {name} '{value}'", known)
        return tuple(sorted((k, str(v)) for k, v in chosen.items()))

    def result(self, indicator_id: str, area: str, audience: Audience, *, period: str | None = None,
               breakdown: str | None = None, source: str | None = None, monthly: bool = False,
               filters: Mapping[str, str] | None = None, official: bool = True) -> Result:
        """One indicator for one area, protected for `audience`.

        period: a DfE period (`2023`, `202425`), a month (`2024-03`) or None for every period.
        breakdown: None or `Total` for the all-children row only; otherwise the all-children row plus one row
        per value of the breakdown (so suppression can see the whole table).
        source: `local`, `aggregate` or `national`; by default the local figure for the warehouse's own area.
        official: for local or partner figures, DfE's published figure in their place for every period DfE has
        published (the official figure; `source` column `published`); False for the local records alone.
        """
        audience = Audience(audience)
        indicator = self.indicator(indicator_id)
        where = self.area(area)
        chosen = self._choose_source(indicator, where, source)
        breakdown = TOTAL if breakdown in (None, "", "total", TOTAL) else breakdown
        valid = self.breakdowns_for(indicator, chosen, audience)
        if breakdown not in valid:
            raise UnknownBreakdown(f"{indicator.id} ({chosen} figures) has no breakdown '{breakdown}'", valid)
        if period is not None and _MONTH.match(str(period)) and chosen == "local":
            monthly = True
        if monthly and not (chosen == "local" and indicator.local.monthly):
            monthly = False  # published and partner figures come at their own frequency
        narrowed = self.drill_filters(indicator, chosen, filters, audience)
        if monthly and breakdown != TOTAL and audience is not Audience.OFFICER:
            # Months by breakdown are a second table over every breakdown's cells: together with the years
            # they pin small counts that no one table shows (see `indicators.disclosure`).
            raise NotAvailable(f"{indicator.id}: months by {BREAKDOWNS.get(breakdown, breakdown).lower()} are for "
                               "officers only; partners and the public see months for all children")
        if chosen == "national" or audience is Audience.OFFICER:  # as published; officers see everything
            frame = self._frame(indicator, chosen, breakdown, monthly, narrowed)
        else:
            frame = self._protected(indicator, chosen, audience, breakdown, monthly)
        rows = frame[frame["area_code"] == where.code]
        if official and chosen != "national" and not monthly and not narrowed and indicator.national:
            rows = self._with_published(indicator, where, breakdown, rows)
        if period is not None:
            periods = sorted(rows["period"].unique())
            if str(period) not in periods:
                raise UnknownPeriod(f"{indicator.id} has no period '{period}' for {where.name} ({chosen} figures)",
                                    periods)
            rows = rows[rows["period"] == str(period)]
        rows = rows.sort_values(["period", "breakdown", "breakdown_value"], key=_total_first).reset_index(drop=True)
        return Result(indicator, where, audience, chosen, breakdown, monthly, rows)

    def _protected(self, indicator: Indicator, source: str, audience: Audience, breakdown: str,
                   monthly: bool) -> pd.DataFrame:
        """One breakdown's rows (years or months) from the indicator's protected figure families (the months for
        all children read alone when stored so: what the regional view asks of every council)."""
        months = facts.FactKey("protected", indicator.id, source, TOTAL, True, audience.value)
        if breakdown == TOTAL and monthly and self._has_fact(months):
            return self._cached(self._key("protected-months", indicator.id, source, audience.value),
                                lambda: self._stored(months))
        key = self._key("protected", indicator.id, source, audience.value)
        stored = facts.FactKey("protected", indicator.id, source, facts.ALL_BREAKDOWNS, False, audience.value)
        frame = self._cached(key, lambda: self._stored(stored) if self._has_fact(stored)
                             else self._protect_families(indicator, source, audience))
        rows = frame[frame["breakdown"].isin([TOTAL, breakdown])]
        if source == "local":
            rows = rows[rows["period"].str.match(_MONTH.pattern) == monthly]
        return rows

    def _protect_families(self, indicator: Indicator, source: str, audience: Audience) -> pd.DataFrame:
        """Every figure of the indicator the audience may ask for, protected one family at a time (an area
        and year with every breakdown and its months, `indicators.disclosure.protect_families`), computed
        once per warehouse version so every request, page, download and the CLI reads the same pattern."""
        frames = self._frames(indicator, source, self.breakdowns_for(indicator, source, audience), False)
        if source == "local" and indicator.local.monthly:  # months for all children only (see result())
            frames.append(self._frame(indicator, source, TOTAL, True))
        granularity = indicator.local.granularity if source == "local" else None
        combined = pd.concat(frames, ignore_index=True)
        ended = {p for p in combined["period"].unique()
                 if not _MONTH.match(p) and self.period_end(indicator, source, p) <= self.reference_date}
        protected = protect_families(combined, indicator.definition.unit, audience, known_years=ended,
                                     timeliness=indicator.definition.timeliness, granularity=granularity)
        # a public rate recomputed from rounded counts, to the indicator's places
        protected["value"] = _round_half_up(protected["value"], indicator.decimal_places)
        return protected

    def published_periods(self, indicator: Indicator, area: Area) -> set[str]:
        """The periods for which DfE has published the area's all-children figure."""
        if not indicator.national:
            return set()
        frame = self._frame(indicator, "national", TOTAL, False)
        rows = frame[(frame["area_code"] == area.code) & (frame["status"] == Status.VALUE.value)]
        return set(rows["period"])

    def series_breaks(self, indicator: Indicator, area: Area) -> list[SeriesBreak]:
        """Where the area's published all-children series moves from one release to another whose definition
        differs (the catalogue's `series_break`): the first period of the newer release, and what changed."""
        notes = {n.dataset: n.series_break for n in indicator.national if n.series_break}
        if not notes:
            return []
        frame = self._frame(indicator, "national", TOTAL, False)
        rows = frame[(frame["area_code"] == area.code) & (frame["status"] == Status.VALUE.value)]
        rows = rows.sort_values("period", key=_period_order)
        out, before = [], None
        for period, dataset in zip(rows["period"], rows[DATASET_COLUMN], strict=True):
            if before is not None and dataset != before and notes.get(before):
                out.append(SeriesBreak(period=str(period), note=notes[before]))
            before = dataset
        return out

    def _with_published(self, indicator: Indicator, area: Area, breakdown: str, rows: pd.DataFrame) -> pd.DataFrame:
        """The local (or partner) rows with DfE's published figures in place for every year DfE has published.

        Published figures are the official ones: for a published period the all-children row, and the breakdown's
        rows where DfE publishes that breakdown, come from the publication; local records fill the periods not
        yet published and the breakdowns DfE does not publish. Published years before the local records begin
        are kept, so a trend goes back as far as the publications do."""
        published = self.breakdowns_for(indicator, "national", Audience.PUBLIC)  # DfE's: open to everyone
        published_breakdown = breakdown if breakdown in published else TOTAL
        national = self._frame(indicator, "national", published_breakdown, False)
        national = national[national["area_code"] == area.code]
        official = self.published_periods(indicator, area)
        # a published symbol (x, z) stands only where local records have nothing for the period
        symbols = national[~national["period"].isin(official) & ~national["period"].isin(set(rows["period"]))]
        from_dfe = national[national["period"].isin(official)]
        replaced = rows["period"].isin(official) & (
            (rows["breakdown"] == TOTAL) | (published_breakdown != TOTAL))
        out = pd.concat([from_dfe, symbols, rows[~replaced]], ignore_index=True)
        out["area_name"] = area.name
        return out

    def period_for(self, indicator: Indicator, source: str, periods: list[str], asked: str | None) -> str | None:
        """The indicator's own period that a period asked of several indicators at once means: the period itself
        when the indicator has it; for a year (`2024`), the latest of `periods` (in time order) that had ended by
        the end of that year (an academic year 2023/24, a financial year 2023-24); else None."""
        if asked is None:
            return None
        if asked in periods:
            return asked
        if re.fullmatch(r"\d{4}", asked):
            end = date(int(asked), 12, 31)
            ended = [p for p in periods if self.period_end(indicator, source, p) <= end]
            if ended:
                return ended[-1]
        return None

    def periods(self, indicator_id: str, area: str, audience: Audience, *, source: str | None = None,
                monthly: bool = False) -> list[str]:
        return sorted(self.result(indicator_id, area, audience, source=source, monthly=monthly).frame["period"].unique())

    # --- benchmarks ----------------------------------------------------------------------------------------

    def benchmark(self, indicator_id: str, area: str, audience: Audience, *, period: str | None = None,
                  source: str | None = None, forecast: bool = True) -> Benchmark:
        """Where the area stands: its own trend, target and, from the published figures, its statistical
        neighbours, region, England, rank and quartile band; for counts, a demand forecast (the slowest part:
        a tile can leave it out with forecast=False). Every figure is protected for `audience`."""
        audience = Audience(audience)
        indicator = self.indicator(indicator_id)
        where = self.area(area)
        key = self._key("benchmark", indicator.id, where.code, audience.value, period, source, int(forecast))
        return self._cached(key, lambda: self._benchmark(indicator, where, audience, period, source, forecast))

    def _benchmark(self, indicator: Indicator, where: Area, audience: Audience, period: str | None,
                   source: str | None, forecast: bool) -> Benchmark:
        indicator_id = indicator.id
        own = self.result(indicator_id, where.code, audience, source=source)
        unit, polarity = indicator.definition.unit, indicator.polarity
        totals = own.frame[own.frame["breakdown"] == TOTAL].sort_values("period", key=_period_order)
        out: dict[str, Any] = {"source": own.source, "area_code": where.code, "area_name": where.name}
        if period is not None and period not in set(totals["period"]):
            raise UnknownPeriod(f"{indicator.id} has no period '{period}' for {where.name}", sorted(totals["period"]))
        settled = self.settled(indicator, own.source, totals)
        if period:
            current = totals[totals["period"] == period]
        else:  # the latest settled period (a year to date, or a period with clocks still running, is shown but
            # never benchmarked, rated or compared)
            current = (settled if len(settled) else totals).tail(1)
        out["period"] = current["period"].iat[0] if len(current) else None
        out["value"] = _num(current["value"].iat[0]) if len(current) else None
        out["status"] = current["status"].iat[0] if len(current) else None
        # published by DfE, or from local records (a period DfE has not published yet)
        out["value_source"] = current[SOURCE_COLUMN].iat[0] if len(current) else None
        out[PROVISIONAL] = bool(len(current)) and out["period"] not in set(settled["period"])
        if len(current):  # direction of travel from the settled period before it
            before = _period_key(out["period"])
            earlier = settled[[_period_key(p) < before for p in settled["period"]]]
            previous = earlier.iloc[-1] if len(earlier) else None
            out["previous_period"] = None if previous is None else previous["period"]
            out["previous_value"] = None if previous is None else _num(previous["value"])
            out["direction_of_travel"] = benchmarks.direction_of_travel(
                current.iloc[0], previous, unit, polarity)
        out["target"] = self._target_block(indicator, where, out.get("value"))
        if indicator.national and where.level == "Local authority":
            out["published"] = self._published_block(indicator, where, out.get("period"), own.source)
            comparators = out["published"]
            # Similar within the catalogue's stated band, or when the comparator sits inside the figure's 95%
            # interval. A count is not rated against other councils: its size is mostly the council's size.
            ci = benchmarks.confidence_interval(current.iloc[0], unit) if len(current) else None
            out["similar_within"] = indicator.similar_within
            for key, comparator in (("rag_against_neighbours", "sn_mean"), ("rag_against_england", "england_value")):
                if comparators.get(comparator) is not None and unit is not Unit.COUNT:
                    out[key] = benchmarks.rag_against_comparator(out.get("value"), comparators[comparator], polarity,
                                                                 ci, indicator.similar_within or 0.0)
        elif indicator.national:
            out["published"] = self._published_block(indicator, where, out.get("period"), own.source)
        if indicator.forecast and forecast:
            breaks = self.series_breaks(indicator, where) if indicator.national else []
            since = totals[totals["period"].map(_period_key) >= _period_key(breaks[-1].period)] if breaks else totals
            out["forecast"] = self._forecast(indicator, own.source, since)  # one definition: since the last break
        if out[PROVISIONAL]:  # asked for by name: shown, but never rated or given a direction
            out["direction_of_travel"] = None
            out.pop("rag_against_neighbours", None)
            out.pop("rag_against_england", None)
            if out.get("target"):
                out["target"]["rag"] = None
        return Benchmark.model_validate(out)  # only the fields set here: its JSON is the block as built

    def ranked(self, indicator_id: str, period: str, audience: Audience) -> tuple[RankedCouncil, ...]:
        """Every council's published all-children figure for a period, by council name: the values the rank and
        quartile band of `benchmark()` are worked out over (published figures: the same for every audience).
        Councils without a figure (a symbol) are left out; empty when the indicator is not published."""
        Audience(audience)
        indicator = self.indicator(indicator_id)
        if not indicator.national:
            return ()
        key = self._key("ranked", indicator.id, period)
        return self._cached(key, lambda: self._ranked(indicator, str(period)))

    def _ranked(self, indicator: Indicator, period: str) -> tuple[RankedCouncil, ...]:
        frame = self._frame(indicator, "national", TOTAL, False)
        rows = frame[(frame["period"] == period) & (frame["breakdown"] == TOTAL)
                     & frame["area_code"].isin(self._la_codes) & (frame["status"] == Status.VALUE.value)
                     & frame["value"].notna()].drop_duplicates("area_code")
        values = dict(zip(rows["area_code"], rows["value"], strict=True))
        return tuple(RankedCouncil(area_code=a.code, area_name=a.name, value=float(values[a.code]))
                     for a in self.areas() if a.code in values)

    def settled(self, indicator: Indicator, source: str, totals: pd.DataFrame) -> pd.DataFrame:
        """The rows of periods that have ended and whose statutory clocks have all run out by the reference
        date: the only periods a headline, rating, direction of travel or forecast may use."""
        ended = [self.period_end(indicator, source, p) <= self.reference_date for p in totals["period"]]
        running = totals[PROVISIONAL].fillna(False).astype(bool) if PROVISIONAL in totals else False
        return totals[np.array(ended, dtype=bool) & ~np.asarray(running, dtype=bool)]

    def period_end(self, indicator: Indicator, source: str, period: str) -> date:
        """The last day a period covers (a census period ends on its census day: it is complete once taken)."""
        text = str(period)
        if _MONTH.match(text):
            year, month = int(text[:4]), int(text[5:7])
            return (pd.Timestamp(year, month, 1) + pd.offsets.MonthEnd(0)).date()
        if re.fullmatch(r"\d{4}-Q[1-4]", text):
            year, quarter = int(text[:4]), int(text[-1])
            return (pd.Timestamp(year, 3 * quarter, 1) + pd.offsets.MonthEnd(0)).date()
        if re.fullmatch(r"\d{4}", text):
            return date(int(text), 12, 31)
        if re.fullmatch(r"\d{6}", text):
            end_year = int(text[:4]) + 1
            if source == "local" and indicator.local and indicator.local.granularity == "census":
                return date(end_year, 1, 1)  # a snapshot in January: only ever present once taken
            if indicator.year_type.value == "financial":
                return date(end_year, 3, 31)
            return date(end_year, 8, 31)
        return date.min

    def _target_block(self, indicator: Indicator, area: Area, value: float | None) -> dict[str, Any] | None:
        if area.code not in self._targets:
            self._targets[area.code] = load_targets(area.code, set(self.catalogue.indicators))
        target = self._targets[area.code].targets.get(indicator.id)
        if target is None:
            return None
        block = target.model_dump()
        block["rag"] = (benchmarks.rag_against_target(value, target.target, indicator.polarity, target.tolerance)
                        if target.target is not None else None)
        return block  # a dict until the benchmark is complete (a provisional period clears `rag`), then `Target`

    def _published_block(self, indicator: Indicator, area: Area, period: str | None, source: str) -> dict[str, Any]:
        frame = self._frame(indicator, "national", TOTAL, False)
        frame = frame[frame["breakdown"] == TOTAL]
        periods = sorted(frame["period"].unique(), key=_period_key)
        if period not in periods:  # a local month or a year not yet published: compare with the latest
            candidates = [p for p in periods if period is None or _period_key(p) <= _period_key(period)]
            period = candidates[-1] if candidates else (periods[-1] if periods else None)
        block: dict[str, Any] = {"period": period}
        if period is None:
            return block
        year = frame[frame["period"] == period]
        las = year[year["area_code"].isin(self._la_codes)]
        by_code = year.set_index("area_code")
        block["la_value"] = _num(by_code["value"].get(area.code))
        region = area.region_code
        if region and region in by_code.index:
            block["region_code"] = region
            block["region_name"] = self.area_name(region)
            block["region_value"] = _num(by_code.at[region, "value"])
        block["england_value"] = _num(by_code["value"].get(ENGLAND))
        if area.level == "Local authority" and Comparator.STATISTICAL_NEIGHBOURS in indicator.comparators:
            block.update({k: v for k, v in benchmarks.neighbour_summary(
                las, area.code, self.neighbours(area.code)).items() if k != "la_code"})
        if area.level == "Local authority" and Comparator.ALL_LAS in indicator.comparators:
            if indicator.definition.unit is Unit.COUNT:  # a raw count ranks council sizes: rank it per 10,000
                las = benchmarks.per_10000(las, self._population_0_25(period))
                if las.empty:
                    block["rank_note"] = ("Not ranked: a count mostly reflects a council's size, and the loaded "
                                          "data has no 0-25 population for every council to rank it per 10,000.")
                    return block
                block["rank_basis"] = "per 10,000 aged 0-25"
            position, out_of = benchmarks.rank(las, area.code, indicator.polarity)
            block["rank"], block["rank_out_of"] = position, out_of
            block["rank_order"] = ("highest to lowest" if indicator.polarity == Polarity.NO_JUDGEMENT
                                   else "1 is best")
            block["quartile_band"] = benchmarks.quartile_band(las, area.code, indicator.polarity)
            cuts = benchmarks.quartile_cut_points(las)
            block["quartile_cut_points"] = list(cuts) if cuts else None
        return block  # validated as `Published` with the rest of the benchmark

    def _population_0_25(self, period: str) -> pd.DataFrame:
        """Every council's resident population aged 0-25 for a period, from published facts whose measure is
        `population_0_25` (none in the bundled data, so counts go unranked until such a file is loaded)."""
        if "national_fact" not in self._table_names:
            return pd.DataFrame({"area_code": [], "value": []})
        return self._query("""SELECT area_code, value FROM national_fact
                              WHERE measure = 'population_0_25' AND breakdown = 'Total' AND status = 'value'
                                AND time_period = $period""", {"period": str(period)})

    @cached_property
    def _la_codes(self) -> set[str]:
        return {a.code for a in self._areas.values() if a.level == "Local authority"}

    def neighbours(self, la_code: str) -> list[str]:
        """The LA's statistical neighbours (DfE's latest model) in rank order."""
        if "stat_neighbour" not in self._table_names:
            return []
        key = self._key("neighbours", la_code)
        return self._cached(key, lambda: list(self._query(
            """SELECT sn_new_la_code FROM stat_neighbour
               WHERE new_la_code = $la AND model = (SELECT max(model) FROM stat_neighbour)
               ORDER BY sn_rank""", {"la": la_code})["sn_new_la_code"]))

    def _forecast(self, indicator: Indicator, source: str, totals: pd.DataFrame) -> Forecast:
        """Demand forecast for a count: up to three periods ahead with a prediction interval
        (`indicators.forecast.forecast_counts`), from the settled periods (ended, no clocks running), with the
        band and the track record the committed backtest gives the indicator (`backtest`: figures by horizon)."""
        from indicators.forecast import backtest, forecast_counts

        ended = self.settled(indicator, source, totals)
        gaps = np.flatnonzero(ended["value"].isna().to_numpy())
        ended = ended.iloc[gaps[-1] + 1:] if len(gaps) else ended  # the latest unbroken run of figures
        series = pd.Series(ended["value"].to_numpy(dtype=float), index=list(ended["period"]))
        tested = backtest()["indicators"].get(indicator.id)
        calibration = tested["calibration"] if tested else None
        # Fitting is the slowest step of a cold call: keyed by the series itself, so every audience that
        # sees the same figures shares one fit (and one that sees suppressed figures gets its own).
        key = self._key("forecast", indicator.id, *(f"{p}={v}" for p, v in series.items()))
        frame = self._cached(key, lambda: forecast_counts(series, 3, calibration=calibration))
        return Forecast.model_validate({
            "method": frame.attrs.get("method"), "level": frame.attrs.get("level"),
            "reason": frame.attrs.get("reason"), "note": frame.attrs.get("note"),
            "based_on": list(ended["period"]), "backtest": tested["horizons"] if tested else None,
            "rows": [{"period": str(r["period"]), "forecast": _num(r["forecast"]), "lower": _num(r["lower"]),
                      "upper": _num(r["upper"])} for r in frame.to_dict("records")]})

    def warm(self, indicator_ids: list[str] | None = None) -> int:
        """Compute every indicator's all-children figures for every source and area into the cache (e.g. in a
        background thread after start-up or a new load), so first page views do not wait for queries."""
        done = 0
        for indicator in self.catalogue:
            if indicator_ids is not None and indicator.id not in indicator_ids:
                continue
            for source in SOURCES:
                if _has_source(indicator, source):
                    self._frame(indicator, source, TOTAL, False)
                    done += 1
        return done

    # --- coverage ------------------------------------------------------------------------------------------

    def populated(self, indicator_id: str, area: str, audience: Audience) -> tuple[bool, str | None]:
        """(whether the loaded data gives the indicator a figure for the area, from which source). Says
        nothing about the figure itself, so it is the same for every audience."""
        Audience(audience)
        indicator = self.indicator(indicator_id)
        where = self.area(area)
        for source in self.sources_for(indicator, where):
            if self._has_rows(indicator, source, where):
                return True, source
        return False, None

    def coverage(self, area: str, audience: Audience) -> list[dict[str, Any]]:
        """For every indicator: whether the area can show it, from which source, and what would fill it."""
        where = self.area(area)
        rows = []
        for indicator in self.catalogue:
            ok, source = self.populated(indicator.id, where.code, audience)
            rows.append({"id": indicator.id, "title": indicator.title, "theme": indicator.theme.value,
                         "populated": ok, "source": source,
                         "to_fill": None if ok else self.how_to_fill(indicator, where)})
        return rows

    def how_to_fill(self, indicator: Indicator, area: Area) -> str:
        parts = []
        if indicator.local:
            files = sorted({_TEMPLATE_FILES.get(t, f"{t}.csv") for t in indicator.local.tables if t in _TEMPLATE_FILES})
            parts.append(f"local extract: {', '.join(files)} (see data/DICTIONARY.md)")
        if indicator.aggregate:
            parts.append(f"aggregate_measures.csv rows with measure_code '{indicator.aggregate.measure_code}' "
                         "(template in data/DICTIONARY.md)")
        if indicator.national:
            datasets = ", ".join(sorted({n.dataset for n in indicator.national}))
            parts.append(f"the published DfE file(s) {datasets} (load with `python -m data ingest`)")
        if area.code != self.local_area and not indicator.national:
            parts.append(f"local figures are only computed for the warehouse's own area ({self.local_area})")
        return "; or ".join(parts)

    # --- child-level records (officers only) ---------------------------------------------------------------

    def case_list(self, audience: Audience, *, user: str, kind: str = "open_cases",
                  team: str | None = None, caseworker: str | None = None,
                  as_of: date | None = None) -> pd.DataFrame:
        """Open cases against their statutory clocks (on `as_of`, else the reference date). Child-level: officers
        only, and every call is audited."""
        _officers_only(audience)
        if kind not in CASE_LISTS:
            raise EngineError(f"unknown case list '{kind}'", sorted(CASE_LISTS))
        params = {"reference_date": as_of or self.reference_date, "team": team or "", "caseworker": caseworker or ""}
        if CASE_LISTS[kind] == "clocks.sql":  # one query holds the other clocks; $clock picks one
            params["clock"] = kind
        frame = self._query(self._read_sql(SQL_DIR / CASE_LISTS[kind]), params)
        AUDIT.info("case_list user=%s kind=%s team=%s caseworker=%s as_of=%s rows=%d warehouse=%s", user, kind, team,
                   caseworker, as_of, len(frame), self.version)
        return frame

    def caseload_performance(self, audience: Audience, *, user: str, period: str = tracker.DEFAULT,
                             team: str | None = None) -> pd.DataFrame:
        """Caseload performance for a tracker period (`tracker.periods`): one row per team, or per caseworker of
        `team`, with the open caseload, plans issued, 20-week on-time counts with and without exceptions, mean
        weeks to issue, the open cases' ageing and plans issued per month (caseload_performance.sql says how
        each is counted). Officers only, and every call is audited."""
        _officers_only(audience)
        chosen = tracker.period(period, self.reference_date)
        if chosen is None:
            raise EngineError(f"unknown tracker period '{period}'", [p.key for p in tracker.periods(
                self.reference_date)])
        frame = self._query(self._read_sql(SQL_DIR / "caseload_performance.sql"), {
            "reference_date": self.reference_date, "first": chosen.first, "last": chosen.last, "team": team or "",
            "months_from": tracker.chart_months(self.reference_date)[0] + "-01"})
        frame["monthly"] = [dict(m) if isinstance(m, dict) else {} for m in frame["monthly"]]
        AUDIT.info("caseload_performance user=%s period=%s team=%s rows=%d warehouse=%s", user, period, team,
                   len(frame), self.version)
        return frame

    def local_figures(self, audience: Audience, indicator_id: str, breakdown: str = TOTAL) -> pd.DataFrame:
        """The warehouse's own figures from its local records alone, unprotected, by any breakdown the family
        gives (not only those the indicator offers): officers only, for setting beside a return's layout."""
        if Audience(audience) is not Audience.OFFICER:
            raise NotPermitted(f"unprotected local figures are for officers only, not the {Audience(audience).value} "
                               "audience")
        indicator = self.indicator(indicator_id)
        if not indicator.local:
            raise NotAvailable(f"{indicator.id} has no local figures")
        if breakdown != TOTAL and breakdown not in LOCAL_BREAKDOWNS:
            raise UnknownBreakdown(f"local figures have no breakdown '{breakdown}'", sorted(LOCAL_BREAKDOWNS))
        frame = self._frame(indicator, "local", breakdown, False)
        return frame[frame["area_code"] == (self.local_area or "")].reset_index(drop=True)

    def published_measures(self, dataset: str, topic: str, area: str, period: str) -> pd.DataFrame:
        """Every published measure of one dataset's all-children row for an area and period (measure, value,
        status): public figures, as published."""
        return self._query(self._read_sql(SQL_DIR / "published_measures.sql"),
                           {"dataset": dataset, "topic": topic, "area": self.area(area).code, "period": str(period)})

    def local_records(self, audience: Audience, indicator_id: str, first: date, last: date, *,
                      user: str) -> pd.DataFrame:
        """The child-level rows behind a local figure: the indicator's family records dated first..last, each
        with its numerator, denominator and the child's name. Officers only, and every call is audited."""
        _officers_only(audience)
        indicator = self.indicator(indicator_id)
        if not indicator.local:
            raise NotAvailable(f"{indicator.id} has no local records")
        shared = self._read_sql(LOCAL_FRAME).split("\nrecords AS (\n", 1)[0]
        shared = shared[shared.index("WITH people AS"):]  # ends with the comma before `records`
        sql = (self._read_sql(LOCAL_RECORDS).replace(SHARED_MARKER, shared)
               .replace(FAMILY_MARKER, self._read_sql(local_query_path(indicator.local))))
        frame = self._query(sql, {"measure": indicator.local.measure, "breakdowns": [TOTAL], "monthly": False,
                                  "reference_date": self.reference_date, "first": first, "last": last})
        AUDIT.info("local_records user=%s indicator=%s first=%s last=%s rows=%d warehouse=%s", user, indicator.id,
                   first, last, len(frame), self.version)
        return frame

    def return_records(self, audience: Audience, *, user: str) -> dict[str, pd.DataFrame]:
        """Every row of the SEN2 modules the warehouse holds (person, request, ... sen_need), for writing the
        person-level return. Child-level: officers only, and every call is audited."""
        _officers_only(audience)
        out = {name: self._query(f'SELECT * FROM "{name}"', {}) for name in RETURN_TABLES}  # noqa: S608 - fixed names
        AUDIT.info("return_records user=%s persons=%d warehouse=%s", user, len(out["person"]), self.version)
        return out

    def quality_counts(self, audience: Audience, *, user: str) -> pd.DataFrame:
        """Every data-quality rule (code, severity, message, table, fields) with the number of records it finds
        (<NA> when the warehouse lacks a table the rule needs). Officers only: the workbench lists the children."""
        _officers_only(audience)
        found = self._query(quality.counts_sql(self._table_names), quality.params(self.reference_date, self.local_area))
        rules = pd.DataFrame([{"code": r.code, "severity": r.severity, "message": r.message, "table": r.table,
                               "fields": ", ".join(r.fields)} for r in quality.rules()])
        AUDIT.info("quality_counts user=%s warehouse=%s", user, self.version)
        return rules.merge(found, on="code", how="left").astype({"records": "Int64"})  # <NA>: not checkable here

    def quality_records(self, audience: Audience, *, user: str, code: str, team: str | None = None,
                        caseworker: str | None = None) -> pd.DataFrame:
        """The records one data-quality rule finds, with the team and caseworker holding each. Child-level:
        officers only, and every call is audited."""
        _officers_only(audience)
        try:
            rule = quality.rule(code)
        except KeyError:
            raise EngineError(f"unknown data-quality rule '{code}'", quality.codes()) from None
        if not rule.checkable(self._table_names):
            return pd.DataFrame(columns=[*quality.COLUMNS, "team", "caseworker", "name"])
        frame = self._query(quality.records_sql(rule), {**quality.params(self.reference_date, self.local_area),
                                                        "team": team or "", "caseworker": caseworker or ""})
        AUDIT.info("quality_records user=%s rule=%s team=%s caseworker=%s rows=%d warehouse=%s", user, code, team,
                   caseworker, len(frame), self.version)
        return frame

    def quality_history(self, audience: Audience) -> pd.DataFrame:
        """Records breaking each rule at every load so far (version, reference_date, loaded_at, code, records);
        empty for a warehouse built without the history (the test fixtures)."""
        _officers_only(audience)
        if "quality_history" not in self._table_names:  # a warehouse built before the history was kept
            return pd.DataFrame(columns=["version", "reference_date", "loaded_at", "code", "records"])
        return self._query(quality.HISTORY_SQL, {})

    def quarantined(self, audience: Audience) -> pd.DataFrame:
        """What the ingest set aside: rows per source file, table, reason and action (no child's values)."""
        _officers_only(audience)
        return self._query(quality.QUARANTINE_SQL, {})

    # --- the one-object answer the command line and the API print -----------------------------------------

    def show(self, indicator_id: str, area: str, audience: Audience, *, period: str | None = None,
             breakdown: str | None = None, source: str | None = None, forecast: bool = True,
             monthly: bool = False, filters: Mapping[str, str] | None = None, official: bool = True,
             ) -> Shown:
        """The indicator's catalogue entry, its protected rows and its benchmark block (cached; `as_json()` is
        the plain data the command line prints).
        monthly: every month's rows instead of every year's (local figures that run by month)."""
        audience = Audience(audience)
        # Only a valid request is ever stored, so a hit needs no further checks; a miss validates in result().
        narrowed = tuple(sorted((k, str(v)) for k, v in (filters or {}).items() if v not in (None, "")))
        key = self._key("show", indicator_id, self.area(area).code, audience.value, period, breakdown, source,
                        int(forecast), int(monthly), narrowed, int(official))
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        result = self.result(indicator_id, area, audience, period=period, breakdown=breakdown, source=source,
                             monthly=monthly, filters=filters, official=official)
        answer = self._show(result, period, forecast)
        self.cache.set(key, answer)
        return answer

    def _show(self, result: Result, period: str | None, forecast: bool = True) -> Shown:
        indicator_id, area, audience = result.indicator.id, result.area.code, result.audience
        rows = tuple(Row(**_row(r)) for r in result.frame.to_dict("records"))
        try:
            bench = self.benchmark(indicator_id, area, audience, period=period if period and not _MONTH.match(period)
                                   else None, source=result.source, forecast=forecast)
        except UnknownPeriod:
            bench = None
        return Shown(indicator=result.indicator, source_used=result.source,
                     area=AreaInfo(code=result.area.code, name=result.area.name, level=result.area.level),
                     audience=result.audience.value, rows=rows, benchmark=bench,
                     series_breaks=tuple(self.series_breaks(result.indicator, result.area))
                     if result.indicator.national else ())


_shared: dict[str, tuple[tuple[int, ...], Engine]] = {}
_shared_lock = threading.Lock()


@atexit.register
def _close_shared() -> None:
    for _, engine in _shared.values():
        engine.close()
    _shared.clear()


def shared_engine(server: Any = None, warehouse: str | Path | None = None) -> Engine:
    """The process's engine for the warehouse, for the app's callbacks and routes.

    With a Flask `server` results are cached through flask-caching (file system, or Redis when configured; see
    `indicators.cache`), shared by every worker. A new load is swapped in under the same name, so every call
    checks which file the name points at (`connect.identity`); when it has changed, the next call opens a new
    engine on the new file, whose version keys a fresh set of results. Each engine has a DuckDB instance of its
    own (`connect.open_readonly`), so the new one never inherits the old file. The engine it replaces is not
    closed here: a request that began on it finishes on it, reading the old file throughout (never a mixture),
    and its connection closes when the last reference to it goes.
    """
    from data import settings
    from data.warehouse.connect import identity

    path = Path(warehouse) if warehouse is not None else settings.warehouse_path()
    # Which file before opening it: should a load land in between, the next call sees a changed identity and
    # opens again (checked after opening, a swap in between would go unnoticed).
    now = identity(path)  # raises WarehouseUnavailable, saying what to run, when there is no warehouse
    with _shared_lock:
        known = _shared.get(str(path))
        # The same file, and (asked by an app) cached through that app's own flask-caching: an engine built for
        # another app in this process (tests build several) would look for its cache in the wrong app.
        if known is not None and known[0] == now and (
                server is None or getattr(server, "_indicator_cache", None) is known[1].cache):
            return known[1]
        cache = known[1].cache if known is not None else None  # keyed by version, so it carries over
        if server is not None:
            from indicators.cache import app_cache

            cache = app_cache(server)
        engine = Engine(path, cache=cache)
        _shared[str(path)] = (now, engine)
        return engine


def release_shared(warehouse: str | Path) -> None:
    """Close the process's engine on `warehouse`, if it has one (e.g. a load's file before it is swapped in)."""
    with _shared_lock:
        opened = _shared.pop(str(Path(warehouse)), None)
    if opened is not None:
        opened[1].close()


CASE_LISTS = {"open_cases": "case_list.sql", **{clock: "clocks.sql" for clock in (
    "no_plan_16wk", "health_advice", "annual_review", "review_decision", "phase_transfer")}}
# The SEN2 modules, as the warehouse holds them (a fixed list: the only table names placed in a query's text)
RETURN_TABLES = ("person", "request", "assessment", "named_plan", "plan_detail", "active_plan", "placement",
                 "sen_need")


def _officers_only(audience: Audience) -> None:
    if Audience(audience) is not Audience.OFFICER:
        raise NotPermitted(f"child-level records are for officers only, not the {Audience(audience).value} audience")


_TEMPLATE_FILES = {
    "person": "person.csv", "request": "requests.csv", "assessment": "assessment.csv", "named_plan": "namedplan.csv",
    "plan_detail": "plandetail.csv", "active_plan": "activeplans.csv", "placement": "placementdetail.csv",
    "sen_need": "senneed.csv", "review": "reviews.csv", "health_advice": "health_advice.csv",
    "casework": "casework.csv", "caseworker": "caseworkers.csv", "residence": "residence.csv",
    "dim_school": "schools.csv", "sen_support": "sen_support.csv", "dispute": "disputes.csv",
    "aggregate_measure": "aggregate_measures.csv",
}


def _national_specs(source: NationalSource, breakdown: str) -> list[dict[str, Any]]:
    """The national.sql parameter sets for one breakdown: always the all-children rows, plus the breakdown's."""
    def lists(measures, topic, label_override=None, out_breakdown=TOTAL):
        # One national.sql row per numerator part: the first carries the denominator and the published value,
        # the others only add their measure to the numerator of the row with the same label.
        rows = [(label_override if label_override is not None else m.label, part,
                 "" if i else m.denominator or "", "" if i else m.value or "")
                for m in measures for i, part in enumerate(m.numerator_parts or [""])]
        labels, numerators, denominators, published = (list(column) for column in zip(*rows, strict=True))
        return {"topic": topic, "breakdown": out_breakdown,
                "total_row": (source.total_row or "") if out_breakdown == TOTAL else "",
                "labels": labels, "numerators": numerators, "denominators": denominators, "published": published}

    specs = [lists(source.measures, source.topic)]
    if breakdown == TOTAL:
        return specs
    if breakdown in source.breakdowns:
        specs.append(lists(source.measures, source.breakdowns[breakdown], "", breakdown))
    elif breakdown == source.measure_breakdown:
        specs.append(lists(source.measure_breakdown_measures, source.topic, None, breakdown))
    else:
        return []  # this release does not publish the breakdown
    return specs


def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if np.isnan(number) else number


def _row(record: dict[str, Any]) -> dict[str, Any]:
    """One result row as plain data: numbers or None (whole numbers as integers), text as text."""
    out = {}
    for column in RESULT_COLUMNS:
        value = record.get(column)
        if column in ("numerator", "denominator", "value"):
            value = _num(value)
            if value is not None and value.is_integer():
                value = int(value)
        out[column] = value
    out[SOURCE_COLUMN] = record.get(SOURCE_COLUMN)
    out[PROVISIONAL] = bool(record.get(PROVISIONAL) or False)
    return out


def _period_key(period: str) -> tuple[int, int]:
    """Order periods in time: `2024`, `202425`, `2024-03`, `2024-Q1` compare by their start."""
    text = str(period)
    digits = re.sub(r"\D", "", text)
    year = int(digits[:4]) if len(digits) >= 4 else 0
    if _MONTH.match(text):
        return year, int(text[5:7])
    if re.fullmatch(r"\d{4}-Q\d", text):
        return year, 3 * int(text[-1]) - 2
    if len(digits) == 6:
        return year, 9  # an academic (or financial) year starts after the calendar year's start
    return year, 1


def _period_order(series: pd.Series) -> pd.Series:
    return series.map(_period_key)


def _total_first(series: pd.Series) -> pd.Series:
    if series.name == "period":
        return series.map(_period_key)
    return series.map(lambda v: (0, "") if v == TOTAL else (1, str(v)))
