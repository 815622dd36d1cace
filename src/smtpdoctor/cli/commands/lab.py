"""``smtpdoctor lab``: the lab's broken servers and DNS kept up, with the command to try on each."""

from __future__ import annotations

from typing import List

from ..common import UsageError
from ..layer import App, Exit, Option


def register(app: App) -> None:
    app.command(help="Keep the lab's broken servers and DNS up and print, per scenario, the command to try "
                     "against it, until Ctrl-C.")(lab)


def lab(
    scenario: List[str] = Option([], "--scenario", help="Start only this scenario (repeatable; default: all)."),
    list_: bool = Option(False, "--list", help="List the scenarios with their cause and exit."),
) -> None:
    import asyncio

    from ...lab.demo import select
    from ...lab.scenarios import Scenario

    try:
        chosen = select(scenario)
    except ValueError as exc:
        raise UsageError(str(exc).replace("demo --list", "lab --list")) from None
    dns_only = [s.name for s in chosen if not isinstance(s, Scenario)]
    if scenario and dns_only:
        raise UsageError(f"{dns_only[0]!r} is a DNS scenario: `smtpdoctor demo --scenario {dns_only[0]}` shows it")
    chosen = [s for s in chosen if isinstance(s, Scenario)]  # the lab keeps SMTP servers up
    if list_:
        width = max(len(s.name) for s in chosen) + 2
        for s in chosen:
            print(f"{s.name.ljust(width)}{s.expect_category.value:15} {s.description}")
        raise Exit(0)
    try:
        asyncio.run(_serve(chosen))
    except KeyboardInterrupt:
        pass
    print("lab stopped", flush=True)


async def _serve(chosen) -> None:
    import asyncio
    import shlex
    import signal

    from ...lab.practice import keep_lab_up, world_commands

    stop = asyncio.Event()

    def ready(world, practices) -> None:
        for p in practices:
            print(f"# {p.scenario.name}: {p.scenario.description} (expected: {p.scenario.expect_category.value})")
            print(p.command, end="\n\n")
        for name, argv in world_commands(world).items():
            print(f"# the lab's DNS world: {name}")
            print(shlex.join(argv), end="\n\n")
        print(f"{len(practices)} scenarios are up. Paste a command into another terminal; Ctrl-C stops the lab.",
              flush=True)

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await keep_lab_up(chosen, ready, stop=stop)
