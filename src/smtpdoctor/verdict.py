"""The verdict: walk the guide's steps in order and name one root cause.

The root cause is the first error in the guide's order (client settings, server connection,
authentication, firewall, DNS, blacklist), unless stronger evidence points elsewhere: a server that
tells us in so many words that it rejects us because of a blocklist is a blacklist problem, whatever
step it answered in. Everything else is listed after the root cause, most harmful first.

"Could not test" is its own answer. A finding marked ``untested`` (the resolver did not answer, every
blocklist failed its test points, AUTH was withheld, the run was interrupted) never makes its step pass
or fail: the step is ``untested``. When nothing observed is wrong and such a step decides the answer,
the verdict names it with confidence ``inconclusive`` (exit status 3), never "nothing wrong".
"""

from __future__ import annotations

from typing import Iterable

from .core.model import INCONCLUSIVE, STEP_ORDER, Category, Finding, Severity, Step, StepResult, StepStatus, Verdict

__all__ = ["decide", "order_findings", "step_results", "conclude", "OVERRIDING"]

# Findings that outrank the guide's order: the server itself named the cause.
OVERRIDING: tuple[str, ...] = (
    "dnsbl.rejected-citing-list",
    "envelope.blocked-citing-list",
)


def _blocks(f: Finding) -> bool:
    """A "could not test" finding that leaves its step without an answer."""
    return f.untested and f.severity.rank >= Severity.WARNING.rank


def _run_wide(f: Finding) -> bool:
    """A finding about the run itself (``run.interrupted``): it names the steps it left untested."""
    return f.untested and isinstance(f.evidence, dict) and isinstance(f.evidence.get("missing"), list)


def step_results(findings: Iterable[Finding]) -> tuple[StepResult, ...]:
    """Each step's status: ``fail`` (a problem observed), ``untested`` (it could not run), ``warn``,
    ``pass``, or ``skipped`` (nothing to test). An untested step is never shown as passed."""
    by_step: dict[Step, list[Finding]] = {s: [] for s in STEP_ORDER}
    missing: set[str] = set()
    for f in findings:
        if _run_wide(f):
            missing.update(str(m) for m in f.evidence["missing"])
            continue
        by_step[f.step].append(f)
    out = []
    for step in STEP_ORDER:
        items = by_step[step]
        if any(f.is_problem for f in items):
            status = StepStatus.FAIL
        elif any(_blocks(f) for f in items) or (not items and str(step) in missing):
            status = StepStatus.UNTESTED
        elif any(f.severity is Severity.WARNING for f in items):
            status = StepStatus.WARN
        elif items:
            status = StepStatus.PASS
        else:
            status = StepStatus.SKIPPED
        out.append(StepResult(name=step, status=status, findings=tuple(f.id for f in items)))
    return tuple(out)


def _untested_root(findings: list[Finding]) -> Finding | None:
    """The first step, in the guide's order, that could not run (a run-wide one last)."""
    blocking = [f for f in findings if _blocks(f)]
    rank = {s: i for i, s in enumerate(STEP_ORDER)}
    blocking.sort(key=lambda f: (_run_wide(f), rank[f.step]))
    return blocking[0] if blocking else None


def _root(findings: list[Finding]) -> Finding | None:
    errors = [f for f in findings if f.is_problem]
    if not errors:
        # Nothing broken, but a server turned us away for now (4xx: rate limit, greylisting, a
        # temporary AUTH failure): that is what the user is seeing, so it is the verdict.
        return next((f for f in findings if f.severity is Severity.WARNING and not f.untested
                     and f.evidence.get("retry")), None)
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
    untested = _untested_root(items)
    if untested is not None and root is None:
        # Nothing observed is wrong, but a step that decides the answer could not run: that is the answer.
        return Verdict(category=untested.category, finding=untested.id, summary=untested.title,
                       confidence=INCONCLUSIVE)
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


def conclude(findings: Iterable[Finding]) -> tuple[Verdict, tuple[StepResult, ...], tuple[Finding, ...]]:
    """The verdict, the steps and the findings in report order, for one input of any command."""
    items = list(findings)
    verdict = decide(items)
    return verdict, step_results(items), order_findings(items, verdict)
