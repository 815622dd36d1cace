"""smtpdoctor's DNSBL engine against pydnsbl (PyPI), on the same local zones, with added latency.

    python bench/dnsbl_vs_pydnsbl.py [--rtt 0.05] [--ips 1000] [--zones 10] [--server fast|lab|knot]
                                     [--delay server|kernel] [--delay-hook prerouting|output] [--repeat 5]
                                     [--src OTHER/src --src src] [--pydnsbl-python /work/bench-venv/bin/python]

Both clients ask one DNS server process on loopback that serves the catalogue's IPv4 zones (test points, and
1 % of the addresses listed with a TXT reason). The round trip --rtt is added one of two ways:

* ``--delay server`` (default): the server holds every answer back by --rtt. Nothing is ever lost.
* ``--delay kernel`` (root): everything runs in a fresh network namespace whose loopback holds every packet
  for --rtt / 2 in the kernel path (an NFQUEUE delay, ``--nfq-delay PATH``: this kernel has no netem), so
  packets queue and, when a queue overflows (the loopback backlog, a socket's receive buffer), are dropped,
  as on the Internet. The namespace, the delay process and the iptables rule are removed afterwards.

Measured in one run:

* latency: one IP against every IPv4 zone of the catalogue, in round trips (median of 5 fresh IPs);
* throughput: --ips addresses x --zones zones, as IP x zone lookups per second (pydnsbl's bulk_check).

Rounds are interleaved (pydnsbl, then each --src tree, each in its own process), and the ratio is shown for
the best of each side and for the median round (each round's smtpdoctor against that round's pydnsbl).

pydnsbl runs in its own virtualenv (it is not a dependency of smtpdoctor): create it with
``python -m venv /work/bench-venv && /work/bench-venv/bin/pip install pydnsbl``. pydnsbl has no option for
the server address, so its checker's aiodns resolver is replaced by one with the same settings (timeout 5 s,
2 tries) pointed at the lab server; its concurrency (200) and query logic are unchanged.

The server: ``--server fast`` (default) is a minimal responder in a separate process, written for this
benchmark (it answers from a dict, without dnspython); ``--server lab`` runs smtpdoctor's LabDnsServer in the
separate process instead. LabDnsServer parses and builds every message with dnspython and tops out near
1,500 answers per second on this machine, so with it the server, not the clients, is what gets measured.
``--server knot`` (with ``--delay kernel`` only: Knot cannot hold answers back) runs knotd (Debian's knot)
with the same records, one UDP worker, as the test suite starts it (``tests/realservers/knot.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


# -- the server process ----------------------------------------------------------------------------------

def _wire_index(records: dict) -> dict:
    out = {}
    for name, rr in records.items():
        entry = {}
        for rtype, values in rr.items():
            if rtype == "A":
                entry[1] = [socket.inet_aton(v) for v in values]
            elif rtype == "TXT":
                entry[16] = [bytes([len(v.encode())]) + v.encode() for v in values]
        out[name.rstrip(".").lower().encode()] = entry
    return out


class _Fast:
    """Answers A/TXT from a dict: NXDOMAIN for unknown names, NODATA for other types; each answer leaves
    ``delay`` seconds after its question arrived. A raw non-blocking socket read by the loop, and one
    FIFO of answers due (the delay is constant), so the server spends little CPU per query."""

    def __init__(self, index: dict, delay: float, sndbuf: int = 0) -> None:
        self.index, self.delay = index, delay
        self.loop = asyncio.get_running_loop()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        if sndbuf:  # else the system's default (208 KiB on Linux): see --server-sndbuf
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.due: deque = deque()
        self.flushing = False
        self.loop.add_reader(self.sock.fileno(), self.readable)

    @property
    def address(self) -> str:
        return "127.0.0.1:%d" % self.sock.getsockname()[1]

    def readable(self) -> None:
        now = self.loop.time()
        for _ in range(512):
            try:
                data, addr = self.sock.recvfrom(4096)
            except (BlockingIOError, InterruptedError):
                break
            wire = self.answer(data)
            if wire is not None:
                self.due.append((now + self.delay, wire, addr))
        if self.due and not self.flushing:
            self.flushing = True
            self.loop.call_at(self.due[0][0], self.flush)

    def flush(self) -> None:
        now = self.loop.time()
        due = self.due
        while due and due[0][0] <= now:
            _, wire, addr = due.popleft()
            try:
                self.sock.sendto(wire, addr)
            except (BlockingIOError, InterruptedError):
                pass  # dropped, as a busy server would
        if due:
            self.loop.call_at(due[0][0], self.flush)
        else:
            self.flushing = False

    def answer(self, data: bytes) -> bytes | None:
        try:
            i, labels = 12, []
            while data[i]:
                n = data[i]
                labels.append(data[i + 1:i + 1 + n])
                i += n + 1
            qtype = struct.unpack_from("!H", data, i + 1)[0]
            qend = i + 5
        except (IndexError, struct.error):
            return None
        entry = self.index.get(b".".join(labels).lower())
        flags = 0x8480 | (data[2] & 0x01) << 8
        answers = b""
        count = 0
        if entry is None:
            flags |= 3
        else:
            for rdata in entry.get(qtype, ()):
                answers += struct.pack("!HHHIH", 0xC00C, qtype, 1, 300, len(rdata)) + rdata
                count += 1
        return data[:2] + struct.pack("!HHHHH", flags, 1, count, 0, 0) + data[12:qend] + answers


async def _serve(records_file: str, delay: float, kind: str, lifetime: float, sndbuf: int = 0) -> None:
    records = json.loads(Path(records_file).read_text())
    if kind == "lab":
        from smtpdoctor.lab.dns_server import LabDnsServer

        server = await LabDnsServer(records, delay=delay).start()
        print(server.address, flush=True)
    else:
        print(_Fast(_wire_index(records), delay, sndbuf).address, flush=True)
    await asyncio.sleep(lifetime)  # bounded: the benchmark stops it long before


def start_server(records: dict, delay: float, kind: str, zones, sndbuf: int = 0) -> tuple[object, str]:
    """(a function that stops the server, its "IP:PORT")."""
    if kind == "knot":
        if delay:
            raise SystemExit("--server knot cannot hold answers back: use it with --delay kernel")
        sys.path.insert(0, str(ROOT))
        from tests.realservers.knot import start_knot

        srv = start_knot(records, zones=[z.name for z in zones], root=True, port53=False)
        return srv.stop, srv.address
    fd, path = tempfile.mkstemp(suffix=".json", prefix="dnsbl-bench-")
    with os.fdopen(fd, "w") as fh:
        json.dump(records, fh)
    proc = subprocess.Popen([sys.executable, __file__, "--serve", path, "--rtt", str(delay), "--server", kind,
                             "--server-sndbuf", str(sndbuf)],
                            stdout=subprocess.PIPE, text=True)
    address = proc.stdout.readline().strip()
    if not address:
        proc.kill()
        raise SystemExit("the DNS server process did not start")

    def stop() -> None:
        proc.kill()
        proc.wait()
        os.unlink(path)
    return stop, address


# -- the workload ----------------------------------------------------------------------------------------

def workload(n_ips: int, n_zones: int):
    from smtpdoctor.lab.blocklists import healthy_records
    from smtpdoctor.core.dnsbl_zones import Kind, catalogue

    ipv4_zones = [z for z in catalogue().zones if z.serves(Kind.IPV4)]
    bulk_zones = ipv4_zones[:n_zones]
    base = int(ipaddress.IPv4Address("10.0.0.0"))
    bulk_ips = [str(ipaddress.IPv4Address(base + i)) for i in range(n_ips)]
    latency_ips = [[str(ipaddress.IPv4Address(base + 0x100000 + 16 * run + k)) for k in range(2)]
                   for run in range(5)]
    listed: dict[str, dict[str, str]] = {}
    for i, ip in enumerate(bulk_ips):
        if i % 100 == 7:
            zone = bulk_zones[i % len(bulk_zones)]
            listed.setdefault(zone.name, {})[ip] = "127.0.0.2"
    records = healthy_records(catalogue().zones, listed)
    for zone_name, entries in listed.items():
        for ip in entries:
            key = ".".join(reversed(ip.split("."))) + "." + zone_name
            records[key]["TXT"] = [f"listed in the benchmark: {ip}"]
    expected = {ip for entries in listed.values() for ip in entries}
    return ipv4_zones, bulk_zones, bulk_ips, latency_ips, records, expected


# -- smtpdoctor ------------------------------------------------------------------------------------------

async def run_ours(address: str, ipv4_zones, bulk_zones, bulk_ips, latency_ips, layer: str, rtt: float) -> dict:
    from smtpdoctor.net.dns import Resolver
    from smtpdoctor.observe.blocklists import DEFAULT_CONCURRENCY, DEFAULT_RATE, Engine
    from smtpdoctor.core.dnsbl_targets import parse_inputs
    from smtpdoctor.net.udp_mux import MuxResolver

    def lookup():
        facade = Resolver([address], timeout=2.0, lifetime=4.0)
        return (MuxResolver([address], facade, timeout=2.0, lifetime=4.0, max_in_flight=DEFAULT_CONCURRENCY,
                            rate=DEFAULT_RATE) if layer == "mux" else facade)

    latencies = []
    for pair in latency_ips:
        res = lookup()
        engine = Engine(res, ipv4_zones)
        start = time.perf_counter()
        [r async for r in engine.stream(parse_inputs(pair[:1]))]
        latencies.append(time.perf_counter() - start)
        if layer == "mux":
            res.close()
    res = lookup()
    engine = Engine(res, bulk_zones)
    start, cpu = time.perf_counter(), time.process_time()
    listed = set()
    async for r in engine.stream(parse_inputs(bulk_ips)):
        if r.listed:
            listed.add(r.target.value)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    queries = getattr(res, "asked", None) or len(res.log)
    if layer == "mux":
        res.close()
    return {"latency_s": statistics.median(latencies), "bulk_s": elapsed, "cpu_s": cpu, "queries": queries,
            "listed": sorted(listed), "retransmitted": getattr(res, "retransmitted", None)}


def run_ours_in(src: str, address: str, ipv4_zones, bulk_zones, bulk_ips, latency_ips, layer: str, rtt: float) -> dict:
    """run_ours in a fresh interpreter whose smtpdoctor comes from ``src`` (another checkout's ``src``
    directory: before and after a change, measured in one run)."""
    cfg = {"src": src, "address": address, "ipv4_zones": [z.name for z in ipv4_zones],
           "bulk_zones": [z.name for z in bulk_zones], "bulk_ips": bulk_ips, "latency_ips": latency_ips,
           "layer": layer, "rtt": rtt}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as installed: byte-code cached
    env.setdefault("PYTHONPYCACHEPREFIX", os.path.join(tempfile.gettempdir(), "dnsbl-bench-pycache"))
    out = subprocess.run([sys.executable, __file__, "--run-ours"], input=json.dumps(cfg), capture_output=True,
                         text=True, timeout=600, env=env)
    if out.returncode != 0:
        raise SystemExit(f"smtpdoctor run ({src}) failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _child_run_ours() -> None:
    cfg = json.loads(sys.stdin.read())
    sys.path.insert(0, str(Path(cfg["src"]).resolve()))
    from smtpdoctor.core.dnsbl_zones import catalogue

    by_name = {z.name: z for z in catalogue().zones}
    ipv4_zones = [by_name[n] for n in cfg["ipv4_zones"]]
    bulk_zones = [by_name[n] for n in cfg["bulk_zones"]]
    result = asyncio.run(run_ours(cfg["address"], ipv4_zones, bulk_zones, cfg["bulk_ips"], cfg["latency_ips"],
                                  cfg["layer"], cfg["rtt"]))
    print(json.dumps(result))


# -- pydnsbl (in its own virtualenv, as a subprocess) -----------------------------------------------------

PYDNSBL_RUNNER = r"""
import asyncio, json, statistics, sys, time
import aiodns
from pydnsbl import DNSBLIpChecker
from pydnsbl.providers import Provider

