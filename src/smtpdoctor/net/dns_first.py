"""Questions sent before the event loop and the engines exist: a command's first round trip starts while
Python is still importing what reads the answers.

A one-domain audit is a few round trips long (about 0.15 s at a 50 ms round trip), and its process used
to spend 0.2-0.3 s importing the event loop, dnspython's pieces, the checks and the report before the
first question left. :class:`Primer` needs only ``socket`` and the wire writer
(:func:`smtpdoctor.net.dns_wire.encode_query`): it sends the questions a command will surely ask on a
connected UDP socket to the first server, exactly as the facade's UDP layer would send them (the same
EDNS/DO/AD query), and remembers each one's id and time. The facade (:class:`smtpdoctor.net.dns.Resolver`,
given ``primer=``) hands it to its UDP layer when it opens, which takes the socket and the questions over
as its own, sent once at their time: their answers, waiting in the socket's buffer, are read and retried
like any other. A question the primer could not send is simply asked again by the layer.
"""

from __future__ import annotations

import random
import socket
import time
from typing import Iterable, Sequence

from .dns_wire import QTYPES, encode_query
from .udp_socket import connected_socket

__all__ = ["Primer", "prime"]

MAX_PRIMED = 256  # as many questions as the facade's UDP layer has in flight at most


class Primer:
    """Questions sent to ``server`` (address, port) now, for a facade to take over later (once)."""

    def __init__(self, server: tuple[str, int]) -> None:
        self.server = server
        self.sock: socket.socket | None = connected_socket(server)
        self.sent: dict[tuple[str, str], tuple[int, bytes, float]] = {}  # (name, type) -> (id, wire, when)
        self._ids: set[int] = set()
        self.taken = False  # the UDP layer took the socket over

    def ask(self, name: str, rdtype: str) -> bool:
        """Send ``name``/``rdtype`` now (once); False when it was not sent (the facade asks it then)."""
        key = (name.rstrip(".").lower(), rdtype.upper())
        if key in self.sent:
            return True
        if self.sock is None or key[1] not in QTYPES or len(self.sent) >= MAX_PRIMED:
            return False
        qid = random.getrandbits(16)
        while qid in self._ids:
            qid = random.getrandbits(16)
        try:
            wire = encode_query(qid, key[0], QTYPES[key[1]], edns=True)
            try:
                self.sock.send(wire)
            except ConnectionRefusedError:
                # An earlier question's ICMP "port unreachable", reported on this call (net/udp_socket.py):
                # send again, so that the refusal is on the socket again when the UDP layer reads it.
                self.sock.send(wire)
        except (ValueError, OSError):  # a name the writer does not take; a full buffer: asked later
            return False
        self._ids.add(qid)
        self.sent[key] = (qid, wire, time.perf_counter())
        return True

    def claim(self, server: tuple[str, int]) -> socket.socket | None:
        """The socket, for the UDP layer's connection to ``server`` when it is this primer's (once)."""
        if server != self.server or self.sock is None:
            return None
        sock, self.sock = self.sock, None
        self.taken = True
        return sock

    def close(self) -> None:
        """Nobody took the questions over: close the socket (their answers are of no use)."""
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def prime(questions: Iterable[tuple[str, str]], nameservers: Sequence[str]) -> Primer | None:
    """A :class:`Primer` that has sent ``questions`` to the first of ``nameservers`` (``--resolver``
    values); None when there is no server given (the system's resolver is found by the facade), nothing to
    ask, or no socket to be had. Never raises: what it could not send, the facade asks."""
    questions = list(questions)
    if not nameservers or not questions:
        return None
    from ..core.names import parse_nameserver

    try:
        primer = Primer(parse_nameserver(nameservers[0]))
    except (ValueError, OSError):
        return None
    for name, rdtype in questions:
        primer.ask(name, rdtype)
    return primer
