from support.server_facts import make_facts, port

from smtpdoctor.judge import reachability
from smtpdoctor.observe.facts import Mode, PortOutcome
from smtpdoctor.protocol.replies import Reply

REFUSED, FILTERED = PortOutcome.REFUSED, PortOutcome.FILTERED


def ids(findings):
    return [f.id for f in findings]


def test_working_port_is_ok():
    f = reachability.check(make_facts([port(587), port(25, REFUSED), port(465, mode=Mode.IMPLICIT_TLS)]))
    assert ids(f) == ["connection.ok"]
    assert f[0].severity.value == "ok"


def test_refused_port_with_a_working_alternative_is_wrong_port_with_exact_settings():
    f = reachability.check(make_facts([port(2526, REFUSED), port(25, REFUSED), port(587),
                                       port(465, mode=Mode.IMPLICIT_TLS), port(2525, FILTERED)], configured=2526))
    assert ids(f) == ["port.wrong-port"]
    assert f[0].category.value == "port"
    assert "port 587 does (STARTTLS)" in f[0].title
    assert f[0].remedy[0] == "Change the SMTP port in your sending tool to 587 and security to STARTTLS."


def test_implicit_tls_alternative_is_described_as_ssl_tls():
    f = reachability.check(make_facts([port(2526, REFUSED), port(465, mode=Mode.IMPLICIT_TLS)], configured=2526))
    assert "465" in f[0].title and "SSL/TLS" in f[0].title


def test_refused_everywhere_is_connection():
    f = reachability.check(make_facts([port(p, REFUSED) for p in (587, 25, 465, 2525)]))
    assert ids(f) == ["connection.refused-everywhere"]
    assert f[0].category.value == "connection"


def test_a_refused_port_with_no_other_port_swept_says_nothing_of_other_ports():
    f = reachability.check(make_facts([port(587, REFUSED)]))
    assert ids(f) == ["connection.port-refused"]
    assert f[0].category.value == "connection"
    assert "no other usual port" not in f[0].title and "no other port was tried" in f[0].detail
    assert any("without --ports" in r for r in f[0].remedy)


def test_a_refused_port_among_refused_and_filtered_ones_is_port_closed():
    f = reachability.check(make_facts([port(587, REFUSED), port(25, REFUSED), port(2525, FILTERED)]))
    assert ids(f)[0] == "connection.port-closed"
    assert "no other usual port works" in f[0].title and "none tried" not in f[0].detail


def test_a_connection_that_failed_otherwise_says_its_error_and_nothing_of_other_ports():
    f = reachability.check(make_facts([port(587, PortOutcome.ERROR, error="[Errno 24] Too many open files"),
                                       port(25, REFUSED)]))
    assert ids(f)[0] == "connection.failed"
    assert "Too many open files" in f[0].title and "refused or filtered" not in f[0].detail


def test_timeout_while_host_answers_elsewhere_is_firewall_high_confidence():
    f = reachability.check(make_facts([port(587, FILTERED), port(25, REFUSED), port(465, mode=Mode.IMPLICIT_TLS)]))
    assert ids(f) == ["firewall.port-filtered", "port.alternatives"] or ids(f) == ["firewall.port-filtered"]
    assert f[0].category.value == "firewall" and f[0].evidence["confidence"] == "high"
    assert "port 465 with security SSL/TLS works" in f[0].remedy[0]


def test_timeout_everywhere_is_firewall_medium_confidence():
    f = reachability.check(make_facts([port(p, FILTERED) for p in (587, 25, 465, 2525)]))
    assert ids(f) == ["firewall.all-filtered"]
    assert f[0].evidence["confidence"] == "medium"


def test_unreachable_is_firewall_rejected():
    f = reachability.check(make_facts([port(587, PortOutcome.UNREACHABLE, error="host unreachable"),
                                       port(465, mode=Mode.IMPLICIT_TLS)]))
    assert ids(f)[0] == "firewall.rejected"


def test_greeting_rejected_is_connection_with_reply():
    g = Reply(code=554, lines=("5.3.2 Service currently unavailable",))
    f = reachability.check(make_facts([port(587, PortOutcome.GREETING_REJECTED, greeting=g)]))
    assert ids(f) == ["connection.greeting-rejected"]
    assert "554 5.3.2 Service currently unavailable" in f[0].title


