"""Text for people: the verdict and the fix first, then the guide's steps with marks, then details."""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..core.model import Category, Report, Severity, StepStatus
from .formats import transcript_glyph

__all__ = ["render_text", "STEP_TITLES"]

from .ticket import STEP_TITLES, step_title
_MARK = {StepStatus.PASS: "[green]✔ pass[/]", StepStatus.FAIL: "[bold red]✘ fail[/]",
         StepStatus.WARN: "[yellow]! warn[/]", StepStatus.SKIPPED: "[dim]– skipped[/]",
         StepStatus.UNTESTED: "[bold yellow]? could not test[/]"}
_SEV = {Severity.ERROR: "[bold red]error[/]", Severity.WARNING: "[yellow]warning[/]",
        Severity.INFO: "[cyan]info[/]", Severity.OK: "[green]ok[/]"}


def _not_tested(report: Report) -> list[str]:
    """The steps that were skipped or could not run (a headline never says "No problem found" then)."""
    out = [STEP_TITLES.get(str(s.name), str(s.name)).split(". ", 1)[-1].lower() for s in report.steps
           if s.status in (StepStatus.SKIPPED, StepStatus.UNTESTED)]
    if report.interrupted and not out:
        out.append("the rest of the run (interrupted)")
    return out


def render_text(report: Report, *, verbose: bool = False, width: int | None = None, color: bool = False) -> str:
    """The report as text ``width`` columns wide (default 80, what a pipe gets); ``color`` adds ANSI colour."""
    buf = io.StringIO()
    console = Console(file=buf, width=width or 80, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, soft_wrap=False, highlight=False,
                      legacy_windows=False, emoji=False)  # ":name:" in a server's reply stays as sent
    _render(console, report, verbose)
    return buf.getvalue()


def _hanging(rows: list[tuple[str, str]], indent: int = 0) -> Table:
    """Rows of (marker, text) where the text wraps under itself, not under the marker: a long reply, host or
    URL stays readable (a word longer than the line is folded, not cut)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for mark, text in rows:
        grid.add_row(" " * indent + mark, text)
    return grid


def _headline(report: Report) -> tuple[str, str, str]:
    """(target, the headline's markup, the box's colour)."""
    v = report.verdict
    t = report.target
    target = f"{t.host}:{t.port} ({t.security})" if t.host else (t.domain or t.ip or "")
    missing = _not_tested(report)
    if v.category is Category.OK and not v.inconclusive and not missing:
        return target, f"[bold green]No problem found.[/] {escape(v.summary)}", "green"
    if v.category is Category.OK and not v.inconclusive:
        return target, (f"[bold]Nothing wrong found in what was tested; not tested: {escape(', '.join(missing))}.[/] "
                        f"{escape(v.summary)}"), "yellow"
    lead = ("[bold]Inconclusive:[/] a step that decides the answer could not be tested"
            if v.inconclusive else f"[bold]Cause: {v.category.value}[/]  (confidence: {v.confidence})")
    return target, f"{lead}\n{escape(v.summary)}", "yellow" if v.inconclusive else "red"


def _render(console: Console, report: Report, verbose: bool) -> None:
    v = report.verdict
    target, head, style = _headline(report)
    root = report.finding(v.finding) if v.finding else None
    parts: list = []
    title = f"smtpdoctor — {escape(target)}"
    if len(title) > console.width - 8:  # a long host name goes in the box, where it wraps
        parts.append(_hanging([("Target:", escape(target))]))
        title = "smtpdoctor"
    parts.append(head)
    if v.category is not Category.OK or v.inconclusive:
        if root and root.detail:
            parts += ["", escape(root.detail)]
        if root and root.remedy:
            parts += ["", f"[bold]What to do (step {escape(step_title(root.step))}):[/]",
                      _hanging([(f"{i}.", escape(r)) for i, r in enumerate(root.remedy, 1)], 1)]
    console.print(Panel(Group(*parts), title=Text.from_markup(title, emoji=False), border_style=style, expand=True))

    steps = Table(title="The troubleshooting walk", show_header=False, box=None, pad_edge=False, title_justify="left")
    steps.add_column("step", no_wrap=True)
    steps.add_column("status", no_wrap=True)
    steps.add_column("findings", overflow="fold")
    for s in report.steps:
        lines = [escape(_title(report, fid)) for fid in s.findings]
        used = report.observations.addresses_of(str(s.name)) if report.observations else ()
        if used:
            lines.append("[dim]via " + escape(", ".join(a.shown() for a in used)) + "[/]")
        steps.add_row(STEP_TITLES.get(str(s.name), str(s.name)), _MARK[s.status], "\n".join(lines))
    console.print(steps)

    others = [f for f in report.findings if f.id != v.finding and (verbose or f.severity is not Severity.OK)]
    if others:
        console.print("\n[bold]Other findings[/]")
        for f in others:
            console.print(_hanging([(_SEV[f.severity], f"{escape(f.title)}  [dim]({f.id}; step {step_title(f.step)})[/]")], 1))
            if verbose or f.severity in (Severity.ERROR, Severity.WARNING):
                console.print(_hanging([("→", escape(r)) for r in f.remedy[:3]], 5))
    if verbose and report.transcript:
        console.print("\n[bold]Transcript[/] (secrets redacted)")
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True, style="dim")
        grid.add_column(no_wrap=True)
        grid.add_column(overflow="fold")
        for line in report.transcript:
            glyph = transcript_glyph(line.dir, line.tls)
            grid.add_row(f"  {line.t:7.3f} :{line.port}", escape(glyph), escape(line.text))
        console.print(grid)
    total = report.timings.get("total_s")
    if total is not None:
        console.print(f"\n[dim]smtpdoctor {report.version} — {total:.2f} s. Use --verbose for the transcript, "
                      f"--format json|markdown|html for a report.[/]")


def _title(report: Report, finding_id: str) -> str:
    """The walk names findings by their title, as a person reads them; the id stays in JSON and --verbose."""
    f = report.finding(finding_id)
    return f.title if f is not None and f.title else finding_id
