"""Benchmark: `smtpdoctor domain` against checkdmarc on the same local zones, with DNS round trips.

    python bench/domain_vs_checkdmarc.py [--rtt 0.05] [--domains 100] [--checkdmarc-domains 100]
                                         [--src OLD/src --src src] [--repeat 11] [--no-bulk]

Both tools ask one lab DNS server (smtpdoctor's LabDnsServer, in its own process on 127.0.0.1) whose
every answer waits ``--rtt`` seconds: the round trip of a resolver on the Internet (the kernel here has
no netem). Each tool runs as a fresh process, as a user runs it: interpreter start-up and imports count.

* one domain: wall time of each tool (median of --repeat runs), and the ratio;
* N domains: smtpdoctor with --file (bounded concurrency, JSON Lines) against checkdmarc with the same
  list (checkdmarc runs domains one after another);
* the critical path: the longest chain of dependent questions in the zone times the round trip measured
  in the same run; a tool that asks every independent question at once approaches it. Shown for
  smtpdoctor's whole process (`smtpdoctor domain` as a subprocess, with byte-code cached as an installed
  package has it) and for its audit alone (in a warm process, without start-up).
* ``--src`` (repeatable) runs ``python -m smtpdoctor.cli.app`` from each source tree instead of the installed
  command, the trees and checkdmarc taking turns in every round (the machine's load hits them alike): before
  and after a change in one run.

checkdmarc must be installed in a separate virtualenv (default /work/bench-venv: `python -m venv
/work/bench-venv && /work/bench-venv/bin/pip install checkdmarc`). The zones publish no MTA-STS and no
BIMI record, so neither tool makes HTTPS requests (checkdmarc would resolve those hosts through the
system resolver, outside the lab). Everything stays on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATS_NAME = "queries.stats.invalid"


# -- the zones ---------------------------------------------------------------------------------------
def zones(count: int) -> dict:
    """A typical sending domain, ``count`` times: MX at a provider, SPF with a nested include and ``mx``,
    a DKIM key at the provider's selector, DMARC reject with reports to an external service (which
    authorises them), TLS-RPT, SOA and NS. The provider's names are shared, as in real life."""
    key = _public_key()
    zone: dict = {
        "mx1.esp.test": {"A": ["192.0.2.10"], "AAAA": ["2001:db8::10"]},
        "mx2.esp.test": {"A": ["192.0.2.11"]},
        "ns1.esp.test": {"A": ["192.0.2.53"]},
        "ns2.esp.test": {"A": ["192.0.2.54"]},
        "10.2.0.192.in-addr.arpa": {"PTR": ["mx1.esp.test."]},
        "11.2.0.192.in-addr.arpa": {"PTR": ["mx2.esp.test."]},
        "_spf.esp.test": {"TXT": ["v=spf1 include:_netblocks.esp.test ~all"]},
        "_netblocks.esp.test": {"TXT": ["v=spf1 ip4:198.51.100.0/24 ip6:2001:db8:100::/48 ~all"]},
    }
    for i in range(count):
        d = domain_name(i)
        zone[d] = {
            "MX": ["10 mx1.esp.test.", "20 mx2.esp.test."],
            "TXT": ["v=spf1 include:_spf.esp.test mx -all", f"site-verification=token{i}"],
            "A": ["192.0.2.80"],
            "NS": ["ns1.esp.test.", "ns2.esp.test."],
            "SOA": [f"ns1.esp.test. hostmaster.{d}. 2024010101 7200 3600 1209600 3600"],
        }
        zone[f"google._domainkey.{d}"] = {"TXT": [f"v=DKIM1; k=rsa; p={key}"]}
        zone[f"_dmarc.{d}"] = {"TXT": [f"v=DMARC1; p=reject; rua=mailto:dmarc@{d},mailto:agg@reports.test"]}
        zone[f"{d}._report._dmarc.reports.test"] = {"TXT": ["v=DMARC1"]}
        zone[f"_smtp._tls.{d}"] = {"TXT": [f"v=TLSRPTv1; rua=mailto:tls@{d}"]}
    zone["reports.test"] = {"MX": ["10 mx1.esp.test."]}
    return zone


def _public_key() -> str:
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    der = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def domain_name(i: int) -> str:
    return f"shop{i:04d}-bench.test"


CRITICAL_CHAIN = (
    "SPF: TXT of the domain -> TXT of _spf.esp.test -> TXT of _netblocks.esp.test (3 round trips); "
    "also TXT -> MX (the 'mx' mechanism) -> A/AAAA of the MX hosts (3)")
CRITICAL_DEPTH = 3  # MX -> A, DMARC -> authorisation, PTR -> A are 2; DKIM, DNSSEC, TLS-RPT are 1


