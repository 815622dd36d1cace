"""Rewrite imports and dotted names from the old module layout to the floor plan (docs/architecture.md).

    python scripts/floorplan_imports.py FILE_OR_DIR...

For a branch that still uses the old names after merging main: run it over src/ tests/ bench/ scripts/
docs/. It rewrites ``from smtpdoctor.walk import run_diagnosis``, relative imports inside src/smtpdoctor,
names a package used to re-export (``from smtpdoctor.dns import Resolver``), and dotted names in strings
and prose (``"smtpdoctor.walk.run_diagnosis"``, ``smtpdoctor/probes/port.py``). Idempotent: new names are
left alone. Prints the files it changed.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

# old module (relative to smtpdoctor) -> new module
MODULES = {
    "model": "core.model", "settings": "core.settings", "catalogue": "core.catalogue", "redact": "core.redact",
    "validate": "core.names", "providers": "core.providers", "domain.names": "core.names",
    "dnsbl.zones": "core.dnsbl_zones", "dnsbl.targets": "core.dnsbl_targets", "dnsbl.facts": "core.dnsbl_facts",
    "explainer.model": "core.explanation",
    "smtp.protocol": "protocol.smtp", "smtp.replies": "protocol.replies",
    "smtp.capabilities": "protocol.capabilities", "smtp.sasl": "protocol.sasl",
    "spf.record": "protocol.spf.record", "spf.macro": "protocol.spf.macro", "spf.names": "protocol.spf.names",
    "spf.result": "protocol.spf.result", "spf.eval": "protocol.spf.eval", "spf.tree": "protocol.spf.tree",
    "domain.tags": "protocol.tags", "explainer.textbounce": "protocol.textbounce", "explainer.ses": "protocol.ses",
    "dns.resolver": "net.dns", "dns.udp_mux": "net.udp_mux", "smtp.driver": "net.smtp", "smtp.tls": "net.tls",
    "smtp.errors": "protocol.errors", "probes.mta_sts_fetch": "net.https",
    "probes.host": "observe.host", "probes.port": "observe.port", "probes.sweep": "observe.sweep",
    "probes.submission": "observe.submission", "dnsbl.query": "observe.blocklists",
    "checks.auth": "judge.auth", "checks.client": "judge.client", "checks.envelope": "judge.envelope",
    "checks.firewall": "judge.firewall", "checks.host": "judge.host", "checks.reachability": "judge.reachability",
    "checks.security_mode": "judge.security_mode", "checks.server_facts": "judge.server_facts",
    "checks.tls": "judge.tls", "auth_replies": "judge.auth_replies",
    "domain.bimi": "judge.dns.bimi", "domain.dane": "judge.dns.dane", "domain.dkim": "judge.dns.dkim",
    "domain.dkim_verify": "judge.dns.dkim_verify", "domain.dmarc": "judge.dns.dmarc",
    "domain.dnssec": "judge.dns.dnssec", "domain.mta_sts": "judge.dns.mta_sts", "domain.mx": "judge.dns.mx",
    "domain.ptr": "judge.dns.ptr", "domain.tlsrpt": "judge.dns.tlsrpt", "domain.facts": "judge.dns.facts",
    "domain.checklist": "judge.checklist", "spf.checks": "judge.dns.spf",
    "dnsbl.checks": "judge.blacklist", "dnsbl.health": "observe.blocklist_health", "dnsbl.citations": "judge.citations",
    "explainer.classify": "judge.explain.classify", "explainer.codes": "judge.explain.codes",
    "explainer.knowledge": "judge.explain.knowledge", "explainer.message": "judge.explain.message",
    "explainer.reply": "judge.explain.reply",
    "walk": "flows.diagnose", "domain.audit": "flows.domain", "spf.audit": "flows.spf",
    "dnsbl.api": "flows.blacklist", "explainer.sources": "flows.explain",
    "dnsbl.output": "report.blacklist", "explainer.render": "report.explain",
    "explainer.summary": "report.explain_summary", "dnsbl.lab": "lab.blocklists",
}

# modules of the floor plan that moved again (new name -> newer name)
MODULES.update({"core.domain_names": "core.names", "net.errors": "protocol.errors", "judge.dnsbl_health": "observe.blocklist_health"})

# value types that moved out of an I/O module into a value module: new module -> name -> value module
MOVED_NAMES = {
    "net.dns": dict.fromkeys(["Outcome", "DnsResult", "QueryLogEntry"], "core.observations"),
    "net.tls": dict.fromkeys(["VERIFY_CODES", "CertFacts", "TlsFacts"], "core.observations"),
    "net.https": {"PolicyFetch": "core.observations"},
    "observe.port": dict.fromkeys(["PortOutcome", "Mode", "TlsFailure", "PortObservation"], "observe.facts"),
    "observe.host": {"HostLookup": "observe.facts"},
    "observe.sweep": {"SweepResult": "observe.facts"},
    "observe.submission": dict.fromkeys(["AuthObservation", "EnvelopeObservation"], "observe.facts"),
    "cli.common": dict.fromkeys(["OutputFormat", "write_json_line"], "report.formats"),
    "cli.commands.domain": {"render_text": "report.domain"},
    "judge.client": dict.fromkeys(["AddressCheck", "check_address", "envelope_path"], "core.names"),
}

# what the dissolved packages' __init__ re-exported: package -> name -> old submodule
REEXPORTS = {'dns': {'DnsResult': 'resolver',
         'Outcome': 'resolver',
         'QueryLogEntry': 'resolver',
         'Resolver': 'resolver',
         'parse_nameserver': 'resolver'},
 'dnsbl': {'Answer': 'facts',
           'BadInput': 'targets',
           'Engine': 'query',
           'Environment': 'facts',
           'Kind': 'zones',
           'ListingCitation': 'citations',
           'Status': 'facts',
           'Target': 'targets',
           'TargetResult': 'facts',
           'Weight': 'zones',
           'Zone': 'zones',
           'ZoneHealth': 'facts',
           'ZoneResult': 'facts',
           'ZoneStatus': 'facts',
           'blacklist_findings': 'api',
           'catalogue': 'zones',
           'check_domains': 'query',
           'check_ips': 'query',
           'check_targets': 'query',
           'citation_finding': 'citations',
           'parse_inputs': 'targets',
           'parse_target': 'targets',
           'rejection_cites_listing': 'citations',
           'select_zones': 'zones'},
 'domain': {'BadDomain': 'names',
            'ChecklistRow': 'checklist',
            'DomainAudit': 'audit',
            'NormalisedDomain': 'names',
            'SCHEMA': 'audit',
            'audit_domain': 'audit',
            'build_checklist': 'checklist',
            'normalise_domain': 'names'},
 'explainer': {'Explained': 'model',
               'Explanation': 'model',
               'Kind': 'model',
               'Recipient': 'model',
               'Tally': 'summary',
               'classify_reply': 'classify',
               'explain_inputs': 'sources',
               'explain_message': 'message',
               'explain_text': 'reply'},
 'smtp': {'Capabilities': 'capabilities',
          'CertFacts': 'tls',
          'ClientConnection': 'protocol',
          'Closed': 'protocol',
          'ConnectFailed': 'errors',
          'ConnectRefused': 'errors',
          'ConnectReset': 'errors',
          'ConnectTimeout': 'errors',
          'ConnectionClosed': 'errors',
          'HostUnreachable': 'errors',
          'Limits': 'protocol',
          'LocalProtocolError': 'errors',
          'NEED_DATA': 'protocol',
          'ReadTimeout': 'errors',
          'RemoteProtocolError': 'errors',
          'Reply': 'replies',
          'ReplyEvent': 'protocol',
          'SmtpError': 'errors',
          'SmtpSession': 'driver',
          'State': 'protocol',
          'Timeouts': 'driver',
          'TlsFacts': 'tls',
          'TlsHandshakeError': 'errors',
          'TlsVerifyError': 'errors',
          'Transcript': 'driver',
          'TransportError': 'errors',
          'client_context': 'tls',
          'map_exceptions': 'driver',
          'parse_ehlo': 'capabilities',
          'parse_enhanced': 'replies'},
 'spf': {'CheckHostResult': 'result',
         'LOOKUP_LIMIT': 'eval',
         'LookupNode': 'tree',
         'MX_PTR_LIMIT': 'eval',
         'Mechanism': 'record',
         'Modifier': 'record',
         'NodeStatus': 'tree',
         'Qualifier': 'record',
         'SpfAudit': 'audit',
         'SpfRecord': 'record',
         'SpfResult': 'result',
         'SpfSyntaxError': 'record',
         'TermCost': 'tree',
         'TraceStep': 'result',
         'VOID_LIMIT': 'eval',
         'audit_spf': 'audit',
         'build_tree': 'tree',
         'check_host': 'eval',
         'parse': 'record',
         'render_tree': 'tree',
         'trace_lines': 'result'}}
PACKAGES = {"smtp", "dns", "spf", "domain", "dnsbl", "explainer", "checks", "probes"}
BARE = {"checks": "judge", "probes": "observe", "dns": "net.dns"}


def resolve(chain: list[str]) -> list[str] | None:
    """Old dotted chain (after 'smtpdoctor') -> new chain, or None when it is not an old name."""
    new = _resolve_module(chain)
    probe = new if new is not None else chain
    for n in range(len(probe) - 1, 0, -1):
        moved = MOVED_NAMES.get(".".join(probe[:n]), {})
        if probe[n] in moved:
            return moved[probe[n]].split(".") + probe[n:]
    return new


def _resolve_module(chain: list[str]) -> list[str] | None:
    for n in range(len(chain), 0, -1):
        head = ".".join(chain[:n])
        if head in MODULES:
            return MODULES[head].split(".") + chain[n:]
    if chain and chain[0] in PACKAGES:
        if len(chain) > 1 and chain[1] in REEXPORTS.get(chain[0], {}):
            sub = REEXPORTS[chain[0]][chain[1]]
            return MODULES[f"{chain[0]}.{sub}"].split(".") + chain[1:]
        if len(chain) == 1 and chain[0] in BARE:
            return BARE[chain[0]].split(".")
    return None


def _old_module_of(path: Path) -> list[str] | None:
    parts = path.resolve().parts
    if "smtpdoctor" not in parts or "src" not in parts:
        return None
    rel = list(parts[parts.index("smtpdoctor") + 1:])
    rel[-1] = rel[-1].removesuffix(".py")
    if rel[-1] == "__init__":
        rel = rel[:-1]
    return rel


def _new_package_of(path: Path) -> list[str]:
    """The package the file's module will sit in (the file may still be at its old place)."""
    mod = _old_module_of(path) or []
    mod = (resolve(mod) or mod) if mod else mod
    return mod if path.name == "__init__.py" else mod[:-1]


