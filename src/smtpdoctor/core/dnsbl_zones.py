"""The zone catalogue (``knowledge/dnsbl.toml``) as values, and how one answer of a zone is read.

Nothing here does I/O except reading the packaged TOML once, on first use. :func:`decode` is the one place
that turns "this zone answered 127.0.0.x" into a meaning, an effect (block, allow, neutral, or a refused
query) and a weight.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any, Mapping, Sequence

from .lazy_names import lazy_names

__all__ = [
    "Kind",
    "Weight",
    "Effect",
    "Code",
    "Zone",
    "Delisting",
    "DeadZone",
    "Citation",
    "Catalogue",
    "Decoded",
    "catalogue",
    "load_catalogue",
    "select_zones",
    "decode",
    "UnknownZoneName",
]


class Kind(StrEnum):
    IPV4 = "ipv4"
    IPV6 = "ipv6"
    DOMAIN = "domain"


class Weight(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return {"high": 3, "medium": 2, "low": 1}[self.value]


class Effect(StrEnum):
    BLOCK = "block"  # a listing: hurts delivery
    ALLOW = "allow"  # an allow-list entry or good reputation
    NEUTRAL = "neutral"  # an answer that is neither (neutral reputation)
    ERROR = "error"  # the zone refused the query or the query was bad: never a listing
    BROKEN = "broken"  # an answer outside 127.0.0.0/8: a broken or hijacked zone


@dataclass(frozen=True, slots=True, kw_only=True)
class Code:
    meaning: str
    weight: Weight | None = None  # None: the zone's weight
    effect: Effect | None = None  # None: the zone's purpose
    advice: str | None = None  # what to do first for this code (None: the zone's first step)


@dataclass(frozen=True, slots=True, kw_only=True)
class Delisting:
    """A list's own removal rules, as its operator publishes them ("unknown" where it does not)."""

    self_service: str = "unknown"
    expiry: str = "unknown"  # time-based removal
    paid_express: str = "unknown"

    def text(self) -> str:
        return (f"self-service removal: {self.self_service}; expiry by time: {self.expiry}; "
                f"paid express removal: {self.paid_express}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Zone:
    name: str
    label: str
    operator: str = ""
    kinds: frozenset[Kind] = frozenset(Kind)
    purpose: Effect = Effect.BLOCK
    weight: Weight = Weight.MEDIUM
    enabled: bool = True
    delist: str | None = None
    delisting: Delisting | None = None  # None: a zone the catalogue does not describe
    notes: tuple[str, ...] = ()
    first_step: str | None = None
    timeout: float = 4.0
    codes: Mapping[str, Code] = field(default_factory=dict)
    ranges: tuple[tuple[int, int, Code], ...] = ()
    bits: Mapping[int, Code] = field(default_factory=dict)
    octet3: Mapping[int, str] = field(default_factory=dict)
    octet4: Mapping[int, str] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)
    error_networks: tuple[ipaddress.IPv4Network, ...] = ()
    tests: Mapping[Kind, tuple[str, str]] = field(default_factory=dict)  # kind -> (listed, not listed)
    known: bool = True  # False for a zone given with --dnsbl that the catalogue does not describe

    def serves(self, kind: Kind) -> bool:
        return kind in self.kinds


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadZone:
    name: str  # "db.wpbl.info" or "*.sorbs.net"
    reason: str

    def matches(self, zone: str) -> bool:
        zone = zone.rstrip(".").lower()
        if self.name.startswith("*."):
            base = self.name[2:]
            return zone == base or zone.endswith("." + base)
        return zone == self.name


@dataclass(frozen=True, slots=True, kw_only=True)
class Citation:
    pattern: str
    zone: str | None = None
    list: str | None = None
    delist: str | None = None
    advice: str | None = None
    generic: bool = False  # the reply blames a list without naming it


@dataclass(frozen=True, slots=True, kw_only=True)
class Catalogue:
    zones: tuple[Zone, ...]
    dead: tuple[DeadZone, ...]
    citations: tuple[Citation, ...]
    defaults: Zone  # the template for zones that are not in the catalogue

    def zone(self, name: str) -> Zone | None:
        name = name.rstrip(".").lower()
        return next((z for z in self.zones if z.name == name), None)

    def dead_reason(self, name: str) -> DeadZone | None:
        return next((d for d in self.dead if d.matches(name)), None)

    def related(self, name: str) -> Zone | None:
        """The catalogue zone ``name`` is, or one run by the same operator domain (sbl.spamhaus.org -> ZEN)."""
        exact = self.zone(name)
        if exact is not None:
            return exact
        base = ".".join(name.rstrip(".").lower().split(".")[-2:])
        return next((z for z in self.zones if z.name.endswith("." + base) or z.name == base), None)

    @property
    def default_zones(self) -> tuple[Zone, ...]:
        return tuple(z for z in self.zones if z.enabled)


class UnknownZoneName(ValueError):
    """A --dnsbl value that is not a usable DNS zone name."""


# -- loading -------------------------------------------------------------------------------------------

def _code(raw: Mapping[str, Any] | str) -> Code:
    if isinstance(raw, str):
        return Code(meaning=raw)
    return Code(
        meaning=raw["meaning"],
        weight=Weight(raw["weight"]) if "weight" in raw else None,
        effect=Effect(raw["effect"]) if "effect" in raw else None,
        advice=raw.get("advice"),
    )


