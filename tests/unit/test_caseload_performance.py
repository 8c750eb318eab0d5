"""Caseload performance by team and caseworker (the tracker's table), on a small extract worked by hand.

Reference date Sunday 15 June 2025. Periods: rolling-12 is 16 June 2024 to 15 June 2025, rolling-3 16 March to
15 June 2025, month:2025-06 the 1st to the 15th. Teams: North (Alice, Bob), South (Cara). Every request below was
agreed a week after it arrived, unless it says otherwise. Days are calendar days; a plan is on time within 140.

  req  holder (at issue / now)       received      plan issued     days    notes
  N1   Alice                         6 Jan 2025    1 Apr 2025       85     on time
  N2   Alice                         2 Dec 2024    5 May 2025      154     late
  N3   Alice                         13 Jan 2025   9 Jun 2025      147     late; statutory exception (Week20)
  N4   Bob                           20 Jan 2025   12 May 2025     112     request mediation: out of the rate
  N5   Bob (Cara until 1 Feb 2025)   4 Nov 2024    10 Mar 2025     126     on time; Bob's at issue
  S1   Cara (unassigned on the day)  2 Sep 2024    31 Jan 2025     151     late; held to the day of issue
  S2   Cara at issue, Bob from 1 May 27 Jan 2025   28 Apr 2025      91     on time; South's, not Bob's
  Open on 15 June 2025                             due (140 days)   days open
  O1   Alice                         2 Jan 2025    22 May 2025     164     late in the period: counts as late
  O2   Alice                         3 Mar 2025    21 Jul 2025     104     no assessment record yet; running
  O3   Bob, undecided                1 Jun 2025    (6 weeks)        14     running
  O4   Cara                          1 May 2024    18 Sep 2024     410     late; exception recorded
  O5   nobody (Unallocated)          10 Feb 2025   30 Jun 2025     125     running
  O6   Bob                           15 Jan 2025   4 Jun 2025      151     late, but request mediation: out
  Also a refused request and a plan issued in 2023 (Cara's): in no count.

By team, rolling 12 months:
  North  open O1 O2 O3 O6 = 4; issued N1-N5 = 5; mean weeks (85+154+147+112+126)/5/7 = 17.83;
         on time: N1 N2 N3 N5 issued + O1 late open = 5, on time N1 N5 = 2: 40%; without exceptions (no N3)
         2 of 4: 50%; pending (received in the period, 20 weeks still running) O2 O3 = 2;
         days open 14 104 151 164: median 127.5; bands <=6wk 1, 6-20wk 1, 20-26wk 2
  South  open O4 = 1; issued S1 S2 = 2; mean (151+91)/2/7 = 17.29; on time S1 S2 + O4 = 3, S2 on time: 33.3%;
         without exceptions (no O4) 1 of 2: 50%; pending 0; O4 410 days: over a year
  Unallocated  open O5 = 1; nothing issued, nothing due yet: no rate; pending O5 = 1
Rolling 3 months: North issued N1 N2 N3 N4 = 4, mean (85+154+147+112)/4/7 = 17.79; on time N1 of N1 N2 N3 O1:
  25%; without exceptions 1 of 3: 33.3%; pending O3 = 1. South S2 = 1, 13 weeks, 100%; pending 0.
May 2025: North issued N2 N4 = 2, mean 19 weeks; on time 0 of N2 + O1 = 0%; pending 0: settled.
June 2025 (to the 15th): North issued N3, 0 of 1 (O6 out: mediation); without exceptions nothing: no rate;
  O3 pending: provisional.
Every team together, rolling 12 months: open 6, issued 7, on time 3 (N1 N5 S2) of 8: 37.5%; without exceptions
  3 of 6: 50%; mean (624+242)/7/7 = 17.67 weeks; days open 14 104 125 151 164 410: median 138; pending 3.
North's caseworkers, rolling 12 months: Alice open 2, issued N1 N2 N3 = 3, mean 386/21 = 18.38, on time 1 of 4
  (N1 N2 N3 O1) 25%, without exceptions 1 of 3; Bob open 2 (O3 O6), issued N4 N5 = 2, mean 17, on time 1 of 1.
Plans issued per month (from July 2024): North March 1, April 1, May 2, June 1; South January 1, April 1.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from indicators import tracker
from indicators.engine import Engine, EngineError, NotPermitted
from indicators.testing import build_warehouse
from indicators.vocabulary import Audience

REFERENCE = "2025-06-15"
OFFICER = Audience.OFFICER

FILES = {
    "person.csv": ["persontableid,surname,forename,personbirthdate,sex,ethnicity,upn"],
    "requests.csv": ["requeststableid,persontableid,receiveddate,requestsource,rya,requestoutcomedate,"
                     "requestoutcome,requestmediation,requesttribunal"],
    "assessment.csv": ["assessmenttableid,requeststableid,assessmentoutcome,assessmentoutcomedate,"
                       "assessmentmediation,assessmenttribunal,othermediation,othertribunal,week20"],
    "caseworkers.csv": ["caseworker_id,caseworker_name,team", "CW1,Alice,North", "CW2,Bob,North", "CW3,Cara,South"],
    "casework.csv": ["request_id,caseworker_id,assigned_date,unassigned_date"],
}


def _extract(folder: Path) -> Path:
    rows = {name: list(lines) for name, lines in FILES.items()}

    def request(name: str, received: str, *, agreed: bool = True, mediation: int = 0) -> None:
        decided = (pd.Timestamp(received) + pd.Timedelta(days=7)).date().isoformat()
        rows["person.csv"].append(f"P{name},Test,Child {name},2015-01-01,F,WBRI,")
        rows["requests.csv"].append(f"{name},P{name},{received},1,0,{decided if agreed else ''},"
                                    f"{'Y' if agreed else ''},{mediation},0")

    def plan(name: str, received: str, issued: str | None, *, exception: int = 0, mediation: int = 0) -> None:
        request(name, received, mediation=mediation)
        outcome = "Y" if issued else "A"
        rows["assessment.csv"].append(f"A{name},{name},{outcome},{issued or ''},0,0,0,0,{exception}")

    plan("N1", "2025-01-06", "2025-04-01")
    plan("N2", "2024-12-02", "2025-05-05")
    plan("N3", "2025-01-13", "2025-06-09", exception=1)
    plan("N4", "2025-01-20", "2025-05-12", mediation=1)
    plan("N5", "2024-11-04", "2025-03-10")
    plan("S1", "2024-09-02", "2025-01-31")
    plan("S2", "2025-01-27", "2025-04-28")
    plan("O1", "2025-01-02", None)
    request("O2", "2025-03-03")  # agreed, no assessment record yet
    request("O3", "2025-06-01", agreed=False)  # no decision yet
    plan("O4", "2024-05-01", None, exception=1)
    plan("O5", "2025-02-10", None)
    plan("O6", "2025-01-15", None, mediation=1)
    plan("OLD", "2023-01-02", "2023-05-01")
    rows["person.csv"].append("PX,Test,Refused,2015-01-01,F,WBRI,")
    rows["requests.csv"].append("X,PX,2025-04-01,1,0,2025-04-20,N,0,0")
    rows["casework.csv"] += [
        "N1,CW1,2025-01-06,", "N2,CW1,2024-12-02,", "N3,CW1,2025-01-13,", "N4,CW2,2025-01-20,",
        "N5,CW3,2024-11-04,2025-02-01", "N5,CW2,2025-02-01,", "S1,CW3,2024-09-02,2025-01-31",
        "S2,CW3,2025-01-27,2025-05-01", "S2,CW2,2025-05-01,", "O1,CW1,2025-01-02,", "O2,CW1,2025-03-03,",
        "O3,CW2,2025-06-01,", "O4,CW3,2024-05-01,", "O6,CW2,2025-01-15,", "OLD,CW3,2023-01-02,", "X,CW1,2025-04-01,"]
    folder.mkdir(parents=True)
    for name, lines in rows.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("caseload")
    opened = Engine(build_warehouse(folder / "warehouse.duckdb", [_extract(folder / "extract")],
                                   reference_date=REFERENCE))
    yield opened
    opened.close()


def table(engine: Engine, period: str, team: str | None = None) -> dict[str, dict]:
    """Each holder's row by name, and the row for them all together as 'total'."""
    frame = engine.caseload_performance(OFFICER, user="test", period=period, team=team)
    assert frame["total"].tolist() == [False] * (len(frame) - 1) + [True]
    return {"total" if row["total"] else row["holder"]: row for row in frame.to_dict("records")}


