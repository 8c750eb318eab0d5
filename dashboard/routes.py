"""Plain Flask routes beside the Dash pages: the data book downloads and the board pack PDF.

Each route works out its audience itself with `dashboard.access.audience_for` (a query may ask for a stricter
view, never a wider one), checks every argument against the engine's allowlists before anything is computed,
and answers a bad request with a short plain-text message (4xx), never a traceback.

    /download/<indicator>.csv?area=E06000023&period=2024&breakdown=ward     tidy CSV
    /download/<indicator>.xlsx?area=...                                      workbook: Data, Metadata, Symbols
    /download/theme/<theme>.xlsx?area=...                                    every indicator of a CDC theme
    /download/all-indicators.xlsx?area=...                                   the whole catalogue
    /board-pack.pdf?area=E06000023&period=2024                               the board pack as a PDF

`gather` (one indicator at every breakdown, protected for an audience) is shared with the data book page, so
the page and the files always hold the same figures.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd
from flask import Flask, Response, request

from dashboard import exports
from dashboard.security import plain
from indicators.catalogue.model import THEME_TITLES, Theme
from indicators.disclosure import suppression_note
from indicators.engine import (
    SOURCES,
    Engine,
    EngineError,
    NotAvailable,
    UnknownArea,
    UnknownBreakdown,
    UnknownIndicator,
    UnknownPeriod,
)
from indicators.vocabulary import SOURCE_COLUMN, TOTAL, Audience

LOG = logging.getLogger(__name__)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALL_BREAKDOWNS = "all"
MAX_ARG = 64
ARGS = ("area", "period", "breakdown", "source", "by", "audience")
BY = ("year", "month")  # periods by year (the default) or by month (local records that run by month)
_PRINTABLE = re.compile(r"[^A-Za-z0-9 _./-]")


class BadRequest(Exception):
    """A request we refuse, with the status and the plain words to send back."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


# --- gathering figures (shared with the data book page) --------------------------------------------------

def gather(engine: Engine, indicator_id: str, area: str, audience: Audience, *, period: str | None = None,
           breakdown: str | None = None, source: str | None = None, monthly: bool = False) -> exports.Table:
    """One indicator for one area, protected for `audience`, at every breakdown its source offers (or one).

    source None: the official figures (DfE's published figure for every period it has published, local records
    for the rest); `national`, `local` or `aggregate`: that source's figures alone. monthly: by month (local
    records that run by month; months are never published).

    Raises the engine's errors (UnknownIndicator, UnknownArea, UnknownPeriod, UnknownBreakdown, NotAvailable)
    for the caller to explain; the period and breakdown are checked by the engine against its allowlists.
    """
    audience = Audience(audience)
    official = source is None
    first = engine.result(indicator_id, area, audience, period=period, source=source, monthly=monthly,
                          official=official)
    chosen = first.source
    offered = engine.breakdowns_for(first.indicator, chosen, audience)
    if first.monthly and audience is not Audience.OFFICER:
        offered = [TOTAL]  # months by breakdown are for officers only (see Engine.result)
    if breakdown in (None, "", ALL_BREAKDOWNS):
        wanted = offered
    elif breakdown in offered:
        wanted = [TOTAL, breakdown] if breakdown != TOTAL else [TOTAL]
    else:
        raise UnknownBreakdown(f"{indicator_id} has no breakdown '{breakdown}'", offered)
    frames = [first.frame]
    for name in wanted:
        if name == TOTAL:
            continue
        try:
            frames.append(engine.result(indicator_id, area, audience, period=period, breakdown=name,
                                        source=chosen, monthly=first.monthly, official=official).frame)
        except UnknownPeriod:
            continue  # this breakdown was not published for the period: the others still are
    frame = exports.combine_breakdowns(frames)
    mixed = official and chosen != "national" and (frame.get(SOURCE_COLUMN, pd.Series(dtype=object)) == "published").any()
    return exports.Table(indicator=first.indicator, source_used="official" if mixed else chosen, frame=frame)


def year_period(engine: Engine, indicator_id: str, area: str, audience: Audience, period: str | None) -> str | None:
    """The indicator's own period for a period asked of several indicators at once: the period itself when the
    indicator has it; for a year (`2024`), the latest period that had ended by the end of that year (an academic
    year 2023/24, a financial year 2023-24); otherwise UnknownPeriod."""
    if period is None:
        return None
    first = engine.result(indicator_id, area, audience)
    periods = list(dict.fromkeys(first.frame["period"]))
    found = engine.period_for(first.indicator, first.source, periods, period)
    if found is None:
        raise UnknownPeriod(f"{indicator_id} has no period '{period}'", periods)
    return found


