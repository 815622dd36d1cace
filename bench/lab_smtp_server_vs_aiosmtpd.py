"""The lab SMTP server against aiosmtpd (its peer, and what it chose not to be built on), same client.

    python bench/lab_smtp_server_vs_aiosmtpd.py [--sessions 300] [--runs 3]

Each server runs its own asyncio loop in a background thread on 127.0.0.1; the client is smtplib in the
main thread, one session after another: connect, EHLO, (STARTTLS, EHLO,) MAIL, RCPT, DATA of 1 KiB, QUIT.
Both servers present the same lab certificate (ECDSA P-256) for the STARTTLS variant. Printed: sessions per
second for each server and the ratio (lab / aiosmtpd; above 1 means the lab is faster), median of --runs.

Also printed: the time to start and stop the lab hosts of every scenario in the catalogue (each one a
loopback address with 4-5 servers, on the real port numbers when run as root), which is what
``smtpdoctor demo`` and the scenario tests pay before any diagnosis.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import smtplib
import socket
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from aiosmtpd.controller import Controller  # noqa: E402

from smtpdoctor.lab.certs import default_pki  # noqa: E402
from smtpdoctor.lab.faults import Fault  # noqa: E402
from smtpdoctor.lab.scenarios import SCENARIOS  # noqa: E402
from smtpdoctor.lab.smtp_server import LabSmtpServer  # noqa: E402

BODY = b"Subject: bench\r\n\r\n" + (b"x" * 98 + b"\r\n") * 10


class _LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


def _sessions(port: int, n: int, tls: bool) -> float:
    context = default_pki().client_context()
    start = time.perf_counter()
    for _ in range(n):
        with smtplib.SMTP("127.0.0.1", port, local_hostname="bench.lab.test", timeout=10) as client:
            if tls:
                client.starttls(context=context)
            client.sendmail("a@lab.test", ["b@lab.test"], BODY)
    return n / (time.perf_counter() - start)


class _Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 2.0.0 Ok: queued"


def bench_lab(n: int, tls: bool) -> float:
    loop = _LoopThread()
    try:
        faults = [Fault.starttls()] if tls else []
        server = loop.run(LabSmtpServer(faults, hostname="mail.lab.test").start())
        try:
            return _sessions(server.port, n, tls)
        finally:
            loop.run(server.stop())
    finally:
        loop.close()


def bench_aiosmtpd(n: int, tls: bool) -> float:
    kwargs = {"tls_context": default_pki().server_context("valid", ("mail.lab.test", "127.0.0.1"))} if tls else {}
    with socket.socket() as probe:  # aiosmtpd's Controller cannot take port 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(_Sink(), hostname="127.0.0.1", port=port, server_hostname="mail.lab.test", **kwargs)
    controller.start()
    try:
        return _sessions(controller.port, n, tls)
    finally:
        controller.stop()


async def _start_stop_all() -> float:
    start = time.perf_counter()
    hosts = [s.lab_host() for s in SCENARIOS]
    await asyncio.gather(*(h.start() for h in hosts))
    real = all(h.uses_real_ports for h in hosts)
    await asyncio.gather(*(h.stop() for h in hosts))
    elapsed = time.perf_counter() - start
    print(f"start+stop of {len(hosts)} scenario hosts ({sum(len(h.ports) for h in hosts)} servers, "
          f"real ports: {real}): {elapsed * 1000:.0f} ms")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    default_pki().server_context("valid")  # keys and certificates made before timing
    for tls in (False, True):
        lab = statistics.median(bench_lab(args.sessions, tls) for _ in range(args.runs))
        peer = statistics.median(bench_aiosmtpd(args.sessions, tls) for _ in range(args.runs))
        label = "STARTTLS" if tls else "plain"
        print(f"{label:8} lab {lab:7.0f} sessions/s   aiosmtpd {peer:7.0f} sessions/s   ratio {lab / peer:.2f}x")
    asyncio.run(_start_stop_all())


if __name__ == "__main__":
    main()
