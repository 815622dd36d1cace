"""Reading a posted form: bounded multipart parsing and the CSRF check, in one call."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse

from .security import CSRF_COOKIE

__all__ = ["read_form", "read_new_form"]


async def read_form(request: Request, *, max_files: int = 0) -> tuple[FormData, str]:
    """The form and its nonce. Raises :class:`CsrfError` or :class:`~.security.BodyTooLarge`."""
    limit = request.app.state.config.max_body
    form = await request.form(max_files=max_files, max_fields=40, max_part_size=limit)
    nonce = request.app.state.csrf.verify(
        request.cookies.get(CSRF_COOKIE), form.get("csrf") if isinstance(form.get("csrf"), str) else None,
        origin=request.headers.get("origin"), host=request.headers.get("host"))
    return form, nonce



async def read_new_form(request: Request) -> tuple[FormData, str, RedirectResponse | None]:
    """The form, its nonce, and a redirect to the run it already started when the same form is sent twice
    (a double click, a reload): one form, one run."""
    form, nonce = await read_form(request)
    earlier = request.app.state.runs.for_nonce(nonce)
    return form, nonce, (RedirectResponse(f"/runs/{earlier.id}", status_code=303) if earlier is not None else None)
