"""smtpdoctor: finds out why e-mail won't send or won't land, and says what to do about it.

The Python API (see :mod:`smtpdoctor.api`): :func:`diagnose`, :func:`audit_domain`, :func:`check_blacklist`,
:func:`check_spf`, :func:`explain`, each with an ``_async`` twin, and the report types. Names are
imported on first use, so ``import smtpdoctor`` stays cheap.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .core.lazy_names import lazy_names

_API = {
    "diagnose": ".api", "diagnose_async": ".api", "audit_domain": ".api", "audit_domain_async": ".api",
    "check_blacklist": ".api", "check_blacklist_async": ".api", "check_spf": ".api", "check_spf_async": ".api",
    "explain": ".api",
    "Report": ".core.model", "Finding": ".core.model", "Verdict": ".core.model", "Category": ".core.model",
    "Severity": ".core.model", "Step": ".core.model", "Settings": ".core.settings", "Secret": ".core.settings",
    "Security": ".core.settings",
}

__all__ = ["__version__", *_API]

__getattr__ = lazy_names(globals(), _API)


def __dir__():
    return sorted(__all__)
