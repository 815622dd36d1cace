"""An in-process authoritative DNS server for the lab and the tests (UDP and TCP on loopback, port 0).

It serves a plain mapping ``{name: {TYPE: [rdata text, ...]}}`` and a few named faults per name:
``"TIMEOUT"`` (never answer), ``"SERVFAIL"``, ``"REFUSED"``. A ``delay`` (seconds) makes every answer
wait, which is how benchmarks simulate Internet round trips on a kernel without netem. CNAMEs are
followed inside the served data, like an authoritative server that holds both zones. Names that exist
only as parents of other names answer NODATA (empty non-terminals), everything else NXDOMAIN.

The server answers with the AA bit and RA set so the stub resolver accepts it as a recursive resolver.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset

__all__ = ["Zone", "LabDnsServer", "FAULTS"]

FAULTS = ("TIMEOUT", "SERVFAIL", "REFUSED")

Zone = Mapping[str, "Mapping[str, Sequence[str]] | str"]


def _key(name: str) -> str:
    return name.rstrip(".").lower()


@dataclass
class LabDnsServer:
    """Serve ``records`` on 127.0.0.1 (or ``host``). Use as ``async with LabDnsServer(zone) as srv``.

    ``srv.address`` is "127.0.0.1:PORT", ready for ``Resolver([srv.address])`` or ``--resolver``.
    """

    records: Zone = field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = 0
    delay: float = 0.0
    ttl: int = 300
    queries: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._data: dict[str, dict[str, list[str]] | str] = {}
        self._parents: set[str] = set()  # every name above a served name (empty non-terminals): O(1) lookups
        self.load(self.records)
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.base_events.Server | None = None

    # -- data -------------------------------------------------------------------------------------
    def load(self, records: Zone) -> None:
        for name, rr in records.items():
            self.set(name, rr)

    def set(self, name: str, rr: "Mapping[str, Sequence[str]] | str") -> None:
        if isinstance(rr, str):
            if rr not in FAULTS:
                raise ValueError(f"unknown fault {rr!r} for {name}")
            self._data[_key(name)] = rr
        else:
            self._data[_key(name)] = {t.upper(): list(v) for t, v in rr.items()}
        labels = _key(name).split(".")
        self._parents.update(".".join(labels[i:]) for i in range(1, len(labels)))

    def _exists(self, name: str) -> bool:
        return name in self._data or name in self._parents

    # -- answering --------------------------------------------------------------------------------
    def answer(self, query: dns.message.Message) -> dns.message.Message | None:
        """The response to ``query``, or None to stay silent (the TIMEOUT fault)."""
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA | dns.flags.RA
        if not query.question:
            response.set_rcode(dns.rcode.FORMERR)
            return response
        q = query.question[0]
        qtype = dns.rdatatype.to_text(q.rdtype)
        name = _key(q.name.to_text())
        self.queries.append((name, qtype))
        seen: set[str] = set()
        while True:
            entry = self._data.get(name)
            if entry == "TIMEOUT":
                return None
            if entry == "SERVFAIL":
                response.set_rcode(dns.rcode.SERVFAIL)
                return response
            if entry == "REFUSED":
                response.set_rcode(dns.rcode.REFUSED)
                return response
            if entry is None:
                if not self._exists(name):
                    response.set_rcode(dns.rcode.NXDOMAIN)
                return response
            assert isinstance(entry, dict)
            wanted = entry.get(qtype)
            if wanted is None and qtype == "TXT" and "SPF" in entry:
                wanted = None  # SPF-type records are not TXT; keep them apart like a real server
            if wanted:
                response.answer.append(self._rrset(name, qtype, wanted))
                return response
            cname = entry.get("CNAME")
            if cname and qtype != "CNAME":
                response.answer.append(self._rrset(name, "CNAME", cname[:1]))
                target = _key(cname[0])
                if target in seen:  # a CNAME loop: answer what we have, like BIND does
                    return response
                seen.add(name)
                name = target
                continue
            return response

    def _rrset(self, name: str, rdtype: str, values: Sequence[str]) -> dns.rrset.RRset:
        rrset = dns.rrset.RRset(dns.name.from_text(name), dns.rdataclass.IN, dns.rdatatype.from_text(rdtype))
        rrset.ttl = self.ttl
        for value in values:
            if rdtype in ("TXT", "SPF"):
                rrset.add(_txt_rdata(rrset.rdtype, value))
            else:
                # names in rdata are absolute even without the final dot ("10 mx.example")
                rrset.add(dns.rdata.from_text(dns.rdataclass.IN, rrset.rdtype, value, origin=dns.name.root,
                                                  relativize=False))
        return rrset

    # -- server -----------------------------------------------------------------------------------
    async def start(self) -> "LabDnsServer":
        loop = asyncio.get_running_loop()
        server = self

        class Udp(asyncio.DatagramProtocol):
            def connection_made(self, transport):  # type: ignore[override]
                self.transport = transport

            def datagram_received(self, data, addr):  # type: ignore[override]
                asyncio.ensure_future(server._reply_udp(self.transport, data, addr))

        # UDP and TCP must share one port number. With port 0, bind one, then the other on its number;
        # another process may take that number in between, so try a few times.
        wanted = self.port
        for attempt in range(20):
            self._tcp = await asyncio.start_server(self._serve_tcp, self.host, wanted)
            port = self._tcp.sockets[0].getsockname()[1]
            try:
                self._udp, _ = await loop.create_datagram_endpoint(Udp, local_addr=(self.host, port))
            except OSError:
                self._tcp.close()
                await self._tcp.wait_closed()
                if wanted or attempt == 19:
                    raise
                continue
            self.port = port
            return self
        raise OSError("no free port for the lab DNS server")

    async def stop(self) -> None:
        if self._udp is not None:
            self._udp.close()
        if self._tcp is not None:
            self._tcp.close()
            with contextlib.suppress(Exception):
                await self._tcp.wait_closed()

    async def __aenter__(self) -> "LabDnsServer":
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def _respond(self, wire: bytes) -> bytes | None:
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        response = self.answer(query)
        if response is None:
            return None
        return response.to_wire(max_size=65535)

    async def _reply_udp(self, transport, data: bytes, addr) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        wire = self._respond(data)
        if wire is None:
            return
        if len(wire) > 1232:  # too big for UDP: send a truncated answer, the client retries over TCP
            query = dns.message.from_wire(data)
            truncated = dns.message.make_response(query)
            truncated.flags |= dns.flags.TC | dns.flags.AA | dns.flags.RA
            wire = truncated.to_wire()
        transport.sendto(wire, addr)

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                header = await reader.readexactly(2)
                data = await reader.readexactly(struct.unpack("!H", header)[0])
                if self.delay:
                    await asyncio.sleep(self.delay)
                wire = self._respond(data)
                if wire is None:
                    continue
                writer.write(struct.pack("!H", len(wire)) + wire)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def _txt_rdata(rdtype: int, value: "str | Sequence[str]") -> dns.rdata.Rdata:
    """TXT/SPF values are given unquoted; long values are split into 255-byte character-strings, as a
    zone file author would. A value that starts with a quote is zone-file text and parsed as such."""
    cls = dns.rdata.get_rdata_class(dns.rdataclass.IN, rdtype)
    if isinstance(value, (list, tuple)):  # one record made of several character-strings, as given
        return cls(dns.rdataclass.IN, rdtype, [v.encode("utf-8") for v in value])
    if value.startswith('"'):
        return dns.rdata.from_text(dns.rdataclass.IN, rdtype, value)
    raw = value.encode("utf-8")
    chunks = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
    return cls(dns.rdataclass.IN, rdtype, chunks)
