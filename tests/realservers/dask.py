"""A real Dask cluster of the test's own: ``dask scheduler`` and ``dask worker`` processes on loopback.

Workers run without a nanny (``--no-nanny``), so a worker's pid is the process that runs the tasks: a test
can kill it (SIGKILL) and see what the scheduler does. Everything is stopped by pid at the end.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ._proc import Daemon, ServerUnavailable, free_port, private_dir, remove_dir, wait_for_tcp

__all__ = ["DaskCluster", "start_dask"]

SRC = Path(__file__).resolve().parents[2] / "src"


@dataclass
class DaskCluster:
    address: str
    scheduler: Daemon
    workers: list[Daemon] = field(default_factory=list)
    directory: Path | None = None

    def stop(self) -> None:
        for daemon in (*self.workers, self.scheduler):
            daemon.stop()
        if self.directory is not None:
            remove_dir(self.directory)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    return env


def start_dask(workers: int = 2, *, timeout: float = 60.0) -> DaskCluster:
    """A scheduler on 127.0.0.1 and ``workers`` single-threaded workers, all registered when this returns."""
    directory = private_dir("dask")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [sys.executable, "-m", "dask"]
    scheduler = Daemon("dask scheduler", [*dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                          "--no-dashboard"], directory / "scheduler.log", env=_env()).start()
    cluster = DaskCluster(address, scheduler, directory=directory)
    try:
        if not wait_for_tcp("127.0.0.1", [port], timeout=timeout):
            raise scheduler.fail("the scheduler did not listen")
        for n in range(workers):
            cluster.workers.append(Daemon(
                f"dask worker {n}",
                [*dask, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                 "--name", f"w{n}", "--local-directory", str(directory / f"w{n}")],
                directory / f"worker{n}.log", env=_env()).start())
        _wait_for_workers(address, workers, timeout)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _wait_for_workers(address: str, count: int, timeout: float) -> None:
    from distributed import Client

    try:
        with Client(address, timeout=f"{int(timeout)}s") as client:
            client.wait_for_workers(count, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ServerUnavailable(f"dask: {count} workers did not register at {address}: {exc}") from None
