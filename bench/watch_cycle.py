"""One watch cycle over many targets on the lab's delayed DNS, beside the one-shot commands it runs.

    python bench/watch_cycle.py [--domains 1000] [--ips 10000] [--rtt 0.02] [--cycles 2]

A LabDnsServer in a separate process serves --domains sending domains (MX, SPF with an include, DKIM,
DMARC, TLS-RPT) and the blocklist zone bl.lab.test (1 % of the --ips addresses listed), holding every
answer back by --rtt seconds. Measured:

* ``watch``: ``Watcher.run_once()`` over every target, storing each result (the full JSON report) in a
  fresh SQLite file, raising and delivering alerts (to a log file) — wall time per cycle, for --cycles
  cycles (the first raises the "listed" alerts; later ones find nothing new);
* the database: its size after the cycles (after a WAL checkpoint) and the growth per 1,000 results;
* the peer, the same engines as one-shot commands: ``smtpdoctor domain --file … --format json
  --concurrency 32`` and ``smtpdoctor blacklist --file … --format json``, timed as subprocesses, output
  to /dev/null. The ratio says what the watch adds (storage, snapshots, alerts) to the checks themselves.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

SERVER = r"""
import asyncio, json, sys
sys.path.insert(0, sys.argv[1])
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.lab.world import lab_zone
n_domains, n_ips, rtt = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
zone = lab_zone()
for i in range(n_domains):
    d = f"d{i}.bench.test"
    zone[d] = {"MX": [f"10 mx.{d}."], "TXT": [f"v=spf1 include:_spf.esp.bench.test -all"]}
    zone[f"mx.{d}"] = {"A": ["192.0.2.25"]}
    zone[f"_dmarc.{d}"] = {"TXT": ["v=DMARC1; p=reject; rua=mailto:dmarc@" + d]}
    zone[f"_smtp._tls.{d}"] = {"TXT": ["v=TLSRPTv1; rua=mailto:tls@" + d]}
    zone[f"s1._domainkey.{d}"] = zone["s1._domainkey.lab.test"]
zone["_spf.esp.bench.test"] = {"TXT": ["v=spf1 ip4:192.0.2.0/24 -all"]}
for i in range(0, n_ips, 100):
    a, b = divmod(i, 250)
    zone[f"{b + 1}.{a % 250}.0.10.bl.lab.test"] = {"A": ["127.0.0.2"]}
async def main():
    async with LabDnsServer(zone, delay=rtt) as srv:
        print(srv.address, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
asyncio.run(main())
"""


def ip(i: int) -> str:
    a, b = divmod(i, 250)
    return f"10.0.{a % 250}.{b + 1}" if a < 250 else f"10.1.{(a - 250) % 250}.{b + 1}"


def config_text(dns: str, domains: int, ips: int) -> str:
    parts = [f'[watch]\nresolvers = ["{dns}"]\ndnsbl = ["bl.lab.test"]\ntimeout = 5\nconcurrency = 32\n',
             "[alerts]\nlog = true\n"]
    parts += [f'[[domain]]\nname = "d{i}.bench.test"\ndkim_selectors = ["s1"]\n' for i in range(domains)]
    parts += [f'[[blocklist]]\ntarget = "{ip(i)}"\n' for i in range(ips)]
    return "\n".join(parts)


def db_bytes(path: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return sum(p.stat().st_size for p in path.parent.iterdir() if p.name.startswith(path.name))


def one_shot(args: list[str], stdin_file: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "smtpdoctor.cli.app", *args, "--file", str(stdin_file)],
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--ips", type=int, default=10000)
    ap.add_argument("--rtt", type=float, default=0.02)
    ap.add_argument("--cycles", type=int, default=2)
    a = ap.parse_args()
    from smtpdoctor.watch import Watcher, open_store, parse_config

    server = subprocess.Popen([sys.executable, "-c", SERVER, str(ROOT / "src"), str(a.domains), str(a.ips),
                               str(a.rtt)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        dns = server.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as tmp:
            tmpd = Path(tmp)
            config = parse_config(config_text(dns, a.domains, a.ips))
            db = tmpd / "watch.sqlite3"
            store = open_store(str(db))
            watcher = Watcher(config, store, out=io.StringIO())
            cycles = []
            for _ in range(a.cycles):
                start = time.perf_counter()
                results = asyncio.run(watcher.run_once())
                cycles.append(time.perf_counter() - start)
                assert len(results) == a.domains + a.ips
            n_results, n_alerts = store.count("results"), store.count("alerts")
            kinds: dict[str, int] = {}
            for alert in store.alerts(limit=1_000_000):
                kinds[alert["kind"]] = kinds.get(alert["kind"], 0) + 1
            samples = sorted({a["title"][:160] for a in store.alerts(limit=1_000_000) if a["kind"] != "listed"})[:5]
            store.close()
            size = db_bytes(db)
            (tmpd / "domains.txt").write_text("\n".join(f"d{i}.bench.test" for i in range(a.domains)) + "\n")
            (tmpd / "ips.txt").write_text("\n".join(ip(i) for i in range(a.ips)) + "\n")
            peer_domain = one_shot(["domain", "--resolver", dns, "--dkim-selector", "s1", "--format", "json",
                                    "--concurrency", "32"], tmpd / "domains.txt") if a.domains else 0.0
            peer_bl = one_shot(["blacklist", "--resolver", dns, "--dnsbl", "bl.lab.test", "--format", "json"],
                               tmpd / "ips.txt") if a.ips else 0.0
    finally:
        server.stdin.close()
        server.wait(30)
    peer = peer_domain + peer_bl
    report = {
        "targets": {"domains": a.domains, "blocklist": a.ips}, "rtt_s": a.rtt,
        "watch_cycle_s": [round(c, 2) for c in cycles],
        "one_shot_s": {"domain": round(peer_domain, 2), "blacklist": round(peer_bl, 2), "sum": round(peer, 2)},
        "ratio_watch_over_one_shot": [round(c / peer, 2) for c in cycles] if peer else None,
        "results": n_results, "alerts": n_alerts, "alerts_by_kind": kinds, "other_alerts_sample": samples,
        "db_bytes": size, "db_bytes_per_1000_results": round(size / n_results * 1000),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
