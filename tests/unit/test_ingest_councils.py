"""Several councils in one warehouse: each council's extract loads, is checked, quarantined and versioned on its
own, keys are (council, id), and loading one council never changes another's rows.

The councils are hand-built from the good fixture extract (tests/fixtures/good/: 5 people, 6 requests, ...), so
their ids collide on purpose (every council has person 1). Row counts are worked out from the files' lines, never
from the loader's own report.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data.errors import SourceError
from data.ingest import ingest
from data.warehouse.model import COUNCIL_TABLES, LOCAL_TABLES
from tests.unit.test_ingest_loads import records  # rows in from the files' lines, not the parser

REPO = Path(__file__).resolve().parents[2]
GOOD = REPO / "tests" / "fixtures" / "good"
XML = REPO / "tests" / "fixtures" / "malformed" / "xml_canonical" / "sen2.xml"  # LEA 801: Bristol's return
TODAY = pd.Timestamp("2025-01-16")
BRISTOL, KENT, BATH = ("E06000023", "801"), ("E10000016", "886"), ("E06000022", "800")
GOOD_COUNTS = {"person": 5, "request": 6, "assessment": 4, "named_plan": 3, "plan_detail": 3, "active_plan": 2,
               "placement": 2, "sen_need": 3, "dim_school": 3, "caseworker": 2, "casework": 4, "health_advice": 3,
               "review": 2, "residence": 3, "dispute": 2, "sen_support": 4, "aggregate_measure": 0}
EXTRA_PERSON = "6,Nowak,Ola,2014-05-05,F,WOTH,BS2 0AA,,,\n"  # no request: loads without breaking a link
BAD_PERSON = "7,Smith,Sam,not a date,M,WBRI,BS3 1AA,,,\n"  # birth date unreadable: the row is quarantined


def council(folder: Path, la: tuple[str, str], *, person_rows: str = "", drop_sen_support: int = 0) -> Path:
    """A council's extract folder: the good extract, its MANIFEST.json naming the council, extra person rows, and
    the last `drop_sen_support` census rows left out."""
    shutil.copytree(GOOD, folder)
    (folder / "MANIFEST.json").write_text(json.dumps({"la": {"new_la_code": la[0], "old_la_code": la[1]},
                                                      "reference_date": "2025-01-16"}))
    if person_rows:
        with open(folder / "person.csv", "a", encoding="utf-8") as person:
            person.write(person_rows)
    if drop_sen_support:
        lines = (folder / "sen_support.csv").read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / "sen_support.csv").write_text("".join(lines[:-drop_sen_support]), encoding="utf-8")
    return folder


def load(sources, warehouse: Path, **kwargs):
    return ingest(list(sources), warehouse, bundle=False, today=TODAY, progress=False, **kwargs)


def query(warehouse: Path, sql: str, params: dict | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or {}).fetchall()


def counts_by_council(warehouse: Path) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for table in LOCAL_TABLES:
        for code, n in query(warehouse, f"SELECT la_code, count(*) FROM {table} GROUP BY la_code"):  # noqa: S608
            out.setdefault(code, {})[table] = n
    return out


def rows_of(warehouse: Path, code: str) -> dict[str, pd.DataFrame]:
    """Every row a council owns, in every table that carries the council, in a total order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t} WHERE la_code = $c ORDER BY ALL", {"c": code}).df()  # noqa: S608
                for t in COUNCIL_TABLES if t not in ("quality_history", "previous_child", "fact_frame", "fact_index")}


@pytest.fixture
def three(tmp_path: Path) -> dict[str, Path]:
    return {
        BRISTOL[0]: council(tmp_path / "bristol", BRISTOL),
        KENT[0]: council(tmp_path / "kent", KENT, person_rows=EXTRA_PERSON, drop_sen_support=1),
        BATH[0]: council(tmp_path / "bath", BATH, person_rows=BAD_PERSON),
    }


def expected_counts() -> dict[str, dict[str, int]]:
    kent = {**GOOD_COUNTS, "person": 6, "sen_support": 3}
    return {code: {t: n for t, n in counts.items() if n} for code, counts in
            {BRISTOL[0]: GOOD_COUNTS, KENT[0]: kent, BATH[0]: GOOD_COUNTS}.items()}


