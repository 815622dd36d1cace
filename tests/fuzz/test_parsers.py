"""Bounded fuzzing of every parser that reads what a server, a DNS record or a pasted bounce holds:
only the documented error types may come out (``targets.TARGETS``). The long run is
``python -m tests.fuzz --examples 1000000`` (docs/testing.md)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from .targets import TARGETS

EXAMPLES = 150  # per target: a few seconds in all, so every test run fuzzes


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_parser_raises_only_documented_errors(name: str) -> None:
    target = TARGETS[name]

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(target.strategy)
    def fuzz(value) -> None:
        target.check(value)

    fuzz()


def test_an_undocumented_error_is_reported() -> None:
    """The harness itself: an error type outside ``documented`` escapes ``check``."""
    target = TARGETS["spf-record"]
    target.check("v=spf1 ip4:1.2.3.4/99")  # SpfSyntaxError: documented, swallowed
    with pytest.raises(TypeError):
        target.check(12345)  # not a str or bytes: not a documented error of the SPF parser