def rate(row: dict, ex: bool = False) -> float | None:
    value = row["on_time_ex_pct" if ex else "on_time_pct"]
    return None if pd.isna(value) else value


def test_the_periods_offered():
    offered = tracker.periods(pd.Timestamp(REFERENCE).date())
    keys = [p.key for p in offered]
    assert keys[:2] == ["rolling-3", "rolling-12"] and len(keys) == 14
    assert keys[2] == "month:2025-06" and keys[-1] == "month:2024-07"
    spans = {p.key: (p.first.isoformat(), p.last.isoformat()) for p in offered}
    assert spans["rolling-12"] == ("2024-06-16", "2025-06-15")
    assert spans["rolling-3"] == ("2025-03-16", "2025-06-15")
    assert spans["month:2025-06"] == ("2025-06-01", "2025-06-15")
    assert spans["month:2025-02"] == ("2025-02-01", "2025-02-28")
    assert tracker.period("month:2024-06", pd.Timestamp(REFERENCE).date()) is None  # 13 months back: not offered


def test_by_team_over_twelve_months(engine):
    teams = table(engine, "rolling-12")
    assert list(teams) == ["North", "South", "Unallocated", "total"]
    north, south, nobody = teams["North"], teams["South"], teams["Unallocated"]
    assert (north["open_cases"], north["issued"], north["timed"], north["timed_on_time"], north["late_open"]) == (
        4, 5, 5, 2, 1)
    assert north["mean_weeks"] == pytest.approx(17.83, abs=0.01)
    assert (rate(north), rate(north, ex=True), north["exceptions"], north["pending"]) == (40.0, 50.0, 1, 2)
    assert north["median_days_open"] == 127.5
    assert [north[b] for b in ("aged_6wk", "aged_20wk", "aged_26wk", "aged_52wk", "aged_over_52wk")] == [1, 1, 2, 0, 0]
    assert (south["open_cases"], south["issued"], rate(south), rate(south, ex=True), south["pending"]) == (
        1, 2, 33.3, 50.0, 0)
    assert south["mean_weeks"] == pytest.approx(17.29, abs=0.01) and south["aged_over_52wk"] == 1
    assert (nobody["open_cases"], nobody["issued"], rate(nobody), nobody["pending"]) == (1, 0, None, 1)
    assert pd.isna(nobody["mean_weeks"]) and nobody["aged_20wk"] == 1
    assert north["monthly"] == {"2025-03": 1, "2025-04": 1, "2025-05": 2, "2025-06": 1}
    assert south["monthly"] == {"2025-01": 1, "2025-04": 1} and nobody["monthly"] == {}


