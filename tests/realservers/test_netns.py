"""The network-namespace fixture: a link that stays inside, DROP vs REJECT, probes run inside."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import socket, sys, time
t = time.monotonic()
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=float(sys.argv[3])).close()
    outcome = "connected"
except TimeoutError:
    outcome = "timeout"
except ConnectionRefusedError:
    outcome = "refused"
except OSError as exc:
    outcome = type(exc).__name__ + ":" + str(exc.errno)
print(outcome, round(time.monotonic() - t, 3))
"""

LISTENER = """
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen()
while True:
    c, _ = s.accept(); c.sendall(b"220 netns test\\r\\n"); c.close()
"""


def probe(pair, port: int, timeout: float = 0.6) -> tuple[str, float]:
    out = pair.run("client", [sys.executable, "-c", PROBE, pair.server_ip, str(port), str(timeout)]).stdout
    outcome, elapsed = out.split()
    return outcome, float(elapsed)


@pytest.fixture
def served_pair(netns_pair):
    netns_pair.spawn("server", [sys.executable, "-c", LISTENER, "2525"], name="listener")
    netns_pair.wait_listening("server", 2525)
    return netns_pair


def test_link_is_private_to_the_two_namespaces(netns_pair):
    host_addrs = subprocess.run(["ip", "-o", "addr"], capture_output=True, text=True).stdout
    assert netns_pair.server_ip not in host_addrs and netns_pair.client_ip not in host_addrs
    inside = netns_pair.run("client", ["ip", "-o", "addr", "show", "veth0"]).stdout
    assert f"{netns_pair.client_ip}/30" in inside


def test_open_port_connects(served_pair):
    assert probe(served_pair, 2525)[0] == "connected"


def test_drop_makes_connect_time_out(served_pair):
    served_pair.drop(2525)
    outcome, elapsed = probe(served_pair, 2525, timeout=0.6)
    assert outcome == "timeout" and elapsed >= 0.55


def test_reject_tcp_reset_is_refused_at_once(served_pair):
    served_pair.reject(2525, "tcp-reset")
    outcome, elapsed = probe(served_pair, 2525)
    assert outcome == "refused" and elapsed < 0.5


def test_reject_icmp_port_unreachable_is_refused(served_pair):
    served_pair.reject(2525, "icmp-port-unreachable")
    assert probe(served_pair, 2525)[0] == "refused"


def test_client_side_drop_blocks_outbound(served_pair):
    served_pair.drop(2525, side="client")
    assert probe(served_pair, 2525)[0] == "timeout"
    assert "-A OUTPUT -p tcp -m tcp --dport 2525 -j DROP" in served_pair.iptables_rules("client")
    served_pair.flush()
    assert probe(served_pair, 2525)[0] == "connected"


def test_closed_port_is_refused_without_rules(netns_pair):
    assert probe(netns_pair, 2999)[0] == "refused"


def test_postfix_inside_the_namespace(netns_pair, postfix_factory):
    inst = postfix_factory(netns=netns_pair, sasl=False)
    assert inst.host == netns_pair.server_ip
    code = ("import smtplib,sys; s=smtplib.SMTP(sys.argv[1], int(sys.argv[2]), timeout=5);"
            "print(s.ehlo('probe.test')[0]); s.quit()")
    ok = netns_pair.run("client", [sys.executable, "-c", code, inst.host, str(inst.plain_port)])
    assert ok.stdout.strip() == "250", ok.stderr
    netns_pair.drop(inst.plain_port)
    assert probe(netns_pair, inst.plain_port)[0] == "timeout"
