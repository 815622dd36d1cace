"""Fixtures for the DNS layer tests: the blocklist lab zones (shared with tests/dnsbl)."""

from dnsbl.conftest import make_lab  # noqa: F401  (re-exported as a fixture)
