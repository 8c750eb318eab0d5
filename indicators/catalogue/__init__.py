"""The indicator catalogue: one YAML file per CDC theme in this folder, loaded into pydantic models and checked
when the app or the command line starts.

Checks beyond each entry's own validation: ids unique across files; every local query file exists,
handles the measure the entry passes it (a `$measure` branch names it: quoted text elsewhere or comments do
not count) and gives every breakdown the entry offers; national and aggregate sources are well formed; every
theme has a file.
A broken catalogue stops start-up with a message naming the file and the entry.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from indicators.catalogue.model import (
    BREAKDOWNS,
    FAMILY_BREAKDOWNS,
    LOCAL_BREAKDOWNS,
    OFFICER_ONLY_BREAKDOWNS,
    THEME_TITLES,
    AggregateSource,
    Indicator,
    LocalSource,
    NationalSource,
    Theme,
    ThemeFile,
)
from indicators.vocabulary import Unit

CATALOGUE_DIR = Path(__file__).resolve().parent
SQL_DIR = CATALOGUE_DIR.parent / "sql"
LOCAL_SQL_DIR = SQL_DIR / "local"
SIMILAR_FILE = CATALOGUE_DIR.parent / "similar_within.yaml"  # default `similar_within` for each unit

__all__ = ["BREAKDOWNS", "FAMILY_BREAKDOWNS", "LOCAL_BREAKDOWNS", "OFFICER_ONLY_BREAKDOWNS", "THEME_TITLES", "AggregateSource", "Catalogue", "CatalogueError", "Indicator",
           "LocalSource", "NationalSource", "Theme", "load_catalogue", "local_query_path"]


class CatalogueError(ValueError):
    """The catalogue files are inconsistent; the message names the file and the entry."""


@dataclass(frozen=True)
class Catalogue:
    indicators: dict[str, Indicator]
    digest: str  # changes whenever any catalogue file changes (part of every cache key)
    files: dict[Theme, Path] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators.values())

    def __len__(self) -> int:
        return len(self.indicators)

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self.indicators

    def get(self, indicator_id: str) -> Indicator:
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise KeyError(f"unknown indicator '{indicator_id}'; valid ids: {', '.join(sorted(self.indicators))}") from None

    def by_theme(self) -> dict[Theme, list[Indicator]]:
        out: dict[Theme, list[Indicator]] = {theme: [] for theme in Theme}
        for indicator in self:
            out[indicator.theme].append(indicator)
        return out


def local_query_path(source: LocalSource) -> Path:
    return LOCAL_SQL_DIR / f"{source.query}.sql"


_COMMENT = re.compile(r"--[^\n]*")
_TOKEN = re.compile(r"'[^']*'|\$?\w+|<>|!=|[=(),]", re.IGNORECASE)


def _sql_tokens(text: str) -> list[str]:
    """The tokens of a query with its comments taken out: quoted text, words, parameters and the few symbols
    a comparison needs."""
    return _TOKEN.findall(_COMMENT.sub(" ", text))


def handled_values(text: str, parameter: str, *, column: bool = False) -> set[str]:
    """The values a query compares `parameter` with: `$p = 'x'` (either side), `$p IN ('x', 'y')` and the
    `WHEN 'x'` branches of `CASE $p` (nested CASEs aside). Quoted text anywhere else, and comments, do not count.
    column: `parameter` names a column of the query (`CASE p WHEN ...`), not a bound parameter."""
    tokens, name, found = _sql_tokens(text), parameter if column else f"${parameter}", set()
    literal = re.compile(r"^'([^']*)'$")
    for i, token in enumerate(tokens):
        if token != name:
            continue
        after = tokens[i + 1:i + 3]
        if len(after) == 2 and after[0] == "=" and literal.match(after[1]):
            found.add(after[1][1:-1])
        if i >= 2 and tokens[i - 1] == "=" and literal.match(tokens[i - 2]):
            found.add(tokens[i - 2][1:-1])
        if after and after[0].upper() == "IN":
            for value in tokens[i + 3:]:
                if value == ")":
                    break
                if literal.match(value):
                    found.add(value[1:-1])
        if i >= 1 and tokens[i - 1].upper() == "CASE":
            depth = 0
            for j in range(i + 1, len(tokens)):
                word = tokens[j].upper()
                if word == "CASE":
                    depth += 1
                elif word == "END":
                    if depth == 0:
                        break
                    depth -= 1
                elif depth == 0 and word == "WHEN" and j + 1 < len(tokens) and literal.match(tokens[j + 1]):
                    found.add(tokens[j + 1][1:-1])
    return found


def frame_breakdowns() -> set[str]:
    """The breakdowns `_frame.sql` builds (the WHEN branches of its CASE over the breakdowns asked for)."""
    return handled_values((LOCAL_SQL_DIR / "_frame.sql").read_text(encoding="utf-8"), "asked", column=True)


def _emits(text: str, column: str) -> bool:
    """Whether a family's query names an output column `column` (`... AS column`)."""
    tokens = _sql_tokens(text)
    return any(a.upper() == "AS" and b == column for a, b in zip(tokens, tokens[1:], strict=False))


