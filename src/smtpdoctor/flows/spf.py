"""The SPF part of a domain audit: the lookup tree, check_host() for a given IP, and their findings.

Both walks run at once over the same resolver (so each name is asked once); the findings come from
the pure :func:`smtpdoctor.judge.dns.spf.spf_findings`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..protocol.spf.nodes import LookupNode, NodeStatus
from ..protocol.spf.tree import build_tree, render_tree

if TYPE_CHECKING:
    from ..core.model import Finding
    from ..net.dns import Resolver
    from ..protocol.spf.result import CheckHostResult

__all__ = ["SpfAudit", "audit_spf"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SpfAudit:
    domain: str
    tree: LookupNode
    check: CheckHostResult | None  # check_host() for the given IP, if one was given
    findings: tuple[Finding, ...]

    @property
    def record(self) -> str | None:
        return self.tree.record

    @property
    def lookups(self) -> int:
        """DNS-querying terms of the whole policy (may be over 10: the report says 14/10)."""
        return self.tree.total

    @property
    def could_not_test(self) -> bool:
        return self.tree.status is NodeStatus.LOOKUP_FAILED

    def tree_lines(self) -> list[str]:
        return render_tree(self.tree)

    def to_json(self) -> dict[str, Any]:
        return {"domain": self.domain, "record": self.record, "lookups": self.lookups,
                "tree": self.tree.to_json(),
                "check": self.check.to_json() if self.check is not None else None,
                "findings": [f.to_json() for f in self.findings]}


async def audit_spf(resolver: Resolver, domain: str, *, ip: str | None = None, sender: str | None = None,
                    helo: str | None = None) -> SpfAudit:
    """Audit the SPF policy of ``domain``; with ``ip``, also whether mail from it would pass.

    Raises ValueError only for an ``ip`` that is not an IP address (the caller validates input).
    """
    domain = domain.rstrip(".").lower()
    tree_job = build_tree(resolver, domain, ip=ip, sender=sender, helo=helo)
    if ip is not None:
        # check_host() and its result classes load only with an IP: a domain's audit without --ip reads
        # its first answers while its modules are still being imported (issue 16)
        from ..protocol.spf.eval import check_host

        tree, check = await asyncio.gather(tree_job, check_host(resolver, ip, domain, sender, helo=helo))
    else:
        tree, check = await tree_job, None
    from ..judge.dns.spf import spf_findings  # not needed before the walk ends (flows/domain preloads it)

    return SpfAudit(domain=domain, tree=tree, check=check, findings=spf_findings(tree, check))
