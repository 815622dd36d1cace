"""The catalogue of findings: every finding id, its category, step, default severity, title and remedy,
defined once in ``knowledge/findings/*.toml`` (one file per area) and turned into :class:`Finding` values here.

Titles, details and remedies are ``str.format`` templates filled from the parameters a check passes
(``{port}``, ``{host}``...); a missing parameter is left visible as ``{name}`` rather than raising, so a
wording slip never crashes a diagnosis. The docs' catalogue of findings is generated from this data.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Mapping

from .model import Category, Finding, Severity, Step

__all__ = ["FindingSpec", "catalogue", "spec", "make", "UnknownFinding", "area_of"]


class UnknownFinding(KeyError):
    """A check asked for a finding id that the catalogue does not define (a programming error)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingSpec:
    id: str
    category: Category
    severity: Severity
    step: Step
    title: str
    detail: str
    remedy: tuple[str, ...]
    area: str
    untested: bool = False  # "could not test": the step did not run (see Finding.untested)


class _Keep(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, params: Mapping[str, Any]) -> str:
    try:
        return template.format_map(_Keep(params))
    except (ValueError, IndexError, AttributeError):  # a stray brace in a template
        return template


@cache
def catalogue() -> Mapping[str, FindingSpec]:
    """All finding specs, by id. Loaded once, on first use (never at import time)."""
    out: dict[str, FindingSpec] = {}
    for area in _areas():
        for fid, entry in _area_specs(area).items():
            if fid in out:
                raise ValueError(f"finding {fid!r} is defined twice ({out[fid].area}, {area})")
            out[fid] = entry
    return out


@cache
def _areas() -> tuple[str, ...]:
    folder = resources.files("smtpdoctor.knowledge").joinpath("findings")
    return tuple(sorted(e.name[: -len(".toml")] for e in folder.iterdir() if e.name.endswith(".toml")))


@cache
def _area_specs(area: str) -> Mapping[str, FindingSpec]:
    """The specs of one area's file. A command that makes a few findings parses their files, not all 27:
    parsing every file costs 25-45 ms of CPU, a sixth of ``explain``'s start-up (``bench/startup.py``)."""
    entry = resources.files("smtpdoctor.knowledge").joinpath("findings").joinpath(f"{area}.toml")
    out: dict[str, FindingSpec] = {}
    for fid, raw in tomllib.loads(entry.read_text(encoding="utf-8")).items():
        remedy = raw.get("remedy", ())
        out[fid] = FindingSpec(
            id=fid,
            category=Category(raw["category"]),
            severity=Severity(raw["severity"]),
            step=Step(raw["step"]),
            title=raw["title"],
            detail=raw.get("detail", ""),
            remedy=tuple([remedy] if isinstance(remedy, str) else remedy),
            area=area,
            untested=bool(raw.get("untested", False)),
        )
    return out


def spec(finding_id: str) -> FindingSpec:
    """A finding's spec: from the file its id names (``auth.…`` in ``auth.toml``), else from them all."""
    area = finding_id.partition(".")[0].replace("-", "_")
    if area in _areas():
        found = _area_specs(area).get(finding_id)
        if found is not None:
            return found
    try:
        return catalogue()[finding_id]
    except KeyError:
        raise UnknownFinding(finding_id) from None


def area_of(finding_id: str) -> str:
    """The area a finding belongs to, from its catalogue entry (the file that defines it)."""
    try:
        return spec(finding_id).area
    except UnknownFinding:
        return finding_id.partition(".")[0]


def make(
    finding_id: str,
    *,
    severity: Severity | None = None,
    detail: str | None = None,
    evidence: Mapping[str, Any] | None = None,
    remedy: tuple[str, ...] | list[str] | None = None,
    extra_remedy: tuple[str, ...] | list[str] = (),
    **params: Any,
) -> Finding:
    """Build the finding ``finding_id`` from its catalogue entry, filling templates from ``params``.

    ``evidence`` is recorded as given; ``params`` also become evidence unless ``evidence`` is passed.
    ``remedy`` replaces the catalogue's steps (provider-specific fixes); ``extra_remedy`` is appended.
    """
    s = spec(finding_id)
    # A remedy line that fills to nothing does not apply to this case (e.g. port-25 advice for port 587).
    steps = tuple(remedy) if remedy is not None else tuple(
        line for line in (_fill(r, params) for r in s.remedy) if line.strip())
    return Finding(
        id=s.id,
        category=s.category,
        severity=severity or s.severity,
        step=s.step,
        title=_fill(s.title, params),
        detail=_fill(detail if detail is not None else s.detail, params),
        remedy=steps + tuple(extra_remedy),
        evidence=dict(evidence if evidence is not None else params),
        untested=s.untested,
    )


def catalogue_markdown() -> str:
    """docs/findings.md: every finding, by area, generated from the catalogue (``python -m smtpdoctor.core.catalogue``)."""
    by_area: dict[str, list[FindingSpec]] = {}
    for s in catalogue().values():
        by_area.setdefault(s.area, []).append(s)
    out = ["# Catalogue of findings", "",
           "Generated from `src/smtpdoctor/knowledge/findings/*.toml` by `python -m smtpdoctor.core.catalogue`;",
           "do not edit by hand. `{name}` marks a value filled in from what was observed.",
           "\"(could not test)\" marks a finding that says a step could not run: it never makes the step pass",
           "or fail, and when nothing else is wrong the verdict is inconclusive (exit status 3).", ""]
    for area in sorted(by_area):
        out += [f"## {area}", "", "| id | category | severity | step | title |", "|---|---|---|---|---|"]
        for s in sorted(by_area[area], key=lambda x: x.id):
            title = s.title.replace("|", "\\|")
            severity = s.severity.value + (" (could not test)" if s.untested else "")
            out.append(f"| `{s.id}` | {s.category.value} | {severity} | {s.step.value} | {title} |")
        out.append("")
        for s in sorted(by_area[area], key=lambda x: x.id):
            if s.remedy:
                out.append(f"- **`{s.id}`** — what to do: " + " / ".join(r.replace("\n", " ") for r in s.remedy))
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(catalogue_markdown())
