"""The board pack: the board's headline measures, the generated narrative and the key charts for one area and
period, as a print-ready page (`/board-pack`) and as a PDF (`/board-pack.pdf`) for a board paper.

* `pack(ctx)` assembles the content as Dash components from the engine (through `dashboard.views`), the figure
  functions (`dashboard.figures`), the shared components and the narrative. The page and the PDF show the same
  components, built for the audience the server grants.
* `to_html(components, ...)` writes those components as one standalone HTML document: every text escaped, the
  app's stylesheets and plotly.js inline, each chart drawn by plotly.js from its figure. No network is needed.
* `render_pdf(document)` prints that document to A4 with headless Chromium through Playwright
  (`executable_path=/usr/bin/chromium`, or SEND_CHROMIUM), after the charts have drawn, within a time limit.
  `ChromiumMissing` and `RenderFailed` carry a message meant for the reader.

Rendering a standalone document (rather than asking Chromium to load the running app) means the PDF route never
calls its own server, so it cannot wait on itself under a single-threaded worker, and it works the same under the
Flask test client.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from dash import html

from dashboard import components, exports, figures, views
from dashboard.format import rank_words
from dashboard.narrative import GOING_WELL, NEEDS_ATTENTION, narrative, questions
from data.settings import settings
from indicators.disclosure import suppression_note
from indicators.results import published_of

ASSETS = Path(__file__).resolve().parent.parent / "assets"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
TIMEOUT_MS = 45_000
PRINT_WIDTH = 720  # px: A4's 210 mm less the page margins, at 96 dpi
CHART_HEIGHT = 300
LOG = logging.getLogger(__name__)
SOURCES = ("Department for Education: SEN2 'Education, health and care plans', the Local Authority Interactive Tool "
           "and statistical neighbours; ONS geography lookups; the council's own case records and partners' returns.")


class ChromiumMissing(RuntimeError):
    """Chromium is not installed where the board pack expects it."""


class RenderFailed(RuntimeError):
    """Chromium could not print the pack (it timed out, or the charts did not draw)."""


# --- the pack's content ----------------------------------------------------------------------------------

def _when(ctx: views.Context) -> str:
    return f"Figures available at the end of {ctx.period}" if ctx.period else "Latest figures available"


def cover(ctx: views.Context, generated: datetime, local: bool = True) -> html.Section:
    facts = [("Area", f"{ctx.area.name} ({ctx.area.code})"), ("Period", _when(ctx)),
             ("Prepared", f"{generated.day} {generated:%B %Y}"),
             ("For", exports.AUDIENCE_WORDS.get(ctx.audience.value, ctx.audience.value)),
             ("Data to", exports.date_text(ctx.engine.info.get("reference_date"))),
             ("Warehouse version", ctx.engine.version)]
    return html.Section([
        html.P("Local Area SEND Strategic Partnership Group", className="pack__kicker"),
        html.H1(f"SEND board pack: {ctx.area.name}"),
        html.Dl([part for term, text in facts for part in (html.Dt(term), html.Dd(text))], className="pack__facts"),
        html.P([html.Strong("Synthetic data. "), exports.SYNTHETIC_NOTE], className="pack__notice")
        if ctx.synthetic and local else None,
        html.P(exports.OGL_ATTRIBUTION, className="pack__licence"),
    ], className="pack__cover", **{"aria-label": "Cover"})


def summary(ctx: views.Context, heads: list[views.Headline]) -> html.Section:
    usable = [h for h in heads if h.benchmark is not None and not h.problem]
    benches, metas = {h.indicator_id: h.benchmark for h in usable}, {h.indicator_id: h.indicator for h in usable}
    # Every rated measure is listed, so the lists are exactly the table's red and green ratings.
    found = narrative(benches, metas, ctx.area.name, area_code=ctx.area.code)
    return html.Section([
        html.H2("Summary", id="pack-summary"),
        html.P("Generated from the figures in this pack: each sentence states what the benchmarks and trends show.",
               className="muted small"),
        html.Div([
            html.Div(components.narrative_list(found[GOING_WELL], heading="What is going well", heading_level=3,
                                               empty="No measure is clearly doing well on the figures available."),
                     className="narrative__column narrative__column--well"),
            html.Div(components.narrative_list(found[NEEDS_ATTENTION], heading="What needs attention",
                                               heading_level=3,
                                               empty="No measure clearly needs attention on the figures available."),
                     className="narrative__column narrative__column--attention"),
        ], className="narrative"),
        components.questions_list(questions(benches, metas, area_code=ctx.area.code), heading_level=3),
    ], className="pack__section pack__section--first", **{"aria-labelledby": "pack-summary"})


def _headline_row(ctx: views.Context, head: views.Headline) -> html.Tr:
    m = figures.meta(head.indicator)
    if head.problem:
        return html.Tr([html.Th(head.title, scope="row"), html.Td(head.problem, colSpan=6)])
    bench = head.benchmark
    published = published_of(bench)
    target = bench.target.target if bench.target is not None else None
    rating = components.rating_text(*components.rating(bench), separator=": ")
    rank = rank_words(published) or published.rank_note or ""
    if rank_words(published) and published.period != head.period and published.la_value is not None:
        rank += (f", for its {figures.format_period(published.period)} published figure of "
                 f"{figures.format_value(published.la_value, m.unit, m.places)}")
    direction = bench.direction_of_travel
    source = figures.value_source_text(bench.value_source, head.indicator)
    period_text = (" · ".join(t for t in (figures.format_period(head.period), source) if t)
                   if head.period else "Not available")
    return html.Tr([
        html.Th(head.title, scope="row"),
        html.Td(figures.format_value(bench.value, m.unit, m.places, bench.status or "value"),
                className="num"),
        html.Td([period_text, html.Br(), html.Small(stale)] if (stale := views.staleness(ctx, head)) else period_text),
        html.Td(figures.format_value(target, m.unit, m.places) if target is not None else "Not set", className="num"),
        html.Td(rating),
        html.Td(components.DIRECTIONS.get(direction or "", "Change not assessed")),
        html.Td(rank or "Not ranked"),
    ])


def headline_table(ctx: views.Context, heads: list[views.Headline]) -> html.Section:
    header = ["Measure", "Latest figure", "Period", "Target", "Rating", "Direction of travel", "Rank in England"]
    caption = ("The board's headline measures: latest figure, target, rating in words, direction of travel and rank "
               "among all councils (1 is best; band A is the best quarter)")
    return html.Section([
        html.H2("Headline measures", id="pack-headlines"),
        components.scrolling(html.Table([
            html.Caption(caption),
            html.Thead(html.Tr([html.Th(h, scope="col", className="num" if h in ("Latest figure", "Target") else None)
                                for h in header])),
            html.Tbody([_headline_row(ctx, h) for h in heads]),
        ], className="pack__table"), "The board's headline measures"),
    ], className="pack__section", **{"aria-labelledby": "pack-headlines"})


def trend_chart(head: views.Headline) -> html.Figure:
    m = figures.meta(head.indicator)
    target = head.benchmark.target if head.benchmark is not None else None
    shown = [r for r in head.series if r.status == "value"]
    if head.problem or not shown:
        symbols = sorted({str(r.status) for r in head.series if r.status in exports.SYMBOLS})
        reason = head.problem or (
            "No figure can be shown for any period: " + "; ".join(f"{s}, {exports.SYMBOLS[s]}" for s in symbols) + "."
            if symbols else "There are no figures to show yet.")
        return components.chart(None, title=m.short_title, caption=m.title, summary="", table=None,
                                table_caption="", empty_reason=reason, heading_level=3)
    figure = figures.trend(head.series, head.indicator, target=target, complete_to=head.period, breaks=head.breaks)
    figure.update_layout(height=CHART_HEIGHT)
    return components.chart(
        figure, title=figures.title_trend(head.series, head.indicator, target=target, complete_to=head.period),
        caption=f"{m.title}. {figures.source_caption(head.series, head.indicator)}",
        summary=figures.summary_trend(head.series, head.indicator, target=target, complete_to=head.period,
                                      breaks=head.breaks),
        table=figures.table_trend(head.series, head.indicator, complete_to=head.period),
        table_caption=f"{m.title}, by period", heading_level=3, height=CHART_HEIGHT, id=f"pack-{head.indicator_id}")


def charts(heads: list[views.Headline]) -> html.Section:
    return html.Section([
        html.H2("Key charts", id="pack-charts"),
        html.P("Each chart shows the all-children figure over time, with the target where one is set. A hollow "
               "point is a period not yet finished.", className="muted small"),
        html.Div([html.Div(trend_chart(h), className="pack__chart") for h in heads], className="pack__charts"),
    ], className="pack__section", **{"aria-labelledby": "pack-charts"})


def notes(ctx: views.Context, extra: Iterable[str] = (), local: bool = True) -> html.Section:
    items = []
    for symbol, meaning in exports.SYMBOLS.items():
        items += [html.Dt(symbol, className="databook__symbol"), html.Dd(meaning[0].upper() + meaning[1:])]
    return html.Section([
        html.H2("About these figures", id="pack-notes"),
        *[html.P(text) for text in extra],
        html.P(suppression_note(ctx.audience)),
        html.H3("Symbols"),
        html.Dl(items, className="databook__symbols"),
        html.H3("Sources"),
        html.P(SOURCES),
        html.P("Definitions of every measure are in the indicator dictionary; the figures behind each chart are in "
               "the data book, to download as CSV or Excel."),
        html.P([html.Strong("Synthetic data. "), exports.SYNTHETIC_NOTE]) if ctx.synthetic and local else None,
        html.P(exports.OGL_ATTRIBUTION, className="pack__licence"),
    ], className="pack__section", **{"aria-labelledby": "pack-notes"})


def _rating_words() -> list[str]:
    """What the ratings, arrows and bands mean, as the page's key says it (`components.rating_key`)."""
    words = []
    for part in components.rating_key():
        if isinstance(part, html.Dl):
            children = part.children
            words += [f"{children[i].children}: {children[i + 1].children}" for i in range(0, len(children), 2)]
    return words


