"""Signing in and out: local users, demo users, sessions that end, single sign-on against a stub identity provider,
and the production checks. Everything through the app's own routes (the Flask test client)."""

from __future__ import annotations

import io
import json
import threading
import time
from urllib.parse import parse_qs, urlparse

import pytest

from dashboard import identity, users
from dashboard.warm import page_request
from data.settings import SettingsError
from tests.server.conftest import SAMPLE, forget_engines

BOARD = json.dumps(page_request("/board", "?area=E06000023"))
PASSWORD = "correct horse battery"


def _app(monkeypatch, tmp_path, **environment):
    """A fresh app on the sample warehouse with these settings (a plain test client: nobody signed in)."""
    monkeypatch.setenv("SEND_WAREHOUSE", str(SAMPLE))
    monkeypatch.setenv("SEND_CACHE_DIR", str(tmp_path / "cache"))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    forget_engines()
    from dashboard.shell import create_app

    return create_app().server


def _who(client) -> dict | None:
    with client.session_transaction() as session:
        return session.get(identity.SESSION_KEY)


def _layout_names(client) -> str:
    return client.get("/_dash-layout").get_data(as_text=True)


@pytest.fixture
def local_users(tmp_path, monkeypatch):
    path = tmp_path / "users.yaml"
    for login, council, role in [("alice", "E06000023", "officer"), ("bob", "E06000023", "partner"),
                                 ("carol", "E10000016", "officer")]:
        monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
        users.main(["--file", str(path), "add", login, "--council", council, "--role", role, "--password-stdin"])
    return path


@pytest.fixture
def local_app(monkeypatch, tmp_path, local_users):
    yield _app(monkeypatch, tmp_path, SEND_AUTH="local", SEND_USERS_FILE=str(local_users))
    forget_engines()


def test_a_local_user_signs_in_sees_their_tier_and_signs_out(local_app):
    client = local_app.test_client()
    signed_out = client.post("/_dash-update-component", data=BOARD, content_type="application/json")
    answer = client.post("/sign-in", data={"login": "alice", "password": PASSWORD, "next": "/board?area=E06000023"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/board?area=E06000023"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie
    assert _who(client)["id"] == "local:alice" and _who(client)["grants"] == {"E06000023": ["officer"]}
    assert "alice" in _layout_names(client) and "officer in Bristol, City of" in _layout_names(client)
    officer_board = client.post("/_dash-update-component", data=BOARD, content_type="application/json")
    assert officer_board.data != signed_out.data  # unsuppressed figures, not the public tier
    assert client.post("/sign-out").headers["Location"] == "/sign-in?ended=signed-out"
    assert _who(client) is None
    assert client.post("/_dash-update-component", data=BOARD, content_type="application/json").data == signed_out.data


def test_a_wrong_password_is_refused_and_says_nothing_about_who_exists(local_app):
    client = local_app.test_client()
    wrong = client.post("/sign-in", data={"login": "alice", "password": "nope"})
    nobody = client.post("/sign-in", data={"login": "mallory", "password": "nope"})
    assert wrong.headers["Location"] == nobody.headers["Location"] == "/sign-in?failed=1&next=%2F"
    assert _who(client) is None


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)",
                                    "/\\evil.example", "/sign-out"])
def test_signing_in_never_sends_anyone_to_another_site(local_app, target):
    answer = local_app.test_client().post("/sign-in", data={"login": "bob", "password": PASSWORD, "next": target})
    assert answer.headers["Location"] == "/"


def test_a_copied_cookie_stops_working_when_its_owner_signs_out(local_app):
    client = local_app.test_client()
    client.post("/sign-in", data={"login": "alice", "password": PASSWORD})
    stolen = local_app.test_client()
    cookie = client.get_cookie("send_session")
    stolen.set_cookie("send_session", cookie.value)
    assert "alice" in _layout_names(stolen)
    client.post("/sign-out")
    assert "alice" not in _layout_names(stolen)


def test_a_session_ends_after_idle_minutes_and_after_its_longest(local_app, monkeypatch):
    client = local_app.test_client()
    client.post("/sign-in", data={"login": "alice", "password": PASSWORD, "next": "/board"})
    now = time.time()
    monkeypatch.setattr(identity.time, "time", lambda: now + 29 * 60)
    assert "alice" in _layout_names(client)  # still in use, and the use is recorded
    monkeypatch.setattr(identity.time, "time", lambda: now + 29 * 60 + 31 * 60)
    page = client.get("/board?area=E06000023")
    assert page.status_code == 302 and page.headers["Location"].startswith("/sign-in?ended=expired&next=%2Fboard")
    assert _who(client) is None
    client.post("/sign-in", data={"login": "alice", "password": PASSWORD})
    for minutes in range(20, 10 * 60 + 1, 20):  # busy all day: never idle, but 10 hours is the longest
        monkeypatch.setattr(identity.time, "time", lambda m=minutes: now + 60 * 60 + m * 60)
        names = _layout_names(client)
    assert "alice" not in names and _who(client) is None


