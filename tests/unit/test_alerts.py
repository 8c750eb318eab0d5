"""Every statutory clock's open cases, and the breach alerts built from them, on a small extract worked by hand.

The extract is read on Monday 3 March 2025 (its reference date, and the alerts' as-of date). Statutory weeks are
calendar days, no bank-holiday adjustment; a due date is the last day allowed. Alert weeks: past due (before
3 March), this week 3-9 March (week 0), 10-16 (1), 17-23 (2), 24-30 (3), 31 March-6 April (4).

  request  child / team          what                                                   due          week
  R1       P1  North             received Fri 31 Jan 2025, undecided: 6 weeks           14 Mar 2025   1
                                 (31 Jan + 28 days = 28 Feb, + 14 = 14 Mar)
  R2       P2  South & <East>    received 31 Oct 2024, agreed, assessment open (exception flagged):
                                 20 weeks: 31 Oct + 30 = 30 Nov, + 31 = 31 Dec, + 31 = 31 Jan, + 28 = 28 Feb,
                                 + 20 = 20 Mar (140 days)                               20 Mar 2025   2
                                 16 weeks: 140 - 28 days                                20 Feb 2025   past (-11 days)
           advice H1             asked Fri 31 Jan 2025, not returned: 6 weeks           14 Mar 2025   1
           advice H2             asked 10 Jan, returned 10 Feb: not open                 -
  R3       P3  North             plan started Thu 29 Feb 2024, never reviewed:
                                 12 months on, 29 Feb 2025 does not exist               28 Feb 2025   past (-3 days)
  R4       P4  North             last review meeting 5 Mar 2024: 12 months               5 Mar 2025   0
  R5       P5  South & <East>    meeting 28 Feb 2025, no decision: 28 days              28 Mar 2025   3
                                 (its next annual review: 28 Feb 2026, outside the weeks)
  R6       P6  Unallocated       born 1 May 2014, moves to secondary Sept 2025: 15 Feb  15 Feb 2025   past (-16)
  R7       P7  Unallocated       born 10 Mar 2009, 16 on 31 Aug 2025: post-16, 31 Mar   31 Mar 2025   4
  R8       P8  Unallocated       born 1 Sep 2009, 15 on 31 Aug 2025: 15 Feb             15 Feb 2025   past (-16)
  R9       P9                    transfer finalised 10 Feb 2025: not open                -
  R10      P10                   transfer due 15 Feb 2024, its September passed: history -
  R11      P11                   transfer due 15 Feb 2026: its clock starts 1 Sep 2025   -
  R6-R11 had review meetings on 10 June 2024, so their annual reviews fall due 10 June 2025, outside the weeks.

South's caseworker is called <script>alert(1)</script>, and P2's forename is a formula.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from dashboard import alerts, audit
from data.settings import settings
from indicators.engine import Engine
from indicators.testing import build_warehouse
from indicators.vocabulary import Audience

AS_OF = date(2025, 3, 3)
SCRIPT = "<script>alert(1)</script>"
SOUTH = "South & <East>"
FORMULA = '=HYPERLINK("http://x","y")'

FILES = {
    "person.csv": ["persontableid,surname,forename,personbirthdate,sex,ethnicity,upn"],
    "requests.csv": ["requeststableid,persontableid,receiveddate,requestsource,rya,requestoutcomedate,"
                     "requestoutcome,requestmediation,requesttribunal"],
    "assessment.csv": ["assessmenttableid,requeststableid,assessmentoutcome,assessmentoutcomedate,"
                       "assessmentmediation,assessmenttribunal,othermediation,othertribunal,week20"],
    "namedplan.csv": ["namedplantableid,assessmenttableid,startdate,planres,planwbp,pb,oa,dp,ceasedate,ceasereason"],
    "activeplans.csv": ["activeplanstableid,requeststableid,phasetransferduedate,phasetransferfinaldate"],
    "reviews.csv": ["review_id,request_id,due_date,meeting_date,outcome,decision_date,family_felt_listened"],
    "health_advice.csv": ["advice_id,request_id,advice_type,provider,requested_date,due_date,returned_date"],
    "caseworkers.csv": ["caseworker_id,caseworker_name,team", "CW1,Alice Test,North",
                        f'CW2,{SCRIPT},"{SOUTH}"'],
    "casework.csv": ["request_id,caseworker_id,assigned_date,unassigned_date"],
}


def _extract(folder: Path) -> Path:
    rows = {name: list(lines) for name, lines in FILES.items()}

    def child(n: int, born: str = "2015-01-01", forename: str = "") -> None:
        quoted = '"' + (forename or f"Child{n}").replace('"', '""') + '"'
        rows["person.csv"].append(f"P{n},Test,{quoted},{born},F,WBRI,")

    def plan(n: int, received: str, issued: str, born: str = "2015-01-01") -> None:
        child(n, born)
        rows["requests.csv"].append(f"R{n},P{n},{received},1,0,{received},Y,0,0")
        rows["assessment.csv"].append(f"A{n},R{n},Y,{issued},0,0,0,0,0")
        rows["namedplan.csv"].append(f"N{n},A{n},{issued},,,0,0,,,")

    child(1)
    rows["requests.csv"].append("R1,P1,2025-01-31,1,0,,,0,0")
    child(2, forename=FORMULA)
    rows["requests.csv"].append("R2,P2,2024-10-31,1,0,2024-11-20,Y,0,0")
    rows["assessment.csv"].append("A2,R2,A,,0,0,0,0,1")
    rows["health_advice.csv"] += ["H1,R2,health,Community paediatrics,2025-01-31,,",
                                  "H2,R2,social_care,,2025-01-10,,2025-02-10"]
    plan(3, "2023-10-01", "2024-02-29")
    plan(4, "2023-01-10", "2023-06-01")
    rows["reviews.csv"].append("V4,R4,2024-06-01,2024-03-05,M,2024-03-20,")
    plan(5, "2023-01-10", "2023-06-01")
    rows["reviews.csv"].append("V5,R5,2025-06-01,2025-02-28,,,")
    transfers = {6: ("2014-05-01", "2025-02-15", ""), 7: ("2009-03-10", "2025-03-31", ""),
                 8: ("2009-09-01", "2025-02-15", ""), 9: ("2018-01-01", "2025-02-15", "2025-02-10"),
                 10: ("2013-01-01", "2024-02-15", ""), 11: ("2015-01-01", "2026-02-15", "")}
    for n, (born, due, final) in transfers.items():
        plan(n, "2020-01-10", "2020-06-01", born)
        rows["reviews.csv"].append(f"V{n},R{n},2024-06-10,2024-06-10,M,2024-06-20,")
        rows["activeplans.csv"].append(f"AP{n},R{n},{due},{final}")
    rows["casework.csv"] += ["R1,CW1,2025-02-01,", "R3,CW1,2024-03-01,", "R4,CW1,2024-03-01,",
                             "R2,CW2,2024-11-01,", "R5,CW2,2024-03-01,"]
    folder.mkdir(parents=True)
    for name, lines in rows.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("alerts")
    return build_warehouse(folder / "warehouse.duckdb", [_extract(folder / "extract")],
                           reference_date=AS_OF.isoformat())


@pytest.fixture(scope="module")
def engine(warehouse):
    opened = Engine(warehouse)
    yield opened
    opened.close()


# (kind, request, due date, days to due, clock), from the table above
DUE = [
    ("open_cases", "R1", "2025-03-14", 11, "Due in the next four weeks"),
    ("open_cases", "R2", "2025-03-20", 17, "Due in the next four weeks"),
    ("no_plan_16wk", "R2", "2025-02-20", -11, "Breached"),
    ("health_advice", "R2", "2025-03-14", 11, "Due in the next four weeks"),
    ("annual_review", "R3", "2025-02-28", -3, "Breached"),
    ("annual_review", "R4", "2025-03-05", 2, "Due this week"),
    ("annual_review", "R5", "2026-02-28", 362, "On track"),
    *[("annual_review", f"R{n}", "2025-06-10", 99, "On track") for n in range(6, 12)],
    ("review_decision", "R5", "2025-03-28", 25, "Due in the next four weeks"),
    ("phase_transfer", "R6", "2025-02-15", -16, "Breached"),
    ("phase_transfer", "R7", "2025-03-31", 28, "Due in the next four weeks"),
    ("phase_transfer", "R8", "2025-02-15", -16, "Breached"),
]


@pytest.mark.parametrize("kind", sorted({d[0] for d in DUE}))
def test_each_clock_lists_exactly_its_open_cases_with_the_hand_worked_due_date(engine, kind):
    frame = engine.case_list(Audience.OFFICER, user="officer.one", kind=kind)
    got = sorted((r.request_id, r.due_date.date().isoformat(), int(r.days_to_due), r.clock)
                 for r in frame.itertuples())
    assert got == sorted((d[1], d[2], d[3], d[4]) for d in DUE if d[0] == kind)


def test_every_clock_has_the_columns_of_the_open_cases(engine):
    columns = list(engine.case_list(Audience.OFFICER, user="o", kind="open_cases").columns)
    for kind in alerts.CLOCKS:
        assert list(engine.case_list(Audience.OFFICER, user="o", kind=kind).columns) == columns


def test_stages_explain_the_clock_and_name_an_exception(engine):
    stage = engine.case_list(Audience.OFFICER, user="o", kind="no_plan_16wk").set_index("request_id")["stage"]
    assert "statutory exception recorded" in stage["R2"]
    stage = engine.case_list(Audience.OFFICER, user="o", kind="open_cases").set_index("request_id")["stage"]
    assert stage.to_dict() == {"R1": "Awaiting decision to assess",
                               "R2": "Being assessed (statutory exception recorded)"}
    reviews = engine.case_list(Audience.OFFICER, user="o", kind="annual_review").set_index("request_id")["stage"]
    assert reviews["R3"] == "Annual review due (plan started 2024-02-29)"
    assert reviews["R4"] == "Annual review due (last review 2024-03-05)"
    transfers = engine.case_list(Audience.OFFICER, user="o", kind="phase_transfer").set_index("request_id")["stage"]
    assert "post-16" in transfers["R7"] and "post-16" not in transfers["R6"] + transfers["R8"]


def test_days_open_count_from_the_start_of_each_clock(engine):
    advice = engine.case_list(Audience.OFFICER, user="o", kind="health_advice").iloc[0]
    assert advice["days_open"] == 31  # asked 31 January, read 3 March: 28 + 3
    decision = engine.case_list(Audience.OFFICER, user="o", kind="review_decision").iloc[0]
    assert decision["days_open"] == 3  # meeting 28 February


def test_an_earlier_as_of_date_moves_every_clock(engine):
    """On 1 March the leap-year plan's review (due 28 February) is one day late, not three."""
    frame = engine.case_list(Audience.OFFICER, user="o", kind="annual_review", as_of=date(2025, 3, 1))
    assert frame.set_index("request_id").loc["R3", "days_to_due"] == -1


