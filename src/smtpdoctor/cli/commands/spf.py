"""``smtpdoctor spf DOMAIN --ip IP``: the RFC 7208 check_host() result and its evaluation trace.

Text: the result first, then the trace as a tree (Markdown and HTML show the same). JSON: one line
``{"domain", "ip", "sender", "helo", "result", "explanation", "lookups", "trace", "fix"}``.
Exit status: 0 when the result is ``pass``, 1 for any other result, 2 for bad input.
"""

from __future__ import annotations

TYPE_CHECKING = False  # for the type checker only: a plain command line loads no typing (cli/layer.plain_parameters)
if TYPE_CHECKING:
    from typing import List, Optional

from ...report.formats import OutputFormat
from ..common import UsageError
from ..layer import App, Argument, Exit, Option

__all__ = ["register", "run", "validate"]


def register(app: App) -> None:
    @app.command("spf")
    def spf(
        domain: str = Argument(..., help="The domain whose SPF policy to evaluate (MAIL FROM or HELO domain)."),
        ip: str = Option(..., "--ip", help="The sending IP address to evaluate."),
        sender: Optional[str] = Option(None, "--sender", help="The MAIL FROM address (default postmaster@DOMAIN)."),
        helo: Optional[str] = Option(None, "--helo", help="The HELO/EHLO name (for %{h} macros; default DOMAIN)."),
        resolver: List[str] = Option([], "--resolver", help="Ask this DNS server (IP[:PORT], repeatable)."),
        timeout: float = Option(3.0, "--timeout", help="Seconds per DNS query attempt."),
        format: OutputFormat = Option(OutputFormat.text, "--format", "-f", help="text | json | markdown | html"),
    ) -> None:
        """Evaluate SPF (RFC 7208 check_host) for a sending IP and show every step."""
        raise Exit(run(domain, ip=ip, sender=sender, helo=helo, resolvers=resolver, timeout=timeout,
                             fmt=format))


def validate(domain: str, ip: str, sender: str | None, helo: str | None) -> tuple[str, str, str | None, str | None]:
    """Checked and normalised input, or :class:`UsageError` with one line saying what is wrong."""
    import ipaddress

    from ...core.name_text import dns_name as normalize_domain  # core.names' rule, without its data classes

    try:
        name = normalize_domain(domain)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        address = str(ipaddress.ip_address(ip.strip()))
    except ValueError:
        raise UsageError(f"--ip {ip!r} is not an IP address") from None
    if sender is not None:
        if len(sender) > 320 or any(ord(c) < 0x20 or c == "\x7f" for c in sender):
            raise UsageError("--sender is not an e-mail address (too long or control characters)")
        if sender:
            local, at, dom = sender.rpartition("@")
            if not at:
                raise UsageError(f"--sender {sender!r} is not an e-mail address (no '@')")
            try:
                sender = f"{local}@{normalize_domain(dom)}"
            except ValueError as exc:
                raise UsageError(f"--sender: {exc}") from None
    if helo is not None:
        if not helo.strip() or len(helo) > 255 or any(ord(c) < 0x20 or c == "\x7f" for c in helo):
            raise UsageError("--helo must be a name of at most 255 visible characters")
    return name, address, sender, helo


def run(domain: str, *, ip: str, sender: str | None = None, helo: str | None = None, resolvers: list[str] = (),
        timeout: float = 3.0, fmt: OutputFormat = OutputFormat.text) -> int:
    if not 0 < timeout <= 60:
        raise UsageError("--timeout must be between 0 and 60 seconds")
    domain, ip, sender, helo = validate(domain, ip, sender, helo)
    # check_host's first question (the domain's TXT) leaves before the event loop and the SPF engine are
    # imported (net/dns_first.py): its round trip overlaps those imports.
    from ...net.dns_first import prime, servers_for

    servers = servers_for(resolvers)  # --resolver, or the system's resolver when its file is plain enough
    primer = prime([(domain, "TXT")], servers)
    try:  # an error (or Ctrl-C) before the UDP layer claims the primer's socket still closes it, as in domain
        import asyncio

        from ...net.dns import Resolver
        from ...protocol.spf.eval import check_host

        try:
            res = Resolver(servers or None, timeout=timeout, lifetime=timeout * 2, primer=primer)
        except ValueError as exc:
            raise UsageError(str(exc)) from None

        async def evaluate():
            result = await check_host(res, ip, domain, sender, helo=helo)
            return result, (await _fix(res, result) if result.result in _NOT_PERMITTED else None)

        result, fix = asyncio.run(evaluate())
    finally:
        if primer is not None:  # claimed by the UDP layer, it is the layer's to close: then this does nothing
            primer.close()
    if fmt.value == "json":
        from ...report.formats import write_json_line

        write_json_line({**result.to_json(), "fix": fix})
    elif fmt.value == "text":
        import sys

        from ...report.spf import print_text
        from ..common import terminal_output

        print_text(result, color=terminal_output(sys.stdout)[1])
        if fix:
            print(f"\nFix: {fix}")
    else:
        import sys

        from ...report.document import to_html, to_markdown
        from ...report.spf import spf_document

        sys.stdout.write((to_markdown if fmt.value == "markdown" else to_html)(spf_document(result, fix)))
    from ...protocol.spf.result import SpfResult

    if result.result is SpfResult.TEMPERROR:
        return 3  # a DNS lookup failed: the answer could not be tested (inconclusive)
    return 0 if result.result is SpfResult.PASS else 1


_NOT_PERMITTED = frozenset({"fail", "softfail", "neutral", "permerror"})


async def _fix(resolver, result) -> str | None:
    """The change to the record that lets this IP pass (the domain audit's SPF finding, reused)."""
    from ...judge.dns.spf import spf_findings
    from ...protocol.spf.tree import build_tree

    tree = await build_tree(resolver, result.domain, ip=result.ip, sender=result.sender, helo=result.helo)
    found = spf_findings(tree, result)
    for fid in ("spf.multiple-records", "spf.ip-not-permitted"):
        hit = next((f for f in found if f.id == fid), None)
        if hit is not None and hit.remedy:
            return hit.remedy[0]
    return None
