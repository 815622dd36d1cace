"""The one HTTPS fetch of smtpdoctor's domain audit: the MTA-STS policy (RFC 8461 §3.3) at
``https://mta-sts.<domain>/.well-known/mta-sts.txt``, and the BIMI files (the ``l=`` logo and the ``a=``
mark certificate, :func:`fetch_url`).

The host is resolved through the run's :class:`~smtpdoctor.net.dns.Resolver` (so ``--resolver`` applies and
the answer is cached), then fetched with the standard library: asyncio streams + ``ssl``, HTTP/1.1,
``Connection: close``, no redirects (the RFC forbids following them), a bounded body (64 KiB: the RFC's
policy is a few hundred bytes) and one overall timeout. Failures are values (:class:`PolicyFetch.error`).
"""

from __future__ import annotations

import asyncio
import ssl
import time
import urllib.parse
from dataclasses import dataclass

from .dns import Resolver
from ..core.observations import PolicyFetch

__all__ = ["fetch_policy", "fetch_url", "policy_url", "MAX_POLICY_BYTES"]

MAX_POLICY_BYTES = 64 * 1024
_MAX_HEADER_BYTES = 16 * 1024


def policy_url(domain: str) -> str:
    return f"https://mta-sts.{domain}/.well-known/mta-sts.txt"


async def fetch_policy(
    resolver: Resolver,
    domain: str,
    *,
    port: int = 443,
    timeout: float = 10.0,
    ssl_context: ssl.SSLContext | None = None,
) -> PolicyFetch:
    return await _fetch(resolver, f"mta-sts.{domain}", "/.well-known/mta-sts.txt", policy_url(domain),
                        port=port, timeout=timeout, ssl_context=ssl_context, accept="text/plain")


async def fetch_url(
    resolver: Resolver,
    url: str,
    *,
    port: int | None = None,
    timeout: float = 10.0,
    ssl_context: ssl.SSLContext | None = None,
) -> PolicyFetch:
    """GET an ``https://`` URL (no redirects, at most 64 KiB); ``port`` overrides the URL's (a test server)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() != "https" or not parts.hostname:
        return PolicyFetch(url=url, error_kind="http", error="not an https:// URL")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return await _fetch(resolver, parts.hostname, path, url, port=port or parts.port or 443, timeout=timeout,
                        ssl_context=ssl_context, accept="*/*")


async def _fetch(resolver: Resolver, host: str, path: str, url: str, *, port: int, timeout: float,
                 ssl_context: ssl.SSLContext | None, accept: str) -> PolicyFetch:
    start = time.perf_counter()

    def done(**kw) -> PolicyFetch:
        return PolicyFetch(url=url, elapsed=time.perf_counter() - start, **kw)

    a, aaaa = await resolver.addresses(host)
    addresses = a.records + aaaa.records
    if not addresses:
        failed = a if a.outcome.is_failure else aaaa if aaaa.outcome.is_failure else None
        reason = f"{host}: {str((failed or a).outcome).upper()}"
        if failed is not None and failed.error:
            reason += f" ({failed.error})"
        # "dns-failed": the lookup failed (could not test); "dns": the name has no address (a fault)
        return done(error_kind="dns-failed" if failed is not None else "dns", error=reason)
    context = ssl_context or ssl.create_default_context()
    last: PolicyFetch | None = None
    for address in addresses[:4]:
        try:
            result = await asyncio.wait_for(_get(address, host, port, context, path, accept), timeout)
        except asyncio.TimeoutError:
            last = done(address=address, error_kind="timeout", error=f"no answer from {address} within {timeout:g} s")
            continue
        except ssl.SSLCertVerificationError as exc:
            return done(address=address, error_kind="tls", error=exc.verify_message or str(exc))
        except ssl.SSLError as exc:
            last = done(address=address, error_kind="tls", error=exc.reason or str(exc))
            continue
        except _TooLarge as exc:
            return done(address=address, error_kind="too-large", error=str(exc))
        except _BadHttp as exc:
            return done(address=address, error_kind="http", error=str(exc))
        except OSError as exc:
            last = done(address=address, error_kind="connect", error=exc.strerror or str(exc))
            continue
        status, headers, body = result
        return done(address=address, status=status, content_type=headers.get("content-type"),
                    location=headers.get("location"), body=body.decode("utf-8", "replace"))
    assert last is not None
    return last


class _TooLarge(Exception):
    pass


class _BadHttp(Exception):
    pass


async def _get(address: str, host: str, port: int, context: ssl.SSLContext, path: str,
               accept: str) -> tuple[int, dict[str, str], bytes]:
    reader, writer = await asyncio.open_connection(address, port, ssl=context, server_hostname=host)
    try:
        if any(c in path for c in "\r\n "):
            raise _BadHttp("the URL's path contains spaces or line breaks")
        request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: smtpdoctor\r\n"
                   f"Accept: {accept}\r\nConnection: close\r\n\r\n")
        writer.write(request.encode("ascii"))
        await writer.drain()
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = await reader.read(4096)
            if not chunk:
                break
            head += chunk
            if len(head) > _MAX_HEADER_BYTES:
                raise _BadHttp("response headers larger than 16 KiB")
        header_blob, _, rest = head.partition(b"\r\n\r\n")
        lines = header_blob.decode("iso-8859-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/") or not (parts[1].isascii() and parts[1].isdigit()):
            raise _BadHttp(f"not an HTTP response: {lines[0][:80]!r}")
        status = int(parts[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        body = await _body(reader, headers, rest)
        return status, headers, body
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (OSError, ssl.SSLError):
            pass


async def _body(reader: asyncio.StreamReader, headers: dict[str, str], rest: bytes) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        raw = rest
        while not raw.endswith(b"0\r\n\r\n"):
            chunk = await reader.read(4096)
            if not chunk:
                break
            raw += chunk
            if len(raw) > MAX_POLICY_BYTES * 2:
                raise _TooLarge(f"body larger than {MAX_POLICY_BYTES} bytes")
        return _dechunk(raw)
    length = headers.get("content-length")
    limit = MAX_POLICY_BYTES
    if length and length.isascii() and length.isdigit() and int(length) > limit:
        raise _TooLarge(f"body is {int(length)} bytes; the limit is {limit}")
    body = rest
    while True:
        if length and length.isascii() and length.isdigit() and len(body) >= int(length):
            return body[: int(length)]
        chunk = await reader.read(4096)
        if not chunk:
            return body
        body += chunk
        if len(body) > limit:
            raise _TooLarge(f"body larger than {limit} bytes")


def _dechunk(raw: bytes) -> bytes:
    out = b""
    while raw:
        size_line, _, raw = raw.partition(b"\r\n")
        try:
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
        except ValueError:
            raise _BadHttp("malformed chunked body") from None
        if size == 0:
            break
        out += raw[:size]
        raw = raw[size + 2:]
        if len(out) > MAX_POLICY_BYTES:
            raise _TooLarge(f"body larger than {MAX_POLICY_BYTES} bytes")
    return out
