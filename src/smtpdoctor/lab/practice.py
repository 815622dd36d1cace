"""``smtpdoctor lab``: keep the lab's servers and DNS up, and say the exact command to try on each.

The demo diagnoses every scenario by itself; practising means running the commands by hand, the way one
would against one's own provider. :func:`practice_commands` turns a scenario's settings (pointed at its
started lab host) into the ``diagnose`` command line a user types, and :func:`world_commands` gives the
``domain`` and ``blacklist`` commands for the lab's DNS world. Both are pure; :func:`keep_lab_up` does the
I/O: it starts the world and one host per scenario and holds them until it is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
from dataclasses import dataclass
from typing import Callable, Sequence

from ..core.settings import Security, Settings
from .faults import LAB_DOMAIN
from .scenarios import Scenario
from .world import LabWorld

__all__ = ["PASSWORD_ENV", "Practice", "diagnose_argv", "world_commands", "keep_lab_up"]

#: the environment variable the printed commands read the lab's password from (never on argv)
PASSWORD_ENV = "SMTPDOCTOR_LAB_PASSWORD"
TOKEN_ENV = "SMTPDOCTOR_LAB_TOKEN"  # the same for a lab OAuth token (XOAUTH2 scenarios)
LISTED_IP = "127.0.0.2"  # the lab blocklist's RFC 5782 test point: always listed


@dataclass(frozen=True, slots=True, kw_only=True)
class Practice:
    """One scenario, started: what it is and the command that diagnoses it (``env`` holds the lab
    password the command reads; lab passwords are not secrets, so the command line shows it)."""

    scenario: Scenario
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...] = ()

    @property
    def command(self) -> str:
        return " ".join([*(f"{k}={shlex.quote(v)}" for k, v in self.env), shlex.join(self.argv)])


def diagnose_argv(settings: Settings, *, password_env: str = PASSWORD_ENV) -> tuple[str, ...]:
    """The ``smtpdoctor diagnose`` command line that runs ``settings`` (a password is read from
    ``password_env``; only the options that differ from the defaults are written)."""
    argv = ["smtpdoctor", "diagnose", settings.host, "--port", str(settings.effective_port)]
    if settings.security is not Security.AUTO:
        argv += ["--security", str(settings.security)]
    if settings.user:
        argv += ["--user", settings.user]
    if settings.password is not None:
        argv += ["--password-env", password_env]
    if settings.oauth_token is not None:
        argv += ["--token-env", TOKEN_ENV]
    if settings.send:
        argv += ["--send"]
    for flag, value in (("--from", settings.mail_from), ("--to", settings.rcpt_to), ("--helo", settings.helo),
                        ("--ca-file", settings.ca_file)):
        if value:
            argv += [flag, value]
    for resolver in settings.resolvers:
        argv += ["--resolver", resolver]
    for zone in settings.dnsbl_zones or ():
        argv += ["--dnsbl", zone]
    for selector in settings.dkim_selectors:
        argv += ["--dkim-selector", selector]
    argv += ["--ports", ",".join(str(p) for p in settings.sweep_ports)]
    if settings.timeout != Settings(host="x").timeout:
        argv += ["--timeout", f"{settings.timeout:g}"]
    return tuple(argv)


def world_commands(world: LabWorld) -> dict[str, tuple[str, ...]]:
    """The ``domain`` and ``blacklist`` commands for the lab's DNS world (its domain, its blocklist)."""
    dns = ["--resolver", world.resolver]
    zones = [arg for zone in world.dnsbl_zones for arg in ("--dnsbl", zone)]
    return {
        "domain": ("smtpdoctor", "domain", LAB_DOMAIN, *dns, "--dkim-selector", "s1"),
        "blacklist": ("smtpdoctor", "blacklist", LISTED_IP, "127.0.0.1", *dns, *zones),
    }


async def keep_lab_up(scenarios: Sequence[Scenario], on_ready: Callable[[LabWorld, list[Practice]], None],
                      *, stop: asyncio.Event | None = None) -> None:
    """Start the lab world and a host per scenario, call ``on_ready`` once with the commands, then hold
    them until ``stop`` is set or the task is cancelled (Ctrl-C); everything is stopped on the way out."""
    async with LabWorld() as world, contextlib.AsyncExitStack() as hosts:
        practices = []
        for scenario in scenarios:
            host = await hosts.enter_async_context(scenario.lab_host())
            settings = scenario.settings_for(host, **world.overrides())
            env = tuple((name, secret.reveal()) for name, secret in ((PASSWORD_ENV, settings.password),
                                                                   (TOKEN_ENV, settings.oauth_token)) if secret is not None)
            practices.append(Practice(scenario=scenario, argv=diagnose_argv(settings), env=env))
        on_ready(world, practices)
        await (stop or asyncio.Event()).wait()

