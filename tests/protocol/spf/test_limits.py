"""SPF's limits and findings, guarded (a change here is a change of the contract)."""

from __future__ import annotations

from smtpdoctor.protocol.spf import eval as spf


def test_limits_are_rfc7208s():
    assert (spf.LOOKUP_LIMIT, spf.VOID_LIMIT, spf.MX_PTR_LIMIT) == (10, 2, 10)


def test_every_spf_finding_is_in_the_catalogue_with_dns_category_and_step():
    from smtpdoctor.core import catalogue

    specs = [s for s in catalogue.catalogue().values() if s.area == "spf"]
    assert {s.id for s in specs} >= {
        "spf.missing", "spf.multiple-records", "spf.syntax-error", "spf.too-many-lookups", "spf.void-lookups",
        "spf.permissive-all", "spf.no-all", "spf.ptr-mechanism", "spf.string-too-long", "spf.include-loop",
        "spf.lookup-failed", "spf.ip-not-permitted", "spf.ok"}
    assert all(str(s.category) == "dns" and str(s.step) == "dns" for s in specs)
    assert all(s.id.startswith("spf.") for s in specs)
