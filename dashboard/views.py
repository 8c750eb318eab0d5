"""Page-level assembly: turn a URL's query into engine calls and plain data the pages lay out.

No SQL and no business rules live here: values, benchmarks, RAG, direction of travel, suppression and
forecasts all come from the engine (`indicators.engine`). This module only checks what a URL asks for against
the engine's allowlists, chooses which calls to make, and turns engine errors into `Problem`s a page can
explain in plain words.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from dash import html
from pydantic import BaseModel, ConfigDict

from dashboard import filters
from dashboard.access import engine as shared_engine
from dashboard.format import format_period
from data.settings import settings
from indicators.catalogue.model import BREAKDOWNS, THEME_TITLES, Indicator, Theme
from indicators.engine import (
    Area,
    Engine,
    EngineError,
    NotAvailable,
    UnknownArea,
    UnknownIndicator,
    UnknownPeriod,
)
from indicators.results import Benchmark, RankedCouncil, Row, SeriesBreak
from indicators.vocabulary import TOTAL, Audience

LOG = logging.getLogger(__name__)
KPI_FILE = Path(__file__).resolve().parent / "kpis.yaml"
PAGES_FILE = Path(__file__).resolve().parent / "pages.yaml"
LA_LEVEL = "Local authority"


class Problem(Exception):
    """Something a reader asked for that cannot be shown, with what to do instead (shown on the page)."""

    def __init__(self, title: str, message: str, hint: str = "",
                 choices: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.title, self.message, self.hint = title, message, hint
        self.choices = choices or []  # (area code, name) a reader may pick instead


# --- engine and areas ----------------------------------------------------------------------------------------

def get_engine() -> Engine:
    """The app's shared engine, or a Problem saying why the data cannot be read."""
    from data.warehouse.connect import WarehouseUnavailable

    try:
        return shared_engine()
    except WarehouseUnavailable as exc:
        raise Problem("The data is not available", str(exc)) from None
    except OSError as exc:
        LOG.warning("engine unavailable: %s", exc)
        raise Problem("The data is not available", "The warehouse could not be opened.",
                      "Try again in a minute; if it persists, tell the team that runs this dashboard.") from None


def council_choices() -> list[tuple[str, str]]:
    """(code, name) of every council, by name: the area picker's options and allowlist."""
    engine = get_engine()
    return [(a.code, a.name) for a in engine.areas() if a.level == LA_LEVEL]


def resolve_area(engine: Engine, value: object) -> Area:
    """A council from a URL value: its new code, its old three-digit code or its name (exact, or the only name
    that contains the text). The default is the warehouse's own area. Anything else is a Problem that says how
    to pick, listing the councils whose names match when there are a few."""
    text = filters.one(value)
    if text is None and value in (None, ""):
        return default_area(engine)
    councils = [a for a in engine.areas() if a.level == LA_LEVEL]
    matches: list[Area] = []
    if text is not None:
        try:
            area = engine.area(text)
            if area.level == LA_LEVEL:
                return area
        except UnknownArea:
            pass
        folded = text.casefold()
        exact = [a for a in councils if a.name.casefold() == folded]
        if exact:
            return exact[0]
        matches = [a for a in councils if folded in a.name.casefold()]
        if len(matches) == 1:
            return matches[0]
    if 1 < len(matches) <= 12:
        raise Problem("Several councils match", f"{len(matches)} councils have that in their name.",
                      "Choose one:", choices=[(a.code, a.name) for a in matches])
    raise Problem("We could not find that area",
                  "The link asks for an area this dashboard does not know.",
                  "Choose a council from the Area box: type part of its name (for example Bristol) or its "
                  "code (for example E06000023), then press Show.")


def default_area(engine: Engine) -> Area:
    if engine.local_area:
        try:
            return engine.area(engine.local_area)
        except UnknownArea:
            pass
    councils = [a for a in engine.areas() if a.level == LA_LEVEL]
    if not councils:
        raise Problem("The data is not available", "The warehouse holds no councils.",
                      "Load the published national files with `python -m data ingest`.")
    return councils[0]


# --- the view context: one per page build -------------------------------------------------------------------