def _relative(target: list[str], package: list[str]) -> str:
    common = 0
    while common < min(len(target), len(package)) and target[common] == package[common]:
        common += 1
    dots = "." * (len(package) - common + 1)
    return dots + ".".join(target[common:])


def _rewrite_from(node: ast.ImportFrom, path: Path) -> list[tuple[str, str]] | None:
    """-> [(module text, names text)] for the new statement(s), or None to leave it alone."""
    here = _new_package_of(path)
    if node.level:
        old_pkg = _old_module_of(path)
        if old_pkg is None:
            return None
        base = old_pkg if path.name == "__init__.py" else old_pkg[:-1]
        base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
        chain = base + (node.module.split(".") if node.module else [])
    elif node.module and (node.module == "smtpdoctor" or node.module.startswith("smtpdoctor.")):
        chain = node.module.split(".")[1:]
    else:
        return None
    out: dict[str, list[str]] = {}
    old_here = _old_module_of(path) or []
    changed = bool(node.level) and here != (old_here if path.name == "__init__.py" else old_here[:-1])
    for alias in node.names:
        whole = resolve(chain + [alias.name])
        if whole is not None and (chain + [alias.name]) != whole:
            mod, name = whole[:-1], whole[-1]
            changed = True
        else:
            new = resolve(chain) if chain else None
            mod, name = (new, alias.name) if new is not None else (chain, alias.name)
            changed = changed or (new is not None and new != chain)
        local = alias.asname or alias.name
        text = name if local == name else f"{name} as {local}"
        key = _relative(mod, here) if node.level else "smtpdoctor" + "".join("." + p for p in mod)
        out.setdefault(key, []).append(text)
    if not changed:
        return None
    return [(k, ", ".join(v)) for k, v in out.items()]


