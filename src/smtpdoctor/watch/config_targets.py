"""The tables of a watch configuration: [watch], [alerts], [[submission]], [[domain]], [[blocklist]].

Each value goes through the same validators as the one-shot commands' options (``validate``, the DNS
server parser, the blocklist target parser, the domain name normaliser), so a config line and a command
line are judged alike.
"""

from __future__ import annotations

import os
from typing import Any, Callable

from ..core import names as validate
from .config import DEFAULT_INTERVALS, KINDS, AlertSettings, EmailSettings, Target, parse_interval

__all__ = ["read_watch", "read_alerts", "read_targets"]

_SECURITY = ("auto", "starttls", "tls", "none")


def _nameserver(value: str) -> str:
    from ..net.dns import parse_nameserver

    parse_nameserver(value)
    return value


def _file(value: str) -> str:
    if not os.path.isfile(value):
        raise ValueError(f"{value}: no such file")
    return value


def _security(value: str) -> str:
    v = value.lower()
    if v not in _SECURITY:
        raise ValueError(f"{value!r}: use auto, starttls, tls or none")
    return v


def _between(lo: float, hi: float, what: str) -> Callable[[Any], Any]:
    def check(value):
        if not lo <= value <= hi:
            raise ValueError(f"{what} must be between {lo:g} and {hi:g}")
        return value
    return check


def read_watch(r) -> dict:
    if r is None:
        return {}
    r.unknown({"db", "retention_days", "resolvers", "dnsbl", "ca_file", "timeout", "concurrency"})
    out: dict[str, Any] = {}
    if (db := r.get("db", str)) is not None:
        out["db"] = db
    if (days := r.check("retention_days", r.get("retention_days", (int, float)),
                        _between(0.01, 36600, "retention_days"))) is not None:
        out["retention_days"] = float(days)
    out["resolvers"] = tuple(v for v in (r.check("resolvers", x, _nameserver) for x in r.strings("resolvers")) if v)
    zones = r.strings("dnsbl")
    out["dnsbl"] = zones or None
    if (ca := r.check("ca_file", r.get("ca_file", str), _file)) is not None:
        out["ca_file"] = ca
    if (t := r.check("timeout", r.get("timeout", (int, float)), _between(0.1, 300, "timeout"))) is not None:
        out["timeout"] = float(t)
    if (c := r.check("concurrency", r.get("concurrency", int), _between(1, 10_000, "concurrency"))) is not None:
        out["concurrency"] = c
    return out


def read_alerts(reader, table: Any) -> AlertSettings:
    r = reader("alerts", 0, table, "alerts")
    if r is None:
        return AlertSettings()
    r.unknown({"log", "webhook", "email", "cert_days", "unreachable_after"})
    hooks = r.strings("webhook")
    for url in hooks:
        if not url.startswith(("http://", "https://")):
            r.error("webhook", f"{url!r} is not an http:// or https:// URL")
    out: dict[str, Any] = {"webhooks": hooks}
    if (log := r.get("log", bool)) is not None:
        out["log"] = log
    if (days := r.check("cert_days", r.get("cert_days", int), _between(0, 3650, "cert_days"))) is not None:
        out["cert_days"] = days
    if (k := r.check("unreachable_after", r.get("unreachable_after", int),
                     _between(1, 1000, "unreachable_after"))) is not None:
        out["unreachable_after"] = k
    if "email" in r.table:
        out["email"] = _email(reader("alerts.email", 0, r.table["email"], "alerts.email"))
    return AlertSettings(**out)


def _email(r) -> EmailSettings | None:
    if r is None:
        return None
    r.unknown({"host", "port", "security", "user", "password_env", "from", "to", "ca_file", "timeout"})
    host = r.check("host", r.get("host", str, required=True), validate.host_name)
    port = r.check("port", r.get("port", int, 587), validate.port_number)
    security = r.check("security", r.get("security", str, "starttls"), _security)
    if security == "auto":
        security = "starttls"
    sender = r.check("from", r.get("from", str, required=True), validate.email_address)
    to = tuple(v for v in (r.check("to", x, validate.email_address) for x in r.strings("to")) if v)
    if not to and "to" not in r.table:
        r.error("", "'to' is missing")
    user = r.get("user", str)
    password = r.secret()
    ca = r.check("ca_file", r.get("ca_file", str), _file)
    if None in (host, port, security, sender):
        return None
    return EmailSettings(host=host, port=port, security=security, user=user, password=password,
                         mail_from=sender, to=to, ca_file=ca)


