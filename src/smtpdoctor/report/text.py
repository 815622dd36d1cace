"""Text for people: the verdict and the fix first, then the guide's steps with marks, then details.

What the report shows is decided here once, as a few blocks (:mod:`.text_blocks`: styled text, a box, grids
whose last column wraps). Two writers lay them out: rich on a terminal in colour (:mod:`.text_rich`), and
by hand everywhere else (:mod:`.text_plain`: a pipe, a file, ``--no-color``, ``NO_COLOR``), byte for byte
what rich writes without colour, so a diagnosis printed into a pipe or a file loads no rich (~24 ms of
imports, issue 16). The hand writer hands anything it does not lay out exactly as rich would (a character
that is not one cell wide, a column too narrow for its marks) back to rich.
"""

from __future__ import annotations

from ..core.model import Category, Report, Severity, StepStatus
from .formats import step_title, transcript_glyph
from .text_blocks import Box, Grid, Line

__all__ = ["render_text", "report_blocks"]

_MARK = {StepStatus.PASS: (("✔ pass", "green"),), StepStatus.FAIL: (("✘ fail", "bold red"),),
         StepStatus.WARN: (("! warn", "yellow"),), StepStatus.SKIPPED: (("– skipped", "dim"),),
         StepStatus.UNTESTED: (("? could not test", "bold yellow"),)}
_SEV = {Severity.ERROR: (("error", "bold red"),), Severity.WARNING: (("warning", "yellow"),),
        Severity.INFO: (("info", "cyan"),), Severity.OK: (("ok", "green"),)}


def _not_tested(report: Report) -> list[str]:
    """The steps that were skipped or could not run (a headline never says "No problem found" then)."""
    out = [step_title(s.name).split(". ", 1)[-1].lower() for s in report.steps
           if s.status in (StepStatus.SKIPPED, StepStatus.UNTESTED)]
    if report.interrupted and not out:
        out.append("the rest of the run (interrupted)")
    return out


def render_text(report: Report, *, verbose: bool = False, width: int | None = None, color: bool = False) -> str:
    """The report as text ``width`` columns wide (default 80, what a pipe gets); ``color`` adds ANSI colour."""
    width = width or 80
    blocks = report_blocks(report, verbose=verbose, width=width)
    if not color:
        from .text_plain import layout

        text = layout(blocks, width)
        if text is not None:
            return text
    from .text_rich import layout as rich_layout

    return rich_layout(blocks, width, color=color)


def _inert(blocks: list) -> list:
    """Every text of ``blocks`` with its control characters shown as escapes (a server's ESC or BEL is
    shown, never obeyed), before the layout, so each line is as wide as it is written."""
    from ..core.text import strip_control

    def spans(styled: tuple) -> tuple:
        return tuple((strip_control(text), style) for text, style in styled)

    out = []
    for block in blocks:
        if isinstance(block, Line):
            block = Line(spans(block.spans))
        elif isinstance(block, Grid):
            block = Grid([tuple(map(spans, row)) for row in block.rows], columns=block.columns, gap=block.gap,
                         title=block.title, first_style=block.first_style)
        else:
            block = Box(strip_control(block.title), block.border, _inert(block.parts))
        out.append(block)
    return out


def _hanging(rows: list[tuple], indent: int = 0) -> Grid:
    """Rows of (marker, text) where the text wraps under itself, not under the marker: a long reply, host or
    URL stays readable (a word longer than the line is folded, not cut). Each is styled text."""
    return Grid([(((" " * indent, ""), *mark), text) for mark, text in rows], columns=2)


