"""Shared fixtures: real servers of the tests' own (Postfix, Dovecot SASL, Knot DNS, network namespaces).

Each server is a real process with its own configuration under a private temporary directory, on
loopback ports chosen at run time, stopped by pid at the end. Tests using them are marked
``realserver`` (or ``netns``) automatically. When a server cannot start (package missing, not root),
the test is skipped with the reason on a developer machine and FAILS in CI (``CI=true``).
See docs/testing.md for the API.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from realservers._proc import ServerUnavailable, private_dir, remove_dir, require  # noqa: E402
from smtpdoctor.lab.certs import LabPki  # noqa: E402
from realservers.dovecot import DovecotSasl, start_dovecot  # noqa: E402
from realservers.knot import KnotServer, start_knot  # noqa: E402
from realservers.labzone import LAB_RECORDS, LAB_ZONES  # noqa: E402
from realservers.netns import NetnsPair, create_pair  # noqa: E402
from realservers.postfix import PostfixInstance, start_postfix  # noqa: E402
from realservers.postgres import PostgresServer, start_postgres  # noqa: E402
from support.corpus import corpus, expected  # noqa: E402,F401  (fixtures shared across the tree)
from support.dns_zones import rsa1024, rsa2048  # noqa: E402,F401
from support.dnsbl_lab import make_lab  # noqa: E402,F401
from support.server_facts import facts_factory  # noqa: E402,F401

REALSERVER_FIXTURES = {"postfix", "postfix_factory", "dovecot_sasl", "knot", "knot_factory", "realserver_pki",
                       "postgres"}
NETNS_FIXTURES = {"netns_pair"}
EXTRA_CERTS = ("expired", "wrong-name", "self-signed")

_NOT_STARTED = object()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & REALSERVER_FIXTURES:
            item.add_marker(pytest.mark.realserver)
        if names & NETNS_FIXTURES:
            item.add_marker(pytest.mark.netns)


def _start(what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Start a server; on ServerUnavailable skip (developer machine) or fail (CI) with the reason."""
    try:
        return fn(*args, **kwargs)
    except ServerUnavailable as exc:
        require(f"{what}: {exc}")


class _Lazy:
    """A session-wide server started on first use; a failure is remembered (no retry per test)."""

    def __init__(self, what: str, fn: Callable[[], Any]) -> None:
        self.what, self.fn, self.value, self.error = what, fn, _NOT_STARTED, None

    def get(self) -> Any:
        if self.error is not None:
            require(self.error)
        if self.value is _NOT_STARTED:
            try:
                self.value = self.fn()
            except ServerUnavailable as exc:
                self.error = f"{self.what}: {exc}"
                require(self.error)
        return self.value


class _Servers:
    """Every session-wide server, stopped together at the end (Dovecot alone takes ~1 s to stop)."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def add(self, server: Any) -> Any:
        self.items.append(server)
        return server

    def stop_all(self) -> None:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda srv: srv.stop(), reversed(self.items)))
        self.items.clear()


@pytest.fixture(scope="session")
def _servers() -> Iterator[_Servers]:
    servers = _Servers()
    yield servers
    servers.stop_all()


@pytest.fixture(scope="session")
def realserver_pki() -> Iterator[LabPki]:
    """The lab CA and its certificates for the real servers (``.ca_file``; ``.issue(kind, names)``): one
    certificate maker, :mod:`smtpdoctor.lab.certs`, for the product's lab and the tests."""
    directory = private_dir("pki")
    yield LabPki(directory)
    remove_dir(directory)


@pytest.fixture(scope="session")
def _knot_lazy(_servers: _Servers) -> _Lazy:
    return _Lazy("knot", lambda: _servers.add(start_knot(LAB_RECORDS, zones=LAB_ZONES)))


@pytest.fixture(scope="session")
def knot(_knot_lazy: _Lazy) -> KnotServer:
    """Session Knot serving realservers.labzone.LAB_RECORDS (zones LAB_ZONES + the root), unsigned."""
    return _knot_lazy.get()


