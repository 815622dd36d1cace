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

The first answers can come before the event loop has been imported (it takes about a round trip of CPU at
50 ms). :meth:`Primer.follow` reads them meanwhile in a thread of its own and sends the questions a command
is sure to ask next (a domain audit's second round: ``flows/domain_next.py``); the UDP layer then takes
over these questions too, and the answers read so far, as if it had read them itself.
"""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False  # typing loads after a command's first questions leave (issue 16)
if TYPE_CHECKING:
    import socket
    from typing import Callable, Iterable, Sequence

    from .dns_wire import Answer

from .dns_wire import QTYPES, MalformedAnswer, NeedsDnspython, encode_query, question_key, random_id, read_answer
from .udp_socket import connected_socket, send_datagram

__all__ = ["Primer", "prime", "servers_for"]

MAX_IN_FLIGHT = 256  # questions a run has out at once: primed here, then at most this many in the facade's UDP layer


class Primer:
    """Questions sent to ``server`` (address, port) now, for a facade to take over later (once)."""

    def __init__(self, server: tuple[str, int]) -> None:
        self.server = server
        self.sock: socket.socket | None = connected_socket(server)
        self.sent: dict[tuple[str, str], tuple[int, bytes, float]] = {}  # (name, type) -> (id, wire, when)
        self._ids: dict[int, tuple[str, str]] = {}  # id -> (name, type)
        self.taken = False  # the UDP layer took the socket over
        self.read: list[tuple[bytes, float]] = []  # (datagram, when read) by follow()'s thread, for the UDP layer
        self.failed: OSError | None = None  # the error a read of follow()'s thread raised (an ICMP refusal)
        self._reader = None  # follow()'s thread, its wake-up pipe and the switch interval before it
        self.step = None  # follow()'s step: the UDP layer goes on with it for the answers it reads itself

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
        self._ids[qid] = key
        self.sent[key] = (qid, wire, time.perf_counter())
        return True

    def follow(self, step: Callable[[tuple[str, str], Answer], Iterable[tuple[str, str]]]) -> None:
        """Read the answers to the questions sent, as they come, until the socket is claimed or closed: each
        answer that :func:`~smtpdoctor.net.dns_wire.read_answer` reads goes to ``step`` with its question, and
        the questions ``step`` returns are sent at once (:meth:`ask`). In a thread: the command's main thread
        is importing what reads the answers on the event loop. While the thread lives the interpreter's switch
        interval is 0.2 ms (with the default 5 ms, each of its reads and sends could wait that long for the
        interpreter's lock behind an import); ``step`` runs while the main thread imports, so it should use modules already imported (an
        import of its own would wait for the main thread's). The facade's UDP layer, once it has taken the
        socket over, gives ``step`` the answers it reads itself and asks what it returns at once, before the
        chains those answers wake have gone through their turns of the loop (:meth:`smtpdoctor.net.dns.Resolver._open_mux`)."""
        if self.sock is None or self._reader is not None:
            return
        import threading

        try:
            wake = os.pipe()
        except OSError:  # no descriptor left: the command asks its next questions itself, as without follow()
            return
        interval = sys.getswitchinterval()
        thread = threading.Thread(target=self._read, args=(step, wake[0]), name="smtpdoctor-primer", daemon=True)
        self._reader = (thread, wake, interval)
        sys.setswitchinterval(0.0002)
        try:
            thread.start()
        except RuntimeError:  # no thread can start: the same, and nothing of follow() is left behind
            self._reader = None
            sys.setswitchinterval(interval)
            os.close(wake[0])
            os.close(wake[1])
            return
        self.step = step

    def _read(self, step, wake: int) -> None:
        import select

        sock = self.sock
        while True:
            try:
                select.select([sock, wake], [], [])
            except (OSError, ValueError):
                return
            if self._reader is None or self._reader[0] is None:
                return  # claimed or closed: the socket is the UDP layer's now, or gone
            for _ in range(256):
                try:
                    data = sock.recv(4096)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError as exc:  # an ICMP refusal: the UDP layer reports it (UdpSocket.refused_all)
                    self.failed = exc
                    return
                self.read.append((data, time.perf_counter()))  # its round trip ends now, not when handed over
                for name, rdtype in self._next(data, step):
                    self.ask(name, rdtype)

    def _next(self, data: bytes, step) -> Iterable[tuple[str, str]]:
        key = self._ids.get(int.from_bytes(data[:2], "big")) if len(data) >= 2 else None
        if key is None:
            return ()
        try:
            answer = read_answer(data, tuple(key[0].encode("ascii").split(b".")) if key[0] else (), QTYPES[key[1]])
        except (MalformedAnswer, NeedsDnspython):
            return ()  # not this question's answer, or one the facade reads with dnspython: the layer's
        try:
            return list(step(key, answer))
        except Exception:  # noqa: BLE001 - the next questions are asked anyway, later, by the command itself
            return ()

    def _stop_reading(self) -> None:
        """End follow()'s thread (it is waiting for a datagram or the wake-up) before the socket changes hands."""
        if self._reader is None or self._reader[0] is None:
            return
        thread, (wake_r, wake_w), interval = self._reader
        self._reader = (None, None, None)
        try:
            os.write(wake_w, b"x")
            thread.join()
        finally:  # a second Ctrl-C while joining: the interval and the pipe are given back all the same
            sys.setswitchinterval(interval)
            os.close(wake_r)
            os.close(wake_w)

    def claim(self, server: tuple[str, int]) -> socket.socket | None:
        """The socket, for the UDP layer's connection to ``server`` when it is this primer's (once)."""
        if server != self.server or self.sock is None:
            return None
        self._stop_reading()
        sock, self.sock = self.sock, None
        self.taken = True
        return sock

    def close(self) -> None:
        """Nobody took the questions over: close the socket (their answers are of no use)."""
        self._stop_reading()
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
