from smtpdoctor.core import catalogue
from smtpdoctor.judge.checklist import REQUIREMENTS, build_checklist
from smtpdoctor.core.model import Severity


def rows(*findings):
    return {r.key: r.status for r in build_checklist(findings)}


def test_every_row_named_and_untested_by_default():
    assert set(rows()) == {r.key for r in REQUIREMENTS}
    assert set(rows().values()) == {"not-tested"}


def test_rows_follow_findings():
    got = rows(catalogue.make("dkim.key-ok", selector="s", key_type="RSA", bits=2048, name="n", providers="-"),
               catalogue.make("dmarc.policy-none", domain="d"),
               catalogue.make("ptr.not-confirmed", ip="i", name="n", addresses="a"))
    assert got["dkim"] == "pass"
    assert got["dmarc"] == "warn"  # p=none meets the minimum but protects nothing
    assert got["ptr"] == "fail"


def test_weak_key_fails_and_undiscovered_is_unknown():
    assert rows(catalogue.make("dkim.key-weak", selector="s", bits=512, name="n"))["dkim"] == "fail"
    assert rows(catalogue.make("dkim.not-found", domain="d", count=30))["dkim"] == "unknown"


def test_failed_lookup_is_unknown_not_fail():
    f = catalogue.make("dmarc.lookup-failed", what="x", name="n", rdtype="TXT", outcome="TIMEOUT")
    assert rows(f)["dmarc"] == "unknown"


def test_spf_row_uses_severity():
    ok = catalogue.make("dmarc.ok", name="n", policy="reject", pct=100)  # a stand-in with severity ok
    spf_ok = type(ok)(id="spf.ok", category=ok.category, severity=Severity.OK, step=ok.step, title="SPF ok")
    spf_bad = type(ok)(id="spf.syntax-error", category=ok.category, severity=Severity.ERROR, step=ok.step, title="bad")
    assert rows(spf_ok)["spf"] == "pass"
    assert rows(spf_ok, spf_bad)["spf"] == "fail"


def test_helo_mismatch_does_not_decide_the_ptr_row():
    got = rows(catalogue.make("ptr.helo-mismatch", ip="i", name="n", ptr="p", what="HELO"),
               catalogue.make("ptr.ok", ip="i", name="n"))
    assert got["ptr"] == "pass"