def rewrite_python(path: Path, text: str) -> str:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    lines = text.splitlines(keepends=True)
    edits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            new = _rewrite_from(node, path)
            if new is None:
                continue
            first = lines[node.lineno - 1]
            indent = first[:len(first) - len(first.lstrip())]
            tail = ""
            last = lines[node.end_lineno - 1]
            if "#" in last[node.end_col_offset:]:
                tail = "  " + last[node.end_col_offset:].split("#", 1)[1].join(["#", ""]).rstrip("\n")
            stmts = []
            for i, (mod, names) in enumerate(new):
                stmt = f"{indent}from {mod} import {names}"
                if len(stmt) > 115 and "," in names:
                    stmt = f"{indent}from {mod} import (\n{indent}    " + names + f",\n{indent})"
                stmts.append(stmt + (tail if i == 0 else ""))
            edits.append((node.lineno, node.end_lineno, "\n".join(stmts) + "\n"))
    for start, end, repl in sorted(edits, reverse=True):
        lines[start - 1:end] = [repl]
    return "".join(lines)


_DOTTED = re.compile(r"(?<![\w.])smtpdoctor((?:\.[A-Za-z_]\w*)+)")
_PATH = re.compile(r"(?<![\w])smtpdoctor/((?:\w+/)*\w+)(\.py|/)")


