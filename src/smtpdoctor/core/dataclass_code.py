"""The methods :mod:`dataclasses` writes, compiled once instead of in every process (issue 16).

A data class's ``__init__``, ``__repr__``, ``__eq__``, ``__hash__`` and, when frozen, ``__setattr__`` and
``__delattr__`` are written by ``dataclasses`` as source text and compiled with ``exec`` each time the class
is defined: about 80 µs per method, 22 ms of CPU for the 48 classes a domain audit defines, a sixth of its
whole process. The text depends only on the class's fields and options, so the compiled code is the same
in every process. :func:`install` makes ``dataclasses`` compile through :func:`_exec`, which keeps each
text's code object; :func:`save` writes them, as :mod:`marshal` data (what byte code is made of), beside the
package's byte code (``__pycache__`` or ``sys.pycache_prefix``, as ``core/toml_cache.py`` keeps knowledge),
and the next process loads them instead of compiling. The key is the whole source text, and the file is per
interpreter version (its name carries the byte code's tag), so a stale entry cannot be used: a changed class
writes a different text. Nothing is written when Python writes no byte code or the folder is not writable.

No library does this, and ``dataclasses`` has no hook for it: it calls the built-in ``exec`` by name, and
that name is given a module global of its own here (a text is compiled exactly as ``exec`` would compile it:
no ``__future__`` flag of the caller, file name ``<string>``). Anything but a text goes to ``exec`` as is.
"""

from __future__ import annotations

import marshal
import os
import sys

__all__ = ["install", "save"]

_MAX = 4000  # entries kept: a file of every data class the commands define is a few hundred
_codes: dict[str, object] = {}  # source text -> its code object: loaded, then compiled by this process
_used: set[str] = set()
_new = False  # this process compiled a text the file did not have
_path: str | None = None


def install() -> None:
    """From now on, data classes defined in this process reuse the methods earlier processes compiled (once
    per process; a no-op when installed already)."""
    global _path
    import dataclasses

    if dataclasses.__dict__.get("exec") is _exec:
        return
    _path = _cache_file()
    if _path is not None:
        try:
            with open(_path, "rb") as fh:
                tag, codes = marshal.loads(fh.read())
            if tag == sys.implementation.cache_tag and isinstance(codes, dict):
                _codes.update(codes)
        except (OSError, EOFError, ValueError, TypeError):
            pass
    dataclasses.exec = _exec  # dataclasses' own global: it shadows the built-in for that module only


def _exec(source, globals=None, locals=None, /):
    global _new
    if type(source) is str:
        code = _codes.get(source)
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)  # as exec(str) from dataclasses.py
            _codes[source] = code
            _new = True
        _used.add(source)
        source = code
    return exec(source, globals, locals)


def save() -> None:
    """Write what this process compiled, with what the file had (only the texts this process used when they
    grow past a bound). Nothing when nothing is new, or byte code is not written."""
    global _new
    if not _new or _path is None or sys.dont_write_bytecode:
        return
    _new = False
    codes = _codes if len(_codes) <= _MAX else {text: _codes[text] for text in _used}
    from .toml_cache import write_atomic

    try:
        write_atomic(_path, marshal.dumps((sys.implementation.cache_tag, codes)))
    except ValueError:
        pass


def _cache_file() -> str | None:
    if sys.implementation.cache_tag is None:
        return None
    from .toml_cache import cache_path

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return cache_path(os.path.join(package, "__init__.py")).removesuffix(".marshal") + ".dataclasses.marshal"
