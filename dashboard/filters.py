"""Area and period pickers, and the URL state every view lives in.

A view's filters are its query string (`?area=E06000023&period=2024&breakdown=ward&ward=...`), so a shared link
rebuilds the same view. Everything read from a URL or a callback input passes through the `clean_*` functions
here: a value is either on an allowlist (from the engine) or dropped, never passed on as typed.

The pickers do not navigate by themselves (a change of context on input would surprise keyboard and screen
reader users): the reader chooses, then presses "Show". The callback only rewrites the query string of the
shell's `dcc.Location`, and Dash rebuilds the page from `layout(**query)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from urllib.parse import parse_qs, urlencode

import dash
from dash import Input, Output, State, dcc, html

from dashboard.access import audience_for, granted_audience
from dashboard.format import format_period
from indicators.vocabulary import Audience

# --- component ids: the one place they are named ---------------------------------------------------------
URL = "url"  # the shell's dcc.Location (refresh="callback-nav")
AREA = "filter-area"
PERIOD = "filter-period"
APPLY = "filter-apply"
FORM = "filter-form"

# Query keys a view may carry, in the order they are written back into a URL.
KEYS = ("area", "period", "breakdown", "ward", "school", "need", "audience")
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


def clean_audience(value: object) -> Audience:
    """The audience to compute with: never less protected than the server grants (see dashboard.access)."""
    text = one(value)
    return audience_for(text if text in {a.value for a in Audience} else None)


def audience_param(audience: Audience) -> str | None:
    """What to keep in the URL: only a stricter view than the one granted is worth writing down."""
    return audience.value if audience != granted_audience() else None


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
               periods: list[str] | None = None, *, period_label: str = "Figures to the end of") -> html.Form:
    """The area and period pickers with a "Show" button. `areas` is [(code, name)] for every council;
    `periods` the period codes to offer (default: calendar years, newest first)."""
    options = [{"label": name, "value": code, "search": f"{name} {code}"} for code, name in areas]
    period_options = [{"label": "Latest figures", "value": LATEST}]
    if periods is None:
        period_options += [{"label": f"{period_label} {y}", "value": y} for y in year_choices(date.today().year)]
    else:
        period_options += [{"label": format_period(p), "value": p} for p in periods]
    return html.Form([
        html.Div([
            html.Label("Area", htmlFor=AREA, className="filters__label"),
            html.Span("Type a council's name or code to search", id=f"{AREA}-hint", className="filters__hint"),
            dcc.Dropdown(id=AREA, options=options, value=area_code, clearable=False, searchable=True,
                         className="filters__dropdown filters__dropdown--area"),
        ], className="filters__field"),
        html.Div([
            html.Label("Period", htmlFor=PERIOD, className="filters__label"),
            html.Span("The latest figures, or those available at the end of a year", id=f"{PERIOD}-hint",
                      className="filters__hint"),
            dcc.Dropdown(id=PERIOD, options=period_options, value=period or LATEST, clearable=False,
                         searchable=False, className="filters__dropdown"),
        ], className="filters__field"),
        html.Button("Show", id=APPLY, type="button", n_clicks=0, className="button filters__apply"),
    ], id=FORM, className="filters", role="search", **{"aria-label": "Choose area and period"})


# --- the callback: thin, and safe with any values a client sends ---------------------------------------------

def apply_filters(n_clicks: object, area: object, period: object, search: object) -> str:
    """The new query string for the chosen area and period; the current one when an input is not allowed."""
    if not isinstance(n_clicks, int) or n_clicks < 1:
        return dash.no_update
    params = parse_search(search)
    params["audience"] = audience_param(clean_audience(params.get("audience")))
    known = _area_codes()
    chosen = clean_choice(area, known)
    if chosen is None:
        return dash.no_update  # not a council we know: leave the view as it is
    if chosen != params.get("area"):
        for key in DRILL_KEYS:
            params.pop(key, None)
    params["area"] = chosen
    period_text = one(period)
    if period_text is None or period_text == LATEST:
        params.pop("period", None)
    elif re.fullmatch(r"\d{4}|\d{6}|\d{4}-\d{2}", period_text):
        params["period"] = period_text  # its meaning is checked by the page against the indicator's periods
    else:
        return dash.no_update
    return query_string(params)


def _area_codes() -> list[str]:
    """Every council's code (the allowlist the area picker offers)."""
    from dashboard import views

    try:
        return [code for code, _ in views.council_choices()]
    except views.Problem:
        return []


dash.callback(Output(URL, "search", allow_duplicate=True), Input(APPLY, "n_clicks"),
              State(AREA, "value"), State(PERIOD, "value"), State(URL, "search"),
              prevent_initial_call=True)(apply_filters)