def test_three_councils_with_the_same_ids_load_side_by_side(three: dict[str, Path], tmp_path: Path):
    report = load(three.values(), tmp_path / "w.duckdb")
    warehouse = tmp_path / "w.duckdb"
    assert counts_by_council(warehouse) == expected_counts()
    # nothing is a duplicate across councils: Bath's unreadable birth date is the only row set aside
    assert query(warehouse, "SELECT la_code, table_name, rule, value FROM quarantine WHERE action = 'row_rejected'") == [
        (BATH[0], "person", "DATE_FORMAT", "not a date")]
    assert report.quarantined == 1
    # each council its own load: rows in (counted from the files' lines) = loaded + quarantined
    loads = {r[0]: r[1:] for r in query(warehouse, """SELECT la_code, position, rows_in, rows_loaded, rows_quarantined,
                                                        source_files, reference_date FROM loads""")}
    for position, (code, folder) in enumerate(three.items(), start=1):
        rows_in = sum(records(f) for f in folder.glob("*.csv"))
        assert loads[code][:5] == (position, rows_in, rows_in - (code == BATH[0]), int(code == BATH[0]),
                                   len(list(folder.glob("*.csv"))))
        assert str(loads[code][5]) == "2025-01-16"
    files = query(warehouse, "SELECT la_code, sum(rows_in), sum(rows_loaded + rows_quarantined) FROM source_file GROUP BY 1")
    assert all(rows_in == total for _, rows_in, total in files) and len(files) == 3
    # the first council is the home council; every council has a version of its own
    info = dict(query(warehouse, "SELECT key, value FROM warehouse_info"))
    assert info["local_la_code"] == BRISTOL[0] and info["source_files"] == str(3 * 16)
    assert len({r[0] for r in query(warehouse, "SELECT version FROM loads")} | {info["version"]}) == 4


def test_one_council_alone_gets_the_counts_it_gets_beside_others(three: dict[str, Path], tmp_path: Path):
    load([three[KENT[0]]], tmp_path / "kent.duckdb")
    assert counts_by_council(tmp_path / "kent.duckdb") == {KENT[0]: expected_counts()[KENT[0]]}
    assert query(tmp_path / "kent.duckdb", "SELECT count(*) FROM quarantine") == [(0,)]


def test_a_return_whose_header_names_another_council_is_refused(tmp_path: Path):
    kent = council(tmp_path / "kent", KENT)
    shutil.copyfile(XML, kent / "sen2.xml")  # Bristol's return (LEA 801) in Kent's folder
    live = tmp_path / "w.duckdb"
    load([council(tmp_path / "bristol", BRISTOL)], live)
    before = hashlib.sha256(live.read_bytes()).hexdigest()
    with pytest.raises(SourceError) as caught:
        load([tmp_path / "bristol", kent], live)
    error = caught.value
    assert error.path == str(kent / "sen2.xml")
    assert error.problem == (f"its SEN2 header names LA 801 (E06000023) but it is in the extract of E10000016 (LA 886) "
                             f"named by {kent / 'MANIFEST.json'}")
    assert "move the file into the folder of E06000023's extract" in error.fix and "LEA to 886" in error.fix
    assert hashlib.sha256(live.read_bytes()).hexdigest() == before  # nothing changed


def test_loose_returns_of_two_councils_are_split_by_their_headers(tmp_path: Path):
    folder = tmp_path / "returns"
    folder.mkdir()
    shutil.copyfile(XML, folder / "bristol.xml")
    (folder / "kent.xml").write_text(XML.read_text(encoding="utf-8").replace("<LEA>801</LEA>", "<LEA>886</LEA>"),
                                     encoding="utf-8")
    load([folder], tmp_path / "w.duckdb")
    people = records(GOOD / "person.csv")  # the return holds 2 of the good extract's children
    assert query(tmp_path / "w.duckdb", "SELECT la_code, count(*) FROM person GROUP BY 1 ORDER BY 1") == [
        (BRISTOL[0], 2), (KENT[0], 2)] and people == 5
    # a CSV beside them could belong to either: refused, with the fix
    shutil.copyfile(GOOD / "schools.csv", folder / "schools.csv")
    with pytest.raises(SourceError, match="several councils .LA 801, 886. with no folder saying which council"):
        load([folder], tmp_path / "w.duckdb")


def test_reloading_one_council_leaves_the_others_rows_unchanged(three: dict[str, Path], tmp_path: Path):
    live = tmp_path / "w.duckdb"
    first = load(three.values(), live)
    bristol, bath = rows_of(live, BRISTOL[0]), rows_of(live, BATH[0])
    loads = {r[0]: r[1] for r in query(live, "SELECT la_code, version FROM loads")}
    # Kent's next extract: its extra person gone, every census row back
    kent = council(tmp_path / "kent-again", KENT)
    second = load([kent], live)
    for code, before in ((BRISTOL[0], bristol), (BATH[0], bath)):
        after = rows_of(live, code)
        for table, frame in before.items():
            pd.testing.assert_frame_equal(after[table], frame, obj=f"{code} {table}")
    assert counts_by_council(live)[KENT[0]] == {t: n for t, n in GOOD_COUNTS.items() if n}
    now = {r[0]: r[1:] for r in query(live, "SELECT la_code, version, position FROM loads")}
    assert now[BRISTOL[0]] == (loads[BRISTOL[0]], 1) and now[BATH[0]] == (loads[BATH[0]], 3)
    assert now[KENT[0]][0] != loads[KENT[0]] and now[KENT[0]][1] == 2
    assert second.version != first.version
    assert dict(query(live, "SELECT key, value FROM warehouse_info"))["local_la_code"] == BRISTOL[0]
    # the report covers this load's council; the warehouse's files are all still listed
    assert {f["la_code"] for f in second.files} == {KENT[0]} and len(second.councils) == 3
    assert query(live, "SELECT count(*) FROM source_file") == [(3 * 16,)]


