"""``smtpdoctor watch CONFIG.toml [--once] [--db URL] [--metrics HOST:PORT]``: scheduled checks."""

from __future__ import annotations

from typing import Optional

from ..common import UsageError
from ..layer import App, Argument, Exit, Option

__all__ = ["register", "parse_listen"]


def register(app: App) -> None:
    app.command(help="Watch servers, domains and IPs on a schedule: history in a database, alerts when "
                     "something changes, Prometheus metrics.")(watch)


def parse_listen(text: str, what: str = "--metrics") -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"{what} {text!r}: use HOST:PORT, e.g. 127.0.0.1:9469")
    return (host.strip("[]") or "127.0.0.1"), int(port)


def watch(
    config: str = Argument(..., help="The configuration file (TOML): targets, intervals, alert channels."),
    once: bool = Option(False, "--once", help="Check every target once and exit (for cron and CI)."),
    db: Optional[str] = Option(None, "--db", help="SQLite file or postgresql://… URL (default: "
                                                        "$XDG_DATA_HOME/smtpdoctor/watch.sqlite3)."),
    metrics: Optional[str] = Option(None, "--metrics", help="Serve Prometheus metrics on HOST:PORT."),
) -> None:
    import asyncio
    import signal
    import sys

    from ...watch import ConfigError, StoreError, Watcher, load_config, open_store

    listen = parse_listen(metrics) if metrics else None
    try:
        cfg = load_config(config)
    except ConfigError as exc:
        for line in exc.errors:
            print(f"smtpdoctor: error: {' '.join(line.split())}", file=sys.stderr)
        raise Exit(2)
    try:
        store = open_store(db or cfg.db)
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    watcher = Watcher(cfg, store)
    if listen is not None:
        from ...watch.metrics import serve_watch_metrics

        try:
            serve_watch_metrics(watcher, *listen)
        except OSError as exc:
            raise UsageError(f"--metrics {metrics}: {exc.strerror or exc}") from None
    try:
        if once:
            results = asyncio.run(watcher.run_once())
            codes = {0 if r.ok else 3 if r.inconclusive and r.category == "ok" else 1 for r in results}
            worst = 1 if 1 in codes else max(codes, default=0)  # problems found outrank inconclusive
            for r in results:
                print(f"{r.target.key}: {r.category}"
                      + (f" ({r.verdict.get('finding')})" if r.verdict.get("finding") else ""), file=sys.stderr)
            raise Exit(worst)

        async def forever() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            print(f"smtpdoctor watch: {len(cfg.targets)} targets, history in {store.where}", file=sys.stderr)
            await watcher.run_forever(stop)

        asyncio.run(forever())
    finally:
        store.close()
