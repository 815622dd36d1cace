"""Names a module offers but defines elsewhere, loaded on first use (PEP 562): the one way the project's
modules build their module ``__getattr__``.

A module that moved some of its names out (to keep a start-up path short: issue 16) says which module holds
each, and ``__getattr__ = lazy_names(globals(), {...})`` does the rest. Written here once, and importing
nothing at start-up, because the hook sits on the start-up paths it was made to shorten.

An ``AttributeError`` raised while the other module loads (a typo, a name it imports that moved) would
otherwise reach ``from module import name`` as "cannot import name", the cause lost; it is raised again as an
``ImportError`` naming the module and the name, chained to the real error. A name not in the table is an
``AttributeError`` as usual, so ``hasattr`` and ``getattr(module, name, default)`` keep working.
"""

from __future__ import annotations

__all__ = ["lazy_names"]


def lazy_names(namespace: dict, table: dict[str, str]):
    """The module ``__getattr__`` for the module whose globals are ``namespace``: ``table`` maps each lazy
    name to the module that defines it (relative to the module's package, like ``.report_model``, or
    absolute). A loaded name is stored in ``namespace``, so the hook runs once per name."""
    owner = namespace["__name__"]
    package = namespace.get("__package__") or owner

    def __getattr__(name: str):
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {owner!r} has no attribute {name!r}")
        import importlib

        try:
            value = getattr(importlib.import_module(module, package), name)
        except AttributeError as exc:
            where = _absolute(module, package)
            raise ImportError(f"loading {where}.{name}: {exc}", name=where) from exc
        namespace[name] = value
        return value

    return __getattr__


def _absolute(module: str, package: str) -> str:
    """``module`` as an absolute name (``.x`` in package ``a.b`` is ``a.b.x``; ``..x`` is ``a.x``)."""
    level = len(module) - len(module.lstrip("."))
    if not level:
        return module
    return f"{package.rsplit('.', level - 1)[0]}.{module[level:]}"
