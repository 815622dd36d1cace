"""spf_findings(): pure, tested with literal trees and results."""

from __future__ import annotations

from smtpdoctor.core.model import Category, Severity, Step
from smtpdoctor.protocol.spf.result import CheckHostResult, SpfResult
from smtpdoctor.protocol.spf.tree import LookupNode, NodeStatus, TermCost
from smtpdoctor.judge.dns.spf import spf_findings


def node(record="v=spf1 ip4:192.0.2.0/24 -all", *, all_q="-", terms=(), **kw) -> LookupNode:
    return LookupNode(domain=kw.pop("domain", "example.com"), via="", status=kw.pop("status", NodeStatus.OK),
                      record=record, all_qualifier=all_q, terms=tuple(terms), **kw)


def ids(findings) -> list[str]:
    return [f.id for f in findings]


def by_id(findings, fid):
    return next(f for f in findings if f.id == fid)


def test_clean_record_is_ok_with_its_count():
    found = spf_findings(node(terms=[TermCost(text="include:a.example", position=7, cost=3)]))
    assert ids(found) == ["spf.ok"]
    f = found[0]
    assert (f.severity, f.category, f.step) == (Severity.OK, Category.DNS, Step.DNS)
    assert f.title == "SPF record of example.com is valid (3/10 lookups)"


def test_lookup_failure_is_could_not_test_never_missing():
    found = spf_findings(node(None, status=NodeStatus.LOOKUP_FAILED, error="TXT example.com: timeout"))
    assert ids(found) == ["spf.lookup-failed"]
    assert "not a missing record" in found[0].detail


def test_missing_record():
    found = spf_findings(node(None, status=NodeStatus.NONE, error="no v=spf1 record"))
    assert ids(found) == ["spf.missing"]
    assert found[0].severity is Severity.ERROR


def test_too_many_lookups_names_the_count_and_costs():
    terms = [TermCost(text="include:big.example", position=7, cost=9),
             TermCost(text="include:small.example", position=27, cost=3), TermCost(text="mx", position=49, cost=1)]
    f = by_id(spf_findings(node(terms=terms)), "spf.too-many-lookups")
    assert f.title == "SPF needs 13/10 DNS lookups"
    assert "include:big.example 9, include:small.example 3, mx 1" in f.detail
    assert f.evidence["costs"] == {"include:big.example": 9, "include:small.example": 3, "mx": 1}
    assert f.evidence["lookups"] == 13


def test_syntax_error_points_at_the_position():
    bad = node("v=spf1 ip4:192.0.2.1 -all moo", status=NodeStatus.SYNTAX_ERROR, position=26,
               error="unknown mechanism 'moo'")
    f = by_id(spf_findings(bad), "spf.syntax-error")
    assert f.evidence["position"] == 26 and f.evidence["term"] == "moo"
    assert "At character 27" in f.detail
    assert "v=spf1 ip4:192.0.2.1 -all moo\n  " + " " * 26 + "^" in f.detail


def test_permissive_all_levels():
    assert by_id(spf_findings(node("v=spf1 +all", all_q="+")), "spf.permissive-all").severity is Severity.ERROR
    assert by_id(spf_findings(node("v=spf1 ?all", all_q="?")), "spf.permissive-all").severity is Severity.WARNING
    assert "spf.permissive-all" not in ids(spf_findings(node("v=spf1 ~all", all_q="~")))


def test_no_all_but_redirect_target_all_counts():
    assert "spf.no-all" in ids(spf_findings(node("v=spf1 a", all_q=None)))
    target = node("v=spf1 -all", domain="_spf.example.com")
    redirect = TermCost(text="redirect=_spf.example.com", position=7, cost=1, child=target)
    assert ids(spf_findings(node("v=spf1 redirect=_spf.example.com", all_q=None, terms=[redirect]))) == ["spf.ok"]


def test_long_strings_and_records():
    long_string = spf_findings(node(string_lengths=((300,),)))
    assert by_id(long_string, "spf.string-too-long").title == "An SPF string of example.com is longer than 255 bytes"
    rec460 = "v=spf1 " + "ip4:192.0.2.1 " * 32 + "-all"
    assert len(rec460) > 450
    f = by_id(spf_findings(node(rec460)), "spf.record-too-long")
    assert f.severity is Severity.WARNING and "over 512" not in f.detail
    rec520 = "v=spf1 " + "ip4:192.0.2.1 " * 37 + "-all"
    assert "over 512" in by_id(spf_findings(node(rec520)), "spf.record-too-long").detail