def test_on_an_earlier_date_a_later_decision_is_not_yet_known(engine):
    """On 10 November 2024 R2 (received 31 October, agreed 20 November) still awaits its decision: due 31 October
    + 42 days = 12 December 2024, 32 days on; so it is in no 16-week clock, and its advice not yet asked."""
    then = date(2024, 11, 10)
    cases = engine.case_list(Audience.OFFICER, user="o", kind="open_cases", as_of=then).set_index("request_id")
    assert list(cases.index) == ["R2"]
    assert (cases.loc["R2", "stage"], cases.loc["R2", "due_date"].date(), cases.loc["R2", "days_to_due"]) == (
        "Awaiting decision to assess", date(2024, 12, 12), 32)
    assert engine.case_list(Audience.OFFICER, user="o", kind="no_plan_16wk", as_of=then).empty
    assert engine.case_list(Audience.OFFICER, user="o", kind="health_advice", as_of=then).empty


def test_child_level_clocks_are_for_officers_only(engine):
    from indicators.engine import NotPermitted

    for audience in (Audience.PUBLIC, Audience.PARTNER):
        with pytest.raises(NotPermitted):
            engine.case_list(audience, user="someone", kind="phase_transfer")


# --- the alerts ---------------------------------------------------------------------------------------------

# team -> [(week, kind, request)], from the table above
WEEKS = {
    "North": [(-1, "annual_review", "R3"), (0, "annual_review", "R4"), (1, "open_cases", "R1")],
    SOUTH: [(-1, "no_plan_16wk", "R2"), (1, "health_advice", "R2"), (2, "open_cases", "R2"),
            (3, "review_decision", "R5")],
    "Unallocated": [(-1, "phase_transfer", "R6"), (-1, "phase_transfer", "R8"), (4, "phase_transfer", "R7")],
}