cfg = json.loads(sys.stdin.read())
host, port = cfg["address"].rsplit(":", 1)

def checker(zones):
    c = DNSBLIpChecker(providers=[Provider(z) for z in zones], loop=asyncio.get_running_loop())
    # pydnsbl cannot be pointed at a server: same resolver settings as its own (timeout 5, tries 2).
    c._resolver = aiodns.DNSResolver(nameservers=[host], udp_port=int(port), tcp_port=int(port), timeout=5, tries=2)
    return c

async def main():
    latencies = []
    for pair in cfg["latency_ips"]:
        c = checker(cfg["ipv4_zones"])
        start = time.perf_counter()
        await c.check_async(pair[1])
        latencies.append(time.perf_counter() - start)
    c = checker(cfg["bulk_zones"])
    start, cpu = time.perf_counter(), time.process_time()
    results = await asyncio.gather(*(c.check_async(ip) for ip in cfg["bulk_ips"]))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(json.dumps({"latency_s": statistics.median(latencies), "bulk_s": elapsed, "cpu_s": cpu,
                      "queries": len(cfg["bulk_ips"]) * len(cfg["bulk_zones"]),
                      "failed": sum(len(r.failed_providers) for r in results),
                      "listed": sorted(r.addr for r in results if r.blacklisted)}))

