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
