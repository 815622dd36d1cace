"""The public surface of smtpdoctor.spf, guarded (a change here is a change of the API)."""

from __future__ import annotations

import importlib

import smtpdoctor.spf as spf

EXPECTED = {
    "audit_spf", "SpfAudit", "build_tree", "render_tree", "LookupNode", "NodeStatus", "TermCost",
    "check_host", "CheckHostResult", "SpfResult", "TraceStep", "trace_lines", "parse", "SpfRecord",
    "SpfSyntaxError", "Mechanism", "Modifier", "Qualifier", "LOOKUP_LIMIT", "VOID_LIMIT", "MX_PTR_LIMIT",
}


def test_package_exports():
    assert set(spf.__all__) == EXPECTED
    for name in spf.__all__:
        assert hasattr(spf, name), name


def test_every_module_declares_what_it_exports():
    for module in ("audit", "checks", "eval", "macro", "names", "record", "result", "tree"):
        mod = importlib.import_module(f"smtpdoctor.spf.{module}")
        assert mod.__all__, module
        for name in mod.__all__:
            assert hasattr(mod, name), f"{module}.{name}"


def test_limits_are_rfc7208s():
    assert (spf.LOOKUP_LIMIT, spf.VOID_LIMIT, spf.MX_PTR_LIMIT) == (10, 2, 10)


def test_every_spf_finding_is_in_the_catalogue_with_dns_category_and_step():
    from smtpdoctor import catalogue

    specs = [s for s in catalogue.catalogue().values() if s.area == "spf"]
    assert {s.id for s in specs} >= {
        "spf.missing", "spf.multiple-records", "spf.syntax-error", "spf.too-many-lookups", "spf.void-lookups",
        "spf.permissive-all", "spf.no-all", "spf.ptr-mechanism", "spf.string-too-long", "spf.include-loop",
        "spf.lookup-failed", "spf.ip-not-permitted", "spf.ok"}
    assert all(str(s.category) == "dns" and str(s.step) == "dns" for s in specs)
    assert all(s.id.startswith("spf.") for s in specs)
