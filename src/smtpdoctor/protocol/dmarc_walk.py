"""The names the DMARC tree walk (RFC 9989) asks for: its own module, without :mod:`.dmarc`'s data classes
and observations, so that ``domain`` can send the walk's questions before those are imported
(``flows/domain_first.py``). :mod:`.dmarc` re-exports it. Pure."""

from __future__ import annotations

__all__ = ["MAX_WALK", "tree_walk"]

MAX_WALK = 8  # RFC 9989: the tree walk asks at most 8 names


def tree_walk(domain: str) -> tuple[str, ...]:
    """The names whose ``_dmarc`` TXT records the RFC 9989 tree walk asks for, in order: the domain, then
    (jumping to 7 labels when it has 8 or more) one label shorter each time, down to the TLD. At most 8."""
    labels = domain.lower().rstrip(".").split(".")
    names = [".".join(labels)]
    rest = labels[-(MAX_WALK - 1):] if len(labels) >= MAX_WALK else labels[1:]
    while rest:
        names.append(".".join(rest))
        rest = rest[1:]
    return tuple(names)
