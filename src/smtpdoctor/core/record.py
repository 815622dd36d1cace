"""Frozen, slotted value classes that behave as frozen dataclasses, without importing ``dataclasses``.

Why by hand (issue 16): ``explain`` over 405 files spends ≈ 19 ms of its ≈ 200 on ``dataclasses`` alone —
importing it brings ``inspect`` (with ``ast``, ``dis``, ``tokenize``: ≈ 9 ms), and each frozen dataclass compiles
six methods from text when it is defined (≈ 0.6 ms a class, 16 classes on the path). A :class:`Record` costs
nothing to define: its ``__init__`` is written out in the class (checked, keyword-only, as fast as the generated
one), the rest comes from this base, by the field list (``__slots__``, in order):

- equality, hash and repr as ``@dataclass(frozen=True)`` makes them (fields named in ``_nocompare`` left out of
  all three, as ``field(compare=False, repr=False)``); assigning or deleting a field raises
  ``dataclasses.FrozenInstanceError``; copy and pickle keep the values;
- to anything that asks through ``dataclasses`` (``fields``, ``replace``, ``asdict``, ``is_dataclass``: the
  secret scrubber, ``diagnose``'s code), it is a dataclass: ``__dataclass_fields__`` is made on first use from a
  dataclass of the same fields (``dataclasses`` is imported then, by whoever asks);
- ``_json``: per field, how it is written in JSON (``core.serialize.js``), read by the serializer.
"""

from __future__ import annotations

__all__ = ["Record", "replace"]

_SET = object.__setattr__


class _DataclassView:
    """``__dataclass_fields__`` / ``__dataclass_params__`` of a record class, made on first use (then kept on the
    class). A descriptor, not ``__getattr__``: a class with ``__getattr__`` has every attribute read go through
    it, ≈ 3 % of a bounce's judging."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance, owner):
        if "_fields" not in owner.__dict__:  # Record itself: not a dataclass
            raise AttributeError(self.name)
        shadow = _shadow(owner)
        setattr_ = type.__setattr__
        setattr_(owner, "__dataclass_fields__", shadow.__dataclass_fields__)
        setattr_(owner, "__dataclass_params__", shadow.__dataclass_params__)
        return getattr(owner, self.name)


def _shadow(cls: type) -> type:
    """A frozen dataclass with ``cls``'s fields, types, defaults and JSON metadata: its ``Field`` objects are
    ``cls``'s for ``dataclasses`` (whose ``replace`` then calls ``cls`` itself). A field's type is its
    ``__init__`` parameter's annotation (text, as a dataclass's is under ``from __future__ import annotations``);
    a field ``__init__`` makes rather than takes is ``object``."""
    import dataclasses

    init = cls.__init__
    types = getattr(init, "__annotations__", None) or {}
    defaults = dict(init.__kwdefaults__ or {})
    positional = init.__code__.co_varnames[1:init.__code__.co_argcount]
    defaults.update(zip(positional[len(positional) - len(init.__defaults__ or ()):], init.__defaults__ or ()))
    specs = []
    for name in cls._fields:
        hidden = name in cls._nocompare
        options = {"compare": not hidden, "repr": not hidden, "metadata": cls._json.get(name),
                   "init": name in cls._init_fields}
        if name in defaults:
            value = defaults[name]
            if isinstance(value, (list, dict, set)):
                options["default_factory"] = type(value)
            else:
                options["default"] = value
        specs.append((name, types.get(name, "object"), dataclasses.field(**options)))
    return dataclasses.make_dataclass(cls.__name__, specs, frozen=True, kw_only=True)


class Record:
    """Base of a frozen value class: give ``__slots__`` (the fields, in order) and a keyword-only ``__init__``
    that sets each with ``_SET(self, name, value)`` (``object.__setattr__``)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()
    _init_fields: tuple[str, ...] = ()
    _compared: tuple[str, ...] = ()
    _nocompare: frozenset[str] = frozenset()  # fields outside equality, hash and repr (derived caches)
    _json: dict = {}  # field name -> core.serialize.js(...) metadata
    __dataclass_fields__ = _DataclassView("__dataclass_fields__")
    __dataclass_params__ = _DataclassView("__dataclass_params__")

    def __init_subclass__(cls, **kwargs) -> None:  # the field list read once per class
        super().__init_subclass__(**kwargs)
        fields = cls.__dict__.get("__slots__")
        if fields:  # a record's subclass has its parents' fields first, as a dataclass's has
            cls._fields = fields = super(cls, cls)._fields + tuple(fields)
            cls._compared = tuple(f for f in fields if f not in cls._nocompare)
            code = cls.__init__.__code__  # the fields __init__ takes (a derived cache is made by it, not given)
            params = set(code.co_varnames[1:code.co_argcount + code.co_kwonlyargcount])
            cls._init_fields = tuple(f for f in fields if f in params)

    def _values(self) -> tuple:
        return tuple([getattr(self, f) for f in self._compared])

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return self._values() == other._values()
        return NotImplemented

    def __hash__(self):
        return hash(self._values())

    def __repr__(self) -> str:
        inner = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._compared)
        return f"{type(self).__qualname__}({inner})"

    def __setattr__(self, name, value):
        import dataclasses

        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name):
        import dataclasses

        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __getstate__(self):
        return [getattr(self, f) for f in self._fields]

    def __setstate__(self, state):
        for name, value in zip(self._fields, state):
            _SET(self, name, value)


def replace(obj, **changes):
    """``dataclasses.replace`` for a record (and, through it, for a dataclass): a copy with ``changes``."""
    if not isinstance(obj, Record):
        import dataclasses

        return dataclasses.replace(obj, **changes)
    values = {f: getattr(obj, f) for f in obj._init_fields}
    values.update(changes)
    return type(obj)(**values)
