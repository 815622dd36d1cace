"""Client settings lint: the guide's step one, with no network at all.

:func:`lint` reads a :class:`~smtpdoctor.core.settings.Settings` (and the provider preset of its host, when
the host is a known one) and reports the contradictions a sending tool's settings can hold: a port and
a security mode that do not go together, a login without TLS, a HELO name that receiving servers
refuse, addresses that are not addresses, a From address the provider will refuse or rewrite, a user
name the provider does not accept (SendGrid's ``apikey``) and similar. Pure: same settings, same
findings. :func:`check_helo` is the reusable part (addresses are read by :mod:`smtpdoctor.core.names`).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from ..core import providers
from ..core.catalogue import make
from ..core.model import Finding, Severity
from ..core.names import AddressCheck, check_address, is_host_name
from ..core.settings import Security, Settings
from ..protocol.sasl import SUPPORTED_MECHANISMS, TOKEN_MECHANISMS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ..core.providers import Preset  # built only for a host that has a preset (issue 16)

__all__ = ["lint", "check_helo", "LOCALHOST_NAMES"]

LOCALHOST_NAMES = frozenset({
    "localhost", "localhost.localdomain", "localhost4", "localhost6", "localhost4.localdomain4",
    "localhost6.localdomain6", "ip6-localhost", "127.0.0.1", "[127.0.0.1]", "::1", "[ipv6:::1]",
})
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)
_SECURITY_WORDS = {Security.STARTTLS: "STARTTLS", Security.TLS: "SSL/TLS (implicit TLS)",
                   Security.NONE: "no encryption", Security.AUTO: "automatic"}
_PASSWORD_MECHS = frozenset({"PLAIN", "LOGIN", "LOGIN-INITIAL", "CRAM-MD5"})


def check_helo(helo: str) -> tuple[str, dict] | None:
    """``(finding id, params)`` for a HELO/EHLO name receiving servers refuse or distrust, else ``None``."""
    name = (helo or "").strip()
    low = name.lower()
    if low in LOCALHOST_NAMES or low.startswith("localhost."):
        return "client.helo-localhost", {"helo": name}
    if name.startswith("[") and name.endswith("]"):
        literal = name[1:-1]
        try:
            if literal.lower().startswith("ipv6:"):
                ip = ipaddress.IPv6Address(literal[5:])
            else:
                ip = ipaddress.IPv4Address(literal)
        except ValueError:
            return "client.helo-invalid", {"helo": name}
        if ip.is_loopback:
            return "client.helo-localhost", {"helo": name}
        return None
    try:
        ip = ipaddress.ip_address(name)
    except ValueError:
        ip = None
    if ip is not None:
        literal = f"[{ip}]" if ip.version == 4 else f"[IPv6:{ip}]"
        if ip.is_loopback:
            return "client.helo-localhost", {"helo": name}
        return "client.helo-ip-without-brackets", {"helo": name, "literal": literal}
    if not name.isascii() or not is_host_name(name):
        return "client.helo-invalid", {"helo": name[:255]}
    if "." not in name.rstrip("."):
        return "client.helo-bare-word", {"helo": name}
    return None


def _port_findings(settings: Settings, preset: Preset | None) -> list[Finding]:
    port, security = settings.effective_port, settings.security
    out: list[Finding] = []
    if preset is not None and preset.ports:
        expected = preset.security_for(port)
        rec = preset.recommended
        rec_params = {"recommended_port": rec.port, "recommended_security": _SECURITY_WORDS[rec.security]}
        if expected is None:
            out.append(make("client.port-not-documented", provider_name=preset.name, port=port,
                            ports=", ".join(f"{p.port} ({_SECURITY_WORDS[p.security]})" for p in preset.ports),
                            **rec_params))
        elif security is not Security.AUTO and security is not expected and not (
            security is Security.NONE and expected is Security.STARTTLS
        ):
            out.append(make("client.security-mismatch-provider", provider_name=preset.name, port=port,
                            expected=_SECURITY_WORDS[expected], security=_SECURITY_WORDS[security], **rec_params))
            return out
    if port == 587 and security is Security.TLS:
        out.append(make("client.port-587-with-implicit-tls", port=port))
    elif port == 465 and security in (Security.STARTTLS, Security.NONE):
        out.append(make("client.port-465-with-starttls", port=port))
    return out


def _auth_findings(settings: Settings, preset: Preset | None) -> list[Finding]:
    out: list[Finding] = []
    has_password = bool(settings.password)
    has_token = bool(settings.oauth_token)
    user = settings.user
    if user and settings.security is Security.NONE:
        out.append(make("client.auth-without-tls", user=user))
    if user and not (has_password or has_token):
        out.append(make("client.password-missing", user=user))
    if not user and (has_password or has_token):
        out.append(make("client.password-without-user"))
    if settings.auth_mech:
        mech = settings.auth_mech.strip().upper()
        problem = None
        if mech in TOKEN_MECHANISMS and not has_token and has_password:
            problem = f"{mech} needs an OAuth token, but only a password was given."
        elif mech in _PASSWORD_MECHS and has_token and not has_password:
            problem = f"{mech} needs a password, but only an OAuth token was given."
        elif mech not in _PASSWORD_MECHS and mech not in TOKEN_MECHANISMS:
            problem = f"{mech} is not a mechanism smtpdoctor speaks ({', '.join(SUPPORTED_MECHANISMS)})."
        if problem:
            out.append(make("client.auth-mech-conflict", mechanism=mech, problem=problem))
    if preset is None:
        return out
    if preset.requires_auth and not user:
        out.append(make("client.provider-requires-auth", provider_name=preset.name))
    literal = preset.username_literal
    if literal and user and user != literal:
        out.append(make("client.username-must-be-literal", provider_name=preset.name, expected=literal,
                        user=user[:80]))
    elif preset.username == "address" and user and "@" not in user:
        out.append(make("client.username-not-address", provider_name=preset.name, user=user[:80]))
    return out


def _address_findings(settings: Settings) -> tuple[list[Finding], dict[str, AddressCheck]]:
    out: list[Finding] = []
    checked: dict[str, AddressCheck] = {}
    for field_name, value in (("From", settings.mail_from), ("To", settings.rcpt_to)):
        if value is None:
            continue
        result = check_address(value)
        checked[field_name] = result
        shown = value if len(value) <= 80 else value[:77] + "..."
        if not result.ok:
            out.append(make("client.address-invalid", field=field_name, address=shown, problem=result.problem))
        elif result.needs_smtputf8:
            out.append(make("client.address-needs-smtputf8", field=field_name, address=shown))
    return out, checked


def _sender_findings(settings: Settings, preset: Preset | None, sender: AddressCheck | None) -> list[Finding]:
    if preset is None or sender is None or not sender.ok or not settings.user or "@" not in settings.user:
        return []
    account = check_address(settings.user)
    if not account.ok:
        return []
    mail_from = settings.mail_from.strip().strip("<>").strip()
    if preset.sender_policy == "enforced" and account.domain != sender.domain:
        return [make("client.from-domain-not-owned", provider_name=preset.name, from_domain=sender.domain,
                     user_domain=account.domain, mail_from=mail_from, user=settings.user)]
    if preset.sender_policy == "rewritten" and mail_from.lower() != settings.user.strip().lower():
        return [make("client.from-rewritten", provider_name=preset.name, mail_from=mail_from, user=settings.user)]
    return []


def lint(settings: Settings, preset: Preset | None = None, *, use_presets: bool = True) -> tuple[Finding, ...]:
    """All client-settings findings for ``settings``; ``client.settings-ok`` when nothing is wrong.

    ``preset`` defaults to the preset matching ``settings.host`` (``use_presets=False`` turns that off).
    """
    if preset is None and use_presets:
        preset = providers.match(settings.host)
    findings: list[Finding] = []
    if preset is not None:
        findings.append(make("client.provider-recognised", provider_name=preset.name, host=settings.host,
                             provider=preset.key))
    findings += _port_findings(settings, preset)
    port = settings.effective_port
    if port == 25 and (settings.user or (preset is not None and preset.requires_auth)):
        findings.append(make("client.port-25-for-submission", port=port))
    findings += _auth_findings(settings, preset)
    if settings.helo is not None:
        helo = check_helo(settings.helo)
        if helo is not None:
            fid, params = helo
            findings.append(make(fid, **params))
    address_findings, checked = _address_findings(settings)
    findings += address_findings
    findings += _sender_findings(settings, preset, checked.get("From"))
    if preset is not None and preset.sandbox:
        findings.append(make("client.ses-sandbox", host=settings.host, provider_name=preset.name))
    if not any(f.severity in (Severity.ERROR, Severity.WARNING) for f in findings):
        findings.append(make("client.settings-ok", port=port, security=str(settings.security)))
    return tuple(findings)
