"""Case lists for council officers: every open case against its statutory clock, on a page and as files.

    /casework                                        the page (dashboard/pages/casework.py)
    /casework/open-cases.csv?team=&caseworker=       the same list as CSV
    /casework/open-cases.xlsx?team=&caseworker=      and as a workbook (the list, and a sheet about the file)
    /casework/<clock>.csv|xlsx                       each other clock the same way (see LISTS)

Child-level records: only an officer of the warehouse's own council sees them. The check is made here, from the
signed-in session, for every draw of the page and every download, never from the URL. The team and caseworker
asked for are checked against the teams and caseworkers the list holds before the engine sees them. Every
answer holding a child's record is written to the audit log first (`dashboard.audit`), with the ids of the
children it holds, and never kept in the response cache; every refusal is recorded too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import flask
import pandas as pd

from dashboard import access, alerts, audit, exports, filters, response_cache, routes
from dashboard.identity import Role, User
from dashboard.security import plain
from indicators.vocabulary import Audience

PAGE_PATH = "/casework"
# the name in a file's URL -> the engine's case list (each clock has the open cases' columns)
LISTS = {"open-cases": "open_cases", "no-plan-16wk": "no_plan_16wk", "health-advice": "health_advice",
         "annual-review": "annual_review", "review-decision": "review_decision", "phase-transfer": "phase_transfer"}
FILE_TYPES = ("csv", "xlsx")
FILTERS = ("team", "caseworker")
SIGN_IN = "/sign-in?next=" + PAGE_PATH

# The engine's clock words, most urgent first, with what each means for the summary.
CLOCKS = {"Breached": "past the date it was due",
          "Due this week": "due in the next 7 days",
          "Due in the next four weeks": "due in 7 to 34 days",
          "On track": "due in 35 days or more"}

# (engine column, header): the order of the page's table and the files' columns, the clock beside the child.
COLUMNS = [("request_id", "Request id"), ("person_id", "Child id (pseudonymous)"), ("name", "Name"),
           ("due_date", "Due date"), ("days_to_due", "Days to due date"), ("clock", "Clock"), ("stage", "Stage"),
           ("team", "Team"), ("caseworker", "Caseworker"), ("received_date", "Request received"),
           ("days_open", "Days open"), ("birth_date", "Date of birth")]
DATES = ("birth_date", "received_date", "due_date")

SYNTHETIC_NOTE = ("The records in this file are synthetic: generated for demonstration, they describe no real child "
                  "or young person.")
HANDLING = ("Personal data about children, for the council's officers only: keep it within the council's own "
            "secure systems and delete it when the work is done. Each download is recorded in the audit log.")


class BadFilter(Exception):
    """A team or caseworker the list does not hold (a forged or stale link)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Cases:
    """One officer's view of a case list: the rows, what narrowed them, and the choices the list offers."""

    kind: str  # a key of LISTS
    council: str
    council_name: str
    reference_date: date
    frame: pd.DataFrame
    team: str | None
    caseworker: str | None
    teams: list[str]
    caseworkers: dict[str, list[str]]  # team -> its caseworkers, for the choices
    synthetic: bool
    warehouse_version: str

    def counts(self) -> dict[str, int]:
        """Open cases, then each clock's count (every clock, zero when none)."""
        clocks = self.frame["clock"].value_counts()
        return {"Open cases": len(self.frame), **{c: int(clocks.get(c, 0)) for c in CLOCKS}}

    def child_ids(self) -> list[str]:
        """The pseudonymous ids of the children in the list, each once, in the list's order."""
        return list(dict.fromkeys(str(i) for i in self.frame["person_id"]))

    def filters(self) -> dict[str, str]:
        """The narrowing asked for (empty: every team or caseworker), for the audit log and the links."""
        return {"team": self.team or "", "caseworker": self.caseworker or ""}

    def query(self) -> dict[str, str]:
        return {k: v for k, v in self.filters().items() if v}

    def records(self) -> list[dict[str, Any]]:
        """Every row as plain values: text, whole numbers and dates."""
        out = []
        for row in self.frame.to_dict("records"):
            item = {"name": f"{exports.plain(row['forename'])} {exports.plain(row['surname'])}".strip()}
            for column, _ in COLUMNS:
                if column == "name":
                    continue
                value = row[column]
                if column in DATES:
                    item[column] = None if pd.isna(value) else pd.Timestamp(value).date()
                elif column in ("days_open", "days_to_due"):
                    item[column] = int(value)
                else:
                    item[column] = exports.plain(value)
            out.append(item)
        return out

    def narrowed(self) -> str:
        """'every team and caseworker', 'team Primary', ... in words."""
        parts = [f"team {self.team}" if self.team else "", f"caseworker {self.caseworker}" if self.caseworker else ""]
        return ", ".join(p for p in parts if p) or "every team and caseworker"


# --- who may see it -----------------------------------------------------------------------------------------

def officer() -> tuple[User, str]:
    """The signed-in officer and the council whose records they may see (the warehouse's); Forbidden otherwise."""
    council = access.home_council()
    if not council:  # no warehouse, or one of no council: no council's officers, so nobody
        raise access.Forbidden("No council's records are loaded, so there are no cases to show.")
    return access.require(Role.OFFICER, council), council


def refuse(target: str, exc: access.Forbidden, asked: Mapping[str, object]) -> str:
    """Record a refused attempt (with the filters it asked for) and give the words that explain it."""
    audit.record("denied", target=target, council=access.home_council(),
                 filters={k: v for k, v in asked.items() if k in FILTERS and v not in (None, "")}, outcome="refused")
    return exc.message


# --- the list ---------------------------------------------------------------------------------------------

