"""Fixtures of the scale tests: the lab's DNS world on loopback, input files, a real Dask cluster."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from realservers._proc import ServerUnavailable, require  # noqa: E402
from realservers.dask import DaskCluster, start_dask  # noqa: E402
from scalelab import domain_name, ip, world  # noqa: E402

from smtpdoctor.lab.background import in_background  # noqa: E402
from smtpdoctor.lab.dns_server import LabDnsServer  # noqa: E402

DOMAINS = 40
IPS = 120


@pytest.fixture(scope="module")
def lab() -> Iterator[LabDnsServer]:
    """The lab's DNS server on 127.0.0.1: sending domains and two block lists."""
    with in_background(LabDnsServer(world(DOMAINS, IPS))) as (server,):
        yield server


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("inputs")
    domains = d / "domains.txt"
    domains.write_text("# nightly audit\n" + "\n".join(domain_name(i) for i in range(DOMAINS)) + "\n"
                       "\nnot a domain\nmissing.lab.test\n")
    ips = d / "ips.txt"
    ips.write_text("\n".join(ip(n) for n in range(IPS - 8)) + "\n198.51.100.112/29  # a range\n")
    return {"domains": domains, "ips": ips}


def _cluster(workers: int) -> DaskCluster:
    try:
        return start_dask(workers)
    except ServerUnavailable as exc:
        require(str(exc))
        raise


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[DaskCluster]:
    """A ``dask scheduler`` and two ``dask worker`` processes of this test module's own."""
    cluster = _cluster(2)
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def fresh_dask_cluster() -> Iterator[DaskCluster]:
    """A cluster for one test (one that kills a worker)."""
    cluster = _cluster(2)
    try:
        yield cluster
    finally:
        cluster.stop()
