"""The lab's HTTPS file server: each file with its Content-Type, 404 otherwise, a certificate of the kind
asked for (read with a raw TLS client, not smtpdoctor's fetcher)."""

from __future__ import annotations

import asyncio
import ssl

import pytest

from smtpdoctor.lab.https_files import LabHttpsFiles


async def get(port: int, path: str, context: ssl.SSLContext) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname="files.lab.test")
    writer.write(f"GET {path} HTTP/1.1\r\nHost: files.lab.test\r\n\r\n".encode())
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return data


async def test_files_with_their_type_and_404(pki):
    files = {"/.well-known/mta-sts.txt": "version: STSv1\r\n", "/logo.svg": "<svg/>"}
    async with LabHttpsFiles(files, names=("files.lab.test",), pki=pki,
                             content_types={"/.well-known/mta-sts.txt": "text/plain"}) as srv:
        context = pki.client_context()
        policy = await get(srv.port, "/.well-known/mta-sts.txt", context)
        logo = await get(srv.port, "/logo.svg", context)
        missing = await get(srv.port, "/nothing", context)
    assert policy.startswith(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n") and policy.endswith(b"STSv1\r\n")
    assert logo.startswith(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n") and logo.endswith(b"<svg/>")
    assert missing.startswith(b"HTTP/1.1 404 Not Found\r\n")


async def test_an_expired_certificate_fails_verification(pki):
    async with LabHttpsFiles({"/a": "a"}, names=("files.lab.test",), pki=pki, kind="expired") as srv:
        with pytest.raises(ssl.SSLCertVerificationError, match="expired"):
            await get(srv.port, "/a", pki.client_context())
