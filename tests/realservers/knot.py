"""Knot DNS of the test's own: generated zones, optional DNSSEC signing, loopback only.

Records use the lab DNS server's format (``smtpdoctor.lab.dns_server.LabDnsServer``), so one dict can
feed both: ``{"mx.example.test": {"A": ["127.0.0.1"], "TXT": ["v=spf1 -all"]}}`` -- owner names are
absolute (a trailing dot is optional), names inside rdata are absolute too, TXT values are given
unquoted (split into 255-byte strings) unless they start with a quote.

Every owner name goes into the most specific served zone that contains it. Each zone gets SOA and NS
records; each zone also gets a delegation (NS, and DS when both sides are signed) in its nearest served
parent zone, so the root zone ``"."`` (served by default) makes every unknown name NXDOMAIN and a
DNSSEC validator can walk the chain from the root's key (:attr:`KnotServer.trust_anchor`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype

from ._proc import (
    Daemon, ServerUnavailable, free_loopback_ip, free_port, is_root, missing_programs, private_dir,
    remove_dir, run, which,
)

__all__ = ["Records", "KnotServer", "zone_text", "assign_zones", "start_knot"]

Records = Mapping[str, Mapping[str, Sequence[str]]]

SOA_TIMERS = "3600 600 86400 300"


def _abs(name: str) -> str:
    name = name.strip()
    if name in ("", ".", "@"):
        return "."
    return name.rstrip(".").lower() + "."


def _parent(zone: str) -> str | None:
    if zone == ".":
        return None
    rest = zone.split(".", 1)[1]
    return rest or "."


def _in_zone(name: str, zone: str) -> bool:
    return zone == "." or name == zone or name.endswith("." + zone)


def _rdata_text(rtype: str, value: str) -> str:
    if rtype in ("TXT", "SPF") and not value.startswith('"'):
        raw = value.encode("utf-8")
        chunks = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
        return " ".join('"' + c.decode("utf-8", "replace").replace("\\", "\\\\").replace('"', '\\"') + '"'
                        for c in chunks)
    return value


def assign_zones(records: Records, zones: Iterable[str]) -> dict[str, dict[str, dict[str, list[str]]]]:
    """Split a flat record mapping into zones: {zone: {owner: {TYPE: [rdata]}}} (absolute names)."""
    zone_list = sorted({_abs(z) for z in zones}, key=lambda z: -len(z))
    out: dict[str, dict[str, dict[str, list[str]]]] = {z: {} for z in zone_list}
    for owner, rrsets in records.items():
        if isinstance(rrsets, str):
            raise ValueError(f"{owner}: faults like {rrsets!r} exist only in the in-process lab DNS")
        name = _abs(owner)
        zone = next((z for z in zone_list if _in_zone(name, z)), None)
        if zone is None:
            raise ValueError(f"{owner}: no served zone contains it (zones: {zone_list})")
        node = out[zone].setdefault(name, {})
        for rtype, values in rrsets.items():
            node.setdefault(rtype.upper(), []).extend(values)
    return out


def zone_text(origin: str, records: Mapping[str, Mapping[str, Sequence[str]]], *, ttl: int = 300,
              serial: int | None = None) -> str:
    """Zone file text for ``origin``; adds SOA and apex NS unless given. Owner names absolute."""
    origin = _abs(origin)
    serial = serial if serial is not None else int(time.time())
    ns_host = "ns.smtpdoctor.test." if origin == "." else "ns." + origin
    mbox = "hostmaster.smtpdoctor.test." if origin == "." else "hostmaster." + origin
    lines = ["$ORIGIN .", f"$TTL {ttl}"]
    merged: dict[str, dict[str, list[str]]] = {}
    for owner, rrsets in records.items():
        node = merged.setdefault(_abs(owner), {})
        for rtype, values in rrsets.items():
            node.setdefault(rtype.upper(), []).extend(values)
    records = merged
    apex = {k: list(v) for k, v in records.get(origin, {}).items()}
    apex.setdefault("SOA", [f"{ns_host} {mbox} {serial} {SOA_TIMERS}"])
    apex.setdefault("NS", [ns_host])
    for rtype in ("SOA", "NS"):
        for value in apex.pop(rtype):
            lines.append(f"{origin} {ttl} IN {rtype} {_rdata_text(rtype, value)}")
    for rtype, values in apex.items():
        for value in values:
            lines.append(f"{origin} {ttl} IN {rtype} {_rdata_text(rtype, value)}")
    for owner in sorted(n for n in records if n != origin):
        for rtype, values in records[owner].items():
            for value in values:
                lines.append(f"{owner} {ttl} IN {rtype} {_rdata_text(rtype, value)}")
    return "\n".join(lines) + "\n"


@dataclass
class KnotServer:
    """A running knotd. ``address`` is "127.0.0.1:PORT" for ``Resolver([...])`` / ``--resolver``."""

    directory: Path
    host: str
    port: int
    zones: tuple[str, ...]                       # served zone names, absolute ("example.test.")
    signed: tuple[str, ...]
    ds: dict[str, tuple[str, ...]]               # zone -> DS rdata texts (signed zones)
    dnskeys: dict[str, tuple[str, ...]]          # zone -> DNSKEY rdata texts (signed zones)
    resolver_ip: str | None                      # 127.x.y.z answering on port 53 (root only), for Postfix
    daemon: Daemon
    presigned: dict[str, tuple[float, float, object]] = field(default_factory=dict)  # zone -> (inception, expiration, key)
    startup_s: float = 0.0
    _records: dict[str, dict[str, dict[str, list[str]]]] = field(default_factory=dict, repr=False)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def trust_anchor(self) -> dict[str, tuple[str, ...]]:
        """DS rdata of the top-most signed zones (those without a signed served parent)."""
        tops = {}
        for z in self.signed:
            p = _parent(z)
            while p is not None and p not in self.zones:
                p = _parent(p)
            if p is None or p not in self.signed:
                tops[z] = self.ds[z]
        return tops

    def query(self, name: str, rtype: str = "A", *, dnssec: bool = False, tcp: bool = False,
              timeout: float = 2.0) -> dns.message.Message:
        """Ask this server directly (a test helper; product code goes through smtpdoctor.net.dns)."""
        q = dns.message.make_query(name, rtype, want_dnssec=dnssec)
        q.flags &= ~dns.flags.RD
        send = dns.query.tcp if tcp else dns.query.udp
        return send(q, self.host, port=self.port, timeout=timeout)

    def set_records(self, zone: str, records: Mapping[str, Mapping[str, Sequence[str]]]) -> None:
        """Replace one zone's records (absolute owner names) and reload it; waits until served."""
        zone = _abs(zone)
        if zone not in self.zones:
            raise ValueError(f"{zone} is not served by this Knot")
        self._records[zone] = assign_zones(records, [zone])[zone]
        before = self._serial(zone)
        _write_zone(self, zone, serial=max(int(time.time()), before + 1))
        run([_knotc(), "-c", str(self.directory / "knot.conf"), "zone-reload", zone])
        deadline = time.monotonic() + 10
        while self._serial(zone) <= before:
            if time.monotonic() > deadline:
                raise self.daemon.fail(f"zone {zone} not reloaded")
            time.sleep(0.02)

    def _serial(self, zone: str) -> int:
        try:
            r = self.query(zone, "SOA")
        except Exception:
            return -1
        for rrset in r.answer:
            if rrset.rdtype == dns.rdatatype.SOA:
                return rrset[0].serial
        return -1

    def log_text(self) -> str:
        return self.daemon.log_text()

    def stop(self) -> None:
        self.daemon.stop()
        remove_dir(self.directory)


