"""The one JSON serializer: a walker from frozen dataclasses (and records, ``core.record``) to JSON values.

Enums become their value, tuples, lists and sets become lists, mappings keep their keys (as text),
dataclasses become objects in field order. A :class:`~smtpdoctor.core.settings.Secret` is refused: a
secret never reaches a report. What a field looks like in JSON is declared on the field itself::

    reply: Reply | None = field(default=None, metadata=js(convert=lambda r: r.message))
    address: str | None = field(default=None, metadata=js(skip_none=True))

A class with no declarations needs none. Classes get ``to_json()`` by inheriting :class:`JsonMixin`; a
hand-written ``to_json()`` (an object whose JSON is not its fields) is called where such an object is met.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping  # not typing's (read at run time)

from .record import _SET, Record
TYPE_CHECKING = False  # the annotations are text: typing is not imported to run (issue 16)
if TYPE_CHECKING:
    from typing import Any, Callable

__all__ = ["to_json", "js", "JsonMixin"]

_KEY = "smtpdoctor.json"


class _Spec(Record):  # a Record: this module imports no dataclasses (an explain run never does, issue 16)
    """How one field is written in JSON (``js()``)."""

    __slots__ = ("name", "omit", "skip_none", "skip_empty", "convert", "ndigits", "flatten")

    def __init__(self, name: str | None = None,  # the key in JSON (default: the field's name)
                 omit: bool = False,  # never in JSON
                 skip_none: bool = False,  # left out when None
                 skip_empty: bool = False,  # left out when falsy ("" / () / None / 0)
                 convert: Callable[[Any], Any] | None = None,  # applied to a value that is not None, before walking
                 ndigits: int | None = None,  # round a float
                 flatten: bool = False) -> None:  # a mapping (or dataclass) whose keys join the parent object
        _SET(self, "name", name)
        _SET(self, "omit", omit)
        _SET(self, "skip_none", skip_none)
        _SET(self, "skip_empty", skip_empty)
        _SET(self, "convert", convert)
        _SET(self, "ndigits", ndigits)
        _SET(self, "flatten", flatten)


_PLAIN = _Spec()


def js(*, name: str | None = None, omit: bool = False, skip_none: bool = False, skip_empty: bool = False,
       convert: Callable[[Any], Any] | None = None, ndigits: int | None = None,
       flatten: bool = False) -> dict[str, _Spec]:
    """``field(metadata=js(...))``: how this field is written in JSON."""
    return {_KEY: _Spec(name, omit, skip_none, skip_empty, convert, ndigits, flatten)}


def to_json(value: Any) -> Any:
    """``value`` as JSON-ready data (dicts, lists, text, numbers, booleans, None)."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind in _WALKED:  # a dataclass seen before, written field by field (most values of a report)
        return _fields(value)
    if kind is tuple or kind is list:
        return [to_json(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, enum.Enum):
        return value.value
    if type(value).__name__ == "Secret":
        raise TypeError("a Secret is never serialised")
    if isinstance(value, Record) or _is_dataclass(value):
        custom = getattr(type(value), "to_json", None)
        if custom is not None and custom is not JsonMixin.to_json:
            return value.to_json()
        _WALKED.add(type(value))
        return _fields(value)
    if isinstance(value, Mapping):
        return {str(k.value if isinstance(k, enum.Enum) else k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(to_json(v) for v in value)
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


_PLANS: dict[type, tuple[tuple[str, _Spec], ...]] = {}
_AS_IS = frozenset({str, int, float, bool, type(None)})  # exact types (not enums) that are their own JSON
_WALKED: set[type] = set()  # dataclasses without a to_json of their own, met before (not a Secret)


def _is_dataclass(value: Any) -> bool:
    """``dataclasses.is_dataclass`` of an instance, without importing dataclasses (what it reads)."""
    return hasattr(type(value), "__dataclass_fields__") and not isinstance(value, type)


def _plan(cls: type) -> tuple[tuple[str, _Spec], ...]:
    """(field name, spec) per field of a dataclass or a :class:`~.record.Record`, read once per class."""
    plan = _PLANS.get(cls)
    if plan is None:
        if issubclass(cls, Record):
            plan = tuple((name, (cls._json.get(name) or {}).get(_KEY, _PLAIN)) for name in cls._fields)
        else:
            import dataclasses

            plan = tuple((f.name, f.metadata.get(_KEY, _PLAIN)) for f in dataclasses.fields(cls))
        _PLANS[cls] = plan
    return plan




def _fields(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, spec in _plan(type(obj)):
        value = getattr(obj, name)
        if spec is _PLAIN:  # most fields: no walk (a third of a bounce's JSON cost)
            kind = type(value)
            if kind in _AS_IS:
                out[name] = value
                continue
            if kind is tuple and all(type(v) is str for v in value):
                out[name] = list(value)
                continue
            if isinstance(value, enum.Enum):  # a category, a kind: its value, as to_json gives it
                out[name] = value.value
                continue
        if spec.omit or (spec.skip_none and value is None) or (spec.skip_empty and not value):
            continue
        if spec.convert is not None and value is not None:
            value = spec.convert(value)
        if spec.ndigits is not None and isinstance(value, float):
            value = round(value, spec.ndigits)
        value = to_json(value)
        if spec.flatten:
            out.update(value or {})
        else:
            out[spec.name or name] = value
    return out


class JsonMixin:
    """``to_json()`` from the one walker, for dataclasses (slots welcome)."""

    __slots__ = ()

    def to_json(self) -> Any:
        return _fields(self)
