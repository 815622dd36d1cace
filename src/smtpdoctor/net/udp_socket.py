"""One connected, non-blocking UDP socket per DNS server, for the multiplexed transport
(:mod:`smtpdoctor.net.udp_mux`), and what the kernel's ICMP errors on it mean.

Connected (one socket per server, not one unconnected socket for all) because only a connected datagram socket hears the ICMP
"port unreachable" (or "host unreachable") that comes back at once from a server where nothing listens:
the kernel reports it as ECONNREFUSED on the socket's next call. An unconnected socket never sees it, and
every question to a dead resolver waited out its whole timeout (``smtpdoctor domain example.com
--resolver 127.0.0.1:9`` took 18 s to say the resolver did not answer; it now takes well under 1 s).
"""

from __future__ import annotations

import _socket  # the C module under socket: see connected_socket
import errno
import struct
import sys
from collections import deque

from .dns_wire import random_id

TYPE_CHECKING = False  # not typing's: a command's primer imports this module before typing (net/dns_first.py)
if TYPE_CHECKING:
    import socket

    from ..core.observations import Failure

    import asyncio

    from .udp_mux import _Query

__all__ = ["REFUSALS", "UdpSocket", "connected_socket", "refusal", "send_datagram"]

_RCVBUF = 4 << 20
# What a connected UDP socket reports after an ICMP error about one of its packets: the server's port is
# closed (port unreachable), or its host or network cannot be reached.
# Built on first use (``REFUSALS``, PEP 562): the outcomes come with core.observations and its data classes,
# which a command's primer sends its first questions without (net/dns_first.py).


def _refusals() -> dict[int, tuple[str, object]]:
    global REFUSALS
    from ..core.observations import Outcome

    REFUSALS = {errno.ECONNREFUSED: ("refused", Outcome.REFUSED), errno.EHOSTUNREACH: ("unreachable", Outcome.ERROR),
                errno.ENETUNREACH: ("unreachable", Outcome.ERROR)}
    return REFUSALS


def __getattr__(name: str):
    if name == "REFUSALS":
        return _refusals()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def refusal(exc: OSError, server: tuple[str, int]) -> Failure | None:
    """The ICMP error ``exc`` as a :class:`Failure` (kind "refused" or "unreachable"); None for other errors."""
    from ..core.observations import Failure

    refusals = globals().get("REFUSALS") or _refusals()
    if exc.errno not in refusals:
        return None
    host = f"[{server[0]}]" if ":" in server[0] else server[0]
    what = "nothing listens on" if exc.errno == errno.ECONNREFUSED else "cannot reach"
    return Failure(kind=refusals[exc.errno][0], phase="query", errno=exc.errno,
                   message=f"the DNS server {host}:{server[1]} refused: {what} it ({exc.strerror})")


def send_datagram(sock: socket.socket, wire: bytes) -> None:
    """Send ``wire`` on a connected UDP socket. Such a socket reports an earlier packet's ICMP "port
    unreachable" on the next call; that error belonged to the earlier packet, so send again: a second refusal
    is this one's (and stays on the socket for the reader). Other errors, EAGAIN included, are the caller's."""
    try:
        sock.send(wire)
    except ConnectionRefusedError:
        sock.send(wire)


def connected_socket(server: tuple[str, int]) -> socket.socket:
    """A non-blocking UDP socket with large buffers, connected to ``server`` (no event loop needed).

    Of ``socket.socket``'s class when the ``socket`` module is loaded (by the event loop, or anyone else);
    before that, of the C class it extends, which has every call used here and by the UDP layer: a command's
    first questions leave without ``socket.py``, whose import (enums of all its constants, ``selectors``) costs
    ~7 ms of start-up (issue 16)."""
    loaded = sys.modules.get("socket")
    kind = loaded.socket if loaded is not None else _socket.socket
    family = _socket.AF_INET6 if ":" in server[0] else _socket.AF_INET
    sock = kind(family, _socket.SOCK_DGRAM)
    try:
        sock.setblocking(False)
        for option in (_socket.SO_RCVBUF, _socket.SO_SNDBUF):
            try:
                sock.setsockopt(_socket.SOL_SOCKET, option, _RCVBUF)
            except OSError:
                pass
        sock.connect(server)
    except BaseException:
        sock.close()
        raise
    return sock


