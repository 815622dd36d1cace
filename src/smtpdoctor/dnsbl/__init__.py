"""Blocklists: an honest DNSBL / RHSBL / DNSWL engine.

* :mod:`.zones` the catalogue (``knowledge/dnsbl.toml``) and how an answer is read;
* :mod:`.targets` inputs (IPv4, IPv6, CIDR, domains) checked before any query;
* :mod:`.query` the concurrent engine over :class:`smtpdoctor.dns.Resolver`;
* :mod:`.health` the guards (RFC 5782 test points, error codes, everything-listed);
* :mod:`.checks` observations -> findings; :mod:`.citations` rejections that cite a list;
* :mod:`.api` :func:`blacklist_findings` for the diagnose engine.
"""

from .api import blacklist_findings
from .citations import ListingCitation, citation_finding, rejection_cites_listing
from .facts import Answer, Environment, Status, TargetResult, ZoneHealth, ZoneResult, ZoneStatus
from .query import Engine, check_domains, check_ips, check_targets
from .targets import BadInput, Target, parse_inputs, parse_target
from .zones import Kind, Weight, Zone, catalogue, select_zones

__all__ = [
    "blacklist_findings",
    "ListingCitation",
    "citation_finding",
    "rejection_cites_listing",
    "Answer",
    "Environment",
    "Status",
    "TargetResult",
    "ZoneHealth",
    "ZoneResult",
    "ZoneStatus",
    "Engine",
    "check_domains",
    "check_ips",
    "check_targets",
    "BadInput",
    "Target",
    "parse_inputs",
    "parse_target",
    "Kind",
    "Weight",
    "Zone",
    "catalogue",
    "select_zones",
]
