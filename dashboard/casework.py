"""Case lists for council officers: every open case against its statutory clock, on a page and as files.

    /casework                                        the page (dashboard/pages/casework.py)
    /casework/open-cases.csv?team=&caseworker=       the same list as CSV
    /casework/open-cases.xlsx?team=&caseworker=      and as a workbook (the list, and a sheet about the file)
    /casework/<clock>.csv|xlsx                       each other clock the same way (see LISTS)
    /casework/performance.csv|xlsx?period=&team=     the performance table by team, or one team's caseworkers

Child-level records, for an officer of the warehouse's own council only: the guard, the checks on what a link asks
for, the audit entries and the files are `dashboard.officers`, shared with the other officers' views.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import flask
import pandas as pd

from dashboard import access, alerts, exports, officers, response_cache, routes
from dashboard.identity import User
from dashboard.security import plain
from indicators import tracker

PAGE_PATH = "/casework"
# the name in a file's URL -> the engine's case list (each clock has the open cases' columns)
LISTS = {"open-cases": "open_cases", "no-plan-16wk": "no_plan_16wk", "health-advice": "health_advice",
         "annual-review": "annual_review", "review-decision": "review_decision", "phase-transfer": "phase_transfer"}
FILTERS = ("team", "caseworker")
PERFORMANCE = "performance"  # the performance table's file name
PERFORMANCE_FILTERS = ("period", "team")
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
        return officers.children(self.frame["person_id"])

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


# --- the list ---------------------------------------------------------------------------------------------

def load(council: str, user: User, kind: str = "open-cases", *, team: object = None, caseworker: object = None,
         strict: bool = False) -> tuple[Cases, list[str]]:
    """The case list for an officer of `council` (call `officers.officer()` first), narrowed to a team and
    caseworker the list holds, and notes on any filter that was set aside (strict: officers.BadChoice instead)."""
    engine = officers.officer_engine()
    audience = access.audience_for(None, council)
    every = engine.case_list(audience, user=user.id, kind=LISTS[kind])
    teams, by_team = officers.teams(every)
    chosen_team, team_note = officers.choice(team, teams, "team", strict=strict, where="the open cases")
    chosen_worker, worker_note = officers.choice(caseworker, sorted(set(every["caseworker"])), "caseworker",
                                                 strict=strict, where="the open cases")
    notes = [n for n in (team_note, worker_note) if n]
    frame = every if not (chosen_team or chosen_worker) else engine.case_list(
        audience, user=user.id, kind=LISTS[kind], team=chosen_team, caseworker=chosen_worker)
    area = engine.area(council)
    return Cases(kind=kind, council=council, council_name=area.name, reference_date=engine.reference_date,
                 frame=frame, team=chosen_team, caseworker=chosen_worker, teams=teams, caseworkers=by_team,
                 synthetic=engine.info.get("synthetic_local_data") == "true",
                 warehouse_version=engine.version), notes


# --- performance by team and caseworker ----------------------------------------------------------------------

# (engine column, band): the open cases' ageing, the bands cut at the 6- and 20-week deadlines
AGEING = {"aged_6wk": "Up to 6 weeks", "aged_20wk": "6 to 20 weeks", "aged_26wk": "20 to 26 weeks",
          "aged_52wk": "26 weeks to a year", "aged_over_52wk": "A year or more"}
LATE_BAND = "20 to 26 weeks"  # the first band past the 20-week deadline
# (engine column, header): the performance table's columns, after the team or caseworker
MEASURES = [("open_cases", "Open cases"), ("issued", "Plans issued"), ("on_time_pct", "On time (%)"),
            ("on_time_ex_pct", "On time, excluding exceptions (%)"), ("late_open", "Past 20 weeks, no plan yet"),
            ("mean_weeks", "Mean weeks to issue"), ("median_days_open", "Median days open")]

ON_TIME_RULE = ("Open cases on the date the loaded data runs to, held by whoever holds them then. Plans issued in "
                "the period, held by whoever held the request on the day of issue. On time: issued within 20 weeks "
                "(140 days) of the request, leaving out plans with a mediation or tribunal before issue, as SEN2 "
                "counts them; an agreed request with no plan whose 20-week deadline fell in the period counts as "
                "late. 'Excluding exceptions' also leaves out plans whose assessment records a statutory "
                "exception (Week20). Mean weeks: over every plan issued in the period.")


@dataclass(frozen=True)
class Performance:
    """Caseload performance for one period: by team, or the caseworkers of one team; the charts follow the
    caseworker when one is chosen, else the whole table."""

    council: str
    council_name: str
    reference_date: date
    period: tracker.Period
    periods: list[tracker.Period]
    team: str | None
    caseworker: str | None
    frame: pd.DataFrame  # the holders' rows, then the total row
    warehouse_version: str
    synthetic: bool

    def holders(self) -> pd.DataFrame:
        return self.frame[~self.frame["total"]]

    def scope(self) -> dict[str, Any]:
        """The row the charts describe: the chosen caseworker's, else the total."""
        if self.caseworker:
            found = self.frame[~self.frame["total"] & (self.frame["holder"] == self.caseworker)]
            if len(found):
                return found.iloc[0].to_dict()
        return self.frame[self.frame["total"]].iloc[0].to_dict()

    def scope_name(self) -> str:
        if self.caseworker:
            return self.caseworker
        return f"Team {self.team}" if self.team else "Every team"

    def provisional(self) -> bool:
        """Requests received in the period whose 20 weeks still run: the period's figures may yet change."""
        return int(self.frame.loc[self.frame["total"], "pending"].sum()) > 0

    def bands(self) -> dict[str, int]:
        row = self.scope()
        return {band: int(row[column]) for column, band in AGEING.items()}

    def months(self) -> list[str]:
        return tracker.chart_months(self.reference_date)

    def partial_month(self) -> bool:
        return self.reference_date != pd.Period(self.reference_date, freq="M").end_time.date()

    def filters(self) -> dict[str, str]:
        return {"period": self.period.key, "team": self.team or ""}

    def query(self) -> dict[str, str]:
        return {k: v for k, v in self.filters().items() if v}

    def child_ids(self) -> list[str]:
        return []  # counts, no child's record

    def by(self) -> str:
        return f"Caseworker in team {self.team}" if self.team else "Team"