def rewrite_names(text: str) -> str:
    def dotted(m: re.Match) -> str:
        chain = m.group(1)[1:].split(".")
        new = resolve(chain)
        return m.group(0) if new is None else "smtpdoctor." + ".".join(new)

    def slashed(m: re.Match) -> str:
        chain = m.group(1).split("/")
        if m.group(2) == "/":
            new = BARE.get(".".join(chain))
            return m.group(0) if new is None or "." in new else f"smtpdoctor/{new}/"
        if ".".join(chain) not in MODULES:
            return m.group(0)
        return "smtpdoctor/" + MODULES[".".join(chain)].replace(".", "/") + ".py"

    return _PATH.sub(slashed, _DOTTED.sub(dotted, text))


SUFFIXES = {".py", ".md", ".toml", ".sh", ".yaml", ".yml", ".txt", ".cfg", ".ini", ".html", ".js"}


def main(argv: list[str]) -> int:
    files: list[Path] = []
    for arg in argv or ["src", "tests", "bench", "scripts", "docs"]:
        p = Path(arg)
        files += [p] if p.is_file() else sorted(x for x in p.rglob("*") if x.is_file() and x.suffix in SUFFIXES)
    for f in files:
        if f.resolve() == Path(__file__).resolve() or "__pycache__" in f.parts:
            continue
        try:
            text = f.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        new = rewrite_python(f, text) if f.suffix == ".py" else text
        new = rewrite_names(new)
        if new != text:
            f.write_text(new, encoding="utf-8")
            print(f)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
