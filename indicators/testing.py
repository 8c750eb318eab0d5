"""Small warehouses for the indicator tests and the benchmark script, built through the real ingest.

`fixture_warehouse()` loads the hand-made extract in `tests/fixtures/indicators/local/` (invented children,
Bristol's codes) together with the bundled national data, once per process, into a temporary folder.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_DIR = ROOT / "tests" / "fixtures" / "indicators" / "local"
FIXTURE_LA = "E06000023"
FIXTURE_REFERENCE_DATE = "2025-06-30"

_lock = threading.Lock()
_built: dict[tuple[str, bool], Path] = {}


def build_warehouse(target: Path, sources: list[Path], *, la: str = FIXTURE_LA, bundle: bool = True,
                    reference_date: str = FIXTURE_REFERENCE_DATE) -> Path:
    from data.ingest import ingest

    ingest(sources, target, bundle=bundle, la=la, today=pd.Timestamp(reference_date), progress=False)
    return target


def fixture_warehouse(bundle: bool = True) -> Path:
    """The fixture extract's warehouse (with the national bundle unless bundle=False), built once."""
    key = (str(FIXTURE_DIR), bundle)
    with _lock:
        if key not in _built:
            folder = Path(tempfile.mkdtemp(prefix="indicator-fixture-"))
            _built[key] = build_warehouse(folder / "warehouse.duckdb", [FIXTURE_DIR], bundle=bundle)
        return _built[key]


def second_extract(folder: Path) -> Path:
    """A copy of the fixture extract in `folder` with one more request, R11: P7's second, received on
    1 February 2025 and refused on 10 March 2025. Requests received in 2025 go from 1 (R8) to 2."""
    shutil.copytree(FIXTURE_DIR, folder)
    with open(folder / "requests.csv", "a", encoding="utf-8", newline="") as requests:
        requests.write("R11,P7,2025-02-01,1,0,2025-03-10,N,0,0\n")
    return folder
