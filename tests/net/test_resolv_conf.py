"""net/resolv_conf.system_servers: the system resolver's servers when the file is plain enough to be sure
the facade, given them, asks what dnspython's own reading of the file makes it ask; None otherwise."""

from __future__ import annotations

import dns.resolver
import pytest

from smtpdoctor.core.names import parse_nameserver
from smtpdoctor.net.dns_first import servers_for
from smtpdoctor.net.resolv_conf import system_servers

SURE = [
    ("nameserver 10.0.0.53\n", ["10.0.0.53"]),
    ("# a comment\n; another\n\nsearch corp.test lab.test\nnameserver 127.0.0.53\noptions ndots:2 timeout:1 "
     "attempts:3\nnameserver ::1\n", ["127.0.0.53", "[::1]"]),
    ("domain corp.test\nnameserver 192.0.2.1 trailing words\noptions rotate\n", ["192.0.2.1"]),
]

NOT_SURE = [
    "",                                                   # no server: dnspython raises, the facade falls back
    "search corp.test\n",
    "nameserver 10.0.0.1\noptions edns0\n",               # changes dnspython's query when DNSSEC is off
    "nameserver 10.0.0.1\nnameserver 10.0.0.2\noptions rotate\n",  # dnspython would shuffle them
    "nameserver fe80::1%eth0\n",                           # a scope id
    "nameserver resolver.corp.test\n",                     # not an address
    "nameserver 10.0.0.1:5353\n",
    "nameserver\n",
    "nameserver 10.0.0.1\nsortlist 10.0.0.0/255.0.0.0\n",  # a keyword this reader does not know
    "nameserver 10.0.0.1\noptions ndots:x\n",
    "nameserver 10.0.0.1\noptions single-request\n",
]


@pytest.mark.parametrize(("text", "servers"), SURE)
def test_a_plain_file_gives_the_servers_dnspython_reads(tmp_path, text, servers):
    conf = tmp_path / "resolv.conf"
    conf.write_text(text)
    assert system_servers(str(conf)) == servers
    theirs = dns.resolver.Resolver(filename=str(conf))
    assert [parse_nameserver(s) for s in servers] == [(ns, theirs.port) for ns in theirs.nameservers]


@pytest.mark.parametrize("text", NOT_SURE)
def test_anything_unsure_gives_none(tmp_path, text):
    conf = tmp_path / "resolv.conf"
    conf.write_text(text)
    assert system_servers(str(conf)) is None


def test_unreadable_files_give_none(tmp_path):
    assert system_servers(str(tmp_path / "missing")) is None
    conf = tmp_path / "resolv.conf"
    conf.write_bytes(b"nameserver 10.0.0.1\n\xff\xfe\n")
    assert system_servers(str(conf)) is None


def test_given_resolvers_come_first():
    assert servers_for(["127.0.0.1:5353"]) == ["127.0.0.1:5353"]