@pytest.fixture(scope="module")
def written(warehouse, tmp_path_factory):
    folder = tmp_path_factory.mktemp("out") / "alerts"
    assert alerts.main(["--as-of", AS_OF.isoformat(), "--out", str(folder), "--warehouse", str(warehouse)]) == 0
    return folder


def _index(folder: Path) -> dict:
    return json.loads((folder / "index.json").read_text(encoding="utf-8"))


def _csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_the_right_cases_land_in_the_right_team_s_file_and_week(written):
    index = _index(written)
    assert [t["team"] for t in index["teams"]] == sorted(WEEKS)
    labels = {-1: "Past its due date (due before 3 March 2025)", 0: "Due 3 March 2025 to 9 March 2025 (this week)",
              1: "Due 10 March 2025 to 16 March 2025", 2: "Due 17 March 2025 to 23 March 2025",
              3: "Due 24 March 2025 to 30 March 2025", 4: "Due 31 March 2025 to 6 April 2025"}
    for entry in index["teams"]:
        rows = _csv(written / entry["files"]["csv"])
        got = [(r["Week"], r["Clock"], r["Request id"]) for r in rows]
        assert got == [(labels[w], alerts.CLOCKS[k], r) for w, k, r in WEEKS[entry["team"]]]
        assert entry["cases"] == len(WEEKS[entry["team"]])
        assert sum(entry["by_week"].values()) == entry["cases"]


