"""The public surface of smtpdoctor.dnsbl, guarded: every name exported exists, nothing else leaks."""

import importlib

import smtpdoctor.dnsbl as dnsbl

MODULES = ("api", "checks", "citations", "facts", "health", "output", "query", "targets", "zones")


def test_package_exports():
    assert sorted(dnsbl.__all__) == sorted([
        "blacklist_findings", "ListingCitation", "citation_finding", "rejection_cites_listing", "Answer",
        "Environment", "Status", "TargetResult", "ZoneHealth", "ZoneResult", "ZoneStatus", "Engine",
        "check_domains", "check_ips", "check_targets", "BadInput", "Target", "parse_inputs", "parse_target",
        "Kind", "Weight", "Zone", "catalogue", "select_zones",
    ])
    for name in dnsbl.__all__:
        assert getattr(dnsbl, name) is not None


def test_every_module_declares_what_it_exports():
    for name in MODULES:
        module = importlib.import_module(f"smtpdoctor.dnsbl.{name}")
        assert module.__all__, name
        for exported in module.__all__:
            assert hasattr(module, exported), f"{name}.{exported}"
