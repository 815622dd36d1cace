"""Read the messages of one IMAP folder over implicit TLS (``imaps://user@host[:port]/FOLDER``), for
``reports --imap``. The standard library's ``imaplib`` speaks the protocol; this module only bounds it
(a timeout on every socket operation, a size limit per message, read-only SELECT and BODY.PEEK so
nothing is marked as read) and turns its failures into one-line :class:`ImapError` values that never
carry the password.
"""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass
from typing import Iterator
from urllib.parse import unquote, urlsplit

__all__ = ["ImapUrl", "ImapError", "parse_imap_url", "fetch_messages", "MAX_MESSAGE_BYTES"]

MAX_MESSAGE_BYTES = 64 * 1024 * 1024
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")


class ImapError(Exception):
    """The mailbox could not be read; ``str(exc)`` is one line for the user (never the password)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ImapUrl:
    user: str
    host: str
    port: int
    folder: str

    def __str__(self) -> str:
        return f"imaps://{self.user}@{self.host}:{self.port}/{self.folder}"


def parse_imap_url(text: str) -> ImapUrl:
    """``imaps://user@host[:port]/FOLDER`` (an ``@`` in the user written as ``%40``); FOLDER defaults to INBOX."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port or 993
    except ValueError as exc:
        raise ImapError(f"--imap {text!r}: {exc}") from None
    if parts.scheme.lower() != "imaps":
        raise ImapError(f"--imap {text!r}: use imaps://user@host/FOLDER (implicit TLS, port 993)")
    if not parts.hostname or not parts.username:
        raise ImapError(f"--imap {text!r}: give the user and the host (imaps://user@host/FOLDER)")
    if parts.password is not None:
        raise ImapError("--imap: do not put the password in the URL; use --password-env VAR")
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    return ImapUrl(user=unquote(parts.username), host=parts.hostname, port=port, folder=folder)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _one_line(exc: BaseException, password: str) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text.replace(password, "********") if password else text


def fetch_messages(url: ImapUrl, password: str, *, context: ssl.SSLContext | None = None, timeout: float = 30.0,
                   max_bytes: int = MAX_MESSAGE_BYTES) -> Iterator[tuple[str, bytes | None, str | None]]:
    """Yield (name, message bytes, None) for each message of the folder, or (name, None, reason) for one
    that is too large to read. Raises ImapError when the mailbox itself cannot be read."""
    import imaplib

    context = context or ssl.create_default_context()
    try:
        conn = imaplib.IMAP4_SSL(url.host, url.port, ssl_context=context, timeout=timeout)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"{url.host}:{url.port}: cannot connect: {_one_line(exc, password)}") from None
    try:
        try:
            conn.login(url.user, password)
        except imaplib.IMAP4.error as exc:
            raise ImapError(f"{url}: login refused: {_one_line(exc, password)}") from None
        status, data = conn.select(_quote(url.folder), readonly=True)
        if status != "OK":
            raise ImapError(f"{url}: cannot open the folder: {_one_line(Exception(data), password)}")
        status, data = conn.uid("SEARCH", None, "ALL")
        uids = data[0].split() if status == "OK" and data and data[0] else []
        for uid in uids:
            name = f"{url}#{uid.decode()}"
            status, meta = conn.uid("FETCH", uid, "(RFC822.SIZE)")
            m = _SIZE.search(meta[0] if status == "OK" and meta and isinstance(meta[0], bytes) else b"")
            if m and int(m.group(1)) > max_bytes:
                yield name, None, f"larger than {max_bytes // (1024 * 1024)} MB: not read"
                continue
            status, body = conn.uid("FETCH", uid, "(BODY.PEEK[])")
            payload = next((part[1] for part in body or () if isinstance(part, tuple)), None)
            if status != "OK" or payload is None:
                yield name, None, "the server did not return the message"
                continue
            yield name, payload, None
    except (OSError, imaplib.IMAP4.error) as exc:
        raise ImapError(f"{url}: {_one_line(exc, password)}") from None
    finally:
        try:
            conn.logout()
        except (OSError, imaplib.IMAP4.error):
            pass