def _ip_int(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def _tests(raw: Mapping[str, Sequence[str]]) -> dict[Kind, tuple[str, str]]:
    out: dict[Kind, tuple[str, str]] = {}
    for kind, pair in raw.items():
        if len(pair) != 2:
            raise ValueError(f"test points for {kind} must be [listed, not listed], got {pair!r}")
        out[Kind(kind)] = (str(pair[0]), str(pair[1]))
    return out


def _zone(raw: Mapping[str, Any], defaults: Mapping[str, Any]) -> Zone:
    tests = _tests(defaults.get("test", {}))
    tests.update(_tests(raw.get("test", {})))
    errors = dict(defaults.get("errors", {}))
    errors.update(raw.get("errors", {}))
    networks = tuple(ipaddress.IPv4Network(n) for n in (*defaults.get("error_networks", ()),
                                                          *raw.get("error_networks", ())))
    name = raw["name"].rstrip(".").lower()
    return Zone(
        name=name,
        label=raw.get("label", name),
        operator=raw.get("operator", ""),
        kinds=frozenset(Kind(k) for k in raw.get("kinds", [k.value for k in Kind])),
        purpose=Effect(raw.get("purpose", "block")),
        weight=Weight(raw.get("weight", defaults.get("weight", "medium"))),
        enabled=bool(raw.get("enabled", True)),
        delist=raw.get("delist"),
        delisting=Delisting(**raw["delisting"]) if "delisting" in raw else None,
        notes=tuple(raw.get("notes", ())),
        first_step=raw.get("first_step"),
        timeout=float(raw.get("timeout", defaults.get("timeout", 4.0))),
        codes={k: _code(v) for k, v in raw.get("codes", {}).items()},
        ranges=tuple((_ip_int(r["first"]), _ip_int(r["last"]), _code(r)) for r in raw.get("ranges", ())),
        bits={int(k): _code(v) for k, v in raw.get("bits", {}).items()},
        octet3={int(k): v for k, v in raw.get("octet3", {}).items()},
        octet4={int(k): v for k, v in raw.get("octet4", {}).items()},
        errors=errors,
        error_networks=networks,
        tests=tests,
        known=raw.get("known", True),
    )


def load_catalogue(text: str) -> Catalogue:
    """Parse catalogue TOML text (the packaged file, or a test's own)."""
    import tomllib  # only here: the packaged catalogue comes parsed from core/toml_cache

    return _catalogue_from(tomllib.loads(text))


def _catalogue_from(data: Mapping[str, Any]) -> Catalogue:
    defaults = data.get("defaults", {})
    zones = tuple(_zone(z, defaults) for z in data.get("zone", ()))
    names = [z.name for z in zones]
    if len(set(names)) != len(names):
        raise ValueError("a zone is defined twice in the DNSBL catalogue")
    dead = tuple(DeadZone(name=d["name"].lower(), reason=d["reason"]) for d in data.get("dead", ()))
    citations = tuple(
        Citation(pattern=c["pattern"], zone=c.get("zone"), list=c.get("list"), delist=c.get("delist"),
                 advice=c.get("advice"), generic=bool(c.get("generic", False)))
        for c in data.get("citation", ())
    )
    template = _zone({"name": "zone.invalid", "known": False}, defaults)
    return Catalogue(zones=zones, dead=dead, citations=citations, defaults=template)


@cache
def catalogue() -> Catalogue:
    """The packaged catalogue, loaded once on first use."""
    from .toml_cache import knowledge_toml

    return _catalogue_from(knowledge_toml("dnsbl.toml"))


def _check_zone_name(name: str) -> str:
    from .validate import zone_name

    try:
        return zone_name(name)
    except ValueError as exc:
        raise UnknownZoneName(str(exc)) from None


def select_zones(names: Sequence[str] | None, *, cat: Catalogue | None = None
                 ) -> tuple[tuple[Zone, ...], tuple[tuple[str, DeadZone], ...]]:
    """The zones to ask and the requested zones kept out as dead.

    ``None`` or empty: the catalogue's default set. Otherwise the named zones replace the catalogue; the
    words ``default`` (the default set) and ``all`` (every catalogue zone, including those off by default)
    may be mixed with zone names. Zones not in the catalogue are asked with the defaults (any kind,
    RFC 5782 test points, medium weight). Raises :class:`UnknownZoneName` for a name that is not a zone.
    """
    cat = cat or catalogue()
    if not names:
        return cat.default_zones, ()
    from .validate import ZONE_WORDS

    chosen: dict[str, Zone] = {}
    dead: list[tuple[str, DeadZone]] = []
    for raw in names:
        word = raw.strip().lower()
        if word in ZONE_WORDS:
            for z in (cat.default_zones if word == "default" else cat.zones):
                chosen.setdefault(z.name, z)
            continue
        name = _check_zone_name(raw)
        gone = cat.dead_reason(name)
        if gone is not None:
            if all(n != name for n, _ in dead):
                dead.append((name, gone))
            continue
        zone = cat.zone(name)
        if zone is None:
            d = cat.defaults
            zone = Zone(name=name, label=name, kinds=d.kinds, weight=d.weight, timeout=d.timeout,
                        errors=d.errors, error_networks=d.error_networks, tests=d.tests, known=False)
        chosen.setdefault(name, zone)
    return tuple(chosen.values()), tuple(dead)


# Reading an answer (:class:`Decoded`, :func:`decode`) is in .dnsbl_decode, loaded with the first answer of
# a zone: a run whose queries all fail (a resolver that refuses) never builds it (issue 16). Named here too.
__getattr__ = lazy_names(globals(), {"Decoded": ".dnsbl_decode", "decode": ".dnsbl_decode"})  # PEP 562
