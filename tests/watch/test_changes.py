"""The alert rules (pure) on literal reports: on change only, one alert per change."""

from __future__ import annotations

from smtpdoctor.watch.changes import TargetState, decide_alerts
from smtpdoctor.watch.snapshot import diff, facts

from .test_snapshot import domain_report


def _run(state, report, f, at=100.0, kind="domain", k=2):
    return decide_alerts(kind=kind, name="t", state=state, report=report, facts=f, at=at, cert_days=14,
                         unreachable_after=k)


def test_first_result_ok_is_silent_and_a_bad_first_result_alerts():
    alerts, state = _run(TargetState(), domain_report(), facts("domain", domain_report()))
    assert alerts == [] and state.verdict["category"] == "ok" and state.last_ok_at == 100.0
    bad = dict(domain_report(), verdict={"category": "dns", "finding": "spf.permerror", "summary": "broken"})
    alerts, _ = _run(TargetState(), bad, {})
    assert [a.kind for a in alerts] == ["verdict-changed"]


def test_record_change_without_verdict_change_is_one_alert_then_silence():
    _, state = _run(TargetState(), domain_report(), facts("domain", domain_report()))
    changed = domain_report(spf="v=spf1 include:_spf.esp.example ~all")
    alerts, state = _run(state, changed, facts("domain", changed), at=200.0)
    assert [a.kind for a in alerts] == ["record-changed"] and "~all" in alerts[0].title
    alerts, _ = _run(state, changed, facts("domain", changed), at=300.0)
    assert alerts == []


def test_unreachable_after_k_runs_then_recovered_once():
    ok = {"verdict": {"category": "ok", "finding": None, "summary": "fine"}}
    down = {"verdict": {"category": "connection", "finding": "connection.refused-everywhere", "summary": "refused"}}
    _, s = _run(TargetState(), ok, {}, kind="submission", k=3)
    kinds = []
    for i, r in enumerate([down, down, down, down, ok, ok]):
        alerts, s = _run(s, r, {}, at=200.0 + i, kind="submission", k=3)
        kinds.append([a.kind for a in alerts])
    assert kinds == [[], [], ["unreachable"], [], ["recovered"], []]


def test_a_listing_is_one_alert_not_also_a_verdict_change():
    ok = {"verdict": {"category": "ok", "finding": None, "summary": "fine"}}
    listed = {"verdict": {"category": "blacklist", "finding": "dnsbl.listed", "summary": "listed"}}
    _, s = _run(TargetState(), ok, {}, kind="blocklist")
    alerts, s = _run(s, listed, {"listed:192.0.2.1@a.example": "127.0.0.2", "listed:192.0.2.1@b.example": "127.0.0.2"},
                     kind="blocklist")
    assert [(a.kind, a.details["zone"]) for a in alerts] == [("listed", "a.example"), ("listed", "b.example")]
    alerts, s = _run(s, ok, {}, kind="blocklist")
    assert [a.kind for a in alerts] == ["delisted", "delisted"]
    assert diff({"a": "1"}, {"a": "1"}) == []


def test_a_failed_lookup_neither_recovers_a_listing_nor_adds_records_later():
    listed = {"verdict": {"category": "blacklist", "finding": "dnsbl.listed", "summary": "listed"},
              "targets": [{"value": "192.0.2.1", "results": [{"zone": "bl.example", "status": "listed"}]}]}
    timed_out = {"verdict": {"category": "ok", "finding": None, "summary": "nothing found"},
                 "targets": [{"value": "192.0.2.1", "results": [{"zone": "bl.example", "status": "failed"}]}]}
    key = {"listed:192.0.2.1@bl.example": "127.0.0.2"}
    alerts, s = _run(TargetState(), listed, key, kind="blocklist")
    assert [a.kind for a in alerts] == ["listed"]
    alerts, s = _run(s, timed_out, key, kind="blocklist")  # the facts carried over by the store
    assert alerts == [] and s.verdict["category"] == "blacklist"
    # a domain whose first SPF lookup failed: the SPF facts of the next run are not "added"
    from smtpdoctor.watch.snapshot import carry_over

    first = domain_report(findings=["spf.lookup-failed"])
    first_facts = carry_over("domain", {}, {k: v for k, v in facts("domain", first).items() if not k.startswith("spf.")}, first)
    _, s = _run(TargetState(), first, first_facts)
    alerts, _ = _run(s, domain_report(), facts("domain", domain_report()), at=200.0)
    assert alerts == []


def test_an_inconclusive_or_crashed_check_is_no_news():
    from smtpdoctor.watch.config import Target
    from smtpdoctor.watch.metrics import measures
    from smtpdoctor.watch.runner import CheckResult, _crashed

    target = Target(kind="blocklist", name="192.0.2.1", interval=60)
    crashed = _crashed(target, RuntimeError("boom\x1b[31m"))
    assert crashed["verdict"]["finding"] == "watch.check-crashed" and "\x1b" not in crashed["verdict"]["summary"]
    result = CheckResult(target=target, at=0.0, duration=0.0, report=crashed)
    assert result.inconclusive and not result.ok and measures("blocklist", crashed, 0.0)["success"] == 0.0
    listed = {"verdict": {"category": "blacklist", "finding": "dnsbl.listed", "summary": "listed"}}
    key = {"listed:192.0.2.1@bl.example": "127.0.0.2"}
    _, s = _run(TargetState(), listed, key, kind="blocklist")
    alerts, s = _run(s, crashed, key, kind="blocklist")
    assert alerts == [] and s.verdict["finding"] == "dnsbl.listed"
    alerts, _ = _run(TargetState(), crashed, {}, kind="blocklist")
    assert alerts == []  # a first run that could not test says nothing
