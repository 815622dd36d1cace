"""Reading a posted form: bounded multipart parsing and the CSRF check, in one call."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request

from .security import CSRF_COOKIE

__all__ = ["read_form"]


async def read_form(request: Request, *, max_files: int = 0) -> tuple[FormData, str]:
    """The form and its nonce. Raises :class:`CsrfError` or :class:`~.security.BodyTooLarge`."""
    limit = request.app.state.config.max_body
    form = await request.form(max_files=max_files, max_fields=40, max_part_size=limit)
    nonce = request.app.state.csrf.verify(
        request.cookies.get(CSRF_COOKIE), form.get("csrf") if isinstance(form.get("csrf"), str) else None,
        origin=request.headers.get("origin"), host=request.headers.get("host"))
    return form, nonce