def book_context(engine: Engine, area_code: str, audience: Audience, period: str | None = None,
                 title: str = "SEND data book") -> exports.Context:
    where = engine.area(area_code)
    return exports.Context(
        area_code=where.code, area_name=where.name, audience=Audience(audience).value,
        suppression_note=suppression_note(Audience(audience)), warehouse_version=engine.version,
        generated=datetime.now().replace(microsecond=0), period=period,
        reference_date=engine.info.get("reference_date"),
        synthetic=engine.info.get("synthetic_local_data") == "true", title=title)


# --- request helpers -------------------------------------------------------------------------------------

def _printable(text: object) -> str:
    """An argument echoed back in a message: short, and only harmless characters."""
    return _PRINTABLE.sub("", str(text))[:40]


def _args() -> dict[str, str | None]:
    """The query arguments we know, each a single short value (or None)."""
    out: dict[str, str | None] = {}
    for name in ARGS:
        values = request.args.getlist(name)
        if len(values) > 1:
            raise BadRequest(400, f"Give '{name}' once only.")
        value = values[0].strip() if values else ""
        if len(value) > MAX_ARG:
            raise BadRequest(400, f"The '{name}' given is too long to be valid.")
        out[name] = value or None
    if out["source"] is not None and out["source"] not in SOURCES:
        raise BadRequest(400, f"Unknown source '{_printable(out['source'])}'. Choose one of: {', '.join(SOURCES)}.")
    if out["by"] is not None and out["by"] not in BY:
        raise BadRequest(400, f"Unknown 'by' '{_printable(out['by'])}'. Choose one of: {', '.join(BY)}.")
    return out


def _choices(values: list[str], limit: int = 12) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def _area(engine: Engine, value: str | None) -> str:
    if value is None:
        return engine.local_area or "E92000001"
    try:
        return engine.area(value).code
    except UnknownArea:
        raise BadRequest(400, f"Unknown area '{_printable(value)}'. Give a council's code (for example "
                              "E06000023 or 801), a region code or E92000001 for England.") from None


def _explain(exc: EngineError, what: str) -> BadRequest:
    if isinstance(exc, UnknownIndicator):
        return BadRequest(404, f"There is no indicator '{_printable(what)}'. The indicator dictionary "
                               "(/dictionary) lists every indicator and its id.")
    if isinstance(exc, UnknownPeriod):
        return BadRequest(400, f"{_printable(what)} has no figures for that period. Periods available: "
                               f"{_choices(exc.choices) or 'none'}.")
    if isinstance(exc, UnknownBreakdown):
        return BadRequest(400, f"{_printable(what)} has no such breakdown. Breakdowns available: "
                               f"{_choices([ALL_BREAKDOWNS, *exc.choices])}.")
    if isinstance(exc, NotAvailable):
        return BadRequest(404, f"{_printable(what)} has no figures for this area: the loaded data does not cover "
                               "it. The coverage page (/coverage) says which file would.")
    if isinstance(exc, UnknownArea):
        return BadRequest(400, "Unknown area.")
    return BadRequest(400, "That request cannot be answered.")


