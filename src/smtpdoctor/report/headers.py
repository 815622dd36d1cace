"""The ``headers`` report in the four formats: the common renderers (verdict, steps, findings) plus the
hops and the authentication comparison, which only this command has. Present only."""

from __future__ import annotations

from html import escape

from ..core.model import Report
from . import render

__all__ = ["render_headers", "hop_rows", "auth_rows"]

_HOP_HEAD = ("#", "from", "IP", "by", "with", "TLS", "time", "delay")


def hop_rows(report: Report) -> list[tuple[str, ...]]:
    rows = []
    for h in report.extra.get("hops", []):
        tls = (h.get("tls_version") or "yes") if h.get("tls") else "no"
        delay = "" if h.get("delay_s") is None else f"{h['delay_s']:.0f} s"
        mark = " ←" if h.get("handover") else ""
        rows.append((f"{h['hop']}{mark}", h.get("rdns") or h.get("from") or "", h.get("ip") or "",
                     h.get("by") or "", h.get("protocol") or "", tls, (h.get("time") or "")[:25], delay))
    return rows


def auth_rows(report: Report) -> list[tuple[str, str, str]]:
    """(method, receiver's result, smtpdoctor's result)."""
    auth = report.extra.get("authentication", {})
    theirs: dict[str, list[str]] = {}
    for r in auth.get("receiver", []):
        about = r["props"].get("header.d") or r["props"].get("smtp.mailfrom") or r["props"].get("header.from") or ""
        theirs.setdefault(r["method"], []).append(r["result"] + (f" ({about})" if about else ""))
    computed = auth.get("computed", {})
    ours: dict[str, list[str]] = {}
    for c in computed.get("dkim", []):
        ours.setdefault("dkim", []).append(f"{c['result']} ({c['d']})")
    if computed.get("spf"):
        ours["spf"] = [f"{computed['spf']['result']} ({computed['spf']['domain']})"]
    if computed.get("dmarc") and computed["dmarc"].get("result"):
        ours["dmarc"] = [computed["dmarc"]["result"]]
    if computed.get("arc"):
        ours["arc"] = [computed["arc"]["result"]]
    methods = list(dict.fromkeys(["dkim", "spf", "dmarc", "arc"] + list(theirs)))
    return [(m, ", ".join(theirs.get(m, [])) or "—", ", ".join(ours.get(m, [])) or "—")
            for m in methods if m in theirs or m in ours]


def _text_table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [("  " + fmt.format(*head)).rstrip()] + [("  " + fmt.format(*r)).rstrip() for r in rows]


def _md_table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    cell = lambda x: str(x).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    return (["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
            + ["| " + " | ".join(cell(x) for x in r) + " |" for r in rows])


def _html_table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    return ("<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"
            + "".join("<tr>" + "".join(f"<td>{escape(str(x))}</td>" for x in r) + "</tr>" for r in rows)
            + "</table>")


_AUTH_HEAD = ("method", "receiver said", "smtpdoctor finds")


def render_headers(report: Report, fmt: str, *, verbose: bool = False, width: int | None = None) -> str:
    base = render(report, fmt, verbose=verbose, width=width)
    if fmt == "json":
        return base
    hops, auth = hop_rows(report), auth_rows(report)
    authserv = report.extra.get("authentication", {}).get("authserv_id") or "none found"
    if fmt == "text":
        lines = ["", "Hops (oldest first; ← the hop that handed the message to the receiver)"]
        lines += _text_table(_HOP_HEAD, hops) if hops else ["  (no Received fields)"]
        lines += ["", f"Authentication (receiver: {authserv})"] + _text_table(_AUTH_HEAD, auth)
        return base + "\n".join(lines) + "\n"
    if fmt == "markdown":
        lines = ["## Hops", "", "Oldest first; ← marks the hop that handed the message to the receiver.", ""]
        lines += (_md_table(_HOP_HEAD, hops) if hops else ["(no Received fields)"]) + [""]
        lines += ["## Authentication", "", f"Receiver's authserv-id: {authserv}", ""] + _md_table(_AUTH_HEAD, auth)
        return base + "\n".join(lines) + "\n"
    extra = ("<h2>Hops</h2><p>Oldest first; ← marks the hop that handed the message to the receiver.</p>"
             + (_html_table(_HOP_HEAD, hops) if hops else "<p>(no Received fields)</p>")
             + f"<h2>Authentication</h2><p>Receiver's authserv-id: {escape(authserv)}</p>"
             + _html_table(_AUTH_HEAD, auth))
    return base.replace("</body></html>", extra + "\n</body></html>")
