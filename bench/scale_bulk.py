"""Bulk runs in one process against a local Dask cluster (``--workers 2``), on the lab's delayed DNS.

    python bench/scale_bulk.py                      # small sizes, a few minutes
    python bench/scale_bulk.py --domains 10000 --ips 10000 --zones 10 --bounces 1000000   # the full size

Three workloads, each run by the ``smtpdoctor`` command as a user runs it, once in-process and once with
``--workers 2``, at two sizes (the size given and a tenth of it) so the break-even size can be read off:

* ``domain --file``: N sending domains (bench/domain_vs_checkdmarc.py's zone: MX at a provider, SPF with a
  nested include, DKIM, DMARC, TLS-RPT), served by LabDnsServer in its own process;
* ``blacklist --file``: N addresses x Z catalogue zones (bench/dnsbl_vs_pydnsbl.py's fast responder, 1 % listed);
* ``explain``: a Postfix maillog of N bounce lines made from the sisimai corpus vendored in tests/data/bounces.

Every DNS answer is held back by --rtt (default 0.05 s: 25 ms each way). Reported per run: wall time,
throughput, CPU time of the whole process tree (the kernel's count, each process once), peak RSS of the
whole tree (driver + scheduler + workers, sampled every 0.1 s) and of its largest process. The break-even
size is where the two straight lines through (size/10, size) cross: below it the in-process path wins.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

import dnsbl_vs_pydnsbl as dnsbl_bench  # noqa: E402
from domain_vs_checkdmarc import LabProcess, domain_name, tool_env, zones  # noqa: E402


def command() -> list[str]:
    return [sys.executable, "-m", "smtpdoctor.cli.app"]


def env() -> dict[str, str]:
    """As a user's install runs: with bytecode (this environment may forbid writing it; then every worker
    process would compile smtpdoctor's sources again, a start-up cost no installed package has)."""
    out = tool_env()
    out["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), out.get("PYTHONPATH", "")) if p)
    return out


def measure(args: list[str], expect_lines: int) -> dict:
    """Run one command; wall time, tree CPU, peak RSS (tree total and largest process).

    CPU is the kernel's account of every process of the tree (``RUSAGE_CHILDREN``: the command and each
    descendant it reaped: workers, nannies, ``--jobs`` processes), taken around the run. Summing the
    sampled processes' own times and their ``children_*`` times instead counts each worker twice: once
    while it runs, and again in its parent's ``children_*`` once reaped.
    """
    import resource

    import psutil

    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.PIPE, text=True, env=env())
        peak = {"tree": 0, "largest": 0}
        done = threading.Event()

        def sample() -> None:
            root = psutil.Process(proc.pid)
            while not done.is_set():
                try:
                    procs = [root, *root.children(recursive=True)]
                    rss = []
                    for p in procs:
                        rss.append(p.memory_info().rss)
                    peak["tree"] = max(peak["tree"], sum(rss))
                    peak["largest"] = max(peak["largest"], max(rss))
                except psutil.Error:
                    pass
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, err = proc.communicate(timeout=6 * 3600)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        done.set()
        sampler.join()
        out.seek(0)
        lines = sum(1 for _ in out)
    if lines != expect_lines:
        raise SystemExit(f"{' '.join(args[3:6])}: {lines} lines, expected {expect_lines}; {err[-2000:]}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return {"wall_s": wall, "cpu_s": cpu, "rss_tree_mb": peak["tree"] / 2**20,
            "rss_largest_mb": peak["largest"] / 2**20, "exit": proc.returncode}


def run_pair(name: str, args: list[str], lines: int, unit: int, workers: int) -> list[dict]:
    rows = []
    for label, extra in (("in-process", []), (f"--workers {workers}", ["--workers", str(workers)])):
        r = measure([*command(), *args, *extra], lines)
        r.update(workload=name, path=label, size=unit, rate=unit / r["wall_s"])
        rows.append(r)
        print(f"  {name:<10} {label:<12} {unit:>9,} in {r['wall_s']:7.1f} s  {r['rate']:9,.0f}/s  "
              f"cpu {r['cpu_s']:7.1f} s  peak RSS {r['rss_tree_mb']:6.0f} MB (largest process "
              f"{r['rss_largest_mb']:5.0f} MB)", flush=True)
    return rows


