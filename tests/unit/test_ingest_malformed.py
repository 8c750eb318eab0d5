"""The malformed-input corpus (`tests/fixtures/malformed/`): every case with its exact expected outcome.

A file-level case must stop the load with a SourceError naming the file, the problem and the fix, and leave
the live warehouse byte-for-byte unchanged. A row-level case must load, with exactly the quarantine rows
listed (file, table, line, rule, field, raw value, action) and rows in = rows loaded + rows quarantined.

`CASES` is the table of the corpus. A case with `bug` set is a real defect of the code under test: its test
is marked xfail(strict=True) until the owner fixes it. Cases marked "regression" below found a bug that has
since been fixed (commit 8310fae); they stay as ordinary tests.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data.errors import SourceError
from data.ingest import ingest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
MALFORMED = FIXTURES / "malformed"
GOOD = FIXTURES / "good"
TODAY = pd.Timestamp("2025-01-16")
REJ, CLR = "row_rejected", "value_cleared"
UTF8_FIX = "save it from Excel as 'CSV UTF-8 (Comma delimited)'"
PERSON_COLUMNS = ("persontableid, surname, forename, personbirthdate, sex, ethnicity, postcode, upn, "
                  "uniquelearnernumber, upnunknown")
XML_FIX = "export the SEN2 XML again from the case-management system; do not edit it by hand"


@dataclass(frozen=True)
class Case:
    """One corpus case. `files` are relative to the corpus folder and are loaded together.

    File level: `error` = (file name, problem, fix); `fragment` means `problem` is only part of the text.
    Row level: `quarantine` = (file name, table, line, rule, field, raw value, action) for every record,
    and `loaded` = rows loaded per table.
    """

    id: str
    files: tuple[str, ...]
    error: tuple[str, str, str] | None = None
    fragment: bool = False
    quarantine: tuple[tuple, ...] = ()
    loaded: dict[str, int] = field(default_factory=dict)
    bug: str | None = None
    loaded_files: tuple[str, ...] = ()  # names in source_file when `files` holds a folder


def xml_key(rel: str, number: int) -> str:
    """The surrogate key the XML reader gives the `number`-th record of a module: file hash prefix + count."""
    return f"{hashlib.sha256((MALFORMED / rel).read_bytes()).hexdigest()[:8]}-{number}"



CASES: list[Case] = [
    # ---- file level: the load stops, nothing changes -------------------------------------------------
    Case("empty_file", ("empty_file/person.csv",),
         error=("person.csv", "the file is empty", "export the file again; it has no header and no rows")),
    Case("utf16", ("utf16/person.csv",),
         error=("person.csv", "the file is UTF-16 or binary, not a text CSV", UTF8_FIX)),
    Case("binary_garbage", ("binary_garbage/requests.csv",),
         error=("requests.csv", "the file is UTF-16 or binary, not a text CSV", UTF8_FIX)),
    Case("undecodable_bytes", ("undecodable_bytes/person.csv",),
         error=("person.csv", "the text cannot be decoded as UTF-8 or Windows-1252 (byte 109)", UTF8_FIX)),
    Case("missing_required_column", ("missing_required_column/senneed.csv",),
         error=("senneed.csv", "is a sen2_senneed file but the required column(s) 'sentype' are missing",
                "add or rename the column(s); expected columns are senneedtableid, activeplanstableid, sentype, "
                "sentyperank")),
    Case("misspelt_column", ("misspelt_column/person.csv",),
         error=("person.csv", "is a sen2_person file but the required column(s) 'personbirthdate' "
                "(found 'personbrithdate': rename it to 'personbirthdate') are missing",
                f"add or rename the column(s); expected columns are {PERSON_COLUMNS}")),
    # regression: fixed after the corpus found it
    Case("misspelt_received_date", ("misspelt_received_date/requests.csv",),
         error=("requests.csv", "is a sen2_requests file but the required column(s) 'receiveddate' "
                "(found 'recieveddate': rename it to 'receiveddate') are missing",
                "add or rename the column(s); expected columns are requeststableid, persontableid, receiveddate, "
                "requestsource, rya, requestoutcomedate, requestoutcome, requestmediation, requesttribunal, exported")),
    Case("missing_birth_date_column", ("missing_birth_date_column/person.csv",),
         error=("person.csv", "is a sen2_person file but the required column(s) 'personbirthdate' are missing",
                f"add or rename the column(s); expected columns are {PERSON_COLUMNS}")),
    # regression: the rename hint used to suggest 'persontableid', a column already used for the person id
    Case("unknown_kind", ("unknown_kind/transport_costs.csv",),
         error=("transport_costs.csv", "is not a file this product recognises (no known file name or columns)",
                "name it after its module (e.g. person.csv, requests.csv, schools.csv) or use the templates in "
                "data/DICTIONARY.md")),
    Case("no_header_row", ("no_header_row/person.csv",),
         error=("person.csv", "no header row was found", "the first non-blank row must hold the column names")),
    Case("unsupported_extension", ("unsupported_extension/person.txt",),
         error=("person.txt", "has an unsupported type '.txt'", "supply .csv, .xlsx or SEN2 .xml files")),
    Case("nonexistent_path", ("does_not_exist/person.csv",),
         error=("person.csv", "does not exist", "check the path; give files or folders of files")),
    # regression: a CSV saved as .xlsx raised zipfile.BadZipFile instead of a SourceError
    Case("xlsx_really_csv", ("xlsx_really_csv/person.xlsx",),
         error=("person.xlsx", "is not a readable .xlsx workbook (BadZipFile)",
                "open it in Excel and save it as .xlsx, or give it the .csv extension it really has")),
    # regression: a repeated column name crashed validate() with a ValueError
    Case("duplicate_column_header", ("duplicate_column_header/plandetail.csv",),
         error=("plandetail.csv", "the column(s) 'urn' appear more than once in the header",
                "keep one column of each name")),
    Case("xml_unclosed_tag", ("xml_unclosed_tag/sen2.xml",),
         error=("sen2.xml", "is not well-formed XML (Opening and ending tag mismatch: PlanWBP line 52 and "
                "NamedPlan, line 55", XML_FIX), fragment=True),
    # regression: fixed after the corpus found it
    Case("manifest_malformed", ("manifest_malformed/MANIFEST.json", "manifest_malformed/person.csv"),
         error=("MANIFEST.json", "", ""), fragment=True),
    Case("xml_no_person", ("xml_no_person/sen2.xml",),
         error=("sen2.xml", "holds no <Person> records",
                "check this is the SEN2 person-level return, not its header only")),
    # regression: a header-only person.csv used to load and empty person and every table linked to it
    Case("header_only_trailing_blank_rows", ("header_only_trailing_blank_rows/person.csv",),
         error=("person.csv", "has a header but no data rows",
                "export the file again with its rows, or leave it out if it was supplied by mistake")),
    # ---- loads: encodings, layout, dates, numbers -----------------------------------------------------
    Case("windows_1252", ("windows_1252/person.csv", "windows_1252/disputes.csv"),
         loaded={"person": 3, "dispute": 2}),
    Case("utf8_bom", ("utf8_bom/person.csv",), loaded={"person": 2}),
    Case("utf8_no_bom", ("utf8_no_bom/person.csv",), loaded={"person": 2}),
    Case("title_rows", ("title_rows/requests.csv",), loaded={"request": 2},
         quarantine=(("requests.csv", "request", 7, "DATE_ORDER", "outcome_date", "2023-05-01", REJ),)),
    Case("trailing_blank_rows", ("trailing_blank_rows/senneed.csv",), loaded={"sen_need": 3}),
    Case("semicolon_delimiter", ("semicolon_delimiter/person.csv",), loaded={"person": 3}),
    # regression: 'Person Birth Date' was not matched to personbirthdate
    Case("spaced_column_names", ("spaced_column_names/person.csv",), loaded={"person": 2}),
    Case("xlsx_module_sheets", ("xlsx_module_sheets/sen2_extract.xlsx",),
         loaded={"person": 3, "request": 2, "assessment": 1},
         quarantine=(("sen2_extract.xlsx", "request", 7, "CODE", "request_source", "9", REJ),
                     ("sen2_extract.xlsx", "request", 8, "ORPHAN", "person_id", "7", REJ),
                     ("sen2_extract.xlsx", "assessment", 3, "ORPHAN", "request_id", "13", REJ))),
    # regression: the first sheet ('Guide') used to be read instead of 'Data'
    Case("xlsx_data_second_sheet", ("xlsx_data_second_sheet/schools.xlsx",), loaded={"dim_school": 2}),
    # regression: fixed after the corpus found it
    Case("xlsx_cover_sheet", ("xlsx_cover_sheet/schools.xlsx",), loaded={"dim_school": 2}),
    # regression: fixed after the corpus found it
    Case("xlsx_blank_first_sheet", ("xlsx_blank_first_sheet/schools.xlsx",), loaded={"dim_school": 2}),
    # regression: fixed after the corpus found it
    Case("xlsx_unnamed_module_sheet", ("xlsx_unnamed_module_sheet/sen2_extract.xlsx",),
         loaded={"person": 3, "sen_need": 2}),
    # regression: fixed after the corpus found it
    Case("excel_lock_file", ("excel_lock_file",), loaded={"person": 5}, loaded_files=("person.csv",)),
    Case("dates_mixed_formats", ("dates_mixed_formats/requests.csv",), loaded={"request": 4}),
    Case("impossible_date", ("impossible_date/requests.csv",), loaded={"request": 1},
         quarantine=(("requests.csv", "request", 3, "DATE_FORMAT", "received_date", "31/02/2023", REJ),
                     ("requests.csv", "request", 4, "DATE_FORMAT", "outcome_date", "30/02/2023", REJ))),
    Case("us_date", ("us_date/requests.csv",), loaded={"request": 0},
         quarantine=(("requests.csv", "request", 2, "DATE_FORMAT", "received_date", "12/31/2023", REJ),
                     ("requests.csv", "request", 3, "DATE_FORMAT", "outcome_date", "03/14/2023", REJ))),
    # regression: measure_code was upper-cased before its lower-case pattern was checked
    Case("aggregate_thousands_percent", ("aggregate_thousands_percent/aggregate_measures.csv",),
         loaded={"aggregate_measure": 3}),
    Case("aggregate_dfe_symbols", ("aggregate_dfe_symbols/aggregate_measures.csv",),
         loaded={"aggregate_measure": 2},
         quarantine=tuple(("aggregate_measures.csv", "aggregate_measure", line, "NUMBER_FORMAT", "value", symbol, REJ)
                          for line, symbol in ((3, "c"), (4, "x"), (5, "low"), (6, ":")))),
    # regression: 'inf' was read as infinity and crashed the warehouse write (DuckDB ConversionException)
    Case("number_infinity", ("number_infinity/schools.csv",), loaded={"dim_school": 2},
         quarantine=(("schools.csv", "dim_school", 3, "NUMBER_FORMAT", "number_on_roll", "inf", REJ),)),
    # ---- loads: row-level rules -------------------------------------------------------------------------
    # receiveddate may be blank only for a historical request (outcome H, any case)
    Case("historical_request", ("historical_request/requests.csv",), loaded={"request": 3},
         quarantine=(("requests.csv", "request", 3, "REQUIRED", "received_date", None, REJ),)),
    Case("duplicates", ("duplicates/person.csv",), loaded={"person": 3},
         quarantine=(("person.csv", "person", 4, "DUPLICATE", "person_id", "1", REJ),
                     ("person.csv", "person", 6, "DUPLICATE", "person_id", "2", REJ))),
    # regression: keys were only unique within one file
    Case("duplicate_key_across_files", ("duplicate_key_across_files/person.csv",
                                        "duplicate_key_across_files/persons.csv"),
         loaded={"person": 3},
         quarantine=(("persons.csv", "person", 2, "DUPLICATE", "person_id", "2", REJ),)),
    Case("invalid_codes", ("invalid_codes/requests.csv", "invalid_codes/senneed.csv"),
         loaded={"request": 1, "sen_need": 2},
         quarantine=(("requests.csv", "request", 3, "CODE", "outcome", "Z", REJ),
                     ("requests.csv", "request", 4, "CODE", "request_source", "7", REJ),
                     ("senneed.csv", "sen_need", 3, "CODE", "sen_type", "XYZ", REJ),
                     ("senneed.csv", "sen_need", 5, "CODE", "sen_type_rank", "3", REJ))),
    Case("outcome_before_received", ("outcome_before_received/requests.csv",), loaded={"request": 2},
         quarantine=(("requests.csv", "request", 3, "DATE_ORDER", "outcome_date", "2023-05-30", REJ),)),
    Case("cease_before_start", ("cease_before_start/namedplan.csv",), loaded={"named_plan": 2},
         quarantine=(("namedplan.csv", "named_plan", 3, "DATE_ORDER", "cease_date", "2022-12-31", REJ),)),
    Case("birth_date_future", ("birth_date_future/person.csv",), loaded={"person": 2},
         quarantine=(("person.csv", "person", 3, "DATE_FUTURE", "birth_date", "2031-11-02", REJ),)),
    Case("orphans_cascade", ("orphans_cascade/person.csv", "orphans_cascade/requests.csv",
                             "orphans_cascade/assessment.csv"),
         loaded={"person": 2, "request": 2, "assessment": 2},
         quarantine=(("requests.csv", "request", 3, "ORPHAN", "person_id", "9", REJ),
                     ("requests.csv", "request", 4, "CODE", "outcome", "Q", REJ),
                     ("assessment.csv", "assessment", 3, "ORPHAN", "request_id", "802", REJ),
                     ("assessment.csv", "assessment", 4, "ORPHAN", "request_id", "803", REJ))),
    Case("upn_14_characters", ("upn_14_characters/person.csv",), loaded={"person": 2},
         quarantine=(("person.csv", "person", 2, "FORMAT", "upn", "A1234567890123", CLR),)),
    Case("uln_8_digits", ("uln_8_digits/person.csv",), loaded={"person": 2},
         quarantine=(("person.csv", "person", 2, "FORMAT", "uln", "98765432", CLR),)),
    Case("mixed_rows", ("mixed_rows/requests.csv",), loaded={"request": 6},
         quarantine=(("requests.csv", "request", 3, "FORMAT", "exported_la", "8O1", CLR),
                     ("requests.csv", "request", 4, "REQUIRED", "received_date", None, REJ),
                     ("requests.csv", "request", 5, "DATE_FORMAT", "received_date", "31/13/2023", REJ),
                     ("requests.csv", "request", 7, "CODE", "outcome", "Z", REJ),
                     ("requests.csv", "request", 7, "CODE", "mediation", "2", REJ),
                     ("requests.csv", "request", 10, "DATE_ORDER", "outcome_date", "2023-03-06", REJ),
                     ("requests.csv", "request", 11, "DUPLICATE", "request_id", "901", REJ),
                     ("requests.csv", "request", 12, "CODE", "request_source", "6", REJ))),
    # An unquoted comma shifts the row one cell right: the unreadable birth date rejects it, and every
    # shifted identifier that no longer fits its pattern is logged too.
    Case("unquoted_comma", ("unquoted_comma/person.csv",), loaded={"person": 1},
         quarantine=(("person.csv", "person", 3, "DATE_FORMAT", "birth_date", "Sam", REJ),
                     ("person.csv", "person", 3, "CODE", "sex", "2013-05-01", CLR),
                     ("person.csv", "person", 3, "FORMAT", "ethnicity", "M", CLR),
                     ("person.csv", "person", 3, "FORMAT", "postcode", "WBRI", CLR),
                     ("person.csv", "person", 3, "FORMAT", "upn", "BS1 4DJ", CLR),
                     ("person.csv", "person", 3, "FORMAT", "uln", "A123456789013", CLR))),
    # ---- loads: SEN2 XML ----------------------------------------------------------------------------------
    Case("xml_canonical", ("xml_canonical/sen2.xml",),
         loaded={"person": 2, "request": 2, "assessment": 1, "named_plan": 1, "plan_detail": 1,
                 "active_plan": 1, "placement": 1, "sen_need": 1}),
    Case("xml_spelling_variants", ("xml_spelling_variants/sen2.xml",),
         loaded={"person": 2, "request": 2, "assessment": 1, "named_plan": 1, "plan_detail": 1,
                 "active_plan": 1, "placement": 1, "sen_need": 1}),
    Case("xml_gendercurrent", ("xml_gendercurrent/sen2_2023.xml",), loaded={"person": 4},
         quarantine=(("sen2_2023.xml", "person", 36, "CODE", "sex", "3", CLR),)),
    Case("xml_activeplans_beside_requests", ("xml_activeplans_beside_requests/sen2.xml",),
         loaded={"person": 1, "request": 1, "active_plan": 1, "placement": 1, "sen_need": 1}),
    # regression: an <ActivePlans> with no <Requests> before it vanished with its placement and needs
    Case("xml_activeplans_without_request", ("xml_activeplans_without_request/sen2.xml",),
         loaded={"person": 1, "active_plan": 0, "placement": 0, "sen_need": 0},
         quarantine=(("sen2.xml", "active_plan", 20, "REQUIRED", "request_id", None, REJ),
                     ("sen2.xml", "placement", 21, "ORPHAN", "active_plan_id",
                      xml_key("xml_activeplans_without_request/sen2.xml", 1), REJ),
                     ("sen2.xml", "sen_need", 26, "ORPHAN", "active_plan_id",
                      xml_key("xml_activeplans_without_request/sen2.xml", 1), REJ))),
    # regression: an element absent from every record stopped the load as a missing column
    Case("xml_person_missing_birth_date", ("xml_person_missing_birth_date/sen2.xml",),
         loaded={"person": 0, "request": 0},
         quarantine=(("sen2.xml", "person", 15, "REQUIRED", "birth_date", None, REJ),
                     ("sen2.xml", "request", 20, "ORPHAN", "person_id",
                      xml_key("xml_person_missing_birth_date/sen2.xml", 1), REJ))),
]

FILE_LEVEL = [c for c in CASES if c.error]
ROW_LEVEL = [c for c in CASES if not c.error]


def _params(cases: list[Case]) -> list:
    return [pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.bug)] if c.bug else [])
            for c in cases]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load(case_files, warehouse: Path, **kwargs):
    return ingest(list(case_files), warehouse, bundle=False, today=TODAY, progress=False, **kwargs)


def test_corpus_size_and_files_present():
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)
    for case in CASES:
        for rel in case.files:
            assert (MALFORMED / rel).exists() or case.id == "nonexistent_path", rel
    folders = {p.name for p in MALFORMED.iterdir() if p.is_dir()}
    assert folders == {rel.split("/")[0] for c in CASES for rel in c.files} - {"does_not_exist"}


# ---------------------------------------------------------------------------------------------------------
# File level: SourceError, live warehouse untouched


# good_warehouse and live: tests/unit/conftest.py


def version_of(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT value FROM warehouse_info WHERE key = 'version'").fetchone()[0]


def assert_untouched(live: Path, before: str) -> None:
    assert sha256(live) == before
    assert not list(live.parent.glob("*.building-*"))
    assert not live.with_name(live.name + ".previous").exists()


def check_error(exc: SourceError, case: Case, given: list[Path]) -> None:
    name, problem, fix = case.error
    assert Path(exc.path).name == name
    assert Path(exc.path) in given or Path(exc.path).parent in given
    if case.fragment:
        assert problem in exc.problem
        assert fix in exc.fix
    else:
        assert exc.problem == problem
        assert exc.fix == fix
    assert str(exc) == f"{exc.path}: {exc.problem}. Fix: {exc.fix}"


@pytest.mark.parametrize("case", _params(FILE_LEVEL))
def test_file_level_case_stops_the_load_and_changes_nothing(case: Case, live: Path):
    before, version = sha256(live), version_of(live)
    given = [MALFORMED / rel for rel in case.files]
    with pytest.raises(SourceError) as caught:
        load(given, live)
    check_error(caught.value, case, given)
    assert_untouched(live, before)
    assert version_of(live) == version


@pytest.mark.parametrize("case", _params([c for c in FILE_LEVEL if c.id in (
    "utf16", "missing_required_column", "xml_no_person")]))
def test_file_level_case_after_good_files_changes_nothing(case: Case, live: Path):
    """The whole good extract is read first; the bad file at the end still stops everything."""
    before = sha256(live)
    given = [MALFORMED / rel for rel in case.files]
    with pytest.raises(SourceError) as caught:
        load([GOOD, *given], live)
    check_error(caught.value, case, given)
    assert_untouched(live, before)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "data", "ingest", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", _params([c for c in FILE_LEVEL if c.id in (
    "empty_file", "xml_unclosed_tag", "nonexistent_path")]))
def test_cli_file_level_case_exits_2_and_changes_nothing(case: Case, live: Path):
    before = sha256(live)
    given = [MALFORMED / rel for rel in case.files]
    result = run_cli("--warehouse", str(live), "--no-bundle", *map(str, given))
    assert result.returncode == 2, result.stderr
    name, problem, fix = case.error
    message = result.stderr.strip()
    assert message.startswith(f"Load stopped, nothing changed: {given[0]}: ")
    assert Path(given[0]).name == name
    if case.fragment:
        assert problem in message and f". Fix: {fix}" in message
    else:
        assert message == f"Load stopped, nothing changed: {given[0]}: {problem}. Fix: {fix}"
    assert "Traceback" not in result.stderr
    assert_untouched(live, before)


# ---------------------------------------------------------------------------------------------------------
# Row level: exact quarantine, rows in = loaded + quarantined


def quarantine_of(con) -> Counter:
    rows = con.execute("SELECT source_file, table_name, row_number, rule, field, value, action FROM quarantine")
    return Counter((Path(f).name, *rest) for f, *rest in rows.fetchall())


@pytest.mark.parametrize("case", _params(ROW_LEVEL))
def test_row_level_case_loads_with_exact_quarantine(case: Case, tmp_path: Path):
    warehouse = tmp_path / "warehouse.duckdb"
    load([MALFORMED / rel for rel in case.files], warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert quarantine_of(con) == Counter(case.quarantine)
        for table, rows in case.loaded.items():
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == rows, table  # noqa: S608
        assert con.execute("SELECT count(*) FROM quarantine WHERE coalesce(reason, '') = ''").fetchone()[0] == 0
        files = con.execute("""SELECT s.name, s.rows_in, s.rows_loaded, s.rows_quarantined, s.values_cleared,
                                      count(DISTINCT (q.table_name, q.row_number)) FILTER (WHERE q.action = 'row_rejected'),
                                      count(q.action) FILTER (WHERE q.action = 'value_cleared')
                               FROM source_file s LEFT JOIN quarantine q USING (source_file_id)
                               GROUP BY ALL""").fetchall()
        assert sorted(f[0] for f in files) == sorted(case.loaded_files or [Path(rel).name for rel in case.files])
        for name, rows_in, rows_loaded, rows_quarantined, cleared, rejected_rows, cleared_rows in files:
            assert rows_in == rows_loaded + rows_quarantined, name
            assert rows_quarantined == rejected_rows, name
            assert cleared == cleared_rows, name


def test_mixed_rows_hand_counted_and_pointing_at_the_right_lines(tmp_path: Path):
    """mixed_rows/requests.csv: 14 lines, a header, one blank line, 12 records; 6 load, 6 are rejected,
    one value is cleared. Each quarantine row names the line of the file the record is on."""
    source = MALFORMED / "mixed_rows" / "requests.csv"
    report = load([source], tmp_path / "w.duckdb")
    (entry,) = report.files
    assert (entry["rows_in"], entry["rows_loaded"], entry["rows_quarantined"], entry["values_cleared"]) == (12, 6, 6, 1)
    assert report.quarantined == 7  # rejected records (row 7 breaks two rules)
    lines = source.read_text().splitlines()
    assert lines[7] == ""  # line 8 is blank and is not a record
    id_on_line = {3: "902", 4: "903", 5: "904", 7: "906", 10: "908", 11: "901", 12: "909"}
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        records = con.execute("SELECT row_number, rule, field, value, reason FROM quarantine").fetchall()
        loaded = con.execute("SELECT request_id, source_row FROM request ORDER BY source_row").fetchall()
    assert {r[0] for r in records} == set(id_on_line)
    for line, rule, field_name, value, reason in records:
        cells = lines[line - 1].split(",")
        assert cells[0] == id_on_line[line]
        assert rule and field_name and reason
        if value is None:
            assert rule == "REQUIRED" and "receiveddate" in reason and "blank" in reason
        else:
            assert value in cells
    assert loaded == [("901", 2), ("902", 3), ("905", 6), ("907", 9), ("910", 13), ("911", 14)]
    for request_id, line in loaded:
        assert lines[line - 1].split(",")[0] == request_id


# ---------------------------------------------------------------------------------------------------------
# What the loaded values are


def table(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_windows_1252_names_and_pound_sign_round_trip(tmp_path: Path):
    load([MALFORMED / "windows_1252"], tmp_path / "w.duckdb")
    assert table(tmp_path / "w.duckdb", "SELECT surname, forename FROM person ORDER BY person_id") == [
        ("Ó Briain", "Siân"), ("Šimek", "Zoë"), ("Núñez", "José")]
    outcomes = [r[0] for r in table(tmp_path / "w.duckdb", "SELECT outcome FROM dispute ORDER BY case_id")]
    assert outcomes == ["Mediator: Renée Côté", "Upheld: £1,200 for a speech and language assessment"]


def test_utf8_with_and_without_bom_load_identically(tmp_path: Path):
    rows = []
    for case in ("utf8_bom", "utf8_no_bom"):
        load([MALFORMED / case], tmp_path / f"{case}.duckdb")
        rows.append(table(tmp_path / f"{case}.duckdb",
                          "SELECT * EXCLUDE (source_file_id) FROM person ORDER BY person_id"))
    assert rows[0] == rows[1]
    assert [(r[0], r[1], r[2]) for r in rows[0]] == [("1", "Ó Briain", "Siân"), ("2", "Müller", "Zoë")]


def test_four_date_formats_in_one_file_give_the_same_date(tmp_path: Path):
    load([MALFORMED / "dates_mixed_formats"], tmp_path / "w.duckdb")
    dates = table(tmp_path / "w.duckdb", "SELECT received_date FROM request ORDER BY request_id")
    assert [d[0] for d in dates] == [pd.Timestamp("2022-09-28").date()] * 4


def test_title_rows_are_skipped_and_lines_still_count(tmp_path: Path):
    load([MALFORMED / "title_rows"], tmp_path / "w.duckdb")
    assert table(tmp_path / "w.duckdb", "SELECT request_id, source_row FROM request ORDER BY 1") == [
        ("201", 5), ("202", 6)]


def test_xlsx_sheets_named_after_modules_each_load(tmp_path: Path):
    report = load([MALFORMED / "xlsx_module_sheets"], tmp_path / "w.duckdb")
    (entry,) = report.files
    assert entry["kind"] == "local"
    assert entry["table_name"] == "assessment,person,request"
    assert (entry["rows_in"], entry["rows_loaded"], entry["rows_quarantined"]) == (9, 6, 3)
    # a datetime cell, a dd/mm/yyyy text cell and an Excel serial number cell
    assert table(tmp_path / "w.duckdb", "SELECT person_id, birth_date, source_row FROM person ORDER BY 1") == [
        ("1", pd.Timestamp("2012-03-14").date(), 2), ("2", pd.Timestamp("2009-11-02").date(), 3),
        ("3", pd.Timestamp("2016-07-21").date(), 4)]
    # the Requests sheet has a title row and a blank row: source_row is still the sheet row
    assert table(tmp_path / "w.duckdb", "SELECT request_id, source_row FROM request ORDER BY 1") == [
        ("11", 4), ("12", 5)]


def test_symbols_in_aggregate_values_are_quarantined_never_zero(tmp_path: Path):
    load([MALFORMED / "aggregate_dfe_symbols"], tmp_path / "w.duckdb")
    records = table(tmp_path / "w.duckdb", """SELECT row_number, value, reason FROM quarantine
                                                WHERE rule = 'NUMBER_FORMAT' ORDER BY row_number""")
    assert records == [(3, "c", "'c' is not a number in value"), (4, "x", "'x' is not a number in value"),
                       (5, "low", "'low' is not a number in value"), (6, ":", "':' is not a number in value")]
    zero_rows = table(tmp_path / "w.duckdb", "SELECT source_row FROM aggregate_measure WHERE value = 0")
    assert set(zero_rows) <= {(7,)}  # only the true zero of the file may load as 0


def test_symbol_in_aggregate_value_is_one_quarantine_record(tmp_path: Path):
    load([MALFORMED / "aggregate_dfe_symbols"], tmp_path / "w.duckdb")
    per_cell = table(tmp_path / "w.duckdb", """SELECT row_number, count(*) FROM quarantine WHERE field = 'value'
                                                 GROUP BY 1 ORDER BY 1""")
    assert per_cell == [(3, 1), (4, 1), (5, 1), (6, 1)]


def test_aggregate_thousands_separators_and_percent_signs_load_as_numbers(tmp_path: Path):
    load([MALFORMED / "aggregate_thousands_percent"], tmp_path / "w.duckdb")
    rows = table(tmp_path / "w.duckdb", """SELECT measure_code, numerator, denominator, value
                                            FROM aggregate_measure ORDER BY source_row""")
    assert rows == [("ehcp_caseload", None, None, 4812.0), ("plans_within_20_weeks", 1046.0, 2325.0, 45.0),
                    ("advice_within_6_weeks", 87.0, 1203.0, 7.2)]


def test_uln_and_upn_cleared_with_reasons_row_kept(tmp_path: Path):
    load([MALFORMED / "upn_14_characters"], tmp_path / "upn.duckdb")
    load([MALFORMED / "uln_8_digits"], tmp_path / "uln.duckdb")
    assert table(tmp_path / "upn.duckdb", "SELECT field, reason FROM quarantine") == [
        ("upn", "'A1234567890123' is not a valid upn (Unique pupil number: a letter and 12 digits, or a letter, "
                "11 digits and a letter)")]
    assert table(tmp_path / "uln.duckdb", "SELECT field, reason FROM quarantine") == [
        ("uln", "'98765432' is not a valid uniquelearnernumber (Unique learner number: 10 digits)")]
    # the rows load without the bad value; a lower-case UPN is upper-cased and kept
    assert table(tmp_path / "upn.duckdb", "SELECT surname, upn, uln FROM person ORDER BY person_id") == [
        ("Okafor", None, None), ("Hughes", "B12345678901C", None)]
    assert table(tmp_path / "uln.duckdb", "SELECT surname, upn, uln FROM person ORDER BY person_id") == [
        ("Patel", "C987654321098", None), ("Hughes", "B12345678901C", "1234567890")]


def test_gendercurrent_codes_map_to_sex(tmp_path: Path):
    load([MALFORMED / "xml_gendercurrent"], tmp_path / "w.duckdb")
    assert table(tmp_path / "w.duckdb", "SELECT forename, sex FROM person ORDER BY source_row") == [
        ("Chidi", "M"), ("Megan", "F"), ("Alex", "U"), ("Arjun", None)]


LOCAL_IDS = {"person": ["person_id"], "request": ["request_id", "person_id"],
             "assessment": ["assessment_id", "request_id"], "named_plan": ["plan_id", "assessment_id"],
             "plan_detail": ["plan_detail_id", "plan_id"], "active_plan": ["active_plan_id", "request_id"],
             "placement": ["placement_id", "active_plan_id"], "sen_need": ["sen_need_id", "active_plan_id"]}


def sen2_tables(warehouse: Path) -> dict[str, pd.DataFrame]:
    """Every SEN2 table with the per-file key prefix removed (XML keys are prefixed with the file hash)."""
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for name, ids in LOCAL_IDS.items():
            frame = con.execute(f"SELECT * EXCLUDE (source_file_id) FROM {name} ORDER BY source_row").df()  # noqa: S608
            for column in ids:
                frame[column] = frame[column].str.split("-").str[-1]
            out[name] = frame
    return out


def test_xml_spelling_variants_load_like_canonical_names(tmp_path: Path):
    load([MALFORMED / "xml_canonical"], tmp_path / "canonical.duckdb")
    load([MALFORMED / "xml_spelling_variants"], tmp_path / "variants.duckdb")
    canonical, variants = sen2_tables(tmp_path / "canonical.duckdb"), sen2_tables(tmp_path / "variants.duckdb")
    for name in LOCAL_IDS:
        pd.testing.assert_frame_equal(canonical[name], variants[name], obj=name)
    assert canonical["plan_detail"]["sen_setting"].tolist() == ["EHE"]
    assert canonical["named_plan"]["work_based"].tolist() == ["S"]
    assert canonical["placement"][["sen_setting", "sen_setting_other", "work_based"]].values.tolist() == [
        ["OTH", "Hospital school", "S"]]
    assert canonical["request"]["received_date"].tolist() == [pd.Timestamp("2023-02-06"), pd.Timestamp("2023-05-15")]
