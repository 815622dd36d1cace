"""A worker process parses the project's knowledge once, not once per partition: a bulk run cut into many
partitions leaves each worker's knowledge caches with one parse (a miss) and a hit for every later use."""

from __future__ import annotations

import pytest

from scalelab import records, smtpdoctor

from smtpdoctor.core import catalogue, dkim_selectors

pytestmark = pytest.mark.realserver


def test_each_worker_parses_the_knowledge_once_over_many_partitions(lab, inputs, dask_cluster):
    from distributed import Client

    run = smtpdoctor("domain", "--file", str(inputs["domains"]), "--resolver", lab.address, "--format", "json",
                     "--cluster", dask_cluster.address, "--partition-size", "3")
    assert run.returncode == 1, run.stderr  # some of the lab's domains are broken
    audited = len(records(run.stdout))
    assert audited == 42  # 40 domains, a bad line and a missing domain, in 14 partitions
    with Client(dask_cluster.address, timeout="10s") as client:
        # the findings are read per area (knowledge/findings/<area>.toml), on first use
        findings = client.run(catalogue._area_specs.cache_info)
        areas = len(catalogue._areas())
        selectors = client.run(dkim_selectors._selector_file.cache_info)
    assert len(findings) == 2
    # Once per worker process that ran a partition (the scheduler may give one worker all of them) ...
    assert [info.misses for info in selectors.values()] in ([1, 1], [0, 1], [1, 0])
    assert all(info.misses <= areas for info in findings.values())  # each area's file at most once
    assert sum(info.misses for info in findings.values()) > 0
    # ... and every partition after a worker's first read the parsed copy.
    partitions = -(-audited // 3)
    assert sum(info.hits for info in findings.values()) >= partitions - 2
