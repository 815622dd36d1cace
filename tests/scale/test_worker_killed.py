"""A worker killed mid-run loses no input: its partitions run again elsewhere, and the output is complete
and in input order, the same as the in-process run's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from scalelab import SRC, ZONES, ip, records, smtpdoctor, world

from smtpdoctor.lab.background import in_background
from smtpdoctor.lab.dns_server import LabDnsServer

pytestmark = pytest.mark.realserver

ADDRESSES = 400


def test_killing_a_worker_mid_run_loses_nothing(tmp_path, fresh_dask_cluster):
    file = tmp_path / "ips.txt"
    file.write_text("\n".join(ip(n) for n in range(ADDRESSES)) + "\n")
    zones = [a for z in ZONES for a in ("--dnsbl", z)]
    # Each answer held back 40 ms: the run takes seconds, so the kill lands while partitions are in flight.
    with in_background(LabDnsServer(world(0, ADDRESSES), delay=0.04)) as (lab,):
        args = ["blacklist", "--file", str(file), "--resolver", lab.address, "--format", "json", *zones]
        expected = smtpdoctor(*args)
        env = dict(os.environ, PYTHONPATH=str(SRC))
        proc = subprocess.Popen([sys.executable, "-m", "smtpdoctor.cli.app", *args, "--cluster",
                                 fresh_dask_cluster.address, "--partition-size", "10"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            first = [proc.stdout.readline() for _ in range(20)]  # the run is under way
            victim = fresh_dask_cluster.workers[0]
            os.kill(victim.pid, signal.SIGKILL)
            victim.proc.wait(10)
            killed_at = time.monotonic()
            rest, err = proc.communicate(timeout=240)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    assert not victim.alive()
    assert proc.returncode == expected.returncode == 1, err
    got = records("".join(first) + rest)
    assert len(got) == ADDRESSES
    assert [o["value"] for o in got] == [ip(n) for n in range(ADDRESSES)]
    assert got == records(expected.stdout)
    assert rest, f"the run had finished before the kill ({time.monotonic() - killed_at:.1f} s)"
