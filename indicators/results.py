"""The engine's answers as frozen, typed models: what `Engine.show()` and `Engine.benchmark()` return.

Pages, figures, the narrative, downloads and the board pack read attributes (`bench.published.sn_mean`), so a
misspelt field is an error where it is written, not a silent None on a page. Every model is a frozen pydantic
model: it pickles into the engine's cache (file system or Redis) and back unchanged.

The JSON form is made at one boundary, `as_json()`: the command line and any API print exactly the plain data
the engine gave before these models existed. A block leaves out the fields the engine did not set (a
benchmark for a provisional period has no ratings; a count unranked for want of a population has a
`rank_note` and no rank), so `as_json()` dumps the fields that were set and nothing else.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from indicators.catalogue import BREAKDOWNS, Indicator
from indicators.targets import Target as TargetSetting
from indicators.vocabulary import TOTAL

SOURCES = ("local", "aggregate", "national")
Number = int | float  # a row keeps a whole number as an integer (as the JSON has always shown it)


class Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def as_json(self) -> dict[str, Any]:
        """Plain data for JSON: the fields the engine set, in the engine's order."""
        return self.model_dump(mode="json", exclude_unset=True)


def sources_of(indicator: Indicator) -> list[str]:
    """The sources the catalogue gives the indicator, in the engine's order of preference."""
    return [s for s in SOURCES if getattr(indicator, s)]


def indicator_metadata(indicator: Indicator) -> dict[str, Any]:
    """The catalogue entry as plain data (for JSON, the data book's metadata sheet and the dictionary page)."""
    meta = indicator.model_dump(mode="json", exclude={"local", "national", "aggregate"})
    meta["unit"] = indicator.definition.unit.value
    meta["breakdown_labels"] = {b: BREAKDOWNS[b] for b in indicator.breakdowns}
    meta["sources"] = sources_of(indicator)
    meta["tables"] = indicator.tables
    return meta


# --- rows ------------------------------------------------------------------------------------------------

class Row(Answer):
    """One protected figure: a period, an area and one breakdown value. A symbol (`c`, `x`, `z`, ...) in
    `status` means `value` (and a hidden numerator) is None."""

    period: str
    area_code: str | None = None
    area_name: str | None = None
    breakdown: str = TOTAL
    breakdown_value: str | None = TOTAL
    numerator: Number | None = None
    denominator: Number | None = None
    value: Number | None = None
    status: str | None = "value"
    source: str | None = None  # published, local or partner
    provisional: bool = False  # statutory clocks still running at the reference date

    @property
    def is_total(self) -> bool:
        return self.breakdown == TOTAL


class AreaInfo(Answer):
    code: str
    name: str
    level: str


class SeriesBreak(Answer):
    """Where a published series moves to a release whose definition differs: the newer release's first period."""

    period: str
    note: str


class RankedCouncil(Answer):
    """One council's published figure for a period (`Engine.ranked`)."""

    area_code: str
    area_name: str
    value: float
    status: str = "value"


# --- the benchmark block -------------------------------------------------------------------------------------

class Target(TargetSetting):
    """The area's target for the indicator and how the figure stands against it (`rag`: None when not rated)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    rag: str | None = None


class Neighbour(Answer):
    rank: int
    area_code: str
    area_name: str | None = None
    value: float | None = None


class Published(Answer):
    """The published comparators for one period: the area, its region, England, its statistical neighbours,
    and its rank and quartile band among every council (`indicators.benchmarks`)."""

    period: str | None = None
    la_value: float | None = None
    region_code: str | None = None
    region_name: str | None = None
    region_value: float | None = None
    england_value: float | None = None
    neighbours: tuple[Neighbour, ...] = ()
    sn_mean: float | None = None
    sn_median: float | None = None
    sn_count: int | None = None
    sn_expected: int | None = None
    rank_note: str | None = None  # why the area is not ranked
    rank_basis: str | None = None  # what it is ranked on when not the figure itself ("per 10,000 aged 0-25")
    rank: int | None = None
    rank_out_of: int | None = None
    rank_order: str | None = None
    quartile_band: str | None = None
    quartile_cut_points: tuple[float, float, float] | None = None


class ForecastRow(Answer):
    period: str
    forecast: float | None = None
    lower: float | None = None
    upper: float | None = None


class Horizon(Answer):
    """How forecasts this many periods ahead fared in the committed backtest (`indicators.forecast`)."""

    councils: int
    coverage: float | None = None
    covered: int
    drift_mdape: float | None = None
    forecasts: int
    mdape: float | None = None
    years: tuple[str, ...] = ()


class Forecast(Answer):
    method: str | None = None
    level: float | None = None
    reason: str | None = None  # why there is no forecast
    note: str | None = None
    based_on: tuple[str, ...] = ()
    backtest: dict[str, Horizon] | None = None  # by horizon ("1", "2", "3")
    rows: tuple[ForecastRow, ...] = ()

    def horizon(self, ahead: int) -> Horizon | None:
        """The backtest's record for forecasts `ahead` periods ahead, or None when not backtested."""
        return (self.backtest or {}).get(str(ahead))


class Benchmark(Answer):
    """Where the area stands for one period (`Engine.benchmark`): its figure, direction of travel, target, the
    published comparators and ratings against them, and a forecast for counts."""

    source: str
    area_code: str
    area_name: str
    period: str | None = None
    value: float | None = None
    status: str | None = None
    value_source: str | None = None  # published, local or partner
    provisional: bool = False
    previous_period: str | None = None
    previous_value: float | None = None
    direction_of_travel: str | None = None
    target: Target | None = None
    published: Published | None = None
    similar_within: float | None = None
    rag_against_neighbours: str | None = None
    rag_against_england: str | None = None
    forecast: Forecast | None = None


def published_of(bench: Benchmark | None) -> Published:
    """The benchmark's published comparators; empty (every field None) when it has none."""
    return bench.published if bench is not None and bench.published is not None else Published()


# --- the one-object answer -----------------------------------------------------------------------------------

class Shown(Answer):
    """One indicator for one area (`Engine.show`): the catalogue entry, the source used, the protected rows,
    the benchmark block (None when the period asked for has none) and any breaks in the published series."""

    indicator: Indicator
    source_used: str
    area: AreaInfo
    audience: str
    rows: tuple[Row, ...]
    benchmark: Benchmark | None = None
    series_breaks: tuple[SeriesBreak, ...] = ()

    @property
    def totals(self) -> list[Row]:
        """The all-children rows, in the engine's (time) order."""
        return [r for r in self.rows if r.is_total]

    def as_json(self) -> dict[str, Any]:
        return {"indicator": {**indicator_metadata(self.indicator), "source_used": self.source_used},
                "area": self.area.as_json(), "audience": self.audience, "rows": [r.as_json() for r in self.rows],
                "benchmark": self.benchmark.as_json() if self.benchmark is not None else {},
                "series_breaks": [b.as_json() for b in self.series_breaks]}
