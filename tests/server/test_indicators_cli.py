"""`python -m indicators`: list, coverage and show on the fixture warehouse (in-process, through main())."""

from __future__ import annotations

import csv
import io
import json

import pytest

from indicators.__main__ import main
from indicators.testing import fixture_warehouse


@pytest.fixture(scope="module")
def warehouse():
    return str(fixture_warehouse())


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_show_prints_one_json_object(capsys, warehouse):
    code, out, _ = run(capsys, "show", "ehcp_issued_20wk", "--area", "E06000023", "--period", "2024",
                       "--breakdown", "sex", "--audience", "officer", "--warehouse", warehouse)
    assert code == 0
    answer = json.loads(out)
    assert {"indicator", "rows", "benchmark"} <= set(answer)
    assert answer["indicator"]["id"] == "ehcp_issued_20wk"
    assert answer["indicator"]["unit"] == "percent" and answer["indicator"]["polarity"] == "high_is_good"
    total = answer["rows"][0]
    assert set(total) == {"period", "area_code", "area_name", "breakdown", "breakdown_value", "numerator",
                          "denominator", "value", "status", "source",
                          "provisional"}
    # 2024 is published: DfE's figures (timeliness_20_week.csv, Bristol 2024: 118 of 684), not the local 1 of 3
    assert (total["breakdown"], total["numerator"], total["denominator"], total["value"], total["source"]) == (
        "Total", 118, 684, 17.3, "published")
    assert answer["benchmark"]["published"]["la_value"] == 17.3
    code, out, _ = run(capsys, "show", "ehcp_issued_20wk", "--area", "E06000023", "--period", "2024",
                       "--breakdown", "sex", "--audience", "officer", "--source", "local", "--warehouse", warehouse)
    rows = json.loads(out)["rows"]
    assert (rows[0]["numerator"], rows[0]["denominator"], rows[0]["value"], rows[0]["source"]) == (1, 3, 33.3, "local")
    assert {r["breakdown_value"] for r in rows[1:]} == {"Female", "Male"}


def test_show_protects_for_the_audience(capsys, warehouse):
    code, out, _ = run(capsys, "show", "ehcp_caseload", "--area", "801", "--period", "202425", "--source", "local",
                       "--warehouse", warehouse)  # public by default
    assert code == 0
    row = json.loads(out)["rows"][0]
    assert row["value"] is None and row["status"] == "c"  # 5 plans in the local records: below 10
    code, out, _ = run(capsys, "show", "ehcp_caseload", "--area", "801", "--period", "202425", "--warehouse",
                       warehouse)
    row = json.loads(out)["rows"][0]  # the official figure: published, so shown to the public as published
    assert (row["value"], row["status"], row["source"]) == (4931, "value", "published")  # caseload.csv, Jan 2025


def test_published_figures_for_any_area_and_csv_output(capsys, warehouse):
    code, out, _ = run(capsys, "show", "ehcp_caseload", "--area", "E92000001", "--period", "202425", "--format",
                       "csv", "--warehouse", warehouse)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows[0]["area_name"] == "England" and float(rows[0]["value"]) == 638745  # caseload.csv, January 2025


@pytest.mark.parametrize("args, hint", [
    (["show", "not_an_indicator", "--area", "E06000023"], "ehcp_caseload"),
    (["show", "ehcp_caseload", "--area", "E99999999"], "E06000023"),
    (["show", "ehcp_caseload", "--area", "E06000023", "--period", "1999"], "202425"),
    (["show", "ehcp_caseload", "--area", "E06000023", "--breakdown", "postcode"], "ward"),
])
def test_unknown_choices_exit_non_zero_listing_valid_ones(capsys, warehouse, args, hint):
    code, _, err = run(capsys, *args, "--warehouse", warehouse)
    assert code == 2
    assert "valid choices" in err and hint in err


def test_coverage_and_list(capsys, warehouse):
    code, out, _ = run(capsys, "coverage", "--area", "E06000023", "--warehouse", warehouse)
    assert code == 0
    assert "ehcp_issued_20wk" in out and "populated (local)" in out
    code, out, _ = run(capsys, "coverage", "--area", "E92000001", "--warehouse", warehouse)
    assert code == 0 and "NOT POPULATED" in out and "to fill:" in out  # local-only measures for England
    code, out, _ = run(capsys, "list", "--warehouse", warehouse)
    assert code == 0 and "ehcp_requests" in out and "yes (local)" in out
