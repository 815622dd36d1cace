"""The first questions of `domain` and `spf` leave before their engines are imported (issue 16).

* the questions flows/domain_first names are questions the audit asks (none is wasted), and an audit that
  finds them primed reports what an unprimed one reports, asking each question once;
* in a fresh interpreter (this one has imported everything already), the command's first datagram goes
  out while neither click (a plain command line, cli/plain_args), nor the event loop, nor the resolver
  facade, nor the audit or the SPF engine, nor dnspython, cryptography or rich is loaded; they load
  afterwards and the run reports as usual;
* `domain`'s second round (the first question sent after an answer was read) leaves before the findings'
  catalogue, core.model, the checks, check_host() and the report's classes are loaded: the chains' next
  questions come from the parsers alone, and the rest loads while the audit waits.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys

import pytest

from smtpdoctor.flows.domain import audit_domain
from smtpdoctor.flows.domain_first import MAX_DOMAINS, first_questions, questions_of
from smtpdoctor.lab.background import in_background
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.net.dns import Resolver
from smtpdoctor.net.dns_first import prime

from support.dns_zones import good_zone, lab_resolver
from realservers._proc import require

IP = "192.0.2.25"


def _zone(key: str) -> dict:
    zone = good_zone(dkim_key=key)
    zone["good.test"]["TXT"] = ["v=spf1 include:_spf.esp.test mx -all"]
    zone["_spf.esp.test"] = {"TXT": ["v=spf1 include:_netblocks.esp.test ~all"]}
    zone["_netblocks.esp.test"] = {"TXT": ["v=spf1 ip4:192.0.2.0/24 ~all"]}
    zone["_dmarc.good.test"] = {"TXT": ["v=DMARC1; p=reject; rua=mailto:agg@reports.test"]}
    zone["good.test._report._dmarc.reports.test"] = {"TXT": ["v=DMARC1"]}
    return zone


def _report(audit) -> dict:
    doc = audit.to_json()
    doc.pop("timings")
    return doc


def _keys(questions) -> set:
    return {(name.rstrip(".").lower(), rdtype) for name, rdtype in questions}  # the facade's keys


async def test_the_first_questions_are_the_audits_and_priming_them_changes_no_report(rsa2048):
    zone = _zone(rsa2048)
    async with lab_resolver(zone) as (r, srv):
        plain = await audit_domain(r, "Good.Test", ip=IP, dkim_selectors=["mail"])
        asked, plain_queries = {(e.name, e.rdtype) for e in r.log}, sorted(srv.queries)
        first = first_questions("good.test", ip=IP, selectors=["mail"])
        assert len(first) == len(set(first)) > 20
        assert _keys(first) <= asked, _keys(first) - asked  # every primed question is one the audit asks
        srv.queries.clear()
        primer = prime(questions_of(["Good.Test"], ip=IP, selectors=["mail"]), [srv.address])
        assert set(primer.sent) == _keys(first)
        primed_resolver = Resolver([srv.address], timeout=0.5, lifetime=1, primer=primer)
        primed = await audit_domain(primed_resolver, "Good.Test", ip=IP, dkim_selectors=["mail"])
    assert primer.taken
    assert _report(primed) == _report(plain)
    assert sorted(srv.queries) == plain_queries  # the same questions, each once


def test_bulk_runs_and_bad_names_are_not_primed():
    assert questions_of([f"d{i}.test" for i in range(MAX_DOMAINS + 1)]) == []
    assert questions_of(["not a domain", "good.test"]) == first_questions("good.test")
    assert ("25.2.0.192.in-addr.arpa", "PTR") in first_questions("good.test", ip=IP)


LATER = ("click", "asyncio", "smtpdoctor.net.dns", "smtpdoctor.net.udp_mux", "smtpdoctor.flows.domain",
         "smtpdoctor.flows.spf", "smtpdoctor.protocol.spf.eval", "smtpdoctor.judge.dns.dkim", "smtpdoctor.core.model",
         "dns", "cryptography", "rich")
# Not needed to send a question: the data classes (their machinery and the modules that build them at import),
# typing and pathlib (the CLI layer reads a plain command line without them), the knowledge file's parser
# (its cache is warm, as after any first run)
NOT_AT_FIRST = ("smtpdoctor.core.observations", "smtpdoctor.core.names", "smtpdoctor.protocol.dmarc",
                "smtpdoctor.scale.options", "smtpdoctor.core.validate", "dataclasses", "inspect", "typing", "pathlib",
                "tomllib")

# Not needed to send the second round: what judges and reports the answers
NOT_AT_SECOND = ("smtpdoctor.core.catalogue", "smtpdoctor.core.model", "smtpdoctor.core.report_model",
                 "smtpdoctor.core.tls_observations", "smtpdoctor.judge.dns.facts", "smtpdoctor.judge.dns.mx",
                 "smtpdoctor.judge.dns.dmarc", "smtpdoctor.judge.dns.spf", "smtpdoctor.flows.domain_audit",
                 "smtpdoctor.protocol.spf.eval", "smtpdoctor.protocol.spf.result", "smtpdoctor.protocol.dane",
                 "smtpdoctor.verdict", "smtpdoctor.core.names", "urllib.parse", "random")

# the command run as the console script runs it, its standard output kept in ``out`` (both probes end so)
_RUN_MAIN = r"""from smtpdoctor.cli.app import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        main()
    except SystemExit:
        pass