def test_removing_a_user_from_the_file_ends_their_session(local_app, local_users):
    client = local_app.test_client()
    client.post("/sign-in", data={"login": "bob", "password": PASSWORD})
    assert "bob" in _layout_names(client)
    users.main(["--file", str(local_users), "remove", "bob"])
    assert "bob" not in _layout_names(client)


def test_sign_in_is_rate_limited(local_app):
    client = local_app.test_client()
    codes = [client.post("/sign-in", data={"login": "alice", "password": f"guess {n}"}).status_code
             for n in range(12)]
    assert codes[:10] == [303] * 10 and codes[10:] == [429, 429]
    refused = client.post("/sign-in", data={"login": "alice", "password": PASSWORD})
    assert refused.status_code == 429 and b"Too many sign-in attempts" in refused.data


def test_demo_mode_banners_every_page_and_its_users_sign_in(monkeypatch, tmp_path):
    server = _app(monkeypatch, tmp_path, SEND_AUTH="demo")
    client = server.test_client()
    assert "Demo mode" in _layout_names(client)
    client.post("/sign-in", data={"login": "partner", "password": users.DEMO_PASSWORD})
    assert _who(client)["grants"] == {"E06000023": ["partner"]}
    from dashboard.signin import start_notice

    assert "officer, partner, public, admin" in start_notice() and "'demo'" in start_notice()
    forget_engines()


def test_public_mode_has_no_sign_in(monkeypatch, tmp_path):
    server = _app(monkeypatch, tmp_path, SEND_AUTH="public")
    client = server.test_client()
    assert client.post("/sign-in", data={"login": "officer", "password": users.DEMO_PASSWORD}).status_code == 404
    assert "Sign in" not in _layout_names(client)
    forget_engines()


# --- production -----------------------------------------------------------------------------------------------

GOOD_KEY = "k3Yq8vT2pW9xLm4RzN7bC1dF6gH0jS5aE2uI8oP3yV"


@pytest.mark.parametrize(("environment", "says"), [
    ({}, "SEND_SECRET_KEY must be set"),
    ({"SEND_SECRET_KEY": GOOD_KEY}, "SEND_AUTH is `demo`"),
    ({"SEND_SECRET_KEY": "short", "SEND_AUTH": "public"}, "SEND_SECRET_KEY must be set"),
    ({"SEND_SECRET_KEY": "a" * 40, "SEND_AUTH": "public"}, "SEND_SECRET_KEY must be set"),
    ({"SEND_SECRET_KEY": GOOD_KEY, "SEND_AUTH": "oidc", "SEND_OIDC_CLIENT_ID": "x"}, "SEND_OIDC_METADATA_URL"),
    ({"SEND_SECRET_KEY": GOOD_KEY, "SEND_AUTH": "local"}, "SEND_USERS_FILE"),
    ({"SEND_SECRET_KEY": GOOD_KEY, "SEND_AUTH": "public", "SEND_COOKIE_SECURE": "false"}, "SEND_COOKIE_SECURE"),
])
def test_production_refuses_to_start_without_real_sign_in(monkeypatch, tmp_path, environment, says):
    monkeypatch.setenv("SEND_PRODUCTION", "true")
    with pytest.raises(SettingsError, match="Refusing to start in production") as refused:
        _app(monkeypatch, tmp_path, **environment)
    assert says in str(refused.value)


def test_production_refuses_a_users_file_holding_a_demo_user(monkeypatch, tmp_path, local_users):
    monkeypatch.setattr("sys.stdin", io.StringIO(users.DEMO_PASSWORD + "-long-enough\n"))
    users.main(["--file", str(local_users), "add", "officer", "--council", "E06000023", "--role", "officer",
                "--password-stdin"])
    monkeypatch.setenv("SEND_PRODUCTION", "true")
    with pytest.raises(SettingsError, match="demo users anyone could sign in as: officer"):
        _app(monkeypatch, tmp_path, SEND_SECRET_KEY=GOOD_KEY, SEND_AUTH="local", SEND_USERS_FILE=str(local_users))


def test_production_starts_when_sign_in_is_real(monkeypatch, tmp_path, local_users):
    monkeypatch.setenv("SEND_PRODUCTION", "true")
    server = _app(monkeypatch, tmp_path, SEND_SECRET_KEY=GOOD_KEY, SEND_AUTH="local", SEND_USERS_FILE=str(local_users))
    assert server.secret_key == GOOD_KEY
    forget_engines()


# --- single sign-on against a stub identity provider -------------------------------------------------------------