def pack(ctx: views.Context, generated: datetime | None = None) -> list[Any]:
    """The board pack's sections for the context's area, period and audience."""
    generated = generated or datetime.now()
    ids, config_notes = views.kpi_ids(ctx.engine)
    heads = [views.headline(ctx, i) for i in ids]
    local = views.shows_local(heads)  # the synthetic-data notes only where local figures are shown
    return [cover(ctx, generated, local), summary(ctx, heads), headline_table(ctx, heads), charts(heads),
            notes(ctx, [*ctx.notes, *config_notes, *_rating_words()], local)]


# --- Dash components as a standalone HTML document -------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_TAGS = {"MapEl": "map", "ObjectEl": "object"}
_ATTRS = {"className": "class", "htmlFor": "for", "colSpan": "colspan", "rowSpan": "rowspan", "tabIndex": "tabindex",
          "title": "title", "alt": "alt", "scope": "scope", "role": "role", "lang": "lang", "rel": "rel",
          "href": "href", "open": "open", "headers": "headers", "dateTime": "datetime", "span": "span"}
_SAFE_HREF = re.compile(r"^(https?://|/|#|mailto:)", re.IGNORECASE)


def _attr(name: str, value: Any) -> str:
    return f' {name}="{html_lib.escape(str(value), quote=True)}"'


