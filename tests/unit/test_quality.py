"""The data-quality rules on a hand-built warehouse: three invented children whose records break no rule, then,
for each rule, one change that breaks it (inside a transaction, rolled back after): the rule finds exactly the
records the change broke, and nothing on the clean data. Every rule must have its case here, so a new rule
without one fails. The UPN check letter is tested against sums worked by hand."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import pytest

from data.schemas.local import LOCAL_KINDS
from data.warehouse.model import META_DDL, local_ddl
from indicators import quality

REFERENCE = date(2026, 1, 15)
LA = "E06000023"

# The clean warehouse. P1 has a plan (R1 -> A1 -> N1, active plan AP1 with two placements one after the other,
# primary need ASD and secondary SLCN, reviewed in May 2025); P2's request R2 awaits a decision, held by Bob in
# South; P3's request R3 was refused and their allocation has ended. Every UPN, ward and URN is valid; the schools
# list also carries a school outside the area (in_area 0, no ward), which no rule may take for an error.
CLEAN = {
    "person": ["('P1', 'Testone', 'Amy', '2015-03-01', 'F', 'WBRI', 'BS1 1AA', 'C801900005096', NULL, NULL)",
               "('P2', 'Testtwo', 'Ben', '2010-06-15', 'M', 'BCRB', 'BS2 2BB', NULL, '9022000078', NULL)",
               "('P3', 'Testthree', 'Cal', '2022-01-10', 'M', 'WENG', NULL, NULL, NULL, 'UN1')"],
    "request": ["('R1', 'P1', '2024-01-10', '1', 0, '2024-02-15', 'Y', 0, 0, NULL)",
                "('R2', 'P2', '2025-12-01', '2', 0, NULL, NULL, 0, 0, NULL)",
                "('R3', 'P3', '2025-03-01', '1', 0, '2025-04-01', 'N', 0, 0, NULL)"],
    "assessment": ["('A1', 'R1', 'Y', '2024-05-20', 0, 0, 0, 0, 0)"],
    "named_plan": ["('N1', 'A1', '2024-05-20', NULL, NULL, 1, 0, NULL, NULL, NULL)"],
    "plan_detail": ["('PD1', 'N1', '100001', NULL, NULL, NULL, '1', 0, 0)"],
    "active_plan": ["('AP1', 'R1', NULL, '2025-05-10', 'M', NULL, NULL, NULL, '2025-05-10')"],
    "placement": ["('PL1', 'AP1', '100002', NULL, NULL, NULL, '1', 0, 0, '2022-09-01', '2024-05-20', NULL, NULL)",
                  "('PL2', 'AP1', '100001', NULL, NULL, NULL, '1', 0, 0, '2024-05-20', NULL, NULL, NULL)"],
    "sen_need": ["('S1', 'AP1', 'ASD', '1')", "('S2', 'AP1', 'SLCN', '2')"],
    # in the area (in_area blank, or 1), and a school elsewhere the council places children at: no ward here
    "dim_school": ["('100001', 'Ashley Primary (test)', 'Primary', NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
                   "('100002', 'Bedminster Nursery (test)', 'Nursery', NULL, NULL, NULL, NULL, NULL, NULL, 1)",
                   "('100009', 'Westbury House (test)', 'Special', 'Other independent special school', NULL, NULL, "
                   "NULL, NULL, NULL, 0)"],
    "residence": ["('P1', 'E05010885', '100001', 0, 0)", "('P2', 'E05010885', NULL, 0, 0)",
                  "('P3', 'E05010886', NULL, 0, 0)"],
    "caseworker": ["('CW1', 'Alice Test', 'North', NULL)", "('CW2', 'Bob Test', 'South', NULL)"],
    "casework": ["('R1', 'CW1', '2024-01-11', NULL)", "('R2', 'CW2', '2025-12-02', NULL)",
                 "('R3', 'CW1', '2025-03-02', '2025-04-02')"],
    "review": ["('V1', 'R1', '2025-05-20', '2025-05-10', 'M', '2025-05-20', 'Y')"],
    "health_advice": ["('H1', 'R1', 'health', 'Community paediatrics', '2024-01-20', '2024-03-02', '2024-02-25')"],
    # the last load's children with an open plan: P1 by UPN, and P2 (no UPN) by name and birth date, any case
    "previous_child": ["('OLD1', 'C801900005096', 'Testone', 'Amelia', '2015-03-01', '2025-01-16')",
                       "('OLD2', NULL, 'TESTTWO', 'ben', '2010-06-15', '2025-01-16')"],
}
WARDS = [("E05010885", LA), ("E05010886", LA), ("E05000026", "E09000002")]  # two of the council's, one elsewhere

# code -> (the change that breaks the rule, the records the rule must then find)
BREAKS = {
    "DQ101": (["UPDATE person SET forename = NULL WHERE person_id = 'P2'"], {"P2"}),
    "DQ102": (["UPDATE person SET sex = NULL WHERE person_id = 'P1'"], {"P1"}),
    "DQ103": (["UPDATE person SET ethnicity = NULL WHERE person_id = 'P3'"], {"P3"}),
    "DQ104": (["UPDATE person SET ethnicity = 'XXXX' WHERE person_id = 'P2'"], {"P2"}),
    # born 1990: 35 when R3 arrived in March 2025
    "DQ105": (["UPDATE person SET birth_date = '1990-01-01' WHERE person_id = 'P3'"], {"R3"}),
    # born June 1998: 27 on the reference date, with N1 still open
    "DQ106": (["UPDATE person SET birth_date = '1998-06-01' WHERE person_id = 'P1'"], {"N1"}),
    # the check letter of 801900005096 is C (worked below), not D
    "DQ107": (["UPDATE person SET upn = 'D801900005096' WHERE person_id = 'P1'"], {"P1"}),
    "DQ108": (["UPDATE person SET upn_unknown = NULL WHERE person_id = 'P3'"], {"P3"}),
    "DQ109": (["UPDATE person SET upn = 'C801900005096' WHERE person_id = 'P2'"], {"P1", "P2"}),
    "DQ110": (["UPDATE person SET surname = 'TESTONE', forename = 'Amy', birth_date = '2015-03-01' "
               "WHERE person_id = 'P3'"], {"P1", "P3"}),
    "DQ111": (["INSERT INTO person (person_id, surname, forename, birth_date, sex, ethnicity, upn_unknown) "
               "VALUES ('P4', 'Testfour', 'Dee', '2019-01-01', 'F', 'WBRI', 'UN1')"], {"P4"}),
    # a child with an open plan last time, neither their UPN nor their name and birth date in this load
    "DQ112": (["INSERT INTO previous_child VALUES ('OLD3', 'A801900005097', 'Gone', 'Dan', '2012-02-02', "
               "'2025-01-16', NULL)", "UPDATE previous_child SET birth_date = '2010-06-16' WHERE person_id = 'OLD2'"],
              {"OLD2", "OLD3"}),
    "DQ201": (["UPDATE request SET outcome_date = NULL WHERE request_id = 'R3'"], {"R3"}),
    "DQ202": (["UPDATE request SET outcome_date = '2025-12-20' WHERE request_id = 'R2'"], {"R2"}),
    "DQ203": (["UPDATE request SET received_date = '2026-02-01' WHERE request_id = 'R2'"], {"R2"}),
    "DQ204": (["UPDATE request SET outcome = 'Y', outcome_date = '2025-12-20' WHERE request_id = 'R2'"], {"R2"}),
    "DQ205": (["INSERT INTO assessment (assessment_id, request_id, outcome) VALUES ('A3', 'R3', 'A')"], {"A3"}),
    "DQ301": (["UPDATE assessment SET outcome_date = NULL WHERE assessment_id = 'A1'"], {"A1"}),
    "DQ302": (["UPDATE assessment SET outcome_date = '2023-12-01' WHERE assessment_id = 'A1'"], {"A1"}),
    "DQ303": (["DELETE FROM named_plan WHERE plan_id = 'N1'"], {"A1"}),
    "DQ304": (["UPDATE assessment SET outcome = 'N' WHERE assessment_id = 'A1'"], {"N1"}),
    "DQ401": (["UPDATE named_plan SET start_date = '2023-12-01' WHERE plan_id = 'N1'"], {"N1"}),
    "DQ402": (["UPDATE named_plan SET cease_date = '2025-09-01' WHERE plan_id = 'N1'"], {"N1"}),
    "DQ403": (["UPDATE named_plan SET cease_reason = '2' WHERE plan_id = 'N1'"], {"N1"}),
    "DQ404": (["DELETE FROM plan_detail WHERE plan_id = 'N1'"], {"N1"}),
    "DQ501": (["UPDATE placement SET urn = NULL WHERE placement_id = 'PL2'"], {"PL2"}),
    "DQ502": (["UPDATE placement SET urn = '999999' WHERE placement_id = 'PL1'"], {"PL1"}),
    "DQ503": (["UPDATE placement SET urn = NULL, sen_setting = 'OTH' WHERE placement_id = 'PL2'"], {"PL2"}),
    # PL1 now leaves on 30 June 2024, six weeks after PL2 began
    "DQ504": (["UPDATE placement SET leaving_date = '2024-06-30' WHERE placement_id = 'PL1'"], {"PL1", "PL2"}),
    "DQ505": (["DELETE FROM placement WHERE active_plan_id = 'AP1'"], {"AP1"}),
    "DQ601": (["UPDATE sen_need SET sen_type_rank = '2' WHERE sen_need_id = 'S1'"], {"AP1"}),
    "DQ602": (["UPDATE sen_need SET sen_type_rank = '1' WHERE sen_need_id = 'S2'"], {"AP1"}),
    "DQ603": (["UPDATE sen_need SET sen_type = 'ASD' WHERE sen_need_id = 'S2'"], {"S2"}),
    "DQ604": (["UPDATE review SET meeting_date = '2024-05-01' WHERE review_id = 'V1'"], {"V1"}),
    # the last review, 1 December 2024, more than 12 months before 15 January 2026
    "DQ605": (["UPDATE review SET meeting_date = '2024-12-01'",
               "UPDATE active_plan SET review_meeting = '2024-12-01', last_review = '2024-12-01'"], {"AP1"}),
    "DQ606": (["UPDATE review SET meeting_date = NULL WHERE review_id = 'V1'"], {"V1"}),
    # ceased 31 December 2024: more than a year before 15 January 2026
    "DQ607": (["UPDATE named_plan SET cease_date = '2024-12-31', cease_reason = '2'"], {"AP1"}),
    "DQ701": (["UPDATE residence SET ward_code = 'E05000026' WHERE person_id = 'P2'"], {"P2"}),
    "DQ702": (["DELETE FROM casework WHERE request_id = 'R2'"], {"R2"}),
    "DQ703": (["UPDATE health_advice SET requested_date = '2024-01-01' WHERE advice_id = 'H1'"], {"H1"}),
}


def fill(con) -> None:
    """The local tables (the warehouse's own DDL), the wards, and the clean rows."""
    for kind in LOCAL_KINDS:
        con.execute(local_ddl(kind))
    con.execute("CREATE TABLE dim_ward (ward_code VARCHAR, new_la_code VARCHAR)")
    con.executemany("INSERT INTO dim_ward VALUES (?, ?)", WARDS)
    if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'previous_child'").fetchone():
        con.execute(META_DDL["previous_child"])
    for table, rows in CLEAN.items():
        columns = ", ".join(c[0] for c in con.execute(f"SELECT * FROM {table} LIMIT 0").description  # noqa: S608
                            if c[0] not in ("source_file_id", "source_row", "la_code"))
        con.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join(rows)}")  # noqa: S608 - the fixture's rows


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    fill(con)
    yield con
    con.close()


