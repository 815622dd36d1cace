"""``smtpdoctor diagnose`` runs without the cyclic garbage collector and turns it back on when done, with
nothing left frozen: a caller in the same process (the tests, a script) keeps its collector as it was."""

from __future__ import annotations

import gc
import socket

from click.testing import CliRunner

from smtpdoctor.cli.app import build_app


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_collector_is_off_during_the_run_and_back_on_after(monkeypatch):
    from smtpdoctor.flows import diagnose as flow

    seen = []
    run = flow.run_diagnosis

    async def watched(*args, **kwargs):
        seen.append(gc.isenabled())
        return await run(*args, **kwargs)

    monkeypatch.setattr(flow, "run_diagnosis", watched)
    assert gc.isenabled()
    result = CliRunner().invoke(build_app(), ["diagnose", "127.0.0.1", "--port", str(_closed_port()), "--ports", "",
                                              "--timeout", "2", "--format", "json"])
    assert result.exit_code == 1, result.output  # a refused port: a real diagnosis ran
    assert seen == [False]
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_usage_error_turns_it_back_on_too():
    result = CliRunner().invoke(build_app(), ["diagnose", "127.0.0.1", "--port", "0"])
    assert "port 0 is out of range" in str(result.exception)  # raised from inside the command
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_caller_that_had_it_off_keeps_it_off():
    gc.disable()
    try:
        CliRunner().invoke(build_app(), ["diagnose", "127.0.0.1", "--port", "0"])
        assert not gc.isenabled()
    finally:
        gc.enable()
