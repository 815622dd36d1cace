"""SPF (RFC 7208), written by hand: a sans-I/O record parser with positions for syntax errors, macro
expansion, an async check_host() over :class:`smtpdoctor.dns.Resolver`, a static lookup tree (what each
include costs) and the audit that turns both into findings.

Why not pyspf: it is a Python-2-era, thinly maintained code base built around its own synchronous DNS
layer, and it exposes neither the lookup tree nor per-term costs, void lookups or syntax-error
positions, which are what a diagnosis needs. check_host() here passes the whole RFC 7208 test suite.
"""

from .audit import SpfAudit, audit_spf
from .eval import LOOKUP_LIMIT, MX_PTR_LIMIT, VOID_LIMIT, check_host
from .record import Mechanism, Modifier, Qualifier, SpfRecord, SpfSyntaxError, parse
from .result import CheckHostResult, SpfResult, TraceStep, trace_lines
from .tree import LookupNode, NodeStatus, TermCost, build_tree, render_tree

__all__ = [
    "audit_spf",
    "SpfAudit",
    "build_tree",
    "render_tree",
    "LookupNode",
    "NodeStatus",
    "TermCost",
    "check_host",
    "CheckHostResult",
    "SpfResult",
    "TraceStep",
    "trace_lines",
    "parse",
    "SpfRecord",
    "SpfSyntaxError",
    "Mechanism",
    "Modifier",
    "Qualifier",
    "LOOKUP_LIMIT",
    "VOID_LIMIT",
    "MX_PTR_LIMIT",
]
