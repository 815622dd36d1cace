"""``smtpdoctor explain`` loads its engines and judges its first input without the cyclic garbage collector,
then judges the rest with it (an mbox has no end), and leaves the collector as it was, nothing frozen."""

from __future__ import annotations

import gc
import json

from click.testing import CliRunner

from smtpdoctor.cli.app import build_app
from support.corpus import CORPUS


def _watch(monkeypatch) -> list[bool]:
    from smtpdoctor.flows import explain as flow
    from smtpdoctor.judge.explain.message import explain_parts
    from smtpdoctor.protocol.mime import read_message

    seen: list[bool] = []

    def judge(parts, source):
        seen.append(gc.isenabled())
        return explain_parts(parts, source)

    monkeypatch.setattr(flow, "_message_steps", (read_message, judge))
    return seen


def test_the_collector_is_off_for_the_first_input_only_and_back_on_after(monkeypatch):
    seen = _watch(monkeypatch)
    files = sorted(str(p) for p in (CORPUS / "eml").glob("lhost-postfix-0*.eml"))[:3]
    assert gc.isenabled()
    result = CliRunner().invoke(build_app(), ["explain", "--format", "json", "--no-progress", *files])
    assert result.exit_code == 1, result.output  # bounces: real failures were explained
    assert [json.loads(line)["kind"] for line in result.output.splitlines()] == ["bounce"] * 3
    assert seen == [False, True, True]
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_usage_error_turns_it_back_on_too():
    result = CliRunner().invoke(build_app(), ["explain", "--jobs", "999", "550 5.1.1 no such user"])
    assert str(result.exception) == "--jobs must be between 0 and 256"  # raised from inside the command
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_caller_that_had_it_off_keeps_it_off():
    gc.disable()
    try:
        CliRunner().invoke(build_app(), ["explain", "550 5.1.1 no such user"])
        assert not gc.isenabled()
    finally:
        gc.enable()
