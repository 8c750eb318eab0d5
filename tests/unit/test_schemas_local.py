"""The declared local schemas and validate(): declarations are consistent, codes and flags recode as documented."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from data.parsing import normalise_column
from data.schemas.local import AGGREGATE, LOCAL_KINDS, PERSON, REQUEST, SCHOOL
from data.schemas.validate import QUARANTINE_COLUMNS, pandera_schema, validate

TODAY = pd.Timestamp("2025-01-16")


def raw_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype="string")
    frame["_row"] = range(2, len(rows) + 2)
    return frame


def test_file_stems_and_tables_are_unique():
    stems = [s for kind in LOCAL_KINDS for s in kind.stems]
    assert len(stems) == len(set(stems))
    assert len({kind.table for kind in LOCAL_KINDS}) == len(LOCAL_KINDS)
    assert len({kind.name for kind in LOCAL_KINDS}) == len(LOCAL_KINDS)


@pytest.mark.parametrize("kind", LOCAL_KINDS, ids=lambda k: k.name)
def test_declaration_is_consistent(kind):
    names = [f.name for f in kind.fields]
    assert len(names) == len(set(names))
    assert set(kind.key) <= set(names)
    for column, _, _ in kind.parents:
        assert column in names
    for rule in kind.rules:
        assert rule.field in names
    for f in kind.fields:
        assert all(normalise_column(a) == a for a in f.source_names), f.name  # else they could never match
        if f.pattern:
            re.compile(f.pattern)
    assert pandera_schema(kind).name == kind.name


# regression (fixed in 8310fae): text was upper-cased before every pattern check, so measure_code's lower-case
# pattern could never pass. Now each field declares the case its pattern expects.
def test_every_pattern_accepts_text_in_the_case_it_is_normalised_to():
    for kind in LOCAL_KINDS:
        for f in kind.fields:
            if f.kind == "text" and f.pattern:
                if re.search(r"\[a-z", f.pattern):
                    assert f.case == "lower", f"{kind.name}.{f.name}"
                if "A-Z" in f.pattern:
                    assert f.case == "upper", f"{kind.name}.{f.name}"


def test_measure_code_in_the_documented_form_is_accepted():
    raw = raw_frame([{"measure_code": "EHCP_Caseload", "period": "2024", "period_type": "calendar_year",
                      "area_code": "E06000023", "value": "4,812"}])
    result = validate(AGGREGATE, raw, Path("aggregate_measures.csv"), TODAY)
    assert result.quarantine.empty
    assert result.frame["measure_code"].tolist() == ["ehcp_caseload"]
    assert result.frame["value"].tolist() == [4812.0]


def test_gendercurrent_sex_and_flag_recodes():
    raw = raw_frame([
        {"persontableid": "1", "personbirthdate": "2012-03-14", "gendercurrent": "1"},
        {"persontableid": "2", "personbirthdate": "2012-03-14", "gendercurrent": "2"},
        {"persontableid": "3", "personbirthdate": "2012-03-14", "gendercurrent": "0"},
        {"persontableid": "4", "personbirthdate": "2012-03-14", "gendercurrent": "9"},
        {"persontableid": "5", "personbirthdate": "2012-03-14", "gendercurrent": "female"},
        {"persontableid": "6", "personbirthdate": "2012-03-14", "gendercurrent": "7"},
    ])
    result = validate(PERSON, raw, Path("person.csv"), TODAY)
    assert result.frame["sex"].tolist()[:5] == ["M", "F", "U", "U", "F"]
    assert pd.isna(result.frame["sex"].iat[5])
    assert result.quarantine[["row_number", "rule", "field", "value", "action"]].values.tolist() == [
        [7, "CODE", "sex", "7", "value_cleared"]]
    assert list(result.quarantine.columns) == QUARANTINE_COLUMNS


def test_flags_accept_yes_no_words_and_excel_floats():
    rows = [{"requeststableid": str(i), "persontableid": "1", "receiveddate": "2023-01-05", "rya": rya}
            for i, rya in enumerate(["Y", "N", "yes", "No", "TRUE", "false", "1.0", "0.0", "1", "2"], start=1)]
    result = validate(REQUEST, raw_frame(rows), Path("requests.csv"), TODAY)
    assert result.frame["rya"].tolist() == ["1", "0", "1", "0", "1", "0", "1", "0", "1"]
    assert result.quarantine[["row_number", "rule", "field", "action"]].values.tolist() == [
        [11, "CODE", "rya", "row_rejected"]]
    assert result.rows_in == 10 and result.rejected_rows == 1


def test_ids_from_excel_lose_their_trailing_zero_decimal():
    raw = raw_frame([{"persontableid": "17.0", "personbirthdate": "2012-03-14"},
                     {"persontableid": "18", "personbirthdate": "2012-03-14"}])
    assert validate(PERSON, raw, Path("person.csv"), TODAY).frame["person_id"].tolist() == ["17", "18"]


def test_one_problem_per_cell_unreadable_required_date_is_not_also_blank():
    raw = raw_frame([{"requeststableid": "1", "persontableid": "1", "receiveddate": "31/02/2023"}])
    result = validate(REQUEST, raw, Path("requests.csv"), TODAY)
    assert result.quarantine[["rule", "field"]].values.tolist() == [["DATE_FORMAT", "received_date"]]
    assert result.frame.empty


def test_schools_in_area_is_optional_and_blank_means_in_the_area():
    """A schools file from before the column loads (in_area blank: the engine takes it as in the area); with
    the column, 1 / 0 (or yes / no) load, a blank cell (read as missing) stays blank, anything else is refused."""
    school = {"urn": "100001", "school_name": "Ashley Primary (test)", "phase": "Primary"}
    result = validate(SCHOOL, raw_frame([school]), Path("schools.csv"), TODAY)
    assert result.quarantine.empty and pd.isna(result.frame["in_area"].iat[0])
    rows = [{**school, "urn": str(100001 + i), "in_area": v} for i, v in enumerate(["1", "0", None, "no", "2"])]
    result = validate(SCHOOL, raw_frame(rows), Path("schools.csv"), TODAY)
    assert result.frame["in_area"].tolist()[:2] == ["1", "0"] and pd.isna(result.frame["in_area"].iat[2])
    assert result.frame["in_area"].iat[3] == "0"
    assert result.quarantine[["row_number", "rule", "field", "action"]].values.tolist() == [
        [6, "CODE", "in_area", "row_rejected"]]