def test_a_council_loaded_alone_joins_the_councils_already_there(tmp_path: Path):
    live = tmp_path / "w.duckdb"
    load([council(tmp_path / "bristol", BRISTOL)], live)
    bristol = rows_of(live, BRISTOL[0])
    load([council(tmp_path / "kent", KENT, person_rows=EXTRA_PERSON, drop_sen_support=1)], live)
    assert counts_by_council(live) == {code: n for code, n in expected_counts().items() if code != BATH[0]}
    for table, frame in bristol.items():
        pd.testing.assert_frame_equal(rows_of(live, BRISTOL[0])[table], frame, obj=table)


def test_a_load_shrinking_one_council_stops_and_names_it(three: dict[str, Path], tmp_path: Path):
    live = tmp_path / "w.duckdb"
    load(three.values(), live)
    kent = council(tmp_path / "kent-short", KENT)
    (kent / "person.csv").write_text("\n".join((GOOD / "person.csv").read_text().splitlines()[:2]) + "\n")
    with pytest.raises(SourceError) as caught:
        load([kent], live)
    assert "of council E10000016" in caught.value.problem and "person from 6 to 1 rows" in caught.value.problem


def test_an_extract_naming_no_council_replaces_the_warehouse_as_before(three: dict[str, Path], tmp_path: Path):
    live = tmp_path / "w.duckdb"
    load(three.values(), live)
    load([GOOD], live, allow_shrink=True)
    assert counts_by_council(live) == {"": {t: n for t, n in GOOD_COUNTS.items() if n}}
    assert query(live, "SELECT la_code, position FROM loads") == [("", 1)]
    info = dict(query(live, "SELECT key, value FROM warehouse_info"))
    assert info["local_la_code"] == "" and info["version"] == query(live, "SELECT version FROM loads")[0][0]


def test_a_file_naming_no_council_is_refused_beside_councils(three: dict[str, Path], tmp_path: Path):
    with pytest.raises(SourceError) as caught:
        load([three[BRISTOL[0]], GOOD / "schools.csv"], tmp_path / "w.duckdb")
    assert caught.value.path == str(GOOD / "schools.csv")
    assert caught.value.problem == "names no council, in a load of several councils"


def test_la_naming_another_council_than_the_manifest_is_refused(tmp_path: Path):
    folder = council(tmp_path / "kent", KENT)
    with pytest.raises(SourceError, match="names council E10000016 but --la names E06000023"):
        load([folder / "person.csv", folder / "MANIFEST.json"], tmp_path / "w.duckdb", la=BRISTOL[0])


def test_a_folder_beside_its_councils_manifest_is_that_councils(tmp_path: Path):
    """As a synthetic extract is laid out: MANIFEST.json beside its sen2/ and local/ folders."""
    kent = council(tmp_path / "kent", KENT)
    (kent / "csv").mkdir()
    for path in kent.glob("*.csv"):
        path.rename(kent / "csv" / path.name)
    bristol = council(tmp_path / "bristol", BRISTOL)
    load([bristol, kent / "csv"], tmp_path / "w.duckdb")
    assert sorted(counts_by_council(tmp_path / "w.duckdb")) == [BRISTOL[0], KENT[0]]


def history(warehouse: Path) -> dict[tuple[str, str], dict[str, int]]:
    """Each load's data-quality counts in the history: (council, version) -> rule -> records."""
    out: dict[tuple[str, str], dict[str, int]] = {}
    for code, version, rule, n in query(warehouse, "SELECT la_code, version, code, records FROM quality_history"):
        out.setdefault((code, version), {})[rule] = n
    return out