def run(con, sql: str, **extra) -> list[tuple]:
    """The query with the bound values it names, as the engine runs it."""
    values = {**quality.params(REFERENCE, LA), "team": "", "caseworker": "", **extra}
    names = set(re.findall(r"\$([a-z_][a-z0-9_]*)", sql))
    return con.execute(sql, {k: v for k, v in values.items() if k in names}).fetchall()


def found(con, code: str) -> set[str]:
    return {row[0] for row in run(con, quality.records_sql(quality.rule(code)))}


def counts(con) -> dict[str, int]:
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    return dict(run(con, quality.counts_sql(tables)))


@pytest.fixture
def broken(con):
    """Apply a change inside a transaction; undone after the test."""
    con.execute("BEGIN TRANSACTION")
    yield lambda statements: [con.execute(s) for s in statements]
    con.execute("ROLLBACK")


def test_there_are_at_least_thirty_rules_each_with_its_case():
    assert len(quality.rules()) >= 30
    assert set(BREAKS) == set(quality.codes())
    assert {r.severity for r in quality.rules()} == {"error", "warning", "query"}


def test_the_clean_warehouse_breaks_no_rule(con):
    assert counts(con) == dict.fromkeys(quality.codes(), 0)


@pytest.mark.parametrize("code", quality.codes())
def test_each_rule_finds_the_record_built_to_break_it(con, broken, code):
    statements, expected = BREAKS[code]
    broken(statements)
    assert found(con, code) == expected
    assert counts(con)[code] == len(expected)