def _knotc() -> str:
    return which("knotc") or "knotc"


def _write_zone(srv: KnotServer, zone: str, serial: int | None = None) -> None:
    recs = {k: {t: list(v) for t, v in rr.items()} for k, rr in srv._records.get(zone, {}).items()}
    # delegations to served child zones (nearest served parent only), DS when both are signed
    for child in srv.zones:
        if child == zone:
            continue
        p = _parent(child)
        while p is not None and p not in srv.zones:
            p = _parent(p)
        if p != zone:
            continue
        node = recs.setdefault(child, {})
        node.setdefault("NS", ["ns." + child if child != "." else "ns.smtpdoctor.test."])
        if (child in srv.signed or child in srv.presigned) and zone in srv.signed and "DS" not in node:
            node["DS"] = list(srv.ds[child])
        glue = "ns." + child
        recs.setdefault(glue, {}).setdefault("A", [srv.host])
    # apex NS host address inside the zone (so the NS target resolves)
    if zone != ".":
        recs.setdefault("ns." + zone, {}).setdefault("A", [srv.host])
    path = srv.directory / "zones" / _zone_file_name(zone)
    text = zone_text(zone, recs, serial=serial)
    if zone in srv.presigned:
        text = _presign(zone, text, *srv.presigned[zone])
    path.write_text(text)


