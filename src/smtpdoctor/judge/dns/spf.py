"""SPF checks: pure functions from the lookup tree (and a check_host() result) to findings."""

from __future__ import annotations

from ...core import catalogue
from ...core.model import Finding, Severity
from ...protocol.spf.edit import add_mechanism, mechanism_for_ip, merge_records
from ...protocol.spf.result import LOOKUP_LIMIT, VOID_LIMIT, CheckHostResult, SpfResult
from ...protocol.spf.nodes import LookupNode, NodeStatus

__all__ = ["spf_findings", "RECORD_WARN_BYTES", "RECORD_MAX_BYTES"]

RECORD_WARN_BYTES = 450
RECORD_MAX_BYTES = 512
STRING_MAX_BYTES = 255


def spf_findings(tree: LookupNode, check: CheckHostResult | None = None) -> tuple[Finding, ...]:
    out: list[Finding] = []
    domain = tree.domain
    if tree.status is NodeStatus.LOOKUP_FAILED:
        out.append(catalogue.make("spf.lookup-failed", domain=domain, what=f"The TXT lookup of {domain}",
                                  error=tree.error or "no answer"))
        return tuple(out) + _ip(check, tree)
    if tree.status in (NodeStatus.NONE, NodeStatus.INVALID_NAME):
        out.append(catalogue.make("spf.missing", domain=domain, why=tree.error or "no record"))
        return tuple(out)
    out.extend(_structure(tree))
    if tree.status is NodeStatus.OK:
        out.extend(_policy(tree))
    total = tree.total
    if total > LOOKUP_LIMIT:
        costs = ", ".join(f"{t.text} {t.cost}" for t in sorted(tree.terms, key=lambda t: -t.cost))
        out.append(catalogue.make(
            "spf.too-many-lookups", count=total, domain=domain, costs=costs,
            evidence={"domain": domain, "lookups": total, "limit": LOOKUP_LIMIT,
                      "costs": {t.text: t.cost for t in tree.terms}}))
    voids = [(n.domain, t) for n in tree.walk() for t in n.void_terms]
    if voids:
        out.append(catalogue.make(
            "spf.void-lookups", severity=Severity.ERROR if len(voids) > VOID_LIMIT else None,
            count=len(voids), terms=", ".join(f"{t} (in {d})" for d, t in voids),
            evidence={"count": len(voids), "limit": VOID_LIMIT, "terms": [{"domain": d, "term": t} for d, t in voids]}))
    out.extend(_ip(check, tree))
    if tree.status is NodeStatus.OK and not any(f.severity in (Severity.ERROR, Severity.WARNING) for f in out
                                                if f.id != "spf.ip-not-permitted"):
        out.insert(0, catalogue.make("spf.ok", domain=domain, count=total, record=tree.record,
                                     evidence={"domain": domain, "record": tree.record, "lookups": total}))
    return tuple(out)


def _structure(tree: LookupNode) -> list[Finding]:
    """Problems of any record in the tree: several records, syntax, loops, missing targets, failures."""
    out: list[Finding] = []
    parents = {id(t.child): (n, t) for n in tree.walk() for t in n.terms if t.child is not None}
    for node in tree.walk():
        parent = parents.get(id(node))
        if node.status is NodeStatus.MULTIPLE:
            merged = merge_records(node.records)
            out.append(catalogue.make("spf.multiple-records", domain=node.domain, count=len(node.records),
                                      records=" | ".join(node.records), merged=merged,
                                      evidence={"domain": node.domain, "records": list(node.records),
                                                "merged": merged}))
        elif node.status is NodeStatus.SYNTAX_ERROR:
            pos = node.position or 0
            record = node.record or ""
            end = record.find(" ", pos)
            term_start = record.rfind(" ", 0, pos) + 1
            term = record[term_start:end if end >= 0 else len(record)]
            out.append(catalogue.make(
                "spf.syntax-error", domain=node.domain, column=pos + 1, message=node.error, record=record,
                caret=" " * pos + "^", term=term,
                evidence={"domain": node.domain, "record": record, "position": pos, "term": term,
                          "message": node.error}))
        elif node.status is NodeStatus.LOOP:
            out.append(catalogue.make("spf.include-loop", loop=node.error, domain=node.domain,
                                      evidence={"loop": (node.error or "").split(" -> ")}))
        elif node.status in (NodeStatus.NONE, NodeStatus.INVALID_NAME) and parent is not None:
            pnode, term = parent
            out.append(catalogue.make("spf.include-missing", term=term.text, target=node.domain,
                                      why=node.error, domain=pnode.domain))
        elif node.status is NodeStatus.LOOKUP_FAILED and parent is not None:
            out.append(catalogue.make("spf.lookup-failed", domain=tree.domain, error=node.error,
                                      what=f"The TXT lookup of {node.domain} ({parent[1].text})"))
        for failure in node.lookup_failures:
            out.append(catalogue.make("spf.lookup-failed", domain=tree.domain, error=failure,
                                      what=f"A lookup for a term of {node.domain}"))
        for text in node.mx_overflow:
            term = text.split(" (")[0]
            out.append(catalogue.make("spf.too-many-mx-names", term=term, detail_text=f"{text} in {node.domain}"))
        for i, lengths in enumerate(node.string_lengths):
            longest = max(lengths, default=0)
            if longest > STRING_MAX_BYTES:
                out.append(catalogue.make("spf.string-too-long", domain=node.domain, length=longest))
        if node.status is NodeStatus.OK:
            size = node.record_bytes
            if size > RECORD_WARN_BYTES:
                over = f"; at {size} bytes it is over {RECORD_MAX_BYTES} on its own" if size > RECORD_MAX_BYTES else ""
                out.append(catalogue.make("spf.record-too-long", domain=node.domain, length=size, over512=over,
                                          evidence={"domain": node.domain, "bytes": size}))
    ptrs = [f"{t} (in {n.domain})" for n in tree.walk() for t in n.ptr_terms]
    if ptrs:
        out.append(catalogue.make("spf.ptr-mechanism", terms=", ".join(ptrs), evidence={"terms": ptrs}))
    return out


