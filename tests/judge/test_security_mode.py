from support.server_facts import make_facts, port

from smtpdoctor.judge import security_mode
from smtpdoctor.observe.facts import Mode, PortOutcome
from smtpdoctor.core.settings import Security


def test_implicit_tls_configured_on_a_starttls_port():
    f = security_mode.check(make_facts([port(587), port(465, mode=Mode.IMPLICIT_TLS)], security=Security.TLS))
    assert [x.id for x in f] == ["client.implicit-tls-on-starttls-port"]
    assert f[0].category.value == "client" and f[0].severity.value == "error"
    assert f[0].remedy[0] == "Set the security (encryption) option to STARTTLS and keep port 587."
    assert "port 465 instead" in f[0].remedy[1]


def test_starttls_configured_on_an_implicit_tls_port():
    f = security_mode.check(make_facts([port(465, mode=Mode.IMPLICIT_TLS), port(587)], configured=465,
                                       security=Security.STARTTLS))
    assert [x.id for x in f] == ["client.starttls-on-implicit-tls-port"]
    assert "port 587 instead" in f[0].remedy[1]


def test_matching_modes_and_auto_are_fine():
    assert security_mode.check(make_facts([port(587)], security=Security.STARTTLS)) == []
    assert security_mode.check(make_facts([port(465, mode=Mode.IMPLICIT_TLS)], configured=465,
                                          security=Security.TLS)) == []
    assert security_mode.check(make_facts([port(465, mode=Mode.IMPLICIT_TLS)], configured=465)) == []


def test_auto_on_465_expects_implicit_tls():
    f = security_mode.check(make_facts([port(465)], configured=465))
    assert [x.id for x in f] == ["client.implicit-tls-on-starttls-port"]


def test_no_finding_when_port_does_not_speak_smtp():
    assert security_mode.check(make_facts([port(587, PortOutcome.REFUSED)], security=Security.TLS)) == []
