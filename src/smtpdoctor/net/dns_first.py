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

import socket
import time

TYPE_CHECKING = False  # typing loads after a command's first questions leave (issue 16)
if TYPE_CHECKING:
    from typing import Iterable, Sequence

from .dns_wire import QTYPES, encode_query, question_key, random_id
from .udp_socket import connected_socket, send_datagram

__all__ = ["Primer", "prime", "servers_for"]

MAX_IN_FLIGHT = 256  # questions a run has out at once: primed here, then at most this many in the facade's UDP layer


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
        key = question_key(name, rdtype)
        if key in self.sent:
            return True
        if self.sock is None or key[1] not in QTYPES or len(self.sent) >= MAX_IN_FLIGHT:
            return False
        qid = random_id()
        while qid in self._ids:
            qid = random_id()
        try:
            wire = encode_query(qid, key[0], QTYPES[key[1]], edns=True)
            send_datagram(self.sock, wire)
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


def servers_for(resolvers: Sequence[str]) -> list[str]:
    """The servers a command's primer and its resolver facade both ask: ``--resolver`` values when given,
    else the system's resolver when :func:`smtpdoctor.net.resolv_conf.system_servers` is sure of it, else
    none (the facade then lets dnspython read the system's configuration, and nothing is primed)."""
    if resolvers:
        return list(resolvers)
    from .resolv_conf import system_servers

    return system_servers() or []


def prime(questions: Iterable[tuple[str, str]], nameservers: Sequence[str]) -> Primer | None:
    """A :class:`Primer` that has sent ``questions`` to the first of ``nameservers`` (:func:`servers_for`:
    ``--resolver`` values or the system's resolver); None when there is no server (the facade finds the
    system's resolver itself), nothing to ask, or no socket to be had. Never raises: what it could not
    send, the facade asks."""
    questions = list(questions)
    if not nameservers or not questions:
        return None
    from ..core.name_text import parse_nameserver

    try:
        primer = Primer(parse_nameserver(nameservers[0]))
    except (ValueError, OSError):
        return None
    for name, rdtype in questions:
        primer.ask(name, rdtype)
    return primer
