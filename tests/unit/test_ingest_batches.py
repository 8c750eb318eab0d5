"""A CSV read and validated a few rows at a time gives exactly what the whole file gives: the same rows, the
same quarantine, line numbers counted across the file, and a key repeated in a later batch still caught."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from data.parsing import CsvText, read_csv_text
from data.schemas.local import PERSON
from data.schemas.validate import validate, validate_batches

TODAY = pd.Timestamp("2026-01-15")
HEADER = "persontableid,surname,forename,personbirthdate,sex,ethnicity\n"
ROWS = ["1,Okafor,Ada,2012-03-14,F,WBRI", "2,Hughes,Ben,2013-07-02,M,WBRI", "",  # a blank line
        "3,Patel,Cara,14/03/2012,F,AIND", "4,Jones,Dan,not a date,M,WBRI", "2,Hughes,Ben,2013-07-02,M,WBRI",
        "5,Smith,Eve,2011-01-30,X,WBRI,extra cell"]


def person_csv(tmp_path: Path) -> Path:
    path = tmp_path / "person.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    return path


def test_batches_number_rows_across_the_file(tmp_path):
    text = CsvText(person_csv(tmp_path), one_line_records=True)
    width = len(text.header)
    batches = list(text.batches(cells=2 * width))
    assert [len(b) for b in batches] == [2, 2, 2]
    assert [b.index.tolist() for b in batches] == [[0, 1], [2, 3], [4, 5]]
    assert [b["_row"].tolist() for b in batches] == [[2, 3], [5, 6], [7, 8]]  # line 4 is blank
    assert text.warnings() == ["1 row(s) have more cells than the header (line(s) 8): the extra cells were not "
                               "loaded; check for an unquoted comma or a missing column name"]


def test_validated_in_batches_as_in_one_frame(tmp_path):
    path = person_csv(tmp_path)
    text = CsvText(path, one_line_records=True)
    small = validate_batches(PERSON, text.batches(cells=2 * len(text.header)), path, TODAY)
    whole = validate(PERSON, read_csv_text(path, one_line_records=True), path, TODAY)
    assert small.rows_in == whole.rows_in == 6
    pd.testing.assert_frame_equal(small.frame, whole.frame)
    pd.testing.assert_frame_equal(small.quarantine, whole.quarantine)
    # worked by hand: line 6's date cannot be read; line 7 repeats person 2 (first seen in the first batch);
    # line 8's sex X is not a code (cleared, the row stays)
    assert small.quarantine[["row_number", "rule", "field", "value", "action"]].values.tolist() == [
        [6, "DATE_FORMAT", "birth_date", "not a date", "row_rejected"],
        [8, "CODE", "sex", "X", "value_cleared"],
        [7, "DUPLICATE", "person_id", "2", "row_rejected"]]
    assert small.frame["person_id"].tolist() == ["1", "2", "3", "5"]
    assert small.frame["_row"].tolist() == [2, 3, 5, 8]
