"""The audit log: who saw which children's records, who downloaded what, and every sign-in, in a file that cannot be
quietly edited.

One JSON object a line in `SEND_AUDIT_LOG`, a file of its own beside (never inside) the warehouse. Each entry
carries the SHA-256 of the line before it (the first entry carries GENESIS), so an edited, deleted or reordered
line breaks the chain at that point and `verify` names the line. A chain cannot show lines cut from its end: note
the last entry's hash that `python -m dashboard.audit verify` prints, and give it back later with `--head` to
prove those entries are still there.

Every worker appends to the same file: an exclusive `flock` is held around reading the last line's hash, appending
the new line and syncing it to disk, so two writers never chain to the same line. Writing fails loudly: an answer
that holds children's records is never given without its entry.

    python -m dashboard.audit verify [--log PATH] [--head HASH]

Administrators search the log on `/admin/audit` and download what they found from `/admin/audit.csv` (both here
and in dashboard/pages/admin_audit.py); each sees the entries about the councils they administer.
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import hashlib
import io
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import flask

from dashboard import response_cache
from dashboard.access import is_council
from dashboard.exports import safe_text
from dashboard.identity import Role, User, current_user
from dashboard.logs import REQUEST_ID
from dashboard.routes import attachment
from dashboard.security import plain
from data.settings import settings

GENESIS = "0" * 64  # what the first entry carries as the hash of the line before it
ACTIONS = ("view", "export", "sign-in", "sign-in-failed", "sign-out", "denied")
FIELDS = ("time", "user", "name", "roles", "councils", "council", "action", "target", "filters", "child_records",
          "child_ids", "outcome", "request_id", "remote_addr", "prev")
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
PAGE_PATH = "/admin/audit"
CSV_PATH = "/admin/audit.csv"
SHOWN = 500  # the most entries the page lists; the CSV holds every match
CHUNK = 65536
MAX_TEXT = 500  # a longer filter value or target is cut: the log records what was asked, not a novel
_ACTION = re.compile(r"[a-z][a-z-]{0,39}")
_PRIVATE = re.compile(r"pass|secret|token|session|cookie|credential", re.I)  # never written, whoever passes them
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# --- writing ------------------------------------------------------------------------------------------------

def log_path() -> Path:
    return settings().audit_log


def record(action: str, *, target: str, council: str | None = None, filters: Mapping[str, object] | None = None,
           child_ids: Sequence[str] = (), outcome: str = "ok") -> None:
    """Append one entry for the person making this request (signed out: user ""). `child_ids` are the
    pseudonymous ids of every child whose record the answer holds; an answer holding any is never kept in the
    response cache, so each time it is given, it is given here first. Raises OSError when the log cannot be
    written: the caller then gives nothing."""
    if not _ACTION.fullmatch(action):
        raise ValueError(f"audit action '{action}' must be lower-case words joined by hyphens, e.g. one of "
                         f"{', '.join(ACTIONS)}")
    if isinstance(child_ids, str):
        raise TypeError("child_ids is a sequence of ids, not one id")
    ids = [str(i) for i in child_ids]
    if ids:
        response_cache.dont_keep()
    user = current_user()
    entry = {
        "time": datetime.now(UTC).strftime(TIME_FORMAT),
        "user": user.id, "name": user.name, "roles": user.describe(),
        "councils": sorted(c for c, roles in user.grants.items() if roles),
        "council": str(council).upper() if council else None,
        "action": action, "target": _short(target), "filters": _clean(filters),
        "child_records": len(ids), "child_ids": ids, "outcome": _short(outcome),
        **_request_facts(),
    }
    append(log_path(), entry)


def _short(value: object) -> str:
    text = str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def _clean(filters: Mapping[str, object] | None) -> dict[str, object]:
    """The filter values as plain JSON; a key that could hold a password or a session is left out."""
    out: dict[str, object] = {}
    for key, value in sorted((filters or {}).items(), key=lambda kv: str(kv[0])):
        key = str(key)
        if _PRIVATE.search(key):
            continue
        if value is None or isinstance(value, bool | int | float):
            out[key] = value
        elif isinstance(value, list | tuple | set | frozenset):
            out[key] = [_short(v) for v in (sorted(value, key=str) if isinstance(value, set | frozenset) else value)]
        else:
            out[key] = _short(value)
    return out


def _request_facts() -> dict[str, str | None]:
    if not flask.has_request_context():
        return {"request_id": None, "remote_addr": None}
    asked = flask.g.get("request_id") or flask.request.headers.get("X-Request-ID", "")
    return {"request_id": asked if REQUEST_ID.fullmatch(str(asked)) else None,
            "remote_addr": flask.request.remote_addr}


def _digest(line: bytes) -> str:
    return hashlib.sha256(line).hexdigest()


def append(path: Path, entry: Mapping[str, object]) -> str:
    """Append `entry` chained to the file's last line, under an exclusive lock; its line's hash."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        last, ends_cleanly = _last_line(fd)
        line = json.dumps({**entry, "prev": GENESIS if last is None else _digest(last)}, ensure_ascii=False,
                          separators=(",", ":")).encode()
        data = (b"" if ends_cleanly else b"\n") + line + b"\n"  # a line cut short stays its own (broken) line
        while data:
            data = data[os.write(fd, data):]
        os.fsync(fd)
        return _digest(line)
    finally:
        os.close(fd)  # closing releases the lock


