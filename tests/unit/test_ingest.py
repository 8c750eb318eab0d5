"""Ingest end to end: the good extract, the four SEN2 sample returns, atomic swap and rollback, determinism,
raw-file keeping, the lock, the national bundle and the command line.

Counts are worked out by hand from the fixture files and from the SEN2 samples in `data/published/sen2_samples/`.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import data.ingest as ingest_module
from data.bundle import PUBLISHED_DIR
from data.errors import SourceError
from data.ingest import ingest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
GOOD = FIXTURES / "good"
MALFORMED = FIXTURES / "malformed"
SAMPLES = PUBLISHED_DIR / "sen2_samples"
TODAY = pd.Timestamp("2025-01-16")

GOOD_COUNTS = {"person": 5, "request": 6, "assessment": 4, "named_plan": 3, "plan_detail": 3, "active_plan": 2,
               "placement": 2, "sen_need": 3, "dim_school": 3, "caseworker": 2, "casework": 4, "health_advice": 3,
               "review": 2, "residence": 3, "dispute": 2, "sen_support": 4, "aggregate_measure": 0}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(sources, warehouse: Path, **kwargs):
    kwargs.setdefault("bundle", False)
    return ingest(list(sources), warehouse, today=TODAY, progress=False, **kwargs)


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def info(warehouse: Path) -> dict[str, str]:
    return dict(query(warehouse, "SELECT key, value FROM warehouse_info"))


def all_tables(warehouse: Path) -> dict[str, pd.DataFrame]:
    """Every table, rows in a total order (all columns), for exact comparison."""
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        for name in names:
            out[name] = con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').df()  # noqa: S608 - catalog names
    return out


# ---------------------------------------------------------------------------------------------------------
# The good extract


@pytest.fixture(scope="module")
def good_warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("good") / "warehouse.duckdb"
    load([GOOD], path)
    return path


def test_good_extract_loads_every_row_with_nothing_quarantined(good_warehouse: Path):
    for table, rows in GOOD_COUNTS.items():
        assert query(good_warehouse, f"SELECT count(*) FROM {table}")[0][0] == rows, table  # noqa: S608
    assert query(good_warehouse, "SELECT count(*) FROM quarantine") == [(0,)]
    assert query(good_warehouse, "SELECT count(*) FROM load_warning") == [(0,)]
    files = query(good_warehouse, "SELECT name, rows_in, rows_loaded, rows_quarantined, values_cleared FROM source_file")
    assert len(files) == 16
    assert all(rows_in == loaded and quarantined == cleared == 0 for _, rows_in, loaded, quarantined, cleared in files)
    assert sum(f[1] for f in files) == sum(GOOD_COUNTS.values())
    meta = info(good_warehouse)
    assert meta["reference_date"] == "2025-01-16" and meta["source_files"] == "16"
    assert meta["synthetic_local_data"] == "false" and meta["local_la_code"] == ""


def test_good_extract_values_are_typed(good_warehouse: Path):
    # COLLECT's `2022-Sep-28 00:00:00` dates, a quoted thousands separator, flags and recoded codes
    assert query(good_warehouse, "SELECT received_date, outcome_date FROM request WHERE request_id = '12'") == [
        (pd.Timestamp("2022-09-28").date(), pd.Timestamp("2022-11-01").date())]
    assert query(good_warehouse, "SELECT number_on_roll FROM dim_school WHERE urn = '109321'") == [(1104,)]
    assert query(good_warehouse, "SELECT sum(personal_budget), count(cease_date) FROM named_plan") == [(1, 1)]
    assert query(good_warehouse, "SELECT sex, count(*) FROM person GROUP BY 1 ORDER BY 1") == [
        ("F", 2), ("M", 2), ("U", 1)]


# ---------------------------------------------------------------------------------------------------------
# The four SEN2 sample returns


@pytest.fixture(scope="module")
def samples_warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("samples") / "warehouse.duckdb"
    load([SAMPLES], path)
    return path


def test_sen2_samples_file_counts(samples_warehouse: Path):
    # 2023: 3 persons, 4 requests, 4 assessments, 1 plan, 2 plan details, 1 active plan, 2 placements, 2 needs;
    # the other three: 2, 3, 3, 1, 2, 1, 2, 2. The 2023 InvalidCodes request and its assessment are rejected.
    assert query(samples_warehouse, """SELECT name, kind, rows_in, rows_loaded, rows_quarantined, values_cleared
                                         FROM source_file ORDER BY source_file_id""") == [
        ("bad_sen2_sample_2024.xml", "sen2_xml", 16, 16, 0, 1),
        ("sen2_sample_2023.xml", "sen2_xml", 19, 17, 2, 4),
        ("sen2_sample_2024.xml", "sen2_xml", 16, 16, 0, 2),
        ("sen2_sample_2025.xml", "sen2_xml", 16, 16, 0, 2),
    ]
    counts = {t: query(samples_warehouse, f"SELECT count(*) FROM {t}")[0][0]  # noqa: S608
              for t in ("person", "request", "assessment", "named_plan", "plan_detail", "active_plan", "placement",
                        "sen_need")}
    assert counts == {"person": 9, "request": 12, "assessment": 12, "named_plan": 4, "plan_detail": 8,
                      "active_plan": 4, "placement": 8, "sen_need": 8}


UPN_HELP = "Unique pupil number: a letter and 12 digits, or a letter, 11 digits and a letter"


def test_sen2_samples_exact_quarantine(samples_warehouse: Path):
    rows = query(samples_warehouse, """SELECT s.name, q.row_number, q.table_name, q.rule, q.field, q.value, q.action
                                         FROM quarantine q JOIN source_file s USING (source_file_id)
                                         ORDER BY q.source_file_id, q.row_number, q.field""")
    upn = ("person", "FORMAT", "upn")
    assert rows == [
        ("bad_sen2_sample_2024.xml", 111, *upn, "X1234567898321", "value_cleared"),
        ("sen2_sample_2023.xml", 135, "person", "FORMAT", "uln", "123456708900000", "value_cleared"),
        ("sen2_sample_2023.xml", 135, *upn, "X12345678901200000", "value_cleared"),
        ("sen2_sample_2023.xml", 135, "person", "CODE", "upn_unknown", "XXX", "value_cleared"),
        ("sen2_sample_2023.xml", 145, "request", "FORMAT", "exported_la", "XX", "value_cleared"),
        ("sen2_sample_2023.xml", 145, "request", "CODE", "mediation", "X", "row_rejected"),
        ("sen2_sample_2023.xml", 145, "request", "CODE", "outcome", "XX", "row_rejected"),
        ("sen2_sample_2023.xml", 145, "request", "DATE_FORMAT", "outcome_date", "XXXX-12-01", "row_rejected"),
        ("sen2_sample_2023.xml", 145, "request", "CODE", "rya", "99", "row_rejected"),
        ("sen2_sample_2023.xml", 145, "request", "CODE", "tribunal", "X", "row_rejected"),
        ("sen2_sample_2023.xml", 153, "assessment", "CODE", "outcome", "XX", "row_rejected"),
        ("sen2_sample_2024.xml", 20, *upn, "X1234567898765", "value_cleared"),
        ("sen2_sample_2024.xml", 111, *upn, "X1234567898321", "value_cleared"),
        ("sen2_sample_2025.xml", 21, *upn, "X1234567898765", "value_cleared"),
        ("sen2_sample_2025.xml", 113, *upn, "X1234567898321", "value_cleared"),
    ]
    # every 14-character UPN is cleared with the reason, and its person still loads without it
    reasons = query(samples_warehouse, "SELECT DISTINCT value, reason FROM quarantine WHERE field = 'upn' ORDER BY 1")
    assert reasons == [(v, f"'{v}' is not a valid upn ({UPN_HELP})")
                       for v in ("X12345678901200000", "X1234567898321", "X1234567898765")]
    assert query(samples_warehouse, "SELECT count(*) FROM person WHERE length(upn) <> 13") == [(0,)]
    assert query(samples_warehouse, "SELECT count(*) FROM person WHERE upn IS NULL") == [(6,)]
    assert query(samples_warehouse, """SELECT reason FROM quarantine WHERE rule = 'DATE_FORMAT'""") == [
        ("'XXXX-12-01' is not a date in requestoutcomedate; use YYYY-MM-DD or DD/MM/YYYY",)]


def test_sen2_samples_year_reference_date_warning_and_gendercurrent(samples_warehouse: Path):
    assert query(samples_warehouse, "SELECT source_file, problem FROM load_warning") == [
        (str(SAMPLES / "sen2_sample_2023.xml"),  # this sample puts Res and WBP under ActivePlans, not PlacementDetail
         "active_plan: column(s) 'res', 'wbp' are not part of a sen2_activeplans file and were not loaded "
         "(a misspelt or extra column?)"),
        (str(SAMPLES / "sen2_sample_2023.xml"),
         "header Year 2024 disagrees with ReferenceDate 2023-01-18; the census date is taken from ReferenceDate"),
        (str(SAMPLES / "sen2_sample_2024.xml"),  # bad_sen2_sample_2024.xml is the same return with errors in it
         f"has the same SEN2 header as {SAMPLES / 'bad_sen2_sample_2024.xml'} (LA 201, year 2024, reference date "
         "2024-01-18): if it is the same return, its children are counted twice; load one copy")]
    sexes = query(samples_warehouse, """SELECT p.surname, p.sex FROM person p JOIN source_file s USING (source_file_id)
                                          WHERE s.name = 'sen2_sample_2023.xml' ORDER BY p.source_row""")
    assert sexes == [("TestFamilyName1", "M"), ("RequestRefused", "F"), ("InvalidCodes", "F")]


# ---------------------------------------------------------------------------------------------------------
# Atomic swap, rollback, lock


def building_files(directory: Path) -> list[Path]:
    return list(directory.glob("*.building-*"))


def test_second_load_swaps_in_and_keeps_the_first_as_previous(tmp_path: Path):
    live = tmp_path / "warehouse.duckdb"
    first = load([GOOD], live)
    first_bytes = sha256(live)
    second = load([MALFORMED / "xml_canonical"], live, allow_shrink=True)  # a smaller extract on purpose
    assert first.version != second.version
    previous = tmp_path / "warehouse.duckdb.previous"
    assert sha256(previous) == first_bytes
    assert info(previous)["version"] == first.version
    assert info(live)["version"] == second.version
    assert query(previous, "SELECT count(*) FROM person") == [(5,)]
    assert query(live, "SELECT count(*) FROM person") == [(2,)]
    assert not building_files(tmp_path)
    assert not (tmp_path / "warehouse.duckdb.previous.tmp").exists()


def test_source_error_after_a_good_file_leaves_live_and_previous_unchanged(tmp_path: Path):
    live = tmp_path / "warehouse.duckdb"
    load([GOOD], live)
    load([MALFORMED / "xml_canonical"], live, allow_shrink=True)
    live_bytes, previous_bytes = sha256(live), sha256(tmp_path / "warehouse.duckdb.previous")
    with pytest.raises(SourceError, match="is not well-formed XML"):
        load([GOOD / "person.csv", GOOD / "requests.csv", MALFORMED / "xml_unclosed_tag" / "sen2.xml"], live)
    assert sha256(live) == live_bytes
    assert sha256(tmp_path / "warehouse.duckdb.previous") == previous_bytes
    assert not building_files(tmp_path)


def test_failure_while_writing_the_new_file_leaves_live_unchanged(tmp_path: Path, monkeypatch):
    live = tmp_path / "warehouse.duckdb"
    load([GOOD], live)
    before = sha256(live)
    real_write = ingest_module.Building.finish
    seen = []

    def write_then_fail(building, *args, **kwargs):
        real_write(building, *args, **kwargs)
        target = Path(building.con.execute("SELECT path FROM duckdb_databases() WHERE NOT internal").fetchone()[0])
        seen.append(Path(target))
        assert Path(target).exists()
        raise OSError("disk full")

    monkeypatch.setattr(ingest_module.Building, "finish", write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        load([MALFORMED / "xml_canonical"], live)
    assert seen and seen[0].parent == tmp_path and ".building-" in seen[0].name
    assert sha256(live) == before
    assert not building_files(tmp_path)
    assert not (tmp_path / "warehouse.duckdb.previous").exists()


def test_a_load_over_a_warehouse_with_facts_is_not_stopped_as_a_shrink(tmp_path: Path):
    """The facts are computed by a load's prepare step after the shrink check, so the new file has none yet when
    it is compared with the live one, which has them: a second load of the same extract must go through."""
    live = tmp_path / "warehouse.duckdb"

    def facts(path: Path) -> None:  # stands in for indicators.facts.build: the tables the prepare step adds
        with duckdb.connect(str(path)) as con:
            con.execute("CREATE TABLE fact_frame AS SELECT range AS fact_row FROM range(100)")
            con.execute("CREATE TABLE fact_index AS SELECT range AS fact_row FROM range(10)")

    load([GOOD], live, prepare=facts)
    load([GOOD], live, prepare=facts)
    assert query(live, "SELECT count(*) FROM fact_frame") == [(100,)]
    assert query(live.with_name(live.name + ".previous"), "SELECT count(*) FROM fact_index") == [(10,)]


def test_a_second_load_while_one_is_running_is_refused(tmp_path: Path):
    live = tmp_path / "warehouse.duckdb"
    load([GOOD], live)
    before = sha256(live)
    with open(tmp_path / "warehouse.duckdb.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(SourceError) as caught:
            load([MALFORMED / "xml_canonical"], live)
    # the lock file names no holder (taken here by hand), so the refusal says it cannot tell who
    assert caught.value.problem == ("another load into this warehouse is running: a process that has not written "
                                    "who it is yet")
    assert caught.value.fix == "wait for it to finish, then run your command again"
    assert sha256(live) == before


# ---------------------------------------------------------------------------------------------------------
# Determinism and raw files


@pytest.mark.parametrize(("sources", "people"), [
    # orphans_cascade's persons 1 and 2 repeat keys of the good extract: DUPLICATE, the same both times
    ([GOOD, MALFORMED / "mixed_rows", MALFORMED / "orphans_cascade"], 5),
    # (the XML holds the same children as GOOD and orphans_cascade, so it loads without them)
    ([MALFORMED / "xml_canonical", MALFORMED / "mixed_rows"], 2),
], ids=["csv", "xml"])
def test_same_inputs_twice_give_the_same_warehouse(sources: list[Path], people: int, tmp_path: Path):
    a = load(sources, tmp_path / "a.duckdb")
    b = load(sources, tmp_path / "b.duckdb")
    assert a.version == b.version
    tables_a, tables_b = all_tables(tmp_path / "a.duckdb"), all_tables(tmp_path / "b.duckdb")
    assert sorted(tables_a) == sorted(tables_b)
    assert len(tables_a["quarantine"]) > 0 and len(tables_a["person"]) == people
    for name in tables_a:
        pd.testing.assert_frame_equal(tables_a[name], tables_b[name], obj=name)


def test_version_depends_on_the_inputs_not_on_the_run(tmp_path: Path):
    sources = [GOOD / "person.csv", GOOD / "requests.csv"]
    one = load(sources, tmp_path / "one" / "w.duckdb")
    again = load(sources, tmp_path / "again" / "w.duckdb")
    other = load([*sources, MALFORMED / "mixed_rows"], tmp_path / "other" / "w.duckdb")
    assert one.version == again.version != other.version
    assert len(one.version) == 16


def test_raw_files_are_kept_under_their_hash(tmp_path: Path):
    sources = [GOOD / "caseworkers.csv", MALFORMED / "xml_canonical" / "sen2.xml",
               MALFORMED / "xlsx_cover_sheet" / "schools.xlsx"]
    live = tmp_path / "wh" / "warehouse.duckdb"
    load(sources, live)
    kept = query(live, "SELECT path, sha256, raw_copy, bytes FROM source_file ORDER BY source_file_id")
    assert [Path(k[0]) for k in kept] == sources
    for (_path, digest, raw_copy, size), source in zip(kept, sources, strict=True):
        assert digest == sha256(source)
        assert Path(raw_copy) == tmp_path / "wh" / "raw" / f"{digest}{source.suffix}"
        assert Path(raw_copy).read_bytes() == source.read_bytes()
        assert sha256(Path(raw_copy)) == digest and size == source.stat().st_size
    assert sorted(p.name for p in (tmp_path / "wh" / "raw").iterdir()) == sorted(Path(k[2]).name for k in kept)


# ---------------------------------------------------------------------------------------------------------
# With the national bundle (the one slow test: about ten seconds)


def test_load_with_the_national_bundle(tmp_path: Path):
    from data.sources.national import bundle_hashes

    assert bundle_hashes(), "the committed national bundle is missing"
    sources = [GOOD / "schools.csv", MALFORMED / "xml_canonical"]  # (GOOD's person.csv holds the XML's children)
    local = load(sources, tmp_path / "local.duckdb")
    report = load(sources, tmp_path / "full.duckdb", bundle=True)
    assert report.version != local.version
    assert report.tables["national_fact"] > 0 and report.tables["dim_la"] > 0
    assert {t: report.tables[t] for t in ("person", "request", "assessment")} == {
        "person": 2, "request": 2, "assessment": 1}
    assert [(f["name"], f["rows_loaded"]) for f in report.files] == [("schools.csv", 3), ("sen2.xml", 10)]
    # the XML header's LEA 801 resolves through the bundled LA lookup; without the bundle it cannot
    assert info(tmp_path / "full.duckdb")["local_la_code"] == "E06000023"
    assert info(tmp_path / "local.duckdb")["local_la_code"] == ""


# ---------------------------------------------------------------------------------------------------------
# Command line


def test_cli_ingest_success(tmp_path: Path):
    live = tmp_path / "warehouse.duckdb"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    shutil.copytree(MALFORMED / "mixed_rows", tmp_path / "extract")
    result = subprocess.run([sys.executable, "-m", "data", "ingest", "--warehouse", str(live), "--no-bundle",
                             str(tmp_path / "extract")], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"Loaded 1 file(s) into {live}" in result.stdout
    assert "requests.csv: 12 rows in, 6 loaded, 6 quarantined, 1 values cleared" in result.stdout
    assert "7 row(s) quarantined in total" in result.stdout
    assert query(live, "SELECT count(*) FROM request") == [(6,)]