def test_greeting_citing_a_list_uses_the_citation():
    from smtpdoctor.core.catalogue import make

    g = Reply(code=554, lines=("5.7.1 Client host [192.0.2.1] blocked using zen.spamhaus.org",))
    citation = make("connection.no-greeting", port=1, timeout=1)  # any finding: the hook's result is used as is

    def cites(text):
        return citation if "spamhaus" in text else None

    f = reachability.check(make_facts([port(587, PortOutcome.GREETING_REJECTED, greeting=g)]), cites_listing=cites)
    assert f == [citation]


def test_silent_not_smtp_reset_closed():
    assert ids(reachability.check(make_facts([port(587, PortOutcome.SILENT)]))) == ["connection.no-greeting"]
    nf = reachability.check(make_facts([port(587, PortOutcome.NOT_SMTP, not_smtp_kind="http",
                                             sample="HTTP/1.1 400 Bad Request")]))
    assert ids(nf) == ["connection.not-smtp"] and "a web server" in nf[0].title
    assert ids(reachability.check(make_facts([port(587, PortOutcome.RESET)]))) == ["connection.reset"]
    assert ids(reachability.check(make_facts([port(587, PortOutcome.CLOSED)]))) == [
        "connection.closed-without-greeting"]


def test_slow_greeting_warning():
    f = reachability.check(make_facts([port(587, greeting_time=7.5)]))
    assert ids(f) == ["connection.ok", "connection.slow-greeting"]
    assert "7.5 s" in f[1].title


def test_ipv6_difference_reported():
    v6 = "2001:db8::10"
    facts = make_facts([port(587), port(587, FILTERED, address=v6)], ipv6=v6)
    f = reachability.check(facts)
    assert "host.ipv6-differs" in ids(f)
    diff = next(x for x in f if x.id == "host.ipv6-differs")
    assert "over IPv4 but not over IPv6" in diff.title


def test_firewall_step_passes_when_nothing_is_filtered_and_notes_filtered_ports_otherwise():
    from smtpdoctor.judge import firewall

    ok = firewall.check(make_facts([port(587), port(25, REFUSED)]))
    assert [f.id for f in ok] == ["firewall.none-seen"] and ok[0].severity.value == "ok"
    some = firewall.check(make_facts([port(587), port(465, FILTERED), port(2525, FILTERED)]))
    assert [f.id for f in some] == ["firewall.other-ports-filtered"] and "465, 2525" in some[0].title
    only25 = firewall.check(make_facts([port(587), port(25, FILTERED)]))
    assert [f.id for f in only25] == ["firewall.port-25-blocked"]
    assert firewall.check(make_facts([port(587, FILTERED), port(25)])) == []  # reachability explains it


def test_a_filtered_submission_port_gets_no_port_25_advice():
    """Issue 20: the port-25 block of cloud hosts has nothing to do with a filtered 587."""
    (f,) = [x for x in reachability.check(make_facts([port(587, FILTERED), port(465, mode=Mode.IMPLICIT_TLS)]))
            if x.id == "firewall.port-filtered"]
    assert f.remedy and not any("25" in r for r in f.remedy), f.remedy
    assert not any("{" in r for r in f.remedy)
    (g,) = [x for x in reachability.check(make_facts([port(25, FILTERED), port(587)], configured=25))
            if x.id == "firewall.port-filtered"]
    assert any("block outbound port 25" in r for r in g.remedy)


def test_a_failure_after_the_greeting_is_judged_by_its_kind_not_called_dropped():
    from smtpdoctor.core.observations import Failure

    cases = {
        Failure(kind="read-timeout", phase="ehlo", message="no reply within the time limit (ehlo)"):
            "connection.stalled-after-greeting",
        Failure(kind="closed", phase="ehlo", message="the server closed the connection"):
            "connection.dropped-after-greeting",
        Failure(kind="reset", phase="ehlo-after-tls", errno=104, message="connection reset by the server"):
            "connection.dropped-after-greeting",
        Failure(kind="protocol", phase="ehlo", message="reply line longer than 2048 bytes"):
            "connection.protocol-violation",
    }
    for failure, expected in cases.items():
        f = reachability.check(make_facts([port(587, later_failure=failure)]))
        assert ids(f) == [expected], failure
        assert f[0].evidence["failure"]["phase"] == failure.phase
