"""Knowledge files (TOML) parsed once per change, the way Python caches byte-code.

``tomllib`` is pure Python: parsing the knowledge a diagnosis reads (27 finding files, the reply rules,
the presets, the blocklist catalogue) costs ~40 ms of CPU in every process, and the start-up of a
command is what issue 16 measures. The parsed document is kept beside the file in ``__pycache__`` (or
under ``sys.pycache_prefix``) as :mod:`marshal` data, keyed by the file's size and modification time;
nothing is written when Python writes no byte-code (``PYTHONDONTWRITEBYTECODE``, ``-B``) or the folder is
not writable, and a document marshal cannot hold (TOML dates) is simply parsed each time. No library
does this: tomllib has no cache, and pickling would run code on load, marshal does not.
"""

from __future__ import annotations

import marshal
import os
import sys
from typing import Any

__all__ = ["knowledge_toml", "load_toml"]

_TAG = f"{sys.implementation.cache_tag}-m{marshal.version}"


def knowledge_toml(*parts: str) -> dict[str, Any]:
    """The packaged knowledge file ``parts`` (e.g. ``"findings", "auth.toml"``), parsed."""
    folder = knowledge_folder()
    if folder is not None:
        return load_toml(os.path.join(folder, *parts))
    from importlib import resources  # a zipped install: no folder to cache in

    import tomllib

    return tomllib.loads(resources.files("smtpdoctor.knowledge").joinpath(*parts).read_text(encoding="utf-8"))


def knowledge_folder() -> str | None:
    """The folder of the packaged knowledge files, or ``None`` when they are not plain files (a zip).
    Found without ``importlib.resources``, which imports zipfile, tempfile and more (~10 ms)."""
    import smtpdoctor.knowledge

    folder = os.path.dirname(smtpdoctor.knowledge.__file__ or "")
    return folder if folder and os.path.isdir(folder) else None


def load_toml(path: str) -> dict[str, Any]:
    """The TOML file at ``path``, from its cache when the file has not changed since it was made."""
    st = os.stat(path)
    key = (st.st_size, st.st_mtime_ns)
    cached = _cache_path(path)
    try:
        with open(cached, "rb") as fh:
            stored_key, data = marshal.load(fh)
        if tuple(stored_key) == key:
            return data
    except (OSError, EOFError, ValueError, TypeError):
        pass
    import tomllib  # only when the cache is stale: ~3 ms of imports

    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    if not sys.dont_write_bytecode:
        _store(cached, key, data)
    return data


def _cache_path(path: str) -> str:
    folder, name = os.path.split(os.path.abspath(path))
    if sys.pycache_prefix:
        drive, rest = os.path.splitdrive(folder)
        return os.path.join(sys.pycache_prefix, rest.lstrip(os.sep), f"{name}.{_TAG}.marshal")
    return os.path.join(folder, "__pycache__", f"{name}.{_TAG}.marshal")


def _store(cached: str, key: tuple[int, int], data: dict[str, Any]) -> None:
    try:
        blob = marshal.dumps((key, data))
    except ValueError:  # a value marshal cannot hold (a TOML date): parse it each time
        return
    tmp = f"{cached}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(cached), exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(blob)
        os.replace(tmp, cached)  # readers see the old cache or the new one, never half of one
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
