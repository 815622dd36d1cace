"""The Diagnose page: the form, the run page with live steps (server-sent events), the report downloads."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from ..core.model import STEP_ORDER
from .forms import FormResult, parse_diagnose, preset_choices
from .forms_io import read_new_form
from .pages import error_page, render_page
from .runs import Busy, Run

__all__ = ["diagnose_form", "diagnose_start", "run_page", "run_events", "run_download", "REPORT_FORMATS"]

REPORT_FORMATS = {  # url suffix -> (renderer format, media type, file extension)
    "json": ("json", "application/json", "json"),
    "md": ("markdown", "text/markdown; charset=utf-8", "md"),
    "html": ("html", "text/html; charset=utf-8", "html"),
    "txt": ("text", "text/plain; charset=utf-8", "txt"),
}
_EMPTY = {name: "" for name in ("preset", "host", "port", "security", "user", "mail_from", "rcpt_to", "domain",
                                "ip", "helo", "dkim_selectors", "timeout")}


def _form_page(request: Request, form: FormResult | None = None, *, status_code: int = 200,
               message: str | None = None):
    lab = request.app.state.lab
    return render_page(request, "diagnose.html", status_code=status_code, title="Diagnose", nav="diagnose",
                       values=form.values if form else dict(_EMPTY), errors=form.errors if form else {},
                       presets=preset_choices(), message=message, lab_choices=lab.choices() if lab else [])


async def diagnose_form(request: Request):
    return _form_page(request)


async def diagnose_start(request: Request):
    form, nonce, again = await read_new_form(request)
    if again is not None:  # the same form sent twice: show the run it already started
        return again
    runs = request.app.state.runs
    lab = request.app.state.lab
    lab_name = form.get("lab") if lab is not None else None
    if lab_name:
        return _start_lab(request, lab, lab_name, nonce)
    parsed = parse_diagnose(form, request.app.state.config)
    del form  # the password field goes with it
    if parsed.settings is None:
        return _form_page(request, parsed, status_code=400,
                          message="Some fields need a look before the check can start (see below)."
                          + (" The password is never sent back to the page: type it again." if parsed.password_given
                             else ""))
    settings = parsed.settings
    parsed.settings = None
    title = f"{settings.host}:{settings.effective_port}"

    async def work(run: Run):
        from ..flows.diagnose import run_diagnosis
        from ..report.progress import WaitStatus

        run.wait = WaitStatus(settings.timeout)
        return await run_diagnosis(settings, on_line=run.on_line, on_step=run.on_step)

    try:
        run = runs.start(kind="diagnose", title=title, nonce=nonce, work=work,
                         owner=request.scope.get("smtpdoctor_csrf_cookie"))
    except Busy:
        return _form_page(request, parsed, status_code=503,
                          message=f"{runs.max_active} checks are already running. Wait for one to finish, then "
                                  "send the form again (enter the password again too).")
    return RedirectResponse(f"/runs/{run.id}", status_code=303)


def _start_lab(request: Request, lab, name, nonce: str):
    runs = request.app.state.runs
    if not isinstance(name, str) or name not in lab.scenarios:
        return _form_page(request, FormResult(values=dict(_EMPTY), errors={"lab": "pick one of the listed scenarios"}),
                          status_code=400, message="Some fields need a look before the check can start (see below).")

    async def work(run: Run):
        from ..flows.diagnose import run_diagnosis

        settings = await lab.settings(name)
        return await run_diagnosis(settings, on_line=run.on_line, on_step=run.on_step)

    try:
        run = runs.start(kind="diagnose", title=f"lab: {name}", nonce=nonce, work=work,
                         owner=request.scope.get("smtpdoctor_csrf_cookie"))
    except Busy:
        return _form_page(request, status_code=503,
                          message=f"{runs.max_active} checks are already running. Wait for one to finish.")
    run.lab = name
    return RedirectResponse(f"/runs/{run.id}", status_code=303)


def _run_or_404(request: Request) -> Run | Response:
    run = request.app.state.runs.get(request.path_params["run_id"])
    if run is None:
        return error_page(request, 404, "No such check",
                          "This check is not (or no longer) kept by the server: results are held in memory "
                          "only, and the oldest are dropped. Run it again.")
    return run


async def run_page(request: Request):
    run = _run_or_404(request)
    if isinstance(run, Response):
        return run
    template = {"diagnose": "run.html", "domain": "domain_result.html", "blacklist": "blacklist_result.html"}[run.kind]
    context = {"run": run, "steps": [str(s) for s in STEP_ORDER], "title": run.title}
    if run.kind == "diagnose" and run.result is not None:
        context.update(_diagnose_context(run.result))
        lab = request.app.state.lab
        if lab is not None and run.lab:
            context["lab_expected"] = lab.expected(run.lab)
    elif run.result is not None:
        context.update(request.app.state.result_context[run.kind](run.result))
    return render_page(request, template, nav=run.kind, **context)


def _diagnose_context(report) -> dict:
    from ..core.providers import match

    verdict_finding = report.finding(report.verdict.finding) if report.verdict.finding else None
    others = [f for f in report.findings if f is not verdict_finding and str(f.severity) in ("error", "warning")]
    passed = [f for f in report.findings if f is not verdict_finding and str(f.severity) in ("ok", "info")]
    return {"report": report, "verdict_finding": verdict_finding, "other_findings": others,
            "passed_findings": passed, "preset": match(report.target.host),
            "step_status": {str(s.name): str(s.status) for s in report.steps}}


async def run_events(request: Request):
    run = _run_or_404(request)
    if isinstance(run, Response):
        return run

    async def stream():
        sent = 0
        yield "retry: 2000\n\n"
        said = ""
        quiet_for = 0.0
        for _ in range(100_000):  # bounded: a run ends, or the client goes away
            while sent < len(run.events):
                event = run.events[sent]
                sent += 1
                yield f"event: {event['type']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
            if run.finished and sent >= len(run.events):
                return
            # what the run waits for ("waiting for 587: no answer yet, 7 s left"), each second it changes
            wait = run.wait.text() if run.wait is not None else ""
            if wait != said:
                said = wait
                yield f"event: wait\ndata: {json.dumps({'text': wait}, ensure_ascii=False)}\n\n"
            step = 1.0 if run.wait is not None else 15.0
            await run.wait_change(step)
            quiet_for = 0.0 if run.events[sent:] else quiet_for + step
            if quiet_for >= 15.0 and not run.finished:
                quiet_for = 0.0
                yield ": keep-alive\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"cache-control": "no-store", "x-accel-buffering": "no"})


async def run_download(request: Request):
    run = _run_or_404(request)
    if isinstance(run, Response):
        return run
    fmt = request.path_params["fmt"]
    if fmt not in REPORT_FORMATS:
        return error_page(request, 404, "No such format", "Reports come as HTML, Markdown, JSON or text.")
    if not run.finished or run.result is None:
        return error_page(request, 409, "Not finished yet",
                          "This check has not finished, so there is no report yet.", back=f"/runs/{run.id}")
    renderer, media, ext = REPORT_FORMATS[fmt]
    try:
        body = request.app.state.renderers[run.kind](run.result, renderer)
    except ValueError:
        return error_page(request, 404, "No such format", "This result is not available in that format.",
                          back=f"/runs/{run.id}")
    name = f"smtpdoctor-{run.kind}-{_slug(run.title)}.{ext}"
    disposition = "inline" if request.query_params.get("view") == "1" and fmt in ("json", "txt") else "attachment"
    return Response(body, media_type=media, headers={"content-disposition": f'{disposition}; filename="{name}"'})


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-." else "-" for c in text)[:80] or "report"
