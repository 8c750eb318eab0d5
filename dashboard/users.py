"""Local users: a YAML file of people, their argon2-hashed passwords and their roles per council; and the demo
users the README's run command signs in with.

    users:
      alice:
        name: Alice Example
        password: $argon2id$v=19$m=65536,t=3,p=4$...      (never the password itself)
        councils: {E06000023: officer}                     (or [officer, admin])

Manage it from the command line (the password is asked for, never typed on the command line):

    python -m dashboard.users add alice --name "Alice Example" --council E06000023 --role officer [--file F]
    python -m dashboard.users remove alice
    python -m dashboard.users list

The file defaults to `SEND_USERS_FILE`. Editing it takes effect on the next request: a person removed, or given
other roles, is signed out.
"""

from __future__ import annotations

import argparse
import functools
import getpass
import re
import sys
from pathlib import Path

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dashboard.identity import Role, User, parse_grants
from data.settings import settings

DEMO_PASSWORD = "demo"
DEMO_ROLES = (Role.OFFICER, Role.PARTNER, Role.PUBLIC, Role.ADMIN)
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
HASHER = PasswordHasher()


class UsersFileError(ValueError):
    """The users file cannot be used; the message names the file, the user and the fix."""


@functools.cache
def _dummy_hash() -> str:
    return HASHER.hash("not anyone's password")


@functools.cache
def _demo_hash() -> str:
    return HASHER.hash(DEMO_PASSWORD)


# --- the file ------------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=4)
def _read(path: Path, _stamp: tuple[int, int]) -> dict[str, dict]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise UsersFileError(f"{path}: cannot be read as YAML ({exc}). Fix the file, or remake it with "
                             "`python -m dashboard.users add`.") from None
    people = raw.get("users") if isinstance(raw, dict) else None
    if not isinstance(people, dict):
        raise UsersFileError(f"{path}: needs a top-level 'users:' mapping of user name to details.")
    checked = {}
    for login, details in people.items():
        where = f"{path}, user '{login}'"
        if not isinstance(login, str) or not NAME.fullmatch(login):
            raise UsersFileError(f"{where}: a user name is 1-64 lower-case letters, digits, '.', '_' or '-'.")
        if not isinstance(details, dict) or not str(details.get("password", "")).startswith("$argon2"):
            raise UsersFileError(f"{where}: 'password' must be an argon2 hash; set it with "
                                 f"`python -m dashboard.users add {login} ...`.")
        try:
            grants = parse_grants(details.get("councils"), where)
        except ValueError as exc:
            raise UsersFileError(str(exc)) from None
        checked[login] = {"name": str(details.get("name") or login), "password": str(details["password"]),
                          "grants": grants}
    return checked


def load(path: Path | None = None) -> dict[str, dict]:
    """The users in `path` (default SEND_USERS_FILE; none configured: no users), read again when it changes."""
    path = path or settings().users_file
    if path is None:
        return {}
    path = Path(path)
    if not path.exists():
        raise UsersFileError(f"The users file {path} (SEND_USERS_FILE) does not exist. Create it with "
                             "`python -m dashboard.users add <name> --council <code> --role <role>`.")
    stat = path.stat()
    return _read(path.resolve(), (stat.st_mtime_ns, stat.st_size))


