"""The public surface of smtpdoctor.watch."""

import smtpdoctor.watch as watch


def test_exported_names():
    assert sorted(watch.__all__) == sorted(["ConfigError", "Target", "WatchConfig", "load_config", "parse_config",
                                            "Watcher", "Store", "StoreError", "open_store"])
    for name in watch.__all__:
        assert getattr(watch, name) is not None