class UdpSocket:
    """One connected, non-blocking UDP socket to one server, read by the event loop's reader callback.
    ``sock``: a :func:`connected_socket` to ``server`` opened earlier (questions already sent on it)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, server: tuple[str, int],
                 sock: socket.socket | None = None) -> None:
        self.sock = sock if sock is not None else connected_socket(server)
        try:
            self.server = server
            self.loop = loop
            loop.add_reader(self.sock.fileno(), self._readable)
        except BaseException:
            self.sock.close()
            raise
        self.pending: dict[int, _Query] = {}
        self.held: deque[_Query] = deque()  # sends the kernel refused for now (EAGAIN), in order

    def _readable(self) -> bool:
        """Read up to 256 datagrams (bounded: give the loop back now and then); True when more may wait."""
        for _ in range(256):
            try:
                data = self.sock.recv(4096)
            except (BlockingIOError, InterruptedError):
                return False
            except OSError as exc:
                self.refused_all(exc)
                return False
            self.take(data)
        return True

    def take(self, data: bytes) -> None:
        """A datagram read from the socket: the answer of the question with its id, if one waits for it."""
        if len(data) >= 2:
            query = self.pending.get(struct.unpack_from("!H", data)[0])
            if query is not None:
                query.answered(self, data)

    def refused_all(self, exc: OSError) -> None:
        """A read raised ``exc``. When the kernel got an ICMP port (or host) unreachable for a packet of this
        socket, nothing answers there, so none of its questions will be answered: they fail now, or go on to
        the next server, instead of each waiting out its timeout. Other errors: they time out and retry."""
        failure = refusal(exc, self.server)
        if failure is not None:
            for query in list(self.pending.values()):
                query.refused(self, failure)

    def read_all(self) -> None:
        """Read every datagram waiting now (before deciding which questions are late)."""
        for _ in range(1000):  # bounded: the socket's buffer holds fewer reads' worth than this
            if self.sock.fileno() < 0 or not self._readable():
                return

    def send(self, wire: bytes) -> bool:
        """Hand ``wire`` to the kernel: False when the send buffer is full (EAGAIN), i.e. not sent.

        A full send buffer is not a lost packet. Every datagram counts against the socket's send buffer
        until it has left the host's queues, so when the path itself holds packets (a delay in the
        kernel, a busy interface) a few hundred queries in flight fill the default 208 KiB. Counting
        that as a loss cost each refused query a whole timeout and cut the window: the sweep crawled
        at a fifth of pydnsbl's rate. Refused sends are held and sent when the socket is writable."""
        try:
            send_datagram(self.sock, wire)
        except (BlockingIOError, InterruptedError):
            return False
        return True

    def hold(self, query: "_Query") -> None:
        if not self.held:
            self.loop.add_writer(self.sock.fileno(), self._writable)
        self.held.append(query)

    def _writable(self) -> None:
        held = self.held
        while held:
            query = held[0]
            if query.sock is self and self.pending.get(query.qid) is query:  # still waiting to go out
                if not query.transmit():
                    return  # still full: wait for the next writable event
            held.popleft()
        self.loop.remove_writer(self.sock.fileno())

    def new_id(self) -> int:
        for _ in range(1000):
            qid = random_id()
            if qid not in self.pending:
                return qid
        raise RuntimeError("no free query id")

    def close(self) -> None:
        try:
            self.loop.remove_reader(self.sock.fileno())
            self.loop.remove_writer(self.sock.fileno())
        except (ValueError, RuntimeError):  # the loop is already closed
            pass
        self.held.clear()
        self.sock.close()
