"""Small shared components every page uses: the accessible chart wrapper, badges, values with their symbols,
the symbols legend, breadcrumbs and the loading state.

Nothing here renders data as HTML: every value from data becomes text in a Dash component, so it is escaped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import dash_ag_grid as dag
import pandas as pd
from dash import dcc, html

from dashboard.figures import SYMBOL_EXPLANATIONS, SYMBOLS, format_change, format_value, symbol_text
from indicators import benchmarks
from indicators.results import Benchmark

GRAPH_CONFIG = {"displayModeBar": False, "responsive": True, "scrollZoom": False}

RAG_WORDS = {
    "target": {"green": "on target", "amber": "close to target", "red": "off target", None: "no target set"},
    "neighbours": {"green": "better than statistical neighbours", "amber": "similar to statistical neighbours",
                   "red": "worse than statistical neighbours", None: "no comparison"},
    "england": {"green": "better than England", "amber": "similar to England", "red": "worse than England",
                None: "no comparison"},
    # A target is set but the engine could not rate the figure against it (no figure for the period, say).
    "target_unrated": {None: "not rated against its target"},
}
RAG_NAMES = {"green": "Green", "amber": "Amber", "red": "Red", None: "Not rated"}

# Arrow shape (the direction the number moved) and words (the judgement), for every direction of travel.
DIRECTIONS = {
    "improving": "Improving",
    "worsening": "Getting worse",
    "no significant change": "No significant change",
    "not assessed": "Change not assessed",
    "increasing": "Increasing",
    "decreasing": "Decreasing",
}


def _id_part(id: Any, part: str) -> Any:
    if id is None:
        return None
    if isinstance(id, Mapping):
        return {**id, "part": part}
    return f"{id}-{part}"


def summary_id(id: Any, title: str) -> str:
    """The HTML id of a chart's written summary, which its graph names in aria-describedby: from the chart's id
    (a pattern-matching id's values joined), else from its title."""
    if isinstance(id, Mapping):
        base = "-".join(str(v) for v in id.values())
    else:
        base = str(id) if id is not None else "chart-" + title.lower()
    return re.sub(r"[^A-Za-z0-9_-]+", "-", base).strip("-") + "-summary"


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def cell_text(value: Any) -> str:
    """Any cell as text a reader can use: symbols with their meaning, numbers with thousands separators,
    missing values as `x (not available)`; never "None", "NaN" or "nan"."""
    if _is_missing(value):
        return symbol_text("x")
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isinf(value):
            return symbol_text("x")
        if value.is_integer():
            return f"{value:,.0f}"
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    text = str(value)
    if text.strip() in SYMBOLS:
        return symbol_text(text.strip())
    if text.strip().lower() in ("none", "nan", "nat", "null", "<na>"):
        return symbol_text("x")
    return text


def _numeric_column(series: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return True
    texts = [str(v) for v in series if not _is_missing(v)]
    if not texts:
        return False
    numeric = sum(1 for t in texts if t.replace(",", "").replace("%", "").replace(".", "", 1).lstrip("-").isdigit())
    return numeric / len(texts) >= 0.6


def data_table(table: pd.DataFrame, caption: str, *, row_headers: bool = True, id: Any = None) -> html.Table:
    """A proper HTML table: a caption, column headers with scope="col", the first column as row headers
    (scope="row"), numbers right-aligned, every cell as readable text (`cell_text`)."""
    columns = [str(c) for c in table.columns]
    numeric = {c: _numeric_column(table[c]) for c in table.columns}
    head = html.Thead(html.Tr([html.Th(c, scope="col", className="num" if numeric[col] and i else None)
                               for i, (c, col) in enumerate(zip(columns, table.columns, strict=True))]))
    body = []
    for record in table.itertuples(index=False, name=None):
        cells = []
        for i, (value, col) in enumerate(zip(record, table.columns, strict=True)):
            text = cell_text(value)
            cls = "num" if numeric[col] and i else None
            if i == 0 and row_headers:
                cells.append(html.Th(text, scope="row", className=cls))
            else:
                cells.append(html.Td(text, className=cls))
        body.append(html.Tr(cells))
    kwargs = {"id": id} if id is not None else {}
    return html.Table([html.Caption(caption), head, html.Tbody(body)], className="table data-table", **kwargs)


def scrolling(table: Any, label: str) -> html.Div:
    """A table wider than the screen scrolls within its own box (reached and scrolled by keyboard, named for
    screen readers), never the whole page sideways."""
    return html.Div(table, className="table-scroll", tabIndex="0", role="region", **{"aria-label": label})


def empty_state(reason: str, *, title: str | None = None) -> html.Div:
    """An explained empty state: what is missing and why, in words."""
    return html.Div([
        html.P(html.Strong(title or "No data to show")),
        html.P(reason),
    ], className="empty-state", role="note")


def chart(figure: Any, *, title: str, caption: str, summary: str, table: pd.DataFrame | None,
          table_caption: str, id: Any = None, empty_reason: str | None = None, graph_id: Any = None,
          heading_level: int = 3, height: int | None = None) -> html.Figure:
    """An accessible chart: `<figure>` with a `<figcaption>` (the title stating the finding, and the caption),
    the plain-English summary, the graph (no mode bar; an image named by the title and described by the summary,
    `aria-describedby`, for assistive technology) and a
    keyboard-operable "View as table" (`<details>`) holding the same numbers as a proper table.

    When `empty_reason` is set, or the table is empty, the graph and table are replaced by an explained
    empty state. graph_id: the dcc.Graph's id for callbacks (e.g. drill-down on click); by default
    `<id>-graph` (or `{**id, "part": "graph"}` for a pattern-matching id).
    """
    heading = getattr(html, f"H{min(max(int(heading_level), 2), 6)}")
    children: list[Any] = [html.Figcaption([
        heading(title, className="chart__title"),
        html.P(caption, className="chart__caption") if caption else None,
    ], className="chart__caption-block")]
    is_empty = empty_reason is not None or table is None or len(table) == 0
    if is_empty:
        children.append(empty_state(empty_reason or "There are no figures for this selection."))
        return html.Figure(children, className="chart chart--empty", **({"id": id} if id is not None else {}))
    described = summary_id(id, title)
    children.append(html.P(summary, className="chart__summary", id=described))
    graph_kwargs: dict[str, Any] = {"figure": figure, "config": GRAPH_CONFIG, "className": "chart__graph"}
    gid = graph_id if graph_id is not None else _id_part(id, "graph")
    if gid is not None:
        graph_kwargs["id"] = gid
    if height:
        graph_kwargs["style"] = {"height": f"{int(height)}px"}
    children.append(html.Div(dcc.Graph(**graph_kwargs), role="img", className="chart__plot",
                             **{"aria-label": f"Chart: {title}", "aria-describedby": described}))
    children.append(html.Details([
        html.Summary("View as table", className="chart__toggle"),
        html.Div(data_table(table, table_caption), className="table-scroll", tabIndex="0", role="region",
                 **{"aria-label": table_caption}),
    ], className="chart__table"))
    return html.Figure(children, className="chart", **({"id": id} if id is not None else {}))


def rating(bench: Benchmark | None) -> tuple[str | None, str]:
    """The rating a measure shows and what it is against: `indicators.benchmarks.rating`, the one rating
    function the tiles, the narrative and the board pack share."""
    return benchmarks.rating(bench)


def rating_text(rag: str | None, against: str, separator: str = " — ") -> str:
    """A rating in words, e.g. "Green — on target" or "No target set" (against: a key of RAG_WORDS)."""
    key = rag if rag in ("green", "amber", "red") else None
    words = RAG_WORDS.get(against, RAG_WORDS["target"]).get(key) or RAG_WORDS["target"][None]
    return f"{RAG_NAMES[key]}{separator}{words}" if key else words[0].upper() + words[1:]


def rag_badge(rag: str | None, *, against: str = "target") -> html.Strong:
    """A RAG rating in colour and words, e.g. "Green — on target" (against: a key of RAG_WORDS)."""
    key = rag if rag in ("green", "amber", "red") else None
    return html.Strong(rating_text(rag, against), className=f"badge badge--{key or 'none'}")


def direction_badge(direction: str | None, polarity: str | None = None) -> html.Span:
    """Direction of travel as an arrow shape (which way the number moved) and words (what that means).

    Improving with higher-is-better is an up arrow; improving with lower-is-better a down arrow; no
    significant change a flat arrow; not assessed a dash. The words always say it, so the arrow is a help,
    not the message.
    """
    direction = direction if direction in DIRECTIONS else "not assessed"
    polarity = str(getattr(polarity, "value", polarity) or "no_judgement")
    up = {"improving": polarity != "low_is_good", "worsening": polarity == "low_is_good",
          "increasing": True, "decreasing": False}.get(direction)
    arrow = "▲" if up is True else "▼" if up is False else "▶" if direction == "no significant change" else "–"
    tone = {"improving": "good", "worsening": "bad"}.get(direction, "neutral")
    return html.Span([html.Span(arrow, className="direction__arrow", **{"aria-hidden": "true"}),
                      " ", DIRECTIONS[direction]], className=f"direction direction--{tone}")


def value_text(value: Any, status: str | None = "value", unit: str = "count", places: int = 0) -> html.Span:
    """A figure as text: formatted by unit (`17.3%`, `1,234`), or its symbol with the meaning
    (`c (suppressed)`), never "None" or "NaN"."""
    status = None if _is_missing(status) else str(status)
    text = format_value(value, unit, places, status or "value")
    symbol = status if status and status != "value" else (None if not _is_missing(value) else "x")
    if symbol:
        return html.Span(text, className="value value--symbol", title=SYMBOL_EXPLANATIONS.get(symbol, ""))
    return html.Span(text, className="value")


UNIT_NAMES = {"percent": "percentages", "gap_points": "gaps", "mean_score": "scores", "rate_per_10000": "rates",
              "weeks": "times in weeks", "days": "times in days"}


def rating_key() -> list[Any]:
    """What the colours, arrows and bands mean, and the stated band within which a figure reads as similar to
    its statistical neighbours or England (the catalogue's defaults by unit)."""
    from indicators.catalogue import similar_defaults

    within = "; ".join(f"{format_change(value, unit.value, 1)} for {UNIT_NAMES[unit.value]}"
                       for unit, value in similar_defaults().items() if unit.value in UNIT_NAMES)
    colours = [
        ("Green", "on target, or better than the comparator named beside it."),
        ("Amber", "close to target (missed by no more than the tolerance the area set), or similar to the "
                  f"comparator: within {within} (a measure may state its own band in the indicator dictionary), "
                  "or the comparator lies inside the figure's 95% confidence interval."),
        ("Red", "off target by more than the tolerance, or worse than the comparator by more than that band."),
        ("Not rated", "no target set and no comparison possible, or a measure where more is neither good nor "
                      "bad. Each tile is rated against its target where one is set, else against statistical "
                      "neighbours, else England; the words always say which."),
    ]
    arrows = [("▲ ▼", "the figure rose or fell by more than chance would explain (the two years' 95% confidence "
                      "intervals do not overlap); the words say whether that is improving or getting worse."),
              ("▶", "no significant change."), ("–", "change not assessed (no numerator and denominator).")]
    bands = [("A to D", "quartile bands among all councils: A is the best quarter, D the worst; the rank is 1 "
                        "for the best. Counts are ranked per 10,000 of the 0-25 population, or not at all when "
                        "no population is loaded.")]
    out: list[Any] = []
    for group, rows in (("Colours", colours), ("Arrows", arrows), ("Bands and ranks", bands)):
        out += [html.P(html.Strong(group), className="symbols__group"),
                html.Dl([part for term, words in rows for part in (html.Dt(term), html.Dd(words))],
                        className="symbols")]
    return out


def symbols_legend(symbols: Sequence[str] | None = None, *, ratings: bool = False) -> html.Details:
    """What the symbols mean (c, x, z, low, u), as a description list in a details element; with `ratings`,
    also what the rating colours, arrows and bands mean (`rating_key`)."""
    keys = list(symbols) if symbols else list(SYMBOLS)
    items = []
    for key in keys:
        items += [html.Dt(html.Code(key)), html.Dd(SYMBOL_EXPLANATIONS.get(key, SYMBOLS.get(key, "")))]
    body: list[Any] = [html.Dl(items, className="symbols")]
    if ratings:
        body = [*rating_key(), html.P(html.Strong("Symbols in place of figures"), className="symbols__group"), *body]
    return html.Details([html.Summary("What the symbols mean"), *body], className="symbols-legend")


def breadcrumbs(items: Sequence[tuple[str, str | None]] | Sequence[Mapping[str, Any]]) -> html.Nav:
    """Breadcrumbs: [(label, href), ...]; the last item is the current page (aria-current="page", no link)."""
    pairs = [(i.get("label"), i.get("href")) if isinstance(i, Mapping) else (i[0], i[1]) for i in items]
    lis = []
    for n, (label, href) in enumerate(pairs):
        if n == len(pairs) - 1:
            lis.append(html.Li(html.Span(label, **{"aria-current": "page"}), className="breadcrumbs__item"))
        else:
            lis.append(html.Li(html.A(label, href=href or "/", className="breadcrumbs__link"),
                               className="breadcrumbs__item"))
    return html.Nav(html.Ol(lis, className="breadcrumbs__list"), className="breadcrumbs",
                    **{"aria-label": "Breadcrumb"})


def loading(children: Any, *, id: Any = None) -> dcc.Loading:
    """Slow content with a loading state (announced politely to screen readers)."""
    kwargs = {"id": id} if id is not None else {}
    return dcc.Loading(html.Div(children, **{"aria-live": "polite", "aria-busy": "false"}), type="default",
                       color="#1d4f91", className="loading", delay_show=200, **kwargs)


def narrative_list(sentences: Sequence[Any], *, heading: str, empty: str, id: Any = None,
                   heading_level: int = 2) -> html.Section:
    """One list of the generated narrative (`dashboard.narrative.Sentence`s), each with its evidence link."""
    tag = getattr(html, f"H{min(max(int(heading_level), 2), 6)}")
    if sentences:
        body: Any = html.Ul([html.Li([s.text, " ", html.A(["See the evidence", html.Span(
            f" for {s.title}", className="visually-hidden")], href=s.href)]) for s in sentences],
            className="narrative-list__items")
    else:
        body = html.P(empty, className="narrative-list__empty")
    return html.Section([tag(heading), body], className="narrative-list",
                        **({"id": id} if id is not None else {}))


def questions_list(asked: Sequence[Any], *, heading_level: int = 2) -> html.Section | None:
    """The questions the board could ask (`dashboard.narrative.Question`s), each linked to its evidence."""
    if not asked:
        return None
    tag = getattr(html, f"H{min(max(int(heading_level), 2), 6)}")
    return html.Section([tag("Questions the board could ask"), html.Ol([html.Li([q.text, " ", html.A(
        ["See the evidence", html.Span(f" for {q.title}", className="visually-hidden")], href=q.href)])
        for q in asked], className="narrative-list__items")], className="narrative-list narrative-questions")


SYNTHETIC_WORDS = ("The figures on this page computed from the council's own records are generated for "
                   "demonstration; they describe no real child. Published national figures are real.")


def synthetic_banner() -> html.Div:
    """The synthetic-data banner, for a page that shows figures computed from the (synthetic) local records."""
    return html.Div([html.Strong("Synthetic local data. "), SYNTHETIC_WORDS],
                    className="banner banner--synthetic", role="note")


# --- the officers' pages (case lists, data quality, reconciliation) ------------------------------------------

EVERY = ""  # the value of a choice's "every team" (or "every caseworker") option
RECORDS_PAGE_SIZE = 50


def officers_only(intro: list, message: str, *, signed_in: bool, sign_in: str, panel_id: str,
                  why: str = "It lists children by name") -> html.Div:
    """The panel anyone but the council's officers gets in place of an officers' page: why, and what to do."""
    how = (html.P(html.A("Sign in", href=sign_in), className="notice__action") if not signed_in else
           html.P("An administrator of your council can give your account the officer role if your work needs it."))
    return html.Div([*intro, html.Div([
        html.H2("This page is for council officers"),
        html.P(f"{why}, so only the council's own officers may see it, and each view is recorded."),
        html.P(message), how,
    ], className="notice notice--info", id=panel_id)])


def form_field(label: str, control_id: str, hint: str, control: Any) -> html.Div:
    """A labelled control with its hint, for the plain GET forms of the officers' pages."""
    return html.Div([
        html.Label(label, htmlFor=control_id, className="filters__label"),
        html.Span(hint, id=f"{control_id}-hint", className="filters__hint"),
        control,
    ], className="filters__field")


def option(value: str, text: str, chosen: str | None) -> html.Option:
    return html.Option(text, value=value, selected=value == (chosen or EVERY))


def select(control_id: str, name: str, options: list) -> html.Select:
    return html.Select(options, id=control_id, name=name, className="select",
                       **{"aria-describedby": f"{control_id}-hint"})


def team_fields(prefix: str, teams: Sequence[str], caseworkers: Mapping[str, Sequence[str]], team: str | None,
                caseworker: str | None) -> list[html.Div]:
    """The team and caseworker choices (`<prefix>-team`, `<prefix>-caseworker`), the caseworkers grouped by team."""
    teams_select = select(f"{prefix}-team", "team",
                          [option(EVERY, "Every team", team), *[option(t, t, team) for t in teams]])
    workers = select(f"{prefix}-caseworker", "caseworker", [
        option(EVERY, "Every caseworker", caseworker),
        *[html.Optgroup([option(w, w, caseworker) for w in names], label=name)
          for name, names in sorted(caseworkers.items())]])
    return [form_field("Team", f"{prefix}-team", "The team holding the case", teams_select),
            form_field("Caseworker", f"{prefix}-caseworker", "Grouped by team", workers)]


def file_links(what: str, csv_href: str, xlsx_href: str, *, id: str) -> html.P:
    return html.P([f"Download {what}: ", html.A("CSV", href=csv_href), " or ", html.A("Excel workbook", href=xlsx_href),
                   ". Each download is recorded; keep the file within the council's secure systems."], id=id)


def records_grid(grid_id: str, rows: list[dict[str, Any]], column_defs: list[dict[str, Any]],
                 row_id: str | None = None) -> Any:
    """Children's records in a sortable, filterable, paged grid, read in order by a screen reader."""
    return dag.AgGrid(
        id=grid_id, rowData=rows, columnDefs=column_defs, **({"getRowId": row_id} if row_id else {}),
        defaultColDef={"sortable": True, "resizable": True, "floatingFilter": True, "flex": 1,
                       "wrapHeaderText": True, "autoHeaderHeight": True, "suppressHeaderMenuButton": True},
        dashGridOptions={"pagination": True, "paginationPageSize": RECORDS_PAGE_SIZE,
                         "paginationPageSizeSelector": [25, 50, 100, 500], "domLayout": "autoHeight",
                         "ensureDomOrder": True, "enableCellTextSelection": True,
                         "suppressColumnVirtualisation": True},
        className="ag-theme-alpine databook__grid", style={"width": "100%"})
