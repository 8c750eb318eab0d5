"""A load never loses a row silently, and each load's version covers everything that changes a figure.

Every count here is worked out independently of the CSV parser (physical lines of the fixture), and a load
that stops leaves the live warehouse byte-for-byte unchanged.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data.errors import SourceError
from data.ingest import ingest

REPO = Path(__file__).resolve().parents[2]
GOOD = REPO / "tests" / "fixtures" / "good"
TODAY = pd.Timestamp("2025-01-16")


def load(sources, warehouse: Path, **kwargs):
    kwargs.setdefault("today", TODAY)
    return ingest(list(sources), warehouse, bundle=False, progress=False, **kwargs)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def records(path: Path) -> int:
    """Data records of a one-line-per-record CSV, counted from its bytes: non-blank lines after the header."""
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip(", "))


def counts(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def version_of(warehouse: Path) -> str:
    return counts(warehouse, "SELECT value FROM warehouse_info WHERE key = 'version'")[0][0]


# good_warehouse and live: tests/unit/conftest.py


def assert_untouched(live: Path, before: str) -> None:
    assert sha256(live) == before
    assert not list(live.parent.glob("*.building-*"))
    assert not live.with_name(live.name + ".previous").exists()


def stops(sources, live: Path, **kwargs) -> SourceError:
    before = sha256(live)
    with pytest.raises(SourceError) as caught:
        load(sources, live, **kwargs)
    assert_untouched(live, before)
    return caught.value


# ---------------------------------------------------------------------------------------------------------
# 1. The version covers the reference date and the council


def test_version_changes_with_reference_date_and_council(tmp_path: Path):
    person = GOOD / "person.csv"
    versions = {
        (day, la): load([person], tmp_path / f"{day}-{la}.duckdb", today=pd.Timestamp(day), la=la).version
        for day in ("2025-06-30", "2026-03-31") for la in ("E06000023", "E09000033")
    }
    assert len(set(versions.values())) == 4, versions
    again = load([person], tmp_path / "again.duckdb", today=pd.Timestamp("2025-06-30"), la="E06000023").version
    assert again == versions[("2025-06-30", "E06000023")]  # the same inputs still give the same version


# ---------------------------------------------------------------------------------------------------------
# 2. An empty file, or a load that would empty a table, stops


def test_header_only_person_file_stops_and_live_keeps_its_people(live: Path, tmp_path: Path):
    header_only = tmp_path / "person.csv"
    header_only.write_text((GOOD / "person.csv").read_text().splitlines()[0] + "\n,,,\n\n")
    error = stops([header_only], live)
    assert (error.path, error.problem) == (str(header_only), "has a header but no data rows")
    assert counts(live, "SELECT count(*) FROM person") == [(records(GOOD / "person.csv"),)]


def test_load_that_removes_most_rows_stops_unless_shrink_is_allowed(live: Path, tmp_path: Path):
    person = tmp_path / "person.csv"
    person.write_text("\n".join((GOOD / "person.csv").read_text().splitlines()[:2]) + "\n")  # 1 of 5 people
    error = stops([person], live)
    assert error.path == str(live)
    assert "person from 5 to 1 rows (person.csv)" in error.problem
    assert "request from 6 to 0 rows (no file supplies it)" in error.problem
    assert "--allow-shrink" in error.fix
    report = load([person], live, allow_shrink=True)
    (entry,) = report.files
    assert (entry["rows_in"], entry["rows_loaded"], entry["rows_quarantined"]) == (records(person), 1, 0)
    assert counts(live, "SELECT count(*) FROM person") == [(1,)]


def test_cli_allow_shrink_flag(live: Path, tmp_path: Path):
    from data.__main__ import main

    person = tmp_path / "person.csv"
    person.write_text("\n".join((GOOD / "person.csv").read_text().splitlines()[:2]) + "\n")
    before = sha256(live)
    assert main(["ingest", "--warehouse", str(live), "--no-bundle", str(person)]) == 2
    assert sha256(live) == before
    assert main(["ingest", "--warehouse", str(live), "--no-bundle", "--allow-shrink", str(person)]) == 0
    assert counts(live, "SELECT count(*) FROM person") == [(1,)]


# ---------------------------------------------------------------------------------------------------------
# 5. A cell over the CSV field limit names file, line, column and fix (no traceback)


def person_rows(count: int) -> list[str]:
    header = (GOOD / "person.csv").read_text().splitlines()[0]
    return [header] + [f"{i},Surname{i},Forename{i},2012-03-14,M,WBRI,BS1 4DJ,,," for i in range(1, count + 1)]


def test_ten_million_character_cell_is_named_not_a_traceback(live: Path, tmp_path: Path, capsys):
    from data.__main__ import main

    lines = person_rows(3)
    lines[2] = lines[2].replace("Surname2", "x" * 10_000_000)
    person = tmp_path / "person.csv"
    person.write_text("\n".join(lines) + "\n")
    error = stops([person], live)
    assert error.problem == "the cell in column 'surname' on line 3 is longer than the 131,072-character limit"
    assert "shorten it to under 131,072 characters" in error.fix
    before = sha256(live)
    assert main(["ingest", "--warehouse", str(live), "--no-bundle", str(person)]) == 2
    assert sha256(live) == before
    assert "Traceback" not in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------------
# 3. An unclosed quote never swallows rows: records are checked against physical lines


def test_unclosed_quote_on_row_51_of_100_stops_naming_its_line(live: Path, tmp_path: Path):
    lines = person_rows(100)
    lines[51] = lines[51].replace("Surname51", '"Surname51')  # row 51 is on line 52
    person = tmp_path / "person.csv"
    person.write_text("\r\n".join(lines) + "\r\n")
    assert records(person) == 100
    error = stops([person], live)
    assert error.problem == ('a quote (") opened on line 52 is not closed on that line, so the 49 line(s) after it '
                             "would be read as one cell")
    assert error.fix.startswith("close or remove the stray quote on line 52")


def test_closed_quotes_load_every_physical_row(tmp_path: Path):
    lines = person_rows(100)
    lines[51] = lines[51].replace("Surname51", '"Surname, 51"')  # a quoted comma is one cell
    person = tmp_path / "person.csv"
    person.write_text("\r\n".join(lines) + "\r\n")
    (entry,) = load([person], tmp_path / "w.duckdb").files
    assert entry["rows_in"] == records(person) == 100
    assert entry["rows_in"] == entry["rows_loaded"] + entry["rows_quarantined"]
    assert counts(tmp_path / "w.duckdb", "SELECT surname FROM person WHERE person_id = '51'") == [("Surname, 51",)]


# ---------------------------------------------------------------------------------------------------------
# 4. An event dated before the child was born is quarantined, with its children


def test_request_before_birth_is_quarantined_with_its_assessment(tmp_path: Path):
    folder = tmp_path / "extract"
    folder.mkdir()
    header = (GOOD / "person.csv").read_text().splitlines()[0]
    (folder / "person.csv").write_text(f"{header}\n1,Young,Ada,2025-02-01,F,WBRI,,,,\n2,Older,Ben,2012-03-14,M,WBRI,,,,\n")
    (folder / "requests.csv").write_text(
        "requeststableid,persontableid,receiveddate,requestsource,rya,requestoutcomedate,requestoutcome,"
        "requestmediation,requesttribunal,exported\n"
        "11,1,2007-03-01,1,0,2007-04-01,Y,0,0,\n"  # 18 years before Ada was born
        "12,2,2023-02-06,1,0,2023-03-10,Y,0,0,\n"
        "13,1,2025-09-01,1,0,,,0,0,\n")
    (folder / "assessment.csv").write_text(
        (GOOD / "assessment.csv").read_text().splitlines()[0] + "\n21,11,Y,2007-06-19,0,0,0,0,0\n22,12,Y,2023-06-19,0,0,0,0,0\n")
    warehouse = tmp_path / "w.duckdb"
    report = load([folder], warehouse, today=pd.Timestamp("2026-01-15"))
    assert counts(warehouse, "SELECT table_name, row_number, rule, field, value, reason FROM quarantine ORDER BY 1") == [
        ("assessment", 2, "ORPHAN", "request_id", "11", "request_id 11 has no matching row in request"),
        ("request", 2, "BEFORE_BIRTH", "received_date", "2007-03-01",
         "received_date 2007-03-01 is before the person's birth date 2025-02-01"),
    ]
    assert counts(warehouse, "SELECT request_id FROM request ORDER BY 1") == [("12",), ("13",)]
    by_name = {f["name"]: f for f in report.files}
    for name in ("person.csv", "requests.csv", "assessment.csv"):
        entry = by_name[name]
        assert entry["rows_in"] == records(folder / name), name
        assert entry["rows_in"] == entry["rows_loaded"] + entry["rows_quarantined"], name
    assert (by_name["requests.csv"]["rows_quarantined"], by_name["assessment.csv"]["rows_quarantined"]) == (1, 1)


# ---------------------------------------------------------------------------------------------------------
# 8. The same return twice: identical files load once; two formats of one return are refused


def test_identical_file_under_two_names_loads_once(tmp_path: Path, capsys):
    from data.__main__ import main

    copy = tmp_path / "people.csv"
    shutil.copyfile(GOOD / "person.csv", copy)
    warehouse = tmp_path / "w.duckdb"
    report = load([GOOD / "person.csv", copy], warehouse)
    (entry,) = report.files
    assert entry["name"] == "person.csv"
    assert entry["rows_in"] == records(GOOD / "person.csv") == entry["rows_loaded"] + entry["rows_quarantined"]
    assert counts(warehouse, "SELECT count(*) FROM person") == [(records(GOOD / "person.csv"),)]
    assert report.warnings == [(str(GOOD / "person.csv"), f"{copy} has the same contents as this file and was loaded once")]
    assert main(["ingest", "--warehouse", str(warehouse), "--no-bundle", str(GOOD / "person.csv"), str(copy)]) == 0
    assert f"Warning: person.csv: {copy} has the same contents" in capsys.readouterr().out


def test_sen2_xml_and_csv_of_the_same_return_are_refused(live: Path):
    xml = REPO / "tests" / "fixtures" / "malformed" / "xml_canonical" / "sen2.xml"  # the first 2 of GOOD's 5 people
    error = stops([GOOD, xml], live)
    assert error.path == str(xml)
    assert error.problem == (f"holds the same children as {GOOD / 'person.csv'} (2 of 2 people by name and birth "
                             "date), so they are the same return twice")
    assert error.fix == "load one copy of the return: either its SEN2 XML or its COLLECT CSV files, not both"


# ---------------------------------------------------------------------------------------------------------
# 7. A foreign XML namespace, an extra column and a row with extra cells load with a recorded warning


def test_xml_in_a_foreign_namespace_loads_with_a_warning(tmp_path: Path, capsys):
    from data.__main__ import main

    text = (REPO / "tests" / "fixtures" / "malformed" / "xml_canonical" / "sen2.xml").read_text()
    xml = tmp_path / "sen2.xml"
    xml.write_text(text.replace("<Message>", '<Message xmlns="urn:example:not-sen2">', 1))
    report = load([xml], tmp_path / "w.duckdb")
    assert report.warnings == [(str(xml), "elements are in the XML namespace urn:example:not-sen2, which the DfE SEN2 "
                                          "schema does not use: read by their names; check this is a SEN2 person-level "
                                          "return")]
    (entry,) = report.files
    assert counts(tmp_path / "w.duckdb", "SELECT count(*) FROM person") == [(text.count("<Person>"),)]
    assert entry["rows_in"] == entry["rows_loaded"] + entry["rows_quarantined"]
    assert main(["ingest", "--warehouse", str(tmp_path / "w.duckdb"), "--no-bundle", str(xml)]) == 0
    assert "Warning: sen2.xml: elements are in the XML namespace urn:example:not-sen2" in capsys.readouterr().out


def test_extra_column_and_extra_cells_load_with_warnings_and_every_row_counted(tmp_path: Path):
    lines = person_rows(4)
    lines[0] += ",favourite_colour"
    lines[1:] = [line + ",blue" for line in lines[1:]]
    lines[3] += ",stray"  # row 3 (line 4) has one cell more than the header
    person = tmp_path / "person.csv"
    person.write_text("\n".join(lines) + "\n")
    report = load([person], tmp_path / "w.duckdb")
    assert [problem for _, problem in report.warnings] == [
        "1 row(s) have more cells than the header (line(s) 4): the extra cells were not loaded; check for an unquoted "
        "comma or a missing column name",
        "person: column(s) 'favourite_colour' are not part of a sen2_person file and were not loaded (a misspelt or "
        "extra column?)",
    ]
    (entry,) = report.files
    assert entry["rows_in"] == records(person) == 4
    assert entry["rows_in"] == entry["rows_loaded"] + entry["rows_quarantined"]
    assert counts(tmp_path / "w.duckdb", "SELECT count(*) FROM load_warning") == [(2,)]