@dataclass(frozen=True)
class PageView:
    """One view of the page, for the audit log: the list's children and filters, and the performance's period."""

    cases: Cases
    found: Performance

    @property
    def council(self) -> str:
        return self.cases.council

    def filters(self) -> dict[str, str]:
        return {**self.cases.filters(), "period": self.found.period.key}

    def child_ids(self) -> list[str]:
        return self.cases.child_ids()


def performance(council: str, user: User, *, period: object = None, team: object = None, caseworker: object = None,
                strict: bool = False) -> tuple[Performance, list[str]]:
    """Caseload performance for an officer of `council` (call `officers.officer()` first): a period the tracker
    offers (rolling 12 months when left out), a team it holds; notes on any choice set aside (strict:
    officers.BadChoice instead)."""
    engine = officers.officer_engine()
    audience = access.audience_for(None, council)
    offered = tracker.periods(engine.reference_date)
    key, period_note = officers.choice(period, [p.key for p in offered], "period", strict=strict,
                                       where="the periods the tracker offers")
    chosen = tracker.period(key or tracker.DEFAULT, engine.reference_date)
    if period_note:
        period_note = f"The link asks for a period the tracker does not offer, so {chosen.label} is shown."
    every = engine.caseload_performance(audience, user=user.id, period=chosen.key)
    chosen_team, team_note = officers.choice(team, sorted(every.loc[~every["total"], "holder"]), "team",
                                             strict=strict, where="the tracker")
    frame = engine.caseload_performance(audience, user=user.id, period=chosen.key, team=chosen_team) \
        if chosen_team else every
    worker = caseworker if chosen_team and caseworker in set(frame.loc[~frame["total"], "holder"]) else None
    area = engine.area(council)
    return Performance(council=council, council_name=area.name, reference_date=engine.reference_date, period=chosen,
                       periods=offered, team=chosen_team, caseworker=worker, frame=frame,
                       warehouse_version=engine.version,
                       synthetic=engine.info.get("synthetic_local_data") == "true"), \
        [n for n in (period_note, team_note) if n]


def performance_rows(found: Performance) -> list[list[Any]]:
    """The table's rows as plain values (a rate or mean with none to give: empty), the total last."""
    out = []
    for row in found.frame.to_dict("records"):
        name = ("Every caseworker" if found.team else "Every team") if row["total"] else exports.plain(row["holder"])
        cells: list[Any] = [name]
        for column, _ in MEASURES:
            value = row[column]
            cells.append(None if pd.isna(value) else round(float(value), 1) if column in (
                "on_time_pct", "on_time_ex_pct", "mean_weeks", "median_days_open") else int(value))
        out.append(cells)
    return out


