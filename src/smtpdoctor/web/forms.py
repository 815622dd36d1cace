"""Form fields to :class:`~smtpdoctor.core.settings.Settings`, with one plain message per bad field.

The password is read once into a :class:`~smtpdoctor.core.settings.Secret` and never put back into the
values that re-fill the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..core import validate as checks
from ..core import names as validate
from ..core.settings import Secret, Security, Settings
from .config import ServeConfig

__all__ = ["FormResult", "parse_diagnose", "MAX_FIELD", "MAX_PASSWORD", "preset_choices", "preset_default_host",
           "field_text"]

MAX_FIELD = 320
MAX_PASSWORD = 1024
DIAGNOSE_FIELDS = ("preset", "host", "port", "security", "user", "mail_from", "rcpt_to", "domain", "ip", "helo",
                   "dkim_selectors", "timeout")


@dataclass(slots=True)
class FormResult:
    values: dict[str, str]  # what to put back in the form (never the password)
    errors: dict[str, str] = field(default_factory=dict)
    settings: Settings | None = None
    password_given: bool = False  # a password came with the form (it is never sent back)


def field_text(form: Mapping[str, Any], name: str, limit: int = MAX_FIELD) -> tuple[str, str | None]:
    """The field as stripped text, and an error when it is not text or too long."""
    value = form.get(name)
    if value is None:
        return "", None
    if not isinstance(value, str):
        return "", "this field takes text, not a file"
    if len(value) > limit:
        return "", f"too long (at most {limit} characters)"
    return value.strip(), None


def preset_choices() -> list[dict[str, Any]]:
    from ..core.providers import presets

    out = []
    for p in presets():
        host = preset_default_host(p)
        if host is None or not p.ports:
            continue
        out.append({"key": p.key, "name": p.name, "host": host, "port": p.ports[0].port,
                    "security": str(p.ports[0].security)})
    return out


def preset_default_host(preset) -> str | None:
    return next((h for h in preset.hosts if not h.startswith("re:") and not any(c in h for c in "*?[")), None)


def parse_diagnose(form: Mapping[str, Any], config: ServeConfig) -> FormResult:
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in DIAGNOSE_FIELDS:
        values[name], err = field_text(form, name)
        if err:
            errors[name] = err
    password_raw = form.get("password")
    password = ""
    if password_raw is not None:
        if not isinstance(password_raw, str):
            errors["password"] = "this field takes text, not a file"
        elif len(password_raw) > MAX_PASSWORD:
            errors["password"] = f"too long (at most {MAX_PASSWORD} characters)"
        else:
            password = password_raw
    result = FormResult(values=values, errors=errors, password_given=bool(password))

    preset = None
    if values["preset"]:
        from ..core.providers import get

        preset = get(values["preset"])
        if preset is None:
            errors["preset"] = "unknown provider; pick one from the list or type the settings"
    if not values["host"] and preset is not None:
        values["host"] = preset_default_host(preset) or ""

    host = port = None
    security = Security.AUTO
    if "host" not in errors:
        if not values["host"]:
            errors["host"] = "enter the SMTP server name, e.g. smtp.example.com"
        else:
            try:
                host = validate.host_name(values["host"])
            except ValueError as exc:
                errors["host"] = str(exc).replace(" with --port", " in the Port field")
    if values["security"]:
        try:
            security = Security(values["security"].lower())
        except ValueError:
            errors["security"] = "choose one of the listed security modes"
    if values["port"]:
        if not (values["port"].isascii() and values["port"].isdigit()):
            errors["port"] = f"{values['port'][:20]!r} is not a port number: use a number from 1 to 65535"
        else:
            try:
                port = validate.port_number(int(values["port"]))
            except ValueError as exc:
                errors["port"] = str(exc)
    elif preset is not None and preset.recommended is not None:
        port = preset.recommended.port
        values["port"] = str(port)
        if security is Security.AUTO:
            security = preset.recommended.security
            values["security"] = str(security)

    user = values["user"] or None
    if user and not password:
        errors["password"] = "enter the password for this user (it is used for this run only, never stored)"
    if password and not user:
        errors["user"] = "enter the user name that goes with the password"

    def _check(name: str, fn) -> str | None:
        if not values[name] or name in errors:
            return None
        try:
            return fn(values[name])
        except ValueError as exc:
            errors[name] = str(exc)
            return None

    _check("user", lambda v: checks.wire_text(v, what="the user name"))
    mail_from = _check("mail_from", validate.email_address)
    rcpt_to = _check("rcpt_to", validate.email_address)
    ip = _check("ip", validate.ip_address)
    helo = _check("helo", validate.host_name)
    domain = _check("domain", validate.host_name)
    selectors: tuple[str, ...] = ()
    if values["dkim_selectors"]:
        selectors = tuple(s for s in values["dkim_selectors"].replace(",", " ").split() if s)
        if len(selectors) > 10 or any(len(s) > 63 or not all(c.isalnum() or c in "-_." for c in s) for s in selectors):
            errors["dkim_selectors"] = "up to 10 selector names (letters, digits, - _ .), separated by spaces"
    timeout = config.timeout
    if values["timeout"]:
        try:
            timeout = float(values["timeout"])
        except ValueError:
            errors["timeout"] = "a number of seconds, e.g. 10"
        else:
            if not 0 < timeout <= 60:
                errors["timeout"] = "between 1 and 60 seconds"

    if errors or host is None:
        return result
    result.settings = Settings(
        host=host, port=port, security=security, user=user, password=Secret(password) if password else None,
        mail_from=mail_from, rcpt_to=rcpt_to, helo=helo, domain=domain, ip=ip, dkim_selectors=selectors,
        resolvers=config.resolvers, dnsbl_zones=config.dnsbl_zones, timeout=timeout, ca_file=config.ca_file,
    )
    return result
