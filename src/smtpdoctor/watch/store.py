"""The watch history: SQLite (the default, in the user's data directory) or PostgreSQL (``--db
postgresql://…``), one schema (:mod:`.schema`), the same statements.

SQLite runs in WAL mode with ``synchronous=NORMAL``: every result is its own transaction, committed
before the next check is stored, and a committed transaction survives the process being killed (it is
in the WAL file; only a power loss may take back the last commits). A result, its alerts, their
delivery rows and the target's alert state are written in ONE transaction, so a crash never leaves an
alert without its result or a result without its alerts. PostgreSQL goes through psycopg 3.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from .schema import DIALECTS, MIGRATIONS

__all__ = ["Store", "open_store", "default_db_path", "StoreError", "Delivery"]


class StoreError(Exception):
    """The database cannot be opened or used (one line for the user)."""


def default_db_path() -> Path:
    """``$XDG_DATA_HOME/smtpdoctor/watch.sqlite3`` (default ``~/.local/share/smtpdoctor/…``)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return Path(base) / "smtpdoctor" / "watch.sqlite3"


@dataclass(frozen=True, slots=True)
class Delivery:
    instance: str  # the database's id: (instance, alert_id) names an alert uniquely
    alert_id: int
    channel: str
    attempts: int
    target: str
    kind: str
    title: str
    at: float
    details: dict[str, Any]

    @property
    def global_id(self) -> str:
        return f"{self.instance}-{self.alert_id}"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.alert_id, "uid": self.global_id, "target": self.target, "kind": self.kind, "title": self.title,
                "at": self.at, "details": self.details}