def _last_line(fd: int) -> tuple[bytes | None, bool]:
    """The file's last line without its newline (None when empty), and whether the file ends with a newline."""
    size = os.fstat(fd).st_size
    if size == 0:
        return None, True
    ends_cleanly = os.pread(fd, 1, size - 1) == b"\n"
    start = stop = size - 1 if ends_cleanly else size
    tail = b""
    while start > 0:
        step = min(CHUNK, start)
        start -= step
        tail = os.pread(fd, step, start) + tail
        cut = tail.rfind(b"\n")
        if cut >= 0:
            return tail[cut + 1:], ends_cleanly
    return tail[:stop], ends_cleanly


# --- checking -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Integrity:
    entries: int
    problems: list[str] = field(default_factory=list)
    head: str = GENESIS  # the hash of the last line: note it to prove later that no entry was cut from the end

    def summary(self) -> str:
        counted = f"{self.entries:,} {'entry' if self.entries == 1 else 'entries'}"
        if not self.problems:
            return f"{counted}, chain intact"
        return f"{counted}, chain broken: {len(self.problems)} problem(s)"


def check(path: Path, head: str | None = None) -> Integrity:
    """Walk the chain: each line must parse, hold every field, and carry the hash of the line before it.
    `head`: a hash noted earlier, which must still be one of the lines'."""
    if not path.exists():
        return Integrity(0, [f"the entry with hash {head} noted earlier is missing: the log is gone"] if head else [])
    problems: list[str] = []
    prev, number, found_head = GENESIS, 0, head is None
    with path.open("rb") as file:
        for number, raw in enumerate(file, 1):
            line = raw[:-1] if raw.endswith(b"\n") else raw
            try:
                entry = json.loads(line)
                if not isinstance(entry, dict):
                    raise ValueError
            except ValueError:
                problems.append(f"line {number}: not a complete entry (edited, or cut short)")
            else:
                missing = [name for name in FIELDS if name not in entry]
                if missing:
                    problems.append(f"line {number}: lacks {', '.join(missing)} (edited)")
                if entry.get("prev") != prev:
                    problems.append(
                        "line 1: does not start the chain (an entry before it was deleted, or it was edited)"
                        if number == 1 else
                        f"line {number}: does not follow line {number - 1} (line {number - 1} was edited, "
                        f"or lines were deleted or moved here)")
            prev = _digest(line)
            found_head = found_head or prev == head
    if not found_head:
        problems.append(f"the entry with hash {head} noted earlier is no longer in the log: entries were cut from "
                        "its end, or it was rewritten")
    return Integrity(number, problems, prev)