def test_every_team_together(engine):
    every = table(engine, "rolling-12")["total"]
    assert (every["open_cases"], every["issued"], every["timed"], every["timed_on_time"], every["pending"]) == (
        6, 7, 8, 3, 3)
    assert (every["on_time_pct"], every["on_time_ex_pct"]) == (37.5, 50.0)
    assert every["mean_weeks"] == pytest.approx(17.67, abs=0.01)
    assert every["median_days_open"] == 138.0
    assert every["monthly"] == {"2025-01": 1, "2025-03": 1, "2025-04": 2, "2025-05": 2, "2025-06": 1}
    north = table(engine, "rolling-12", team="North")["total"]
    assert (north["open_cases"], north["issued"], north["on_time_pct"]) == (4, 5, 40.0)


def test_by_team_over_three_months_and_single_months(engine):
    three = table(engine, "rolling-3")
    north, south = three["North"], three["South"]
    assert (north["issued"], rate(north), rate(north, ex=True), north["pending"]) == (4, 25.0, 33.3, 1)
    assert north["mean_weeks"] == pytest.approx(17.79, abs=0.01)
    assert (south["issued"], south["mean_weeks"], rate(south), south["pending"]) == (1, 13.0, 100.0, 0)
    may = table(engine, "month:2025-05")["North"]
    assert (may["issued"], may["mean_weeks"], may["timed"], rate(may), may["pending"]) == (2, 19.0, 2, 0.0, 0)
    june = table(engine, "month:2025-06")["North"]
    assert (june["issued"], june["timed"], rate(june), rate(june, ex=True), june["pending"]) == (1, 1, 0.0, None, 1)


def test_one_teams_caseworkers(engine):
    north = table(engine, "rolling-12", team="North")
    assert list(north) == ["Alice", "Bob", "total"]
    alice, bob = north["Alice"], north["Bob"]
    assert (alice["open_cases"], alice["issued"], alice["timed"], rate(alice), rate(alice, ex=True)) == (
        2, 3, 4, 25.0, 33.3)
    assert alice["mean_weeks"] == pytest.approx(18.38, abs=0.01)
    assert (bob["open_cases"], bob["issued"], bob["mean_weeks"], bob["timed"], rate(bob)) == (2, 2, 17.0, 1, 100.0)
    south = table(engine, "rolling-12", team="South")
    assert list(south) == ["Cara", "total"] and south["Cara"]["issued"] == 2  # S2 stays Cara's: hers on the day of issue


def test_open_caseload_agrees_with_the_case_list(engine):
    listed = engine.case_list(OFFICER, user="test")["team"].value_counts().to_dict()
    assert {h: r["open_cases"] for h, r in table(engine, "rolling-3").items() if h != "total"} == listed == {
        "North": 4, "South": 1, "Unallocated": 1}


def test_officers_only_and_known_periods(engine):
    with pytest.raises(NotPermitted):
        engine.caseload_performance(Audience.PARTNER, user="test", period="rolling-12")
    with pytest.raises(EngineError):
        engine.caseload_performance(OFFICER, user="test", period="month:1999-01")


def test_every_call_is_audited(engine, caplog):
    with caplog.at_level("INFO", logger="indicators.audit"):
        engine.caseload_performance(OFFICER, user="ann", period="rolling-3", team="North")
    assert any("caseload_performance user=ann period=rolling-3 team=North rows=3" in r.getMessage()
               for r in caplog.records)
