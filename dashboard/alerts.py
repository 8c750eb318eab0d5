"""Breach alerts: per team, every case whose statutory clock has run out or runs out this week or in one of the
coming weeks, as files a council's own mail system sends on.

    python -m dashboard.alerts --as-of 2026-01-15 [--out data/alerts] [--weeks 4] [--warehouse FILE]

For each team it writes a CSV (formula-safe, `exports.list_csv`), an HTML email body (a whole, plain document:
a heading and one table per week, escaped value by value) and its plain-text alternative, then `index.json`
listing what was written. The same date and warehouse give byte-identical files (nothing says when they were
made). The warehouse is opened read-only; each run is one entry in the audit log, made as the alerts job, with
the ids of every child in the files. The officers' page shows the same counts from `gather` (one source).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from dashboard import audit, exports
from dashboard.identity import Role, User, acting_as
from indicators.vocabulary import Audience

# Every clock the engine keeps, with the words a caseworker reads (the engine's case lists, in this order).
CLOCKS = {
    "open_cases": "Request: 6-week decision, or assessment: 20-week plan",
    "no_plan_16wk": "Assessment: 16-week decision not to issue a plan",
    "health_advice": "Health and social care advice: 6 weeks",
    "annual_review": "Annual review: within 12 months",
    "review_decision": "Annual review decision: 4 weeks after the meeting",
    "phase_transfer": "Phase transfer: 15 February (31 March post-16)",
}
WEEKS = 4
PAST_DUE = -1  # the week number of a case already past its due date
COLUMNS = [("week", "Week"), ("clock_name", "Clock"), ("due_date", "Due date"), ("days_to_due", "Days to due date"),
           ("person_id", "Child id (pseudonymous)"), ("name", "Name"), ("stage", "Stage"),
           ("caseworker", "Caseworker"), ("request_id", "Request id"), ("received_date", "Request received")]
CHILD = dict(COLUMNS)["person_id"]
TARGET = "alerts"
OUT = Path("data") / "alerts"
JOB_ID = "system:alerts"


def job_user(council: str) -> User:
    """Who the command line acts as: the alerts job, an officer of the one council whose files it writes."""
    return User(JOB_ID, "Alerts job (python -m dashboard.alerts)", {council: frozenset({Role.OFFICER})}, "system")


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


@dataclass(frozen=True)
class Alerts:
    """Every case due by the end of the last week asked for, with its week (PAST_DUE, 0 = this week, 1, ...)."""

    council: str
    council_name: str
    as_of: date
    weeks: int
    frame: pd.DataFrame  # the engine's case-list columns, plus kind, clock_name, name and week
    teams: list[str]  # every team holding an open case, whether or not any is due
    synthetic: bool

    def week_label(self, week: int) -> str:
        if week == PAST_DUE:
            return f"Past its due date (due before {_day(self.as_of)})"
        start = self.as_of + timedelta(days=7 * week)
        end = start + timedelta(days=6)
        return f"Due {_day(start)} to {_day(end)}" + (" (this week)" if week == 0 else "")

    def short_label(self, week: int) -> str:
        """A table heading: 'Past due', 'This week, 15 Jan to 21 Jan', '22 Jan to 28 Jan'."""
        if week == PAST_DUE:
            return "Past due"
        start = self.as_of + timedelta(days=7 * week)
        span = f"{start:%-d %b} to {start + timedelta(days=6):%-d %b}"
        return f"This week, {span}" if week == 0 else span

    def week_numbers(self) -> list[int]:
        return [PAST_DUE, *range(self.weeks + 1)]

    def for_team(self, team: str) -> pd.DataFrame:
        return self.frame[self.frame["team"] == team]

    def counts(self, team: str) -> dict[int, int]:
        """Cases of `team` in each week (every week, zero when none)."""
        weeks = self.for_team(team)["week"].value_counts()
        return {w: int(weeks.get(w, 0)) for w in self.week_numbers()}

    def child_ids(self, team: str | None = None) -> list[str]:
        frame = self.frame if team is None else self.for_team(team)
        return list(dict.fromkeys(str(i) for i in frame["person_id"]))

    def rows(self, team: str) -> list[list[Any]]:
        out = []
        for row in self.for_team(team).to_dict("records"):
            values = {**row, "week": self.week_label(int(row["week"])), "days_to_due": int(row["days_to_due"]),
                      "due_date": _as_date(row["due_date"]), "received_date": _as_date(row["received_date"])}
            out.append([values[c] if c in ("due_date", "received_date", "days_to_due") else exports.plain(values[c])
                        for c, _ in COLUMNS])
        return out


def gather(engine: Any, user_id: str, as_of: date | None = None, weeks: int = WEEKS,
           audience: Audience = Audience.OFFICER) -> Alerts:
    """Every clock's cases due by the end of week `weeks` after `as_of` (default: the warehouse's reference date),
    past-due cases first. Child-level: the engine refuses anyone but officers and audits each list it gives."""
    if weeks < 0:
        raise ValueError("weeks is a count of weeks to look ahead, 0 or more")
    as_of = as_of or engine.reference_date
    frames, teams = [], set()
    for kind, name in CLOCKS.items():
        frame = engine.case_list(audience, user=user_id, kind=kind, as_of=as_of)
        teams.update(str(t) for t in frame["team"])
        days = (pd.to_datetime(frame["due_date"]) - pd.Timestamp(as_of)).dt.days
        frame = frame.assign(kind=kind, clock_name=name, week=(days // 7).clip(lower=PAST_DUE).astype(int),
                             name=(frame["forename"].map(exports.plain) + " " + frame["surname"].map(exports.plain))
                             .str.strip())
        frames.append(frame[frame["week"] <= weeks])
    every = pd.concat(frames, ignore_index=True)
    order = {k: i for i, k in enumerate(CLOCKS)}
    every = (every.assign(_clock=every["kind"].map(order))
             .sort_values(["team", "week", "due_date", "_clock", "request_id", "stage"], kind="stable")
             .drop(columns="_clock").reset_index(drop=True))
    council = engine.local_area
    return Alerts(council=council, council_name=engine.area(council).name, as_of=as_of, weeks=weeks, frame=every,
                  teams=sorted(teams), synthetic=engine.info.get("synthetic_local_data") == "true")


# --- the files ----------------------------------------------------------------------------------------------

def title(alerts: Alerts, team: str) -> str:
    return f"Cases past due or due by {_day(alerts.as_of + timedelta(days=7 * alerts.weeks + 6))}: {team}"


def email_html(alerts: Alerts, team: str) -> str:
    """One team's email body: a whole HTML document, every value escaped (markupsafe), meaning in words."""
    headers = [h for c, h in COLUMNS if c != "week"]
    rows = alerts.rows(team)
    parts = [Markup('<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n<title>{}</title>\n'
                    '</head>\n<body>\n<h1>{}</h1>\n<p>{}</p>\n').format(
        title(alerts, team), title(alerts, team), summary(alerts, team))]
    for week in alerts.week_numbers():
        mine = [r[1:] for r in rows if r[0] == alerts.week_label(week)]
        parts.append(Markup("<h2>{}</h2>\n").format(alerts.week_label(week)))
        if not mine:
            parts.append(Markup("<p>No cases.</p>\n"))
            continue
        parts.append(Markup("<table>\n<caption>{}: {} case{}</caption>\n<thead><tr>").format(
            alerts.week_label(week), len(mine), "" if len(mine) == 1 else "s"))
        parts += [Markup('<th scope="col">{}</th>').format(h) for h in headers]
        parts.append(Markup("</tr></thead>\n<tbody>\n"))
        for row in mine:  # the child heads each row
            cells = [Markup('<th scope="row">{}</th>' if h == CHILD else "<td>{}</td>").format(_text(v))
                     for h, v in zip(headers, row, strict=True)]
            parts.append(Markup("<tr>{}</tr>\n").format(Markup("").join(cells)))
        parts.append(Markup("</tbody>\n</table>\n"))
    parts.append(Markup("<p>{}</p>\n</body>\n</html>\n").format(footer(alerts)))
    return str(Markup("").join(parts))


