"""Real servers of the tests' own: Postfix, Dovecot (SASL), Knot DNS, network namespaces.

Each helper starts a real process with its own configuration under a private temporary directory,
on loopback ports chosen at run time, and stops it by pid. ``tests/conftest.py`` turns them into
pytest fixtures; ``docs/testing.md`` describes the API. Tests elsewhere import helpers from here:
``from realservers import free_port, RBL_ZONE, require``.
"""

from ._proc import ServerUnavailable, free_port, in_ci, require, wait_until
from .dovecot import DEFAULT_USERS, DovecotSasl
from .knot import KnotServer, zone_text
from .labzone import (
    CLIENTS, LAB_DOMAIN, LAB_RECORDS, LAB_ZONES, LISTED_DOMAIN, RBL_ZONE, RHSBL_ZONE, UNKNOWN_DOMAIN,
)
from .netns import REJECT_WITH, NetnsPair
from .postfix import CERT_NAMES, DOMAIN, RECIPIENTS, TRUSTED_CLIENT, Listener, PostfixInstance

__all__ = [
    "ServerUnavailable", "free_port", "in_ci", "require", "wait_until",
    "DEFAULT_USERS", "DovecotSasl",
    "KnotServer", "zone_text",
    "CLIENTS", "LAB_DOMAIN", "LAB_RECORDS", "LAB_ZONES", "LISTED_DOMAIN", "RBL_ZONE", "RHSBL_ZONE",
    "UNKNOWN_DOMAIN",
    "REJECT_WITH", "NetnsPair",
    "CERT_NAMES", "DOMAIN", "RECIPIENTS", "TRUSTED_CLIENT", "Listener", "PostfixInstance",
]
