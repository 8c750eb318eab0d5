"""The app's read-only handle on the warehouse, opened once per process and shared by cursors."""

from __future__ import annotations

import threading

import duckdb

from data.settings import warehouse_path
from data.warehouse.connect import WarehouseUnavailable, open_readonly

_lock = threading.Lock()
_connection: duckdb.DuckDBPyConnection | None = None


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor for one request. Raises WarehouseUnavailable with a message meant for the page."""
    global _connection
    with _lock:
        if _connection is None:
            _connection = open_readonly(warehouse_path())
        return _connection.cursor()


def reset() -> None:
    """Forget the connection (tests point SEND_WAREHOUSE elsewhere, or a new load was swapped in)."""
    global _connection
    with _lock:
        if _connection is not None:
            _connection.close()
        _connection = None


__all__ = ["cursor", "reset", "WarehouseUnavailable"]
