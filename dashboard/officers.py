"""What every officers' view shares (the case lists, the data-quality workbench, the SEN2 reconciliation): who may
see children's records, checking what a link asks for, the audit entry for each view and refusal, and the files.

Only an officer of the warehouse's own council sees child-level records. The check is made from the signed-in
session for every draw and every download, never from the URL (`officer()`), and again where the engine is
taken (`officer_engine()`), so a page that forgot the first would still be refused. A choice a link asks for is
checked against the choices the view holds before the engine sees it (`choice()`). Every answer holding a child's
record is written to the audit log first, with the ids of the children it holds (`seen()`), and never kept in the
response cache; every refusal is recorded too (`refuse()`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import urlencode

import flask
import pandas as pd
from werkzeug.datastructures import MultiDict

from dashboard import access, audit, exports, filters, routes
from dashboard.identity import Role, User
from indicators.engine import Engine
from indicators.vocabulary import Audience

SYNTHETIC_NOTE = ("The records in this file are synthetic: generated for demonstration, they describe no real child "
                  "or young person.")
HANDLING = ("Personal data about children, for the council's officers only: keep it within the council's own "
            "secure systems and delete it when the work is done. Each download is recorded in the audit log.")
FILE_TYPES = ("csv", "xlsx")


class BadChoice(Exception):
    """A choice the view does not hold (a forged or stale link): a 400 for a file, a note on a page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class View(Protocol):
    """What the audit log needs from any officers' view."""

    council: str

    def filters(self) -> dict[str, str]: ...

    def child_ids(self) -> list[str]: ...


# --- who may see it -----------------------------------------------------------------------------------------

def officer() -> tuple[User, str]:
    """The signed-in officer and the council whose records they may see (the warehouse's); Forbidden otherwise."""
    council = access.home_council()
    if not council:  # no warehouse, or one of no council: no council's officers, so nobody
        raise access.Forbidden("No council's records are loaded, so there are no records to show.")
    return access.require(Role.OFFICER, council), council


def officer_engine(what: str = "Child-level records") -> Engine:
    """The engine, once the caller is known to see the officers' tier for its council (`officer()` comes first,
    so this cannot fail; it is checked again so that no path ever reaches the records without it)."""
    engine = access.engine()
    if access.audience_for(None, engine.local_area) is not Audience.OFFICER:
        raise access.Forbidden(f"{what} are for council officers.")
    return engine


def refuse(target: str, exc: access.Forbidden, asked: Mapping[str, object], allowed: Iterable[str]) -> str:
    """Record a refused attempt (with the choices it asked for) and give the words that explain it."""
    names = set(allowed)
    audit.record("denied", target=target, council=access.home_council(),
                 filters={k: v for k, v in asked.items() if k in names and v not in (None, "")}, outcome="refused")
    return exc.message


def seen(view: View, action: str, target: str) -> None:
    """Write the view or download to the audit log, with every child it holds (before it is given)."""
    audit.record(action, target=target, council=view.council, filters=view.filters(), child_ids=view.child_ids())


def children(ids: Iterable[Any]) -> list[str]:
    """Pseudonymous ids, each once, in their first order: what the audit log records."""
    return list(dict.fromkeys(str(i) for i in ids))


# --- what a link asks for -----------------------------------------------------------------------------------

def choice(value: object, allowed: Sequence[str], what: str, *, strict: bool,
           where: str = "the list") -> tuple[str | None, str | None]:
    """The value if `allowed` holds it; else None and a note saying it was set aside, so every one is shown
    (BadChoice when `strict`)."""
    if value in (None, ""):
        return None, None
    chosen = filters.clean_choice(value, allowed)
    if chosen is not None:
        return chosen, None
    if strict:
        raise BadChoice(f"There is no {what} of that name in {where}. Leave '{what}' out, or choose one the page "
                        "lists.")
    return None, f"The link asks for a {what} not found in {where}, so every {what} is shown."


def teams(frame: pd.DataFrame) -> tuple[list[str], dict[str, list[str]]]:
    """The teams holding the records, and each team's caseworkers: the choices a list offers."""
    by_team = {str(team): sorted(set(names)) for team, names in frame.groupby("team")["caseworker"]}
    return sorted(set(frame["team"])), by_team


def args_problem(args: MultiDict, allowed: Sequence[str]) -> str | None:
    """Why a file's query is refused: a name it does not take, or one given twice; None when it is fine."""
    if set(args) - set(allowed) or any(len(args.getlist(k)) > 1 for k in args):
        names = " and ".join(f"'{a}'" for a in allowed)
        return f"Give {names} at most once each, and nothing else." if allowed else "This file takes no choices."
    return None


# --- files --------------------------------------------------------------------------------------------------

def file_path(page: str, kind: str, ext: str, query: Mapping[str, str] | None = None) -> str:
    return f"{page}/{kind}.{ext}" + (f"?{urlencode(query)}" if query else "")


def about(fields: list[tuple[str, str]], *, version: str, synthetic: bool,
          handling: bool = True) -> list[tuple[str, str]]:
    """A file's 'about' sheet: its own fields, then when it was made, from which load, and how to keep it."""
    generated = datetime.now().replace(microsecond=0)
    return [*fields, ("Generated", f"{generated.day} {generated:%B %Y at %H:%M}"), ("Warehouse version", version),
            *([("Handling", HANDLING)] if handling else []),
            *([("Synthetic data", SYNTHETIC_NOTE)] if synthetic else [])]


def list_file(ext: str, stem: str, headers: list[str], rows: list[list[Any]], about_fields: list[tuple[str, str]], *,
              title: str, subject: str, sheet: str) -> flask.Response:
    """A list as a CSV (with the mark that tells Excel it is UTF-8) or a workbook with an 'about' sheet."""
    if ext == "csv":
        return routes.attachment(("\ufeff" + exports.list_csv(headers, rows)).encode("utf-8"), "text/csv",
                                 f"{stem}.csv")
    body = exports.list_xlsx(headers, rows, about_fields, title=title, subject=subject, sheet=sheet)
    return routes.attachment(body, routes.XLSX_TYPE, f"{stem}.xlsx")
