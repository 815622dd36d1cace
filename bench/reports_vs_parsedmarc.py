"""Benchmark: `smtpdoctor reports` against parsedmarc on the same generated DMARC aggregate reports, and
`smtpdoctor headers` on generated messages.

    python bench/reports_vs_parsedmarc.py [--reports 10000] [--messages 10000] [--backfill 100000]

* reports: ``--reports`` aggregate reports are generated from parsedmarc's public samples
  (tests/data/parsedmarc: each sample in turn, with a fresh report id and source IPs, a third of them
  gzipped, a sixth zipped) into a temporary directory. smtpdoctor reads them all (``read_inputs``: find,
  decompress, parse through defusedxml, tally per source) and parsedmarc parses each file
  (``parse_report_file(path, offline=True)``: no DNS, no GeoIP download) in the same process, one after
  the other; the wall times and their ratio are printed, and both totals are checked to be equal.
* memory: ``smtpdoctor reports DIR --no-dns --format json`` runs as a fresh process on 1/10 of the
  reports and on all of them (and on ``--backfill`` reports when given); its peak RSS is printed for
  each. The source IPs come from a pool of ``--sources`` addresses: the tally keeps one entry per
  distinct source and per day, so memory follows the number of senders, not the number of reports.
* headers: ``--messages`` messages, each signed with dkimpy (a 2048-bit key published by smtpdoctor's
  LabDnsServer on 127.0.0.1) and given a receiver's Received and Authentication-Results fields, go
  through the whole ``headers`` flow (parse, hops, DKIM, SPF, DMARC, PTR, judge, verdict; one resolver
  per message, as one CLI run has). The baseline is dkimpy's own ``dkim.verify`` of the same messages
  with the key in memory; the ratio says what the whole check costs over a bare DKIM verification.

parsedmarc is a peer, not a dependency: ``pip install parsedmarc`` (it installs from the registry).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gzip
import io
import json
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "data" / "parsedmarc" / "samples"
sys.path.insert(0, str(ROOT / "src"))


def templates() -> list[bytes]:
    from smtpdoctor.protocol.dmarc_report import parse_aggregate
    from smtpdoctor.protocol.report_files import Document, documents

    out = []
    for path in sorted(SAMPLES.glob("*/*")):
        for doc in documents(path.read_bytes(), path.name):
            if isinstance(doc, Document) and doc.kind == "dmarc":
                try:
                    parse_aggregate(doc.data)
                except ValueError:
                    continue
                out.append(doc.data)
    return out


def generate(directory: Path, count: int, seed: int = 7, sources: int = 2000) -> None:
    """``count`` reports whose source IPs come from a pool of ``sources`` addresses (a domain's senders are
    a bounded set; memory grows with distinct sources, not with reports)."""
    import re

    rng = random.Random(seed)
    pool = [f"198.51.{i // 250}.{i % 250 + 1}" for i in range(sources)]
    tpl = templates()
    ip = re.compile(rb"<source_ip>[^<]*</source_ip>")
    rid = re.compile(rb"<report_id>[^<]*</report_id>")
    for i in range(count):
        data = tpl[i % len(tpl)]
        data = rid.sub(f"<report_id>bench-{i}</report_id>".encode(), data, count=1)
        data = ip.sub(lambda m: f"<source_ip>{rng.choice(pool)}</source_ip>".encode(), data)
        name = f"r{i:06d}.xml"
        if i % 6 == 1:
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
                zf.writestr(name, data)
            (directory / (name + ".zip")).write_bytes(buf.getvalue())
        elif i % 3 == 0:
            (directory / (name + ".gz")).write_bytes(gzip.compress(data))
        else:
            (directory / name).write_bytes(data)


def bench_reports(directory: Path) -> dict:
    from smtpdoctor.flows.reports import read_inputs

    t0 = time.perf_counter()
    ours = read_inputs([str(directory)])
    t_ours = time.perf_counter() - t0
    result = {"files": sum(1 for _ in directory.iterdir()), "smtpdoctor_s": t_ours,
              "smtpdoctor_messages": ours.dmarc.messages, "smtpdoctor_pass": ours.dmarc.dmarc_pass}
    try:
        import parsedmarc
    except ImportError:
        result["parsedmarc"] = "not installed"
        return result
    t0 = time.perf_counter()
    messages = passed = 0
    for path in sorted(directory.iterdir()):
        records = parsedmarc.parse_report_file(str(path), offline=True)["report"]["records"]
        messages += sum(r["count"] for r in records)
        passed += sum(r["count"] for r in records if r["alignment"]["dmarc"])
    t_theirs = time.perf_counter() - t0
    result.update(parsedmarc_s=t_theirs, parsedmarc_messages=messages, parsedmarc_pass=passed,
                  ratio=t_theirs / t_ours, totals_equal=(messages, passed) == (ours.dmarc.messages,
                                                                              ours.dmarc.dmarc_pass))
    return result


def peak_rss(directory: Path) -> tuple[float, int]:
    """(seconds, peak RSS in MB) of ``smtpdoctor reports DIR --no-dns --format json`` as a fresh process."""
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "p = subprocess.run([sys.executable, '-m', 'smtpdoctor.cli.app', 'reports', sys.argv[1], '--no-dns', "
            "'--format', 'json'], capture_output=True, env={'PYTHONPATH': sys.argv[2]}); "
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, "
            "p.returncode)")
    out = subprocess.run([sys.executable, "-c", code, str(directory), str(ROOT / "src")], capture_output=True,
                         text=True, check=True).stdout.split()
    return float(out[0]), int(out[1])


def subset(directory: Path, count: int) -> Path:
    target = directory.parent / f"subset{count}"
    target.mkdir()
    for path in sorted(directory.iterdir())[:count]:
        (target / path.name).symlink_to(path)
    return target


# -- headers -----------------------------------------------------------------------------------------
def _key():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(der).decode()


def messages(count: int, pem: bytes) -> list[bytes]:
    import dkim

    out = []
    for i in range(count):
        body = (f"From: Shop <news@shop.test>\r\nTo: user{i}@example.net\r\nSubject: Offer {i}\r\n"
                f"Date: Sun, 06 Dec 2026 15:59:58 +0000\r\nMessage-ID: <b{i}@shop.test>\r\n"
                "List-Unsubscribe: <https://shop.test/u/1>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
                f"\r\nHello {i}\r\n").encode()
        signed = dkim.sign(body, b"s1", b"shop.test", pem, include_headers=[
            b"from", b"to", b"subject", b"date", b"message-id", b"list-unsubscribe", b"list-unsubscribe-post"]) + body
        top = ("Return-Path: <bounce@shop.test>\r\nAuthentication-Results: mx.example.net; dkim=pass "
               "header.d=shop.test; spf=pass smtp.mailfrom=bounce@shop.test\r\nReceived: from mail.shop.test "
               "(mail.shop.test [192.0.2.25]) by mx.example.net with ESMTPS id X; Sun, 06 Dec 2026 16:00:00 +0000\r\n")
        out.append(top.encode() + signed)
    return out


def bench_headers(count: int) -> dict:
    import dkim

    from smtpdoctor.net.dns import Resolver
    from smtpdoctor.flows.headers import check_message
    from smtpdoctor.lab.background import in_background
    from smtpdoctor.lab.dns_server import LabDnsServer

    pem, public = _key()
    zone = {"shop.test": {"TXT": ["v=spf1 ip4:192.0.2.25 -all"]}, "mail.shop.test": {"A": ["192.0.2.25"]},
            "25.2.0.192.in-addr.arpa": {"PTR": ["mail.shop.test."]},
            "s1._domainkey.shop.test": {"TXT": [f"v=DKIM1; k=rsa; p={public}"]},
            "_dmarc.shop.test": {"TXT": ["v=DMARC1; p=reject"]}}
    msgs = messages(count, pem)
    record = f"v=DKIM1; k=rsa; p={public}".encode()
    t0 = time.perf_counter()
    ok = sum(1 for m in msgs if dkim.verify(m, dnsfunc=lambda name, timeout=5: record))
    t_dkim = time.perf_counter() - t0
    with in_background(LabDnsServer(zone)) as (dns,):
        async def run_all() -> int:
            good = 0
            for m in msgs:
                report, _ = await check_message(m, Resolver([dns.address], timeout=2, lifetime=4), source="bench")
                good += report.verdict.category == "ok"
            return good
        t0 = time.perf_counter()
        good = asyncio.run(run_all())
        t_headers = time.perf_counter() - t0
    return {"messages": count, "dkim_verify_s": t_dkim, "dkim_ok": ok, "headers_s": t_headers, "headers_ok": good,
            "ratio_headers_over_dkim": t_headers / t_dkim, "headers_per_s": count / t_headers}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=10_000)
    ap.add_argument("--messages", type=int, default=10_000)
    ap.add_argument("--backfill", type=int, default=0, help="also measure peak RSS on this many reports")
    ap.add_argument("--sources", type=int, default=2000, help="distinct source IPs across the reports")
    ap.add_argument("--memory-only", action="store_true", help="skip the timing against parsedmarc and headers")
    args = ap.parse_args()
    out: dict = {"sources": args.sources}
    with tempfile.TemporaryDirectory(prefix="smtpdoctor-bench-") as tmp:
        reports = Path(tmp) / "reports"
        reports.mkdir()
        generate(reports, args.reports, sources=args.sources)
        if not args.memory_only:
            out["reports"] = bench_reports(reports)
        small = subset(reports, max(args.reports // 10, 1))
        out["memory"] = {f"{max(args.reports // 10, 1)} reports": peak_rss(small),
                         f"{args.reports} reports": peak_rss(reports)}
        if args.backfill:
            big = Path(tmp) / "backfill"
            big.mkdir()
            generate(big, args.backfill, seed=8, sources=args.sources)
            out["memory"][f"{args.backfill} reports"] = peak_rss(big)
    if args.messages and not args.memory_only:
        out["headers"] = bench_headers(args.messages)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