def domains_bench(n: int, rtt: float, concurrency: int, workers: int, tmp: Path) -> list[dict]:
    lab = LabProcess(zones(n), rtt)
    try:
        rows = []
        for size in (max(1, n // 10), n):
            listing = tmp / f"domains{size}.txt"
            listing.write_text("\n".join(domain_name(i) for i in range(size)) + "\n")
            rows += run_pair("domain", ["domain", "--file", str(listing), "--resolver", lab.address, "--format",
                                        "json", "--timeout", "2", "--concurrency", str(concurrency)],
                             size, size, workers)
        return rows
    finally:
        lab.close()


def blocklist_bench(n: int, n_zones: int, rtt: float, workers: int, tmp: Path) -> list[dict]:
    _, bulk_zones, ips, _, records, _ = dnsbl_bench.workload(n, n_zones)
    stop, address = dnsbl_bench.start_server(records, rtt, "fast", bulk_zones)
    try:
        rows = []
        zones = [a for z in bulk_zones for a in ("--dnsbl", z.name)]
        for size in (max(1, n // 10), n):
            listing = tmp / f"ips{size}.txt"
            listing.write_text("\n".join(ips[:size]) + "\n")
            rows += run_pair("blacklist", ["blacklist", "--file", str(listing), "--resolver", address, "--format",
                                           "json", *zones], size, size * len(bulk_zones), workers)
        return rows
    finally:
        stop()


def corpus_lines() -> list[str]:
    """One Postfix log line per failed recipient of the sisimai corpus (its own diagnostic text)."""
    from smtpdoctor.flows.explain import explain_inputs

    folder = ROOT / "tests" / "data" / "bounces" / "sisimai" / "eml"
    if not folder.is_dir():
        raise SystemExit(f"the bounce corpus is not at {folder}")
    out = []
    for e in explain_inputs([str(folder)]):
        for r in e.results:
            if r.diagnostic and r.explanation.status[:1] in ("4", "5"):
                host = r.remote_mta or "mx.example.net"
                out.append((r.explanation.status, host, r.diagnostic.replace("(", "[").replace(")", "]"),
                            r.command or "RCPT TO", r.recipient.rpartition("@")[2] or "example.net"))
    return [f"to=<{{user}}@{dom}>, relay={host}[192.0.2.1]:25, delay=1.1, delays=0.1/0/0.5/0.5, dsn={status}, "
            f"status={'bounced' if status.startswith('5') else 'deferred'} (host {host}[192.0.2.1] said: {said} "
            f"(in reply to {cmd} command))" for status, host, said, cmd, dom in out]


def write_maillog(path: Path, n: int, templates: list[str]) -> None:
    with path.open("w") as fh:
        for i in range(n):
            t = templates[i % len(templates)]
            fh.write(f"Jan  2 03:{(i // 60) % 60:02d}:{i % 60:02d} mx1 postfix/smtp[{1000 + i % 5000}]: "
                     f"Q{i:09X}: " + t.replace("{user}", f"user{i}") + "\n")


def bounces_bench(n: int, workers: int, tmp: Path) -> list[dict]:
    templates = corpus_lines()
    rows = []
    for size in (max(1, n // 10), n):
        log = tmp / f"maillog{size}"
        write_maillog(log, size, templates)
        rows += run_pair("explain", ["explain", str(log), "--format", "json"], size, size, workers)
        log.unlink()
    return rows


def break_even(rows: list[dict]) -> str:
    """Where the straight lines through the two sizes cross (wall time), in the workload's unit."""
    def line(path):
        pts = sorted((r["size"], r["wall_s"]) for r in rows if r["path"] == path)
        (x0, y0), (x1, y1) = pts
        slope = (y1 - y0) / (x1 - x0)
        return y0 - slope * x0, slope
    a1, b1 = line("in-process")
    a2, b2 = line(next(r["path"] for r in rows if r["path"] != "in-process"))
    if b2 >= b1:
        return "never (the workers are not faster per item here)"
    return f"{max(0.0, (a2 - a1) / (b1 - b2)):,.0f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--ips", type=int, default=2000)
    ap.add_argument("--zones", type=int, default=10)
    ap.add_argument("--bounces", type=int, default=100_000)
    ap.add_argument("--rtt", type=float, default=0.05)
    ap.add_argument("--concurrency", type=int, default=50, help="domain --concurrency (the run's global budget)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", choices=("domain", "blacklist", "explain"), action="append")
    ap.add_argument("--json", help="also write every row to this file")
    args = ap.parse_args()
    only = set(args.only or ("domain", "blacklist", "explain"))
    print(f"rtt {args.rtt * 1000:.0f} ms, {os.cpu_count()} cores; sizes: {args.domains:,} domains, "
          f"{args.ips:,} IPs x {args.zones} zones, {args.bounces:,} bounces (and a tenth of each)")
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="smtpdoctor-scale-bench-") as tmp:
        for name, run in (("domain", lambda: domains_bench(args.domains, args.rtt, args.concurrency,
                                                             args.workers, Path(tmp))),
                          ("blacklist", lambda: blocklist_bench(args.ips, args.zones, args.rtt, args.workers,
                                                                Path(tmp))),
                          ("explain", lambda: bounces_bench(args.bounces, args.workers, Path(tmp)))):
            if name in only:
                got = run()
                rows += got
                print(f"  {name}: break-even size (in-process wins below): {break_even(got)}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