@dataclass
class Context:
    engine: Engine
    audience: Audience
    area: Area
    period: str | None  # a calendar year or an indicator's period code from the URL, None for the latest
    params: dict[str, str]  # the cleaned query, for building links
    notes: list[str] = field(default_factory=list)  # things the reader should know (an ignored period, ...)

    @property
    def is_local(self) -> bool:
        return self.area.code == self.engine.local_area

    @property
    def synthetic(self) -> bool:
        return self.engine.info.get("synthetic_local_data") == "true"

    @property
    def last_year(self) -> int:
        return self.engine.reference_date.year

    def link(self, path: str, **changes: object) -> str:
        return filters.href(path, self.params, **changes)


def context(query: Mapping[str, Any], *, period_is_code: bool = False) -> Context:
    """Check a page's query and build its context. Raises Problem for an unknown area (nothing sensible can be
    shown); an unusable period is noted and the latest figures are shown instead."""
    engine = get_engine()
    area = resolve_area(engine, query.get("area"))
    audience = filters.clean_audience(query.get("audience"), area.code)
    params: dict[str, str] = {"area": area.code}
    notes = []
    period = None
    raw_period = query.get("period")
    if raw_period not in (None, ""):
        text = filters.one(raw_period)
        year = filters.clean_year(text, engine.reference_date.year)
        if year is not None:
            period = year
        elif period_is_code and text is not None and looks_like_period(text):
            period = text  # checked against the indicator's own periods by the page
        else:
            notes.append("The period in the link is not one this dashboard offers, so the latest figures are shown.")
    if period:
        params["period"] = period
    wanted = filters.audience_param(audience, area.code)
    if wanted:
        params["audience"] = wanted
    return Context(engine, audience, area, period, params, notes)


def looks_like_period(text: str) -> bool:
    """A year, an academic or financial year, a month or a quarter, as the engine writes periods."""
    return bool(re.fullmatch(r"\d{4}|\d{6}|\d{4}-\d{2}|\d{4}-Q[1-4]", text))


# --- periods -------------------------------------------------------------------------------------------------

def period_for(ctx: Context, indicator_id: str, source: str, periods: list[str]) -> str | None:
    """The indicator's period a view's period means (`Engine.period_for`: the period itself, or for a year the
    latest period that had ended by its end); None for the latest (the engine's own choice); "" when nothing
    had been published by the end of the year asked for. `periods` are in time order."""
    if ctx.period is None:
        return None
    found = ctx.engine.period_for(ctx.engine.indicator(indicator_id), source, periods, ctx.period)
    if found is None:
        return "" if len(ctx.period) == 4 else None  # "" = nothing had been published by then
    return found


def totals(rows: Sequence[Row]) -> list[Row]:
    """The all-children rows, in the engine's (time) order."""
    return [r for r in rows if r.is_total]


# --- one indicator's headline: what a tile or a theme row shows ---------------------------------------------

@dataclass
class Headline:
    indicator: Indicator  # the catalogue entry
    source: str  # the source the figures come from (local, aggregate or national)
    series: tuple[Row, ...]  # all-children rows, every period (a tuple: charts share its frame)
    benchmark: Benchmark | None
    period: str | None
    problem: str | None = None  # why there is no figure (plain words)
    breaks: tuple[SeriesBreak, ...] = ()  # where the published series changes definition

    @property
    def indicator_id(self) -> str:
        return self.indicator.id

    @property
    def title(self) -> str:
        return self.indicator.short_title or self.indicator.title or "Indicator"


