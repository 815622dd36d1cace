"""TCP connects started before the SMTP machinery is imported: the SYNs go out first.

A diagnosis of a server given by address knows, once its command line is read, every address and port it
will connect to; importing asyncio, ssl, the SMTP session and the probes takes ~50 ms of CPU, and the
server answers the connect and sends its greeting a round trip or more later. :meth:`EarlyConnects.start`
sends the SYN with nothing but :mod:`socket` loaded (a non-blocking ``connect``), the imports run while the
network works, and :meth:`SmtpSession.open <smtpdoctor.net.smtp.SmtpSession.open>` takes the socket over for
its first connect to that address and port, waiting for the answer as it waits for its own connects (same
timeout, counted from the SYN; same errors). Sockets nobody took are closed by :meth:`EarlyConnects.close`.
"""

from __future__ import annotations

import errno
import socket
import sys
import time

__all__ = ["EarlyConnects", "socket_for", "sweep_order"]

# Linux queues an ICMP error that ends a connect (a firewall's REJECT) on the socket (MSG_ERRQUEUE) when
# these options are set: net/smtp reads it to tell a REJECT from a closed port. The stdlib has no names for
# them (linux/in.h, linux/in6.h), hence the numbers; elsewhere they are simply not set.
_IP_RECVERR = getattr(socket, "IP_RECVERR", 11)
_IPV6_RECVERR = getattr(socket, "IPV6_RECVERR", 25)


def sweep_order(configured_port: int, ports) -> tuple[int, ...]:
    """The ports a sweep probes, in its order: the configured one first, each once. The early connects and the
    sweep (observe/sweep.py) both use it, so every connect started early is one the sweep takes over."""
    return tuple(dict.fromkeys((configured_port, *ports)))


def socket_for(address: str, source_ip: str | None) -> socket.socket:
    """A non-blocking TCP socket for ``address`` (bound to ``source_ip`` when given), ICMP errors queued."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        if sys.platform.startswith("linux"):
            try:
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, _IPV6_RECVERR, 1)
                else:
                    sock.setsockopt(socket.IPPROTO_IP, _IP_RECVERR, 1)
            except OSError:
                pass
        if source_ip:
            sock.bind((source_ip, 0))
    except BaseException:
        sock.close()
        raise
    return sock


class EarlyConnects:
    """Connects in flight, by (address, port, source address): each is taken once, by the first connection."""

    def __init__(self) -> None:
        self._open: dict[tuple[str, int, str | None], tuple[socket.socket, float]] = {}

    def start(self, address: str, port: int, source_ip: str | None = None) -> bool:
        """Send the SYN now. False when the connect could not even start (a bad source address, no route):
        the connection then connects as usual, and meets and reports the same error itself."""
        key = (address, port, source_ip)
        if key in self._open:
            return True
        try:
            sock = socket_for(address, source_ip)
        except OSError:
            return False
        started = time.perf_counter()
        if sock.connect_ex((address, port)) not in (0, errno.EINPROGRESS):
            sock.close()
            return False
        self._open[key] = (sock, started)
        return True

    def take(self, address: str, port: int, source_ip: str | None = None) -> tuple[socket.socket, float] | None:
        """The socket whose connect was started for this address and port, and when (``perf_counter``)."""
        return self._open.pop((address, port, source_ip), None)

    def close(self) -> None:
        for sock, _ in self._open.values():
            sock.close()
        self._open.clear()

    def __len__(self) -> int:
        return len(self._open)
