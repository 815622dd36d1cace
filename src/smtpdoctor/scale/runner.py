"""Running partitions: in this process (for ``--output`` alone) or on Dask, results in partition order.

Dask is imported here only, and only when a run asks for it. The driver keeps a bounded number of
partitions in flight (a few per worker thread), so an input of any size streams through in bounded memory,
and takes the results in submission order: output order is input order whatever the workers' speed.

Faults: a worker that dies takes no input with it. The scheduler hands the partitions it held to another
worker (up to ``distributed.scheduler.allowed-failures`` deaths per partition); a partition whose task raised
is tried again ``RETRIES`` times. A job is a pure function of its partition, so a retry gives the same lines.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Callable, Iterable, Iterator

from .options import ScaleError, ScaleOptions
from .partition import Partition

__all__ = ["Executor", "InProcess", "DaskExecutor", "open_executor", "ClusterError", "RETRIES", "share"]

RETRIES = 2
IN_FLIGHT_PER_THREAD = 2


class ClusterError(ScaleError):
    """The cluster could not be started or reached, or a partition failed on every try; one line."""


class Executor:
    workers: int = 1  # worker threads in the cluster: the global DNS budget is shared among them

    def map_ordered(self, fn: Callable, partitions: Iterable[Partition], *args) -> Iterator:
        raise NotImplementedError


class InProcess(Executor):
    """Partitions run one after another in this process (``--output`` without ``--workers``)."""

    def map_ordered(self, fn: Callable, partitions: Iterable[Partition], *args) -> Iterator:
        for part in partitions:
            yield fn(part, *args)


class DaskExecutor(Executor):
    """Partitions as Dask tasks on ``client``'s cluster."""

    def __init__(self, client) -> None:
        self.client = client
        info = client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def map_ordered(self, fn: Callable, partitions: Iterable[Partition], *args) -> Iterator:
        from collections import deque

        run = uuid.uuid4().hex[:12]
        limit = max(2, self.workers * IN_FLIGHT_PER_THREAD)
        futures: deque = deque()
        try:
            for part in partitions:
                key = f"smtpdoctor-{fn.__name__}-{run}-{part.index}"
                futures.append((part.index, self.client.submit(fn, part, *args, key=key, retries=RETRIES,
                                                               pure=False)))
                while len(futures) >= limit:
                    yield self._result(*futures.popleft())
            while futures:
                yield self._result(*futures.popleft())
        finally:
            for _, future in futures:
                future.cancel()

    @staticmethod
    def _result(index: int, future):
        try:
            return future.result()
        except Exception as exc:  # noqa: BLE001 - any failure of a task ends the run with one line
            raise ClusterError(f"partition {index} failed on every try: {type(exc).__name__}: {exc}") from None


@contextlib.contextmanager
def open_executor(options: ScaleOptions) -> Iterator[Executor]:
    """The executor the options ask for; a local cluster is stopped on exit, a remote one left running."""
    if not options.distributed:
        yield InProcess()
        return
    import logging

    import dask
    from distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.ERROR)  # the run's own lines only on stderr
    if options.workers is not None:
        # The workers' statistical profiler samples the task thread every 10 ms: about 15 % of a bulk
        # run's CPU on this machine (bench/scale_bulk.py), for a dashboard nobody looks at here.
        dask.config.set({"distributed.worker.profile.enabled": False})
        try:
            # No dashboard, and the scheduler's small HTTP endpoint on a free port (not 8787, maybe taken).
            cluster = LocalCluster(n_workers=options.workers, threads_per_worker=1, processes=True,
                                   dashboard_address=None, host="127.0.0.1", silence_logs=logging.ERROR,
                                   scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"})
        except Exception as exc:  # noqa: BLE001 - whatever stops the cluster, one line
            raise ClusterError(f"could not start {options.workers} local Dask workers: {exc}") from None
        with cluster, Client(cluster) as client:
            yield DaskExecutor(client)
        return
    try:
        client = Client(options.cluster, timeout="10s")
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {options.cluster}: {exc}") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=30)
        except TimeoutError:
            raise ClusterError(f"the Dask scheduler at {options.cluster} has no workers") from None
        yield DaskExecutor(client)


def share(total: int, workers: int) -> int:
    """One worker's part of a global budget (concurrency, rate) so the cluster together stays within it."""
    return max(1, total // max(1, workers))
