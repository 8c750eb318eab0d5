"""Opening the warehouse for reading. The app and the engine never open it for writing."""

from __future__ import annotations

from pathlib import Path

import duckdb


class WarehouseUnavailable(RuntimeError):
    """The warehouse is missing, truncated or not one of ours; the message says what to run."""


def open_readonly(path: str | Path) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not path.exists():
        raise WarehouseUnavailable(
            f"No warehouse at {path}. Build the sample with `python -m data sample`, or load your files with "
            f"`python -m data ingest --warehouse {path} FILES...`.")
    try:
        con = duckdb.connect(str(path), read_only=True)
        rows = dict(con.execute("SELECT key, value FROM warehouse_info").fetchall())
    except duckdb.Error as exc:
        raise WarehouseUnavailable(
            f"The warehouse at {path} is corrupt or was not built by this product ({type(exc).__name__}). "
            f"Restore {path.name}.previous or rebuild it with `python -m data ingest`.") from exc
    if "version" not in rows:
        con.close()
        raise WarehouseUnavailable(f"The warehouse at {path} has no version record; rebuild it with `python -m data ingest`.")
    return con


def warehouse_info(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT key, value FROM warehouse_info").fetchall())
