"""The same inputs through the in-process path, a local cluster (``--workers 2``) and a real scheduler with
two worker processes (``--cluster``) give the same lines, in the same order, with the same exit status."""

from __future__ import annotations

import pytest

from scalelab import ZONES, records, smtpdoctor

pytestmark = pytest.mark.realserver


def _domain(lab, inputs, *extra):
    return smtpdoctor("domain", "--file", str(inputs["domains"]), "--resolver", lab.address, "--format", "json",
                      *extra)


def _blacklist(lab, inputs, *extra):
    zones = [a for z in ZONES for a in ("--dnsbl", z)]
    return smtpdoctor("blacklist", "--file", str(inputs["ips"]), "--resolver", lab.address, "--format", "json",
                      *zones, *extra)


@pytest.mark.parametrize("command", [_domain, _blacklist], ids=["domain", "blacklist"])
def test_in_process_local_cluster_and_real_cluster_agree(command, lab, inputs, dask_cluster):
    here = command(lab, inputs)
    local = command(lab, inputs, "--workers", "2", "--partition-size", "7")
    remote = command(lab, inputs, "--cluster", dask_cluster.address, "--partition-size", "5")
    assert here.returncode == 1, here.stderr  # some domains are broken, some addresses listed
    expected = records(here.stdout)
    assert len(expected) >= 40
    for run in (local, remote):
        assert run.returncode == here.returncode, run.stderr
        assert run.stderr == ""
        assert records(run.stdout) == expected


def test_domain_lines_keep_input_order_and_bad_domains_as_findings(lab, inputs):
    run = _domain(lab, inputs, "--workers", "2", "--partition-size", "3")
    got = records(run.stdout)
    assert [o["input"] for o in got][-3:] == ["sender0039.lab.test", "not a domain", "missing.lab.test"]
    assert [o["input"] for o in got][:2] == ["sender0000.lab.test", "sender0001.lab.test"]
    assert got[-2]["status"] == "error" and got[-2]["domain"] in (None, "")


def test_blacklist_range_expands_on_the_workers_in_order(lab, inputs):
    run = _blacklist(lab, inputs, "--workers", "2", "--partition-size", "16")
    got = records(run.stdout)
    assert [o["value"] for o in got[-8:]] == [f"198.51.100.{n}" for n in range(112, 120)]
    assert {o["input"] for o in got[-8:]} == {"198.51.100.112/29"}
    listed = [o["value"] for o in got if o["listed"]]
    assert listed[:2] == ["198.51.100.3", "198.51.100.13"]
