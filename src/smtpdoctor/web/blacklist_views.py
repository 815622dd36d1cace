"""Am I blacklisted?: an IP address or a domain against the DNS block lists, through the same engine and
health guards as ``smtpdoctor blacklist`` (the page's JSON is that command's ``--format json`` line)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse

from ..report.formats import json_line
from .forms import field_text
from .forms_io import read_new_form
from .pages import render_page
from .runs import Busy, Run

__all__ = ["blacklist_form", "blacklist_post", "render_blacklist", "blacklist_context", "BlacklistResult"]

CONCURRENCY = 64
RATE = 500.0


@dataclass(frozen=True, slots=True)
class BlacklistResult:
    lines: tuple[dict, ...]  # the JSON objects of ``smtpdoctor blacklist --format json``, one per input


def _page(request: Request, values=None, errors=None, status_code=200, message=None):
    return render_page(request, "blacklist.html", status_code=status_code, title="Am I blacklisted?",
                       nav="blacklist", values=values or {"target": ""}, errors=errors or {}, message=message)


async def blacklist_form(request: Request):
    return _page(request)


async def blacklist_post(request: Request):
    from ..core.dnsbl_targets import BadInput, parse_target

    form, nonce, again = await read_new_form(request)
    if again is not None:  # the same form sent twice: show the run it already started
        return again
    runs = request.app.state.runs
    value, err = field_text(form, "target")
    values = {"target": value}
    if err:
        return _page(request, values, {"target": err}, 400)
    if not value:
        return _page(request, values, {"target": "enter the IP address your mail leaves from, or your domain"}, 400)
    try:
        targets = parse_target(value)
    except BadInput as exc:
        return _page(request, values, {"target": str(exc)}, 400)
    if len(targets) != 1:
        return _page(request, values, {"target": "one IP address or one domain, not a range"}, 400)
    config = request.app.state.config

    async def work(run: Run) -> BlacklistResult:
        return await check(targets, config)

    try:
        run = runs.start(kind="blacklist", title=value, nonce=nonce, work=work,
                         owner=request.scope.get("smtpdoctor_csrf_cookie"))
    except Busy:
        return _page(request, values, {}, 503, f"{runs.max_active} checks are already running. Wait for one to "
                                               "finish, then send the form again.")
    return RedirectResponse(f"/runs/{run.id}", status_code=303)


async def check(targets, config) -> BlacklistResult:
    from ..core.dnsbl_zones import select_zones
    from ..flows.blacklist import open_lookup, stream_blacklist
    from ..report.blacklist import write_results
    from ..report.formats import OutputFormat

    zones, dead = select_zones(config.dnsbl_zones)
    per_query = max(z.timeout for z in zones)
    out = io.StringIO()
    async with open_lookup(config.resolvers, per_query, concurrency=CONCURRENCY, rate=RATE) as lookup:
        lines = stream_blacklist(lookup, targets, zones, dead, concurrency=CONCURRENCY, rate=RATE)
        await write_results(lines, len(targets), OutputFormat.json, out, io.StringIO())
    lines = tuple(json.loads(line) for line in out.getvalue().splitlines() if line.strip())
    return BlacklistResult(lines=lines)


def render_blacklist(result: BlacklistResult, fmt: str) -> str:
    if fmt == "json":
        return "".join(json_line(line) + "\n" for line in result.lines)
    raise ValueError(fmt)


def blacklist_context(result: BlacklistResult) -> dict:
    entries = []
    for line in result.lines:
        listed = [r for r in line.get("results", []) if r.get("status") == "listed"]
        problems = [f for f in line.get("findings", []) if f.get("severity") in ("error", "warning")]
        problems.sort(key=lambda f: 0 if f.get("severity") == "error" else 1)
        entries.append({"line": line, "listed": listed, "problems": problems})
    return {"entries": entries, "formats": (("json", "JSON"),)}
