"""What an ICMP error on the transport's connected socket means: a refusal, as a value."""

from __future__ import annotations

import errno

from smtpdoctor.core.observations import Outcome
from smtpdoctor.net.udp_socket import REFUSALS, refusal


def test_port_unreachable_is_a_refusal_naming_the_server():
    failure = refusal(ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), ("127.0.0.1", 9))
    assert failure is not None and failure.kind == "refused" and failure.errno == errno.ECONNREFUSED
    assert "127.0.0.1:9" in failure.message and REFUSALS[errno.ECONNREFUSED][1] is Outcome.REFUSED


def test_host_unreachable_is_unreachable_and_ipv6_is_bracketed():
    failure = refusal(OSError(errno.EHOSTUNREACH, "No route to host"), ("2001:db8::1", 53))
    assert failure is not None and failure.kind == "unreachable" and "[2001:db8::1]:53" in failure.message


def test_other_errors_are_not_refusals():
    assert refusal(OSError(errno.EMSGSIZE, "Message too long"), ("127.0.0.1", 53)) is None
