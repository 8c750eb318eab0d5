"""The app on the sample warehouse (built by the test command before pytest), one per test module."""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path

import flask
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
    `server.test_client(role="officer")` another role, `role=None` a signed-out visitor. The same for
    `server.test_request_context(...)` (direct calls of page functions)."""
    from flask.testing import FlaskClient

    from tests.identity import HOME, sign_in, user

    class SignedInClient(FlaskClient):
        def __init__(self, *args, role: str | None = "partner", council: str = HOME, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            sign_in(self, role, council)

    plain_request = server.test_request_context

    def signed_in_request(*args, role: str | None = "partner", council: str = HOME, **kwargs):
        # A real RequestContext (Flask's session_transaction reads its `.request`) whose push signs the person in.
        context = plain_request(*args, **kwargs)
        push = context.push

        def signed_in_push() -> None:
            push()
            flask.g.who, flask.g.session_problem = user(role, council), None

        context.push = signed_in_push
        return context

    server.test_client_class = SignedInClient
    server.test_request_context = signed_in_request


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
    called as a partner of the sample's council (inside a request context whose person that is: `become` changes
    who for one test), the default board measures and the settings named in `unset` at their defaults."""
    import dash

    if not SAMPLE.exists():
        pytest.fail("the sample warehouse is missing: run `python -m data sample` first (scripts/test.sh does)")
    patch = pytest.MonkeyPatch()
    patch.setenv("SEND_WAREHOUSE", str(SAMPLE))
    patch.setenv("SEND_CACHE_DIR", tempfile.mkdtemp(prefix="send-test-cache-"))
    for name in ("SEND_KPIS", *unset):
        patch.delenv(name, raising=False)
    import app  # registers every page and callback
    from tests.identity import user

    with app.server.test_request_context("/"):
        flask.g.who, flask.g.session_problem = user("partner"), None
        yield {page["module"].rsplit(".", 1)[-1]: sys.modules[page["module"]] for page in dash.page_registry.values()}
    patch.undo()


@pytest.fixture
def become():
    """`become("officer")`: the rest of this test's direct page calls are made as that role (None: signed out);
    the next test is a partner again."""
    from tests.identity import user

    def change(role: str | None, council: str = "E06000023") -> None:
        flask.g.who = user(role, council)

    yield change
    if flask.has_request_context():
        flask.g.who = user("partner")
