"""Opening the warehouse for reading. The app and the engine never open it for writing.

A load writes a new file and swaps it in under the live name (`data.ingest.swap_in`), so a long-running app
must be able to tell that the name now points at another file and open that one. Two things make it so:

- `identity` says which file the name points at now (device, inode, size, modification time): a swapped-in
  load is another file, so its identity differs even when the name does not.
- `open_readonly` gives each connection a DuckDB instance of its own (an in-memory one, with the warehouse
  attached read-only as its only database). `duckdb.connect(path)` would instead hand back the instance of
  any connection still open on the same path in this process, because DuckDB caches instances by path, not by
  file: after a swap it would go on reading the old file. With an instance of its own, a new connection reads
  the file the name points at now, while an older one finishes its work on the old file, undisturbed, until
  it is closed.

Once the file is attached, the connection is shut off from everything else: `enable_external_access=false`
(no reading or writing other files, no ATTACH, no extensions installed or loaded, no URLs) and
`lock_configuration` (no SET may undo that). Even a query an attacker wrote could then only read the warehouse.
The loader (`data.ingest`) writes with a connection of its own and never uses this one.

A warehouse of several councils is read one council at a time (`scope`): a temporary view per council table,
narrowed to one council's rows, stands in for the table under its own name, so every query the engine runs
(family queries, quality rules, clocks, case lists, facts) reads that council's figures exactly as a warehouse
of it alone would give them, without naming the council. Temporary views belong to the one connection (cursor)
that made them and the warehouse itself stays read-only.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import socket
from pathlib import Path

import duckdb

from data.settings import settings
from data.warehouse.model import COUNCIL_TABLES

_INSTANCES = itertools.count(1)  # this process's DuckDB instances, each with spill space of its own
# This host in a spill folder's name, so a sweep of dead processes' folders in a folder hosts share never takes
# another host's (its process ids mean nothing here)
HOST = re.sub(r"[^A-Za-z0-9.]", "-", socket.gethostname())[:40] or "host"
_swept: set[Path] = set()  # the spill places this process has swept
ALIAS = "warehouse"  # the attached file's name inside the connection; queries never need to write it


class WarehouseUnavailable(RuntimeError):
    """The warehouse is missing, truncated or not one of ours; the message says what to run."""


def _missing(path: Path) -> WarehouseUnavailable:
    return WarehouseUnavailable(
        f"No warehouse at {path}. Build the sample with `python -m data sample`, or load your files with "
        f"`python -m data ingest --warehouse {path} FILES...`.")


def running(pid: int) -> bool:
    """Whether process `pid` runs on this host (another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_spills(folder: Path, prefix: str) -> list[Path]:
    """Remove the spill folders (`<prefix><host>-<pid>-<n>`) of this host's processes that no longer run: a
    DuckDB instance removes its own on closing, but a worker killed mid-query cannot, and a spilled query can
    leave gigabytes. Returns what it removed."""
    pattern = re.compile(re.escape(prefix + HOST) + r"-(\d+)-\d+")
    removed = []
    with contextlib.suppress(OSError):  # a folder this process may not list: nothing to sweep
        for path in sorted(folder.glob(f"{prefix}{HOST}-*")):
            found = pattern.fullmatch(path.name)
            if found and int(found[1]) != os.getpid() and not running(int(found[1])):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def remedy(path: Path) -> str:
    """What to run for an unreadable warehouse: put the previous load back when a load kept one."""
    previous = path.with_name(path.name + ".previous")
    rebuild = f"`python -m data ingest --warehouse {path} FILES...`"
    if previous.exists():
        return (f"The load before it is kept as {previous.name}: put it back with `python -m data rollback "
                f"--warehouse {path}` (the damaged file is kept as {path.name}.rejected), or load your files again "
                f"with {rebuild}.")
    return f"No previous load is kept beside it: load your files again with {rebuild}."


def identity(path: str | Path) -> tuple[int, int, int, int]:
    """Which file `path` names now: a new load swapped in under the same name has another identity."""
    try:
        stat = Path(path).stat()
    except FileNotFoundError:
        raise _missing(Path(path)) from None
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns


def open_readonly(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse on a DuckDB instance shared with no other connection. Its
    cursors start in the warehouse too (the instance's own in-memory database is detached)."""
    path = Path(path)
    if not path.exists():
        raise _missing(path)
    # Spill space beside the warehouse, as DuckDB would choose for the file itself (not the working folder),
    # unless SEND_TEMP_DIR names another folder: a read-only mount has no room beside the file. Each instance
    # spills into a folder of its own, since instances sharing one can overwrite each other's files; DuckDB
    # makes it when it first spills and removes it on closing, but makes no parent folder.
    instance = f"{HOST}-{os.getpid()}-{next(_INSTANCES)}"
    configured = settings().temp_dir
    if configured:
        with contextlib.suppress(OSError):  # unwritable: a query that must spill then says so
            Path(configured).mkdir(parents=True, exist_ok=True)
        spill = Path(configured) / f"instance-{instance}"
    else:
        spill = path.with_name(f"{path.name}.tmp-{instance}")
    if spill.parent not in _swept:  # once a process: what killed workers before this one left behind
        _swept.add(spill.parent)
        remove_stale_spills(spill.parent, spill.name.removesuffix(instance))
    con = duckdb.connect(config={"temp_directory": str(spill)})
    try:
        con.execute(f"ATTACH $path AS {ALIAS} (READ_ONLY)", {"path": str(path)})
        con.execute(f"USE {ALIAS}")
        con.execute("DETACH memory")
        con.execute("SET enable_progress_bar = false")
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        rows = dict(con.execute("SELECT key, value FROM warehouse_info").fetchall())
    except duckdb.Error as exc:
        con.close()
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, duckdb.IOException) and any(w in reason.lower() for w in ("lock", "permission denied")):
            # Not damage, so no rollback: another program holds the file for writing, or this user may not read it
            raise WarehouseUnavailable(
                f"The warehouse at {path} cannot be opened now ({reason}). The file is not damaged: stop the program "
                "that holds it open for writing (a load never does: it writes a copy and swaps it in), or let the "
                "dashboard's user read it.") from exc
        raise WarehouseUnavailable(f"The warehouse at {path} cannot be read: it is damaged (truncated or corrupt) or "
                                   f"was not built by this product ({type(exc).__name__}). {remedy(path)}") from exc
    if "version" not in rows:
        con.close()
        raise WarehouseUnavailable(f"The warehouse at {path} has no version record; rebuild it with `python -m data ingest`.")
    return con


def _name(database: str) -> str:
    """A database's name as SQL spells an identifier: a file called my-warehouse.duckdb attaches as my-warehouse."""
    return '"' + database.replace('"', '""') + '"'


def warehouse_info(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM warehouse_info").fetchall())


def councils(con: duckdb.DuckDBPyConnection, database: str = ALIAS) -> list[str]:
    """The councils the attached warehouse holds, home council first (none for one built before councils)."""
    found = con.execute("""SELECT count(*) FROM duckdb_tables() WHERE database_name = $db AND table_name = 'loads'""",
                        {"db": database}).fetchone()[0]
    if not found:
        return []
    return [r[0] for r in con.execute(f"SELECT la_code FROM {_name(database)}.loads ORDER BY position").fetchall()]  # noqa: S608


def home_council(con: duckdb.DuckDBPyConnection, database: str = ALIAS) -> str | None:
    """The council to narrow a warehouse of several councils to (the home council, `local_la_code`, the first
    loaded); None for a warehouse of one council, read as it is."""
    held = councils(con, database)
    if len(held) < 2:
        return None
    info = dict(con.execute(f"SELECT key, value FROM {_name(database)}.main.warehouse_info").fetchall())  # noqa: S608
    return info.get("local_la_code") or held[0]


def council_tables(con: duckdb.DuckDBPyConnection, database: str = ALIAS) -> set[str]:
    """The tables of the attached warehouse whose rows belong to a council (those with their `la_code`: facts
    stored before they carried it are left whole, and unread, see `indicators.facts`)."""
    present = {r[0] for r in con.execute("""SELECT table_name FROM duckdb_columns()
                                             WHERE database_name = $db AND column_name = 'la_code'""",
                                         {"db": database}).fetchall()}
    return present & set(COUNCIL_TABLES)


def tables_named(sql: str, tables: set[str]) -> set[str]:
    """Those of `tables` whose names the query's text holds anywhere (quoted, in any case): never one too few."""
    return tables & set(re.findall(r"[a-z_][a-z0-9_]*", sql.lower()))


def scope(con: duckdb.DuckDBPyConnection, council: str, tables: set[str] | None = None,
          database: str = ALIAS) -> None:
    """Narrow `con` (a connection or cursor) to one council: a temporary view per council table of the attached
    warehouse `database` (or of `tables`, those a query names: a view costs about a millisecond), holding that
    council's rows only, answers to the table's name from then on (temporary objects are found first). Call again
    to move the scope to another council."""
    if not re.fullmatch(r"[A-Za-z0-9]*", council):
        raise ValueError(f"not a council code: {council!r}")
    tables = council_tables(con, database) if tables is None else tables & set(COUNCIL_TABLES)
    # the code is checked above and the table names are ours: a view's text cannot take parameters
    views = [f'CREATE OR REPLACE TEMP VIEW "{table}" AS SELECT * FROM {_name(database)}.main."{table}" '  # noqa: S608
             f"WHERE la_code = '{council}'" for table in sorted(tables)]
    if views:
        con.execute(";\n".join(views))
