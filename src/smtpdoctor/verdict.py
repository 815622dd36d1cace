"""The verdict: walk the guide's steps in order and name one root cause.

The root cause is the first error in the guide's order (client settings, server connection,
authentication, firewall, DNS, blacklist), unless stronger evidence points elsewhere: a server that
tells us in so many words that it rejects us because of a blocklist is a blacklist problem, whatever
step it answered in. Everything else is listed after the root cause, most harmful first.
"""

from __future__ import annotations

from typing import Iterable

from .core.model import STEP_ORDER, Category, Finding, Severity, Step, StepResult, StepStatus, Verdict

__all__ = ["decide", "order_findings", "step_results", "OVERRIDING"]

# Findings that outrank the guide's order: the server itself named the cause.
OVERRIDING: tuple[str, ...] = (
    "dnsbl.rejected-citing-list",
    "envelope.blocked-citing-list",
)


def step_results(findings: Iterable[Finding], *, skipped_reason: dict[Step, str] | None = None) -> tuple[StepResult, ...]:
    by_step: dict[Step, list[Finding]] = {s: [] for s in STEP_ORDER}
    for f in findings:
        by_step[f.step].append(f)
    out = []
    for step in STEP_ORDER:
        items = by_step[step]
        if any(f.severity is Severity.ERROR for f in items):
            status = StepStatus.FAIL
        elif any(f.severity is Severity.WARNING for f in items):
            status = StepStatus.WARN
        elif items:
            status = StepStatus.PASS
        else:
            status = StepStatus.SKIPPED
        out.append(StepResult(name=step, status=status, findings=tuple(f.id for f in items)))
    return tuple(out)


def _root(findings: list[Finding]) -> Finding | None:
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if not errors:
        # Nothing broken, but a server turned us away for now (4xx: rate limit, greylisting, a
        # temporary AUTH failure): that is what the user is seeing, so it is the verdict.
        return next((f for f in findings if f.severity is Severity.WARNING and f.evidence.get("retry")), None)
    for fid in OVERRIDING:
        hit = next((f for f in errors if f.id == fid), None)
        if hit is not None:
            return hit
    for step in STEP_ORDER:
        in_step = [f for f in errors if f.step is step]
        # What a server actually answered outranks what the settings alone predict.
        observed = [f for f in in_step if f.evidence.get("source") != "settings"]
        hit = (observed or in_step)[0] if in_step else None
        if hit is not None:
            return hit
    return errors[0]


def decide(findings: Iterable[Finding]) -> Verdict:
    items = list(findings)
    root = _root(items)
    if root is None:
        warnings = sum(1 for f in items if f.severity is Severity.WARNING)
        tested = sum(1 for f in items if f.severity is Severity.OK)
        summary = "Nothing wrong was found in what was tested"
        summary += f" ({tested} checks passed" + (f", {warnings} warnings)." if warnings else ").")
        return Verdict(category=Category.OK, finding=None, summary=summary, confidence="high")
    confidence = str(root.evidence.get("confidence", "high")) if isinstance(root.evidence, dict) else "high"
    if root.severity is not Severity.ERROR:
        confidence = "medium" if confidence == "high" else confidence
    return Verdict(category=root.category, finding=root.id, summary=root.title, confidence=confidence)


def order_findings(findings: Iterable[Finding], verdict: Verdict) -> tuple[Finding, ...]:
    """The root cause first, then the rest by severity (most harmful first), then the guide's order."""
    items = list(findings)
    rank = {s: i for i, s in enumerate(STEP_ORDER)}
    root = next((f for f in items if f.id == verdict.finding), None)
    rest = [f for f in items if f is not root]
    rest.sort(key=lambda f: (-f.severity.rank, rank[f.step]))
    return tuple(([root] if root else []) + rest)