def save(people: dict[str, dict], path: Path) -> None:
    body = {"users": {login: {"name": p["name"], "password": p["password"],
                              "councils": {c: sorted(str(role) for role in r) for c, r in sorted(p["grants"].items())}}
                      for login, p in sorted(people.items())}}
    text = "# SEND dashboard local users: manage with `python -m dashboard.users` (passwords are argon2 hashes)\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_suffix(path.suffix + ".new")
    draft.write_text(text + yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    draft.chmod(0o600)
    draft.replace(path)


# --- demo users ----------------------------------------------------------------------------------------------

def home_council() -> str:
    """The council whose records the warehouse holds (the demo users' council)."""
    from data.settings import DEFAULT_LA

    try:
        from dashboard import views

        return views.get_engine().local_area or DEFAULT_LA
    except Exception:  # noqa: BLE001 - no warehouse yet: the bundled sample's council
        return DEFAULT_LA


def demo_users() -> dict[str, User]:
    council = home_council()
    return {role.value: User(f"demo:{role.value}", f"Demo {role.value}", {council: frozenset({role})}, "demo")
            for role in DEMO_ROLES}


# --- checking a password -------------------------------------------------------------------------------------

def authenticate(login: str, password: str) -> User | None:
    """The user if `password` is theirs under the configured sign-in, else None. The time taken does not say
    whether the user exists."""
    login = (login or "").strip().lower()
    mode = settings().auth
    if mode == "demo":
        user = demo_users().get(login)
        return user if _verify(_demo_hash() if user else _dummy_hash(), password) and user else None
    if mode != "local":
        return None
    person = load().get(login)
    if not _verify(person["password"] if person else _dummy_hash(), password) or person is None:
        return None
    return User(f"local:{login}", person["name"], person["grants"], "local")


def _verify(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password or "")
    except (VerificationError, InvalidHashError):
        return False


def current(user: User) -> User | None:
    """`user` as the configuration describes them now (None: no longer a user), for sessions already open."""
    if user.source == "demo":
        return demo_users().get(user.id.removeprefix("demo:")) if settings().auth == "demo" else None
    if user.source == "local":
        if settings().auth != "local":
            return None
        person = load().get(user.id.removeprefix("local:"))
        return User(user.id, person["name"], person["grants"], "local") if person else None
    return user


def open_demo_users(path: Path | None = None) -> list[str]:
    """Users in the file anyone could sign in as: a demo name, or the demo password (refused in production)."""
    return [login for login, p in load(path).items()
            if login in {r.value for r in DEMO_ROLES} | {"demo"} or _verify(p["password"], DEMO_PASSWORD)]


# --- the command line ----------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.users", description="Manage the local users file.")
    parser.add_argument("--file", type=Path, default=None, help="the users file (default: SEND_USERS_FILE)")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add a user, or change one's password and roles")
    add.add_argument("login")
    add.add_argument("--name", default=None, help="the person's name as the header shows it")
    add.add_argument("--council", action="append", required=True, help="council code, e.g. E06000023 (repeatable)")
    add.add_argument("--role", action="append", required=True, choices=[r.value for r in Role],
                     help="role in those councils (repeatable)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    remove = commands.add_parser("remove", help="remove a user")
    remove.add_argument("login")
    commands.add_parser("list", help="list users and their roles")
    args = parser.parse_args(argv)
    path = args.file or settings().users_file
    if path is None:
        parser.error("give --file or set SEND_USERS_FILE")
    people = dict(load(path)) if Path(path).exists() else {}
    if args.command == "list":
        for login, person in sorted(people.items()):
            print(f"{login}\t{person['name']}\t{User('x', '', person['grants']).describe()}")
        return 0
    if args.command == "remove":
        if people.pop(args.login, None) is None:
            print(f"No user '{args.login}' in {path}.", file=sys.stderr)
            return 1
        save(people, Path(path))
        print(f"Removed {args.login} from {path}.")
        return 0
    if not NAME.fullmatch(args.login):
        parser.error("a user name is 1-64 lower-case letters, digits, '.', '_' or '-'")
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass(f"Password for "
                                                                                               f"{args.login}: ")
    if len(password) < 12:
        parser.error("the password must be at least 12 characters")
    grants = parse_grants({c: args.role for c in args.council}, "--council")
    people[args.login] = {"name": args.name or args.login, "password": HASHER.hash(password), "grants": grants}
    save(people, Path(path))
    print(f"Saved {args.login} ({User('x', '', grants).describe()}) to {path}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
