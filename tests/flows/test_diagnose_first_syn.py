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


# The command line's own path: a host given by address gets its SYNs before asyncio, ssl, the SMTP session
# or the probes are imported (flows/diagnose_early.py), and the session takes the connect over.
_EARLY = ("asyncio", "ssl", "smtpdoctor.net.smtp", "smtpdoctor.observe.port", "smtpdoctor.flows.diagnose",
          "smtpdoctor.core.model")

_CLI = r"""
import json, socket, sys
from smtpdoctor.cli.app import main

early = json.loads(sys.argv[1])
seen = []
plain = socket.socket.connect_ex

def connect_ex(self, address):
    seen.append({"address": list(address), "loaded": [name for name in early if name in sys.modules]})
    return plain(self, address)

socket.socket.connect_ex = connect_ex
sys.argv = ["smtpdoctor", "diagnose", "127.0.0.1", "--port", sys.argv[2], "--ports", sys.argv[3], "--timeout", "3",
            "--format", "json", "-q"]
try:
    main()
except SystemExit:
    pass
print(json.dumps(seen), file=sys.stderr)
"""


def _free_ports(n: int) -> list[int]:
    import socket

    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def test_the_command_sends_its_syns_before_asyncio_ssl_and_the_probes_load():
    configured, other = _free_ports(2)  # nothing listens on either: both connects are refused
    out = subprocess.run([sys.executable, "-c", _CLI, json.dumps(_EARLY), str(configured), str(other)],
                         capture_output=True, text=True, timeout=120)
    seen = json.loads(out.stderr.strip().splitlines()[-1])
    assert [tuple(s["address"]) for s in seen] == [("127.0.0.1", configured), ("127.0.0.1", other)], seen
    assert all(s["loaded"] == [] for s in seen), seen  # no connect of the probes' own: they took these over
    report = json.loads(out.stdout)
    refused = [line for line in report["transcript"] if line["text"] == "connection refused"]
    assert sorted(line["port"] for line in refused) == sorted([configured, other])
    assert report["verdict"]["category"] == "connection"


_LOADED = r"""
import json, sys
from smtpdoctor.cli.app import main

names = json.loads(sys.argv[1])
sys.argv = ["smtpdoctor", *sys.argv[2:]]
try:
    main()
except SystemExit:
    pass
print(json.dumps([name for name in names if name in sys.modules]), file=sys.stderr)
"""

# what a diagnosis whose server never answered has no use for: the CLI layer's click (a plain command line),
# the reply classifier (no reply to judge), the certificate parser (no TLS), the blocklist catalogue (no
# zone to ask: --dnsbl names are checked as names), the text renderer (JSON asked for), dnspython (no name)
_UNUSED = ("click", "smtpdoctor.judge.reply", "smtpdoctor.judge.reply_rules", "cryptography.x509",
           "smtpdoctor.core.dnsbl_zones", "rich", "smtpdoctor.report.text", "dns.resolver")


def test_a_run_that_reached_no_server_loads_nothing_it_does_not_use():
    (port,) = _free_ports(1)
    out = subprocess.run([sys.executable, "-c", _LOADED, json.dumps(_UNUSED), "diagnose", "127.0.0.1", "--port",
                          str(port), "--ports", "", "--user", "me@example.com", "--password-env", "NO_SUCH_VAR_X",
                          "--timeout", "2", "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    # --password-env names an unset variable: a usage error, before anything is loaded for the run
    assert out.stderr.startswith("smtpdoctor: error: --password-env"), out.stderr
    out = subprocess.run([sys.executable, "-c", _LOADED, json.dumps(_UNUSED), "diagnose", "127.0.0.1", "--port",
                          str(port), "--ports", "", "--dnsbl", "zen.spamhaus.org", "--timeout", "2", "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert json.loads(out.stdout)["verdict"]["category"] == "connection"
    assert json.loads(out.stderr.strip().splitlines()[-1]) == [], out.stderr


_SILENT = r"""
import asyncio, json, sys
from smtpdoctor.core.settings import Settings
from smtpdoctor.flows.diagnose import run_diagnosis
from smtpdoctor.flows.diagnose_early import connect_early
from smtpdoctor.lab.faults import Fault
from smtpdoctor.lab.smtp_server import LabSmtpServer

seen = {}

def on_line(line):  # the greeting's deadline ends the connection step: was the domain audit loaded by then?
    if line.dir == "error" and "domain" not in seen:
        seen["domain"] = "smtpdoctor.flows.domain" in sys.modules

async def main():
    async with LabSmtpServer(faults=[Fault.slow_banner(30)]) as server:
        settings = Settings(host="127.0.0.1", port=server.port, sweep_ports=(), domain="example.com",
                            resolvers=("127.0.0.1:1",), timeout=2.0)
        report = await run_diagnosis(settings, on_line=on_line, early=connect_early(settings))
    print(json.dumps({"loaded_before_the_sweep_ended": seen.get("domain"),
                      "areas": sorted({f.id.split(".")[0] for f in report.findings})}))

asyncio.run(main())
"""


def test_a_silent_server_does_not_hold_the_domain_audit_until_its_timeout():
    out = subprocess.run([sys.executable, "-c", _SILENT], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["loaded_before_the_sweep_ended"] is True, data
    assert "dmarc" in data["areas"] or "domain" in data["areas"], data["areas"]
