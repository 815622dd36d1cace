"""Text for people: the verdict and the fix first, then the guide's steps with marks, then details."""

from __future__ import annotations

import io

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from ..core.model import Category, Report, Severity, StepStatus

__all__ = ["render_text", "STEP_TITLES"]

from .ticket import STEP_TITLES, step_title
_MARK = {StepStatus.PASS: "[green]✔ pass[/]", StepStatus.FAIL: "[bold red]✘ fail[/]",
         StepStatus.WARN: "[yellow]! warn[/]", StepStatus.SKIPPED: "[dim]– skipped[/]",
         StepStatus.UNTESTED: "[bold yellow]? could not test[/]"}
_SEV = {Severity.ERROR: "[bold red]error[/]", Severity.WARNING: "[yellow]warning[/]",
        Severity.INFO: "[cyan]info[/]", Severity.OK: "[green]ok[/]"}
_GLYPH = {"send": " ->", "recv": "<- ", "info": "===", "error": "**>"}
_GLYPH_TLS = {"send": " ~>", "recv": "<~ ", "info": "===", "error": "**>"}


def _not_tested(report: Report) -> list[str]:
    """The steps that were skipped or could not run (a headline never says "No problem found" then)."""
    out = [STEP_TITLES.get(str(s.name), str(s.name)).split(". ", 1)[-1].lower() for s in report.steps
           if s.status in (StepStatus.SKIPPED, StepStatus.UNTESTED)]
    if report.extra.get("interrupted") and not out:
        out.append("the rest of the run (interrupted)")
    return out


def render_text(report: Report, *, verbose: bool = False, width: int | None = None) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width or 100, force_terminal=False, color_system=None, soft_wrap=False)
    _render(console, report, verbose)
    return buf.getvalue()


def _render(console: Console, report: Report, verbose: bool) -> None:
    v = report.verdict
    t = report.target
    target = f"{t.host}:{t.port} ({t.security})" if t.host else (t.domain or t.ip or "")
    root = report.finding(v.finding) if v.finding else None
    missing = _not_tested(report)
    if v.category is Category.OK and not v.inconclusive and not missing:
        body = f"[bold green]No problem found.[/] {escape(v.summary)}"
        style = "green"
    elif v.category is Category.OK and not v.inconclusive:
        body = (f"[bold]Nothing wrong found in what was tested; not tested: {escape(', '.join(missing))}.[/] "
                f"{escape(v.summary)}")
        style = "yellow"
    else:
        lead = ("[bold]Inconclusive:[/] a step that decides the answer could not be tested"
                if v.inconclusive else f"[bold]Cause: {v.category.value}[/]  (confidence: {v.confidence})")
        body = f"{lead}\n{escape(v.summary)}"
        if root and root.detail:
            body += f"\n\n{escape(root.detail)}"
        if root and root.remedy:
            body += f"\n\n[bold]What to do (step {escape(step_title(root.step))}):[/]\n" + "\n".join(f"  {i}. {escape(r)}" for i, r in enumerate(root.remedy, 1))
        style = "yellow" if v.inconclusive else "red"
    console.print(Panel(body, title=f"smtpdoctor — {escape(target)}", border_style=style, expand=True))

    steps = Table(title="The troubleshooting walk", show_header=False, box=None, pad_edge=False)
    steps.add_column("step")
    steps.add_column("status")
    steps.add_column("findings")
    for s in report.steps:
        steps.add_row(STEP_TITLES.get(str(s.name), str(s.name)), _MARK[s.status], escape(", ".join(s.findings)))
    console.print(steps)

    others = [f for f in report.findings if f.id != v.finding and (verbose or f.severity is not Severity.OK)]
    if others:
        console.print("\n[bold]Other findings[/]")
        for f in others:
            console.print(f"  {_SEV[f.severity]}  {escape(f.title)}  [dim]({f.id}; step {step_title(f.step)})[/]")
            if verbose or f.severity in (Severity.ERROR, Severity.WARNING):
                for r in f.remedy[:3]:
                    console.print(f"      → {escape(r)}")
    if verbose and report.transcript:
        console.print("\n[bold]Transcript[/] (secrets redacted)")
        for line in report.transcript:
            glyph = (_GLYPH_TLS if line.tls else _GLYPH).get(line.dir, "   ")
            console.print(f"  [dim]{line.t:7.3f} :{line.port}[/] {escape(glyph)} {escape(line.text)}")
    total = report.timings.get("total_s")
    if total is not None:
        console.print(f"\n[dim]smtpdoctor {report.version} — {total:.2f} s. Use --verbose for the transcript, "
                      f"--format json|markdown|html for a report.[/]")
