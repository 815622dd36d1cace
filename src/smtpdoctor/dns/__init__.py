"""DNS for smtpdoctor: one resolver facade (:mod:`.resolver`); failures are values."""

from .resolver import DnsResult, Outcome, QueryLogEntry, Resolver, parse_nameserver

__all__ = ["DnsResult", "Outcome", "QueryLogEntry", "Resolver", "parse_nameserver"]
