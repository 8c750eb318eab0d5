"""The app on the sample warehouse (built by the test command before pytest), one per test module."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample" / "warehouse.duckdb"


def forget_engines() -> None:
    """A fresh app gets fresh shared engines: an engine keeps the flask-caching cache of the app that opened it,
    and several test modules each build their own app in one process."""
    from indicators import engine as engine_module

    for _, opened in list(engine_module._shared.values()):
        opened.close()
    engine_module._shared.clear()


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory):
    """The Flask server of a freshly built app on the sample warehouse, partner audience, private cache."""
    if not SAMPLE.exists():
        pytest.fail("the sample warehouse is missing: run `python -m data sample` first (scripts/test.sh does)")
    patch = pytest.MonkeyPatch()
    patch.setenv("SEND_WAREHOUSE", str(SAMPLE))
    patch.setenv("SEND_AUDIENCE", "partner")
    patch.setenv("SEND_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    forget_engines()
    import app

    module = importlib.reload(app)
    yield module.server
    forget_engines()
    patch.undo()


def sample_page_modules(*unset: str):
    """For a module fixture (`yield from`): the page modules by short name, as Dash imported them (importing
    them again under another name would register each page twice), with the app on the sample warehouse,
    partner audience, the default board measures and the settings named in `unset` at their defaults."""
    import dash

    if not SAMPLE.exists():
        pytest.fail("the sample warehouse is missing: run `python -m data sample` first (scripts/test.sh does)")
    patch = pytest.MonkeyPatch()
    patch.setenv("SEND_WAREHOUSE", str(SAMPLE))
    patch.setenv("SEND_AUDIENCE", "partner")
    for name in ("SEND_KPIS", *unset):
        patch.delenv(name, raising=False)
    import app  # noqa: F401 - registers every page and callback

    yield {page["module"].rsplit(".", 1)[-1]: sys.modules[page["module"]] for page in dash.page_registry.values()}
    patch.undo()
