"""The file cache past its threshold: one pass drops the expired entries and then the oldest, down to three
quarters of the threshold, so a full cache does not read its whole folder again at every write.

Threshold 10, so the low-water mark is 7. Keys k0..k10 are written one second apart (their files' times set so),
11 entries: the write of k10 pruned nothing (10 entries then, not over 10). Writing k11 finds 11 > 10: 11 - 7 = 4
entries go, the oldest (k0, k1, k2, k3), and k11 is written: 8 entries, k4..k11."""

from __future__ import annotations

import os

from indicators import cache


def _store(folder, threshold=10):
    return cache.BatchPrunedFileCache(str(folder), threshold=threshold, default_timeout=0)


def _age(store, key: str, seconds: float) -> None:
    path = store._get_filename(key)
    os.utime(path, (seconds, seconds))


def test_past_the_threshold_the_oldest_go_down_to_three_quarters(tmp_path):
    store = _store(tmp_path)
    for i in range(11):
        store.set(f"k{i}", i)
        _age(store, f"k{i}", 1_000_000 + i)
    store.set("k11", 11)
    assert [k for k in (f"k{i}" for i in range(12)) if store.has(k)] == [f"k{i}" for i in range(4, 12)]
    assert store._file_count == 8
    assert store.get("k11") == 11 and store.get("k4") == 4


def test_an_expired_entry_goes_before_an_older_live_one(tmp_path, monkeypatch):
    """k5 is the newest but expired: with it gone first, only 3 live entries (k0, k1, k2) need go."""
    store = _store(tmp_path)
    for i in range(11):
        store.set(f"k{i}", i, timeout=60 if i == 5 else 0)
        _age(store, f"k{i}", 1_000_000 + (100 if i == 5 else i))
    later = cache.time.time() + 3600
    monkeypatch.setattr(cache.time, "time", lambda: later)
    store.set("k11", 11)
    monkeypatch.undo()
    kept = [k for k in (f"k{i}" for i in range(12)) if os.path.exists(store._get_filename(k))]
    assert kept == ["k3", "k4", "k6", "k7", "k8", "k9", "k10", "k11"]
