"""check_host() wall time: smtpdoctor against pyspf (the peer), on the same lab zone, same round trip.

    python bench/spf_check_host.py [--rtt 0.05] [--runs 5]

The lab DNS server (loopback, in a thread) delays every answer by --rtt seconds, which stands in for
Internet round trips. The policy is a typical one (Google Workspace + SendGrid + Mailgun + mx) and the
IP matches only the last term, so both implementations evaluate the whole policy: 8 DNS-querying terms.
The critical path (longest chain of dependent questions) is 3 round trips. Each run uses a fresh
resolver (no cache carried over). Needs ``pip install pyspf`` (bench only).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from smtpdoctor.net.dns import Resolver  # noqa: E402
from smtpdoctor.lab.dns_server import LabDnsServer  # noqa: E402
from smtpdoctor.protocol.spf.eval import check_host  # noqa: E402

ZONE = {
    "example.com": {"TXT": ["v=spf1 include:_spf.google.com include:sendgrid.net include:mailgun.org mx -all"],
                    "MX": ["10 mx.example.com."]},
    "mx.example.com": {"A": ["192.0.2.25"]},
    "_spf.google.com": {"TXT": ["v=spf1 include:_netblocks.google.com include:_netblocks2.google.com "
                                "include:_netblocks3.google.com ~all"]},
    "_netblocks.google.com": {"TXT": ["v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ~all"]},
    "_netblocks2.google.com": {"TXT": ["v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ~all"]},
    "_netblocks3.google.com": {"TXT": ["v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ~all"]},
    "sendgrid.net": {"TXT": ["v=spf1 ip4:167.89.0.0/17 ip4:208.117.48.0/20 ~all"]},
    "mailgun.org": {"TXT": ["v=spf1 include:_spf.mailgun.org ~all"]},
    "_spf.mailgun.org": {"TXT": ["v=spf1 ip4:209.61.151.0/24 ip4:166.78.68.0/22 ~all"]},
}
IP = "192.0.2.25"
CRITICAL_PATH_RTTS = 3


def start_server(rtt: float) -> tuple[LabDnsServer, asyncio.AbstractEventLoop, threading.Thread]:
    loop = asyncio.new_event_loop()
    server = LabDnsServer(ZONE, delay=rtt)
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    ready.wait(5)
    return server, loop, thread


def ours(address: str) -> tuple[float, str, int]:
    async def one():
        return await check_host(Resolver([address], timeout=5, lifetime=10), IP, "example.com")
    t0 = time.perf_counter()
    res = asyncio.run(one())
    return time.perf_counter() - t0, str(res.result), res.lookups


def peer(address: str) -> tuple[float, str]:
    import dns.nameserver
    import dns.resolver
    import spf  # pyspf

    host, port = address.rsplit(":", 1)
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = [dns.nameserver.Do53Nameserver(host, int(port))]
    dns.resolver.default_resolver = r  # pyspf asks through dnspython's default resolver
    t0 = time.perf_counter()
    result, _ = spf.check2(i=IP, s="postmaster@example.com", h="example.com")
    return time.perf_counter() - t0, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rtt", type=float, default=0.05)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    try:
        import spf  # noqa: F401
    except ImportError:
        sys.exit("pyspf is not installed: pip install pyspf")
    server, loop, thread = start_server(args.rtt)
    try:
        mine = [ours(server.address) for _ in range(args.runs)]
        theirs = [peer(server.address) for _ in range(args.runs)]
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
    m = statistics.median(t for t, _, _ in mine)
    p = statistics.median(t for t, _ in theirs)
    cp = CRITICAL_PATH_RTTS * args.rtt
    print(f"round trip {args.rtt * 1000:.0f} ms, {args.runs} runs each, median wall time of one check_host():")
    print(f"  smtpdoctor  {m * 1000:7.1f} ms  result={mine[0][1]} lookups={mine[0][2]}")
    print(f"  pyspf       {p * 1000:7.1f} ms  result={theirs[0][1]}")
    print(f"  critical path ({CRITICAL_PATH_RTTS} dependent round trips) {cp * 1000:.0f} ms")
    versus_path = f"; {m / cp:.2f}x its critical path" if cp > 0 else ""
    print(f"ratio: smtpdoctor is {p / m:.2f}x as fast as pyspf{versus_path}")


if __name__ == "__main__":
    main()
