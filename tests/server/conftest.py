"""The app on the sample warehouse (built by the test command before pytest), one per test module."""

from __future__ import annotations

import importlib
import sys
import tempfile
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


def partner_clients(server) -> None:
    """`server.test_client()` gives a client signed in as a partner of the sample's council (the board's view);
    `server.test_client(role="officer")` another role, `role=None` a signed-out visitor."""
    from flask.testing import FlaskClient

    from tests.identity import HOME, sign_in

    class SignedInClient(FlaskClient):
        def __init__(self, *args, role: str | None = "partner", council: str = HOME, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            sign_in(self, role, council)

    server.test_client_class = SignedInClient


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory):
    """The Flask server of a freshly built app on the sample warehouse, private cache; its test clients are
    signed in as partners unless asked otherwise (`partner_clients`)."""
    if not SAMPLE.exists():
        pytest.fail("the sample warehouse is missing: run `python -m data sample` first (scripts/test.sh does)")
    patch = pytest.MonkeyPatch()
    patch.setenv("SEND_WAREHOUSE", str(SAMPLE))
    patch.setenv("SEND_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    forget_engines()
    import app

    module = importlib.reload(app)
    partner_clients(module.server)
    yield module.server
    forget_engines()
    patch.undo()


def sample_page_modules(*unset: str):
    """For a module fixture (`yield from`): the page modules by short name, as Dash imported them (importing
    them again under another name would register each page twice), with the app on the sample warehouse,
    called as a partner of the sample's council (`become` changes who for one test), the default board measures and the settings named in `unset` at their defaults."""
    import dash

    if not SAMPLE.exists():
        pytest.fail("the sample warehouse is missing: run `python -m data sample` first (scripts/test.sh does)")
    patch = pytest.MonkeyPatch()
    patch.setenv("SEND_WAREHOUSE", str(SAMPLE))
    patch.setenv("SEND_CACHE_DIR", tempfile.mkdtemp(prefix="send-test-cache-"))
    for name in ("SEND_KPIS", *unset):
        patch.delenv(name, raising=False)
    from tests.identity import acting_as

    if not dash.page_registry:  # run alone: nothing has built the app yet, so no page is registered
        import app  # noqa: F401 - building the app registers the pages
    with acting_as("partner"):
        yield {page["module"].rsplit(".", 1)[-1]: sys.modules[page["module"]] for page in dash.page_registry.values()}
    patch.undo()


@pytest.fixture
def become():
    """`become("officer")`: the rest of this test's direct page calls are made as that role (None: signed out);
    the next test is a partner again."""
    from dashboard import identity
    from tests.identity import user

    tokens = []

    def change(role: str | None, council: str = "E06000023") -> None:
        tokens.append(identity._OUTSIDE_REQUESTS.set(user(role, council)))

    yield change
    for token in reversed(tokens):
        identity._OUTSIDE_REQUESTS.reset(token)


@pytest.fixture
def log(tmp_path, monkeypatch):
    """A fresh audit log for one test, at the path returned."""
    path = tmp_path / "audit.jsonl"
    monkeypatch.setenv("SEND_AUDIT_LOG", str(path))
    return path