def _effective_all(node: LookupNode) -> tuple[str | None, LookupNode]:
    """The all that ends evaluation: this record's, or, through redirect, the target's."""
    if node.all_qualifier is not None:
        return node.all_qualifier, node
    for t in node.terms:
        if t.text.lower().startswith("redirect=") and t.child is not None and t.child.status is NodeStatus.OK:
            return _effective_all(t.child)
    has_redirect = any(t.text.lower().startswith("redirect=") for t in node.terms)
    return ("redirect" if has_redirect else None), node


def _policy(tree: LookupNode) -> list[Finding]:
    qualifier, where = _effective_all(tree)
    if qualifier == "+":
        return [catalogue.make("spf.permissive-all", domain=tree.domain, term="+all", what="every server on the Internet")]
    if qualifier == "?":
        return [catalogue.make("spf.permissive-all", severity=Severity.WARNING, domain=tree.domain, term="?all",
                               what="any server (with a 'neutral' result)")]
    if qualifier is None:
        return [catalogue.make("spf.no-all", domain=where.domain)]
    return []


def _ip(check: CheckHostResult | None, tree: LookupNode) -> tuple[Finding, ...]:
    if check is None:
        return ()
    params = dict(ip=check.ip, domain=check.domain, sender=check.sender, result=str(check.result),
                  reason=check.reason or "no reason recorded", lookups=check.lookups,
                  evidence={"ip": check.ip, "domain": check.domain, "sender": check.sender,
                            "result": str(check.result), "reason": check.reason, "lookups": check.lookups,
                            "explanation": check.explanation})
    if check.result is SpfResult.PASS:
        return (catalogue.make("spf.ip-permitted", **params),)
    if check.result is SpfResult.TEMPERROR:
        if any(n.status is NodeStatus.LOOKUP_FAILED or n.lookup_failures for n in tree.walk()):
            return ()  # the tree's own spf.lookup-failed already names the failed lookup
        return (catalogue.make("spf.lookup-failed", domain=check.domain, error=check.reason,
                               what=f"Evaluating SPF for {check.ip}"),)
    if check.result is SpfResult.NONE:
        return ()  # spf.missing says it
    severity = Severity.ERROR if check.result in (SpfResult.FAIL, SpfResult.PERMERROR) else Severity.WARNING
    fix, suggestion = _fix_for(check, tree)
    params["evidence"] = {**params["evidence"], **suggestion}
    return (catalogue.make("spf.ip-not-permitted", severity=severity, fix=fix, **params),)


def _fix_for(check: CheckHostResult, tree: LookupNode) -> tuple[str, dict]:
    """The exact change that makes ``check.ip`` pass: the sending service's include when the address is
    one of a known service's, else ``ip4:``/``ip6:`` for the address; with the record as it would read."""
    record = tree.record if tree.status is NodeStatus.OK and tree.domain == check.domain else None
    if tree.status is NodeStatus.MULTIPLE:
        record = merge_records(tree.records)
    try:
        own = mechanism_for_ip(check.ip)
    except ValueError:
        return f"Add the sending server to the SPF record of {check.domain}.", {}
    from ...core import esps  # the sending services' ranges: only for a fix with --ip (issue 16)

    esp = esps.for_ip(check.ip)
    mechanism = own
    if esp is not None and not (record and esp.include.lower() in record.lower().split()):
        mechanism = esp.include
    suggestion = {"mechanism": mechanism, "esp": esp.key if esp else None}
    text = (f"{check.ip} is one of {esp.name}'s sending servers: add {mechanism} to the SPF record of "
            f"{check.domain}" if mechanism == (esp.include if esp else None)
            else f"Add {mechanism} to the SPF record of {check.domain}")
    if record:
        new = add_mechanism(record, mechanism)
        suggestion["record"] = new
        text += f", so that it reads: {new}"
    return text + ".", suggestion