@pytest.fixture(scope="session")
def knot_factory(_servers: _Servers) -> Callable[..., KnotServer]:
    """``knot_factory(records, *, zones=None, signed=(), broken_ds=(), root=True, port53=None)``
    starts a Knot of its own (stopped at the end of the session, or earlier with ``.stop()``)."""

    def make(records: Any = None, **kwargs: Any) -> KnotServer:
        return _servers.add(_start("knot", start_knot, records, **kwargs))

    return make


@pytest.fixture(scope="session")
def _dovecot_lazy(_servers: _Servers) -> _Lazy:
    return _Lazy("dovecot", lambda: _servers.add(start_dovecot()))


@pytest.fixture(scope="session")
def dovecot_sasl(_dovecot_lazy: _Lazy) -> DovecotSasl:
    """Session Dovecot auth service (``.socket_path``, ``.users`` = realservers.dovecot.DEFAULT_USERS)."""
    return _dovecot_lazy.get()


@pytest.fixture(scope="session")
def postfix_factory(realserver_pki: LabPki, _knot_lazy: _Lazy, _dovecot_lazy: _Lazy, _servers: _Servers
                    ) -> Callable[..., PostfixInstance]:
    """``postfix_factory(**options)`` -> a running PostfixInstance; identical options share one instance.

    Options (all keyword): tls_cert="valid", extra_certs=(), restrictions=(), rbl_zone=None,
    resolver="knot" (the session Knot) | KnotServer | "IP" (port 53) | None, users=None (the session
    Dovecot) | {user: password} (a Dovecot of its own), sasl=True, mynetworks="127.0.0.4/32",
    main_cf=None, listener_overrides=None, recipients=RECIPIENTS, sender_logins=None, ipv6=False,
    netns=None (a NetnsPair: run inside its server namespace), fresh=False (never share).
    """
    cache: dict[str, PostfixInstance] = {}

    def make(*, resolver: Any = "knot", users: dict[str, str] | None = None, sasl: bool = True,
             fresh: bool = False, **options: Any) -> PostfixInstance:
        key = repr(sorted({"resolver": resolver if isinstance(resolver, str) or resolver is None
                           else id(resolver), "users": users, "sasl": sasl, **options}.items()))
        if not fresh and key in cache:
            return cache[key]
        netns = options.get("netns")
        if netns is not None:
            fresh = True  # lives and dies with its namespace pair
            if resolver == "knot":
                resolver = None  # the session Knot is not reachable from inside the namespace
        if resolver == "knot":
            resolver_ip = _knot_lazy.get().resolver_ip
        elif isinstance(resolver, KnotServer):
            resolver_ip = resolver.resolver_ip
        else:
            resolver_ip = resolver
        if resolver is not None and resolver_ip is None:
            require("the DNS server has no port-53 address for Postfix (needs root)")
        sasl_srv = None
        if sasl:
            if users is None:
                sasl_srv = _dovecot_lazy.get()
            else:
                sasl_srv = _servers.add(_start("dovecot", start_dovecot, users))
        inst = _start("postfix", start_postfix, pki=realserver_pki, sasl=sasl_srv, resolver_ip=resolver_ip,
                      **options)
        if netns is not None:
            netns.on_close(inst.stop)
        else:
            _servers.add(inst)
        if not fresh:
            cache[key] = inst
        return inst

    return make


@pytest.fixture(scope="session")
def postfix(postfix_factory: Callable[..., PostfixInstance]) -> PostfixInstance:
    """Session Postfix: listeners plain/submission/smtps/cleartext plus submission_<v>/smtps_<v> for
    v in expired, wrong_name, self_signed; on 127.0.0.1 and ::1; DNS from the session Knot."""
    return postfix_factory(extra_certs=EXTRA_CERTS, ipv6=True)


@pytest.fixture(scope="session")
def _postgres_lazy(_servers: _Servers) -> _Lazy:
    return _Lazy("postgresql", lambda: _servers.add(start_postgres()))


@pytest.fixture(scope="session")
def postgres(_postgres_lazy: _Lazy) -> PostgresServer:
    """Session PostgreSQL (Debian's package, initdb in a private directory): ``.url`` for psycopg."""
    return _postgres_lazy.get()


@pytest.fixture
def netns_pair() -> Iterator[NetnsPair]:
    """Two fresh network namespaces joined by veth (server 10.231.0.1, client 10.231.0.2)."""
    pair = _start("netns", create_pair)
    yield pair
    pair.close()