def verify(path: Path) -> list[str]:
    """The problems in the log's chain, each naming its line; empty when the chain is intact."""
    return check(path).problems


# --- searching ----------------------------------------------------------------------------------------------

def administered(user: User) -> frozenset[str]:
    """The councils in which `user` holds the admin role."""
    return frozenset(c for c, roles in user.grants.items() if Role.ADMIN in roles)


def visible(entry: Mapping[str, object], councils: Iterable[str]) -> bool:
    """An entry about one of `councils`: one naming it, or one naming no council (a sign-in, a sign-out) by a
    person holding a role there."""
    councils = set(councils)
    if entry.get("council"):
        return entry["council"] in councils
    return bool(councils.intersection(entry.get("councils") or ()))


def _haystack(entry: Mapping[str, object]) -> str:
    return " ".join(json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else str(v)
                    for k, v in entry.items() if k not in ("prev", "line") and v is not None).casefold()


def entries(path: Path, *, who: str | None = None, action: str | None = None, council: str | None = None,
            since: date | None = None, until: date | None = None, text: str | None = None,
            limit: int | None = SHOWN, councils: Iterable[str] | None = None) -> list[dict]:
    """The entries matching every filter given, newest first, at most `limit` (None: all), each with its `line`
    number. who: part of the person's id or name; since/until: UTC days, inclusive; text: anywhere in the entry;
    councils: only entries `visible` to administrators of these councils (None: every entry). Lines that are not
    entries are left out (`verify` reports them)."""
    if not path.exists():
        return []
    lines = path.read_bytes().split(b"\n")
    wanted_who, wanted_text = (who or "").casefold(), (text or "").casefold()
    scope = None if councils is None else set(councils)
    found: list[dict] = []
    for number in range(len(lines), 0, -1):
        if limit is not None and len(found) >= limit:
            break
        try:
            entry = json.loads(lines[number - 1])
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        day = str(entry.get("time", ""))[:10]
        if ((action and entry.get("action") != action) or (council and entry.get("council") != council)
                or (since and day < since.isoformat()) or (until and day > until.isoformat())
                or (wanted_who and wanted_who not in f"{entry.get('user', '')} {entry.get('name', '')}".casefold())
                or (wanted_text and wanted_text not in _haystack(entry))
                or (scope is not None and not visible(entry, scope))):
            continue
        found.append({**entry, "line": number})
    return found


CSV_HEADERS = ["Time (UTC)", "Person id", "Person", "Roles", "Council", "Action", "Target", "Filters",
               "Child records", "Child ids", "Outcome", "Request id", "Remote address", "Line", "Previous entry hash"]


def filters_text(filters: object) -> str:
    return json.dumps(filters, ensure_ascii=False, sort_keys=True) if filters else ""


def to_csv(found: Iterable[Mapping[str, object]]) -> str:
    """The entries as CSV, one row each; no cell can run as a spreadsheet formula (exports.safe_text)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    for e in found:
        writer.writerow([safe_text(v) for v in (
            e.get("time"), e.get("user"), e.get("name"), e.get("roles"), e.get("council"), e.get("action"),
            e.get("target"), filters_text(e.get("filters")), e.get("child_records"),
            " ".join(str(i) for i in e.get("child_ids") or []), e.get("outcome"), e.get("request_id"),
            e.get("remote_addr"), e.get("line"), e.get("prev"))])
    return buffer.getvalue()


# --- an administrator's search, from a URL's query ------------------------------------------------------------

SEARCH_KEYS = ("who", "action", "council", "since", "until", "text")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_SEARCH = 100


class BadSearch(ValueError):
    """A search we refuse: the status (400, or 403 for a council the person does not administer) and why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Search:
    who: str = ""
    action: str = ""
    council: str = ""
    since: date | None = None
    until: date | None = None
    text: str = ""

    def query(self) -> dict[str, str]:
        """The filters given, as URL query values (for links and for the audit entry of the search itself)."""
        return {k: v.isoformat() if isinstance(v, date) else v
                for k in SEARCH_KEYS if (v := getattr(self, k))}

    def filters(self) -> dict[str, object]:
        return {"who": self.who or None, "action": self.action or None, "council": self.council or None,
                "since": self.since, "until": self.until, "text": self.text or None}