def email_text(alerts: Alerts, team: str) -> str:
    """The plain-text alternative of `email_html`: the same words, a line a case."""
    headers = [h for c, h in COLUMNS if c != "week"]
    rows = alerts.rows(team)
    lines = [title(alerts, team), "", summary(alerts, team)]
    for week in alerts.week_numbers():
        mine = [r[1:] for r in rows if r[0] == alerts.week_label(week)]
        lines += ["", alerts.week_label(week), "-" * len(alerts.week_label(week))]
        lines += [" | ".join(f"{h}: {_text(v)}" for h, v in zip(headers, row, strict=True)) for row in mine]
        lines += [] if mine else ["No cases."]
    return "\n".join([*lines, "", footer(alerts), ""])


def summary(alerts: Alerts, team: str) -> str:
    counts = alerts.counts(team)
    words = [f"{counts[w]} {'case' if counts[w] == 1 else 'cases'} {_short_week(alerts, w)}"
             for w in alerts.week_numbers()]
    return (f"{alerts.council_name}, {team}, open on {_day(alerts.as_of)}: " + "; ".join(words) + ". A case "
            "breaches the day after its due date; statutory weeks are calendar days, with no allowance for bank "
            "holidays.")


def _short_week(alerts: Alerts, week: int) -> str:
    if week == PAST_DUE:
        return "already past their due date"
    if week == 0:
        return "due this week"
    return f"due in the week starting {_day(alerts.as_of + timedelta(days=7 * week))}"