def test_records_carry_the_team_and_caseworker_holding_the_case(con, broken):
    broken(["UPDATE person SET sex = NULL"])  # every child breaks DQ102
    rows = {r[0]: r for r in run(con, quality.records_sql(quality.rule("DQ102")))}
    # P1: R1 held by Alice (North); P2: R2 by Bob (South); P3: R3's allocation ended, so nobody holds it
    assert {k: (r[4], r[5]) for k, r in rows.items()} == {
        "P1": ("North", "Alice Test"), "P2": ("South", "Bob Test"), "P3": ("Unallocated", "Unallocated")}
    assert [r[0] for r in run(con, quality.records_sql(quality.rule("DQ102")))] == ["P1", "P2", "P3"]
    assert [r[0] for r in run(con, quality.records_sql(quality.rule("DQ102")), team="South")] == ["P2"]
    assert [r[0] for r in run(con, quality.records_sql(quality.rule("DQ102")), caseworker="Alice Test")] == ["P1"]


@pytest.mark.parametrize("last_review, late", [("2025-01-15", False), ("2025-01-14", True)])
def test_a_review_is_late_the_day_after_twelve_months(con, broken, last_review, late):
    broken([])
    con.execute("UPDATE review SET meeting_date = ?", [last_review])
    con.execute("UPDATE active_plan SET review_meeting = ?, last_review = ?", [last_review, last_review])
    assert found(con, "DQ605") == ({"AP1"} if late else set())