# -- the lab server process -------------------------------------------------------------------------
def serve(zone_file: str, delay: float) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from smtpdoctor.lab.dns_server import LabDnsServer

    class CountingServer(LabDnsServer):
        def answer(self, query):
            import dns.message
            import dns.rrset

            q = query.question[0] if query.question else None
            if q is not None and q.name.to_text().rstrip(".").lower() == STATS_NAME:
                counted = len(self.queries)
                self.queries.clear()
                response = dns.message.make_response(query)
                response.answer.append(dns.rrset.from_text(STATS_NAME + ".", 0, "IN", "TXT", f'"{counted}"'))
                return response
            return super().answer(query)

        def _respond(self, wire):
            # The same question (the bytes after the id) gets the same answer: built once, so the server's
            # CPU (dnspython per message, ~0.5 ms) does not cap what the clients are measured at.
            key = wire[2:]
            hit = self.wire_cache.get(key)
            if hit is not None:
                self.queries.append(hit[0])
                return wire[:2] + hit[1]
            before = len(self.queries)
            out = super()._respond(wire)
            if out is not None and len(self.queries) == before + 1:  # an ordinary question, not the count
                self.wire_cache[key] = (self.queries[-1], out[2:])
            return out

    async def main() -> None:
        zone = json.loads(Path(zone_file).read_text())
        async with CountingServer(zone, delay=delay) as srv:
            srv.wire_cache = {}
            print(srv.address, flush=True)
            await asyncio.Event().wait()

    asyncio.run(main())


class LabProcess:
    def __init__(self, zone: dict, delay: float) -> None:
        self.dir = tempfile.TemporaryDirectory(prefix="smtpdoctor-bench-")
        path = Path(self.dir.name) / "zone.json"
        path.write_text(json.dumps(zone))
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", str(path), "--rtt", str(delay)],
                                     stdout=subprocess.PIPE, text=True)
        self.address = self.proc.stdout.readline().strip()
        self.host, self.port = self.address.rsplit(":", 1)

    def take_count(self) -> int:
        """Queries answered since the last call (asked over the wire, not counted itself)."""
        import dns.message
        import dns.query

        reply = dns.query.udp(dns.message.make_query(STATS_NAME, "TXT"), self.host, port=int(self.port), timeout=5)
        return int(reply.answer[0][0].strings[0])

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.dir.cleanup()


# -- the tools --------------------------------------------------------------------------------------
_PYCACHE: list[str] = []  # the bytecode cache directory of this run, made on first use


def tool_env() -> dict[str, str]:
    """Both tools run with compiled bytecode, as an installed package does: this environment may set
    PYTHONDONTWRITEBYTECODE (then every run would compile smtpdoctor's sources, an editable install,
    while checkdmarc's were compiled by pip). The cache lives in a temporary directory, not the repo."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if not _PYCACHE:
        _PYCACHE.append(tempfile.mkdtemp(prefix="smtpdoctor-bench-pycache-"))
    env["PYTHONPYCACHEPREFIX"] = _PYCACHE[0]
    return env


CHECKDMARC_DRIVER = r"""
import json, sys, time
t0 = time.perf_counter()
import checkdmarc, dns.nameserver
t1 = time.perf_counter()
host, port, domains = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
results = checkdmarc.check_domains(domains, nameservers=[dns.nameserver.Do53Nameserver(host, port)], timeout=2.0)
t2 = time.perf_counter()
results = results if isinstance(results, list) else [results]
print(json.dumps({"import_s": t1 - t0, "run_s": t2 - t1, "domains": len(results),
                  "spf_valid": sum(1 for r in results if r.get("spf", {}).get("valid")),
                  "dmarc_valid": sum(1 for r in results if r.get("dmarc", {}).get("valid"))}))
