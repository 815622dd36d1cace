"""Knowledge files (TOML) parsed once per change, the way Python caches byte-code.

``tomllib`` is pure Python: parsing the knowledge a diagnosis reads (27 finding files, the reply rules,
the presets, the blocklist catalogue) costs ~40 ms of CPU in every process, and the start-up of a
command is what issue 16 measures. The parsed document is kept beside the file in ``__pycache__`` (or
under ``sys.pycache_prefix``) as :mod:`marshal` data, keyed by the file's size and modification time;
nothing is written when Python writes no byte-code (``PYTHONDONTWRITEBYTECODE``, ``-B``) or the folder is
not writable. TOML's dates and times, which marshal cannot hold, are kept as tagged tuples (a TOML
document has no tuples) and made dates again on load: the presets and the bulk-sender rules carry dates,
and were parsed in every process (~7 ms of CPU). No library does this: tomllib has no cache, and pickling
would run code on load, marshal does not. tomllib itself is imported only to parse.
"""

from __future__ import annotations

import marshal
import os
import sys

TYPE_CHECKING = False  # typing loads after a command's first questions leave (issue 16)
if TYPE_CHECKING:
    from typing import Any, Callable, Collection

__all__ = ["knowledge_toml", "load_toml", "knowledge_derived", "load_derived"]

_TAG = f"{sys.implementation.cache_tag}-m{marshal.version}-d1"
_DATED = "\x00toml-dated"  # first item of a tuple that stands for a date, a time or a date-time


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
    cached = cache_path(path)
    try:
        with open(cached, "rb") as fh:
            stored_key, dated, data = marshal.loads(fh.read())  # load(fh) reads the file a few bytes at a time
        if tuple(stored_key) == key:
            return _undated(data) if dated else data
    except (OSError, EOFError, ValueError, TypeError):
        pass
    with open(path, "rb") as fh:
        data = _parse(fh)
    if not sys.dont_write_bytecode:
        _store(cached, key, data)
    return data


def _parse(fh) -> dict[str, Any]:
    import tomllib

    return tomllib.load(fh)


def _dated(value: Any, found: list) -> Any:
    """``value`` with each date, time and date-time as a tagged tuple (``found`` gets one item if any)."""
    import datetime as dt

    if isinstance(value, dict):
        return {k: _dated(v, found) for k, v in value.items()}
    if isinstance(value, list):
        return [_dated(v, found) for v in value]
    if isinstance(value, (dt.date, dt.time)):  # a datetime is a date too
        found[:] = [True]
        return (_DATED, type(value).__name__, value.isoformat())
    return value


def _undated(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _undated(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_undated(v) for v in value]
    if isinstance(value, tuple) and len(value) == 3 and value[0] == _DATED:
        import datetime as dt

        return getattr(dt, value[1]).fromisoformat(value[2])
    return value


def knowledge_derived(name: str, label: str, version: bytes, compute: Callable[[], Any]) -> Any:
    """Data computed from the packaged knowledge file ``name`` (see :func:`load_derived`); computed each time
    when the files are not plain files (a zip)."""
    folder = knowledge_folder()
    return compute() if folder is None else load_derived(os.path.join(folder, name), label, version, compute)


def load_derived(path: str, label: str, version: bytes, compute: Callable[[], Any]) -> Any:
    """``compute()`` (marshal-able values only), cached beside the parsed file at ``path`` under ``label``:
    kept while the file's size and modification time and ``version`` (what computed it, e.g. the marshalled
    code of the functions) are unchanged. For work done on the file's data in every process: the reply
    rules' required literals were 9 ms of CPU per ``explain`` run."""
    st = os.stat(path)
    key = (st.st_size, st.st_mtime_ns, version)
    cached = cache_path(path).removesuffix(".marshal") + f".{label}.marshal"
    try:
        with open(cached, "rb") as fh:
            stored_key, data = marshal.loads(fh.read())
        if tuple(stored_key) == key:
            return data
    except (OSError, EOFError, ValueError, TypeError):
        pass
    data = compute()
    if not sys.dont_write_bytecode:
        try:
            write_atomic(cached, marshal.dumps((key, data)))
        except ValueError:  # not marshal-able: computed each time
            pass
    return data


def cache_path(path: str) -> str:
    """Where data derived from ``path`` is kept: beside its byte-code (``__pycache__``, or under
    ``sys.pycache_prefix``), as Python keeps a module's."""
    folder, name = os.path.split(os.path.abspath(path))
    if sys.pycache_prefix:
        drive, rest = os.path.splitdrive(folder)
        return os.path.join(sys.pycache_prefix, rest.lstrip(os.sep), f"{name}.{_TAG}.marshal")
    return os.path.join(folder, "__pycache__", f"{name}.{_TAG}.marshal")


def _store(cached: str, key: tuple[int, int], data: dict[str, Any]) -> None:
    found: list = []
    data = _dated(data, found)
    try:
        blob = marshal.dumps((key, bool(found), data))
    except ValueError:  # nothing TOML gives should reach here; if it does, the file is parsed each time
        return
    write_atomic(cached, blob)


def read_cache(cached: str, version: object) -> dict:
    """The dict kept at ``cached`` as ``(version, dict)`` marshal data, or ``{}`` (none, damaged, another version)."""
    try:
        with open(cached, "rb") as fh:
            kept, entries = marshal.loads(fh.read())  # load(fh) reads a few bytes at a time
        if kept == version and isinstance(entries, dict):
            return entries
    except (OSError, EOFError, ValueError, TypeError):
        pass
    return {}


def add_to_cache(cached: str, version: object, new: dict, *, limit: int = 0, keep: Collection = ()) -> bool:
    """Add ``new`` to the dict kept at ``cached`` (:func:`read_cache`); past ``limit`` entries only ``new`` and the
    keys in ``keep`` stay. Processes that end together would each read the file, add theirs and replace it whole,
    the last one dropping what the others added: the read and the write are made under a lock on a file beside
    it (where the system has ``fcntl``; elsewhere, last wins). Nothing is written when Python writes no
    byte-code or the folder is not ours to write; False then."""
    if sys.dont_write_bytecode or not new:
        return False
    try:
        os.makedirs(os.path.dirname(cached), exist_ok=True)
        lock = os.open(cached + ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return False
    try:
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        except (ImportError, OSError):
            pass
        entries = {**read_cache(cached, version), **new}
        if limit and len(entries) > limit:
            entries = {key: value for key, value in entries.items() if key in new or key in keep}
        try:
            blob = marshal.dumps((version, entries))
        except ValueError:  # not marshal-able: made again each time
            return False
        write_atomic(cached, blob)
        return True
    finally:
        os.close(lock)  # and with it the lock


def write_atomic(cached: str, blob: bytes) -> None:
    """Write ``blob`` to ``cached`` whole or not at all (a folder we may not write to: nothing is kept)."""
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
