"""The vocabulary for declaring a source: a field, its type and rules, and the file kind it belongs to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

# A field that fails its rule either rejects the whole row (the row goes to quarantine) or, for identifiers
# the dashboard never counts on (UPN, postcode), has its value cleared while the row loads; both are logged.
REJECT = "reject"
CLEAR = "clear"


@dataclass(frozen=True)
class Field:
    name: str  # warehouse column
    kind: str  # id | text | code | flag | int | float | date
    aliases: tuple[str, ...] = ()  # normalised source column names, first is the canonical SEN2 / template name
    required: bool = False  # the value may not be blank (and so the column must exist)
    column_required: bool = False  # the column must exist even though some values may be blank
    codes: tuple[str, ...] = ()  # allowed values after upper-casing (code fields)
    recode: dict[str, str] = field(default_factory=dict)  # source value -> code (e.g. GenderCurrent 1 -> M)
    pattern: str | None = None  # regular expression a text value must match
    minimum: float | None = None
    maximum: float | None = None
    case: str | None = None  # "upper" or "lower": how text is normalised before its pattern is checked
    on_error: str = REJECT
    help: str = ""  # what the field means, for the data dictionary and messages

    @property
    def source_names(self) -> tuple[str, ...]:
        return self.aliases or (self.name,)


@dataclass(frozen=True)
class RowRule:
    """A rule across fields of one row. `bad(frame)` returns a boolean mask of rows that break it."""

    code: str
    field: str
    reason: str
    bad: Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class FileKind:
    name: str  # e.g. sen2_requests
    table: str  # warehouse table
    stems: tuple[str, ...]  # normalised file-name stems that mean this kind
    fields: tuple[Field, ...]
    key: tuple[str, ...] = ()  # unique key; later duplicates are quarantined
    parents: tuple[tuple[str, str, str], ...] = ()  # (column, parent table, parent column) must resolve
    rules: tuple[RowRule, ...] = ()
    description: str = ""

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def required_sources(self) -> list[Field]:
        return [f for f in self.fields if f.required]
