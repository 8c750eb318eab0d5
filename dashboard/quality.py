"""The data-quality workbench for council officers: how many records break each rule, the records behind one rule
grouped by the team and caseworker holding them, fix lists as files, and what the ingest set aside.

    /data-quality?rule=&team=&caseworker=                  the page (dashboard/pages/data_quality.py)
    /data-quality/<rule>.csv?team=&caseworker=             one rule's fix list as CSV
    /data-quality/<rule>.xlsx?team=&caseworker=            and as a workbook (the list, and a sheet about the file)

For an officer of the warehouse's own council only: the guard, the checks on what a link asks for, the audit
entries and the files are `dashboard.officers`, shared with the other officers' views.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import flask
import pandas as pd

from dashboard import access, exports, officers, response_cache, routes
from dashboard.identity import User
from dashboard.security import plain
from indicators import quality

PAGE_PATH = "/data-quality"
FILTERS = ("rule", "team", "caseworker")
SIGN_IN = "/sign-in?next=" + PAGE_PATH
SEVERITY_WORDS = {"error": "Error", "warning": "Warning", "query": "Query"}

# (engine column, header): the order of the page's table and the files' columns.
COLUMNS = [("record", "Record to fix"), ("person_id", "Child id (pseudonymous)"), ("name", "Name"),
           ("request_id", "Request id"), ("detail", "What is wrong"), ("team", "Team"), ("caseworker", "Caseworker")]


@dataclass(frozen=True)
class Workbench:
    """One officer's view: every rule's count, one rule's records (narrowed), and the quarantine."""

    council: str
    council_name: str
    reference_date: date
    counts: pd.DataFrame  # code, severity, message, table, fields, records
    quarantine: pd.DataFrame  # source_file, table_name, reason, action, rows
    history: pd.DataFrame  # version, reference_date, loaded_at, code, records: every load so far
    rule: quality.Rule | None
    frame: pd.DataFrame  # the chosen rule's records (empty when no rule is chosen)
    team: str | None
    caseworker: str | None
    teams: list[str]
    caseworkers: dict[str, list[str]]
    synthetic: bool
    warehouse_version: str

    def child_ids(self) -> list[str]:
        return officers.children(self.frame["person_id"]) if len(self.frame) else []

    def filters(self) -> dict[str, str]:
        return {"rule": self.rule.code if self.rule else "", "team": self.team or "",
                "caseworker": self.caseworker or ""}

    def query(self, *, rule: bool = True) -> dict[str, str]:
        return {k: v for k, v in self.filters().items() if v and (rule or k != "rule")}

    def narrowed(self) -> str:
        parts = [f"team {self.team}" if self.team else "", f"caseworker {self.caseworker}" if self.caseworker else ""]
        return ", ".join(p for p in parts if p) or "every team and caseworker"

    def groups(self) -> list[tuple[str, str, int]]:
        """(team, caseworker, records) for the chosen rule, the largest first: whose desk each batch of fixes is on."""
        if not len(self.frame):
            return []
        sizes = self.frame.groupby(["team", "caseworker"]).size().reset_index(name="n")
        sizes = sizes.sort_values(["n", "team", "caseworker"], ascending=[False, True, True])
        return [(str(t), str(c), int(n)) for t, c, n in sizes.itertuples(index=False)]

    def trend(self) -> list[dict[str, Any]]:
        """One row per load, oldest first: when it was loaded, the date its data ran to, the records breaking
        rules of each severity, and the chosen rule's own count (None when no rule is chosen, or the load
        predates the rule or could not check it)."""
        if not len(self.history):
            return []
        severity = dict(zip(self.counts["code"], self.counts["severity"], strict=True))
        frame = self.history.assign(severity=self.history["code"].map(severity))
        out = []
        for (_, loaded_at, reference), load in frame.groupby(["version", "loaded_at", "reference_date"], sort=False):
            by = load.groupby("severity")["records"].sum()
            mine = load.loc[load["code"] == (self.rule.code if self.rule else ""), "records"]
            out.append({"loaded_at": pd.Timestamp(loaded_at).to_pydatetime(), "reference_date": pd.Timestamp(
                reference).date(), **{s: int(by.get(s, 0)) for s in SEVERITY_WORDS},
                "rule": int(mine.iat[0]) if len(mine) and pd.notna(mine.iat[0]) else None})
        return sorted(out, key=lambda r: r["loaded_at"])

    def records(self) -> list[dict[str, Any]]:
        return [{column: exports.plain(row[column]) for column, _ in COLUMNS} for row in self.frame.to_dict("records")]


