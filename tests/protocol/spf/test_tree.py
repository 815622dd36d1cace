"""The static lookup tree: what each include costs, loops, void lookups, failures kept local, bounds."""

from __future__ import annotations

import time

from smtpdoctor.net.dns import Resolver
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.protocol.spf.tree import NodeStatus, build_tree, render_tree

COSTLY = {
    "example.com": {"TXT": ["v=spf1 include:a.example.net include:b.example.net mx a ~all"],
                    "MX": ["10 mx.example.com."], "A": ["192.0.2.1"]},
    "a.example.net": {"TXT": ["v=spf1 a:x1.example.net a:x2.example.net a:x3.example.net a:x4.example.net -all"]},
    "b.example.net": {"TXT": ["v=spf1 include:c.example.net ptr -all"]},
    "c.example.net": {"TXT": ["v=spf1 exists:%{i}.c.example.net mx:c.example.net a -all"],
                      "MX": ["10 mx.c.example.net."], "A": ["198.51.100.3"]},
    **{f"x{i}.example.net": {"A": [f"198.51.100.{i}"]} for i in range(1, 5)},
}


async def _tree(zone, domain="example.com", **kw):
    async with LabDnsServer(zone) as srv:
        return await build_tree(Resolver([srv.address], timeout=0.3, lifetime=0.3), domain, **kw)


async def test_costs_per_include_and_total_over_the_limit():
    tree = await _tree(COSTLY)
    assert tree.status is NodeStatus.OK
    assert {t.text: t.cost for t in tree.terms} == {
        "include:a.example.net": 5, "include:b.example.net": 6, "mx": 1, "a": 1}
    assert tree.total == 13
    b = tree.terms[1].child
    assert b is not None and b.ptr_terms == ("ptr",)
    assert {t.text: t.cost for t in b.terms} == {"include:c.example.net": 4, "ptr": 1}
    c = b.terms[0].child
    assert c.terms[0].note == "depends on the sending IP"  # exists:%{i}... without --ip


async def test_render_tree_shows_costs_under_each_include():
    lines = render_tree(await _tree(COSTLY))
    assert lines[0] == "example.com  13/10 lookups"
    assert lines[1] == "├─ include:a.example.net  5"
    assert "│  ├─ a:x1.example.net  1" in lines
    assert lines[-1] == "└─ a  1"


async def test_redirect_counts_only_without_all():
    zone = {"example.com": {"TXT": ["v=spf1 a redirect=_spf.example.com"], "A": ["192.0.2.1"]},
            "_spf.example.com": {"TXT": ["v=spf1 a:x.example.com -all"]},
            "x.example.com": {"A": ["192.0.2.2"]},
            "example.org": {"TXT": ["v=spf1 a redirect=_spf.example.com -all"], "A": ["192.0.2.1"]}}
    assert (await _tree(zone)).total == 3
    assert (await _tree(zone, "example.org")).total == 1


async def test_include_loop_is_found_and_bounded():
    zone = {"example.com": {"TXT": ["v=spf1 include:a.example.com -all"]},
            "a.example.com": {"TXT": ["v=spf1 include:b.example.com"]},
            "b.example.com": {"TXT": ["v=spf1 include:example.com"]}}
    tree = await _tree(zone)
    loop = [n for n in tree.walk() if n.status is NodeStatus.LOOP]
    assert len(loop) == 1
    assert loop[0].error == "example.com -> a.example.com -> b.example.com -> example.com"


async def test_failed_lookup_stays_local_to_its_include():
    zone = {"example.com": {"TXT": ["v=spf1 include:slow.example.net include:ok.example.net -all"]},
            "slow.example.net": "TIMEOUT",
            "ok.example.net": {"TXT": ["v=spf1 ip4:192.0.2.0/24 -all"]}}
    tree = await _tree(zone)
    slow, ok = (t.child for t in tree.terms)
    assert slow.status is NodeStatus.LOOKUP_FAILED and "timeout" in slow.error
    assert ok.status is NodeStatus.OK and ok.record == "v=spf1 ip4:192.0.2.0/24 -all"


async def test_void_lookups_depend_on_the_address_family():
    zone = {"example.com": {"TXT": ["v=spf1 a:v6only.example.com a:gone.example.com mx:nomx.example.com -all"]},
            "v6only.example.com": {"AAAA": ["2001:db8::1"]},
            "nomx.example.com": {"A": ["192.0.2.1"]}}
    without_ip = await _tree(zone)
    assert without_ip.void_terms == ("a:gone.example.com", "mx:nomx.example.com")
    with_v4 = await _tree(zone, ip="192.0.2.9")
    assert with_v4.void_terms == ("a:v6only.example.com", "a:gone.example.com", "mx:nomx.example.com")


async def test_mx_with_more_than_ten_names_is_flagged():
    zone = {"example.com": {"TXT": ["v=spf1 mx -all"], "MX": [f"{i} mx{i}.example.com." for i in range(12)]}}
    tree = await _tree(zone)
    assert tree.mx_overflow == ("mx (12 names)",)


async def test_macro_targets_are_followed_when_the_ip_is_known():
    zone = {"example.com": {"TXT": ["v=spf1 include:%{ir}.%{v}.rbl.example.com -all"]},
            "1.2.0.192.in-addr.rbl.example.com": {"TXT": ["v=spf1 +all"]}}
    assert (await _tree(zone)).terms[0].child is None
    child = (await _tree(zone, ip="192.0.2.1")).terms[0].child
    assert child is not None and child.record == "v=spf1 +all"


async def test_fan_out_is_bounded():
    # ten includes, each of ten includes, each of ten: 1,111 records unbounded
    zone = {"example.com": {"TXT": ["v=spf1 " + " ".join(f"include:l{i}.example.com" for i in range(10))]}}
    for i in range(10):
        zone[f"l{i}.example.com"] = {"TXT": ["v=spf1 " + " ".join(f"include:l{i}{j}.example.com" for j in range(10))]}
        for j in range(10):
            zone[f"l{i}{j}.example.com"] = {
                "TXT": ["v=spf1 " + " ".join(f"include:l{i}{j}{k}.example.com" for k in range(10))]}
    start = time.perf_counter()
    tree = await _tree(zone)
    assert time.perf_counter() - start < 10
    statuses = [n.status for n in tree.walk()]
    assert statuses.count(NodeStatus.NOT_FOLLOWED) > 0
    assert len([s for s in statuses if s is not NodeStatus.NOT_FOLLOWED]) <= 100
    assert tree.total > 100
