"""core.record: a Record behaves as the frozen dataclass it replaces (equality, hash, repr, immutability, copy,
pickle, and the dataclasses API through a dataclass of the same fields)."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from smtpdoctor.core.category import Category
from smtpdoctor.core.explanation import Classification, Explained, Kind, Recipient
from smtpdoctor.core.record import replace
from smtpdoctor.core.serialize import js
from smtpdoctor.judge.reply import Facts
from smtpdoctor.judge.reply_rules import ReasonSpec


def _classification(**kw) -> Classification:
    values = dict(reason="userunknown", category=Category.CLIENT, status="5.1.1", replycode="550",
                  provider=None, summary="No such user.")
    values.update(kw)
    return Classification(**values)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Same:  # the dataclass Facts was: a Record must compare, hash and print as it did
    diagnostic: str = ""
    status: str = ""
    replycode: str = ""
    command: str = ""
    action: str = ""
    diagnostic_type: str = ""
    remote_host: str = ""
    recipient: str = ""
    reason: str = ""


def test_equality_hash_and_repr_are_a_frozen_dataclass_s():
    a, b = Facts(diagnostic="550 no", command="RCPT"), Facts(diagnostic="550 no", command="RCPT")
    twin = _Same(diagnostic="550 no", command="RCPT")
    assert a == b and hash(a) == hash(b) and a != Facts(diagnostic="550 no")
    assert hash(a) == hash(twin)  # the same tuple of values
    assert repr(a) == repr(twin).replace("_Same(", "Facts(")
    assert a != twin  # another class: never equal, as dataclasses compare
    with pytest.raises(TypeError):
        Facts("550 no")  # keyword-only
    with pytest.raises(TypeError):
        Classification(reason="x")  # required fields


def test_frozen_as_a_dataclass_is():
    c = _classification()
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.reason = "blocked"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del c.status
    with pytest.raises(AttributeError):
        c.nothing  # noqa: B018 - no such field


def test_copy_and_pickle_keep_every_value():
    e = Explained(source="a.eml", kind=Kind.BOUNCE,
                  results=(Recipient(recipient="u@example.org", explanation=_classification(), action="failed"),))
    assert pickle.loads(pickle.dumps(e)) == e
    assert copy.copy(e) == e and copy.deepcopy(e) == e


def test_the_dataclasses_api_sees_the_same_fields():
    c = _classification(params={"x": 1})
    assert dataclasses.is_dataclass(c) and dataclasses.is_dataclass(Classification)
    names = [f.name for f in dataclasses.fields(c)]
    assert names == list(Classification.__slots__)
    assert dataclasses.fields(Recipient)[1].metadata == js(flatten=True)
    changed = dataclasses.replace(c, reason="blocked")
    assert isinstance(changed, Classification) and changed.reason == "blocked" and changed.params == {"x": 1}
    assert dataclasses.asdict(Facts(status="5.1.1"))["status"] == "5.1.1"
    assert replace(c, reason="blocked") == changed


def test_the_dataclasses_api_sees_the_annotated_types():
    types = {f.name: f.type for f in dataclasses.fields(Facts)}
    assert types["diagnostic"] == "str" and types["reason"] == "str"  # as written in Facts.__init__
    recipient = {f.name: f.type for f in dataclasses.fields(Recipient)}
    assert recipient == {k: v for k, v in Recipient.__init__.__annotations__.items() if k != "return"}
    spec = {f.name: f.type for f in dataclasses.fields(ReasonSpec)}
    assert spec["aligned_keys"] == "tuple[str | None, ...]"
    assert spec["aligned_by_key"] == "object"  # made by __init__, not given: no annotation to read


def test_derived_fields_are_made_not_given_nor_compared():
    spec = ReasonSpec(name="r", category="client", summary="", remedy=(), literal=None,
                      aligned=(("no such", "user"), ("gone",)), aligned_keys=("such", None), exclude=None)
    assert spec.aligned_by_key == {"such": (("no such", "user"),)} and spec.aligned_free == (("gone",),)
    assert "aligned_by_key" not in repr(spec)
    again = replace(spec, summary="")  # replace passes what __init__ takes; the rest is made again
    assert again == spec and again.aligned_words == frozenset({"such"})
    assert [f.name for f in dataclasses.fields(spec) if not f.init] == ["aligned_by_key", "aligned_free",
                                                                        "aligned_words"]


def test_replace_of_a_dataclass_is_dataclasses_replace():
    assert replace(_Same(status="4.0.0"), status="5.0.0") == _Same(status="5.0.0")


def test_the_secret_scrubber_reaches_into_a_record():
    from smtpdoctor.core.redact import MASK, Redactor

    redactor = Redactor()
    redactor.add_forms(["hunter2-secret"])
    c = _classification(summary="the server said hunter2-secret", params={"reply": "535 hunter2-secret"})
    scrubbed = redactor.scrub(c)
    assert isinstance(scrubbed, Classification)
    assert scrubbed.summary == f"the server said {MASK}" and scrubbed.params == {"reply": f"535 {MASK}"}


def test_a_subclass_keeps_its_parents_fields():
    from smtpdoctor.core.record import _SET, Record, replace

    class Base(Record):
        __slots__ = ("a",)

        def __init__(self, *, a: int) -> None:
            _SET(self, "a", a)

    class Sub(Base):
        __slots__ = ("b",)

        def __init__(self, *, a: int, b: int) -> None:
            super().__init__(a=a)
            _SET(self, "b", b)

    one = Sub(a=1, b=2)
    assert Sub._fields == ("a", "b") and repr(one).endswith(".Sub(a=1, b=2)")
    assert one != Sub(a=9, b=2) and one == Sub(a=1, b=2) and hash(one) == hash(Sub(a=1, b=2))
    assert replace(one, b=3) == Sub(a=1, b=3)


_RECORD_MODULES = ("smtpdoctor.core.explanation", "smtpdoctor.core.serialize", "smtpdoctor.judge.reply",
                   "smtpdoctor.judge.reply_rules", "smtpdoctor.protocol.mail_parts", "smtpdoctor.protocol.textbounce",
                   "smtpdoctor.flows.explain")


def _init_gaps(cls) -> tuple[list[str], list[str]]:
    """The fields ``cls.__init__`` never names (each is set as ``_SET(self, "name", ...)``), and the parameters
    it takes that are not fields."""
    code = cls.__init__.__code__
    named = {c for c in code.co_consts if isinstance(c, str)}
    params = code.co_varnames[1:code.co_argcount + code.co_kwonlyargcount]
    return [f for f in cls._fields if f not in named], [p for p in params if p not in cls._fields]


def test_every_record_sets_each_of_its_fields_and_takes_no_other():
    import importlib

    from smtpdoctor.core.record import _SET, Record

    for name in _RECORD_MODULES:
        importlib.import_module(name)

    def below(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from below(sub)

    classes = [c for c in below(Record) if c.__module__.startswith("smtpdoctor.")]
    assert {"Classification", "Facts", "MailParts", "TextFailure", "Item"} <= {c.__name__ for c in classes}
    assert {c.__qualname__: _init_gaps(c) for c in classes} == {c.__qualname__: ([], []) for c in classes}

    class Forgot(Record):  # the check itself: a field left unset and a parameter that is no field are seen
        __slots__ = ("a", "b")

        def __init__(self, *, a: int, c: int) -> None:
            _SET(self, "a", a)

    assert _init_gaps(Forgot) == (["b"], ["c"])