def load(council: str, user: User, *, rule: object = None, team: object = None, caseworker: object = None,
         strict: bool = False) -> tuple[Workbench, list[str]]:
    """The workbench for an officer of `council` (call `officers.officer()` first): a rule, team and caseworker
    it holds, and notes on any that was set aside (strict: officers.BadChoice instead)."""
    engine = officers.officer_engine()
    audience = access.audience_for(None, council)
    counts = engine.quality_counts(audience, user=user.id)
    notes = []
    code, note = officers.choice(rule, quality.codes(), "rule", strict=strict, where="the workbench")
    notes += [note] if note else []
    frame = pd.DataFrame(columns=[c for c, _ in COLUMNS])
    chosen_team = chosen_worker = None
    teams: list[str] = []
    by_team: dict[str, list[str]] = {}
    if code:
        every = engine.quality_records(audience, user=user.id, code=code)
        teams, by_team = officers.teams(every)
        chosen_team, note = officers.choice(team, teams, "team", strict=strict, where="the rule's records")
        notes += [note] if note else []
        chosen_worker, note = officers.choice(caseworker, sorted(set(every["caseworker"])), "caseworker",
                                              strict=strict, where="the rule's records")
        notes += [note] if note else []
        frame = every if not (chosen_team or chosen_worker) else engine.quality_records(
            audience, user=user.id, code=code, team=chosen_team, caseworker=chosen_worker)
    elif strict or team not in (None, "") or caseworker not in (None, ""):
        if strict:
            raise officers.BadChoice("Choose a rule first.")
        notes.append("A team or caseworker narrows one rule's records: choose a rule.")
    return Workbench(council=council, council_name=engine.area(council).name, reference_date=engine.reference_date,
                     counts=counts, quarantine=engine.quarantined(audience),
                     history=engine.quality_history(audience),
                     rule=quality.rule(code) if code else None, frame=frame, team=chosen_team,
                     caseworker=chosen_worker, teams=teams, caseworkers=by_team,
                     synthetic=engine.info.get("synthetic_local_data") == "true",
                     warehouse_version=engine.version), notes


# --- files --------------------------------------------------------------------------------------------------

def file_path(code: str, ext: str, query: Mapping[str, str] | None = None) -> str:
    return officers.file_path(PAGE_PATH, code, ext, query)


def rows(bench: Workbench) -> list[list[Any]]:
    return [[r[column] for column, _ in COLUMNS] for r in bench.records()]


def about(bench: Workbench) -> list[tuple[str, str]]:
    rule = bench.rule
    assert rule is not None
    return officers.about([("Title", f"Fix list for {rule.code}: {rule.message}"),
              ("Council", f"{bench.council_name} ({bench.council})"),
              ("Severity", SEVERITY_WORDS[rule.severity]),
              ("Where to fix", f"table {rule.table}, fields {', '.join(rule.fields)}"),
              ("Records", f"{len(bench.frame):,}, {bench.narrowed()}"),
              ("Data runs to", bench.reference_date.isoformat())],
                         version=bench.warehouse_version, synthetic=bench.synthetic)


def download(code: str, ext: str) -> flask.Response:
    """`/data-quality/<rule>.<ext>?team=&caseworker=`: one rule's fix list for an officer of the council; 403 for
    anyone else, 400 for a team or caseworker the list does not hold, 404 for a rule or file type there is not."""
    response_cache.dont_keep()
    target = file_path(code, ext)
    if code not in quality.codes() or ext not in officers.FILE_TYPES:
        return plain(404, "There is no such fix list. Try /data-quality/DQ101.csv or .xlsx.")
    try:
        user, council = officers.officer()
    except access.Forbidden as exc:
        return plain(403, officers.refuse(target, exc, {"rule": code, **flask.request.args.to_dict()}, FILTERS))
    args = flask.request.args
    if problem := officers.args_problem(args, ("team", "caseworker")):
        return plain(400, problem)
    try:
        bench, _ = load(council, user, rule=code, team=args.get("team"), caseworker=args.get("caseworker"),
                        strict=True)
    except officers.BadChoice as exc:
        return plain(400, exc.message)
    officers.seen(bench, "export", target)
    stem = exports.file_stem("fix-list", code, council, bench.reference_date.isoformat(), bench.team,
                             bench.caseworker)
    return officers.list_file(ext, stem, [h for _, h in COLUMNS], rows(bench), about(bench),
                              title=f"Fix list {code}", subject=bench.council_name, sheet=code)


def register(server: flask.Flask) -> None:
    server.add_url_rule(f"{PAGE_PATH}/<code>.<ext>", "data_quality_file", routes.guarded(download))
