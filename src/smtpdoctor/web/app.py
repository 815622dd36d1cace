"""The web application of ``smtpdoctor serve``: :func:`create_app` builds a Starlette app from a
:class:`~smtpdoctor.web.config.ServeConfig`."""

from __future__ import annotations

import contextlib
import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .config import ServeConfig
from .diagnose_views import diagnose_form, diagnose_start, run_download, run_events, run_page
from .guard import Guard
from .pages import error_page
from .runs import Runs
from .security import BodyTooLarge, Csrf, CsrfError

__all__ = ["create_app"]

log = logging.getLogger("smtpdoctor.web")


def _render_report(report, fmt: str) -> str:
    from ..report import render

    return render(report, fmt)


async def _too_large(request: Request, exc: Exception):
    return error_page(request, 413, "Too much to send",
                      f"What you sent is larger than {request.app.state.config.max_body // 1024} KB, the limit of "
                      "this page. Paste only the error reply or the bounce message, or attach a smaller file.")


async def _csrf(request: Request, exc: Exception):
    return error_page(request, 403, "Please send the form again",
                      f"The form could not be accepted: {exc}. This happens when the page was open for a long "
                      "time, the server was restarted, or another site tried to send it. Reload the page and "
                      "send it again.", back=request.url.path)


async def _http_error(request: Request, exc: Exception):
    assert isinstance(exc, HTTPException)
    titles = {404: ("Page not found", "There is no page at this address."),
              405: ("Not allowed", "This address does not take that kind of request.")}
    title, message = titles.get(exc.status_code, ("Request not accepted", "The request could not be handled."))
    if exc.status_code == 400 and exc.detail:
        message = f"The form could not be read: {exc.detail}"
    return error_page(request, exc.status_code, title, message)


async def _server_error(request: Request, exc: Exception):
    log.error("internal error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
    return error_page(request, 500, "Something went wrong",
                      "smtpdoctor hit an internal error on this page; the server keeps running. "
                      "Please try again, or report the steps that led here.")


def create_app(config: ServeConfig | None = None) -> Starlette:
    config = config or ServeConfig()
    csrf = Csrf()
    runs = Runs(max_active=config.max_active, keep=config.keep_results)

    lab = None
    if config.lab:
        from .lab_mode import LabMode

        lab = LabMode()

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if lab is not None:
            await lab.start()
        try:
            yield
        finally:
            await runs.aclose()
            if lab is not None:
                await lab.stop()

    from . import extra_pages

    routes = [
        Route("/", diagnose_form, methods=["GET"]),
        Route("/diagnose", diagnose_start, methods=["POST"]),
        Route("/runs/{run_id}", run_page, methods=["GET"]),
        Route("/runs/{run_id}/events", run_events, methods=["GET"]),
        Route("/runs/{run_id}/report.{fmt}", run_download, methods=["GET"]),
        *extra_pages.routes(),
        Mount("/static", StaticFiles(packages=[("smtpdoctor.web", "static")]), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Guard, config=config, csrf=csrf)],
        exception_handlers={BodyTooLarge: _too_large, CsrfError: _csrf, HTTPException: _http_error,
                            Exception: _server_error},
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.csrf = csrf
    app.state.runs = runs
    app.state.lab = lab
    app.state.renderers = {"diagnose": _render_report, **extra_pages.renderers()}
    app.state.result_context = extra_pages.result_contexts()
    app.state.extra_nav = extra_pages.NAV
    return app
