"""Check a domain: the sending domain's DNS audit (``smtpdoctor domain``), run in the background like a
diagnosis, with the same JSON as ``smtpdoctor domain --format json``."""

from __future__ import annotations


from starlette.requests import Request
from starlette.responses import RedirectResponse

from ..core import names as validate
from ..report.formats import json_line
from .forms import field_text
from .forms_io import read_new_form
from .pages import render_page
from .runs import Busy, Run

__all__ = ["domain_form", "domain_post", "render_domain", "domain_context", "DNS_TIMEOUT"]

DNS_TIMEOUT = 3.0  # seconds per DNS query attempt, as the CLI's default
_FIELDS = ("domain", "ip", "dkim_selectors")


def _page(request: Request, values=None, errors=None, status_code=200, message=None):
    return render_page(request, "domain.html", status_code=status_code, title="Check a domain", nav="domain",
                       values=values or {k: "" for k in _FIELDS}, errors=errors or {}, message=message)


async def domain_form(request: Request):
    return _page(request)


def _parse(form) -> tuple[dict[str, str], dict[str, str], dict]:
    from ..core.names import BadDomain, normalise_domain

    values, errors = {}, {}
    for name in _FIELDS:
        values[name], err = field_text(form, name)
        if err:
            errors[name] = err
    args: dict = {}
    if "domain" not in errors:
        if not values["domain"]:
            errors["domain"] = "enter the domain you send from, e.g. example.com"
        else:
            try:
                normalise_domain(values["domain"])
                args["domain"] = values["domain"]
            except BadDomain as exc:
                errors["domain"] = str(exc)
    if values["ip"] and "ip" not in errors:
        try:
            args["ip"] = validate.ip_address(values["ip"])
        except ValueError as exc:
            errors["ip"] = str(exc)
    selectors = tuple(values["dkim_selectors"].replace(",", " ").split())
    if len(selectors) > 10 or any(len(s) > 63 or any(c in s for c in "/@;") for s in selectors):
        errors["dkim_selectors"] = "up to 10 selector names, separated by spaces"
    args["selectors"] = list(selectors)
    return values, errors, args


async def domain_post(request: Request):
    form, nonce, again = await read_new_form(request)
    if again is not None:  # the same form sent twice: show the run it already started
        return again
    runs = request.app.state.runs
    values, errors, args = _parse(form)
    if errors:
        return _page(request, values, errors, 400, "Some fields need a look (see below).")
    config = request.app.state.config

    async def work(run: Run):
        import ssl

        from ..net.dns import Resolver
        from ..flows.domain import audit_domain

        resolver = Resolver(list(config.resolvers) or None, timeout=DNS_TIMEOUT, lifetime=DNS_TIMEOUT * 2)
        context = ssl.create_default_context(cafile=config.ca_file) if config.ca_file else None
        return await audit_domain(resolver, args["domain"], ip=args.get("ip"), dkim_selectors=args["selectors"],
                                  ssl_context=context, https_timeout=max(DNS_TIMEOUT * 3, 5))

    try:
        run = runs.start(kind="domain", title=values["domain"], nonce=nonce, work=work,
                         owner=request.scope.get("smtpdoctor_csrf_cookie"))
    except Busy:
        return _page(request, values, {}, 503, f"{runs.max_active} checks are already running. Wait for one to "
                                               "finish, then send the form again.")
    return RedirectResponse(f"/runs/{run.id}", status_code=303)


def render_domain(audit, fmt: str) -> str:
    if fmt == "json":
        return json_line(audit.to_json()) + "\n"
    if fmt == "text":
        from ..report.domain import render_text

        return render_text(audit)
    raise ValueError(fmt)


def domain_context(audit) -> dict:
    from ..flows.domain import AREA_ORDER

    order = {a: i for i, a in enumerate(AREA_ORDER)}
    findings = sorted(audit.findings, key=lambda f: order.get(f.id.split(".")[0], 99))
    problems = [f for f in findings if str(f.severity) in ("error", "warning")]
    problems.sort(key=lambda f: 0 if str(f.severity) == "error" else 1)
    passed = [f for f in findings if str(f.severity) not in ("error", "warning")]
    return {"audit": audit, "problems": problems, "passed": passed, "formats": (("json", "JSON"), ("txt", "text"))}