"""

_PROBE = r"""
import io, json, socket, sys, contextlib
later, not_at_first, not_at_second = json.loads(sys.argv[1])
seen = {}
_send, _recv = socket.socket.send, socket.socket.recv

def send(self, data, *args):
    if self.type == socket.SOCK_DGRAM and "first" not in seen:
        seen["first"] = [name for name in later if name in sys.modules]
        seen["lean"] = [name for name in not_at_first if name in sys.modules]
    if self.type == socket.SOCK_DGRAM and "read" in seen and "second" not in seen:
        seen["second"] = [name for name in not_at_second if name in sys.modules]
    return _send(self, data, *args)

def recv(self, *args):
    data = _recv(self, *args)
    if self.type == socket.SOCK_DGRAM:
        seen["read"] = True
    return data

socket.socket.send = send
socket.socket.recv = recv
args = sys.argv[2:]
if args[0] == "--unprimed":  # the control run: the command's primer sends nothing
    import smtpdoctor.net.dns_first as dns_first
    dns_first.prime = lambda *a, **k: None
    args = args[1:]
sys.argv = ["smtpdoctor", *args]
""" + _RUN_MAIN + r"""print(json.dumps({"at_first": seen.get("first"), "lean": seen.get("lean"), "at_second": seen.get("second"),
                  "second_after": [n for n in not_at_second if n in sys.modules],
                  "lean_after": [n for n in not_at_first if n in sys.modules], "after": [n for n in later if n in sys.modules],
                  "dnspython": sorted(n for n in sys.modules if n == "dns" or n.startswith("dns.")),
                  "output": out.getvalue()}))
"""


@pytest.fixture(scope="module")
def lab_address(rsa2048):
    with in_background(LabDnsServer({".": {"NS": ["a.root-servers.test."]}, **_zone(rsa2048)})) as (server,):
        yield server.address


@pytest.fixture(scope="module")
def pycache(tmp_path_factory) -> dict:
    """An environment whose runs keep their byte code and the knowledge files' parsed cache (core/toml_cache.py)
    in a folder of their own, as an installed package does after its first run."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path_factory.mktemp("pycache"))
    return env