def _headline(report: Report) -> tuple[str, tuple, str]:
    """(target, the headline as styled text, the box's colour)."""
    v = report.verdict
    t = report.target
    target = f"{t.host}:{t.port} ({t.security})" if t.host else (t.domain or t.ip or "")
    missing = _not_tested(report)
    if v.category is Category.OK and not v.inconclusive and not missing:
        return target, (("No problem found.", "bold green"), (f" {v.summary}", "")), "green"
    if v.category is Category.OK and not v.inconclusive:
        return target, ((f"Nothing wrong found in what was tested; not tested: {', '.join(missing)}.", "bold"),
                        (f" {v.summary}", "")), "yellow"
    lead = ((("Inconclusive:", "bold"), (" a step that decides the answer could not be tested", ""))
            if v.inconclusive else ((f"Cause: {v.category.value}", "bold"), (f"  (confidence: {v.confidence})", "")))
    return target, (*lead, (f"\n{v.summary}", "")), "yellow" if v.inconclusive else "red"


def report_blocks(report: Report, *, verbose: bool = False, width: int = 80) -> list:
    """What the text report shows, in order: the box with the verdict, the walk, the other findings, the
    transcript (verbose) and the last line; control characters shown as escapes."""
    return _inert(_blocks(report, verbose, width))


def _blocks(report: Report, verbose: bool, width: int) -> list:
    from ..core.text import strip_control

    v = report.verdict
    target, head, style = _headline(report)
    root = report.finding(v.finding) if v.finding else None
    parts: list = []
    title = f"smtpdoctor — {target}"
    if len(strip_control(title)) > width - 8:  # a long host name goes in the box, where it wraps
        parts.append(_hanging([((("Target:", ""),), ((target, ""),))]))
        title = "smtpdoctor"
    parts.append(Line(head))
    if v.category is not Category.OK or v.inconclusive:
        if root and root.detail:
            parts += [Line(()), Line(((root.detail, ""),))]
        if root and root.remedy:
            parts += [Line(()), Line(((f"What to do (step {step_title(root.step)}):", "bold"),)),
                      _hanging([(((f"{i}.", ""),), ((r, ""),)) for i, r in enumerate(root.remedy, 1)], 1)]
    blocks: list = [Box(title, style, parts), _walk(report)]
    others = [f for f in report.findings if f.id != v.finding and (verbose or f.severity is not Severity.OK)]
    if others:
        blocks.append(Line((("\n", ""), ("Other findings", "bold"))))
        for f in others:
            blocks.append(_hanging([(_SEV[f.severity], ((f"{f.title}  ", ""),
                                                        (f"({f.id}; step {step_title(f.step)})", "dim")))], 1))
            if verbose or f.severity in (Severity.ERROR, Severity.WARNING):
                blocks.append(_hanging([((("→", ""),), ((r, ""),)) for r in f.remedy[:3]], 5))
    if verbose and report.transcript:
        blocks.append(Line((("\n", ""), ("Transcript", "bold"), (" (secrets redacted)", ""))))
        rows = [(((f"  {line.t:7.3f} :{line.port}", ""),), ((transcript_glyph(line.dir, line.tls), ""),),
                 ((line.text, ""),)) for line in report.transcript]
        blocks.append(Grid(rows, columns=3, first_style="dim"))
    total = report.timings.get("total_s")
    if total is not None:
        blocks.append(Line((("\n", ""), (f"smtpdoctor {report.version} — {total:.2f} s. Use --verbose for the "
                                         "transcript, --format json|markdown|html for a report.", "dim"))))
    return blocks


def _walk(report: Report) -> Grid:
    """The guide's steps: title, mark, and the findings by title (with the server addresses used)."""
    rows = []
    for s in report.steps:
        lines = [(_title(report, fid), "") for fid in s.findings]
        used = report.observations.addresses_of(str(s.name)) if report.observations else ()
        if used:
            lines.append(("via " + ", ".join(a.shown() for a in used), "dim"))
        cell = tuple(span for i, line in enumerate(lines) for span in ((("\n", ""),) if i else ()) + (line,))
        rows.append((((step_title(s.name), ""),), _MARK[s.status], cell))
    return Grid(rows, columns=3, gap=2, title="The troubleshooting walk")


def _title(report: Report, finding_id: str) -> str:
    """The walk names findings by their title, as a person reads them; the id stays in JSON and --verbose."""
    f = report.finding(finding_id)
    return f.title if f is not None and f.title else finding_id
