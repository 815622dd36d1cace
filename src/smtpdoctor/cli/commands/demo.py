"""``smtpdoctor demo``: the built-in lab, every fault diagnosed, offline."""

from __future__ import annotations

from typing import List

from ...report.formats import OutputFormat
from ..common import UsageError
from ..layer import App, Exit, Option


def register(app: App) -> None:
    app.command(help="Run the built-in lab: start broken servers and DNS faults on loopback, diagnose each, show the verdicts.")(demo)


def demo(
    scenario: List[str] = Option([], "--scenario", help="Run only this scenario (repeatable)."),
    list_: bool = Option(False, "--list", help="List the scenarios and exit."),
    concurrency: int = Option(8, "--concurrency", help="Scenarios diagnosed at once (1-32)."),
    fmt: OutputFormat = Option(OutputFormat.text, "--format", "-f", help="text | json (JSON Lines) | markdown | html"),
    verbose: bool = Option(False, "--verbose", "-v", help="Print each scenario's full report."),
) -> None:
    import asyncio
    import sys

    from ...lab.demo import run_demo, select

    if not 1 <= concurrency <= 32:
        raise UsageError("--concurrency must be between 1 and 32")
    try:
        chosen = select(scenario)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if list_:
        for s in chosen:
            print(f"{s.name:34} {s.expect_category.value:15} {s.description}")
        raise Exit(0)

    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True)
    done = 0

    def progress(result) -> None:
        nonlocal done
        done += 1
        if fmt.value == "text" and console.is_terminal:
            mark = "✔" if result.right else "✘"
            console.print(f"[dim]{done:3}/{len(chosen)}[/] {mark} {result.scenario.name}", highlight=False)

    results = asyncio.run(run_demo(chosen, concurrency=concurrency, on_result=progress))
    wrong = [r for r in results if not r.right]
    if fmt.value == "json":
        from ...report.formats import write_json_line

        for r in results:
            write_json_line(r.to_json())
        raise Exit(1 if wrong else 0)
    if fmt.value in ("markdown", "html"):
        from ...report import render_many

        reports = [r.report for r in results if r.report is not None]
        title = f"smtpdoctor demo: {len(results) - len(wrong)} of {len(results)} lab scenarios diagnosed right"
        sys.stdout.write(render_many(reports, fmt.value, title=title) if reports else "")
        raise Exit(1 if wrong else 0)

    out = Console(width=max(Console().width, 120))
    table = Table(title="smtpdoctor demo — the lab's broken servers and DNS faults, diagnosed")
    table.add_column("scenario")
    table.add_column("expected cause")
    table.add_column("verdict")
    table.add_column("time", justify="right")
    table.add_column("", justify="center")
    for r in results:
        verdict = r.verdict
        if r.error:
            verdict = f"{verdict} [red]({r.error})[/]" if verdict else f"[red]{r.error}[/]"
        table.add_row(r.scenario.name, f"{r.scenario.expect_category.value}: {r.scenario.expect_finding}", verdict,
                      f"{r.seconds:.1f} s", "[green]✔[/]" if r.right else "[bold red]✘[/]")
    out.print(table)
    if verbose:
        from ...report import render

        for r in results:
            if r.report is not None:
                out.rule(r.scenario.name)
                sys.stdout.write(render(r.report, "text"))
    causes = sorted({r.scenario.expect_category.value for r in results})
    out.print(f"{len(results) - len(wrong)} of {len(results)} scenarios diagnosed right, covering causes: "
              f"{', '.join(causes)}.")
    out.print("Practise by hand: [bold]smtpdoctor lab[/] keeps these servers up and prints the command to try on each.")
    raise Exit(1 if wrong else 0)