def performance_about(found: Performance) -> list[tuple[str, str]]:
    return officers.about([
        ("Title", "Caseload performance by " + ("caseworker, team " + found.team if found.team else "team")),
        ("Council", f"{found.council_name} ({found.council})"),
        ("Period", f"{found.period.label} ({found.period.first.isoformat()} to {found.period.last.isoformat()})"
         + (": provisional, 20-week clocks of requests received in it still run" if found.provisional() else "")),
        ("Counted", ON_TIME_RULE)], version=found.warehouse_version, synthetic=found.synthetic, handling=False)


# --- files --------------------------------------------------------------------------------------------------

def file_path(kind: str, ext: str, query: Mapping[str, str] | None = None) -> str:
    return officers.file_path(PAGE_PATH, kind, ext, query)


def rows(cases: Cases) -> list[list[Any]]:
    return [[r[column] for column, _ in COLUMNS] for r in cases.records()]


def about(cases: Cases) -> list[tuple[str, str]]:
    return officers.about([("Title", "Open cases against their statutory clocks" if cases.kind == "open-cases"
               else f"Open cases: {alerts.CLOCKS[LISTS[cases.kind]]}"),
              ("Council", f"{cases.council_name} ({cases.council})"),
              ("Cases", f"{len(cases.frame):,}, {cases.narrowed()}"),
              ("Open on", cases.reference_date.isoformat() + " (the date the loaded data runs to)"),
              ("Clocks", ("The decision whether to assess is due 6 weeks after the request; the plan 20 weeks "
                          "after it." if cases.kind == "open-cases" else alerts.CLOCKS[LISTS[cases.kind]] + ".")
               + " Days to due date is negative for a case past its date.")],
                         version=cases.warehouse_version, synthetic=cases.synthetic)


def download(kind: str, ext: str) -> flask.Response:
    """`/casework/<kind>.<ext>?team=&caseworker=`: the list for an officer of the council; 403 for anyone else,
    400 for a filter the list does not hold, 404 for a list or file type there is not."""
    response_cache.dont_keep()
    target = file_path(kind, ext)
    if kind == PERFORMANCE and ext in officers.FILE_TYPES:
        return performance_download(ext)
    if kind not in LISTS or ext not in officers.FILE_TYPES:
        return plain(404, "There is no such case list. Try /casework/open-cases.csv or .xlsx.")
    try:
        user, council = officers.officer()
    except access.Forbidden as exc:
        return plain(403, officers.refuse(target, exc, flask.request.args.to_dict(flat=False), FILTERS))
    args = flask.request.args
    if problem := officers.args_problem(args, FILTERS):
        return plain(400, problem)
    try:
        cases, _ = load(council, user, kind, team=args.get("team"), caseworker=args.get("caseworker"), strict=True)
    except officers.BadChoice as exc:
        return plain(400, exc.message)
    officers.seen(cases, "export", target)
    stem = exports.file_stem(kind, council, cases.reference_date.isoformat(), cases.team, cases.caseworker)
    return officers.list_file(ext, stem, [h for _, h in COLUMNS], rows(cases), about(cases), title="Open cases",
                              subject=cases.council_name, sheet="Open cases")


def performance_download(ext: str) -> flask.Response:
    """`/casework/performance.<ext>?period=&team=`: the performance table; 403 for anyone but an officer of the
    council, 400 for a period or team the tracker does not hold."""
    target = file_path(PERFORMANCE, ext)
    try:
        user, council = officers.officer()
    except access.Forbidden as exc:
        return plain(403, officers.refuse(target, exc, flask.request.args.to_dict(flat=False), PERFORMANCE_FILTERS))
    args = flask.request.args
    if problem := officers.args_problem(args, PERFORMANCE_FILTERS):
        return plain(400, problem)
    try:
        found, _ = performance(council, user, period=args.get("period"), team=args.get("team"), strict=True)
    except officers.BadChoice as exc:
        return plain(400, exc.message)
    officers.seen(found, "export", target)
    stem = exports.file_stem(PERFORMANCE, council, found.period.key.replace(":", "-"), found.team)
    return officers.list_file(ext, stem, [found.by(), *[h for _, h in MEASURES]], performance_rows(found),
                              performance_about(found), title="Caseload performance", subject=found.council_name,
                              sheet="Performance")


def register(server: flask.Flask) -> None:
    server.add_url_rule(f"{PAGE_PATH}/<kind>.<ext>", "casework_file", routes.guarded(download))