def test_the_weeks_look_only_as_far_ahead_as_asked(engine):
    with_one = alerts.gather(engine, "o", AS_OF, weeks=1)
    assert sorted(with_one.frame["request_id"] + with_one.frame["kind"]) == sorted(
        r + k for team in WEEKS.values() for w, k, r in team if w <= 1)


def test_a_formula_in_a_name_is_neutralised_in_the_csv(written):
    south = next(t for t in _index(written)["teams"] if t["team"] == SOUTH)
    names = {r["Name"] for r in _csv(written / south["files"]["csv"])}
    assert names == {f"'{FORMULA} Test", "Child5 Test"}  # a spreadsheet reads the first as text
    caseworkers = {r["Caseworker"] for r in _csv(written / south["files"]["csv"])}
    assert caseworkers == {SCRIPT}  # text in a CSV is data, kept as it is


class _Page(HTMLParser):
    """The tags, the text, and whether every element closes in the order it opened (a void one needs no end)."""

    VOID = {"meta"}

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.open: list[str] = []
        self.misnested: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open.pop() != tag:
            self.misnested.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_the_email_is_an_accessible_document_with_every_value_escaped(written):
    south = next(t for t in _index(written)["teams"] if t["team"] == SOUTH)
    body = (written / south["files"]["html"]).read_text(encoding="utf-8")
    assert body.startswith("<!DOCTYPE html>") and "<script" not in body and "<East>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "South &amp; &lt;East&gt;" in body
    page = _Page()
    page.feed(body)
    page.close()
    assert page.open == [] and page.misnested == []  # every element closed, in order
    tags = [t for t, _ in page.tags]
    assert tags[:4] == ["html", "head", "meta", "title"] and "body" in tags
    assert dict(page.tags)["html"] == {"lang": "en-GB"}
    assert tags.count("h1") == 1 and tags.count("table") == 4  # four of South's weeks hold a case
    assert tags.count("caption") == tags.count("table")
    assert all(a.get("scope") in ("col", "row") for t, a in page.tags if t == "th")
    assert sum(a.get("scope") == "row" for t, a in page.tags if t == "th") == 4  # a child heads each case
    assert SCRIPT in "".join(page.text)  # read back, the name is the name
    assert "style" not in body and "color" not in body  # meaning is in the words
    text = (written / south["files"]["text"]).read_text(encoding="utf-8")
    assert text.count("Request id: R") == 4 and SCRIPT in text


def test_the_same_date_gives_byte_identical_files(warehouse, written, tmp_path):
    again = tmp_path / "again"
    alerts.main(["--as-of", AS_OF.isoformat(), "--out", str(again), "--warehouse", str(warehouse)])
    first = {p.name: p.read_bytes() for p in written.iterdir()}
    assert first == {p.name: p.read_bytes() for p in again.iterdir()}
    assert len(first) == 3 * len(WEEKS) + 1
    listed = {name for t in _index(written)["teams"] for name in t["files"].values()}
    assert listed | {"index.json"} == set(first)


def test_each_run_is_recorded_as_the_alerts_job_with_its_children(warehouse, tmp_path):
    alerts.main(["--as-of", "2025-03-04", "--out", str(tmp_path / "out"), "--warehouse", str(warehouse)])
    entry = audit.entries(settings().audit_log, action="export", limit=None)[0]
    assert (entry["user"], entry["target"], entry["council"]) == ("system:alerts", "alerts", "E06000023")
    assert entry["filters"]["as_of"] == "2025-03-04" and entry["roles"] == "officer in E06000023"
    assert sorted(entry["child_ids"]) == sorted({"P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"})


def test_the_frame_is_sorted_by_team_week_and_due_date(engine):
    frame = alerts.gather(engine, "o", AS_OF).frame
    assert frame.equals(frame.sort_values(["team", "week", "due_date"], kind="stable").reset_index(drop=True))
    assert pd.api.types.is_integer_dtype(frame["week"])