def attachment(body: bytes | str, mimetype: str, file_name: str) -> Response:
    """A file to download, never kept by a browser or proxy (it is for the person who asked)."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"  # a file is for the audience that asked for it
    return response


def _engine() -> Engine:
    from dashboard.access import engine

    return engine()


def guarded(handler: Callable[..., Response]) -> Callable[..., Response]:
    """Turn refusals into plain-text answers and anything unexpected into a 500 without a traceback."""
    def run(**kwargs: Any) -> Response:
        try:
            return handler(**kwargs)
        except BadRequest as exc:
            return plain(exc.status, exc.message)
        except Exception as exc:  # noqa: BLE001 - a download must never show a traceback
            from data.warehouse.connect import WarehouseUnavailable

            if isinstance(exc, WarehouseUnavailable):  # its message says what to run, as the pages show it
                return plain(503, f"The data is not available at the moment. {exc}")
            if isinstance(exc, FileNotFoundError):
                return plain(503, "The data is not available at the moment: no warehouse could be opened.")
            LOG.exception("download failed")
            return plain(500, "Something went wrong making the file. Try again; if it keeps happening, tell the "
                               "team that runs this dashboard.")
    run.__name__ = handler.__name__
    return run


# --- downloads -------------------------------------------------------------------------------------------

def _one_indicator(indicator_id: str) -> tuple[exports.Table, exports.Context, str]:
    from dashboard.access import audience_for

    args = _args()
    engine = _engine()
    if indicator_id not in engine.catalogue:
        raise _explain(UnknownIndicator(indicator_id), indicator_id)
    area = _area(engine, args["area"])
    audience = audience_for(args["audience"], area)
    try:
        table = gather(engine, indicator_id, area, audience, period=args["period"], breakdown=args["breakdown"],
                       source=args["source"], monthly=args["by"] == "month")
    except EngineError as exc:
        raise _explain(exc, indicator_id) from None
    context = book_context(engine, area, audience, args["period"], f"SEND data book: {table.indicator.title}")
    breakdown = None if args["breakdown"] in (None, ALL_BREAKDOWNS) else args["breakdown"]
    stem = [indicator_id, area, args["period"], breakdown, args["source"], args["by"], audience.value]
    return table, context, exports.file_stem(*stem)


def download_csv(indicator_id: str) -> Response:
    table, context, stem = _one_indicator(indicator_id)
    body = "\ufeff" + exports.to_csv([table], context)  # the byte-order mark tells Excel the file is UTF-8
    return attachment(body.encode("utf-8"), "text/csv", f"{stem}.csv")


def download_xlsx(indicator_id: str) -> Response:
    table, context, stem = _one_indicator(indicator_id)
    return attachment(exports.to_xlsx([table], context), XLSX_TYPE, f"{stem}.xlsx")


def _many(indicator_ids: list[str], title: str, name: str) -> Response:
    from dashboard.access import audience_for

    args = _args()
    if args["breakdown"] not in (None, ALL_BREAKDOWNS) or args["source"] is not None or args["by"] is not None:
        raise BadRequest(400, "A workbook of several indicators holds every breakdown from each one's usual source, "
                              "by year; leave out 'breakdown', 'source' and 'by'.")
    engine = _engine()
    area = _area(engine, args["area"])
    audience = audience_for(args["audience"], area)
    tables, missing = [], []
    for indicator_id in indicator_ids:
        try:
            period = year_period(engine, indicator_id, area, audience, args["period"])
            tables.append(gather(engine, indicator_id, area, audience, period=period))
        except (NotAvailable, UnknownPeriod):
            missing.append(engine.indicator(indicator_id).title)
    if not tables:
        raise BadRequest(404, "None of these indicators has figures for this area and period.")
    context = book_context(engine, area, audience, args["period"], title)
    if args["period"] is not None:
        context = dataclasses.replace(context, notes=(
            f"Each indicator's figures for {args['period']}; an indicator counted by academic or financial year "
            f"shows the latest year that had ended by the end of {args['period']}.",))
    if missing:
        context = dataclasses.replace(context, missing=tuple(missing))
    file_name = exports.safe_file_name(name, area, args["period"], audience.value, ext="xlsx")
    return attachment(exports.to_xlsx(tables, context), XLSX_TYPE, file_name)


def download_theme(theme: str) -> Response:
    key = theme.replace("-", "_")
    if key not in {t.value for t in Theme}:
        raise BadRequest(404, f"There is no theme '{_printable(theme)}'. Themes: "
                              f"{', '.join(t.value.replace('_', '-') for t in Theme)}.")
    engine = _engine()
    ids = [i.id for i in engine.catalogue.by_theme()[Theme(key)]]
    return _many(ids, f"SEND data book: {THEME_TITLES[Theme(key)]}", f"send-data-book-{key.replace('_', '-')}")


def download_all() -> Response:
    engine = _engine()
    return _many([i.id for i in engine.catalogue], "SEND data book: every indicator", "send-data-book")


# --- the board pack PDF ------------------------------------------------------------------------------------

def board_pack_pdf() -> Response:
    from dashboard import filters, pdf, views

    args = _args()
    engine = _engine()
    area = _area(engine, args["area"])
    if engine.area(area).level != "Local authority":
        raise BadRequest(400, "The board pack is for one council: give a council's code (for example E06000023).")
    if args["period"] is not None and filters.clean_year(args["period"], engine.reference_date.year) is None:
        raise BadRequest(400, f"The period must be a year from {filters.FIRST_YEAR} to "
                              f"{engine.reference_date.year} (the pack shows the figures available at its end), or "
                              "left out for the latest figures.")
    try:
        ctx = views.context({"area": area, "period": args["period"], "audience": args["audience"]})
    except views.Problem as exc:
        raise BadRequest(400, f"{exc.message} {exc.hint}".strip()) from None
    document = pdf.pack_document(ctx, base_url=request.host_url)
    try:
        body = pdf.render_pdf(document, footer=pdf.footer_text(ctx))
    except pdf.ChromiumMissing as exc:
        return plain(503, str(exc))
    except pdf.RenderFailed as exc:
        return plain(503, str(exc))
    response = attachment(body, "application/pdf", pdf.file_name(ctx))
    response.headers["Content-Disposition"] = f'inline; filename="{pdf.file_name(ctx)}"'
    return response


def register(server: Flask) -> None:
    """Attach the routes to the app's Flask server."""
    server.add_url_rule("/download/<indicator_id>.csv", "download_csv", guarded(download_csv))
    server.add_url_rule("/download/<indicator_id>.xlsx", "download_xlsx", guarded(download_xlsx))
    server.add_url_rule("/download/theme/<theme>.xlsx", "download_theme", guarded(download_theme))
    server.add_url_rule("/download/all-indicators.xlsx", "download_all", guarded(download_all))
    server.add_url_rule("/board-pack.pdf", "board_pack_pdf", guarded(board_pack_pdf))