def test_a_placement_at_a_school_listed_as_outside_the_area_is_in_the_schools_reference(con, broken):
    """PL1 at Westbury House (listed with in_area 0) is on the list: DQ502 finds nothing; at 999999 it would."""
    broken(["UPDATE placement SET urn = '100009' WHERE placement_id = 'PL1'",
            "UPDATE residence SET school_urn = '100009' WHERE person_id = 'P1'"])
    assert found(con, "DQ502") == set()
    assert not {code: n for code, n in counts(con).items() if n}


def test_a_placement_ending_the_day_the_next_begins_is_no_overlap(con):
    assert found(con, "DQ504") == set()  # PL1 leaves on 20 May 2024, the day PL2 begins


# --- the UPN check letter ---------------------------------------------------------------------------------------

# Worked by hand: weights 2 to 13 on the twelve characters after the letter, the sum's remainder on 23 names
# the letter (A=0, B=1, ..., H=7, J=8, ..., N=12, P=13, Q=14, R=15, T=16, ...; I, O and S are never used).
#   801900005096: 8*2 + 1*4 + 9*5 + 5*10 + 9*12 + 6*13 = 16 + 4 + 45 + 50 + 108 + 78 = 301 = 13*23 + 2 -> C
#   111122223333: (1)(2+3+4+5) + (2)(6+7+8+9) + (3)(10+11+12+13) = 14 + 60 + 138 = 212 = 9*23 + 5 -> F
#   80190000509A (temporary, A counts 0): 16 + 4 + 45 + 50 + 108 + 0 = 223 = 9*23 + 16 -> T
#   000000000001: 1*13 = 13 -> P;  000000000002: 26 = 23 + 3 -> D
@pytest.mark.parametrize("body, letter", [("801900005096", "C"), ("111122223333", "F"), ("80190000509A", "T"),
                                          ("000000000001", "P"), ("000000000002", "D")])
