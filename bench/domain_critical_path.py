"""Benchmark: one domain's audit (in process, warm) against its critical path, at several round trips.

    python bench/domain_critical_path.py [--rtts 0,0.02,0.05,0.1] [--runs 5]

Same zone and lab server process as bench/domain_vs_checkdmarc.py. Each run starts with a fresh
resolver (no cache). The critical path is the zone's longest chain of dependent questions (3 round
trips, SPF's include chain and TXT -> MX -> A); a perfect tool takes 3 x RTT plus its CPU time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from domain_vs_checkdmarc import CRITICAL_DEPTH, LabProcess, domain_name, measured_rtt, zones  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rtts", default="0,0.02,0.05,0.1")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from smtpdoctor.net.dns import Resolver
    from smtpdoctor.flows.domain import audit_domain

    async def once(address: str) -> tuple[float, int]:
        r = Resolver([address], timeout=2, lifetime=4)
        start = time.perf_counter()
        await audit_domain(r, domain_name(0))
        return time.perf_counter() - start, len(r.log)

    print(f"{'rtt set':>8} {'measured':>9} {'audit (median)':>15} {'questions':>10} {'critical path':>14} {'ratio':>6}")
    for rtt in (float(x) for x in args.rtts.split(",")):
        lab = LabProcess(zones(1), rtt)
        try:
            real = measured_rtt(lab)
            asyncio.run(once(lab.address))  # warm the imports and the catalogue
            runs = [asyncio.run(once(lab.address)) for _ in range(args.runs)]
        finally:
            lab.close()
        audit = statistics.median(t for t, _ in runs)
        critical = CRITICAL_DEPTH * real
        ratio = f"{audit / critical:5.2f}x" if rtt else "    -"
        print(f"{rtt * 1000:6.0f}ms {real * 1000:7.1f}ms {audit * 1000:13.0f}ms {runs[0][1]:>10} "
              f"{critical * 1000:12.0f}ms {ratio}")


if __name__ == "__main__":
    main()
