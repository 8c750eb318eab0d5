"""Result caches. The engine needs only `get(key)` and `set(key, value)`.

* In the app: flask-caching, on the file system by default, in Redis when `SEND_CACHE_REDIS_URL` is set, so
  every worker process (and every server behind one address) shares one cache (no per-process caches). A cache
  that fails (Redis gone away) costs speed, never an answer: `FailSoft`.
* Without Flask (the command line, tests, the benchmark script): `SimpleCache`, a small in-process LRU.

Keys always start with the warehouse version and the catalogue digest (see `Engine._key`), so loading a new
warehouse or changing a catalogue file invalidates everything without a flush. Nothing expires otherwise.

Settings (environment variables):
  SEND_CACHE_REDIS_URL   redis://host:6379/0 to use Redis (default: not set, use the file system)
  SEND_CACHE_DIR         folder for the file-system cache (default: <system temp>/send-dashboard-cache-<user id>;
                         made readable by its owner alone, and refused when another user owns it)
  SEND_CACHE_THRESHOLD   most entries the file-system cache keeps (default 20,000); past it the oldest quarter
                         goes in one pass (`BatchPrunedFileCache`)
"""

from __future__ import annotations

import logging
import os
import struct
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol

from flask_caching.backends.filesystemcache import FileSystemCache

from data.settings import settings

LOG = logging.getLogger(__name__)

class Cache(Protocol):
    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any) -> Any: ...


class SimpleCache:
    """A thread-safe in-process LRU cache."""

    def __init__(self, max_items: int = 1024) -> None:
        self.max_items = max_items
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def set(self, key: str, value: Any) -> bool:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)
        return True

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def cache_config() -> dict[str, Any]:
    """flask-caching configuration from the environment (see the module docstring)."""
    config = settings()
    redis_url = config.cache_redis_url
    if redis_url:
        # A Redis that stops answering is given up on within seconds (FailSoft then computes), never waited on
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url, "CACHE_DEFAULT_TIMEOUT": 0,
                "CACHE_KEY_PREFIX": "send-indicators:",
                "CACHE_OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5}}
    folder = private_folder(config.cache_dir or Path(tempfile.gettempdir()) / f"send-dashboard-cache-{os.getuid()}")
    return {"CACHE_TYPE": "indicators.cache.BatchPrunedFileCache", "CACHE_DIR": str(folder),
            "CACHE_DEFAULT_TIMEOUT": 0, "CACHE_THRESHOLD": config.cache_threshold}


class UnsafeCacheFolder(RuntimeError):
    """The cache folder belongs to another user, who could plant answers (pickles) the app would load."""


def private_folder(folder: Path) -> Path:
    """`folder`, made if missing, readable and writable by this user alone (the cache holds pickles: whoever can
    write there can make the app run code). A folder another user owns is refused, never used."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_uid != os.getuid():
        raise UnsafeCacheFolder(f"The cache folder {folder} belongs to another user, who could plant files the "
                                "dashboard would load. Set SEND_CACHE_DIR to a folder of this user's own.")
    if folder.stat().st_mode & 0o077:
        folder.chmod(0o700)
    return folder


class BatchPrunedFileCache(FileSystemCache):
    """flask-caching's file store, pruned in one pass down to three quarters of its threshold. The library removes
    just enough entries to fall under the threshold, so once full it read the whole folder at every write: a
    sample load's warm-up (3,652 results over a threshold of 2,000) spent 290 of its 377 s so."""

    LOW_WATER = 0.75

    def _prune(self) -> None:
        if not self._over_threshold():
            return
        now, found = time.time(), []
        for name in self._list_dir():
            try:
                with open(name, "rb") as entry:
                    expires = struct.unpack("I", entry.read(4))[0]  # 0: never
                found.append((not (0 < expires <= now), os.path.getmtime(name), name))
            except (OSError, struct.error):  # removed meanwhile by another worker, or half written
                continue
        found.sort()  # the expired first, then the oldest written
        surplus, removed = len(found) - int(self._threshold * self.LOW_WATER), 0
        for live, _, name in found:
            if live and removed >= surplus:
                break
            try:
                os.remove(name)
                removed += 1
            except OSError:
                continue
        self._update_count(value=len(found) - removed)


def flask_cache(server) -> Any:
    """A flask-caching `Cache` bound to the Flask `server`, configured from the environment."""
    from flask_caching import Cache as FlaskCache

    return FlaskCache(server, config=cache_config())


class FailSoft:
    """A cache whose failures are misses: a read that fails finds nothing (the caller computes), a write that
    fails is dropped, each with a warning in the log. Redis restarting or unreachable must never show a reader
    an error page. (flask-caching's file store already swallows its own errors; its Redis store raises.)"""

    def __init__(self, cache: Any) -> None:
        self.cache = cache

    def get(self, key: str) -> Any:
        try:
            return self.cache.get(key)
        except Exception as exc:  # noqa: BLE001 - any failure of the store (connection, timeout, unreadable entry)
            LOG.warning("the cache could not be read (%s): computing instead", type(exc).__name__)
            return None

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        try:
            return bool(self.cache.set(key, value, timeout=timeout))
        except Exception as exc:  # noqa: BLE001 - as in get: an answer not kept only costs speed
            LOG.warning("the cache could not be written (%s): the answer is not kept", type(exc).__name__)
            return False


def app_cache(server) -> Any:
    """The one flask-caching store of a Flask `server`, made on first use (failing soft): the engine's results,
    the app's kept answers and the signed-out sessions live in it together."""
    cache = getattr(server, "_indicator_cache", None)
    if cache is None:
        cache = server._indicator_cache = FailSoft(flask_cache(server))
    return cache
