"""The observations of a DNSBL run, as plain frozen values: what each query answered, what each zone's
health guard concluded, and what each zone said about each target."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .observations import Outcome
from .serialize import JsonMixin, js
from .dnsbl_targets import Target
from .dnsbl_zones import Kind, Weight, Zone

if TYPE_CHECKING:
    from .dnsbl_decode import Decoded  # made with a zone's first answer

__all__ = ["Answer", "ZoneStatus", "ZoneHealth", "Status", "ZoneResult", "TargetResult", "Environment"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer(JsonMixin):
    """The A (or TXT) answer to one DNSBL query name."""

    name: str
    outcome: Outcome
    records: tuple[str, ...] = ()
    error: str | None = None
    elapsed: float = field(default=0.0, metadata=js(omit=True))


class ZoneStatus(StrEnum):
    OK = "ok"  # test points answered as RFC 5782 says
    REFUSED = "refused"  # error codes (127.255.255.x...): the list refuses this resolver
    BROKEN = "broken"  # answers outside 127.0.0.0/8: broken or hijacked zone (or a rewriting resolver)
    ANSWERS_EVERYTHING = "answers-everything"  # lists 127.0.0.1 / "invalid": dead or wildcard zone
    UNVERIFIED = "unverified"  # does not list its positive test point: "not listed" can't be trusted
    UNREACHABLE = "unreachable"  # both test queries failed (timeout, SERVFAIL ...)
    NOT_SERVED = "not-served"  # a zone not in the catalogue that lists no test point of this kind

    @property
    def usable(self) -> bool:
        """Whether the zone's answers may be reported at all."""
        return self not in (ZoneStatus.BROKEN, ZoneStatus.ANSWERS_EVERYTHING)


@dataclass(frozen=True, slots=True, kw_only=True)
class ZoneHealth(JsonMixin):
    zone: Zone = field(metadata=js(convert=lambda zone: zone.name))
    kind: Kind
    status: ZoneStatus
    why: str = ""
    listed_point: Answer | None = field(default=None, metadata=js(omit=True))
    unlisted_point: Answer | None = field(default=None, metadata=js(omit=True))


@dataclass(frozen=True, slots=True, kw_only=True)
class Environment:
    """Whether the whole environment (usually the resolver) makes every zone answer "listed"."""

    everything_listed: bool
    zones_checked: int
    zones_listing_everything: tuple[str, ...] = ()


class Status(StrEnum):
    LISTED = "listed"
    NOT_LISTED = "not-listed"
    ALLOWLISTED = "allowlisted"
    NEUTRAL = "neutral"  # a reputation zone answered neither good nor bad
    REFUSED = "refused"  # an error code: the query was refused, nothing is known
    FAILED = "failed"  # timeout, SERVFAIL ...: could not test
    UNKNOWN = "unknown"  # answered "not listed", but the zone failed its health guard
    UNUSABLE = "unusable"  # the zone (or the environment) is broken: its answer is ignored


@dataclass(frozen=True, slots=True, kw_only=True)
class ZoneResult:
    zone: Zone
    status: Status
    codes: tuple[Decoded, ...] = ()
    reason: str | None = None  # the list's TXT record, when listed
    why: str = ""  # for refused / failed / unknown / unusable
    answer: Answer | None = None

    @property
    def weight(self) -> Weight:
        if not self.codes:
            return self.zone.weight
        return max((c.weight for c in self.codes), key=lambda w: w.rank)

    @property
    def meaning(self) -> str:
        return "; ".join(dict.fromkeys(c.meaning for c in self.codes))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"zone": self.zone.name, "list": self.zone.label, "status": str(self.status)}
        if self.codes:
            out["codes"] = [c.address for c in self.codes]
            out["meaning"] = self.meaning
        if self.status is Status.LISTED:
            out["weight"] = str(self.weight)
            out["reason"] = self.reason
            out["delist"] = self.zone.delist
        if self.why:
            out["why"] = self.why
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetResult:
    target: Target
    results: tuple[ZoneResult, ...] = field(default_factory=tuple)

    def by_status(self, status: Status) -> tuple[ZoneResult, ...]:
        return tuple(r for r in self.results if r.status is status)

    @property
    def listed(self) -> bool:
        return any(r.status is Status.LISTED for r in self.results)
