"""Watch: scheduled checks on the one-shot commands' engines, history in SQLite or PostgreSQL, alerts on
change (webhook, e-mail, log) and Prometheus metrics. See docs/watch.md."""

from .config import ConfigError, Target, WatchConfig, load_config, parse_config
from .schedule import Watcher
from .store import Store, StoreError, open_store

__all__ = ["ConfigError", "Target", "WatchConfig", "load_config", "parse_config", "Watcher", "Store",
           "StoreError", "open_store"]
