"""Explain an error: paste a reply or a bounce, or attach a bounce file; the same code path as
``smtpdoctor explain --format json -`` (the input sniffed as a message, an mbox or reply text)."""

from __future__ import annotations

import io
from dataclasses import replace

from starlette.datastructures import UploadFile
from starlette.requests import Request

from ..report.formats import json_line
from .forms import field_text
from .forms_io import read_form
from .pages import render_page

__all__ = ["explain_form", "explain_post", "explain_inputs_of", "MAX_PASTE"]

MAX_PASTE = 512 * 1024  # characters of pasted text
MAX_ITEMS = 20  # messages of one mbox shown on the page

_KIND_WORDS = {"reply": "SMTP reply", "bounce": "Bounce message", "feedback": "Complaint (feedback report)",
               "autoreply": "Automatic reply", "not-bounce": "Not a bounce", "unparsed": "Could not be read"}


def explain_inputs_of(text: str, upload: tuple[str, bytes] | None, tally=None):
    """The :class:`~smtpdoctor.core.explanation.Explained` results of the pasted text and the file, in that order
    (the first ``MAX_ITEMS`` of them). With a ``tally`` (the CLI's :class:`~smtpdoctor.report.explain_summary.Tally`)
    every input is explained and counted, so a whole mbox gets the same summary as ``smtpdoctor explain``."""
    from ..flows.explain import explain_item, iter_items

    out = []
    inputs = ([("text", text.encode("utf-8"))] if text else []) + ([upload] if upload else [])
    for source, data in inputs:
        for item in iter_items(["-"], io.BytesIO(data)):
            if len(out) >= MAX_ITEMS and tally is None:
                break
            name = source + item.source[1:]  # "-#2" -> "bounces.mbox#2"
            explained = explain_item(replace(item, source=name))
            if tally is not None:
                tally.add(explained)
            if len(out) < MAX_ITEMS:
                out.append(explained)
    return out


def _page(request: Request, *, values=None, errors=None, results=None, status_code=200, message=None, tally=None):
    json_lines = "\n".join(json_line(e.to_json())
                           for e in results or ())
    return render_page(request, "explain.html", status_code=status_code, title="Explain an error", nav="explain",
                       values=values or {"text": ""}, errors=errors or {}, results=results, message=message,
                       kind_words=_KIND_WORDS, json_lines=json_lines, tally=tally, max_items=MAX_ITEMS)


async def explain_form(request: Request):
    return _page(request)


async def explain_post(request: Request):
    form, _nonce = await read_form(request, max_files=1)
    errors: dict[str, str] = {}
    text, err = field_text(form, "text", limit=MAX_PASTE)
    if err:
        errors["text"] = err if "file" in err else (f"{err}: paste only the server's reply or the bounce, "
                                                     "or attach the bounce as a file")
    upload = None
    file = form.get("file")
    if isinstance(file, UploadFile) and file.filename:
        data = await file.read(request.app.state.config.max_body + 1)
        await file.close()
        if not data:
            errors["file"] = f"{file.filename} is empty"
        else:
            upload = (_safe_name(file.filename), data)
    elif file is not None and not isinstance(file, UploadFile) and file != "":
        errors["file"] = "send the bounce as a file"
    if not errors and not text and upload is None:
        errors["text"] = "paste an error message or a bounce here, or choose a bounce file below"
    if errors:
        return _page(request, values={"text": text}, errors=errors, status_code=400,
                     message="Nothing was explained yet (see below).")
    from ..report.explain_summary import Tally

    tally = Tally()
    results = explain_inputs_of(text, upload, tally)
    return _page(request, values={"text": text}, results=results, tally=tally if tally.inputs > 1 else None)


def _safe_name(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(c for c in base if c.isprintable())[:100] or "file"