def new_key():
    from joserfc.jwk import RSAKey

    return RSAKey.generate_key(2048, parameters={"kid": "stub"})


class StubProvider:
    """A minimal OpenID Connect provider on a loopback port: discovery, authorise (signs the person in at once),
    token (an RS256-signed ID token with the nonce it was given) and its keys. `claims` are put in the token."""

    def __init__(self) -> None:
        from flask import Flask, jsonify, redirect, request
        from werkzeug.serving import make_server

        self.key = new_key()
        self.signing_key = self.key  # a test swaps in another key to forge a token
        self.claims: dict = {}
        self.codes: dict[str, str] = {}
        app = Flask("stub-idp")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            base = self.url
            return jsonify(issuer=base, authorization_endpoint=f"{base}/authorize", token_endpoint=f"{base}/token",
                           jwks_uri=f"{base}/jwks", response_types_supported=["code"],
                           id_token_signing_alg_values_supported=["RS256"], subject_types_supported=["public"])

        @app.get("/authorize")
        def authorize():
            code = f"code-{len(self.codes)}"
            self.codes[code] = request.args.get("nonce", "")
            return redirect(f"{request.args['redirect_uri']}?code={code}&state={request.args['state']}")

        @app.post("/token")
        def token():
            from joserfc import jwt

            nonce = self.codes.pop(request.form["code"])
            now = int(time.time())
            claims = {"iss": self.url, "aud": "dashboard", "sub": "subject-1", "iat": now, "exp": now + 300,
                      "nonce": nonce, **self.claims}
            id_token = jwt.encode({"alg": "RS256", "kid": "stub"}, claims, self.signing_key)
            return jsonify(access_token="at", token_type="Bearer", expires_in=300, id_token=id_token)

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.key.as_dict(private=False)])

        self.server = make_server("127.0.0.1", 0, app)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def sign_in(self, client) -> object:
        """The browser's round trip: our app -> the provider -> our callback; returns the callback's answer."""
        import requests

        away = client.get("/sign-in/sso?next=/clinic")
        assert away.status_code == 302 and away.headers["Location"].startswith(self.url)
        back = requests.get(away.headers["Location"], allow_redirects=False, timeout=10).headers["Location"]
        parts = urlparse(back)
        assert parts.path == "/sign-in/callback" and "code" in parse_qs(parts.query)
        return client.get(f"{parts.path}?{parts.query}")


@pytest.fixture(scope="module")
def provider():
    stub = StubProvider()
    yield stub
    stub.server.shutdown()


@pytest.fixture
def sso_app(monkeypatch, tmp_path, provider):
    role_map = tmp_path / "roles.yaml"
    role_map.write_text("SEND.Officer.Bristol: {E06000023: officer}\n"
                        "SEND.Admin.Bristol: {E06000023: admin}\n"
                        "SEND.Partner.Kent: {E10000016: partner}\n", encoding="utf-8")
    yield _app(monkeypatch, tmp_path, SEND_AUTH="oidc", SEND_OIDC_METADATA_URL=f"{provider.url}/.well-known/"
               "openid-configuration", SEND_OIDC_CLIENT_ID="dashboard", SEND_OIDC_CLIENT_SECRET="stub-secret",
               SEND_OIDC_ROLE_MAP=str(role_map))
    forget_engines()


def test_single_sign_on_maps_app_roles_to_roles_per_council(sso_app, provider):
    provider.signing_key = provider.key
    provider.claims = {"name": "Dana Example", "roles": ["SEND.Officer.Bristol", "SEND.Admin.Bristol",
                                                        "SEND.Partner.Kent", "Some.Other.App"]}
    client = sso_app.test_client()
    back = provider.sign_in(client)
    assert back.status_code == 303 and back.headers["Location"] == "/clinic"
    who = _who(client)
    assert who["name"] == "Dana Example" and who["source"] == "oidc"
    assert who["grants"] == {"E06000023": ["admin", "officer"], "E10000016": ["partner"]}


def test_single_sign_on_with_no_mapped_role_gives_the_public_tier(sso_app, provider):
    provider.signing_key = provider.key
    provider.claims = {"name": "Eve", "roles": ["Some.Other.App"]}
    client = sso_app.test_client()
    provider.sign_in(client)
    assert _who(client)["grants"] == {}
    assert "no role" in _layout_names(client)


def test_a_forged_id_token_is_refused(sso_app, provider):
    provider.signing_key = new_key()  # not the provider's own key
    provider.claims = {"name": "Mallory", "roles": ["SEND.Officer.Bristol"]}
    client = sso_app.test_client()
    back = provider.sign_in(client)
    provider.signing_key = provider.key
    assert back.headers["Location"].startswith("/sign-in?failed=sso")
    assert _who(client) is None
