"""The first SYN goes out before what the connection does not need is imported (issue 16).

In a fresh interpreter (this one has imported everything already), a diagnosis with a sending domain
and blocklists to check records, when its first "Trying" line is written (the SYN follows in the same
step), which engines were loaded: none of dnspython's resolver, the domain audit, the blocklist engine,
the checks, the reply classifier or X.509 may be. They load afterwards, while the connections are in
flight, and the run still audits the domain (its findings are in the report).
"""

from __future__ import annotations

import json
import subprocess
import sys

LATER = ("dns.resolver", "dns.asyncresolver", "smtpdoctor.net.dns", "smtpdoctor.flows.domain",
         "smtpdoctor.flows.blacklist", "smtpdoctor.judge.auth", "smtpdoctor.judge.reply", "smtpdoctor.verdict",
         "cryptography.x509", "importlib.metadata")

_PROBE = r"""
import asyncio, json, sys
from smtpdoctor.core.settings import Settings
from smtpdoctor.flows.diagnose import run_diagnosis

later = json.loads(sys.argv[1])
seen = {}

def on_line(line):
    if line.text.startswith("Trying ") and "first" not in seen:
        seen["first"] = [name for name in later if name in sys.modules]

settings = Settings(host="127.0.0.1", port=1, domain="example.com", resolvers=("127.0.0.1:1",), sweep_ports=(),
                    timeout=2.0)
report = asyncio.run(run_diagnosis(settings, on_line=on_line))
areas = sorted({f.id.split(".")[0] for f in report.findings})
print(json.dumps({"at_first_syn": seen.get("first"), "areas": areas,
                  "after": [name for name in later if name in sys.modules]}))
"""


def test_nothing_the_connection_does_not_need_is_loaded_before_the_first_syn():
    out = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(LATER)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["at_first_syn"] == [], data
    # and they did run, after it: the domain audit and the checks made their findings
    assert {"smtpdoctor.flows.domain", "smtpdoctor.judge.auth"} <= set(data["after"])
    assert "dmarc" in data["areas"] or "domain" in data["areas"], data["areas"]
