"""Knowledge TOML kept parsed beside the file, as byte-code is: same document, fresh after a change."""

from __future__ import annotations

import os
import sys

import pytest

from smtpdoctor.core import toml_cache
from smtpdoctor.core.toml_cache import knowledge_toml, load_toml


@pytest.fixture
def writes_cache(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    return tmp_path


def _cache_files(folder) -> list[str]:
    cache = folder / "__pycache__"
    return sorted(os.listdir(cache)) if cache.exists() else []


def test_second_read_comes_from_the_cache_and_equals_the_parse(writes_cache, monkeypatch):
    path = writes_cache / "rules.toml"
    path.write_text('[a]\nname = "x"\nlist = [1, 2.5, true]\n[a.b]\nc = "d"\n', encoding="utf-8")
    first = load_toml(str(path))
    assert first == {"a": {"name": "x", "list": [1, 2.5, True], "b": {"c": "d"}}}
    assert [n for n in _cache_files(writes_cache) if n.startswith("rules.toml.")]  # written beside the file
    monkeypatch.setattr(toml_cache, "_parse", lambda fh: pytest.fail("parsed again"))
    assert load_toml(str(path)) == first


def test_a_changed_file_is_parsed_again(writes_cache):
    path = writes_cache / "rules.toml"
    path.write_text('v = "old"\n', encoding="utf-8")
    assert load_toml(str(path)) == {"v": "old"}
    path.write_text('v = "newer"\n', encoding="utf-8")  # another size
    assert load_toml(str(path)) == {"v": "newer"}
    path.write_text('v = "other"\n', encoding="utf-8")  # same size, later mtime
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 1_000_000_000))
    assert load_toml(str(path)) == {"v": "other"}


def test_dates_and_times_come_back_from_the_cache_as_parsed(writes_cache, monkeypatch):
    import datetime as dt

    path = writes_cache / "dated.toml"
    path.write_text("since = 2024-02-01\nat = 2024-02-01T10:20:30.5+02:00\nlocal = 2024-02-01T10:20:30\n"
                    "clock = 07:32:00\n[[rules]]\nuntil = [2025-01-01, \"text\"]\n", encoding="utf-8")
    first = load_toml(str(path))
    assert first["since"] == dt.date(2024, 2, 1) and first["clock"] == dt.time(7, 32)
    assert first["at"].utcoffset() == dt.timedelta(hours=2) and first["local"].tzinfo is None
    assert [n for n in _cache_files(writes_cache) if n.startswith("dated.toml.")]
    monkeypatch.setattr(toml_cache, "_parse", lambda fh: pytest.fail("parsed again"))
    again = load_toml(str(path))
    assert again == first
    assert {k: type(v) for k, v in again.items()} == {k: type(v) for k, v in first.items()}
    assert type(again["rules"][0]["until"][0]) is dt.date


def test_nothing_is_written_without_byte_code(writes_cache, monkeypatch):
    plain = writes_cache / "plain.toml"
    plain.write_text("n = 1\n", encoding="utf-8")
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    assert load_toml(str(plain)) == {"n": 1}
    assert _cache_files(writes_cache) == []


def test_a_damaged_cache_is_ignored(writes_cache):
    path = writes_cache / "rules.toml"
    path.write_text("n = 2\n", encoding="utf-8")
    load_toml(str(path))
    [name] = _cache_files(writes_cache)
    (writes_cache / "__pycache__" / name).write_bytes(b"\x00garbage")
    assert load_toml(str(path)) == {"n": 2}


def test_pycache_prefix_is_honoured(writes_cache, monkeypatch):
    prefix = writes_cache / "prefix"
    monkeypatch.setattr(sys, "pycache_prefix", str(prefix))
    path = writes_cache / "k.toml"
    path.write_text("n = 3\n", encoding="utf-8")
    assert load_toml(str(path)) == {"n": 3}
    assert _cache_files(writes_cache) == []
    assert any(name.startswith("k.toml.") for _, _, names in os.walk(prefix) for name in names)


def test_the_packaged_knowledge_reads_as_the_file_parses():
    import tomllib
    from importlib import resources

    text = resources.files("smtpdoctor.knowledge").joinpath("findings", "auth.toml").read_text(encoding="utf-8")
    assert knowledge_toml("findings", "auth.toml") == tomllib.loads(text)


def test_derived_data_is_computed_once_and_again_after_a_change_of_file_or_version(writes_cache):
    path = writes_cache / "rules.toml"
    path.write_text('v = "old"\n', encoding="utf-8")
    calls = []

    def compute():
        calls.append(1)
        return {("a", 0): ("x", "y"), ("b", 16): None}

    first = toml_cache.load_derived(str(path), "needs", b"v1", compute)
    assert first == {("a", 0): ("x", "y"), ("b", 16): None} and len(calls) == 1
    assert toml_cache.load_derived(str(path), "needs", b"v1", compute) == first and len(calls) == 1
    toml_cache.load_derived(str(path), "needs", b"v2", compute)  # the code that computes it changed
    assert len(calls) == 2
    path.write_text('v = "newer"\n', encoding="utf-8")
    toml_cache.load_derived(str(path), "needs", b"v2", compute)
    assert len(calls) == 3


def test_derived_data_is_not_written_without_byte_code(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    path = tmp_path / "rules.toml"
    path.write_text('v = 1\n', encoding="utf-8")
    assert toml_cache.load_derived(str(path), "needs", b"v1", lambda: {"k": 1}) == {"k": 1}
    assert _cache_files(tmp_path) == []
