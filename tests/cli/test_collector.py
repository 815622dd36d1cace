"""CollectorPaused: no cyclic collection inside, survivors set aside on leaving, the caller's state kept."""

from __future__ import annotations

import gc

import pytest

from smtpdoctor.cli.collector import CollectorPaused


@pytest.fixture(autouse=True)
def _collector_restored():
    yield
    gc.unfreeze()
    gc.enable()


def test_paused_inside_then_frozen_then_given_back():
    paused = CollectorPaused()
    with paused:
        assert not gc.isenabled()
        kept = [[i] for i in range(100)]  # noqa: F841 - objects made while paused
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0  # the survivors are set aside, not walked at once
    paused.release()
    assert gc.get_freeze_count() == 0


def test_an_error_inside_still_turns_it_back_on():
    paused = CollectorPaused()
    with pytest.raises(RuntimeError):
        with paused:
            raise RuntimeError("boom")
    paused.release()
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_caller_that_had_paused_it_keeps_it_paused():
    gc.disable()
    paused = CollectorPaused()
    with paused:
        pass
    paused.release()
    assert not gc.isenabled() and gc.get_freeze_count() == 0


def test_a_caller_that_had_frozen_objects_keeps_them_frozen():
    gc.freeze()
    before = gc.get_freeze_count()
    assert before > 0
    paused = CollectorPaused()
    with paused:
        pass
    paused.release()
    assert gc.get_freeze_count() == before  # neither frozen again nor given back by us
