""":meth:`Settings.parse <smtpdoctor.core.settings.Settings.parse>`: one reader of the diagnose settings for
the command line, the web form and the Python API, with one set of limits (core/settings.py).

Each field is read by one small method that records a plain message (no option or form names: the front
door says where the field is) and returns the typed value. Pure: no file, environment or network.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from . import names, validate
from .settings import (AUTH_MECHANISMS, DEFAULT_TIMEOUT, FIELD_ORDER, MAX_FIELD, MAX_SECRET, MAX_SELECTORS,
                       MAX_SWEEP_PORTS, MAX_TIMEOUT, SECURITY_ALIASES, SWEEP_PORTS, FieldErrors, Secret, Security,
                       Settings)

__all__ = ["parse"]

_SECURITY_CHOICES = "choose one of auto, starttls, tls (implicit TLS, also called SSL) or none"
# the fix, said where a port is wrong (the usual ports, as a mail client's settings name them)
_PORT_HINT = "port must be 1–65535 (587: submission with STARTTLS, 465: implicit TLS, 25: server to server)"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def parse(raw: Mapping[str, Any]) -> Settings | FieldErrors:
    reader = _Reader(raw)
    unknown = sorted(set(raw) - set(FIELD_ORDER))
    if unknown:
        reader.errors[unknown[0]] = "not a setting of a diagnosis"
    settings = reader.read()
    if reader.errors:
        order = {name: i for i, name in enumerate(FIELD_ORDER)}
        return FieldErrors(sorted(reader.errors.items(), key=lambda kv: order.get(kv[0], -1)))
    return settings


class _Reader:
    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.errors: dict[str, str] = {}

    def read(self) -> Settings | None:
        preset = self._preset()
        host = self._host(preset)
        security = self._security()
        port = self._port()
        if port is None and "port" not in self.errors and preset is not None and preset.recommended is not None:
            port = preset.recommended.port
            if security is Security.AUTO:
                security = preset.recommended.security
        user = self.checked("user", lambda u: validate.wire_text(u, what="--user"))
        password, token = self.secret("password"), self.secret("oauth_token")
        if (password or token) and not user and "user" not in self.errors:
            self.errors["user"] = "enter the user name that goes with the password"
        if user and not (password or token) and "password" not in self.errors:
            self.errors["password"] = "enter the password for this user (it is used for this run only, never stored)"
        mail_from = self.checked("mail_from", names.email_address)
        rcpt_to = self.checked("rcpt_to", names.email_address)
        send = self.flag("send")
        if send and not (mail_from and rcpt_to) and not {"mail_from", "rcpt_to"} & set(self.errors):
            self.errors["send"] = "sending a test message needs a sender (from) and a recipient (to)"
        values = dict(
            port=port, security=security, user=user, password=password, oauth_token=token,
            auth_mech=self._auth_mech(), mail_from=mail_from, rcpt_to=rcpt_to, helo=self.checked("helo", _helo),
            source_ip=self.checked("source_ip", names.ip_address), domain=self.checked("domain", _domain),
            ip=self.checked("ip", names.ip_address), dkim_selectors=self._selectors(),
            resolvers=self._resolvers(), dnsbl_zones=self._zones(), sweep_ports=self._sweep_ports(),
            timeout=self._timeout(), ca_file=self.text("ca_file"), send=send,
            insecure_auth=self.flag("insecure_auth"), provider=self.checked("provider", _provider_key),
        )
        if self.errors or host is None:
            return None
        return Settings(host=host, **values)

    # -- the raw values -----------------------------------------------------------------------------
    def text(self, name: str, limit: int = MAX_FIELD) -> str | None:
        """The field as stripped text (``None`` when blank); numbers are read as their text."""
        value = self.raw.get(name)
        if value is None or name in self.errors:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.errors[name] = "this field takes text"
            return None
        value = str(value)
        if len(value) > limit:
            self.errors[name] = f"too long (at most {limit} characters)"
            return None
        return value.strip() or None

    def checked(self, name: str, reader) -> Any:
        value = self.text(name)
        if value is None:
            return None
        try:
            return reader(value)
        except ValueError as exc:
            self.errors[name] = str(exc)
            return None

    def items(self, name: str) -> tuple[str, ...] | None:
        """A list field: a sequence of texts, or one text of items separated by commas or spaces."""
        value = self.raw.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            if len(value) > MAX_FIELD * 4:
                self.errors[name] = f"too long (at most {MAX_FIELD * 4} characters)"
                return None
            return tuple(value.replace(",", " ").split())
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, (str, int)) for v in value):
            self.errors[name] = "this field takes a list of texts"
            return None
        return tuple(s for s in (str(v).strip() for v in value) if s)

    def secret(self, name: str) -> Secret | None:
        value = self.raw.get(name)
        if isinstance(value, Secret):
            value = value.reveal()
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            self.errors[name] = "this field takes text"
        elif len(value) > MAX_SECRET:
            self.errors[name] = f"too long (at most {MAX_SECRET} characters)"
        else:
            return Secret(value)  # never stripped: spaces can be part of a password
        return None

    def flag(self, name: str) -> bool:
        value = self.raw.get(name)
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        self.errors[name] = "yes or no"
        return False

    # -- the fields ---------------------------------------------------------------------------------
    def _preset(self):
        key = self.text("preset")
        if key is None:
            return None
        from .providers import get

        preset = get(key)
        if preset is None:
            self.errors["preset"] = "unknown provider; pick one from the list or type the settings"
        return preset

    def _host(self, preset) -> str | None:
        if self.text("host") is None and "host" not in self.errors and preset is not None \
                and preset.default_host is not None:
            return preset.default_host
        host = self.checked("host", names.host_name)
        if host is None and "host" not in self.errors:
            self.errors["host"] = "enter the SMTP server name, e.g. smtp.example.com"
        return host

    def _security(self) -> Security:
        value = self.raw.get("security")
        if isinstance(value, Security):
            return value
        text = self.text("security")
        if text is None:
            return Security.AUTO
        try:
            return Security(SECURITY_ALIASES.get(text.lower(), text.lower()))
        except ValueError:
            self.errors["security"] = f"unknown security mode {text[:20]!r}: {_SECURITY_CHOICES}"
            return Security.AUTO

    def _port(self) -> int | None:
        text = self.text("port")
        if text is None:
            return None
        if not (text.isascii() and text.isdigit()):
            self.errors["port"] = f"{text[:20]!r} is not a port number: {_PORT_HINT}"
            return None
        try:
            return names.port_number(int(text))
        except names.BadName:
            self.errors["port"] = f"port {text[:20]} is out of range: {_PORT_HINT}"
            return None

    def _auth_mech(self) -> str | None:
        text = self.text("auth_mech")
        if text is None or text.upper() in AUTH_MECHANISMS:
            return text.upper() if text else None
        self.errors["auth_mech"] = f"unknown AUTH mechanism {text[:20]!r}: use one of {', '.join(AUTH_MECHANISMS)}"
        return None

    def _selectors(self) -> tuple[str, ...]:
        selectors = self.items("dkim_selectors") or ()
        if len(selectors) > MAX_SELECTORS or any(
                len(s) > 63 or not all(c.isalnum() or c in "-_." for c in s) for s in selectors):
            self.errors["dkim_selectors"] = (f"up to {MAX_SELECTORS} selector names (letters, digits, - _ .), "
                                             "separated by spaces")
            return ()
        return selectors

    def _resolvers(self) -> tuple[str, ...]:
        resolvers = self.items("resolvers") or ()
        for r in resolvers:
            try:
                names.parse_nameserver(r)
            except ValueError as exc:
                self.errors["resolvers"] = str(exc)
        return resolvers

    def _zones(self) -> tuple[str, ...] | None:
        zones = self.items("dnsbl_zones")
        if zones:
            try:
                validate.dnsbl_zones(zones)  # the rule `blacklist --dnsbl` applies, in its words
            except ValueError as exc:
                self.errors["dnsbl_zones"] = str(exc)
                return None
        for zone in zones or ():
            try:
                names.dns_name(zone)
            except ValueError as exc:
                self.errors["dnsbl_zones"] = f"blocklist zone: {exc}"
        return zones or None

    def _sweep_ports(self) -> tuple[int, ...]:
        ports = self.items("sweep_ports")
        if ports is None:
            return SWEEP_PORTS
        for part in ports:
            if not (part.isascii() and part.isdigit()) or not 1 <= int(part) <= 65535:
                self.errors["sweep_ports"] = f"{part[:20]!r} is not a port number (1-65535)"
                return ()
        if len(ports) > MAX_SWEEP_PORTS:
            self.errors["sweep_ports"] = f"at most {MAX_SWEEP_PORTS} ports"
        return tuple(int(p) for p in ports)

    def _timeout(self) -> float:
        text = self.text("timeout")
        if text is None:
            return DEFAULT_TIMEOUT
        try:
            timeout = float(text)
        except ValueError:
            self.errors["timeout"] = "a number of seconds, e.g. 10"
            return DEFAULT_TIMEOUT
        if not (math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT):
            self.errors["timeout"] = f"between 0 and {MAX_TIMEOUT:g} seconds (more than 0)"
        return timeout


def _provider_key(text: str) -> str:
    """A preset key (``--provider gmail``): read the server's answers as that provider's."""
    from .providers import get, presets

    if get(text) is None:
        raise ValueError(f"unknown --provider {text!r}: use one of {', '.join(p.key for p in presets())}")
    return text


def _helo(text: str) -> str:
    """What goes after EHLO: a host name, or an address literal kept in its brackets (RFC 5321 4.1.3);
    never a control character (a CR/LF would end the command: validate.helo_name)."""
    validate.wire_text(text, what="--helo")
    if text.startswith("[") and text.endswith("]"):
        names.ip_address(text[1:-1].removeprefix("IPv6:"))
        return text
    return names.host_name(text)


def _domain(text: str) -> str:
    return names.normalise_domain(text).name
