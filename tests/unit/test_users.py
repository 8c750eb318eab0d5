"""Local users: hashed passwords, roles per council, clear errors for a bad file, and the command line."""

import io

import pytest

from dashboard import users
from dashboard.identity import Role


@pytest.fixture
def users_file(tmp_path, monkeypatch):
    path = tmp_path / "users.yaml"
    monkeypatch.setenv("SEND_USERS_FILE", str(path))
    monkeypatch.setenv("SEND_AUTH", "local")
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert users.main(["add", "alice", "--name", "Alice Example", "--council", "E06000023", "--role", "officer",
                       "--role", "admin", "--password-stdin"]) == 0
    return path


def test_a_user_added_from_the_command_line_signs_in_with_their_roles(users_file):
    text = users_file.read_text()
    assert "correct horse" not in text and "$argon2id$" in text  # only the hash is kept
    assert oct(users_file.stat().st_mode & 0o777) == "0o600"
    alice = users.authenticate("Alice", "correct horse battery")
    assert alice.id == "local:alice" and alice.name == "Alice Example"
    assert alice.roles_at("E06000023") == {Role.OFFICER, Role.ADMIN}
    assert users.authenticate("alice", "wrong password") is None
    assert users.authenticate("nobody", "correct horse battery") is None


def test_removing_a_user_signs_them_out_at_their_next_request(users_file):
    alice = users.authenticate("alice", "correct horse battery")
    assert users.current(alice) == alice
    assert users.main(["remove", "alice"]) == 0
    assert users.current(alice) is None


@pytest.mark.parametrize(("body", "says"), [
    ("users: [alice]", "mapping"),
    ("users:\n  alice: {password: plain-text, councils: {E06000023: officer}}", "argon2 hash"),
    ("users:\n  alice: {password: $argon2id$x, councils: {E06000023: superuser}}", "superuser"),
    ("users:\n  Alice Smith: {password: $argon2id$x}", "user name"),
    ("users: {alice: {password: '$argon2id$x', councils: [E06000023]}}", "mapping of council code"),
    ("users: {: :", "YAML"),
])
def test_a_bad_users_file_is_explained(tmp_path, body, says):
    path = tmp_path / "users.yaml"
    path.write_text(body)
    with pytest.raises(users.UsersFileError, match=says) as caught:
        users.load(path)
    assert str(path) in str(caught.value)


def test_demo_users_exist_only_in_demo_mode(monkeypatch):
    monkeypatch.setenv("SEND_AUTH", "demo")
    officer = users.authenticate("officer", users.DEMO_PASSWORD)
    assert officer is not None and officer.has(Role.OFFICER)
    monkeypatch.setenv("SEND_AUTH", "local")
    monkeypatch.delenv("SEND_USERS_FILE", raising=False)
    assert users.authenticate("officer", users.DEMO_PASSWORD) is None
    monkeypatch.setenv("SEND_AUTH", "public")
    assert users.authenticate("officer", users.DEMO_PASSWORD) is None


def test_a_users_file_with_a_demo_password_is_found(tmp_path, monkeypatch):
    path = tmp_path / "users.yaml"
    monkeypatch.setattr("sys.stdin", io.StringIO(users.DEMO_PASSWORD * 3 + "\n"))
    users.main(["--file", str(path), "add", "bob", "--council", "E06000023", "--role", "partner",
                "--password-stdin"])
    assert users.open_demo_users(path) == []  # 'demodemodemo' is not the demo password
    people = users.load(path)
    people = {**people, "officer": {**people["bob"], "password": users.HASHER.hash(users.DEMO_PASSWORD)}}
    users.save(people, path)
    assert users.open_demo_users(path) == ["officer"]
