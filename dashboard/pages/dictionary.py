"""Indicator dictionary: every definition in the catalogue, grouped by CDC theme, searchable from the URL (`?q=`).

The search runs on the server over the catalogue (plain text, every word must match); nothing from the data
or the query is rendered as HTML. Each entry links to the indicator's report and its data book page.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import dash
from dash import dcc, html

from dashboard import exports, views
from indicators.catalogue.model import BREAKDOWNS, THEME_TITLES, Indicator

dash.register_page(__name__, path="/dictionary", name="Indicator dictionary", title="Indicator dictionary",
                   order=55)

# --- component ids ------------------------------------------------------------------------------------------
SEARCH = "dictionary-q"
RESULTS = "dictionary-results"
MAX_QUERY = 100

# The fields an entry lists (the id and title are its heading).
SHOWN = ("Outcome it evidences", "Definition: numerator", "Definition: denominator", "Unit", "Decimal places",
         "Polarity", "Source", "Publication", "Frequency", "Year", "Breakdowns", "Comparators", "Similar within", "Last update",
         "Next update", "Methodology notes")


def searchable_text(indicator: Indicator) -> str:
    """Everything a reader might search an entry by, as one lower-case string."""
    parts = [text for _, text in exports.metadata_fields(indicator)]
    parts += [indicator.short_title or "", " ".join(BREAKDOWNS.get(b, b) for b in indicator.breakdowns)]
    return " ".join(parts).casefold()


def matches(indicator: Indicator, query: str) -> bool:
    """Every word of the query appears somewhere in the entry (case-insensitive)."""
    words = [w for w in re.split(r"\s+", query.casefold()) if w]
    text = searchable_text(indicator)
    return all(w in text for w in words)


def clean_query(value: object) -> str:
    """The search words: text only, control characters dropped, at most MAX_QUERY characters."""
    if not isinstance(value, str):
        return ""
    return re.sub(r"[\x00-\x1f\x7f]", " ", value).strip()[:MAX_QUERY].strip()


def search(engine, query: str) -> dict[str, list[Indicator]]:
    """Theme title -> the catalogue entries matching the query, in catalogue order."""
    out: dict[str, list[Indicator]] = {}
    for theme, indicators in engine.catalogue.by_theme().items():
        found = [i for i in indicators if not query or matches(i, query)]
        if found:
            out[THEME_TITLES[theme]] = found
    return out


def _link(path: str, **params: str | None) -> str:
    pairs = [(k, v) for k, v in params.items() if v]
    return path + (f"?{urlencode(pairs)}" if pairs else "")


def entry(indicator: Indicator, params: dict[str, str | None]) -> html.Article:
    items = []
    for label, text in exports.metadata_fields(indicator):
        if label not in SHOWN:
            continue
        value: Any = text
        if label == "Publication" and (indicator.publication or "").startswith("https://"):
            value = html.A(text, href=indicator.publication, rel="noopener")
        items += [html.Dt(label), html.Dd(value)]
    indicator_id = indicator.id
    title = indicator.title
    heading = f"dictionary-{indicator_id}"
    return html.Article([
        html.H3(title, id=heading),
        html.P(["Indicator ID: ", html.Code(indicator_id)], className="dictionary__id"),
        html.Dl(items, className="databook__meta"),
        html.P([
            html.A(["Report", html.Span(f" for {title}", className="visually-hidden")],
                   href=_link(f"/indicator/{indicator_id}", **params)), " · ",
            html.A(["Data book", html.Span(f" for {title}", className="visually-hidden")],
                   href=_link("/data-book", indicator=indicator_id, **params)),
        ], className="dictionary__links"),
    ], className="dictionary__entry", **{"aria-labelledby": heading})


def search_form(query: str, params: dict[str, str | None]) -> html.Form:
    hidden = [dcc.Input(type="hidden", name=k, value=v) for k, v in params.items() if v]
    return html.Form([
        html.Div([
            html.Label(["Search the dictionary",
                        html.Span("A word or two from a title, definition, source or breakdown, for example 'weeks' "
                                  "or 'ward'", className="filters__hint search-form__hint")],
                       htmlFor=SEARCH, className="filters__label search-form__label"),
            dcc.Input(id=SEARCH, name="q", type="search", value=query, maxLength=MAX_QUERY, autoComplete="off",
                      className="search-form__input"),
        ], className="search-form__field"),
        *hidden,
        html.Button("Search", type="submit", className="button"),
        html.A("Show every indicator", href=_link("/dictionary", **params)) if query else None,
    ], action="/dictionary", method="get", role="search", className="search-form",
        **{"aria-label": "Search the indicator dictionary"})


def layout(q: str | None = None, **query: Any) -> html.Div:
    try:
        ctx = views.context(query)
        engine, params = ctx.engine, {k: ctx.params.get(k) for k in ("area", "period", "audience")}
    except views.Problem:
        try:  # an unknown area in the link does not stop anyone reading the definitions
            engine, params = views.get_engine(), {}
        except views.Problem as exc:
            return html.Div([html.H1("Indicator dictionary"), html.Div([html.H2(exc.title), html.P(exc.message)],
                                                                       className="notice notice--info")])
    text = clean_query(q)
    found = search(engine, text)
    count = sum(len(v) for v in found.values())
    total = len(engine.catalogue)
    if text:
        summary = (f"{count} of {total} indicators match '{text}'." if count else
                   f"No indicator matches '{text}'. Try a shorter or different word, or show every indicator.")
    else:
        summary = f"{total} indicators in {len(found)} themes."
    sections = [html.Section([html.H2(theme, id=f"theme-{i}"), *[entry(m, params) for m in entries]],
                             **{"aria-labelledby": f"theme-{i}"})
                for i, (theme, entries) in enumerate(found.items())]
    contents = html.Nav([html.H2("Themes", className="databook__h3"),
                         html.Ul([html.Li(html.A(f"{theme} ({len(entries)})", href=f"#theme-{i}"))
                                  for i, (theme, entries) in enumerate(found.items())])],
                        **{"aria-label": "Themes in the dictionary"}) if len(found) > 1 else None
    return html.Div([
        html.H1("Indicator dictionary"),
        html.P("What every measure means, how it is calculated, where the figures come from and when they are next "
               "updated.", className="lede"),
        search_form(text, params),
        html.P(summary, id=RESULTS, role="status", className="coverage__summary"),
        contents,
        *sections,
    ])