def _choice(value: object, allowed: list[str], what: str, strict: bool) -> tuple[str | None, str | None]:
    """The value if the list holds it; else None and a note (or BadFilter when `strict`)."""
    if value in (None, ""):
        return None, None
    chosen = filters.clean_choice(value, allowed)
    if chosen is not None:
        return chosen, None
    if strict:
        raise BadFilter(f"There is no {what} of that name among the open cases. Leave '{what}' out for every "
                        f"{what}, or choose one the page lists.")
    return None, f"The link asks for a {what} the open cases do not have, so every {what} is shown."


def load(council: str, user: User, kind: str = "open-cases", *, team: object = None, caseworker: object = None,
         strict: bool = False) -> tuple[Cases, list[str]]:
    """The case list for an officer of `council` (call `officer()` first), narrowed to a team and caseworker
    the list holds, and notes on any filter that was set aside (strict: BadFilter instead)."""
    engine = access.engine()
    audience = access.audience_for(None, council)
    if audience is not Audience.OFFICER:  # officer() has been called, so this cannot happen; never risk it
        raise access.Forbidden("Child-level records are for council officers.")
    every = engine.case_list(audience, user=user.id, kind=LISTS[kind])
    teams = sorted(set(every["team"]))
    by_team: dict[str, list[str]] = {}
    for team_name, names in every.groupby("team")["caseworker"]:
        by_team[str(team_name)] = sorted(set(names))
    notes = []
    chosen_team, note = _choice(team, teams, "team", strict)
    notes += [note] if note else []
    chosen_worker, note = _choice(caseworker, sorted(set(every["caseworker"])), "caseworker", strict)
    notes += [note] if note else []
    frame = every if not (chosen_team or chosen_worker) else engine.case_list(
        audience, user=user.id, kind=LISTS[kind], team=chosen_team, caseworker=chosen_worker)
    area = engine.area(council)
    return Cases(kind=kind, council=council, council_name=area.name, reference_date=engine.reference_date,
                 frame=frame, team=chosen_team, caseworker=chosen_worker, teams=teams, caseworkers=by_team,
                 synthetic=engine.info.get("synthetic_local_data") == "true",
                 warehouse_version=engine.version), notes


def seen(cases: Cases, action: str, target: str) -> None:
    """Write the view or download to the audit log, with every child it holds (before it is given)."""
    audit.record(action, target=target, council=cases.council, filters=cases.filters(), child_ids=cases.child_ids())


# --- files --------------------------------------------------------------------------------------------------

def file_path(kind: str, ext: str, query: Mapping[str, str] | None = None) -> str:
    from urllib.parse import urlencode

    return f"{PAGE_PATH}/{kind}.{ext}" + (f"?{urlencode(query)}" if query else "")


def rows(cases: Cases) -> list[list[Any]]:
    return [[r[column] for column, _ in COLUMNS] for r in cases.records()]


def about(cases: Cases) -> list[tuple[str, str]]:
    generated = datetime.now().replace(microsecond=0)
    fields = [("Title", "Open cases against their statutory clocks" if cases.kind == "open-cases"
               else f"Open cases: {alerts.CLOCKS[LISTS[cases.kind]]}"),
              ("Council", f"{cases.council_name} ({cases.council})"),
              ("Cases", f"{len(cases.frame):,}, {cases.narrowed()}"),
              ("Open on", cases.reference_date.isoformat() + " (the date the loaded data runs to)"),
              ("Clocks", ("The decision whether to assess is due 6 weeks after the request; the plan 20 weeks "
                          "after it." if cases.kind == "open-cases" else alerts.CLOCKS[LISTS[cases.kind]] + ".")
               + " Days to due date is negative for a case past its date."),
              ("Generated", f"{generated.day} {generated:%B %Y at %H:%M}"),
              ("Warehouse version", cases.warehouse_version),
              ("Handling", HANDLING)]
    if cases.synthetic:
        fields.append(("Synthetic data", SYNTHETIC_NOTE))
    return fields


def download(kind: str, ext: str) -> flask.Response:
    """`/casework/<kind>.<ext>?team=&caseworker=`: the list for an officer of the council; 403 for anyone else,
    400 for a filter the list does not hold, 404 for a list or file type there is not."""
    response_cache.dont_keep()
    target = file_path(kind, ext)
    if kind not in LISTS or ext not in FILE_TYPES:
        return plain(404, "There is no such case list. Try /casework/open-cases.csv or .xlsx.")
    try:
        user, council = officer()
    except access.Forbidden as exc:
        return plain(403, refuse(target, exc, flask.request.args.to_dict(flat=False)))
    args = flask.request.args
    if set(args) - set(FILTERS) or any(len(args.getlist(k)) > 1 for k in args):
        return plain(400, "Give 'team' and 'caseworker' at most once each, and nothing else.")
    try:
        cases, _ = load(council, user, kind, team=args.get("team"), caseworker=args.get("caseworker"), strict=True)
    except BadFilter as exc:
        return plain(400, exc.message)
    seen(cases, "export", target)
    stem = exports.file_stem(kind, council, cases.reference_date.isoformat(), cases.team, cases.caseworker)
    headers = [h for _, h in COLUMNS]
    if ext == "csv":
        body = ("\ufeff" + exports.list_csv(headers, rows(cases))).encode("utf-8")  # the mark tells Excel: UTF-8
        return routes.attachment(body, "text/csv", f"{stem}.csv")
    body = exports.list_xlsx(headers, rows(cases), about(cases), title="Open cases", subject=cases.council_name,
                             sheet="Open cases")
    return routes.attachment(body, routes.XLSX_TYPE, f"{stem}.xlsx")


def register(server: flask.Flask) -> None:
    server.add_url_rule(f"{PAGE_PATH}/<kind>.<ext>", "casework_file", routes.guarded(download))