def _words(name: str, value: str) -> str:
    value = value.strip()
    if len(value) > MAX_SEARCH or _CONTROL.search(value):
        raise BadSearch(400, f"'{name}' must be at most {MAX_SEARCH} characters of plain text")
    return value


def _day(name: str, value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        if not _DAY.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise BadSearch(400, f"'{name}' must be a date written YYYY-MM-DD, e.g. 2026-01-31") from None


def parse_search(args: Mapping[str, object], councils: Iterable[str]) -> Search:
    """The search in a URL's query, every value checked; BadSearch otherwise. `councils`: those the person
    administers (a council filter must be one of them)."""
    unknown = sorted(str(k) for k in args if k not in SEARCH_KEYS)
    if unknown:
        raise BadSearch(400, f"unknown search field(s) {', '.join(unknown)}; the fields are "
                             f"{', '.join(SEARCH_KEYS)}")
    values = {}
    for key in SEARCH_KEYS:
        value = args.get(key, "")
        if isinstance(value, list | tuple):
            if len(value) > 1:
                raise BadSearch(400, f"'{key}' is given more than once")
            value = value[0] if value else ""
        if not isinstance(value, str):
            raise BadSearch(400, f"'{key}' must be text")
        values[key] = value
    action = values["action"].strip()
    if action and action not in ACTIONS:
        raise BadSearch(400, f"'action' must be one of {', '.join(ACTIONS)}")
    council = values["council"].strip().upper()
    if council and not is_council(council):
        raise BadSearch(400, "'council' must be a council code, e.g. E06000023")
    if council and council not in set(councils):
        raise BadSearch(403, f"You do not administer {council}.")
    since, until = _day("since", values["since"]), _day("until", values["until"])
    if since and until and since > until:
        raise BadSearch(400, "'since' must not be after 'until'")
    return Search(_words("who", values["who"]), action, council, since, until, _words("text", values["text"]))


def refusal(user: User) -> str:
    """Why `user` may not search the audit log, in words for a panel or a 403."""
    if not user.signed_in:
        return "Sign in as an administrator to search the audit log."
    return (f"Your account ({user.describe()}) does not hold the admin role in any council; searching the audit "
            "log needs it.")


def download_csv() -> flask.Response:
    """`/admin/audit.csv?who=&action=&council=&since=&until=&text=`: the entries matching, for an administrator;
    403 for anyone else, 400 for a bad filter value. Each download is itself audited."""
    response_cache.dont_keep()
    user = current_user()
    councils = administered(user)
    if not councils:
        record("denied", target=CSV_PATH, outcome="signed out" if not user.signed_in else "no admin role")
        return plain(403, refusal(user))
    try:
        search = parse_search(flask.request.args.to_dict(flat=False), councils)
    except BadSearch as exc:
        return plain(exc.status, exc.message)
    found = entries(log_path(), **search.filters(), councils=councils, limit=None)
    record("export", target=PAGE_PATH, council=search.council or None, filters=search.query())
    return attachment(to_csv(found), "text/csv", "audit-log.csv")


def register(server: flask.Flask) -> None:
    server.add_url_rule(CSV_PATH, "audit_csv", download_csv)


# --- the command line ---------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard.audit", description="Check the audit log's chain.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("verify", help="count the entries and check every line's hash; exit 1 on a problem")
    p.add_argument("--log", type=Path, help="the log to check (default: SEND_AUDIT_LOG)")
    p.add_argument("--head", help="a last entry's hash noted earlier: it must still be in the log")
    args = parser.parse_args(argv)
    path = args.log or log_path()
    result = check(path, args.head)
    print(f"{path}: {result.summary()}")
    for problem in result.problems:
        print(f"  {problem}")
    if result.entries:
        print(f"The last entry's hash (note it; give it back with --head to prove no entry is cut): {result.head}")
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
