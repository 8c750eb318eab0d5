"""data.parsing: DfE symbols, numbers, dates, encodings and header-row detection."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.errors import SourceError
from data.parsing import (
    SYMBOL_STATUS,
    decode_file,
    normalise_column,
    parse_date,
    parse_measure,
    parse_number,
    read_csv_text,
    read_xlsx_text,
)

# ---------------------------------------------------------------------------------------------------------
# Symbols and numbers


@pytest.mark.parametrize("symbol", sorted(SYMBOL_STATUS))
def test_every_symbol_is_null_with_its_status_never_zero(symbol: str):
    for text in {symbol, symbol.upper(), f"  {symbol} "}:
        value, status = parse_measure(pd.Series([text]))
        assert np.isnan(value.iat[0]), text
        assert status.iat[0] == SYMBOL_STATUS[symbol], text


def test_symbol_statuses_follow_dfe_and_older_conventions():
    value, status = parse_measure(pd.Series(["c", "x", "z", "low", "u", ":", "..", "-", "~", "n/a", "", None]))
    assert value.isna().all()
    assert status.tolist() == ["c", "x", "z", "low", "u", "x", "x", "x", "low", "z", "x", "x"]


def test_measures_with_thousands_separators_percent_and_pounds():
    value, status = parse_measure(pd.Series(["1,234", "45.5%", "£1,250,400", " 7.2 % ", "0", "-3", "abc"]))
    assert value.tolist()[:6] == [1234.0, 45.5, 1250400.0, 7.2, 0.0, -3.0]
    assert np.isnan(value.iat[6])
    assert status.tolist() == ["value"] * 6 + ["x"]


def test_true_zero_stays_zero_and_symbols_do_not():
    value, status = parse_measure(pd.Series(["0", "c", "low", "~", "0.0"]))
    assert [v == 0 for v in value] == [True, False, False, False, True]
    assert status.tolist() == ["value", "c", "low", "low", "value"]


def test_parse_number_local_fields():
    out = parse_number(pd.Series(["1,234", " 56 ", "12.5%", "£1,000", "1,104", "c", "x", "low", ":", "", None, "12 345"]))
    assert out.tolist()[:5] == [1234.0, 56.0, 12.5, 1000.0, 1104.0]
    assert out.iloc[5:11].isna().all()
    assert out.iat[11] == 12345.0
    assert out.dtype == "float64"


# regression (fixed in 8310fae): 'inf' used to become float infinity and crash an int column's write
def test_parse_number_infinity_is_not_a_number():
    assert parse_number(pd.Series(["inf", "-Infinity", "nan", "NaN"])).isna().all()
    value, status = parse_measure(pd.Series(["inf"]))
    assert np.isnan(value.iat[0]) and status.iat[0] == "x"


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=-10**12, max_value=10**12))
def test_thousands_separators_round_trip(number: int):
    assert parse_number(pd.Series([f"{number:,}"])).iat[0] == number
    value, status = parse_measure(pd.Series([f"{number:,}"]))
    assert value.iat[0] == number and status.iat[0] == "value"


@settings(max_examples=100, deadline=None)
@given(st.decimals(min_value=0, max_value=100, places=1))
def test_percent_sign_is_dropped_not_scaled(percent):
    assert parse_number(pd.Series([f"{percent}%"])).iat[0] == pytest.approx(float(percent))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(sorted(SYMBOL_STATUS) + ["C", "X", "LOW", " c ", "N/A"]), min_size=1, max_size=20))
def test_symbols_never_become_numbers(texts: list[str]):
    value, status = parse_measure(pd.Series(texts))
    assert value.isna().all()
    assert not (value == 0).any()
    assert set(status) <= {"c", "x", "z", "low", "u"}
    assert parse_number(pd.Series(texts)).isna().all()


# ---------------------------------------------------------------------------------------------------------
# Dates

SEP_28 = pd.Timestamp("2022-09-28")


@pytest.mark.parametrize("text", [
    "2022-09-28", "28/09/2022", "2022-Sep-28 00:00:00", "2022-09-28 00:00:00", "2022-09-28T00:00:00", "28-09-2022",
    "28/09/2022 13:45:00", "28/09/2022 13:45", "28 Sep 2022", "28-Sep-2022", "20220928", "44832", "44832.0",
    " 2022-09-28 ", "2022-09-28 13:45:00",
])
def test_every_supported_date_format_gives_the_same_day(text: str):
    assert parse_date(pd.Series([text])).iat[0] == SEP_28


@pytest.mark.parametrize("text", [
    "31/02/2023",  # no such day
    "30/02/2023",
    "2023-02-29",  # not a leap year
    "12/31/2023",  # US order: never swapped
    "03/14/2023",
    "31/13/2023",
    "28/09/22",  # two-digit year is not guessed
    "XXXX-12-01",
    "yesterday",
    "12345",  # an Excel serial before 1990
    "99999",  # after 2100
    "2022-13-01",
])
def test_impossible_or_ambiguous_dates_are_not_read(text: str):
    assert pd.isna(parse_date(pd.Series([text])).iat[0])


def test_day_first_is_always_used_for_slashes():
    out = parse_date(pd.Series(["01/02/2023", "02/01/2023", "12/11/2023"]))
    assert out.tolist() == [pd.Timestamp("2023-02-01"), pd.Timestamp("2023-01-02"), pd.Timestamp("2023-11-12")]


def test_blank_is_null_and_mixed_formats_in_one_series():
    out = parse_date(pd.Series(["28/09/2022", None, "", "   ", "2022-Sep-28 00:00:00", "44832", "2022-09-28"]))
    assert out.dtype == "datetime64[ns]"
    assert out.isna().tolist() == [False, True, True, True, False, False, False]
    assert set(out.dropna()) == {SEP_28}


def test_excel_serials_and_time_of_day_normalised():
    out = parse_date(pd.Series(["44927", "45291", "32874", "73050", "45000.25", "2023-01-05 23:59:59"]))
    assert out.tolist() == [pd.Timestamp("2023-01-01"), pd.Timestamp("2023-12-31"), pd.Timestamp("1990-01-01"),
                            pd.Timestamp("2099-12-31"), pd.Timestamp("2023-03-15"), pd.Timestamp("2023-01-05")]


# regression (fixed in 8310fae): serials used to be rounded, moving afternoon times to the next day
def test_excel_serial_with_an_afternoon_time_keeps_its_day():
    out = parse_date(pd.Series(["45000.75", "45000.5", "2023-03-15 18:00:00"]))
    assert out.tolist() == [pd.Timestamp("2023-03-15")] * 3


@settings(max_examples=50, deadline=None)
@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_any_date_in_every_format_reads_back(day: dt.date):
    serial = (day - dt.date(1899, 12, 30)).days
    texts = [day.isoformat(), day.strftime("%d/%m/%Y"), day.strftime("%Y-%b-%d 00:00:00"), str(serial),
             day.strftime("%d-%m-%Y"), day.strftime("%d %b %Y")]
    assert parse_date(pd.Series(texts)).tolist() == [pd.Timestamp(day)] * len(texts)


@settings(max_examples=50, deadline=None)
@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31)).filter(lambda d: d.day > 12))
def test_us_order_is_never_silently_swapped(day: dt.date):
    assert pd.isna(parse_date(pd.Series([day.strftime("%m/%d/%Y")])).iat[0])


# ---------------------------------------------------------------------------------------------------------
# Column names, encodings, header rows


@pytest.mark.parametrize("raw, expected", [
    ("Received Date ", "received_date"), ("RECEIVED-DATE", "received_date"), ("\ufeffpersontableid", "persontableid"),
    ("PersonBirthDate", "personbirthdate"), ("  UPN  ", "upn"), ("Number on roll (Jan)", "number_on_roll_jan"),
])
def test_normalise_column(raw: str, expected: str):
    assert normalise_column(raw) == expected


def test_decode_utf8_with_and_without_bom_and_cp1252(tmp_path: Path):
    text = "surname,forename\nÓ Briain,Zoë £\n"
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    (tmp_path / "plain.csv").write_bytes(text.encode())
    (tmp_path / "cp.csv").write_bytes(text.encode("cp1252"))
    assert decode_file(tmp_path / "bom.csv") == (text, "utf-8")
    assert decode_file(tmp_path / "plain.csv") == (text, "utf-8")
    assert decode_file(tmp_path / "cp.csv") == (text, "cp1252")


@pytest.mark.parametrize("data, problem", [
    (b"", "the file is empty"),
    (b" \r\n\r\n  \n", "the file is empty"),
    ("a,b\n1,2\n".encode("utf-16"), "the file is UTF-16 or binary, not a text CSV"),
    ("a,b\n1,2\n".encode("utf-16-le"), "the file is UTF-16 or binary, not a text CSV"),
    (b"PK\x03\x04\x14\x00\x00\x00", "the file is UTF-16 or binary, not a text CSV"),
    (b"a,b\nM\x81ller,1\n", "the text cannot be decoded as UTF-8 or Windows-1252 (byte 5)"),
])
def test_decode_refuses_what_it_cannot_read(tmp_path: Path, data: bytes, problem: str):
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    with pytest.raises(SourceError) as caught:
        decode_file(path)
    assert caught.value.problem == problem
    assert caught.value.path == str(path)


def test_decode_missing_file(tmp_path: Path):
    with pytest.raises(SourceError) as caught:
        decode_file(tmp_path / "nope.csv")
    assert caught.value.problem == "cannot be read (No such file or directory)"


EXPECTED = {"requeststableid", "persontableid", "receiveddate", "requestoutcome"}


def test_header_found_below_title_rows_with_file_line_numbers(tmp_path: Path):
    path = tmp_path / "requests.csv"
    path.write_text("Bristol City Council: SEN2 requests\nProduced by,SEND data team\n\n"
                    "RequestsTableID,PersonTableID,Received Date,RequestOutcome\n"
                    "1,1,2023-01-01,Y\n\n2,1,2023-02-01,N\n,,,\n\n")
    frame = read_csv_text(path, EXPECTED)
    assert list(frame.columns) == ["requeststableid", "persontableid", "received_date", "requestoutcome", "_row"]
    assert frame["requeststableid"].tolist() == ["1", "2"]
    assert frame["_row"].tolist() == [5, 7]


def test_header_is_the_row_with_most_expected_names(tmp_path: Path):
    path = tmp_path / "requests.csv"
    path.write_text("Report,requests,2023\nrequeststableid,persontableid,receiveddate\n1,1,2023-01-01\n")
    assert read_csv_text(path, EXPECTED)["_row"].tolist() == [3]
    assert list(read_csv_text(path, None).columns)[:3] == ["report", "requests", "2023"]  # first wide row


def test_short_rows_padded_and_blank_cells_null(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("a,b,c\n1,,3\n4\n")
    frame = read_csv_text(path, {"a", "b", "c"})
    assert frame["a"].tolist() == ["1", "4"]
    assert frame["b"].isna().all()
    assert frame["c"].tolist()[0] == "3" and pd.isna(frame["c"].iat[1])


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_are_recognised(tmp_path: Path, delimiter: str):
    path = tmp_path / "x.csv"
    rows = [["persontableid", "surname", "personbirthdate"], ["1", "Okafor", "14/03/2012"], ["2", "Hughes", ""]]
    path.write_text("".join(delimiter.join(r) + "\n" for r in rows))
    frame = read_csv_text(path, {"persontableid", "surname", "personbirthdate"})
    assert frame["surname"].tolist() == ["Okafor", "Hughes"]
    assert frame["personbirthdate"].tolist()[0] == "14/03/2012"


def test_no_header_row(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("just a title\n1\n2\n")
    with pytest.raises(SourceError, match="no header row was found"):
        read_csv_text(path, EXPECTED)


def test_xlsx_title_rows_sheet_choice_and_row_numbers(tmp_path: Path):
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["read me"])
    sheet = book.create_sheet("Requests Data")
    for row in (["SEN2 requests"], [], ["requeststableid", "persontableid", "receiveddate"],
                [1, 1, dt.datetime(2023, 1, 5)], [], [2.0, 1, 44927], [None, None, None]):
        sheet.append(row)
    path = tmp_path / "book.xlsx"
    book.save(path)
    frame = read_xlsx_text(path, "requests_data", EXPECTED)
    assert frame["_row"].tolist() == [4, 6]
    assert frame["receiveddate"].tolist() == ["2023-01-05 00:00:00", "44927"]
    assert parse_date(frame["receiveddate"]).tolist() == [pd.Timestamp("2023-01-05"), pd.Timestamp("2023-01-01")]
    with pytest.raises(SourceError) as caught:
        read_xlsx_text(path, "person", EXPECTED)
    assert caught.value.problem == "has no sheet named 'person' (sheets: Notes, Requests Data)"
    assert caught.value.fix == "rename the data sheet to 'person'"


def test_xlsx_that_is_not_a_workbook(tmp_path: Path):
    path = tmp_path / "person.xlsx"
    path.write_text("persontableid,surname\n1,Okafor\n")
    with pytest.raises(SourceError) as caught:
        read_xlsx_text(path, None, EXPECTED)
    assert caught.value.problem == "is not a readable .xlsx workbook (BadZipFile)"
    assert caught.value.fix == "open it in Excel and save it as .xlsx, or give it the .csv extension it really has"