def _check_local(indicator: Indicator, where: str) -> None:
    source = indicator.local
    path = local_query_path(source)
    if not path.is_file():
        raise CatalogueError(f"{where}: {indicator.id}: query file {path.relative_to(CATALOGUE_DIR.parent)} "
                             "does not exist")
    text = path.read_text()
    if source.measure not in handled_values(text, "measure"):
        raise CatalogueError(f"{where}: {indicator.id}: {path.name} does not handle measure '{source.measure}' "
                             "(no $measure = '…' or WHEN '…' branch of CASE $measure names it)")
    built = frame_breakdowns()
    for breakdown in source.breakdowns:
        if breakdown not in built:
            raise CatalogueError(f"{where}: {indicator.id}: _frame.sql does not build breakdown '{breakdown}'")
        if breakdown in FAMILY_BREAKDOWNS and not _emits(text, breakdown):
            raise CatalogueError(f"{where}: {indicator.id}: {path.name} gives no column '{breakdown}', so its "
                                 f"figures cannot be broken down by {BREAKDOWNS[breakdown].lower()}")


def load_catalogue(folder: Path | str = CATALOGUE_DIR) -> Catalogue:
    folder = Path(folder)
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise CatalogueError(f"no catalogue files (*.yaml) in {folder}")
    digest = hashlib.sha256()
    indicators: dict[str, Indicator] = {}
    seen_in: dict[str, str] = {}
    themes: dict[Theme, Path] = {}
    for path in files:
        raw_text = path.read_text(encoding="utf-8")
        digest.update(path.name.encode() + b"\0" + raw_text.encode())
        try:
            raw = yaml.safe_load(raw_text) or {}
        except yaml.YAMLError as exc:
            raise CatalogueError(f"{path.name}: not valid YAML: {exc}") from exc
        theme = raw.get("theme")
        entries = raw.get("indicators") or []
        for entry in entries:
            if isinstance(entry, dict):
                entry.setdefault("theme", theme)
        try:
            parsed = ThemeFile.model_validate({"theme": theme, "indicators": entries})
        except ValidationError as exc:
            raise CatalogueError(f"{path.name}: {_explain(exc, entries)}") from exc
        if parsed.theme in themes:
            raise CatalogueError(f"{path.name}: theme '{parsed.theme}' is also in {themes[parsed.theme].name}")
        themes[parsed.theme] = path
        for indicator in parsed.indicators:
            if indicator.id in indicators:
                raise CatalogueError(f"{path.name}: id '{indicator.id}' is also used in {seen_in[indicator.id]}")
            if indicator.local:
                _check_local(indicator, path.name)
            for source in indicator.national:
                if not (SQL_DIR / f"{source.query}.sql").is_file():
                    raise CatalogueError(f"{path.name}: {indicator.id}: query file indicators/sql/{source.query}.sql "
                                         "does not exist")
            indicators[indicator.id] = indicator
            seen_in[indicator.id] = path.name
    missing = [t.value for t in Theme if t not in themes]
    if missing:
        raise CatalogueError(f"no catalogue file for theme(s) {missing} in {folder}")
    for sql in ("national.sql", "aggregate_measure.sql"):
        if not (SQL_DIR / sql).is_file():
            raise CatalogueError(f"query file indicators/sql/{sql} does not exist")
    defaults_text = SIMILAR_FILE.read_text(encoding="utf-8")
    digest.update(SIMILAR_FILE.name.encode() + b"\0" + defaults_text.encode())
    defaults = _similar_defaults(defaults_text)
    indicators = {key: i if i.similar_within is not None else
                  i.model_copy(update={"similar_within": defaults[i.definition.unit]}) for key, i in indicators.items()}
    order = {theme: position for position, theme in enumerate(Theme)}
    ordered = dict(sorted(indicators.items(), key=lambda item: order[item[1].theme]))  # stable within a theme
    return Catalogue(ordered, digest.hexdigest()[:16], themes)


def similar_defaults() -> dict[Unit, float]:
    """The shipped per-unit defaults of `similar_within` (for keys that explain the ratings)."""
    return _similar_defaults(SIMILAR_FILE.read_text(encoding="utf-8"))


def _similar_defaults(text: str) -> dict[Unit, float]:
    """The per-unit defaults of `similar_within`: every unit needs one, each 0 or more."""
    try:
        raw = yaml.safe_load(text) or {}
        defaults = {Unit(key): float(value) for key, value in raw.items()}
    except (yaml.YAMLError, ValueError, TypeError, AttributeError) as exc:
        raise CatalogueError(f"{SIMILAR_FILE.name}: {exc}") from exc
    missing = [u.value for u in Unit if u not in defaults]
    negative = [u.value for u, v in defaults.items() if v < 0]
    if missing or negative:
        raise CatalogueError(f"{SIMILAR_FILE.name}: every unit needs a default of 0 or more (missing {missing}, "
                             f"negative {negative})")
    return defaults


def _explain(exc: ValidationError, entries: list) -> str:
    parts = []
    for error in exc.errors()[:5]:
        loc = list(error["loc"])
        name = ""
        if len(loc) >= 2 and loc[0] == "indicators" and isinstance(loc[1], int) and loc[1] < len(entries):
            entry = entries[loc[1]]
            name = f"{entry.get('id', f'entry {loc[1] + 1}')}: " if isinstance(entry, dict) else ""
            loc = loc[2:]
        parts.append(f"{name}{'.'.join(map(str, loc)) or 'entry'}: {error['msg']}")
    return "; ".join(parts)


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The shipped catalogue, loaded once per process."""
    return load_catalogue()
