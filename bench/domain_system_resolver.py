"""Benchmark: `smtpdoctor domain` through the system's resolver (no --resolver), source trees side by side.

    sudo python bench/domain_system_resolver.py [--rtt 0.05] [--repeat 11] --src OLD/src --src src

A user without ``--resolver`` asks the server of /etc/resolv.conf, which has no port: so the lab DNS
server (``bench/domain_vs_checkdmarc.py``'s zone, every answer held ``--rtt`` seconds) listens on port 53
of a loopback address of its own, and each run sees a resolv.conf naming it through a private mount
namespace (``unshare --mount`` and a bind mount: the machine's /etc/resolv.conf is not touched). Needs
root. Each tree runs ``python -m smtpdoctor.cli.app domain DOMAIN --format json`` as a fresh process, with
byte-code cached, the trees taking turns in every round; one warm-up round is not counted. The JSON
reports (without their timings) must be the same in every run and across the trees. The figures include
``unshare``, ``mount`` and ``sh`` (a few ms, the same for every tree).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

import domain_vs_checkdmarc as common  # noqa: E402  (the zone, the byte-code cache)

from smtpdoctor.lab.background import in_background  # noqa: E402
from smtpdoctor.lab.dns_server import LabDnsServer  # noqa: E402


def run_once(wrap: list[str], tree: str, domain: str) -> tuple[float, dict]:
    start = time.perf_counter()
    out = subprocess.run([*wrap, sys.executable, "-m", "smtpdoctor.cli.app", "domain", domain, "--format", "json",
                          "--timeout", "2"], capture_output=True, text=True, env=common.tree_env(tree), timeout=60)
    wall = time.perf_counter() - start
    if out.returncode not in (0, 1):
        raise SystemExit(f"{tree}: exit {out.returncode}: {out.stderr[-2000:]}")
    doc = json.loads(out.stdout)
    doc.pop("timings", None)
    return wall, doc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rtt", type=float, default=0.05, help="seconds every DNS answer waits (default 0.05)")
    parser.add_argument("--repeat", type=int, default=11, help="measured runs of each tree (median)")
    parser.add_argument("--src", action="append", required=True, help="a source tree (repeatable)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("needs root (port 53 and a private mount namespace)")
    host = f"127.{random.randrange(64, 250)}.{random.randrange(1, 250)}.{random.randrange(1, 250)}"
    with tempfile.TemporaryDirectory(prefix="smtpdoctor-bench-") as tmp:
        conf = Path(tmp) / "resolv.conf"
        conf.write_text(f"nameserver {host}\n")
        wrap = ["unshare", "--mount", "sh", "-c", f'mount --bind "{conf}" /etc/resolv.conf && exec "$@"', "sh"]
        domain = common.domain_name(0)
        print(f"load average {os.getloadavg()[0]:.1f}; lab DNS at {host}:53, "
              f"every answer waits {args.rtt * 1000:.0f} ms")
        with in_background(LabDnsServer(common.zones(1), delay=args.rtt, host=host, port=53)):
            walls: dict[str, list[float]] = {tree: [] for tree in args.src}
            reports: dict[str, dict] = {}
            for round_ in range(args.repeat + 1):
                for tree in args.src:
                    wall, doc = run_once(wrap, tree, domain)
                    if reports.setdefault(tree, doc) != doc:
                        raise SystemExit(f"{tree}: the report changed between runs")
                    if round_:
                        walls[tree].append(wall)
    for tree, values in walls.items():
        print(f"  {tree}: {statistics.median(values):.3f} s median of {len(values)} (min {min(values):.3f}); "
              f"each: {', '.join(f'{v:.3f}' for v in values)}")
    same = all(doc == reports[args.src[0]] for doc in reports.values())
    print(f"  reports (without timings) the same across trees: {same}; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
