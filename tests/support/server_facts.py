import datetime as dt

import pytest

from smtpdoctor.judge.server_facts import ServerFacts
from smtpdoctor.core.observations import DnsResult, Outcome
from smtpdoctor.observe.facts import HostLookup
from smtpdoctor.observe.facts import Mode, PortObservation, PortOutcome
from smtpdoctor.observe.facts import SweepResult
from smtpdoctor.core.settings import Security, Settings
from smtpdoctor.protocol.capabilities import parse_ehlo
from smtpdoctor.protocol.replies import Reply
from smtpdoctor.core.observations import CertFacts, TlsFacts

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.timezone.utc)
ADDR = "192.0.2.10"


def cert(*, names=("smtp.example.com",), not_after="2027-03-01T00:00:00+00:00", self_signed=False):
    return CertFacts(subject="CN=" + names[0], issuer="CN=Test CA" if not self_signed else "CN=" + names[0],
                     dns_names=tuple(names), ip_addresses=(), not_before="2026-01-01T00:00:00+00:00",
                     not_after=not_after, self_signed=self_signed, key="EC secp256r1", sha256="00")


def tls(*, verified=True, code=None, message=None, **kw):
    return TlsFacts(version=kw.pop("version", "TLSv1.3"), cipher="TLS_AES_256_GCM_SHA384", bits=256,
                    verified=verified, verify_code=code, verify_message=message, cert=cert(**kw))


def ehlo(*exts):
    return parse_ehlo(Reply(code=250, lines=("smtp.example.com", *exts)))


def port(p, outcome=PortOutcome.SMTP, *, mode=Mode.PLAIN, starttls=True, tls_facts=None, address=ADDR, **kw):
    if outcome is PortOutcome.SMTP:
        kw.setdefault("greeting", Reply(code=220, lines=("smtp.example.com ESMTP",)))
        kw.setdefault("greeting_time", 0.05)
        if mode is Mode.PLAIN:
            kw.setdefault("capabilities", ehlo("PIPELINING", *(("STARTTLS",) if starttls else ())))
            kw.setdefault("starttls_offered", starttls)
            if starttls:
                kw.setdefault("tls", tls_facts or tls())
                kw.setdefault("capabilities_after_tls", ehlo("AUTH PLAIN LOGIN"))
        else:
            kw.setdefault("tls", tls_facts or tls())
            kw.setdefault("capabilities", ehlo("AUTH PLAIN LOGIN"))
    else:
        mode = kw.pop("mode_override", None)
    return PortObservation(address=address, port=p, family=6 if ":" in address else 4, outcome=outcome, mode=mode,
                           **kw)


def make_facts(ports, *, configured=587, security=Security.AUTO, host="smtp.example.com", ipv6=None):
    a = DnsResult(name=host, rdtype="A", outcome=Outcome.OK, records=(ADDR,))
    aaaa = DnsResult(name=host, rdtype="AAAA", outcome=Outcome.OK, records=(ipv6,)) if ipv6 else \
        DnsResult(name=host, rdtype="AAAA", outcome=Outcome.NODATA)
    return ServerFacts(settings=Settings(host=host, port=configured, security=security, timeout=10),
                       host=HostLookup(host=host, literal=False, a=a, aaaa=aaaa),
                       sweep=SweepResult(ports=tuple(ports), configured_port=configured), now=NOW)


@pytest.fixture
def facts_factory():
    return make_facts