"""


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_checkdmarc(python: str, lab: LabProcess, domains: list[str]) -> dict:
    start, cpu = time.perf_counter(), _child_cpu()
    out = subprocess.run([python, "-c", CHECKDMARC_DRIVER, lab.host, lab.port, *domains], capture_output=True,
                         text=True, timeout=3600, env=tool_env())
    wall, cpu = time.perf_counter() - start, _child_cpu() - cpu
    if out.returncode != 0:
        raise SystemExit(f"checkdmarc failed: {out.stderr.strip()[-2000:]}")
    info = json.loads(out.stdout.strip().splitlines()[-1])
    info["wall_s"] = wall
    info["cpu_s"] = cpu
    info["queries"] = lab.take_count()
    return info


def smtpdoctor_cmd(tree: str | None = None) -> list[str]:
    exe = Path(sys.executable).with_name("smtpdoctor")
    return [str(exe)] if exe.exists() and tree is None else [sys.executable, "-m", "smtpdoctor.cli.app"]


def tree_env(tree: str | None) -> dict[str, str]:
    env = tool_env()
    if tree is not None:
        env["PYTHONPATH"] = os.path.abspath(tree)
    return env


def run_smtpdoctor(lab: LabProcess, domains: list[str], concurrency: int, tree: str | None = None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(domains) + "\n")
        listing = f.name
    try:
        args = [*smtpdoctor_cmd(tree), "domain", "--resolver", lab.address, "--format", "json", "--timeout", "2"]
        args += ["--concurrency", str(concurrency)] if concurrency else []
        args += ["--file", listing] if len(domains) > 1 else domains
        start, cpu = time.perf_counter(), _child_cpu()
        out = subprocess.run(args, capture_output=True, text=True, timeout=3600, env=tree_env(tree))
        wall, cpu = time.perf_counter() - start, _child_cpu() - cpu
    finally:
        os.unlink(listing)
    docs = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    if len(docs) != len(domains):
        raise SystemExit(f"smtpdoctor printed {len(docs)} results for {len(domains)} domains: {out.stderr[-2000:]}")
    ids = [{f["id"] for f in d["findings"]} for d in docs]
    return {"wall_s": wall, "cpu_s": cpu, "queries": lab.take_count(), "domains": len(docs),
            "audit_s": max(d["timings"]["total_s"] for d in docs),
            "spf_ok": sum(1 for s in ids if "spf.ok" in s), "dmarc_ok": sum(1 for s in ids if "dmarc.ok" in s),
            "dkim_ok": sum(1 for s in ids if "dkim.key-ok" in s),
            "could_not_test": sum(1 for s in ids for i in s if i.endswith("lookup-failed"))}


_AUDIT_ALONE = r"""
import asyncio, sys, time
from smtpdoctor.net.dns import Resolver
from smtpdoctor.flows.domain import audit_domain

async def main():
    r = Resolver([sys.argv[1]], timeout=2, lifetime=4)
    start = time.perf_counter()
    await audit_domain(r, sys.argv[2])
    return time.perf_counter() - start

asyncio.run(main())  # a first audit: what the audit imports while it runs is loaded once, as in a warm process
print(asyncio.run(main()))
"""


def in_process_audit(lab: LabProcess, domain: str, tree: str | None = None) -> float:
    """smtpdoctor's audit alone, without interpreter start-up and imports (a warm process, fresh resolver)."""
    env = tree_env(tree if tree is not None else str(ROOT / "src"))
    out = subprocess.run([sys.executable, "-c", _AUDIT_ALONE, lab.address, domain], capture_output=True, text=True,
                         timeout=120, env=env)
    if out.returncode != 0:
        raise SystemExit(f"the in-process audit failed: {out.stderr[-2000:]}")
    lab.take_count()
    return float(out.stdout.strip().splitlines()[-1])


def measured_rtt(lab: LabProcess) -> float:
    import dns.message
    import dns.query

    times = []
    for _ in range(5):
        start = time.perf_counter()
        dns.query.udp(dns.message.make_query(domain_name(0), "A"), lab.host, port=int(lab.port), timeout=5)
        times.append(time.perf_counter() - start)
    lab.take_count()
    return statistics.median(times)


