"""The end of a bulk run: a total line and a small table (text), or one summary object (JSON, on request).

``blacklist`` ends with "2 of 16 listed, on 3 lists" and the lists that listed something; ``domain`` with
how many domains have errors or warnings and in which areas. JSON Lines stay one object per input; the
summary object (``{"summary": {...}}``) is written only when the user asks for it (``--summary``).
"""

from __future__ import annotations

from collections import Counter

__all__ = ["BlacklistTally", "DomainTally"]


def _table(head: tuple[str, str], counts: Counter[str]) -> list[str]:
    """``counts`` as two columns, most first (ties by name)."""
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    width = max(len(head[0]), *(len(name) for name, _ in rows))
    lines = [f"  {head[0]:<{width}}  {head[1]}"]
    lines += [f"  {name:<{width}}  {count:>{len(head[1])}}" for name, count in rows]
    return lines


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class BlacklistTally:
    """Counts blocklist results as they stream by: addresses checked, listed, unverified, listings per list."""

    def __init__(self) -> None:
        self.checked = 0
        self.listed = 0
        self.unverified = 0
        self.per_list: Counter[str] = Counter()

    def add(self, result) -> None:
        from ..core.dnsbl_facts import Status

        self.checked += 1
        listed = result.by_status(Status.LISTED)
        if listed:
            self.listed += 1
            self.per_list.update(r.zone.name for r in listed)
        elif result.by_status(Status.UNKNOWN) or not any(
                r.status in (Status.NOT_LISTED, Status.ALLOWLISTED, Status.NEUTRAL) for r in result.results):
            self.unverified += 1

    def total_line(self) -> str:
        line = f"{self.listed} of {self.checked} listed"
        if self.listed:
            line += f", on {_plural(len(self.per_list), 'list')}"
        if self.unverified:
            line += f"; {self.unverified} could not be verified"
        return line

    def text(self) -> str:
        lines = ["", "Summary: " + self.total_line()]
        if self.per_list:
            lines += _table(("list", "listed"), self.per_list)
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict:
        return {"summary": {"checked": self.checked, "listed": self.listed, "unverified": self.unverified,
                            "lists": dict(sorted(self.per_list.items())), "text": self.total_line()}}


class DomainTally:
    """Counts domain audits: how many have an error or only warnings, and the areas where errors are."""

    def __init__(self) -> None:
        self.audited = 0
        self.with_errors = 0
        self.with_warnings = 0
        self.error_areas: Counter[str] = Counter()

    def add(self, audit) -> None:
        from ..core.catalogue import area_of

        self.audited += 1
        severities = {str(f.severity) for f in audit.findings}
        if "error" in severities:
            self.with_errors += 1
            self.error_areas.update({area_of(f.id) for f in audit.findings if str(f.severity) == "error"})
        elif "warning" in severities:
            self.with_warnings += 1

    def total_line(self) -> str:
        clean = self.audited - self.with_errors - self.with_warnings
        return (f"{self.with_errors} of {_plural(self.audited, 'domain')} with errors, "
                f"{self.with_warnings} with warnings only, {clean} clean")

    def text(self) -> str:
        lines = ["Summary: " + self.total_line()]
        if self.error_areas:
            lines += _table(("errors in", "domains"), self.error_areas)
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict:
        return {"summary": {"audited": self.audited, "with_errors": self.with_errors,
                            "with_warnings": self.with_warnings, "error_areas": dict(sorted(self.error_areas.items())),
                            "text": self.total_line()}}