def headline(ctx: Context, indicator_id: str, *, forecast: bool = False) -> Headline:
    """The indicator's all-children series and its benchmark block for the view's period."""
    engine = ctx.engine
    try:
        answer = engine.show(indicator_id, ctx.area.code, ctx.audience, forecast=forecast)
    except UnknownIndicator:
        raise
    except NotAvailable:
        return Headline(engine.indicator(indicator_id), "national", (), None, None,
                        f"No figures for {ctx.area.name}: this measure comes from data held locally by each "
                        "council, and only one council's local data is loaded here.")
    except EngineError as exc:
        LOG.warning("headline %s: %s", indicator_id, exc)
        return Headline(engine.indicator(indicator_id), "national", (), None, None,
                        "The figures could not be read for this area.")
    indicator, source = answer.indicator, answer.source_used
    series = tuple(answer.totals)
    # a provisional period (statutory clocks still running) is never the one a headline reports
    chosen = period_for(ctx, indicator_id, source, [r.period for r in series if not r.provisional])
    bench = answer.benchmark
    if chosen == "":
        return Headline(indicator, source, series, None, None,
                        f"No figures had been published by the end of {ctx.period}.")
    if chosen and (bench is None or chosen != bench.period):
        try:
            bench = engine.benchmark(indicator_id, ctx.area.code, ctx.audience, period=chosen, source=source,
                                     forecast=forecast)
        except UnknownPeriod:
            bench = None
    last = bench.period if bench is not None else None
    series = tuple(r for r in series if chosen is None or _not_after(r.period, last, series))
    breaks = answer.series_breaks
    if bench is None or bench.period is None:
        return Headline(indicator, source, series, bench, None, "No figures yet for this area.", breaks)
    return Headline(indicator, source, series, bench, bench.period, breaks=breaks)


def staleness(ctx: Context, head: Headline, today: date | None = None) -> str | None:
    """Why the headline's figures may be out of date, in plain words, or None: the catalogue's next update of
    the published source has passed (newer figures may exist), or the local extract is older than the set
    number of days (`data.settings.stale_after_days`) on `today` (default: the real date)."""
    from data import settings

    if head.problem or head.benchmark is None:
        return None
    today = today or date.today()
    words = []
    source = source_of(head)
    indicator = ctx.engine.indicator(head.indicator_id)
    if source in ("local", "aggregate"):
        days = (today - ctx.engine.reference_date).days
        if days > settings.stale_after_days():
            words.append(f"The council's extract runs to {_day(ctx.engine.reference_date)}, {days} days ago (older "
                         f"than {settings.stale_after_days()} days).")
    published = source == "national" or head.benchmark.published is not None
    if published and indicator.next_update and indicator.next_update < today:
        words.append(f"DfE was due to publish newer figures on {_day(indicator.next_update)}; load them to "
                     "update these.")
    return " ".join(["May be out of date:", *words]) if words else None


def _day(when: date) -> str:
    return f"{when.day} {when:%B %Y}"


def shows_local(heads: list[Headline]) -> bool:
    """Whether any of these headlines shows figures computed from the council's own (local) records."""
    return any(source_of(h) in ("local", "aggregate") and not h.problem for h in heads)


def _not_after(period: str, last: str | None, series: list[Row]) -> bool:
    """Whether `period` comes no later than `last` in the series' own (time) order."""
    if last is None:
        return True
    order = [r.period for r in series]
    return last not in order or order.index(period) <= order.index(last)


# --- configuration: the board's KPI set ----------------------------------------------------------------------

def kpi_ids(engine: Engine) -> tuple[list[str], list[str]]:
    """The board's KPIs (catalogue ids, in order) and notes on any configured id the catalogue lacks.

    SEND_KPIS may name a YAML file (a list of ids, or {kpis: [...]}) or give the ids comma-separated;
    otherwise dashboard/kpis.yaml.
    """
    setting = (settings().kpis or "").strip()
    notes = []
    ids: list[str] = []
    try:
        if setting and Path(setting).is_file():
            ids = _read_kpi_file(Path(setting))
        elif setting:
            ids = [part.strip() for part in setting.split(",") if part.strip()]
        else:
            ids = _read_kpi_file(KPI_FILE)
    except (OSError, yaml.YAMLError, ValueError) as exc:
        LOG.warning("KPI configuration unreadable: %s", exc)
        notes.append("The board's list of measures could not be read, so the standard set is shown.")
        ids = _read_kpi_file(KPI_FILE)
    known = [i for i in dict.fromkeys(ids) if i in engine.catalogue]
    if len(known) < len(dict.fromkeys(ids)):
        notes.append(f"{len(dict.fromkeys(ids)) - len(known)} measure(s) in the board's configuration are not in "
                     "the indicator catalogue and are left out.")
    return known, notes


