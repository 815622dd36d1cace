"""The lab the scale tests share: one DNS world with sending domains and block lists, and the inputs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from smtpdoctor.lab.blocklists import dnsbl_records

ZONES = ("zen.spamhaus.org", "bl.spamcop.net")


def domain_name(i: int) -> str:
    return f"sender{i:04d}.lab.test"


def world(domains: int, ips: int) -> dict:
    """``domains`` sending domains (some broken: every 7th has no DMARC, every 11th a bad SPF) and two
    block lists on which every 10th address of 198.51.100.0/24.. is listed."""
    records: dict = {
        "mx.lab.test": {"A": ["192.0.2.25"]},
        "25.2.0.192.in-addr.arpa": {"PTR": ["mx.lab.test."]},
    }
    for i in range(domains):
        d = domain_name(i)
        spf = "v=spf1 ip4:192.0.2.25 -all" if i % 11 else "v=spf1 ip4:192.0.2.25 include: -all"
        records[d] = {"MX": ["10 mx.lab.test."], "TXT": [spf], "A": ["192.0.2.80"]}
        if i % 7:
            records[f"_dmarc.{d}"] = {"TXT": ["v=DMARC1; p=reject"]}
    for zone in ZONES:
        listed = {ip(n): "127.0.0.2" for n in range(ips) if n % 10 == 3}
        records.update(dnsbl_records(zone, listed, txt={a: f"listed {a}" for a in listed}))
    return records


def ip(n: int) -> str:
    return f"198.51.{100 + n // 256}.{n % 256}"


SRC = Path(__file__).resolve().parents[2] / "src"


def smtpdoctor(*args: str, timeout: float = 300, stdin: str | None = None) -> subprocess.CompletedProcess:
    """The command as a user runs it: a fresh interpreter, this tree's sources first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    return subprocess.run([sys.executable, "-m", "smtpdoctor.cli.app", *args], capture_output=True, text=True,
                          timeout=timeout, env=env, input=stdin)


def records(text: str, drop: tuple[str, ...] = ("timings",)) -> list[dict]:
    """JSON Lines -> objects, without the fields that measure time (they differ run to run)."""
    out = []
    for line in text.splitlines():
        obj = json.loads(line)
        for key in drop:
            obj.pop(key, None)
        out.append(obj)
    return out
