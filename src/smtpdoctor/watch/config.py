"""The watch configuration: a TOML file of targets, defaults and alert channels, read into frozen values.

Every problem is reported at once, one error per bad line (``watch.toml:12: submission[1].port: ...``),
so a user fixes the file in one pass; :class:`ConfigError` carries them all. Passwords are never in the
file: ``password_env`` names an environment variable, read here and wrapped in a :class:`Secret`.

Example (see docs/watch.md for every key)::

    [watch]
    resolvers = ["192.0.2.53"]
    [alerts]
    webhook = "https://hooks.example/T000"
    [[submission]]
    host = "smtp.example.com"
    user = "news@example.com"
    password_env = "SMTP_PASSWORD"
    [[domain]]
    name = "example.com"
    ip = "203.0.113.9"
    dkim_selectors = ["s1"]
    [[blocklist]]
    target = "203.0.113.0/28"
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..core.settings import Secret

__all__ = ["ConfigError", "Target", "EmailSettings", "AlertSettings", "WatchConfig", "load_config",
           "parse_config", "parse_interval", "DEFAULT_INTERVALS", "KINDS", "MAX_CONFIG_BYTES"]

KINDS = ("submission", "domain", "blocklist")
DEFAULT_INTERVALS = {"submission": 300.0, "blocklist": 900.0, "domain": 3600.0}
MAX_CONFIG_BYTES = 5_000_000
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


class ConfigError(Exception):
    """A bad configuration: ``errors`` holds one message per bad line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """One thing to watch. ``key`` is its identity in the history (kind + name)."""

    kind: str
    name: str
    interval: float
    options: Mapping[str, Any] = field(default_factory=dict)  # the one-shot command's settings
    password: Secret | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailSettings:
    host: str
    port: int = 587
    security: str = "starttls"  # starttls | tls | none
    user: str | None = None
    password: Secret | None = None
    mail_from: str = ""
    to: tuple[str, ...] = ()
    ca_file: str | None = None
    timeout: float = 20.0


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertSettings:
    log: bool = True
    webhooks: tuple[str, ...] = ()
    email: EmailSettings | None = None
    cert_days: int = 14  # alert when the certificate expires within this many days
    unreachable_after: int = 2  # consecutive unreachable runs before the alert

    @property
    def channels(self) -> tuple[str, ...]:
        out = ["log"] if self.log else []
        out += [f"webhook:{i}" for i in range(len(self.webhooks))]
        if self.email is not None:
            out.append("email")
        return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class WatchConfig:
    targets: tuple[Target, ...]
    alerts: AlertSettings = AlertSettings()
    db: str | None = None
    retention_days: float = 90.0
    resolvers: tuple[str, ...] = ()
    dnsbl: tuple[str, ...] | None = None
    ca_file: str | None = None
    timeout: float = 10.0
    concurrency: int = 32


def parse_interval(value: Any) -> float:
    """``300``, ``"30s"``, ``"5m"``, ``"1h"``, ``"1d"`` -> seconds (at least 1 s)."""
    if isinstance(value, bool):
        raise ValueError("an interval is a number of seconds or a text like '5m'")
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        m = _INTERVAL.match(str(value))
        if not m:
            raise ValueError(f"{value!r} is not an interval (use seconds or a text like '30s', '5m', '1h')")
        seconds = float(m.group(1)) * _UNIT[m.group(2)]
    if not 1 <= seconds <= 366 * 86400:
        raise ValueError("an interval must be between 1 second and a year")
    return seconds


