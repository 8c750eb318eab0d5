"""The catalogue's shape: one pydantic model per indicator, with the allowlists every entry is checked against.

An indicator has up to three sources, each optional but at least one required:

* `local`: a family query in `indicators/sql/local/<query>.sql` over the child-level tables, with the family's
  measure passed as the bound parameter `$measure`;
* `national`: published DfE figures in `national_fact` (every LA, region and England), one or more releases;
* `aggregate`: a partner's measure in `aggregate_measure`, by its `measure_code`.

Names that end up in SQL (breakdowns, tables, datasets, measures) are only ever bound as values or matched
against these allowlists; nothing from a caller is formatted into a query.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from indicators.vocabulary import Benchmark, Polarity, Unit

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{2,48}$")


class Theme(StrEnum):
    """The CDC logic model themes, one catalogue file each."""

    GOVERNANCE = "governance"
    LOCAL_PROFILE = "local_profile"
    LEARNING_EMPLOYMENT = "learning_employment"
    FRIENDS_COMMUNITY = "friends_community"
    GOOD_HEALTH = "good_health"
    INDEPENDENT_LIVING = "independent_living"


THEME_TITLES = {
    Theme.GOVERNANCE: "Governance and assurance",
    Theme.LOCAL_PROFILE: "Local profile",
    Theme.LEARNING_EMPLOYMENT: "Learning and employment",
    Theme.FRIENDS_COMMUNITY: "Friends, relationships and community",
    Theme.GOOD_HEALTH: "Good health",
    Theme.INDEPENDENT_LIVING: "Independent living",
}


class Frequency(StrEnum):
    MONTHLY = "monthly"
    TERMLY = "termly"
    ANNUAL = "annual"


class YearType(StrEnum):
    CALENDAR = "calendar"
    ACADEMIC = "academic"
    FINANCIAL = "financial"


# Breakdowns an indicator may offer, with the words a reader sees. `Total` is the all-children row.
BREAKDOWNS: dict[str, str] = {
    "ward": "Ward of residence",
    "sub_icb": "NHS sub-ICB location",
    "school": "School or setting attended",
    "primary_need": "Primary need",
    "setting": "Type of setting",
    "phase": "Phase of education",
    "age_band": "Age band",
    "sex": "Sex",
    "ethnicity": "Ethnic group",
    "team": "SEND team",
    "caseworker": "Caseworker",
    "request_source": "Who made the request",
    "cease_reason": "Reason the plan ceased",
    "budget_type": "Type of personal budget",
    "advice_type": "Type of advice",
    "appeal_type": "Type of appeal",
    "review_outcome": "Review outcome",
    "social_care": "Social care status",
    "sen_status": "SEN status",
    "role": "Designated officer role",
    "condition": "Condition",
    "provider_type": "Type of provider",
    "partner": "Partner",
    "timeliness_band": "Time taken",
}
# Breakdowns of local figures (indicators/sql/local/_frame.sql builds each; it stops at any other name): those of
# the child and the case, which the frame joins once for every family, and each family's own, a column of the
# same name that only the family giving it emits (a cease reason, a request's source, ...).
FAMILY_BREAKDOWNS = frozenset({"request_source", "cease_reason", "budget_type", "advice_type", "appeal_type",
                               "review_outcome", "social_care", "timeliness_band"})
LOCAL_BREAKDOWNS = frozenset({"ward", "sub_icb", "school", "primary_need", "setting", "phase", "age_band", "sex", "ethnicity",
                              "team", "caseworker"}) | FAMILY_BREAKDOWNS
# Breakdowns that name members of staff: for officers only (partners and the public see teams).
OFFICER_ONLY_BREAKDOWNS = frozenset({"caseworker"})

# Tables the catalogue may name as sources: the local data model plus the published national tables.
NATIONAL_TABLES = {"national_fact", "stat_neighbour", "area_inspection", "lait_measure", "dim_la", "dim_ward",
                   "dim_region", "dim_need_type"}
LOCAL_TABLES = {"person", "request", "assessment", "named_plan", "plan_detail", "active_plan", "placement",
                "sen_need", "review", "health_advice", "casework", "caseworker", "residence", "dim_school",
                "sen_support", "dispute", "aggregate_measure"}
KNOWN_TABLES = NATIONAL_TABLES | LOCAL_TABLES

# How a national source turns its published measures into a value.
Combine = Literal["published", "ratio", "difference", "count", "yes_no"]
# How a local family's records become a value (see indicators/sql/local/_frame.sql).
LocalValue = Literal["count", "percent", "share", "mean", "rate"]
# How local event dates become periods.
Granularity = Literal["calendar_year", "academic_year", "financial_year", "census"]


def _only(names: list[str], allowed, problem: str) -> list[str]:
    """`names` when every one is in `allowed`; else an error listing the others and the allowed names."""
    unknown = [n for n in names if n not in allowed]
    if unknown:
        raise ValueError(f"breakdown(s) {unknown} {problem}: {sorted(allowed)}")
    return names


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Definition(Strict):
    numerator: str
    denominator: str | None = None
    unit: Unit
    # A measure of the service's own timeliness or throughput (decided in 6 weeks, issued in 20 weeks, ...):
    # its numerator describes the service, not a child, so disclosure control looks only at its denominator.
    timeliness: bool = False

    @model_validator(mode="after")
    def _timeliness(self) -> Definition:
        if self.timeliness and self.unit != Unit.PERCENT:
            raise ValueError("only a percentage can be a timeliness measure")
        return self


class MeasureMap(Strict):
    """One output row of a national source: which published measures give its numerator, denominator, value.

    A numerator may name several published measures, added together over the one denominator (plans in
    independent *or* non-maintained special schools: `[special_independent, special_non_maintained]`)."""

    label: str = "Total"
    numerator: str | list[str] | None = None
    denominator: str | None = None
    value: str | None = None

    @field_validator("numerator")
    @classmethod
    def _parts(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, list) and (len(value) < 2 or len(set(value)) != len(value) or not all(value)):
            raise ValueError(f"a numerator listing measures needs two or more different ones, got {value}")
        return value

    @property
    def numerator_parts(self) -> list[str]:
        """The published measures whose sum is the numerator (none, one or several)."""
        if self.numerator is None:
            return []
        return [self.numerator] if isinstance(self.numerator, str) else list(self.numerator)


class NationalSource(Strict):
    dataset: str
    query: str = "national"  # file in indicators/sql/ taking national.sql's parameters
    topic: str = "Total"  # the published breakdown_topic of the all-children figures
    # When that topic also holds a breakdown (an age table with its Total row), the all-children row's label.
    total_row: str | None = None
    periods: list[str] | None = None  # only these published periods (None: all)
    combine: Combine = "published"
    scale: float = 1.0  # ratio: value = scale * numerator / denominator
    measures: list[MeasureMap]
    # Our breakdown -> published breakdown_topic (the published breakdown labels become breakdown values).
    breakdowns: dict[str, str] = Field(default_factory=dict)
    # Our breakdown whose values are the measures themselves (e.g. primary need from number_asd, number_hi...).
    measure_breakdown: str | None = None
    measure_breakdown_measures: list[MeasureMap] = Field(default_factory=list)
    # How the release writes a census period: as DfE's academic-year code (`201819`) or as the calendar year of
    # the January census (`2019`, older releases), which the engine rewrites to the academic-year code.
    period_format: Literal["as_published", "census_year"] = "as_published"
    # Where this (older) release's figures join the newer one's, what differs: shown as a series break.
    series_break: str | None = None

    @model_validator(mode="after")
    def _check(self) -> NationalSource:
        if not self.measures:
            raise ValueError("a national source needs its all-children measures (measures: [ ... ])")
        labels = [m.label for m in [*self.measures, *self.measure_breakdown_measures]]
        if self.combine not in ("count", "yes_no") and len(labels) != len(set(labels)):
            raise ValueError(f"{self.dataset}: only counts and Yes/No answers may add several measures into one row")
        if self.measure_breakdown and not self.measure_breakdown_measures:
            raise ValueError("measure_breakdown needs measure_breakdown_measures")
        for m in [*self.measures, *self.measure_breakdown_measures]:
            if self.combine == "published" and not m.value:
                raise ValueError(f"{self.dataset}: combine 'published' needs a value measure")
            if self.combine in ("ratio", "difference") and not (m.numerator and m.denominator):
                raise ValueError(f"{self.dataset}: combine '{self.combine}' needs numerator and denominator")
            if self.combine == "count" and not m.numerator:
                raise ValueError(f"{self.dataset}: combine 'count' needs a numerator measure")
            if isinstance(m.numerator, list) and self.combine not in ("ratio", "count"):
                raise ValueError(f"{self.dataset}: only a ratio or a count may add several numerator measures")
        return self


class LocalSource(Strict):
    query: str  # family file in indicators/sql/local/
    measure: str
    value: LocalValue
    granularity: Granularity
    monthly: bool = False  # also by month (census families: month-end snapshots)
    tables: list[str]
    breakdowns: list[str] = Field(default_factory=list)
    scale: float = 1.0

    @field_validator("breakdowns")
    @classmethod
    def _local_breakdowns(cls, value: list[str]) -> list[str]:
        return _only(value, LOCAL_BREAKDOWNS, "cannot break down local figures")


class AggregateSource(Strict):
    measure_code: str
    breakdowns: list[str] = Field(default_factory=list)


class Indicator(Strict):
    id: str
    title: str
    short_title: str
    theme: Theme
    outcome: str  # the logic-model outcome statement this indicator evidences
    definition: Definition
    polarity: Polarity
    decimal_places: int = Field(ge=0, le=3)
    source: str  # the publication or system the figures come from
    publication: str | None = None  # URL of the published statistics, where there is one
    frequency: Frequency
    year_type: YearType
    breakdowns: list[str] = Field(default_factory=list)
    comparators: list[Benchmark] = Field(default_factory=list)
    last_update: date | None = None
    next_update: date | None = None
    methodology: str = ""
    # Within this of a comparator (in the indicator's unit) the figure reads as similar; default by unit from
    # indicators/similar_within.yaml, filled in when the catalogue loads.
    similar_within: float | None = Field(default=None, ge=0)
    forecast: bool = False
    local: LocalSource | None = None
    national: list[NationalSource] = Field(default_factory=list)
    aggregate: AggregateSource | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not ID_PATTERN.match(value):
            raise ValueError(f"id '{value}' must be lower-case letters, digits and underscores (3-49 characters)")
        return value

    @field_validator("breakdowns")
    @classmethod
    def _breakdowns(cls, value: list[str]) -> list[str]:
        return _only(value, BREAKDOWNS, "are not in the allowlist")

    @model_validator(mode="after")
    def _sources(self) -> Indicator:
        if not (self.local or self.national or self.aggregate):
            raise ValueError(f"{self.id}: give at least one of local, national, aggregate")
        offered = set(self.breakdowns)
        for name, listed in self.source_breakdowns().items():
            extra = set(listed) - offered
            if extra:
                raise ValueError(f"{self.id}: {name} source offers breakdown(s) {sorted(extra)} not listed in "
                                 f"the indicator's breakdowns")
        if self.local:
            unknown = set(self.local.tables) - KNOWN_TABLES
            if unknown:
                raise ValueError(f"{self.id}: unknown source table(s) {sorted(unknown)}")
        if self.definition.unit == Unit.PERCENT and self.definition.denominator is None:
            raise ValueError(f"{self.id}: a percentage needs a denominator")
        if self.forecast and self.definition.unit != Unit.COUNT:
            raise ValueError(f"{self.id}: forecasts are for counts only")
        if Benchmark.STATISTICAL_NEIGHBOURS in self.comparators and not self.national:
            raise ValueError(f"{self.id}: benchmarking against neighbours needs a national source")
        return self

    def source_breakdowns(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        if self.local:
            out["local"] = list(self.local.breakdowns)
        if self.national:
            names: set[str] = set()
            for n in self.national:
                names |= set(n.breakdowns)
                if n.measure_breakdown:
                    names.add(n.measure_breakdown)
            out["national"] = sorted(names)
        if self.aggregate:
            out["aggregate"] = list(self.aggregate.breakdowns)
        return out

    @property
    def tables(self) -> list[str]:
        tables = list(self.local.tables) if self.local else []
        if self.national:
            tables.append("national_fact")
        if self.aggregate:
            tables.append("aggregate_measure")
        return tables


class ThemeFile(Strict):
    theme: Theme
    indicators: list[Indicator]

    @model_validator(mode="after")
    def _same_theme(self) -> ThemeFile:
        wrong = [i.id for i in self.indicators if i.theme != self.theme]
        if wrong:
            raise ValueError(f"indicator(s) {wrong} name a theme other than the file's ({self.theme})")
        return self
