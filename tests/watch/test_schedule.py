"""The schedule: each target at its own interval, and a restarted watch keeps the rhythm."""

from __future__ import annotations

import asyncio
import io
import time

from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.lab.world import lab_zone
from smtpdoctor.watch import Watcher, open_store, parse_config


def _config(dns: str) -> str:
    return (f'[watch]\nresolvers = ["{dns}"]\ndnsbl = ["bl.lab.test"]\n[alerts]\nlog = false\n'
            '[[blocklist]]\ntarget = "192.0.2.1"\nevery = "1s"\n'
            '[[blocklist]]\ntarget = "192.0.2.2"\nevery = "1h"\n')


async def test_targets_run_at_their_own_interval_and_a_restart_keeps_the_rhythm(tmp_path):
    db = str(tmp_path / "db")
    async with LabDnsServer(lab_zone()) as dns:
        config = parse_config(_config(dns.address))
        watcher = Watcher(config, open_store(db), out=io.StringIO())
        stop = asyncio.Event()
        task = asyncio.ensure_future(watcher.run_forever(stop))
        await asyncio.sleep(3.5)
        stop.set()
        await asyncio.wait_for(task, 10)
        ids = {key: tid for tid, key, _, _ in watcher.store.targets()}
        fast = len(watcher.store.results(ids["blocklist:192.0.2.1"]))
        slow = len(watcher.store.results(ids["blocklist:192.0.2.2"]))
        assert fast >= 2 and slow == 1  # the 1 s target ran again and again, the hourly one once
        watcher.store.close()
        # a new watch over the same database: the hourly target is not due again yet
        again = Watcher(config, open_store(db), out=io.StringIO())
        due, next_at = again.due(time.time() + 2)
        assert [t.key for t in due] == ["blocklist:192.0.2.1"]  # the hourly one is not due again yet
        assert next_at <= time.time() + 4
        again.store.close()
