"""The sending domain's DNS audit: MX, PTR/FCrDNS, SPF (via :mod:`smtpdoctor.spf`), DKIM, DMARC, MTA-STS,
TLS-RPT, BIMI, DNSSEC, DANE, and the bulk-sender checklist. :func:`audit_domain` does the lookups; the
topic modules are pure checks."""

from .audit import SCHEMA, DomainAudit, audit_domain
from .checklist import ChecklistRow, build_checklist
from .names import BadDomain, NormalisedDomain, normalise_domain

__all__ = ["audit_domain", "DomainAudit", "SCHEMA", "ChecklistRow", "build_checklist", "BadDomain",
           "NormalisedDomain", "normalise_domain"]
