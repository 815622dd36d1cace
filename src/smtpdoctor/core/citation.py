"""The block list a rejection cites (:class:`ListingCitation`), a value of :class:`~.explanation.Classification`.

Its own module: only a reply that cites a list makes one (``judge/citations``), and a bounce run that meets
none does not define the class (a frozen data class costs ~0.5 ms to define; issue 16).
"""

from __future__ import annotations

from dataclasses import dataclass

from .serialize import JsonMixin

__all__ = ["ListingCitation"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingCitation(JsonMixin):
    """The block list a rejection cites, and how to get off it."""

    list: str  # what to call it: "Spamhaus ZEN", "Microsoft (Outlook.com / Office 365) block list"
    zone: str | None  # the zone cited or meant (zen.spamhaus.org), None for lists that are not DNS zones
    address: str | None  # the IP address the reply names, when it names one
    delist: str | None
    advice: str  # what to do first
    matched: str  # the part of the reply that cites the list
    known: bool  # the list is in smtpdoctor's catalogue (or a known non-DNS list)
    retired: str | None = None  # the cited zone is known dead: why