def _presign(zone: str, text: str, inception: float, expiration: float, key) -> str:
    """Sign the zone text with dnspython (Knot serves it as given): how a test makes signatures that
    expired, or are not valid yet, on a real server."""
    import dns.zone

    z = dns.zone.from_text(text, origin=zone, relativize=False, check_origin=False)
    private, dnskey = key
    dns.dnssec.sign_zone(z, keys=[(private, dnskey)], inception=inception, expiration=expiration,
                         dnskey_ttl=300)
    return z.to_text(relativize=False)


def _presign_key(zone: str):
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP256R1())
    dnskey = dns.dnssec.make_dnskey(private.public_key(), dns.dnssec.Algorithm.ECDSAP256SHA256,
                                    flags=257)
    return private, dnskey


def _zone_file_name(zone: str) -> str:
    return "root.zone" if zone == "." else zone.rstrip(".") + ".zone"


def _config(directory: Path, listen: Sequence[str], zones: Sequence[str], signed: Sequence[str]) -> str:
    lines = [
        "server:",
        f"    rundir: {directory / 'run'}",
        "    listen: [ " + ", ".join(listen) + " ]",
        "    udp-workers: 1",
        "    tcp-workers: 1",
        "    background-workers: 1",
        "database:",
        f"    storage: {directory / 'db'}",
        "log:",
        "  - target: stderr",
        "    any: info",
        "policy:",
        "  - id: lab",
        "    manual: on",
        "    algorithm: ecdsap256sha256",
        "    single-type-signing: on",
        "template:",
        "  - id: default",
        f"    storage: {directory / 'zones'}",
        "    zonefile-sync: -1",
        "    journal-content: none",
        "    semantic-checks: off",
        "zone:",
    ]
    for z in zones:
        lines.append(f"  - domain: \"{z}\"")
        lines.append(f"    file: {_zone_file_name(z)}")
        if z in signed:
            lines.append("    dnssec-signing: on")
            lines.append("    dnssec-policy: lab")
    return "\n".join(lines) + "\n"


