"""A Markdown ticket for the ESP: settings tested (secrets redacted), verdict, evidence, findings, the
port sweep, the transcript, timestamps and the tool version."""

from __future__ import annotations

import json

from ..core.model import Report
from .ticket import ticket_view

__all__ = ["render_markdown"]

_MARK = {"pass": "✅ pass", "fail": "❌ fail", "warn": "⚠️ warn", "skipped": "— skipped",
         "untested": "❔ could not test"}


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    v = ticket_view(report)
    out = [f"# {v.title}", "", f"Generated {v.generated} by smtpdoctor {v.version}.", ""]
    if v.confidence == "inconclusive":
        head = f"**Inconclusive: {v.verdict_category} could not be tested** (confidence: inconclusive)"
    elif v.verdict_category == "ok":
        head = f"**Nothing wrong found** (confidence: {v.confidence})"
    else:
        head = f"**Cause: {v.verdict_category}** (confidence: {v.confidence})"
    out += ["## Verdict", "", head, "", v.verdict_summary, ""]
    if v.detail:
        out += [v.detail, ""]
    if v.remedy:
        out += [f"### What to do (step {v.remedy_step})", ""] + [f"{i}. {r}" for i, r in enumerate(v.remedy, 1)] + [""]
    if v.evidence:
        out += ["### Evidence", "", "```json", json.dumps(v.evidence, indent=2, ensure_ascii=False, default=str),
                "```", ""]
    out += ["## Settings tested", "", "| setting | value |", "|---|---|"]
    out += [f"| {_cell(k)} | {_cell(val)} |" for k, val in v.settings] + [""]
    out += ["## The troubleshooting walk", "", "| step | status | findings |", "|---|---|---|"]
    out += [f"| {name} | {_MARK.get(status, status)} | {_cell(ids)} |" for name, status, ids in v.steps] + [""]
    out += ["## Findings", "", "| severity | id | finding |", "|---|---|---|"]
    out += [f"| {sev} | `{fid}` | {_cell(title)} |" for sev, fid, title, _ in v.findings] + [""]
    for title, rows in v.sections:
        out += [f"## {title}", "", "| severity | id | finding |", "|---|---|---|"]
        out += [f"| {sev} | `{fid}` | {_cell(t)} |" for sev, fid, t in rows] + [""]
    if v.ports:
        out += ["## Ports", "", "| address | port | outcome | mode | greeting | TLS |", "|---|---|---|---|---|---|"]
        for p in v.ports:
            tls = p.get("tls") or {}
            tls_text = f"{tls.get('version')} {'verified' if tls.get('verified') else (tls.get('problem') or '')}" if tls else ""
            out.append(f"| {_cell(p.get('address'))} | {p.get('port')} | {_cell(p.get('outcome'))} | "
                       f"{_cell(p.get('mode') or '')} | {_cell(p.get('greeting') or p.get('error') or '')} | {_cell(tls_text)} |")
        out.append("")
    if v.transcript:
        out += ["## Transcript (secrets redacted)", "", "```"] + v.transcript + ["```", ""]
    if v.timings:
        out += ["## Timings", ""] + [f"- {k}: {val:.3f}" for k, val in v.timings.items()] + [""]
    return "\n".join(out)
