"""Check a message's headers, Read DMARC reports: paste or attach, and the same flows as ``smtpdoctor
headers`` and ``smtpdoctor reports`` (their JSON is the command line's ``--format json``)."""

from __future__ import annotations

import json

from starlette.datastructures import UploadFile
from starlette.requests import Request

from .forms import field_text
from .forms_io import read_form
from .pages import render_page

__all__ = ["headers_form", "headers_post", "reports_form", "reports_post", "MAX_PASTE", "MAX_REPORT_FILES"]

MAX_PASTE = 512 * 1024
MAX_REPORT_FILES = 20
DNS_TIMEOUT = 3.0


def _resolver(request: Request):
    from ..net.dns import Resolver

    config = request.app.state.config
    return Resolver(list(config.resolvers) or None, timeout=DNS_TIMEOUT, lifetime=DNS_TIMEOUT * 2)


def _headers_page(request: Request, *, values=None, errors=None, report=None, status_code=200, message=None,
                  hide: tuple[str, ...] = ()):
    from ..flows.headers import redact_text
    from ..report.headers import auth_rows, hop_rows

    hops = [tuple(redact_text(str(c), hide) for c in row) for row in hop_rows(report)] if report else []
    json_text = redact_text(json.dumps(report.to_json(), ensure_ascii=False, indent=2), hide) if report else ""
    return render_page(request, "headers.html", status_code=status_code, title="Check a message's headers",
                       nav="headers", values=values or {"text": ""}, errors=errors or {}, report=report,
                       message=message, hops=hops, auth=auth_rows(report) if report else [], json_text=json_text)


async def headers_form(request: Request):
    return _headers_page(request)


async def _upload(request: Request, file) -> tuple[bytes | None, str | None]:
    if isinstance(file, UploadFile) and file.filename:
        data = await file.read(request.app.state.config.max_body + 1)
        await file.close()
        return (data, None) if data else (None, f"{file.filename} is empty")
    if file not in (None, "") and not isinstance(file, UploadFile):
        return None, "send the message as a file"
    return None, None


async def headers_post(request: Request):
    from ..flows.headers import BadMessage, check_message, recipient_addresses

    form, _nonce = await read_form(request, max_files=1)
    errors: dict[str, str] = {}
    text, err = field_text(form, "text", limit=MAX_PASTE)
    if err:
        errors["text"] = err
    data, err = await _upload(request, form.get("file"))
    if err:
        errors["file"] = err
    message = data if data is not None else text.encode("utf-8", "surrogateescape")
    if not errors and not message.strip():
        errors["text"] = "paste the message's headers here, or choose the .eml file below"
    report = None
    if not errors:
        try:
            report, obs = await check_message(message, _resolver(request), source="web")
        except BadMessage:
            errors["text"] = "this is not a message: paste it from the first header line (Received: or Delivered-To:)"
    if errors:
        return _headers_page(request, values={"text": text}, errors=errors, status_code=400,
                             message="Nothing was checked yet (see below).")
    hide = recipient_addresses(obs) if form.get("redact") == "on" else ()
    return _headers_page(request, values={"text": text}, report=report, hide=hide)


def _reports_page(request: Request, *, errors=None, report=None, skipped=(), status_code=200, message=None):
    from ..report.reports import source_rows, timeline_rows, timeline_svg

    return render_page(request, "reports.html", status_code=status_code, title="Read DMARC and TLS reports",
                       nav="reports", errors=errors or {}, report=report, message=message, skipped=list(skipped),
                       sources=source_rows(report) if report else [], days=timeline_rows(report) if report else [],
                       chart=timeline_svg(report) if report else "",
                       json_text=json.dumps(report.to_json(), ensure_ascii=False, indent=2) if report else "")


async def reports_form(request: Request):
    return _reports_page(request)


async def reports_post(request: Request):
    from ..flows.reports import build_report, lookup_ptrs, read_inputs

    form, _nonce = await read_form(request, max_files=MAX_REPORT_FILES)
    messages = []
    for file in form.getlist("files"):
        if isinstance(file, UploadFile) and file.filename:
            data = await file.read(request.app.state.config.max_body + 1)
            await file.close()
            messages.append((file.filename.replace("\\", "/").rsplit("/", 1)[-1][:100], data, None))
    if not messages:
        return _reports_page(request, errors={"files": "choose one or more report files (.xml, .gz, .zip, .json, .eml)"},
                             status_code=400, message="Nothing was read yet (see below).")
    result = read_inputs([], messages=messages)
    if not result.dmarc.reports and not result.tls.reports:
        return _reports_page(request, errors={"files": "none of these files holds a DMARC or TLS report"},
                             skipped=result.unreadable, status_code=400, message="Nothing could be read.")
    ptrs = await lookup_ptrs(_resolver(request), list(result.dmarc.sources)[:200])
    return _reports_page(request, report=build_report(result, ptrs), skipped=result.unreadable)