def start_knot(records: Records | None = None, *, zones: Iterable[str] | None = None,
               signed: Iterable[str] = (), broken_ds: Iterable[str] = (), root: bool = True,
               port53: bool | None = None, timeout: float = 15.0,
               presigned: Mapping[str, tuple[float, float]] | None = None) -> KnotServer:
    """Start knotd with ``records`` split into ``zones``; sign the zones in ``signed``.

    ``zones`` defaults to the last two labels of every owner name. ``root=True`` also serves ".", so
    unknown names are NXDOMAIN instead of REFUSED. ``broken_ds`` lists signed zones whose DS in the
    parent does not match their key (a broken chain of trust). ``presigned`` maps zones to (inception,
    expiration) POSIX times: the test signs them itself (dnspython) with that validity, Knot serves them
    as they are (an expired RRSIG, made for real), their DS goes into the signed parent. ``port53`` (default: when root) also
    listens on a private 127.x.y.z address on port 53 -- a system resolver (Postfix) can use that.
    """
    missing = missing_programs(["knotd", "knotc", "keymgr"])
    if missing:
        raise ServerUnavailable(f"Knot DNS not installed (missing {', '.join(missing)}; apt-get install knot knot-dnsutils)")
    t0 = time.monotonic()
    records = dict(records or {})
    zone_set = {_abs(z) for z in zones} if zones is not None else {
        _abs(".".join(_abs(n).rstrip(".").split(".")[-2:])) for n in records}
    if root:
        zone_set.add(".")
    signed_set = {_abs(z) for z in signed}
    broken = {_abs(z) for z in broken_ds}
    if not signed_set <= zone_set or not broken <= signed_set:
        raise ValueError("signed zones must be served, and broken_ds zones must be signed")
    zone_list = tuple(sorted(zone_set, key=lambda z: (z.count("."), z)))
    if port53 is None:
        port53 = is_root()
    directory = private_dir("knot")
    for sub in ("run", "db", "zones"):
        (directory / sub).mkdir()
    host, port = "127.0.0.1", free_port("127.0.0.1")
    listen = [f"{host}@{port}"]
    resolver_ip = None
    if port53:
        resolver_ip = free_loopback_ip(53)
        listen.append(f"{resolver_ip}@53")
    conf = directory / "knot.conf"
    conf.write_text(_config(directory, listen, zone_list, tuple(signed_set)))
    ds: dict[str, tuple[str, ...]] = {}
    dnskeys: dict[str, tuple[str, ...]] = {}
    keymgr = which("keymgr") or "keymgr"
    for z in sorted(signed_set):
        run([keymgr, "-c", str(conf), z, "generate", "algorithm=ecdsap256sha256", "ksk=yes", "zsk=yes"])
        key_lines = run([keymgr, "-c", str(conf), z, "dnskey"]).stdout.split("\n")
        dnskeys[z] = tuple(_rdata_of(line, "DNSKEY") for line in key_lines if " DNSKEY " in line)
        ds[z] = tuple(_ds_of(z, k) for k in dnskeys[z])
        if z in broken:  # flip one hex digit of each digest: the chain of trust breaks here
            ds[z] = tuple(_corrupt_digest(d) for d in ds[z])
    pre: dict[str, tuple[float, float, object]] = {}
    for z, (inception, expiration) in (presigned or {}).items():
        z = _abs(z)
        key = _presign_key(z)
        pre[z] = (inception, expiration, key)
        ds[z] = (dns.dnssec.make_ds(dns.name.from_text(z), key[1], "SHA256").to_text(),)
    srv = KnotServer(directory=directory, host=host, port=port, zones=zone_list, presigned=pre,
                     signed=tuple(sorted(signed_set)), ds=ds, dnskeys=dnskeys, resolver_ip=resolver_ip,
                     daemon=Daemon("knotd", [which("knotd") or "knotd", "-c", str(conf)], directory / "knotd.log"),
                     _records=assign_zones(records, zone_list))
    for z in zone_list:
        _write_zone(srv, z)
    srv.daemon.start()
    try:
        for z in zone_list:
            ok = _wait_zone(srv, z, z in signed_set, deadline=time.monotonic() + timeout)
            if not ok:
                raise srv.daemon.fail(f"zone {z} not served within {timeout}s")
    except BaseException:
        srv.stop()
        raise
    srv.startup_s = time.monotonic() - t0
    return srv


def _rdata_of(line: str, rtype: str) -> str:
    return line.split(f" {rtype} ", 1)[1].strip()


def _ds_of(zone: str, dnskey: str) -> str:
    """The SHA-256 DS rdata of a DNSKEY (what a registrar would publish in the parent)."""
    key = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DNSKEY, dnskey)
    return dns.dnssec.make_ds(dns.name.from_text(zone), key, "SHA256").to_text()


def _corrupt_digest(ds: str) -> str:
    parts = ds.split()
    digest = parts[3]
    flipped = ("0" if digest[0] != "0" else "1") + digest[1:]
    return " ".join(parts[:3] + [flipped] + parts[4:])


def _wait_zone(srv: KnotServer, zone: str, signed: bool, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if not srv.daemon.alive():
            return False
        try:
            r = srv.query(zone, "SOA", dnssec=signed, tcp=True, timeout=1.0)
            if r.rcode() == dns.rcode.NOERROR and r.answer and (
                not signed or any(rr.rdtype == dns.rdatatype.RRSIG for rr in r.answer)
            ):
                return True
        except Exception:
            pass
        time.sleep(0.02)
    return False
