"""The file cache holds pickles: its folder is this user's alone, and one another user owns is never used."""

from __future__ import annotations

import os
import stat

import pytest

from indicators import cache
from indicators.cache import UnsafeCacheFolder, private_folder


def test_a_new_cache_folder_is_readable_by_its_owner_alone(tmp_path):
    folder = private_folder(tmp_path / "new" / "cache")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_an_open_folder_of_ours_is_closed(tmp_path):
    folder = tmp_path / "open"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    private_folder(folder)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_folder_another_user_owns_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "planted"
    folder.mkdir()
    monkeypatch.setattr(cache.os, "getuid", lambda: os.stat(folder).st_uid + 1)  # as if someone else made it
    with pytest.raises(UnsafeCacheFolder, match="belongs to another user"):
        private_folder(folder)


def test_the_default_folder_is_per_user(monkeypatch, tmp_path):
    monkeypatch.delenv("SEND_CACHE_DIR", raising=False)
    monkeypatch.delenv("SEND_CACHE_REDIS_URL", raising=False)
    monkeypatch.setattr(cache.tempfile, "gettempdir", lambda: str(tmp_path))
    config = cache.cache_config()
    assert config["CACHE_DIR"] == str(tmp_path / f"send-dashboard-cache-{os.getuid()}")