class Store:
    def __init__(self, conn, dialect: str, where: str) -> None:
        self.conn = conn
        self.dialect = dialect
        self.where = where

    # -- plumbing ------------------------------------------------------------------------------------
    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def _exec(self, sql: str, params: Sequence[Any] = ()):
        cur = self.conn.cursor()
        cur.execute(self._sql(sql), tuple(params))
        return cur

    def _one(self, sql: str, params: Sequence[Any] = ()):
        return self._exec(sql, params).fetchone()

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list:
        return self._exec(sql, params).fetchall()

    def close(self) -> None:
        self.conn.close()

    @property
    def instance(self) -> str:
        """The database's random id (schema version 2), part of every alert's global id."""
        if not hasattr(self, "_instance"):
            row = self._one("SELECT value FROM meta WHERE key = 'instance'")
            self.conn.commit()
            self._instance = str(row[0])
        return self._instance

    def _begin(self) -> None:
        if self.dialect == "sqlite":
            self.conn.execute("BEGIN IMMEDIATE")

    # -- schema --------------------------------------------------------------------------------------
    def version(self) -> int:
        row = self._one("SELECT version FROM schema_version") if self._has_version_table() else None
        return int(row[0]) if row else 0

    def _has_version_table(self) -> bool:
        if self.dialect == "sqlite":
            sql = "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'"
        else:
            sql = "SELECT 1 FROM information_schema.tables WHERE table_name='schema_version' AND table_schema=current_schema()"
        return self._one(sql) is not None

    def migrate(self) -> int:
        """Apply the migrations this database lacks, each in its own transaction; returns the version."""
        words = DIALECTS[self.dialect]
        try:
            self._begin()
            if not self._has_version_table():
                self._exec("CREATE TABLE schema_version (version INTEGER NOT NULL)")
                self._exec("INSERT INTO schema_version (version) VALUES (0)")
            current = int(self._one("SELECT version FROM schema_version")[0])
            if current > len(MIGRATIONS):
                raise StoreError(f"{self.where}: the database has schema version {current}, newer than this "
                                 f"smtpdoctor knows ({len(MIGRATIONS)}); upgrade smtpdoctor")
            for number in range(current, len(MIGRATIONS)):
                for statement in MIGRATIONS[number]:
                    self._exec(statement.format(**words))
                self._exec("UPDATE schema_version SET version = ?", (number + 1,))
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise
        return len(MIGRATIONS)

    # -- writing -------------------------------------------------------------------------------------
    def target_id(self, key: str, kind: str, name: str) -> int:
        row = self._one("SELECT id FROM targets WHERE key = ?", (key,))
        if row:
            return int(row[0])
        self._begin()
        row = self._one("INSERT INTO targets (key, kind, name) VALUES (?, ?, ?) RETURNING id", (key, kind, name))
        self.conn.commit()
        return int(row[0])

    def state(self, target_id: int) -> dict[str, Any]:
        row = self._one("SELECT state FROM targets WHERE id = ?", (target_id,))
        return json.loads(row[0]) if row else {}

    def record(self, target_id: int, *, at: float, duration: float, verdict: dict[str, Any],
               report: dict[str, Any], facts: dict[str, str], state: dict[str, Any],
               alerts: Iterable[tuple[str, str, dict[str, Any]]], channels: Sequence[str]) -> tuple[int, list[int]]:
        """Store one result, its alerts (kind, title, details) with a pending delivery per channel, and the
        target's new state, in one transaction. Returns (result id, alert ids)."""
        try:
            self._begin()
            result_id = int(self._one(
                "INSERT INTO results (target_id, at, duration_s, category, finding, summary, report, facts) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (target_id, at, duration, str(verdict.get("category", "")), verdict.get("finding"),
                 str(verdict.get("summary", "")), json.dumps(report, ensure_ascii=False, separators=(",", ":")),
                 json.dumps(facts, ensure_ascii=False, sort_keys=True)))[0])
            ids = []
            for kind, title, details in alerts:
                alert_id = int(self._one(
                    "INSERT INTO alerts (target_id, result_id, at, kind, title, details) VALUES (?, ?, ?, ?, ?, ?) "
                    "RETURNING id", (target_id, result_id, at, kind, title, json.dumps(details, ensure_ascii=False)))[0])
                ids.append(alert_id)
                for channel in channels:
                    self._exec("INSERT INTO deliveries (alert_id, channel, state) VALUES (?, ?, 'pending')",
                               (alert_id, channel))
            self._exec("UPDATE targets SET state = ? WHERE id = ?", (json.dumps(state, ensure_ascii=False), target_id))
            self.conn.commit()
        except BaseException:
            self.conn.rollback()
            raise
        return result_id, ids

    # -- the outbox ----------------------------------------------------------------------------------
    def pending(self, channels: Sequence[str], limit: int = 500) -> list[Delivery]:
        if not channels:
            return []
        marks = ", ".join("?" for _ in channels)
        rows = self._all(
            "SELECT d.alert_id, d.channel, d.attempts, t.name, a.kind, a.title, a.at, a.details "
            "FROM deliveries d JOIN alerts a ON a.id = d.alert_id JOIN targets t ON t.id = a.target_id "
            f"WHERE d.state = 'pending' AND d.channel IN ({marks}) ORDER BY d.alert_id, d.channel LIMIT ?",
            (*channels, limit))
        self.conn.commit()
        instance = self.instance
        return [Delivery(instance, int(r[0]), r[1], int(r[2]), r[3], r[4], r[5], float(r[6]), json.loads(r[7]))
                for r in rows]

    def mark(self, alert_id: int, channel: str, *, delivered: bool, error: str | None = None,
             max_attempts: int = 20) -> None:
        self._begin()
        if delivered:
            self._exec("UPDATE deliveries SET state = 'delivered', attempts = attempts + 1, done_at = ?, "
                       "last_error = NULL WHERE alert_id = ? AND channel = ?", (time.time(), alert_id, channel))
        else:
            self._exec("UPDATE deliveries SET attempts = attempts + 1, last_error = ?, "
                       "state = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE 'pending' END "
                       "WHERE alert_id = ? AND channel = ?", ((error or "")[:500], max_attempts, alert_id, channel))
        self.conn.commit()

    # -- reading -------------------------------------------------------------------------------------
    def targets(self) -> list[tuple[int, str, str, str]]:
        rows = self._all("SELECT id, key, kind, name FROM targets ORDER BY key")
        self.conn.commit()
        return [(int(r[0]), r[1], r[2], r[3]) for r in rows]

    def find_target(self, text: str) -> tuple[int, str, str, str] | None:
        """By key (``domain:example.com``) or name (``example.com``)."""
        for row in self.targets():
            if text in (row[1], row[3]):
                return row
        return None

    def last_at(self, target_id: int) -> float | None:
        row = self._one("SELECT MAX(at) FROM results WHERE target_id = ?", (target_id,))
        self.conn.commit()
        return float(row[0]) if row and row[0] is not None else None

    def results(self, target_id: int, *, since: float | None = None, limit: int = 1000,
                with_report: bool = False) -> list[dict[str, Any]]:
        """Results of a target, oldest first (the newest ``limit`` of them)."""
        cols = "id, at, duration_s, category, finding, summary, facts" + (", report" if with_report else "")
        rows = self._all(f"SELECT {cols} FROM results WHERE target_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?",
                         (target_id, since if since is not None else 0.0, limit))
        self.conn.commit()
        out = []
        for r in reversed(rows):
            item = {"id": int(r[0]), "at": float(r[1]), "duration_s": float(r[2]),
                    "verdict": {"category": r[3], "finding": r[4], "summary": r[5]}, "facts": json.loads(r[6])}
            if with_report:
                item["report"] = json.loads(r[7])
            out.append(item)
        return out

    def alerts(self, target_id: int | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        where, params = ("WHERE a.target_id = ?", (target_id,)) if target_id is not None else ("", ())
        rows = self._all(f"SELECT a.id, a.result_id, a.at, a.kind, a.title, a.details, t.name FROM alerts a "
                         f"JOIN targets t ON t.id = a.target_id {where} ORDER BY a.id DESC LIMIT ?", (*params, limit))
        self.conn.commit()
        return [{"id": int(r[0]), "result_id": r[1], "at": float(r[2]), "kind": r[3], "title": r[4],
                 "details": json.loads(r[5]), "target": r[6]} for r in reversed(rows)]

    def count(self, table: str) -> int:
        if table not in ("results", "alerts", "deliveries", "targets"):
            raise ValueError(table)
        row = self._one(f"SELECT COUNT(*) FROM {table}")
        self.conn.commit()
        return int(row[0])

    def prune(self, retention_days: float, now: float | None = None) -> int:
        """Delete results (and their alerts) older than the retention; pending deliveries are kept."""
        cutoff = (now if now is not None else time.time()) - retention_days * 86400
        self._begin()
        self._exec("DELETE FROM alerts WHERE at < ? AND id NOT IN "
                   "(SELECT alert_id FROM deliveries WHERE state = 'pending')", (cutoff,))
        n = self._exec("DELETE FROM results WHERE at < ?", (cutoff,)).rowcount
        self.conn.commit()
        return int(n or 0)


def open_store(url: str | None, *, must_exist: bool = False) -> Store:
    """``None`` (the default file), a file path, ``sqlite:///path`` or ``postgresql://…``; migrated.
    ``must_exist``: a reader (``history``, the web page) never creates an SQLite file."""
    if url and url.startswith(("postgresql://", "postgres://")):
        store = _open_postgres(url)
    else:
        path = Path(url[len("sqlite:///") - 1:] if url and url.startswith("sqlite:///") else (url or default_db_path()))
        if must_exist and not path.is_file():
            raise StoreError(f"no watch history at {path}: run 'smtpdoctor watch CONFIG.toml' first, or give --db")
        store = _open_sqlite(path)
    store.migrate()
    return store


def _open_sqlite(path: Path) -> Store:
    import sqlite3

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=30.0, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"{path}: cannot open the database: {exc}") from None

    class _Conn:
        """sqlite3 in autocommit mode with explicit BEGIN IMMEDIATE: one writer, no surprise transactions."""

        def __init__(self, raw) -> None:
            self.raw = raw

        def cursor(self):
            return self.raw.cursor()

        def execute(self, sql, params=()):
            return self.raw.execute(sql, params)

        def commit(self) -> None:
            if self.raw.in_transaction:
                self.raw.execute("COMMIT")

        def rollback(self) -> None:
            if self.raw.in_transaction:
                self.raw.execute("ROLLBACK")

        def close(self) -> None:
            self.raw.close()

    return Store(_Conn(conn), "sqlite", str(path))


def _open_postgres(url: str) -> Store:
    try:
        import psycopg
    except ImportError:
        raise StoreError("PostgreSQL needs psycopg: pip install 'psycopg[binary]'") from None
    from urllib.parse import urlsplit

    shown = urlsplit(url)._replace(netloc=urlsplit(url).hostname or "").geturl()  # no password in messages
    try:
        conn = psycopg.connect(url, connect_timeout=10)
    except psycopg.Error as exc:
        raise StoreError(f"{shown}: cannot connect: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    return Store(conn, "postgresql", shown)
