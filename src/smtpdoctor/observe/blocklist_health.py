"""The guards run with every lookup, as pure functions of answers.

* Per zone and kind, the RFC 5782 test points: the "listed" point (127.0.0.2, ``test``) must be listed and
  the "not listed" point (127.0.0.1, ``invalid``) must not. A zone that lists the second answers "listed"
  for everything (dead, wildcard); one that misses the first cannot be trusted when it says "not listed".
* Answers outside 127.0.0.0/8 mark the zone broken or hijacked (or the resolver rewrites answers).
* Error codes (Spamhaus 127.255.255.x, URIBL 127.0.0.1, DBL 127.0.1.255 ...) mean "query refused: use
  your own resolver", never "listed".
* When most zones list everything, the environment (a public or rewriting resolver) is the cause: said once.
"""

from __future__ import annotations

from typing import Iterable

from ..core.observations import Outcome
from ..core.dnsbl_facts import Answer, Environment, Status, ZoneHealth, ZoneResult, ZoneStatus
from ..core.dnsbl_zones import Effect, Kind, Zone

__all__ = ["judge_zone", "judge_environment", "judge_answer", "points_for"]


def points_for(zone: Zone, kind: Kind) -> tuple[str, str]:
    """(listed, not listed) test keys of ``zone`` for ``kind``, as values to look up."""
    listed, unlisted = zone.tests.get(kind) or {
        Kind.IPV4: ("127.0.0.2", "127.0.0.1"),
        Kind.IPV6: ("::ffff:7f00:2", "::ffff:7f00:1"),
        Kind.DOMAIN: ("test", "invalid"),
    }[kind]
    return listed, unlisted


def _effects(zone: Zone, answer: Answer | None):
    if answer is None or answer.outcome is not Outcome.OK:
        return ()
    from ..core.dnsbl_decode import decode  # with the first answer (issue 16)

    return tuple(decode(zone, a) for a in answer.records)


def judge_zone(zone: Zone, kind: Kind, listed: Answer | None, unlisted: Answer | None, *,
               served: frozenset[Kind] | None = None) -> ZoneHealth:
    """The health of ``zone`` for ``kind`` from the answers to its two test points.

    ``served``: for a zone not in the catalogue, the kinds whose "listed" test point it lists. A zone that
    lists some kinds' test points but not this one's is taken as not serving this kind; one that lists
    none at all is unverified (its listings count, its "not listed" answers do not)."""
    key_listed, key_unlisted = points_for(zone, kind)

    def health(status: ZoneStatus, why: str) -> ZoneHealth:
        return ZoneHealth(zone=zone, kind=kind, status=status, why=why, listed_point=listed, unlisted_point=unlisted)

    decoded = (*_effects(zone, listed), *_effects(zone, unlisted))
    broken = [d for d in decoded if d.effect is Effect.BROKEN]
    if broken:
        return health(ZoneStatus.BROKEN, f"it answered {broken[0].address} for a test point: {broken[0].meaning}")
    errors = [d for d in decoded if d.effect is Effect.ERROR]
    if errors:
        return health(ZoneStatus.REFUSED, f"{errors[0].address}: {errors[0].meaning}")
    if unlisted is not None and unlisted.outcome is Outcome.OK:
        return health(ZoneStatus.ANSWERS_EVERYTHING,
                      f"it lists {key_unlisted}, which no list may list (answered {', '.join(unlisted.records)}): "
                      "the zone answers 'listed' for everything")
    failed = [a for a in (listed, unlisted) if a is None or a.outcome.is_failure]
    if len(failed) == 2:
        what = listed.outcome if listed is not None else "no answer"
        return health(ZoneStatus.UNREACHABLE, f"its test points could not be looked up ({what})")
    if not zone.known and served and kind not in served:
        return health(ZoneStatus.NOT_SERVED,
                      f"it does not list the {kind} test point {key_listed} but lists those of "
                      f"{', '.join(sorted(served))}: taken as not serving {kind} lookups")
    if not zone.known and served is not None and not served and (listed is None or listed.outcome.is_negative):
        return health(ZoneStatus.UNVERIFIED,
                      "it lists none of the RFC 5782 test points (127.0.0.2, ::ffff:7f00:2, test), so a "
                      "'not listed' answer cannot be confirmed")
    if listed is None or listed.outcome is not Outcome.OK:
        what = "could not be looked up" if listed is None or listed.outcome.is_failure else "is not listed"
        return health(ZoneStatus.UNVERIFIED,
                      f"its test point {key_listed} {what}, so a 'not listed' answer cannot be trusted")
    return health(ZoneStatus.OK, "test points answered as RFC 5782 requires")


def judge_environment(healths: Iterable[ZoneHealth]) -> Environment:
    """Everything is listed when at least two zones, and more than half of those that answered, list their
    "not listed" test point or answer outside 127.0.0.0/8: the resolver, not the zones, is at fault."""
    answered = [h for h in healths if h.status is not ZoneStatus.UNREACHABLE]
    bad = tuple(dict.fromkeys(h.zone.name for h in answered
                              if h.status in (ZoneStatus.ANSWERS_EVERYTHING, ZoneStatus.BROKEN)))
    zones = {h.zone.name for h in answered}
    return Environment(everything_listed=len(bad) >= 2 and 2 * len(bad) > len(zones),
                       zones_checked=len(zones), zones_listing_everything=bad)


def judge_answer(zone: Zone, health: ZoneHealth | None, answer: Answer, env: Environment) -> ZoneResult:
    """What ``zone``'s ``answer`` for one target means, given the zone's health and the environment."""
    def result(status: Status, why: str = "", codes=()) -> ZoneResult:
        return ZoneResult(zone=zone, status=status, codes=tuple(codes), why=why, answer=answer)

    if env.everything_listed:
        return result(Status.UNUSABLE, "the resolver makes every list answer 'listed'; results are ignored")
    if health is not None and not health.status.usable:
        return result(Status.UNUSABLE, f"zone failed its health guard: {health.why}")
    if answer.outcome.is_failure:
        return result(Status.FAILED, f"could not test: {answer.outcome}" + (f" ({answer.error})" if answer.error else ""))
    if answer.outcome is Outcome.OK:
        from ..core.dnsbl_decode import decode  # with the first answer (issue 16)

        codes = tuple(decode(zone, a) for a in answer.records)
        effects = {c.effect for c in codes}
        if Effect.BROKEN in effects:
            return result(Status.UNUSABLE, "answer outside 127.0.0.0/8: broken or hijacked zone", codes)
        if Effect.ERROR in effects:
            err = next(c for c in codes if c.effect is Effect.ERROR)
            return result(Status.REFUSED, err.meaning, codes)
        if Effect.BLOCK in effects:
            return result(Status.LISTED, "", [c for c in codes if c.effect is Effect.BLOCK])
        if Effect.ALLOW in effects:
            return result(Status.ALLOWLISTED, "", codes)
        return result(Status.NEUTRAL, "", codes)
    # NXDOMAIN / NODATA: not listed, if the zone can be trusted to say so.
    if health is not None and health.status is ZoneStatus.REFUSED:
        return result(Status.REFUSED, f"the zone refuses this resolver ({health.why})")
    if health is not None and health.status in (ZoneStatus.UNVERIFIED, ZoneStatus.UNREACHABLE):
        return result(Status.UNKNOWN, f"answered 'not listed', but {health.why}")
    return result(Status.NOT_LISTED)