def test_the_check_letter_worked_by_hand(body, letter, con):
    assert quality.check_letter(body) == letter
    assert quality.check_letter(letter + body) == letter
    for first in (letter, "B" if letter != "B" else "A"):  # the SQL rule agrees: silent on the right letter only
        con.execute("BEGIN TRANSACTION")
        con.execute("UPDATE person SET upn = ? WHERE person_id = 'P1'", [first + body])
        assert found(con, "DQ107") == (set() if first == letter else {"P1"})
        con.execute("ROLLBACK")


@pytest.mark.parametrize("bad", ["80190000509", "8019000050961X", "80190000509I", "A8019000050X6"])
def test_a_string_that_is_no_upn_is_refused(bad):
    with pytest.raises(ValueError):
        quality.check_letter(bad)


# --- the history across loads ------------------------------------------------------------------------------------

def warehouse_file(path, version: str, *breaks: str):
    """A warehouse file of the clean rows (with `breaks` applied), its bookkeeping tables and its version. The
    second test below: P1 keeps their name and birth date, so a changed UPN does not make them missing."""
    with duckdb.connect(str(path)) as con:
        for ddl in META_DDL.values():
            con.execute(ddl)
        fill(con)
        con.execute("DELETE FROM previous_child")  # a load starts with none: record_history carries them
        for statement in breaks:
            con.execute(statement)
        con.executemany("INSERT INTO warehouse_info VALUES (?, ?)", [
            ("version", version), ("reference_date", REFERENCE.isoformat()), ("local_la_code", LA)])
    return path


