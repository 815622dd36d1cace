"""Real servers of the tests' own: Postfix, Dovecot (SASL), Knot DNS, network namespaces.

Each helper starts a real process with its own configuration under a private temporary directory,
on loopback ports chosen at run time, and stops it by pid. ``tests/conftest.py`` turns them into
pytest fixtures; ``docs/testing.md`` describes the API.
"""
