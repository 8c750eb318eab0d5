"""A hostile warehouse: the synthetic sample extract with script, markup and spreadsheet-formula payloads in the
names of schools, wards, caseworkers and teams, built through the real ingest as a council's would be.

Schools, caseworkers and teams come from the council's own extract (local/schools.csv, local/caseworkers.csv);
ward names come from the published ward lookup, supplied here as a doctored copy that replaces the bundled
`dim_ward` (as a council loading a newer lookup would). The payloads are the names themselves, so a page that
shows a name shows the payload.

The server tests (tests/server/test_hostile_names.py) and the browser test (tests/browser/test_hostile_names.py)
use `build` through a session fixture, and the checks on downloaded files below.
"""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import openpyxl
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
HOME = "E06000023"  # the sample's council (Bristol)
WARD_LOOKUP = ROOT / "data" / "published" / "lookups" / "ward_lad_la_pcon_hierarchy.csv.gz"

LONG = ("Ysgol Gymraeg Ŵyn-y-Môr ✓ Ærø Ångström Ünïcödé 学校名 مدرسة النور שלום 🏫👩🏽‍🏫 "
        "Zoë Ça va e\u0301cole naïve Ωμέγα Дом")  # letters from many scripts, a joined emoji, a combining accent
PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '"><svg onload=alert(3)>',
    "javascript:alert(4)",
    '=HYPERLINK("http://evil.example","x")',
    "+SUM(1,1)",
    "-2+3",
    "@cmd",
    "\t=1+1",
    "'; DROP TABLE person; --",
    LONG,
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def stored(payload: str, kind: str = "school") -> str:
    """The name as the warehouse holds it: the ingest trims a local extract's text fields (schools, caseworkers,
    teams); the published ward lookup is kept verbatim."""
    return payload if kind == "ward" else payload.strip()


def _most_used(values: pd.Series, n: int) -> list[str]:
    return values.dropna().astype(str).value_counts().index[:n].tolist()


def build(folder: Path) -> Path:
    """Generate the sample extract into `folder`, give every payload to a school, a ward, a caseworker and a
    team, and ingest it (without the facts and the warm cache: the engine draws every view on request)."""
    from data.ingest import ingest
    from data.synth import generate

    extract = folder / "extract"
    generate(HOME, 2026, extract)
    local = extract / "local"
    residence = pd.read_csv(local / "residence.csv", dtype=str)
    casework = pd.read_csv(local / "casework.csv", dtype=str)

    # the schools and wards most children attend or live in, so each payload is a row of every breakdown
    schools = pd.read_csv(local / "schools.csv", dtype=str, keep_default_na=False)
    urns = _most_used(residence["school_urn"], len(PAYLOADS))
    names = dict(zip(urns, PAYLOADS, strict=True))
    schools["school_name"] = [names.get(u, n) for u, n in zip(schools["urn"], schools["school_name"], strict=True)]
    schools.to_csv(local / "schools.csv", index=False)

    # the caseworkers with the most recent cases carry the payloads; the teams become eleven hostile ones
    workers = pd.read_csv(local / "caseworkers.csv", dtype=str, keep_default_na=False)
    recent = casework[casework["assigned_date"] >= "2024-01-01"]["caseworker_id"]
    ids = dict(zip(_most_used(recent, len(PAYLOADS)), PAYLOADS, strict=True))
    workers["caseworker_name"] = [ids.get(i, n) for i, n in zip(workers["caseworker_id"], workers["caseworker_name"],
                                                                strict=True)]
    workers["team"] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(workers))]
    workers.to_csv(local / "caseworkers.csv", index=False)

    # the ward lookup: the council's busiest wards renamed, every other row as published
    with gzip.open(WARD_LOOKUP, "rt", encoding="utf-8") as handle:
        wards = pd.read_csv(handle, dtype=str, keep_default_na=False)
    codes = _most_used(residence["ward_code"], len(PAYLOADS))
    ward_names = dict(zip(codes, PAYLOADS, strict=True))
    wards["ward_name"] = [ward_names.get(c, n) for c, n in zip(wards["ward_code"], wards["ward_name"], strict=True)]
    lookup = folder / "ward_lookup.csv"
    wards.to_csv(lookup, index=False)

    warehouse = folder / "warehouse" / "warehouse.duckdb"
    ingest([extract / "sen2", local, extract / "MANIFEST.json", lookup], warehouse, allow_shrink=True,
           progress=False)
    return warehouse


def names_in(warehouse: Path) -> dict[str, set[str]]:
    """The names the warehouse holds, by kind."""
    import duckdb

    queries = {"school": "SELECT school_name FROM dim_school", "ward": "SELECT ward_name FROM dim_ward",
               "caseworker": "SELECT caseworker_name FROM caseworker", "team": "SELECT team FROM caseworker"}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {kind: {r[0] for r in con.execute(sql).fetchall()} for kind, sql in queries.items()}


def row_counts(warehouse: Path) -> dict[str, int]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 - our own table names
                for t in ("person", "request", "caseworker", "dim_school", "dim_ward")}


# --- the files a download gives ----------------------------------------------------------------------------

def csv_cells(body: bytes) -> list[str]:
    text = body.decode("utf-8").lstrip("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def xlsx_cells(body: bytes) -> list[tuple[str, object, str]]:
    """(where, value, openpyxl data type) of every non-empty cell of every sheet."""
    book = openpyxl.load_workbook(io.BytesIO(body))
    return [(f"{sheet.title}!{cell.coordinate}", cell.value, cell.data_type)
            for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value is not None]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def live_csv_cells(cells: list[str]) -> list[str]:
    """Cells a spreadsheet would run as a formula: text beginning = + - @ tab or CR that is not a plain number."""
    return [c for c in cells if c.startswith(FORMULA_START) and not _number(c)]


def live_xlsx_cells(cells: list[tuple[str, object, str]]) -> list[str]:
    """Formula cells, and text cells a spreadsheet would read as a formula if typed back in."""
    return [f"{where}: {value!r}" for where, value, kind in cells
            if kind == "f" or (isinstance(value, str) and value.startswith(FORMULA_START))]


def neutralised(payload: str, kind: str = "school") -> str:
    """How a payload reads in a file's cell: formula-like text gets a leading apostrophe."""
    text = stored(payload, kind)
    return "'" + text if text.startswith(FORMULA_START) else text