def test_each_council_keeps_its_own_data_quality_history(three: dict[str, Path], tmp_path: Path):
    from indicators.quality import record_history

    alone = tmp_path / "bath.duckdb"
    load([three[BATH[0]]], alone, prepare=lambda path: record_history(path, alone))
    live = tmp_path / "w.duckdb"
    load(three.values(), live, prepare=lambda path: record_history(path, live))
    first = history(live)
    versions = dict(query(live, "SELECT la_code, version FROM loads"))
    assert sorted(first) == sorted(versions.items())
    # each council's counts are those of the council alone (the rules ran on its rows only): the good extract breaks
    # DQ104 once, DQ107 three times and DQ702 once, which rules run over all three councils would count three times
    bath = first[(BATH[0], versions[BATH[0]])]
    assert bath == next(iter(history(alone).values()))
    assert {rule: n for rule, n in bath.items() if n} == {"DQ104": 1, "DQ107": 3, "DQ702": 1}
    with_times = {r[:2]: r[2] for r in query(live, "SELECT la_code, version, max(loaded_at) FROM quality_history GROUP BY 1, 2")}
    # Kent again: a second entry for Kent; Bristol's and Bath's entries carried as they were
    load([council(tmp_path / "kent-again", KENT)], live, prepare=lambda path: record_history(path, live))
    second = history(live)
    kent_versions = {v for c, v in second if c == KENT[0]}
    assert len(kent_versions) == 2 and len(second) == 4
    for code in (BRISTOL[0], BATH[0]):
        assert second[(code, versions[code])] == first[(code, versions[code])]
    assert {r[:2]: r[2] for r in query(live, """SELECT la_code, version, max(loaded_at) FROM quality_history
                                              WHERE la_code <> 'E10000016' GROUP BY 1, 2""")} == {
        k: t for k, t in with_times.items() if k[0] != KENT[0]}


def test_the_command_line_loads_councils_and_reports_each(three: dict[str, Path], tmp_path: Path, capsys):
    from data.__main__ import main

    live = tmp_path / "w.duckdb"
    assert main(["ingest", "--warehouse", str(live), "--no-bundle", str(three[BRISTOL[0]]), str(three[BATH[0]])]) == 0
    out = capsys.readouterr().out
    rows = sum(records(f) for f in three[BATH[0]].glob("*.csv"))
    assert f"council E06000022 (loaded now): {rows:,} rows in, {rows - 1:,} loaded, 1 quarantined" in out
    assert main(["ingest", "--warehouse", str(live), "--no-bundle", str(three[KENT[0]])]) == 0
    out = capsys.readouterr().out
    assert "council E06000023 (kept as it was)" in out and "council E10000016 (loaded now)" in out
    assert main(["status", "--warehouse", str(live)]) == 0
    out = capsys.readouterr().out
    assert "Councils (each loaded on its own; the first is the home council" in out
    assert [line.split()[0] for line in out.splitlines() if "version" in line and "rows in" in line] == [
        BRISTOL[0], BATH[0], KENT[0]]
    shutil.copyfile(XML, three[KENT[0]] / "sen2.xml")
    before = hashlib.sha256(live.read_bytes()).hexdigest()
    assert main(["ingest", "--warehouse", str(live), "--no-bundle", str(three[KENT[0]])]) == 2
    assert "Load stopped, nothing changed: " in capsys.readouterr().err
    assert hashlib.sha256(live.read_bytes()).hexdigest() == before


def test_replace_keeps_no_other_council(three: dict[str, Path], tmp_path: Path):
    """As `python -m data sample` loads: the new extract replaces the warehouse, whatever council it held."""
    live = tmp_path / "w.duckdb"
    load([three[BRISTOL[0]], three[BATH[0]]], live)
    load([three[KENT[0]]], live, replace=True, allow_shrink=True)
    assert counts_by_council(live) == {KENT[0]: expected_counts()[KENT[0]]}
    assert query(live, "SELECT la_code, position FROM loads") == [(KENT[0], 1)]
    assert dict(query(live, "SELECT key, value FROM warehouse_info"))["local_la_code"] == KENT[0]


@pytest.mark.parametrize("loose_first", [True, False])
def test_a_council_named_by_a_loose_return_and_by_its_folder_takes_its_folders_reference_date(loose_first):
    """The loose return was read early (for its header) at the date a loose file gets; merged with the council's
    folder, the folder's manifest leads and the return is read again with the folder's files, at its date."""
    from data.ingest import Council, LoadedFile, check_headers

    loose_return = Path("returns/kent.xml")
    loose = Council("", "", [loose_return], {}, [LoadedFile(loose_return, "", "sen2_xml", header={"lea": KENT[1]})],
                    pd.Timestamp("2026-11-30"))
    manifest = {"la": {"new_la_code": KENT[0], "old_la_code": KENT[1]}, "reference_date": "2025-06-30"}
    folder = Council(KENT[0], "kent/MANIFEST.json", [Path("kent/schools.csv")], manifest)
    [merged] = check_headers([loose, folder] if loose_first else [folder, loose], resolve=True)
    assert merged.manifest["reference_date"] == "2025-06-30" and merged.today is None  # dated by its folder
    assert merged.named_by == "kent/MANIFEST.json"
    assert sorted(merged.paths) == [Path("kent/schools.csv"), loose_return]
    assert merged.files == []  # the return is read again, with the council's other files, at their date
