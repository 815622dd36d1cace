"""The methods :mod:`dataclasses` writes, compiled once instead of in every process (issue 16).

A data class's ``__init__``, ``__repr__``, ``__eq__``, ``__hash__`` and, when frozen, ``__setattr__`` and
``__delattr__`` are written by ``dataclasses`` as source text and compiled with ``exec`` each time the class
is defined: about 80 µs per method, 22 ms of CPU for the 48 classes a domain audit defines, a sixth of its
whole process. The text depends only on the class's fields and options, so the compiled code is the same
in every process. :func:`install` (the program's entry point calls it for every command) makes
``dataclasses`` compile through :func:`_exec` — at once when it is loaded already, else when something first
imports it (a command that defines no data class, as ``explain`` over bounces, never loads it); ``_exec`` keeps
each text's code object, and at exit the new ones are added, as :mod:`marshal` data (what byte code is made
of), to a file beside the package's byte code (``__pycache__`` or ``sys.pycache_prefix``, as
``core/toml_cache.py`` keeps knowledge): the next process loads them instead of compiling. The key is the
whole source text, and the file is per interpreter (it holds the exact ``sys.version``), so a stale entry
cannot be used: a changed class writes a different text. Nothing is written when Python writes no byte code
or the folder is not writable.

No library does this, and ``dataclasses`` has no hook for it: it calls the built-in ``exec`` by name, and
that name is given a module global of its own here (a text is compiled exactly as ``exec`` would compile it:
no ``__future__`` flag of the caller, file name ``<string>``). Anything but a text goes to ``exec`` as is.
"""

from __future__ import annotations

import os
import sys

__all__ = ["install", "save"]

_VERSION = sys.version  # code objects are read back only by the interpreter that made them
_MAX = 4000  # entries kept: a file of every data class the commands define is a few hundred
_codes: dict[str, object] | None = None  # source text -> its code object: read on the first class defined
_new: dict[str, object] = {}  # compiled by this process, not in the file yet
_used: set[str] = set()


def install() -> None:
    """From now on, data classes defined in this process reuse the methods earlier processes compiled; their
    ``dataclasses`` is not imported for that (a no-op when installed already)."""
    module = sys.modules.get("dataclasses")
    if module is not None:
        module.exec = _exec  # dataclasses' own global: it shadows the built-in for that module only
    elif not any(isinstance(finder, _OnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _OnImport())


class _OnImport:
    """A finder that answers only for ``dataclasses``: the spec the other finders give, with a loader that gives
    the module :func:`_exec` as its ``exec`` before the module's code runs; it leaves ``sys.meta_path`` once
    that module is loaded (a look-up alone, ``importlib.util.find_spec``, loads nothing and keeps it)."""

    def find_spec(self, name, path=None, target=None):
        if name != "dataclasses":
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)  # as importlib does: a finder of the old protocol is passed
            if finder is self or find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _Loader(spec.loader, self)  # this spec's own: a loader shared by other modules is not changed
        return spec


class _Loader:
    """``dataclasses``' loader, but that the module has :func:`_exec` as its ``exec``."""

    def __init__(self, loader, finder: _OnImport) -> None:
        self.loader, self.finder = loader, finder

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        if self.finder in sys.meta_path:
            sys.meta_path.remove(self.finder)
        module.exec = _exec
        self.loader.exec_module(module)

    def __getattr__(self, name: str):  # get_source, is_package, ...: the real loader's
        return getattr(self.loader, name)


def _exec(source, globals=None, locals=None, /):
    global _codes
    if globals is None:  # not how dataclasses calls it: run where the caller runs, as the built-in would
        caller = sys._getframe(1)
        globals, locals = caller.f_globals, caller.f_locals if locals is None else locals
    if type(source) is str:
        if _codes is None:
            from .toml_cache import read_cache

            path = _cache_file()
            _codes = read_cache(path, _VERSION) if path else {}
        code = _codes.get(source)
        if code is None:
            code = compile(source, "<string>", "exec", dont_inherit=True)  # as exec(str) from dataclasses.py
            _codes[source] = _new[source] = code
            if len(_new) == 1:
                import atexit

                atexit.register(save)
        _used.add(source)
        source = code
    return exec(source, globals, locals)


def save() -> None:
    """Add what this process compiled to the file (past a bound, only the texts this process used stay).
    Nothing when nothing is new, or byte code is not written; also run at exit."""
    path = _cache_file()
    if path is not None and _new:
        from .toml_cache import add_to_cache

        if add_to_cache(path, _VERSION, _new, limit=_MAX, keep=_used):
            _new.clear()


def _cache_file() -> str | None:
    if sys.implementation.cache_tag is None:
        return None
    from .toml_cache import cache_path

    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return cache_path(os.path.join(package, "__init__.py")).removesuffix(".marshal") + ".dataclasses.marshal"
