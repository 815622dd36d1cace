"""The health guards as pure functions of literal answers."""

from __future__ import annotations

from smtpdoctor.core.observations import Outcome
from smtpdoctor.core.dnsbl_facts import Answer, Environment, Status, ZoneStatus
from smtpdoctor.observe.blocklist_health import judge_answer, judge_environment, judge_zone, points_for
from smtpdoctor.core.dnsbl_zones import Kind, catalogue, select_zones

ZEN = catalogue().zone("zen.spamhaus.org")
DBL = catalogue().zone("dbl.spamhaus.org")
(CUSTOM,), _ = select_zones(["bl.lab.test"])
CLEAN = Environment(everything_listed=False, zones_checked=3)


def a(*records: str, outcome: Outcome = Outcome.OK) -> Answer:
    return Answer(name="q", outcome=outcome if records or outcome is not Outcome.OK else Outcome.NXDOMAIN,
                  records=records)


NX = a(outcome=Outcome.NXDOMAIN)


def test_points_follow_rfc5782_and_the_catalogue():
    assert points_for(ZEN, Kind.IPV4) == ("127.0.0.2", "127.0.0.1")
    assert points_for(ZEN, Kind.IPV6) == ("::ffff:7f00:2", "::ffff:7f00:1")
    assert points_for(DBL, Kind.DOMAIN) == ("dbltest.com", "invalid")
    assert points_for(CUSTOM, Kind.DOMAIN) == ("test", "invalid")


def test_healthy_zone():
    assert judge_zone(ZEN, Kind.IPV4, a("127.0.0.2"), NX).status is ZoneStatus.OK


def test_zone_listing_its_never_listed_point_answers_everything():
    h = judge_zone(ZEN, Kind.IPV4, a("127.0.0.2"), a("127.0.0.2"))
    assert h.status is ZoneStatus.ANSWERS_EVERYTHING and not h.status.usable
    assert "127.0.0.1" in h.why


def test_answer_outside_loopback_marks_the_zone_broken():
    h = judge_zone(ZEN, Kind.IPV4, a("198.51.100.7"), NX)
    assert h.status is ZoneStatus.BROKEN and "198.51.100.7" in h.why


def test_error_code_on_the_test_point_is_refused_not_listed():
    h = judge_zone(ZEN, Kind.IPV4, a("127.255.255.254"), a("127.255.255.254"))
    assert h.status is ZoneStatus.REFUSED
    assert "own resolver" in h.why


def test_missing_positive_test_point_is_unverified():
    h = judge_zone(ZEN, Kind.IPV4, NX, NX)
    assert h.status is ZoneStatus.UNVERIFIED and "cannot be trusted" in h.why


def test_unknown_zone_without_test_point_of_a_kind_does_not_serve_it():
    served = frozenset({Kind.IPV4})
    assert judge_zone(CUSTOM, Kind.DOMAIN, NX, NX, served=served).status is ZoneStatus.NOT_SERVED
    assert judge_zone(CUSTOM, Kind.IPV4, a("127.0.0.2"), NX, served=served).status is ZoneStatus.OK


def test_unknown_zone_without_any_test_point_is_unverified_not_dropped():
    h = judge_zone(CUSTOM, Kind.IPV4, NX, NX, served=frozenset())
    assert h.status is ZoneStatus.UNVERIFIED and "none of the RFC 5782 test points" in h.why


def test_both_test_points_failing_is_unreachable():
    t = a(outcome=Outcome.TIMEOUT)
    assert judge_zone(ZEN, Kind.IPV4, t, t).status is ZoneStatus.UNREACHABLE


def test_environment_everything_listed_needs_two_zones_and_half():
    ok = judge_zone(catalogue().zone("bl.spamcop.net"), Kind.IPV4, a("127.0.0.2"), NX)
    bad = judge_zone(ZEN, Kind.IPV4, a("127.0.0.2"), a("127.0.0.2"))
    bad2 = judge_zone(CUSTOM, Kind.IPV4, a("127.0.0.2"), a("127.0.0.3"))
    assert not judge_environment([bad, ok]).everything_listed  # one zone is one broken zone
    env = judge_environment([bad, bad2, ok])
    assert env.everything_listed and env.zones_checked == 3
    assert set(env.zones_listing_everything) == {"zen.spamhaus.org", "bl.lab.test"}


def test_rewriting_resolver_counts_as_everything_listed():
    hijacked = [judge_zone(z, Kind.IPV4, a("198.51.100.1"), a("198.51.100.1"))
                for z in (ZEN, CUSTOM)]
    assert judge_environment(hijacked).everything_listed


def test_listed_answer_on_healthy_zone():
    h = judge_zone(ZEN, Kind.IPV4, a("127.0.0.2"), NX)
    r = judge_answer(ZEN, h, a("127.0.0.4", "127.0.0.10"), CLEAN)
    assert r.status is Status.LISTED and [c.address for c in r.codes] == ["127.0.0.4", "127.0.0.10"]
    assert r.weight.value == "high"


def test_error_code_for_a_target_is_refused_never_listed():
    h = judge_zone(ZEN, Kind.IPV4, a("127.0.0.2"), NX)
    r = judge_answer(ZEN, h, a("127.255.255.254"), CLEAN)
    assert r.status is Status.REFUSED and "own resolver" in r.why


def test_nxdomain_from_a_refusing_zone_is_refused_not_clean():
    h = judge_zone(ZEN, Kind.IPV4, a("127.255.255.254"), NX)
    assert judge_answer(ZEN, h, NX, CLEAN).status is Status.REFUSED


def test_nxdomain_from_unverified_zone_is_unknown():
    h = judge_zone(ZEN, Kind.IPV4, NX, NX)
    r = judge_answer(ZEN, h, NX, CLEAN)
    assert r.status is Status.UNKNOWN and "cannot be trusted" in r.why


def test_listing_from_unverified_zone_is_still_a_listing():
    h = judge_zone(ZEN, Kind.IPV4, NX, NX)
    assert judge_answer(ZEN, h, a("127.0.0.2"), CLEAN).status is Status.LISTED


def test_results_of_broken_zone_or_environment_are_unusable():
    broken = judge_zone(ZEN, Kind.IPV4, a("127.0.0.2"), a("127.0.0.2"))
    assert judge_answer(ZEN, broken, a("127.0.0.2"), CLEAN).status is Status.UNUSABLE
    healthy = judge_zone(ZEN, Kind.IPV4, a("127.0.0.2"), NX)
    env = Environment(everything_listed=True, zones_checked=2, zones_listing_everything=("a", "b"))
    assert judge_answer(ZEN, healthy, a("127.0.0.2"), env).status is Status.UNUSABLE


def test_timeout_is_failed_not_clean():
    h = judge_zone(ZEN, Kind.IPV4, a("127.0.0.2"), NX)
    r = judge_answer(ZEN, h, a(outcome=Outcome.TIMEOUT), CLEAN)
    assert r.status is Status.FAILED and "could not test" in r.why


def test_allow_list_entry():
    dnswl = catalogue().zone("list.dnswl.org")
    h = judge_zone(dnswl, Kind.IPV4, a("127.0.10.0"), NX)
    assert judge_answer(dnswl, h, a("127.0.5.3"), CLEAN).status is Status.ALLOWLISTED