def history(path) -> dict[tuple[str, str], int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {(v, c): n for v, c, n in con.execute("SELECT version, code, records FROM quality_history").fetchall()}


def test_each_load_adds_its_counts_to_the_history_it_carries_forward(tmp_path):
    first = warehouse_file(tmp_path / "first.duckdb", "v1")
    assert quality.record_history(first, tmp_path / "no-warehouse-yet.duckdb") == 1
    assert history(first) == {("v1", c): 0 for c in quality.codes()}
    # the next load: every child's sex lost (DQ102 finds all three) and one UPN mistyped (DQ107 finds P1)
    second = warehouse_file(tmp_path / "second.duckdb", "v2", "UPDATE person SET sex = NULL",
                            "UPDATE person SET upn = 'D801900005096' WHERE person_id = 'P1'")
    assert quality.record_history(second, first) == 2
    found = history(second)
    assert len(found) == 2 * len(quality.codes())
    assert (found[("v1", "DQ102")], found[("v2", "DQ102")], found[("v2", "DQ107")]) == (0, 3, 1)
    assert sum(n for (v, _), n in found.items() if v == "v2") == 4
    # the same data loaded again replaces its own entry rather than counting twice
    again = warehouse_file(tmp_path / "again.duckdb", "v2", "UPDATE person SET sex = NULL")
    assert quality.record_history(again, second) == 2
    assert history(again)[("v2", "DQ107")] == 0 and history(again)[("v1", "DQ102")] == 0


def test_a_live_warehouse_without_a_history_starts_it(tmp_path):
    old = tmp_path / "old.duckdb"
    with duckdb.connect(str(old)) as con:
        con.execute("CREATE TABLE warehouse_info (key VARCHAR, value VARCHAR)")
    new = warehouse_file(tmp_path / "new.duckdb", "v9")
    assert quality.record_history(new, old) == 1


def test_a_rule_needing_a_lookup_the_warehouse_lacks_is_not_checked(con, broken):
    broken(["UPDATE residence SET ward_code = 'E05000026'"])  # every ward elsewhere: DQ701 would find three
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert dict(run(con, quality.counts_sql(tables)))["DQ701"] == 3
    assert dict(run(con, quality.counts_sql(tables - {"dim_ward"})))["DQ701"] is None


def test_a_missing_child_is_never_taken_for_whoever_holds_their_old_id_now(con, broken):
    broken(["INSERT INTO previous_child VALUES ('P2', 'A801900005097', 'Gone', 'Dan', '2012-02-02', '2025-01-16', NULL)"])
    rows = run(con, quality.records_sql(quality.rule("DQ112")))
    assert [(r[0], r[1], r[3], r[4], r[5], r[6]) for r in rows] == [
        ("P2", "P2 (last load)", "Dan Gone, A801900005097, born 2012-02-02: open plan on 2025-01-16, not in this load",
         "Unallocated", "Unallocated", "")]  # not Ben Testtwo, today's P2, nor his caseworker


def test_a_child_missing_from_the_next_load_is_found(tmp_path):
    first = warehouse_file(tmp_path / "first.duckdb", "v1")
    quality.record_history(first, tmp_path / "none.duckdb")
    # P1 (the only child with an open plan on 15 January 2026) is not in the next load
    later = warehouse_file(tmp_path / "later.duckdb", "v2", "DELETE FROM person WHERE person_id = 'P1'")
    quality.record_history(later, first)
    with duckdb.connect(str(later), read_only=True) as con:
        assert con.execute("SELECT person_id, upn, reference_date FROM previous_child").fetchall() == [
            ("P1", "C801900005096", REFERENCE)]
    assert history(later)[("v2", "DQ112")] == 1 and history(later)[("v1", "DQ112")] == 0


# --- the repository's SEN2 sample return --------------------------------------------------------------------------

def test_the_sen2_sample_return_breaks_the_rules_worked_out_by_hand(tmp_path):
    """data/published/sen2_samples/sen2_sample_2023.xml, loaded through the real ingest. TestFamilyName1's UPN
    X123456789876: 1*2 + 2*3 + 3*4 + 4*5 + 5*6 + 6*7 + 7*8 + 8*9 + 9*10 + 8*11 + 7*12 + 6*13 = 580 = 25*23 + 5,
    so F, not X. RequestRefused's X123456789832: ... + 8*11 + 3*12 + 2*13 = 480 = 20*23 + 20, so X: right.
    InvalidCodes's ethnicity XXXX is no DfE code (its malformed UPN, ULN and UPN-unknown are cleared at load,
    leaving it none of the three: DQ108)."""
    import shutil

    from indicators.testing import ROOT, build_warehouse

    source = tmp_path / "return"
    source.mkdir()
    shutil.copy(ROOT / "data" / "published" / "sen2_samples" / "sen2_sample_2023.xml", source)
    path = build_warehouse(tmp_path / "w.duckdb", [source], bundle=False, reference_date="2023-01-19")
    with duckdb.connect(str(path), read_only=True) as con:
        surname = dict(con.execute("SELECT person_id, surname FROM person").fetchall())

        def who(code: str) -> set[str]:
            return {surname[r[1]] for r in run(con, quality.records_sql(quality.rule(code)),
                                               reference_date=date(2023, 1, 19))}

        assert who("DQ107") == {"TestFamilyName1"}
        assert who("DQ104") == who("DQ108") == {"InvalidCodes"}
