"""The national set in miniature: synthetic councils' folders, generated as `python -m data synth --all` writes
them (no XML), ingested in one go from their parent folder, as `bench.national` builds all 153.

The councils are the two smallest (the Isles of Scilly and the City of London), so the test takes seconds; every
count is checked against the generator's own manifest (what it wrote), not against what the loader reports.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from data.errors import SourceError
from data.ingest import ingest

SCILLY, CITY = "E06000053", "E09000001"
REF = "2026-01-15"


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Path:
    from data.synth import generate

    root = tmp_path_factory.mktemp("national") / "synth"
    for code in (CITY, SCILLY):
        generate(code, seed=2026, out=root / code, reference_date=REF, xml=False)
    return root


def manifest(folder: Path) -> dict:
    return json.loads((folder / "MANIFEST.json").read_text())


def test_the_national_set_holds_no_xml(national):
    for code in (CITY, SCILLY):
        assert not list((national / code).rglob("*.xml"))
        assert "xml_persons" not in manifest(national / code)
        assert not any(name.endswith(".xml") for name in manifest(national / code)["row_counts"])


def test_one_ingest_of_the_parent_folder_loads_every_council_and_loses_nothing(national, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    ingest([national / SCILLY, national], warehouse, progress=False)  # the home council given first
    with duckdb.connect(str(warehouse), read_only=True) as con:
        loads = {code: (position, rows_in, loaded, quarantined) for code, position, rows_in, loaded, quarantined
                 in con.execute("SELECT la_code, position, rows_in, rows_loaded, rows_quarantined FROM loads").fetchall()}
        people = dict(con.execute("SELECT la_code, count(*) FROM person GROUP BY la_code").fetchall())
        home = con.execute("SELECT value FROM warehouse_info WHERE key = 'local_la_code'").fetchone()[0]
        order = [r[0] for r in con.execute("SELECT la_code FROM person ORDER BY rowid").fetchall()]
    assert home == SCILLY and loads[SCILLY][0] == 1 and loads[CITY][0] == 2
    for code in (CITY, SCILLY):
        written = sum(manifest(national / code)["row_counts"].values())  # every row the generator wrote
        position, rows_in, loaded, quarantined = loads[code]
        assert rows_in == written and rows_in == loaded + quarantined
        assert people[code] == manifest(national / code)["row_counts"]["sen2/person.csv"]
    # each council's rows lie together in the file, in code order, so a query for one skips the other's
    runs = [code for i, code in enumerate(order) if i == 0 or order[i - 1] != code]
    assert runs == [SCILLY, CITY]  # E06000053 before E09000001


def test_a_folder_holding_its_return_as_csv_and_as_xml_is_refused(tmp_path):
    from data.synth import generate

    generate(SCILLY, seed=2026, out=tmp_path / SCILLY, reference_date=REF)  # one council's sample: XML as well
    with pytest.raises(SourceError, match="same return twice") as refused:
        ingest([tmp_path / SCILLY], tmp_path / "warehouse.duckdb", progress=False)
    assert "sen2_405_2026.xml" in str(refused.value) or "person.csv" in str(refused.value)