# -- main -------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rtt", type=float, default=0.05, help="seconds every DNS answer waits (default 0.05)")
    parser.add_argument("--domains", type=int, default=100, help="domains in the bulk run (default 100)")
    parser.add_argument("--checkdmarc-domains", type=int, default=None,
                        help="run checkdmarc on only this many of them and scale linearly (it is sequential)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the one-domain case (median)")
    parser.add_argument("--checkdmarc-repeat", type=int, default=3,
                        help="checkdmarc's runs of the one-domain case (~3 s each), among the first rounds")
    parser.add_argument("--src", action="append", help="a source tree to run smtpdoctor from (repeatable; "
                        "default: the installed command)")
    parser.add_argument("--no-bulk", action="store_true", help="only the one-domain case")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="smtpdoctor --concurrency in the bulk run (default: the command's own default)")
    parser.add_argument("--bulk-repeat", type=int, default=3, help="measured bulk runs (median), after a warm-up run")
    parser.add_argument("--checkdmarc-python", default=os.environ.get("CHECKDMARC_PYTHON", "/work/bench-venv/bin/python"))
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.rtt)
        return
    if not Path(args.checkdmarc_python).exists():
        raise SystemExit(f"no checkdmarc interpreter at {args.checkdmarc_python} (see the module docstring)")
    lab = LabProcess(zones(args.domains), args.rtt)
    load = os.getloadavg()[0]
    try:
        print(f"load average {load:.1f} on {os.cpu_count()} CPUs (wall times stretch when the machine is busy; "
              "CPU times do not)")
        print(f"lab DNS at {lab.address}: every answer waits {args.rtt * 1000:.0f} ms (measured round trip "
              f"{measured_rtt(lab) * 1000:.1f} ms)")
        one = domain_name(0)
        trees = args.src or [None]
        for tree in trees:  # warm-up runs: bytecode compiled and cached for both tools
            run_smtpdoctor(lab, [one], 1, tree)
        run_checkdmarc(args.checkdmarc_python, lab, [one])
        ours: dict = {tree: [] for tree in trees}
        theirs, rtts = [], []
        for i in range(args.repeat):  # the trees and the peer take turns: the load hits them alike
            rtts.append(measured_rtt(lab))
            for tree in trees:
                ours[tree].append(run_smtpdoctor(lab, [one], 1, tree))
            if i < args.checkdmarc_repeat:
                theirs.append(run_checkdmarc(args.checkdmarc_python, lab, [one]))
        rtt = statistics.median(rtts)
        critical = CRITICAL_DEPTH * rtt
        theirs_s = statistics.median(r["wall_s"] for r in theirs)
        print(f"\n== one domain, whole process (median of {args.repeat}; checkdmarc {len(theirs)} runs), "
              f"load average now {os.getloadavg()[0]:.1f}")
        print(f"   critical path: {CRITICAL_DEPTH} dependent round trips x {rtt * 1000:.1f} ms (measured in this run, "
              f"median of {len(rtts)}) = {critical * 1000:.0f} ms")
        print(f"   ({CRITICAL_CHAIN})")
        for tree in trees:
            runs = ours[tree]
            wall = sorted(r["wall_s"] for r in runs)
            median = statistics.median(wall)
            audit_s = statistics.median(in_process_audit(lab, one, tree) for _ in range(3))
            print(f"  smtpdoctor {tree or '(installed)'}: {median:.3f} s median (min {wall[0]:.3f}, max {wall[-1]:.3f}; "
                  f"CPU {statistics.median(r['cpu_s'] for r in runs):.3f} s; {runs[0]['queries']} queries)")
            print(f"      whole process = {median / critical:.2f}x the critical path (best run {wall[0] / critical:.2f}x); "
                  f"the audit alone in a warm process {audit_s * 1000:.0f} ms = {audit_s / critical:.2f}x; "
                  f"checkdmarc / smtpdoctor = {theirs_s / median:.1f}x")
            print(f"      each run: {', '.join(f'{w:.3f}' for w in (r['wall_s'] for r in runs))}")
        print(f"  checkdmarc  {theirs_s:7.3f} s  (CPU {statistics.median(r['cpu_s'] for r in theirs):.2f} s; "
              f"{theirs[0]['queries']} queries, one after another; its import alone "
              f"{statistics.median(r['import_s'] for r in theirs):.2f} s)")
        if args.no_bulk:
            return

        names = [domain_name(i) for i in range(args.domains)]
        print(f"\n== {len(names)} domains, --concurrency {args.concurrency or 'default'}")
        for tree in trees:
            # A warm-up run first: the lab server (dnspython per message, ~0.5 ms of CPU each) builds each answer
            # once and then answers from that table, so the runs measured are the client's, not the server's CPU.
            run_smtpdoctor(lab, names, args.concurrency, tree)
            runs = [run_smtpdoctor(lab, names, args.concurrency, tree) for _ in range(args.bulk_repeat)]
            bulk = sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]  # the median run
            bulk_min = min(r["wall_s"] for r in runs)
            each = ", ".join(f"{r['wall_s']:.2f}" for r in runs)
            print(f"  smtpdoctor {tree or '(installed)'}: {bulk['wall_s']:.2f} s median of {len(runs)} "
                  f"(min {bulk_min:.2f} s; each: {each})")
            print(f"              (CPU {bulk['cpu_s']:.2f} s; {bulk['queries']} queries; could-not-test findings "
                  f"{bulk['could_not_test']}; spf.ok {bulk['spf_ok']}, dkim.key-ok {bulk['dkim_ok']}, "
                  f"dmarc.ok {bulk['dmarc_ok']})")
        sample = names[: args.checkdmarc_domains] if args.checkdmarc_domains else names
        cd = run_checkdmarc(args.checkdmarc_python, lab, sample)
        scale = len(names) / len(sample)
        cd_total = cd["wall_s"] * scale if scale != 1 else cd["wall_s"]
        label = "" if scale == 1 else f"  (measured {cd['wall_s']:.1f} s for {len(sample)}, scaled x{scale:g})"
        print(f"  checkdmarc  {cd_total:7.2f} s  (CPU {cd['cpu_s'] * scale:.2f} s; {cd['queries']} queries; "
              f"spf valid {cd['spf_valid']}, "
              f"dmarc valid {cd['dmarc_valid']} of {len(sample)}){label}")
    finally:
        lab.close()
        import shutil

        for directory in _PYCACHE:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