def _run(*args: str, wrap: list[str] = (), env: dict | None = None) -> dict:
    out = subprocess.run([*wrap, sys.executable, "-c", _PROBE, json.dumps([LATER, NOT_AT_FIRST, NOT_AT_SECOND]), *args],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_domain_sends_its_first_question_before_loading_the_engines(lab_address):
    data = _run("domain", "good.test", "--resolver", lab_address, "--format", "json")
    assert data["at_first"] == [], data["at_first"]
    report = json.loads(data["output"])
    ids = {f["id"] for f in report["findings"]}
    assert {"spf.ok", "dkim.key-ok", "dmarc.ok", "mx.ok"} <= ids, ids
    # they came afterwards: the audit and its key parser; dnspython not at all (no signature to check)
    assert {"asyncio", "smtpdoctor.flows.domain", "cryptography"} <= set(data["after"])
    assert data["dnspython"] == [] and "rich" not in data["after"]


def test_spf_sends_its_first_question_before_loading_the_engine(lab_address):
    data = _run("spf", "good.test", "--ip", "192.0.2.9", "--resolver", lab_address)
    assert data["at_first"] == [], data["at_first"]
    assert data["output"].startswith("SPF pass for 192.0.2.9")  # through two includes: three round trips
    assert "ip4:192.0.2.0/24" in data["output"]
    assert {"asyncio", "smtpdoctor.protocol.spf.eval"} <= set(data["after"])
    assert data["dnspython"] == [] and "rich" not in data["after"] and "cryptography" not in data["after"]


def test_the_modules_before_the_first_datagram_compile_no_regular_expression():
    """``re`` (~2 ms with its compiler) loads with asyncio, after the first datagram: the command line's reader
    (its numbers), the name rules, the primer and the domain command's checks of its options do without it."""
    code = ("import sys; from smtpdoctor.cli.app import _registered; _registered(['domain']); "
            "import smtpdoctor.cli.plain_args, smtpdoctor.flows.domain_first, smtpdoctor.net.dns_first; "
            "from smtpdoctor.cli.plain_args import read_plain; "
            "print(sorted(n for n in ('re', 'ipaddress', 'socket', 'smtpdoctor.core.validate') if n in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    # nor ipaddress (the name rules read a dotted quad themselves) nor socket.py (the primer's socket is of the C class)
    assert out.stdout.split() == ["[]"]


@pytest.mark.parametrize("command", [["domain", "good.test", "--format", "json", "--timeout", "2"],
                                     ["spf", "good.test", "--ip", "192.0.2.9"]])
def test_the_first_datagram_leaves_with_the_name_rules_the_writer_and_the_socket_only(lab_address, pycache,
                                                                                      command):
    """Before the first question: no data class is built (no dataclasses, no core.observations, core.names or
    protocol.dmarc), and neither typing nor pathlib is imported (the CLI layer reads the plain command line
    from the annotations' text). They load afterwards, for the audit, and the run reports as usual."""
    _run(*command, "--resolver", lab_address, env=pycache)  # the first run writes the caches
    data = _run(*command, "--resolver", lab_address, env=pycache)
    assert data["at_first"] == [] and data["lean"] == [], data
    # the probe sees them: they load once the question is out
    assert {"dataclasses", "typing", "smtpdoctor.core.observations"} <= set(data["lean_after"]), data["lean_after"]
    if command[0] == "domain":
        assert {f["id"] for f in json.loads(data["output"])["findings"]} >= {"spf.ok", "dmarc.ok", "mx.ok"}
    else:
        assert data["output"].startswith("SPF pass for 192.0.2.9")


@pytest.fixture(scope="module")
def system_lab(rsa2048, tmp_path_factory):
    """A lab DNS server on port 53 of a loopback address of its own, and a resolv.conf naming it (as a
    system's would: no port), seen as /etc/resolv.conf by the commands run with the returned ``wrap`` (a
    private mount namespace: the machine's own file is not touched)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        require("a private /etc/resolv.conf needs root and unshare(1)")
    host = f"127.{random.randrange(64, 250)}.{random.randrange(1, 250)}.{random.randrange(1, 250)}"
    conf = tmp_path_factory.mktemp("resolv") / "resolv.conf"
    conf.write_text(f"# a lab resolver\nsearch corp.test\nnameserver {host}\noptions ndots:2 timeout:2\n")
    wrap = ["unshare", "--mount", "sh", "-c", f'mount --bind "{conf}" /etc/resolv.conf && exec "$@"', "sh"]
    lab = LabDnsServer({".": {"NS": ["a.root-servers.test."]}, **_zone(rsa2048)}, host=host, port=53)
    with in_background(lab) as (server,):
        yield server, wrap


def _findings(output: str) -> dict:
    doc = json.loads(output)
    doc.pop("timings", None)
    return doc


@pytest.mark.parametrize("command", [["domain", "good.test", "--format", "json"],
                                     ["spf", "good.test", "--ip", "192.0.2.9", "--format", "json"]])
def test_the_system_resolver_is_primed_too(system_lab, command):
    """Without --resolver, the first datagram still leaves before the engines load, to the server of the
    system's resolv.conf (the one the audit asks), and the report equals an unprimed run's."""
    server, wrap = system_lab
    server.queries.clear()
    primed = _run(*command, wrap=wrap)
    assert primed["at_first"] == [], primed["at_first"]
    primed_queries = sorted(server.queries)
    assert ("good.test", "TXT") in primed_queries  # the lab got the questions: it is the system's resolver
    server.queries.clear()
    plain = _run("--unprimed", *command, wrap=wrap)
    assert "asyncio" in plain["at_first"]  # the control: nothing left before the imports
    assert _findings(primed["output"]) == _findings(plain["output"])
    assert primed_queries == sorted(server.queries)  # the same questions, each once


def test_the_second_round_leaves_before_the_checks_and_the_report_load(lab_address, pycache):
    """The zone's chains (SPF include and ``mx``, the MX hosts' addresses and TLSA, the report destination's
    DMARC walk) ask their second questions from the parsers alone; the catalogue, the checks, check_host()
    and the report's classes load afterwards, and the report is whole."""
    _run("domain", "good.test", "--format", "json", "--resolver", lab_address, env=pycache)
    data = _run("domain", "good.test", "--format", "json", "--resolver", lab_address, env=pycache)
    assert data["at_second"] == [], data["at_second"]
    assert {"smtpdoctor.core.catalogue", "smtpdoctor.core.model", "smtpdoctor.core.report_model",
            "smtpdoctor.judge.dns.dmarc", "smtpdoctor.judge.dns.mx", "smtpdoctor.flows.domain_audit",
            "smtpdoctor.verdict"} <= set(data["second_after"]), data["second_after"]
    report = json.loads(data["output"])
    assert {f["id"] for f in report["findings"]} >= {"spf.ok", "dmarc.ok", "mx.ok", "dkim.key-ok"}
    assert report["dmarc"]["found_at"] == "good.test" and report["spf"]["lookups"] >= 3


_ORDER_PROBE = r"""
import importlib, io, json, select, socket, sys, time, contextlib
later = set(json.loads(sys.argv[1]))
events = []
steps = []  # each step of the warm-up: (module, a datagram was waiting to be read when it began)
udp = []  # the sockets the audit asked on

def by_warm_up():
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_name == "_warm_up":
            return True
        frame = frame.f_back
    return False

class Seen:  # records the start of an import made by the audit's warm-up, then declines
    def find_spec(self, name, path=None, target=None):
        if name in later and name not in sys.modules and by_warm_up():
            events.append(("import", name))

sys.meta_path.insert(0, Seen())
_import_module = importlib.import_module

def import_module(name, package=None):  # a step of the warm-up takes 30 ms: the answers (held 20 ms) come meanwhile
    if name in later and sys._getframe(1).f_code.co_name == "_warm_up":
        open_socks = [s for s in udp if s.fileno() >= 0]
        steps.append((name, bool(open_socks and select.select(open_socks, [], [], 0)[0])))
        time.sleep(0.03)
    return _import_module(name, package)

importlib.import_module = import_module
_send, _recv = socket.socket.send, socket.socket.recv

def send(self, data, *args):
    if self.type == socket.SOCK_DGRAM:
        events.append(("send", len(data)))
        if self not in udp:
            udp.append(self)
    return _send(self, data, *args)

def recv(self, *args):
    data = _recv(self, *args)
    if self.type == socket.SOCK_DGRAM:
        events.append(("recv", len(data)))
    return data

socket.socket.send, socket.socket.recv = send, recv
sys.argv = ["smtpdoctor", *sys.argv[2:]]
""" + _RUN_MAIN + r"""print(json.dumps({"events": events, "steps": steps, "output": out.getvalue()}))
"""


@pytest.fixture(scope="module")
def slow_lab_address(rsa2048):
    """The zone of :func:`lab_address`, every answer held 20 ms: answers come while the warm-up imports."""
    lab = LabDnsServer({".": {"NS": ["a.root-servers.test."]}, **_zone(rsa2048)}, delay=0.02)
    with in_background(lab) as (server,):
        yield server.address


def test_a_chains_next_question_leaves_before_the_next_module_of_the_warm_up(slow_lab_address, pycache):
    """What judges and reports (flows/domain._LATER) loads while the audit waits for answers, one module at a
    time, and an answer read meanwhile goes first: between a datagram read and the question the chain it woke
    sends next, the warm-up starts no import (a turn of the loop runs work resumed by ``sleep(0)`` ahead of a
    datagram read in the same turn: each turn a chain needs would otherwise wait for one more module). Each
    step of the warm-up is made slower than an answer, so that answers come during the steps."""
    from smtpdoctor.flows.domain import _LATER

    watched = list(_LATER)
    args = ["domain", "good.test", "--format", "json", "--resolver", slow_lab_address, "--timeout", "2"]
    for _ in range(2):  # the first run writes the byte code
        out = subprocess.run([sys.executable, "-c", _ORDER_PROBE, json.dumps(watched), *args], capture_output=True,
                             text=True, timeout=120, env=pycache)
        assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.strip().splitlines()[-1])
    events = data["events"]
    kinds = [e[0] for e in events]
    reads = [i for i, k in enumerate(kinds) if k == "recv"]
    assert reads and "import" in kinds[reads[0]:], kinds  # the warm-up ran while answers came
    late = []
    for i, kind in enumerate(kinds):
        if kind == "send" and i > reads[0]:
            last_read = max(j for j in reads if j < i)
            late += [events[j][1] for j in range(last_read, i) if kinds[j] == "import"]
    assert late == [], (late, " ".join(k[0] if k != "import" else "I" for k in kinds))
    # each step waits for the chains: an answer that came during one step is read before the next begins
    # (the warm-up's modules all imported in one burst would leave the answers waiting until the last)
    assert len(data["steps"]) == len(watched), data["steps"]
    assert [name for name, waiting in data["steps"] if waiting] == [], data["steps"]
    assert {f["id"] for f in json.loads(data["output"])["findings"]} >= {"spf.ok", "dmarc.ok", "mx.ok", "dkim.key-ok"}