class _Lines:
    """Where keys are in the file, to point each error at its line (tomllib gives values, not lines)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")

    def __init__(self, text: str) -> None:
        self.where: dict[tuple[str, int, str], int] = {}
        counts: dict[str, int] = {}
        section, index = "", 0
        for number, line in enumerate(text.splitlines(), 1):
            header = self._HEADER.match(line)
            if header:
                section = header.group(2)
                index = counts.get(section, 0) if header.group(1) == "[[" else 0
                if header.group(1) == "[[":
                    counts[section] = index + 1
                self.where[(section, index, "")] = number
                continue
            key = self._KEY.match(line)
            if key:
                self.where.setdefault((section, index, key.group(1)), number)

    def line(self, section: str, index: int = 0, key: str = "") -> int:
        return self.where.get((section, index, key)) or self.where.get((section, index, "")) or 1


class _Reader:
    """Reads one table, collecting errors with their lines."""

    def __init__(self, source: str, lines: _Lines, errors: list[str], section: str, index: int,
                 table: Mapping[str, Any], label: str) -> None:
        self.source, self.lines, self.errors = source, lines, errors
        self.section, self.index, self.table, self.label = section, index, table, label

    def error(self, key: str, message: str) -> None:
        line = self.lines.line(self.section, self.index, key)
        where = f"{self.label}.{key}" if key else self.label
        self.errors.append(f"{self.source}:{line}: {where}: {message}")

    def unknown(self, known: set[str]) -> None:
        for key in self.table:
            if key not in known:
                self.error(key, f"unknown key (known: {', '.join(sorted(known))})")

    def get(self, key: str, kind: type | tuple, default: Any = None, *, required: bool = False) -> Any:
        if key not in self.table:
            if required:
                self.error("", f"'{key}' is missing")
            return default
        value = self.table[key]
        if isinstance(value, bool) and kind is not bool and bool not in (kind if isinstance(kind, tuple) else ()):
            self.error(key, f"expected {_name(kind)}, got true/false")
            return default
        if not isinstance(value, kind):
            self.error(key, f"expected {_name(kind)}, got {type(value).__name__}")
            return default
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key, (list, str), ())
        values = [value] if isinstance(value, str) else list(value)
        if not all(isinstance(v, str) and v.strip() for v in values):
            self.error(key, "expected a list of texts")
            return ()
        return tuple(v.strip() for v in values)

    def check(self, key: str, value: Any, fn) -> Any:
        if value is None:
            return None
        try:
            return fn(value)
        except ValueError as exc:
            self.error(key, str(exc))
            return None

    def secret(self, key: str = "password_env") -> Secret | None:
        name = self.get(key, str)
        if name is None:
            if "password" in self.table:
                self.error("password", "passwords are not written in the file: use password_env = \"VAR\"")
            return None
        value = os.environ.get(name)
        if value is None:
            self.error(key, f"the environment variable {name} is not set")
            return None
        return Secret(value)


def _name(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a text", int: "a whole number", float: "a number", bool: "true or false", list: "a list",
             dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def load_config(path: str) -> WatchConfig:
    """Read and parse ``path``; raises :class:`ConfigError` (missing, too large, not UTF-8, bad lines)."""
    try:
        if os.path.isdir(path):
            raise ConfigError([f"{path}: is a directory"])
        with open(path, "rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such file"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: {exc.strerror or exc}"]) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError([f"{path}: larger than {MAX_CONFIG_BYTES // 1_000_000} MB"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError([f"{path}: not UTF-8 text"]) from None
    return parse_config(text, source=path)


def parse_config(text: str, *, source: str = "config") -> WatchConfig:
    from .config_targets import read_alerts, read_targets, read_watch

    if "\0" in text:
        raise ConfigError([f"{source}: a binary file, not a TOML configuration"])
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError([f"{source}:{m.group(1) if m else 1}: {message}"]) from None
    lines = _Lines(text)
    errors: list[str] = []
    for key in doc:
        if key not in (*KINDS, "watch", "alerts"):
            errors.append(f"{source}:{lines.line(key)}: unknown section [{key}] (known: watch, alerts, "
                          "[[submission]], [[domain]], [[blocklist]])")

    def reader(section: str, index: int, table: Any, label: str) -> _Reader | None:
        if not isinstance(table, dict):
            errors.append(f"{source}:{lines.line(section, index)}: {label}: expected a table")
            return None
        return _Reader(source, lines, errors, section, index, table, label)

    general = read_watch(reader("watch", 0, doc.get("watch", {}), "watch"))
    alerts = read_alerts(reader, doc.get("alerts", {}))
    targets = read_targets(reader, doc, general)
    if not targets and not errors:
        errors.append(f"{source}:1: no targets: add a [[submission]], [[domain]] or [[blocklist]] table")
    seen: dict[str, int] = {}
    for t in targets:
        seen[t.key] = seen.get(t.key, 0) + 1
    for key, n in seen.items():
        if n > 1:
            errors.append(f"{source}:1: {key} is listed {n} times; give each a different name")
    if errors:
        def line_of(error: str) -> int:
            part = error[len(source) + 1:].split(":", 1)[0]
            return int(part) if part.isdigit() else 0

        raise ConfigError(sorted(errors, key=line_of))  # in file order (sorted() keeps ties in order)
    return WatchConfig(targets=tuple(targets), alerts=alerts, **general)