def read_targets(reader, doc: dict, general: dict) -> list[Target]:
    out: list[Target] = []
    for kind in KINDS:
        tables = doc.get(kind, [])
        if not isinstance(tables, list):
            tables = [tables]
        for i, table in enumerate(tables):
            r = reader(kind, i, table, f"{kind}[{i + 1}]")
            if r is None:
                continue
            target = {"submission": _submission, "domain": _domain, "blocklist": _blocklist}[kind](r)
            if target is not None:
                out.append(target)
    return out


def _interval(r, kind: str) -> float | None:
    value = r.get("every", (int, float, str))
    if value is None:
        return DEFAULT_INTERVALS[kind]
    return r.check("every", value, parse_interval)


def _submission(r) -> Target | None:
    r.unknown({"name", "host", "port", "security", "user", "password_env", "from", "to", "helo", "domain",
               "ip", "dkim_selectors", "ports", "timeout", "ca_file", "every"})
    errors_before = len(r.errors)
    host = r.check("host", r.get("host", str, required=True), validate.host_name)
    opts: dict[str, Any] = {"host": host}
    if (port := r.check("port", r.get("port", int), validate.port_number)) is not None:
        opts["port"] = port
    opts["security"] = r.check("security", r.get("security", str, "auto"), _security)
    if (user := r.get("user", str)) is not None:
        opts["user"] = user
    password = r.secret()
    if password is not None and user is None:
        r.error("password_env", "a password was given without 'user'")
    for key, field in (("from", "mail_from"), ("to", "rcpt_to")):
        if (v := r.check(key, r.get(key, str), validate.email_address)) is not None:
            opts[field] = v
    if (helo := r.get("helo", str)) is not None:
        opts["helo"] = helo
    if (domain := r.get("domain", str)) is not None:
        opts["domain"] = domain
    if (ip := r.check("ip", r.get("ip", str), validate.ip_address)) is not None:
        opts["ip"] = ip
    opts["dkim_selectors"] = r.strings("dkim_selectors")
    ports = r.get("ports", list)
    if ports is not None:
        if not all(isinstance(p, int) and not isinstance(p, bool) and 1 <= p <= 65535 for p in ports):
            r.error("ports", "expected a list of port numbers")
        else:
            opts["sweep_ports"] = tuple(ports)
    if (t := r.check("timeout", r.get("timeout", (int, float)), _between(0.1, 300, "timeout"))) is not None:
        opts["timeout"] = float(t)
    if (ca := r.check("ca_file", r.get("ca_file", str), _file)) is not None:
        opts["ca_file"] = ca
    every = _interval(r, "submission")
    if len(r.errors) > errors_before or host is None or every is None:
        return None
    name = r.get("name", str) or (f"{host}:{opts['port']}" if "port" in opts else host)
    return Target(kind="submission", name=name, interval=every, options=opts, password=password)


def _domain(r) -> Target | None:
    from ..core.names import BadDomain, normalise_domain

    r.unknown({"name", "ip", "dkim_selectors", "helo", "every"})
    errors_before = len(r.errors)
    name = r.get("name", str, required=True)
    if name is not None:
        try:
            name = normalise_domain(name).name
        except BadDomain as exc:
            r.error("name", str(exc))
            name = None
    opts: dict[str, Any] = {"dkim_selectors": r.strings("dkim_selectors")}
    if (ip := r.check("ip", r.get("ip", str), validate.ip_address)) is not None:
        opts["ip"] = ip
    if (helo := r.get("helo", str)) is not None:
        opts["helo"] = helo
    every = _interval(r, "domain")
    if len(r.errors) > errors_before or name is None or every is None:
        return None
    return Target(kind="domain", name=name, interval=every, options=opts)


def _blocklist(r) -> Target | None:
    from ..core.dnsbl_targets import BadInput, parse_target

    r.unknown({"target", "name", "dnsbl", "every"})
    errors_before = len(r.errors)
    value = r.get("target", str, required=True)
    if value is not None:
        try:
            expanded = parse_target(value)
        except BadInput as exc:
            r.error("target", str(exc))
            expanded = []
    opts: dict[str, Any] = {"target": value}
    zones = r.strings("dnsbl")
    if zones:
        opts["dnsbl"] = zones
    every = _interval(r, "blocklist")
    if len(r.errors) > errors_before or value is None or not expanded or every is None:
        return None
    opts["values"] = tuple(t.value for t in expanded)
    return Target(kind="blocklist", name=r.get("name", str) or value.strip(), interval=every, options=opts)
