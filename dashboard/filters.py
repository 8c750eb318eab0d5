"""Area and period pickers, and the URL state every view lives in.

A view's filters are its query string (`?area=E06000023&period=2024&breakdown=ward&ward=...`), so a shared link
rebuilds the same view. Everything read from a URL or a callback input passes through the `clean_*` functions
here: a value is either on an allowlist (from the engine) or dropped, never passed on as typed.

The pickers do not navigate by themselves (a change of context on input would surprise keyboard and screen
reader users): the reader chooses, then presses "Show", which loads the page's URL with the new query, and Dash
builds the page from `layout(**query)`. Drill-down clicks on charts write the query through the shell's
`dcc.Location` instead (see `dashboard.views.drill_search`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from urllib.parse import parse_qs, urlencode

from dash import dcc, html

from dashboard.access import audience_for, granted_audience
from dashboard.format import format_period
from indicators.vocabulary import Audience

# --- component ids: the one place they are named ---------------------------------------------------------
URL = "url"  # the shell's dcc.Location (refresh="callback-nav")
AREA = "filter-area"
PERIOD = "filter-period"
AREA_LIST = "filter-area-list"
APPLY = "filter-apply"
FORM = "filter-form"

# Query keys a view may carry, in the order they are written back into a URL.
KEYS = ("area", "period", "indicator", "breakdown", "ward", "school", "need", "audience")
# Keys that belong to one area: a new area starts its drill-down from the top again.
DRILL_KEYS = ("ward", "school", "need")
MAX_TEXT = 120  # longer values are not codes, names or periods: refused before any lookup
LATEST = ""  # the period picker's "latest figures" choice
FIRST_YEAR = 2014  # the first year of the published SEN2 series


def one(value: object) -> str | None:
    """A single query value as text, or None for anything else (a repeated key, a number, a dict, too long)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_TEXT:
        return None
    return text


def clean_choice(value: object, allowed: Iterable[str]) -> str | None:
    """The value if it is exactly one of `allowed`, else None."""
    text = one(value)
    if text is None:
        return None
    allowed = list(allowed)
    return text if text in allowed else None


def clean_year(value: object, last_year: int) -> str | None:
    """A calendar year from FIRST_YEAR to `last_year`, as text, else None."""
    text = one(value)
    if text is None or not re.fullmatch(r"\d{4}", text):
        return None
    return text if FIRST_YEAR <= int(text) <= last_year else None


def clean_audience(value: object, area: str | None = None) -> Audience:
    """The audience to compute with for `area`: never less protected than the server grants (dashboard.access)."""
    text = one(value)
    return audience_for(text if text in {a.value for a in Audience} else None, area)


def audience_param(audience: Audience, area: str | None = None) -> str | None:
    """What to keep in the URL: only a stricter view than the one granted for `area` is worth writing down."""
    return audience.value if audience != granted_audience(area) else None


def parse_search(search: object) -> dict[str, str]:
    """A query string as {key: value} for the keys views know; repeated or unknown keys are dropped."""
    if not isinstance(search, str) or len(search) > 2000:
        return {}
    parsed = parse_qs(search.lstrip("?"), keep_blank_values=False)
    out = {}
    for key in KEYS:
        values = parsed.get(key)
        if values and len(values) == 1 and one(values[0]) is not None:
            out[key] = values[0].strip()
    return out


def query_string(params: Mapping[str, object]) -> str:
    """`?area=..&period=..` from the known keys that have a value, in a fixed order (so URLs compare)."""
    pairs = [(k, str(params[k])) for k in KEYS if params.get(k) not in (None, "")]
    return f"?{urlencode(pairs)}" if pairs else ""


def href(path: str, params: Mapping[str, object] | None = None, **changes: object) -> str:
    """A link to `path` carrying `params` with `changes` applied (a change to None removes the key)."""
    merged = dict(params or {})
    merged.update(changes)
    return f"{path}{query_string(merged)}"


def year_choices(last_year: int) -> list[str]:
    return [str(y) for y in range(last_year, FIRST_YEAR - 1, -1)]


# --- the picker bar ----------------------------------------------------------------------------------------

def picker_bar(areas: list[tuple[str, str]], area_code: str, period: str | None,
               periods: list[str] | None = None, *, last_year: int | None = None,
               keep: Mapping[str, object] | None = None, period_label: str = "Figures to the end of") -> html.Form:
    """The area and period pickers as a plain GET form: choosing and pressing "Show" loads the same page with
    `?area=..&period=..` (plus the `keep` parameters, e.g. the breakdown), so the URL always holds the view.

    Native controls, because they work with every keyboard and screen reader: the area is a text box with a
    list of every council (type part of a name or a code: the browser filters the list), the period a select.
    `areas` is [(code, name)]; `periods` the period codes to offer (default: calendar years, newest first).
    """
    names = dict(areas)
    period_options = [("", "Latest figures")]
    if periods is None:
        period_options += [(y, f"{period_label} {y}") for y in year_choices(last_year or date.today().year)]
    else:
        period_options += [(p, format_period(p)) for p in periods]
    if period and period not in {v for v, _ in period_options}:
        period_options.append((period, format_period(period)))
    hidden = [dcc.Input(type="hidden", name=key, value=str(value), id=f"filter-keep-{key}")
              for key, value in (keep or {}).items() if key in KEYS and key not in ("area", "period") and value]
    return html.Form([
        html.Div([
            html.Label([html.Span("Area", className="filters__label"),
                        html.Span("Type part of a council's name or its code, then choose from the list",
                                  className="filters__hint")], htmlFor=AREA),
            dcc.Input(id=AREA, name="area", type="text", list=AREA_LIST, value=names.get(area_code, area_code),
                      autoComplete="off", spellCheck=False, className="filters__input", debounce=True),
            html.Datalist([html.Option(code, value=name) for code, name in areas], id=AREA_LIST),
        ], className="filters__field"),
        html.Div([
            html.Label([html.Span("Period", className="filters__label"),
                        html.Span("The latest figures, or those available at the end of a year",
                                  className="filters__hint")], htmlFor=PERIOD),
            html.Select([html.Option(label, value=value, selected=(value == (period or "")))
                         for value, label in period_options], id=PERIOD, name="period", className="filters__select"),
        ], className="filters__field"),
        *hidden,
        html.Button("Show", id=APPLY, type="submit", className="button filters__apply"),
    ], id=FORM, method="get", className="filters", role="search", **{"aria-label": "Choose area and period"})
