"""Judge the two files a BIMI record points at, as fetched (pure): the logo against the SVG Tiny PS
rules, the mark certificate's type (VMC / CMC) and expiry. The reading is in
:mod:`smtpdoctor.protocol.bimi_files`; the fetch in :func:`smtpdoctor.net.https.fetch_url`."""

from __future__ import annotations

import datetime as dt

from ...core import catalogue
from ...core.model import Finding
from ...core.observations import PolicyFetch
from ...protocol.bimi_files import read_mark_certificate, svg_problems

__all__ = ["check_logo", "check_certificate"]


def _fetch_error(fetch: PolicyFetch) -> str | None:
    if fetch.ok and fetch.body is not None:
        return None
    if fetch.error:
        return f"{fetch.error_kind}: {fetch.error}."
    return f"The server answered HTTP {fetch.status}."


def check_logo(fetch: PolicyFetch) -> Finding:
    error = _fetch_error(fetch)
    if error:
        return catalogue.make("bimi.logo-unreachable", url=fetch.url, error=error)
    problems = svg_problems(fetch.body.encode("utf-8"))
    if problems:
        return catalogue.make("bimi.logo-not-tiny-ps", url=fetch.url, problems="; ".join(problems),
                              evidence={"problems": list(problems)})
    return catalogue.make("bimi.logo-ok", url=fetch.url)


def check_certificate(fetch: PolicyFetch, now: dt.datetime) -> Finding:
    error = _fetch_error(fetch)
    if error:
        return catalogue.make("bimi.certificate-unreachable", url=fetch.url, error=error)
    cert = read_mark_certificate(fetch.body.encode("utf-8"))
    if cert is None:
        return catalogue.make("bimi.certificate-not-mark", url=fetch.url, problem="The file holds no PEM certificate.")
    if not cert.bimi_usage:
        return catalogue.make("bimi.certificate-not-mark", url=fetch.url,
                              problem="Its extended key usage lacks BIMI (1.3.6.1.5.5.7.3.31).")
    values = {"url": fetch.url, "kind": cert.kind, "mark_type": cert.mark_type or "not stated",
              "subject": cert.subject, "not_after": cert.not_after.date().isoformat()}
    if cert.expired(now):
        return catalogue.make("bimi.certificate-expired", **values)
    return catalogue.make("bimi.certificate-ok", **values)