_CONNECT_PROBE = r"""
import io, json, sys, contextlib
seen = []

def hook(event, args):  # an audit hook: this probe imports no socket module of its own
    if event == "socket.connect" and not seen:
        seen.append([name for name in ("socket", "ipaddress", "selectors") if name in sys.modules])

sys.addaudithook(hook)
sys.argv = ["smtpdoctor", *sys.argv[1:]]
""" + _RUN_MAIN + r"""print(json.dumps({"at_connect": seen[0] if seen else None, "output": out.getvalue()}))
"""


def test_the_primers_socket_is_of_the_c_class_until_socket_py_loads(lab_address, pycache):
    """In a process that has not loaded ``socket.py`` (its enums, ``selectors``) nor ``ipaddress``, the primer
    connects without them; the UDP layer then takes that socket over as it is, and the report is whole."""
    args = ["domain", "good.test", "--format", "json", "--resolver", lab_address]
    for _ in range(2):  # the first run writes the caches
        out = subprocess.run([sys.executable, "-c", _CONNECT_PROBE, *args], capture_output=True, text=True,
                             timeout=120, env=pycache)
        assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["at_connect"] == [], data["at_connect"]
    report = json.loads(data["output"])
    assert {f["id"] for f in report["findings"]} >= {"spf.ok", "dmarc.ok", "mx.ok", "dkim.key-ok"}
    assert report["spf"]["lookups"] >= 3 and report["dmarc"]["found_at"] == "good.test"
