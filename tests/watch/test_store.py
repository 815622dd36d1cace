"""The store on both backends: SQLite (a file) and a real PostgreSQL server started by the test run."""

from __future__ import annotations

import itertools
import time

import pytest

from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.lab.world import lab_zone
from smtpdoctor.watch import StoreError, Watcher, open_store, parse_config
from smtpdoctor.watch.schema import MIGRATIONS

from .conftest import listing_name

_names = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.realserver)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield str(tmp_path / "watch.sqlite3")
        return
    import psycopg

    server = request.getfixturevalue("postgres")
    name = f"t{int(time.time())}_{next(_names)}"
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield server.url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_migrations_are_versioned_and_idempotent(db_url):
    store = open_store(db_url)
    assert store.version() == len(MIGRATIONS)
    store.close()
    again = open_store(db_url)  # a second open applies nothing and keeps the data
    assert again.version() == len(MIGRATIONS)
    again._exec("UPDATE schema_version SET version = ?", (len(MIGRATIONS) + 1,))
    again.conn.commit()
    again.close()
    with pytest.raises(StoreError, match="newer than this smtpdoctor knows"):
        open_store(db_url)


def test_result_alerts_and_outbox_in_one_transaction(db_url):
    store = open_store(db_url)
    tid = store.target_id("domain:example.com", "domain", "example.com")
    assert store.target_id("domain:example.com", "domain", "example.com") == tid
    verdict = {"category": "dns", "finding": "spf.permerror", "summary": "SPF is broken"}
    rid, ids = store.record(tid, at=1000.0, duration=0.5, verdict=verdict, report={"verdict": verdict},
                            facts={"spf.record": "v=spf1 -all"}, state={"x": 1},
                            alerts=[("verdict-changed", "broken", {"a": 1})], channels=("log", "webhook:0"))
    assert store.state(tid) == {"x": 1}
    pending = store.pending(("log", "webhook:0"))
    assert [(p.alert_id, p.channel) for p in pending] == [(ids[0], "log"), (ids[0], "webhook:0")]
    store.mark(ids[0], "log", delivered=True)
    store.mark(ids[0], "webhook:0", delivered=False, error="HTTP 500", max_attempts=2)
    assert [p.channel for p in store.pending(("log", "webhook:0"))] == ["webhook:0"]
    store.mark(ids[0], "webhook:0", delivered=False, error="HTTP 500", max_attempts=2)
    assert store.pending(("log", "webhook:0")) == []  # given up after max_attempts: 'failed'
    # a transaction failing half-way (a duplicate delivery row, after the result and the alert were
    # inserted) leaves nothing behind
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        store.record(tid, at=1001.0, duration=0.1, verdict=verdict, report={}, facts={}, state={"x": 2},
                     alerts=[("k", "t", {})], channels=("log", "log"))
    assert store.count("results") == 1 and store.state(tid) == {"x": 1}
    assert store.results(tid)[0]["facts"] == {"spf.record": "v=spf1 -all"}
    store.close()


def test_retention_prunes_old_results_but_not_pending_alerts(db_url):
    store = open_store(db_url)
    tid = store.target_id("blocklist:192.0.2.1", "blocklist", "192.0.2.1")
    v = {"category": "ok", "finding": None, "summary": "ok"}
    for at, alerts in ((100.0, [("listed", "old, delivered", {})]), (200.0, [("listed", "old, pending", {})]),
                       (10 * 86400.0, [])):
        store.record(tid, at=at, duration=0.1, verdict=v, report={}, facts={}, state={}, alerts=alerts,
                     channels=("log",))
    store.mark(store.pending(("log",))[0].alert_id, "log", delivered=True)
    assert store.prune(retention_days=5, now=10 * 86400.0 + 1) == 2
    assert store.count("results") == 1
    assert [a["title"] for a in store.alerts()] == ["old, pending"]
    store.close()


async def test_watch_on_either_backend_alerts_once(db_url):
    zone = lab_zone()
    async with LabDnsServer(zone) as dns:
        config = parse_config(f'[watch]\nresolvers = ["{dns.address}"]\ndnsbl = ["bl.lab.test"]\n'
                              '[alerts]\nlog = true\n[[blocklist]]\ntarget = "192.0.2.9"\n')
        import io

        out = io.StringIO()
        watcher = Watcher(config, open_store(db_url), out=out)
        await watcher.run_once()
        dns.set(listing_name(), {"A": ["127.0.0.2"]})
        await watcher.run_once()
        await watcher.run_once()
        watcher.store.close()
    store = open_store(db_url)
    assert [a["kind"] for a in store.alerts()] == ["listed"]
    assert store.count("results") == 3
    assert out.getvalue().count("ALERT listed") == 1
    store.close()


def test_a_version_1_database_is_migrated_to_the_current_schema_keeping_its_rows(db_url):
    from smtpdoctor.watch.schema import DIALECTS
    from smtpdoctor.watch.store import Store

    current = open_store(db_url)  # learn the dialect and connection, then rebuild the database at version 1
    dialect = current.dialect
    for table in ("deliveries", "alerts", "results", "targets", "meta", "schema_version"):
        current._exec(f"DROP TABLE {table}")
    current.conn.commit()
    for statement in ("CREATE TABLE schema_version (version INTEGER NOT NULL)",
                      "INSERT INTO schema_version (version) VALUES (1)", *MIGRATIONS[0]):
        current._exec(statement.format(**DIALECTS[dialect]))
    current.conn.commit()
    old = Store(current.conn, dialect, current.where)
    assert old.version() == 1
    tid = old.target_id("domain:example.com", "domain", "example.com")
    v = {"category": "ok", "finding": None, "summary": "fine"}
    old.record(tid, at=1.0, duration=0.1, verdict=v, report={"verdict": v}, facts={}, state={}, alerts=[],
               channels=())
    old.close()
    store = open_store(db_url)
    assert store.version() == len(MIGRATIONS) == 2
    assert len(store.instance) == 16 and int(store.instance, 16) >= 0
    assert store.count("results") == 1 and store.find_target("example.com")[1] == "domain:example.com"
    store.close()
