"""flows/domain: work off the critical path lets the DNS chains go first (:func:`_yield_to_chains`): three
turns of the loop, then, when the resolver asked, had an answer or read a datagram meanwhile, until things
settle (:func:`_settled`). Pinned with a resolver whose counters move on chosen turns."""

from __future__ import annotations

import asyncio
import math

import pytest

from smtpdoctor.flows.domain import _settled, _yield_to_chains


class Loop:
    """Counts the turns of the event loop since :meth:`start` (one ``sleep(0)`` each)."""

    def __init__(self) -> None:
        self.turn = 0
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        async def tick() -> None:
            while True:
                await asyncio.sleep(0)
                self.turn += 1

        self._task = asyncio.get_running_loop().create_task(tick())

    def stop(self) -> None:
        self._task.cancel()


class MovingResolver:
    """A resolver's three activity counters; each in ``moves`` goes up by one on the loop turn given."""

    def __init__(self, loop: Loop, moves: dict[str, int], waiting: frozenset[int] = frozenset()) -> None:
        self.loop, self.moves, self.waiting = loop, moves, waiting

    def answers_waiting(self) -> bool:
        """A datagram waits in the socket, unread, on the turns in ``waiting``."""
        return self.loop.turn in self.waiting

    def _count(self, counter: str) -> int:
        return int(self.loop.turn >= self.moves.get(counter, math.inf))

    asked = property(lambda self: self._count("asked"))
    answered = property(lambda self: self._count("answered"))
    reads = property(lambda self: self._count("reads"))


async def turns_taken(coro_fn, moves: dict[str, int], waiting: frozenset[int] = frozenset()) -> int:
    loop = Loop()
    resolver = MovingResolver(loop, moves, waiting)
    loop.start()
    await asyncio.sleep(0)  # the counter's first turn: turn 0 is this one
    start = loop.turn
    try:
        await coro_fn(resolver)
        return loop.turn - start
    finally:
        loop.stop()


async def test_nothing_moves_three_turns_exactly():
    assert await turns_taken(_yield_to_chains, {}) == 3


@pytest.mark.parametrize("counter", ["asked", "answered", "reads"])
@pytest.mark.parametrize("turn", [1, 2, 3])
async def test_a_move_within_the_first_three_turns_waits_until_settled(counter, turn):
    calm = 8
    taken = await turns_taken(_yield_to_chains, {counter: turn})
    assert taken > 3
    # settling: calm quiet turns after the last move; the move was already seen at turn 3
    assert taken == 3 + calm


async def test_a_datagram_waiting_after_the_three_turns_is_read_first():
    """An answer that came while other work of the third turn ran (a check) is in the socket, not yet read:
    the work waits until things settle, then looks again."""
    calm = 8
    assert await turns_taken(_yield_to_chains, {}, waiting=frozenset({3})) == 3 + calm
    assert await turns_taken(_yield_to_chains, {}, waiting=frozenset({3, 3 + calm})) == 3 + 2 * calm
    assert await turns_taken(_yield_to_chains, {}, waiting=frozenset({2})) == 3  # read by then: not waited for


@pytest.mark.parametrize("counter", ["asked", "answered", "reads"])
async def test_a_move_after_the_third_turn_is_not_waited_for(counter):
    assert await turns_taken(_yield_to_chains, {counter: 4}) == 3


async def test_settled_waits_for_calm_turns_after_the_last_move():
    assert await turns_taken(_settled, {}) == 8
    assert await turns_taken(_settled, {"asked": 5}) == 5 + 8
    assert await turns_taken(lambda r: _settled(r, most=10), {"asked": 5}) == 10  # bounded