asyncio.run(main())
"""


def run_pydnsbl(python: str, address: str, ipv4_zones, bulk_zones, bulk_ips, latency_ips) -> dict:
    cfg = {"address": address, "ipv4_zones": [z.name for z in ipv4_zones], "bulk_zones": [z.name for z in bulk_zones],
           "bulk_ips": bulk_ips, "latency_ips": latency_ips}
    out = subprocess.run([python, "-c", PYDNSBL_RUNNER], input=json.dumps(cfg), capture_output=True, text=True,
                         timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"pydnsbl run failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout)


# -- the kernel-path delay --------------------------------------------------------------------------------

def in_delayed_netns(rtt: float, nfq_delay: str, argv: list[str], hook: str = "prerouting") -> int:
    """Run this script again (``argv``) in a new network namespace whose loopback delays every packet by
    rtt / 2; tear everything down afterwards. Returns the inner run's exit status.

    ``hook`` is where the packets are held. ``prerouting`` (default): on their way in, after the loopback
    device has handed them over, so a held packet no longer counts against the send buffer of the socket
    that sent it: the delay is in the path, as in the Internet's routers. ``output``: on their way out, as
    netem on a sending host's interface would hold them: every held answer then counts against the
    *server's* socket send buffer (208 KiB by default, about 256 small answers), and the server's own
    buffer, not the path, caps the answers in flight."""
    if os.geteuid() != 0:
        raise SystemExit("--delay kernel needs root (a network namespace and an iptables NFQUEUE rule)")
    if not Path(nfq_delay).exists():
        raise SystemExit(f"{nfq_delay}: no such file (the NFQUEUE delay program; give --nfq-delay)")
    ns, queue, pidfile = f"dnsbl-bench-{os.getpid()}", 4000 + os.getpid() % 1000, tempfile.mktemp(suffix=".pid")
    run = lambda *cmd: subprocess.run(cmd, check=True)  # noqa: E731
    run("ip", "netns", "add", ns)
    delay = None
    try:
        run("ip", "-n", ns, "link", "set", "lo", "up")
        delay = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, nfq_delay, "--queue", str(queue),
                                  "--delay-ms", str(rtt * 500), "--pidfile", pidfile], stderr=subprocess.PIPE, text=True)
        delay.stderr.readline()  # "nfq_delay: queue … pid …" once it is bound
        chain, iface = ("OUTPUT", "-o") if hook == "output" else ("PREROUTING", "-i")
        run("ip", "netns", "exec", ns, "iptables", "-t", "mangle", "-A", chain, iface, "lo", "-j", "NFQUEUE",
            "--queue-num", str(queue), "--queue-bypass")
        return subprocess.run(["ip", "netns", "exec", ns, sys.executable, __file__, *argv]).returncode
    finally:
        if delay is not None:
            delay.terminate()
            delay.wait(timeout=10)
        subprocess.run(["ip", "netns", "del", ns])
        if os.path.exists(pidfile):
            os.unlink(pidfile)


# -- main ------------------------------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rtt", type=float, default=0.05, help="added latency per answer, seconds (default 0.05)")
    ap.add_argument("--ips", type=int, default=1000)
    ap.add_argument("--zones", type=int, default=10)
    ap.add_argument("--server", choices=("fast", "lab", "knot"), default="fast")
    ap.add_argument("--pydnsbl-python", default=os.environ.get("PYDNSBL_PYTHON", "/work/bench-venv/bin/python"))
    ap.add_argument("--facade", action="store_true", help="also measure the engine over the dnspython facade")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved rounds; the best of each side is shown")
    ap.add_argument("--delay", choices=("server", "kernel"), default="server",
                    help="where the RTT is added: the server holds answers back, or the kernel holds packets")
    ap.add_argument("--delay-hook", choices=("prerouting", "output"), default="prerouting",
                    help="with --delay kernel: hold packets on their way in (the path; default) or out (then each "
                         "held answer counts against the server's socket send buffer)")
    ap.add_argument("--nfq-delay", default=os.environ.get("NFQ_DELAY", str(ROOT.parent / "shared/tools/nfq_delay.py")),
                    help="the NFQUEUE delay program for --delay kernel")
    ap.add_argument("--server-sndbuf", type=int, default=0,
                    help="the fast server's SO_SNDBUF in bytes (default: the system's). With --delay kernel "
                         "every answer held in the delay counts against it: 208 KiB holds ~256 answers")
    ap.add_argument("--src", action="append", default=None,
                    help="a checkout's src directory to measure (repeat it to compare trees in one run, e.g. "
                         "--src /path/to/main/src --src src); default: this checkout's")
    ap.add_argument("--run-ours", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    ap.add_argument("--in-netns", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        asyncio.run(_serve(args.serve, args.rtt, args.server, lifetime=900, sndbuf=args.server_sndbuf))
        return
    if args.run_ours:
        _child_run_ours()
        return
    if args.delay == "kernel" and not args.in_netns:
        raise SystemExit(in_delayed_netns(args.rtt, args.nfq_delay, sys.argv[1:] + ["--in-netns"], args.delay_hook))
    if not Path(args.pydnsbl_python).exists():
        raise SystemExit(f"{args.pydnsbl_python}: no such interpreter; create a venv with pydnsbl (see --help)")

    ipv4_zones, bulk_zones, bulk_ips, latency_ips, records, expected = workload(args.ips, args.zones)
    server_delay = 0.0 if args.delay == "kernel" else args.rtt
    stop, address = start_server(records, server_delay, args.server, ipv4_zones, args.server_sndbuf)
    trees = args.src or [str(ROOT / "src")]
    rounds: list[tuple[dict, list[dict], dict | None]] = []
    try:
        for _ in range(args.repeat):  # interleaved, so every client sees the same machine load
            theirs = run_pydnsbl(args.pydnsbl_python, address, ipv4_zones, bulk_zones, bulk_ips, latency_ips)
            ours = [run_ours_in(src, address, ipv4_zones, bulk_zones, bulk_ips, latency_ips, "mux", args.rtt)
                    for src in trees]
            facade = (asyncio.run(run_ours(address, ipv4_zones, bulk_zones, bulk_ips, latency_ips, "facade",
                                           args.rtt)) if args.facade else None)
            rounds.append((theirs, ours, facade))
    finally:
        stop()
    report(args, rounds, trees, ipv4_zones, bulk_zones, bulk_ips, expected)


def report(args, rounds, trees, ipv4_zones, bulk_zones, bulk_ips, expected) -> None:
    lookups = len(bulk_ips) * len(bulk_zones)
    rtt = args.rtt

    def best(runs: list[dict]) -> dict:
        return {"latency_s": min(r["latency_s"] for r in runs), "bulk_s": min(r["bulk_s"] for r in runs),
                "cpu_s": min(r["cpu_s"] for r in runs), "queries": runs[0]["queries"]}

    sndbuf_note = f", server SO_SNDBUF {args.server_sndbuf}" if args.server_sndbuf else ""
    sndbuf_note += f", held on {args.delay_hook}" if args.delay == "kernel" else ""
    print(f"server: {args.server} (separate process), added RTT {rtt * 1000:.0f} ms ({args.delay} delay{sndbuf_note}); latency: 1 IP x "
          f"{len(ipv4_zones)} IPv4 zones; throughput: {len(bulk_ips)} IPs x {len(bulk_zones)} zones = "
          f"{lookups:,} lookups; best of {args.repeat} interleaved rounds (load average now "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"{'':40} {'1 IP x all zones':>18} {'bulk lookups/s':>15} {'CPU us/lookup':>14} {'queries':>8}")

    def row(name: str, r: dict) -> None:
        print(f"{name:40} {r['latency_s'] * 1000:9.0f} ms {r['latency_s'] / rtt:4.2f} RTT "
              f"{lookups / r['bulk_s']:15,.0f} {r['cpu_s'] / lookups * 1e6:14,.0f} {r['queries']:8,}")

    theirs_best = best([r[0] for r in rounds])
    row("pydnsbl 1.1.7 (aiodns, 200)", theirs_best)
    for k, src in enumerate(trees):
        row(f"smtpdoctor ({src})"[:40], best([r[1][k] for r in rounds]))
    if args.facade:
        row("smtpdoctor (dnspython facade)", best([r[2] for r in rounds]))
    for k, src in enumerate(trees):
        ours_best = best([r[1][k] for r in rounds])
        ratios = [t["bulk_s"] / o[k]["bulk_s"] for t, o, _ in rounds]
        print(f"{src}: ratio latency (pydnsbl / smtpdoctor) {theirs_best['latency_s'] / ours_best['latency_s']:.2f}x; "
              f"throughput (smtpdoctor / pydnsbl) best {theirs_best['bulk_s'] / ours_best['bulk_s']:.2f}x, "
              f"median round {statistics.median(ratios):.2f}x (per round: {', '.join(f'{x:.2f}' for x in ratios)}; "
              f"questions sent again per round: {', '.join(str(o[k].get('retransmitted')) for _, o, _ in rounds)})")
    agree = all(set(o["listed"]) == set(t["listed"]) == expected for t, ours, _ in rounds for o in ours)
    print(f"same listed addresses found by all ({len(expected)} expected): {'yes' if agree else 'NO'}; "
          f"smtpdoctor also sent {rounds[0][1][0]['queries'] - lookups} health-guard and TXT queries")


if __name__ == "__main__":
    main()