def test_void_lookups_warning_then_error():
    one = node(terms=[TermCost(text="a:gone.example", position=7, cost=1, void=True)])
    assert by_id(spf_findings(one), "spf.void-lookups").severity is Severity.WARNING
    three = node(terms=[TermCost(text=f"a:gone{i}.example", position=7, cost=1, void=True) for i in range(3)])
    assert by_id(spf_findings(three), "spf.void-lookups").severity is Severity.ERROR


def test_include_problems_are_named_by_include():
    missing = node(None, domain="gone.example", status=NodeStatus.NONE, error="the domain does not exist")
    loop = node(None, domain="example.com", status=NodeStatus.LOOP, error="example.com -> a.example -> example.com")
    tree = node(terms=[TermCost(text="include:gone.example", position=7, cost=1, child=missing),
                       TermCost(text="include:a.example", position=28, cost=1, child=loop)])
    found = spf_findings(tree)
    assert by_id(found, "spf.include-missing").title == "include:gone.example points at a domain without an SPF record"
    assert by_id(found, "spf.include-loop").evidence["loop"] == ["example.com", "a.example", "example.com"]
    assert "spf.ok" not in ids(found)


def _check(result: SpfResult, reason="-all in example.com") -> CheckHostResult:
    return CheckHostResult(result=result, domain="example.com", ip="192.0.2.9", sender="postmaster@example.com",
                           helo="example.com", reason=reason, lookups=2)


def test_ip_results():
    assert "spf.ip-permitted" in ids(spf_findings(node(), _check(SpfResult.PASS)))
    fail = by_id(spf_findings(node(), _check(SpfResult.FAIL)), "spf.ip-not-permitted")
    assert fail.severity is Severity.ERROR and fail.title == "Mail from 192.0.2.9 would get SPF fail"
    soft = by_id(spf_findings(node(), _check(SpfResult.SOFTFAIL)), "spf.ip-not-permitted")
    assert soft.severity is Severity.WARNING
    temp = spf_findings(node(), _check(SpfResult.TEMPERROR, "DNS timeout for A x.example"))
    assert by_id(temp, "spf.lookup-failed").evidence["error"] == "DNS timeout for A x.example"


# -- fixes that fit the case (issue 20) ------------------------------------------------------------

def _fail_for(ip: str, record="v=spf1 include:_spf.example.net -all") -> object:
    check = CheckHostResult(result=SpfResult.FAIL, domain="example.com", ip=ip, sender="postmaster@example.com",
                            helo="example.com", reason="-all in example.com", lookups=1)
    return by_id(spf_findings(node(record), check), "spf.ip-not-permitted")


def test_fail_suggests_the_exact_ip4_mechanism_and_the_record_it_gives():
    f = _fail_for("203.0.113.9")
    assert f.remedy[0] == ("Add ip4:203.0.113.9 to the SPF record of example.com, so that it reads: "
                           "v=spf1 include:_spf.example.net ip4:203.0.113.9 -all.")
    assert f.evidence["mechanism"] == "ip4:203.0.113.9"


def test_fail_for_an_ipv6_sender():
    assert "ip6:2001:db8::25" in _fail_for("2001:db8::25").remedy[0]


def test_fail_for_a_known_esp_address_suggests_its_include():
    f = _fail_for("167.89.1.1")  # SendGrid's published range
    assert f.remedy[0].startswith("167.89.1.1 is one of SendGrid's sending servers: add include:sendgrid.net")
    assert "v=spf1 include:_spf.example.net include:sendgrid.net -all" in f.remedy[0]
    assert f.evidence["esp"] == "sendgrid"
    # the include is already there: the address itself is what is missing
    g = _fail_for("167.89.1.1", record="v=spf1 include:sendgrid.net -all")
    assert "ip4:167.89.1.1" in g.remedy[0]


def test_two_records_give_the_merged_record():
    n = node(None, status=NodeStatus.MULTIPLE, records=("v=spf1 include:_spf.google.com ~all",
                                                        "v=spf1 include:sendgrid.net -all"))
    f = by_id(spf_findings(n), "spf.multiple-records")
    assert f.remedy[0].endswith("v=spf1 include:_spf.google.com include:sendgrid.net ~all")
    assert f.evidence["merged"] == "v=spf1 include:_spf.google.com include:sendgrid.net ~all"
