"""The one serializer: dataclasses walked in field order, with what a field looks like declared on it."""

from dataclasses import dataclass, field
from enum import StrEnum

import pytest

from smtpdoctor.core.model import Finding, TranscriptLine
from smtpdoctor.core.catalogue import make
from smtpdoctor.core.serialize import JsonMixin, js, to_json
from smtpdoctor.core.settings import Secret


class Colour(StrEnum):
    RED = "red"


@dataclass(frozen=True, slots=True, kw_only=True)
class Inner(JsonMixin):
    name: str
    hidden: int = field(default=0, metadata=js(omit=True))


@dataclass(frozen=True, slots=True, kw_only=True)
class Outer(JsonMixin):
    colour: Colour
    items: tuple[Inner, ...] = ()
    renamed: str = field(default="x", metadata=js(name="from"))
    maybe: str | None = field(default=None, metadata=js(skip_none=True))
    size: float = field(default=1.23456, metadata=js(ndigits=2))
    reply: Inner | None = field(default=None, metadata=js(convert=lambda inner: inner.name))
    more: dict = field(default_factory=dict, metadata=js(flatten=True))


def test_the_walker():
    value = Outer(colour=Colour.RED, items=(Inner(name="a", hidden=3),), reply=Inner(name="r"), more={"k": (1, 2)})
    assert value.to_json() == {"colour": "red", "items": [{"name": "a"}], "from": "x", "size": 1.23,
                               "reply": "r", "k": [1, 2]}
    assert list(value.to_json()) == ["colour", "items", "from", "size", "reply", "k"]


def test_a_secret_is_never_written():
    with pytest.raises(TypeError, match="Secret"):
        to_json({"password": Secret("pw")})


def test_the_contract_order_of_a_finding_and_a_transcript_line():
    finding = make("connection.ok", host="h", port=25, mode="STARTTLS")
    assert isinstance(finding, Finding)
    assert list(finding.to_json()) == ["id", "category", "severity", "title", "detail", "remedy", "evidence", "step"]
    line = TranscriptLine(t=0.123456, port=25, dir="recv", tls=False, text="220 hi")
    assert line.to_json() == {"t": 0.1235, "port": 25, "dir": "recv", "tls": False, "text": "220 hi"}


def _walk_every_field(value):
    """The walker without its shortcuts for plain fields: every value goes through to_json."""
    import dataclasses

    from smtpdoctor.core import serialize

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        custom = getattr(type(value), "to_json", None)
        if custom is not None and custom is not serialize.JsonMixin.to_json:
            return value.to_json()
        out = {}
        for name, spec in serialize._plan(type(value)):
            item = getattr(value, name)
            if spec.omit or (spec.skip_none and item is None) or (spec.skip_empty and not item):
                continue
            if spec.convert is not None and item is not None:
                item = spec.convert(item)
            if spec.ndigits is not None and isinstance(item, float):
                item = round(item, spec.ndigits)
            item = _walk_every_field(item)
            if spec.flatten:
                out.update(item or {})
            else:
                out[spec.name or name] = item
        return out
    if isinstance(value, (list, tuple)):
        return [_walk_every_field(v) for v in value]
    return serialize.to_json(value)


def test_every_corpus_explanation_serialises_as_the_plain_walk():
    import json

    from smtpdoctor.flows.explain import explain_inputs
    from support.corpus import CORPUS

    results = list(explain_inputs([str(CORPUS / "eml")], jobs=1))
    assert len(results) >= 405  # one corpus file is an mbox of two
    for e in results:
        ours, plain = e.to_json(), _walk_every_field(e)
        assert ours == plain
        assert json.dumps(ours) == json.dumps(plain)  # the same keys in the same order, the same types