class _Clinic(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    timeliness: list[str]
    default: str
    causes: list[str]


class _Commissioners(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    compared: list[str]
    ranked: list[str]
    demand: list[str]
    placements: list[str]
    setting_mix: str


class _Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    gap_breakdowns: list[str]


class PageMeasures(BaseModel):
    """dashboard/pages.yaml: which measures each page shows."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    clinic: _Clinic
    commissioners: _Commissioners
    indicator: _Indicator


@functools.cache
def page_measures() -> PageMeasures:
    return PageMeasures.model_validate(yaml.safe_load(PAGES_FILE.read_text(encoding="utf-8")))


def _read_kpi_file(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("kpis")
    if not isinstance(data, list):
        raise ValueError(f"{path.name}: expected a list of indicator ids")
    return [str(item) for item in data if isinstance(item, str | int)]


# --- themes and indicators -----------------------------------------------------------------------------------

THEME_SLUGS = {theme.value.replace("_", "-"): theme for theme in Theme}


def theme_slug(theme: Theme | str) -> str:
    return Theme(theme).value.replace("_", "-")


def theme_title(theme: Theme | str) -> str:
    return THEME_TITLES[Theme(theme)]


def resolve_theme(value: object) -> Theme:
    text = filters.one(value)
    if text is not None:
        key = text.lower().replace("_", "-")
        if key in THEME_SLUGS:
            return THEME_SLUGS[key]
    raise Problem("We could not find that theme",
                  "The link asks for a theme this dashboard does not have.",
                  "Choose one of the six themes listed below.")


def themes() -> list[tuple[str, str]]:
    """(slug, title) of every CDC theme, in the logic model's order."""
    return [(theme_slug(t), THEME_TITLES[t]) for t in Theme]


def theme_indicators(engine: Engine, theme: Theme) -> list[str]:
    return [i.id for i in engine.catalogue.by_theme()[theme]]


def resolve_indicator(engine: Engine, value: object) -> str:
    text = filters.one(value)
    if text is not None and text in engine.catalogue:
        return text
    raise Problem("We could not find that indicator",
                  "The link asks for an indicator this dashboard does not have.",
                  "Choose a theme from the list at the top of the page to find the measure you want, or look it "
                  "up in the indicator dictionary.")


def breakdown_label(key: str) -> str:
    return BREAKDOWNS.get(key, "All children") if key != TOTAL else "All children"


def period_label(period: str | None) -> str:
    return format_period(period) if period else "no period"


# --- one indicator page's data ------------------------------------------------------------------------------

def source_of(head: Headline) -> str:
    return head.source


def yearly_rows(ctx: Context, indicator_id: str, head: Headline) -> list[Row]:
    """The all-children rows by year up to the view's period (the headline's own series)."""
    return head.series


def monthly_rows(ctx: Context, indicator_id: str, head: Headline) -> list[Row]:
    """The all-children rows by month, for local figures that run by month (else empty)."""
    indicator = ctx.engine.indicator(indicator_id)
    if source_of(head) != "local" or indicator.local is None or not indicator.local.monthly:
        return []
    try:
        rows = ctx.engine.show(indicator_id, ctx.area.code, ctx.audience, monthly=True, forecast=False).totals
    except EngineError as exc:
        LOG.warning("monthly %s: %s", indicator_id, exc)
        return []
    if ctx.period and head.period:  # a chosen period: the months up to its end
        end = ctx.engine.period_end(indicator, "local", head.period)
        rows = [r for r in rows if ctx.engine.period_end(indicator, "local", r.period) <= end]
    return rows


def last_ended(ctx: Context, indicator_id: str, source: str, rows: list[Row]) -> str | None:
    """The last of the rows' periods that had ended by the warehouse's reference date (the engine says when a
    period ends): later ones are shown as "so far"."""
    indicator = ctx.engine.indicator(indicator_id)
    ended = [r.period for r in rows if ctx.engine.period_end(indicator, source, r.period) <= ctx.engine.reference_date]
    return ended[-1] if ended else None


def offered_breakdowns(ctx: Context, indicator_id: str, head: Headline) -> list[str]:
    """The breakdowns the indicator's figures for this area offer (not the all-children row), catalogue order."""
    indicator = ctx.engine.indicator(indicator_id)
    offered = [b for b in ctx.engine.breakdowns_for(indicator, source_of(head), ctx.audience) if b != TOTAL]
    return [b for b in indicator.breakdowns if b in offered] + [b for b in offered if b not in indicator.breakdowns]


def breakdown_rows(ctx: Context, indicator_id: str, breakdown: str | None,
                   drill: Mapping[str, str] | None = None) -> tuple[Row, ...]:
    """Every period's all-children rows and the breakdown's rows (empty when the engine has none), narrowed to
    the ward, school and need type chosen by drilling down (the engine checks them against its allowlists)."""
    narrowed = {DRILL_BREAKDOWN[k]: v for k, v in (drill or {}).items() if k in DRILL_BREAKDOWN}
    try:
        return ctx.engine.show(indicator_id, ctx.area.code, ctx.audience, breakdown=breakdown, forecast=False,
                               filters=narrowed or None).rows
    except EngineError as exc:
        LOG.info("breakdown %s %s: %s", indicator_id, breakdown, exc)
        return ()


def ward_geojson() -> dict[str, Any] | None:
    """Ward boundaries for the ward map, when a council supplies them: SEND_WARD_GEOJSON names a GeoJSON file
    whose features carry the ward code or name (as `id` or a property). None: the generated hex tile map."""
    path = settings().ward_geojson
    if path is None:
        return None
    try:
        return _read_geojson(str(path.resolve()), path.stat().st_mtime_ns)
    except OSError as exc:
        LOG.warning("ward boundaries unreadable (%s): %s", path, exc)
        return None


@functools.lru_cache(maxsize=2)
def _read_geojson(path: str, _mtime: int) -> dict[str, Any] | None:
    import json

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        LOG.warning("ward boundaries unreadable (%s): %s", path, exc)
        return None
    return data if isinstance(data, dict) and isinstance(data.get("features"), list) else None


def as_series(rows: Sequence[Row], value: str, name: str) -> list[Row]:
    """One breakdown value's rows over time as an all-children style series named `name` (so a trend chart
    can draw a ward's or a school's own line)."""
    return [r.model_copy(update={"breakdown": TOTAL, "breakdown_value": TOTAL, "area_name": name})
            for r in rows if str(r.breakdown_value) == value and not r.is_total]


def ranked_councils(ctx: Context, indicator_id: str, bench: Benchmark | None) -> tuple[RankedCouncil, ...]:
    """Every council's published value for the benchmark's published period (for the ranked view): the engine's
    `ranked`, kept in its cache by warehouse version. Empty when the indicator has no published figures."""
    period = bench.published.period if bench is not None and bench.published is not None else None
    if not period:
        return ()
    return ctx.engine.ranked(indicator_id, str(period), ctx.audience)


def breakdown_values(rows: Sequence[Row]) -> list[str]:
    """The distinct values of a breakdown's rows (the allowlist for a drill-down choice)."""
    return list(dict.fromkeys(str(r.breakdown_value) for r in rows if r.breakdown_value not in (None, "")))


# --- drill-down: ward -> its schools -> need types ---------------------------------------------------------------

DRILL_BREAKDOWN = {"ward": "ward", "school": "school", "need": "primary_need"}
NEXT_BREAKDOWN = {None: "ward", "ward": "school", "school": "primary_need"}


def drill_allowlist(ctx: Context, indicator_id: str, key: str) -> list[str]:
    """The values a drill-down key may take for this indicator and area: the engine's breakdown values (ward
    names, school names, need types). Empty when the indicator has no such breakdown, and for anyone but
    officers: the engine gives one ward's, school's or need type's figures to officers only."""
    breakdown = DRILL_BREAKDOWN.get(key)
    if breakdown is None or ctx.audience is not Audience.OFFICER:
        return []
    try:
        answer = ctx.engine.show(indicator_id, ctx.area.code, ctx.audience, breakdown=breakdown, forecast=False)
    except EngineError:
        return []
    return breakdown_values([r for r in answer.rows if r.breakdown == breakdown])


def clicked_values(click: object) -> list[str]:
    """Every text a plotly click carries for its first point (customdata, location, labels), for matching
    against an allowlist; nothing else from the click is used."""
    if not isinstance(click, dict):
        return []
    points = click.get("points")
    if not isinstance(points, list) or not points or not isinstance(points[0], dict):
        return []
    point = points[0]
    found = []
    custom = point.get("customdata")
    for item in custom if isinstance(custom, list) else [custom]:
        if isinstance(item, str | int):
            found.append(str(item))
    for name in ("location", "y", "x", "label", "text", "hovertext"):
        value = point.get(name)
        if isinstance(value, str | int):
            found.append(str(value))
    return [v for v in found if filters.one(v) is not None]


def drill_search(key: str, click: object, pathname: object, search: object) -> str | None:
    """The query string after clicking a ward, school or need type on an indicator page, or None when the click
    does not name an allowed value (the view then stays as it is)."""
    if key not in DRILL_BREAKDOWN or not isinstance(pathname, str) or not pathname.startswith("/indicator/"):
        return None
    indicator_id = pathname.removeprefix("/indicator/").strip("/")
    params = filters.parse_search(search)
    try:
        engine = get_engine()
        resolve_indicator(engine, indicator_id)
        ctx = context(params, period_is_code=True)
    except Problem:
        return None
    allowed = drill_allowlist(ctx, indicator_id, key)
    chosen = next((v for v in clicked_values(click) if v in allowed), None)
    if chosen is None:
        return None
    params = dict(ctx.params)
    for k in ("ward", "school", "need"):
        if k in filters.parse_search(search):
            params[k] = filters.parse_search(search)[k]
    params[key] = chosen
    if key == "ward":
        params.pop("school", None)
        params.pop("need", None)
    if key == "school":
        params.pop("need", None)
    params["breakdown"] = NEXT_BREAKDOWN.get(key, params.get("breakdown"))
    if key == "need":
        params.pop("breakdown", None)
    return filters.query_string(params)


# --- page pieces every view shares ----------------------------------------------------------------------------

def notes(items: list[str]) -> html.Div | None:
    """Things the reader should know about this view (an ignored period, a KPI left out), or nothing."""
    if not items:
        return None
    return html.Div([html.P(text) for text in dict.fromkeys(items)], className="notice notice--info", role="note")


def problem_page(problem: Problem, heading: str) -> html.Div:
    """A friendly page for a view that cannot be shown: what went wrong, what to do, and the pickers (with the
    default area) when the data can be read at all."""
    picker = None
    try:
        engine = get_engine()
        picker = filters.picker_bar(council_choices(), default_area(engine).code, None)
    except Exception:  # noqa: BLE001, S110 - the pickers only help: whatever stopped the view, the page still says so
        pass
    return html.Div([
        html.H1(heading),
        html.Div([html.H2(problem.title), html.P(problem.message), html.P(problem.hint) if problem.hint else None,
                  html.Ul([html.Li(html.A(name, href=filters.query_string({"area": code})))
                           for code, name in problem.choices]) if problem.choices else None],
                 className="notice notice--error", role="alert"),
        picker,
        html.P([html.A("Go to the start page", href="/"), " to choose a view."]),
    ])


def guarded(heading: str) -> Callable:
    """Wrap a page's layout so that nothing but a friendly page ever reaches a reader: a Problem becomes its
    explanation, anything unexpected a plain apology (and a log entry with the details for the team)."""
    def wrap(build: Callable[..., html.Div]) -> Callable[..., html.Div]:
        @functools.wraps(build)
        def layout(**query):
            try:
                return build(**query)
            except Problem as problem:
                return problem_page(problem, heading)
            except Exception:  # noqa: BLE001 - a reader never sees a traceback
                LOG.exception("page %s failed for query parameters %s", heading, sorted(query))  # names only
                return problem_page(Problem("Something went wrong",
                                            "This view could not be drawn. The team that runs the dashboard has "
                                            "been told.", "Try another area or period, or go back."), heading)
        return layout
    return wrap
