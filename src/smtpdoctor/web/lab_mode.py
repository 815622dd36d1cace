"""``smtpdoctor serve --lab``: the built-in broken servers behind the Diagnose page, for trying the tool
and for teaching. Each scenario's lab host starts on first use (its own 127.x.y.z address) beside the
lab's DNS world, and stops with the server."""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["LabMode"]


class LabMode:
    def __init__(self) -> None:
        from ..lab.scenarios import SCENARIOS

        self.scenarios = {s.name: s for s in SCENARIOS}
        self._hosts: dict[str, Any] = {}
        self._lock = asyncio.Lock()
        self._world = None

    def choices(self) -> list[dict[str, str]]:
        return [{"name": s.name, "description": s.description, "expect": str(s.expect_category)}
                for s in self.scenarios.values()]

    async def start(self) -> None:
        from ..lab.world import LabWorld

        self._world = await LabWorld().__aenter__()

    async def settings(self, name: str):
        """The settings a user of scenario ``name`` would give, pointed at its (started) lab host."""
        scenario = self.scenarios[name]
        async with self._lock:
            host = self._hosts.get(name)
            if host is None:
                host = await scenario.lab_host().start()
                self._hosts[name] = host
        assert self._world is not None, "the lab is not started"
        return scenario.settings_for(host, **self._world.overrides())

    def expected(self, name: str) -> dict[str, str] | None:
        scenario = self.scenarios.get(name)
        if scenario is None:
            return None
        return {"category": str(scenario.expect_category), "finding": scenario.expect_finding,
                "description": scenario.description, "name": name}

    async def stop(self) -> None:
        for host in self._hosts.values():
            await host.stop()
        self._hosts.clear()
        if self._world is not None:
            await self._world.__aexit__(None, None, None)
            self._world = None
