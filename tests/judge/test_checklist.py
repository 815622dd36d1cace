from smtpdoctor.core import catalogue
import datetime as dt

from smtpdoctor.core.bulk_rules import rules
from smtpdoctor.judge.checklist import build_checklist, predicted_reply, rule_for_reply
from smtpdoctor.core.model import Severity


def rows(*findings):
    return {r.key: r.status for r in build_checklist(findings)}


def test_every_row_named_and_untested_by_default():
    assert set(rows()) == {r.key for r in rules()}
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


def _spf_fail():
    ok = catalogue.make("dmarc.ok", name="n", policy="reject", pct=100)
    return type(ok)(id="spf.syntax-error", category=ok.category, severity=Severity.ERROR, step=ok.step, title="bad SPF")


def test_rules_carry_dates_and_arc_withdrawn_by_google_only():
    arc = {r.key: r for r in rules()}["arc"]
    before, after = dt.date(2026, 3, 10), dt.date(2026, 3, 11)
    assert {p.provider for p in arc.active(before)} == {"gmail", "apple"}
    assert {p.provider for p in arc.active(after)} == {"apple"}  # Apple still asks for ARC
    row = {r.key: r for r in build_checklist((), today=after)}["arc"]
    assert row.who == ("Apple iCloud bulk senders",)  # Apple asks for ARC on forwarded bulk mail
    assert row.withdrawn == ("Gmail bulk senders (withdrawn 2026-03-11)",)
    # Microsoft's rules begin on 2025-05-05
    spf_who = {r.key: r for r in build_checklist((), today=dt.date(2025, 5, 4))}["spf"].who
    assert not any("Microsoft" in w for w in spf_who)
    assert any("Microsoft" in w for w in {r.key: r for r in build_checklist((), today=dt.date(2025, 5, 5))}["spf"].who)


def _scopes(key):
    rule = {r.key: r for r in rules()}[key]
    return {v.provider: v.scope for v in rule.active(dt.date(2026, 12, 1))}


def test_scopes_follow_the_field_notes():
    """Gmail: every sender SPF *or* DKIM, PTR + FCrDNS, TLS, spam rate < 0.3 %; bulk senders SPF *and* DKIM.
    Yahoo: a valid non-generic PTR with FCrDNS for bulk senders. Apple: ARC on forwarded bulk mail."""
    assert _scopes("authenticated") == {"gmail": "all"}
    assert _scopes("spf")["gmail"] == _scopes("dkim")["gmail"] == "bulk"
    assert _scopes("spam-rate")["gmail"] == "all"
    assert _scopes("ptr") == {"gmail": "all", "yahoo": "bulk"}
    assert _scopes("ptr-generic") == {"yahoo": "bulk"}
    assert _scopes("arc") == {"apple": "bulk"}


def test_a_generic_ptr_fails_yahoos_row_not_gmails():
    generic = catalogue.make("ptr.generic", ip="192.0.2.1", name="192-0-2-1.pool.example.net", reason="the IP in the name")
    rows_ = {r.key: r for r in build_checklist((generic,), today=dt.date(2026, 6, 1))}
    assert rows_["ptr-generic"].status == "fail" and rows_["ptr-generic"].who == ("Yahoo bulk senders",)
    assert rows_["ptr"].status == "warn"  # it forward-confirms (else ptr.not-confirmed): Gmail's rule is met
    assert predicted_reply(rows_.values(), "gmail") is None  # Gmail does not answer 5.7.25 for a generic name


def test_failed_row_names_each_providers_reply():
    rows_ = build_checklist((_spf_fail(),), today=dt.date(2026, 6, 1), domain="shop.example")
    spf = {r.key: r for r in rows_}["spf"]
    assert dict(spf.replies)["gmail"].startswith("550-5.7.27")
    assert dict(spf.replies)["microsoft"] == ("550 5.7.515 Access denied, sending domain [shop.example] does not meet "
                                              "the required authentication level.")
    assert predicted_reply(rows_, "gmail").startswith("550-5.7.27")
    assert predicted_reply(rows_, "yahoo") is None  # Yahoo publishes no reply for it


def test_every_gmail_reply_is_explained_as_its_row_says():
    """explain reads each reply with the one classifier; the rule it names is the row that failed."""
    from smtpdoctor.judge.reply import classify

    day = dt.date(2026, 6, 1)
    for rule in rules():
        for version in rule.active(day):
            if not version.reply:
                continue
            reply = version.reply.replace("{domain}", "shop.example")
            code, status = int(reply[:3]), reply[4:].split(" ", 1)[0].lstrip("-")
            got = classify(code, reply, enhanced=status, provider=version.provider)
            assert not got.ok and got.summary, reply
            found = rule_for_reply(version.provider, status, today=day)
            assert found is not None and (found.key == rule.key or version.provider == "microsoft"), (reply, found)


def test_explain_names_the_rule_domain_checks():
    from smtpdoctor.judge.explain.reply import explain_text

    gmail = explain_text("550-5.7.30 Your email has been blocked because DKIM does not pass.\n"
                         "550 5.7.30 https://support.google.com/a/answer/81126 - gsmtp")
    exp = gmail.results[0].explanation
    assert exp.provider == "gmail"
    assert 'bulk-sender rule "DKIM key published, at least 1024 bits"' in exp.bulk_rule
    assert exp.bulk_rule in exp.remedy and exp.to_json()["bulk_rule"] == exp.bulk_rule
    ms = explain_text("550 5.7.515 Access denied, sending domain [shop.example] does not meet the required "
                      "authentication level.").results[0].explanation
    assert '"SPF record published and valid" or "DKIM key' in ms.bulk_rule and "2025-05-05" in ms.bulk_rule
