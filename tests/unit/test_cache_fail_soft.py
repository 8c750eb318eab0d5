"""The app's cache fails soft: with Redis unreachable a read is a miss and a write is dropped, never an error."""

from __future__ import annotations

import logging

import flask

from bench.server import free_port
from indicators import cache


def test_an_unreachable_redis_is_a_miss_not_an_error(monkeypatch, caplog):
    monkeypatch.setenv("SEND_CACHE_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    store = cache.app_cache(flask.Flask("fail-soft"))
    with caplog.at_level(logging.WARNING, logger="indicators.cache"):
        assert store.get("a key") is None
        assert store.set("a key", 1) is False
    assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
        "the cache could not be read", "the cache could not be written"]
    assert "ConnectionError" in caplog.records[0].getMessage()


def test_a_working_store_is_used_as_it_is(monkeypatch, tmp_path):
    monkeypatch.delenv("SEND_CACHE_REDIS_URL", raising=False)
    monkeypatch.setenv("SEND_CACHE_DIR", str(tmp_path))
    store = cache.app_cache(flask.Flask("files"))
    assert store.get("k") is None
    assert store.set("k", {"n": 3}) is True and store.get("k") == {"n": 3}
    assert store.set("gone", 1, timeout=1) is True