def _style(style: dict[str, Any]) -> str:
    parts = []
    for key, value in style.items():
        prop = re.sub(r"([A-Z])", lambda m: "-" + m.group(1).lower(), str(key))
        if re.fullmatch(r"-{0,2}[a-z][a-z0-9-]*", prop) and not re.search(r"[;{}<>\"]|url\(", str(value)):
            parts.append(f"{prop}: {value}")
    return "; ".join(parts)


class _Writer:
    """Writes Dash components as HTML. Text is always escaped; only known, harmless attributes are kept."""

    def __init__(self) -> None:
        self.figures: list[str] = []

    def write(self, node: Any) -> str:
        if node is None or isinstance(node, bool):
            return ""
        if isinstance(node, str | int | float):
            return html_lib.escape(str(node))
        if isinstance(node, list | tuple):
            return "".join(self.write(child) for child in node)
        namespace = getattr(node, "_namespace", "")
        kind = getattr(node, "_type", "")
        if namespace == "dash_html_components":
            return self._element(_TAGS.get(kind, kind.lower()), node)
        if namespace == "dash_core_components" and kind == "Graph":
            return self._graph(node)
        if namespace == "dash_core_components" and kind in ("Location", "Store", "Interval", "Download", "Input"):
            return ""
        return self.write(getattr(node, "children", None))  # containers such as dcc.Loading

    def _element(self, tag: str, node: Any) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9]*", tag):
            return self.write(getattr(node, "children", None))
        attrs = []
        props = node.to_plotly_json()["props"]
        for name, value in props.items():
            if value is None or name == "children":
                continue
            if name == "id" and isinstance(value, str):
                attrs.append(_attr("id", value))
            elif name == "style" and isinstance(value, dict):
                attrs.append(_attr("style", _style(value)))
            elif name == "href":
                if _SAFE_HREF.match(str(value)):
                    attrs.append(_attr("href", value))
            elif name == "open":
                if value:
                    attrs.append(" open")
            elif name in _ATTRS:
                attrs.append(_attr(_ATTRS[name], value))
            elif re.fullmatch(r"(aria|data)-[a-z-]+", name) and not name.startswith("data-dash"):
                attrs.append(_attr(name, value))
        opening = f"<{tag}{''.join(attrs)}>"
        if tag in _VOID:
            return opening
        return f"{opening}{self.write(getattr(node, 'children', None))}</{tag}>"

    def _graph(self, node: Any) -> str:
        import plotly.io as pio

        figure = node.figure
        if figure is None:
            return ""
        text = pio.to_json(figure, validate=False)
        # Inside a <script>, JSON must not be able to close the element or open a comment.
        self.figures.append(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
        style = getattr(node, "style", None) or {}
        height = style.get("height") if isinstance(style, dict) else None
        index = len(self.figures) - 1
        css = f"height: {height}" if height and re.fullmatch(r"\d+(px)?", str(height)) else "height: 280px"
        return f'<div class="pack__plot" id="pack-plot-{index}" style="{css}"></div>'


def _stylesheets() -> str:
    """The app's own stylesheets (assets/*.css, in the order Dash loads them)."""
    texts = []
    for path in sorted(ASSETS.glob("*.css")):
        texts.append(path.read_text(encoding="utf-8").replace("</", "<\\/"))
    return "\n".join(texts)


_DRAW = """
(function () {
  var figures = JSON.parse(document.getElementById("pack-figures").textContent);
  var drawing = figures.map(function (figure, i) {
    var layout = Object.assign({}, figure.layout || {}, {autosize: true, width: undefined});
    return Plotly.newPlot("pack-plot-" + i, figure.data || [], layout,
                          {staticPlot: true, displayModeBar: false, responsive: false});
  });
  Promise.all(drawing).then(function () { document.body.setAttribute("data-charts", "drawn"); },
                            function () { document.body.setAttribute("data-charts", "failed"); });
})();
"""


def to_html(content: Any, *, title: str, lang: str = "en-GB", base_url: str | None = None) -> str:
    """One HTML document holding `content` (Dash components), the app's CSS, plotly.js and the charts' data.
    base_url: the app's address, so the document's links (evidence, dictionary) lead back to the app."""
    writer = _Writer()
    body = writer.write(content)
    scripts = ""
    if writer.figures:
        from plotly.offline import get_plotlyjs

        figures_json = "[" + ",".join(writer.figures) + "]"
        scripts = (f'<script>{get_plotlyjs()}</script>'
                   f'<script type="application/json" id="pack-figures">{figures_json}</script>'
                   f"<script>{_DRAW}</script>")
    else:
        scripts = '<script>document.body.setAttribute("data-charts", "drawn");</script>'
    base = _attr("href", base_url) if base_url and re.match(r"^https?://[^\s\"'<>]+$", base_url) else ""
    base = f"<base{base}>" if base else ""
    return (f'<!DOCTYPE html><html lang="{html_lib.escape(lang)}"><head><meta charset="utf-8">'
            f"{base}<title>{html_lib.escape(title)}</title><style>{_stylesheets()}</style></head>"
            f'<body class="pack-document"><main class="main pack">{body}</main>{scripts}</body></html>')


# --- printing ------------------------------------------------------------------------------------------------

def chromium_path() -> str:
    return str(settings().chromium)


def render_pdf(document: str, *, footer: str = "", timeout_ms: int = TIMEOUT_MS) -> bytes:
    """Print the document to an A4 PDF with headless Chromium, once its charts have drawn."""
    executable = chromium_path()
    if not Path(executable).exists():
        raise ChromiumMissing(f"The PDF cannot be made because Chromium is not installed on this server (looked for "
                              f"{executable}). An administrator can install Debian's chromium package, or set "
                              "SEND_CHROMIUM to its path. The print page can still be printed from a browser.")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:  # pragma: no cover - playwright is a requirement
        raise ChromiumMissing("The PDF cannot be made because Playwright is not installed on this server.") from exc
    # Playwright's sync API refuses to start in a thread that already runs an event loop (an async worker, or
    # another Playwright session), so each PDF is printed in a thread of its own.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="board-pack-pdf") as pool:
        return pool.submit(_print, document, executable, footer, timeout_ms).result()


def _print(document: str, executable: str, footer: str, timeout_ms: int) -> bytes:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    footer_html = ('<div style="font-size:8px;width:100%;padding:0 12mm;color:#505a5f;font-family:Arial,sans-serif;'
                   f'display:flex;justify-content:space-between"><span>{html_lib.escape(footer)}</span>'
                   '<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>')
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS,
                                                 timeout=timeout_ms)
            try:
                page = browser.new_page(viewport={"width": PRINT_WIDTH, "height": 1000})
                page.set_default_timeout(timeout_ms)
                page.route("**/*", lambda route: route.abort())  # everything is inline: no request may leave
                page.emulate_media(media="print")
                page.set_content(document, wait_until="load", timeout=timeout_ms)
                page.wait_for_selector("body[data-charts]", state="attached", timeout=timeout_ms)
                if page.get_attribute("body", "data-charts") != "drawn":
                    raise RenderFailed("The charts could not be drawn, so the PDF was not made.")
                # tagged: headings, lists and tables keep their structure for screen readers; outline: bookmarks
                return page.pdf(format="A4", print_background=True, display_header_footer=True,
                                header_template="<span></span>", footer_template=footer_html, tagged=True, outline=True,
                                margin={"top": "14mm", "bottom": "16mm", "left": "12mm", "right": "12mm"})
            finally:
                browser.close()
    except PlaywrightError as exc:
        LOG.warning("board pack PDF failed: %s", exc)  # the reader gets the plain message; the log keeps the cause
        if "timeout" in str(exc).lower():
            raise RenderFailed("Making the PDF took too long and was stopped. Try again in a minute.") from exc
        raise RenderFailed("Chromium could not make the PDF. Try again; if it keeps happening, tell the team that "
                           "runs this dashboard.") from exc


def pack_document(ctx: views.Context, generated: datetime | None = None, base_url: str | None = None) -> str:
    """The pack as a standalone HTML document (what the PDF prints)."""
    generated = generated or datetime.now()
    return to_html(pack(ctx, generated), title=f"SEND board pack: {ctx.area.name}", base_url=base_url)


def file_name(ctx: views.Context) -> str:
    return exports.safe_file_name("send-board-pack", ctx.area.code, ctx.period or "latest", ctx.audience.value,
                                  ext="pdf")


def footer_text(ctx: views.Context) -> str:
    label = " · synthetic data" if ctx.synthetic and ctx.is_local else ""
    return f"SEND board pack · {ctx.area.name} · {_when(ctx)}{label} · {exports.OGL_ATTRIBUTION}"


__all__ = ["ChromiumMissing", "RenderFailed", "file_name", "footer_text", "pack", "pack_document",
           "render_pdf", "to_html"]