def footer(alerts: Alerts) -> str:
    note = " The records are synthetic: they describe no real child." if alerts.synthetic else ""
    return ("Personal data about children, for the council's officers only: keep it within the council's own "
            "secure systems. Each run of the alerts is recorded in the audit log." + note)


def _as_date(value: Any) -> date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else exports.plain(value)


def write(alerts: Alerts, folder: Path) -> list[dict[str, Any]]:
    """Write every team's files into `folder` and the index; the index entries."""
    folder.mkdir(parents=True, exist_ok=True)
    headers = [h for _, h in COLUMNS]
    index, stems = [], set()
    for team in alerts.teams:
        stem = exports.file_stem("alerts", alerts.council, alerts.as_of.isoformat(), team)
        n = 2
        while stem in stems:  # two team names that make one file name keep files of their own
            stem = exports.file_stem("alerts", alerts.council, alerts.as_of.isoformat(), team, str(n))
            n += 1
        stems.add(stem)
        files = {"csv": f"{stem}.csv", "html": f"{stem}.html", "text": f"{stem}.txt"}
        (folder / files["csv"]).write_bytes(("\ufeff" + exports.list_csv(headers, alerts.rows(team))).encode())
        (folder / files["html"]).write_bytes(email_html(alerts, team).encode())
        (folder / files["text"]).write_bytes(email_text(alerts, team).encode())
        counts = alerts.counts(team)
        index.append({"team": team, "files": files, "cases": sum(counts.values()),
                      "by_week": {alerts.week_label(w): c for w, c in counts.items()}})
    about = {"council": alerts.council, "council_name": alerts.council_name, "as_of": alerts.as_of.isoformat(),
             "weeks": alerts.weeks, "clocks": CLOCKS, "synthetic": alerts.synthetic, "teams": index}
    (folder / "index.json").write_bytes((json.dumps(about, indent=2, ensure_ascii=False) + "\n").encode())
    return index


def run(warehouse: Path | None, as_of: date | None, folder: Path, weeks: int = WEEKS) -> Alerts:
    """One run of the job: gather as the alerts job, record it in the audit log, then write the files."""
    from indicators.engine import Engine

    engine = Engine(warehouse)  # opened read-only
    try:
        council = engine.local_area
        with acting_as(job_user(council)):
            alerts = gather(engine, JOB_ID, as_of, weeks)
            # recorded before any file holds a child's record, as every export is
            audit.record("export", target=TARGET, council=council,
                         filters={"as_of": alerts.as_of.isoformat(), "weeks": weeks, "out": str(folder)},
                         child_ids=alerts.child_ids())
        write(alerts, folder)
        return alerts
    finally:
        engine.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.alerts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--as-of", type=date.fromisoformat, help="the day the weeks start (default: the "
                        "warehouse's reference date), YYYY-MM-DD")
    parser.add_argument("--out", type=Path, default=OUT, help=f"the folder to write (default: {OUT}, git-ignored)")
    parser.add_argument("--weeks", type=int, default=WEEKS, help=f"weeks to look ahead (default: {WEEKS})")
    parser.add_argument("--warehouse", type=Path, help="the warehouse (default: SEND_WAREHOUSE)")
    args = parser.parse_args(argv)
    if args.weeks < 0:
        parser.error("--weeks must be 0 or more")
    alerts = run(args.warehouse, args.as_of, args.out, args.weeks)
    for team in alerts.teams:
        print(f"{team}: {sum(alerts.counts(team).values())} case(s)")
    print(f"Wrote {3 * len(alerts.teams) + 1} file(s) to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
