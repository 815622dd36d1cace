"""The ASGI layer in front of every route: Host check, access token, body-size limit, CSRF cookie and
security headers. Failures are small HTML pages; nothing of the request is echoed back."""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.responses import HTMLResponse, RedirectResponse, Response

from .config import ServeConfig
from .security import (CSRF_COOKIE, SECURITY_HEADERS, TOKEN_COOKIE, Csrf, LimitBody, host_allowed,
                       token_ok)

__all__ = ["Guard"]

_PLAIN = """<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title} · smtpdoctor</title><link rel="stylesheet" href="/static/style.css">
<main id="main"><h1>{title}</h1><p>{message}</p>{extra}</main></html>"""


def _plain(status: int, title: str, message: str, extra: str = "") -> HTMLResponse:
    return HTMLResponse(_PLAIN.format(title=title, message=message, extra=extra), status_code=status)


class Guard:
    def __init__(self, app, *, config: ServeConfig, csrf: Csrf) -> None:
        self.app = app
        self.config = config
        self.csrf = csrf

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        cookies = _cookies(headers.get("cookie", ""))
        if not host_allowed(self.config, headers.get("host")):
            await _secured(_plain(400, "Wrong address",
                                  "Open this page as http://127.0.0.1 (or localhost), the address "
                                  "<code>smtpdoctor serve</code> printed."))(scope, receive, send)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        bearer = headers.get("authorization", "")
        bearer = bearer[7:] if bearer.lower().startswith("bearer ") else None
        if not token_ok(self.config, cookie=cookies.get(TOKEN_COOKIE), bearer=bearer, query=query.get("token")):
            await _secured(_plain(401, "Access token needed",
                                  "This smtpdoctor page is protected: open the full address that "
                                  "<code>smtpdoctor serve</code> printed (it ends in <code>?token=…</code>)."
                                  ))(scope, receive, send)
            return
        if self.config.token and "token" in query and scope["method"] in ("GET", "HEAD"):
            # Keep the token out of the address bar and history: set the cookie and drop the parameter.
            rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
            response = RedirectResponse(scope["path"] + (f"?{rest}" if rest else ""), status_code=303)
            response.set_cookie(TOKEN_COOKIE, self.config.token, httponly=True, samesite="strict",
                                secure=scope.get("scheme") == "https")
            await _secured(response)(scope, receive, send)
            return
        length = headers.get("content-length")
        if length is not None and (not (length.isascii() and length.isdigit()) or int(length) > self.config.max_body):
            await _drain(receive, 8 * self.config.max_body)
            response = _plain(413, "Too much to send",
                              f"What you sent is larger than {self.config.max_body // 1024} KB, the limit of this "
                              "page. Paste only the error reply or the bounce message (its first few hundred "
                              "lines are enough), or attach a smaller file.",
                              '<p><a href="javascript:history.back()">Go back</a> · <a href="/">Start again</a></p>')
            response.headers["connection"] = "close"
            await _secured(response)(scope, receive, send)
            return
        new_cookie = None
        if not cookies.get(CSRF_COOKIE):
            new_cookie = Csrf.new_cookie()
        scope["smtpdoctor_csrf_cookie"] = cookies.get(CSRF_COOKIE) or new_cookie

        async def send_wrapper(message) -> None:
            if message["type"] == "http.response.start":
                hdrs = list(message.get("headers", []))
                present = {k.lower() for k, _ in hdrs}
                for k, v in SECURITY_HEADERS:
                    if k.encode() not in present:
                        hdrs.append((k.encode(), v.encode()))
                if new_cookie:
                    hdrs.append((b"set-cookie", f"{CSRF_COOKIE}={new_cookie}; HttpOnly; SameSite=Strict; Path=/"
                                 .encode()))
                message = {**message, "headers": hdrs}
            await send(message)

        await self.app(scope, LimitBody(receive, self.config.max_body), send_wrapper)


def _secured(response: Response) -> Response:
    for k, v in SECURITY_HEADERS:
        response.headers.setdefault(k, v)
    return response


def _cookies(header: str) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(header)
    except Exception:
        return {}
    return {k: m.value for k, m in jar.items()}


async def _drain(receive, cap: int) -> None:
    """Read and drop a body we refuse, so the browser gets our page instead of a reset (bounded)."""
    seen = 0
    while seen <= cap:
        message = await receive()
        if message.get("type") != "http.request":
            return
        seen += len(message.get("body", b""))
        if not message.get("more_body"):
            return
