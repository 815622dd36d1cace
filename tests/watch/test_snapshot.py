"""Facts, diffs, "what changed" and carrying facts over a failed lookup (pure)."""

from __future__ import annotations

from smtpdoctor.watch.snapshot import Change, carry_over, describe, diff, explain, facts

SPF_TREE = {"terms": [{"term": "include:_spf.esp.example", "record": {"terms": [{"term": "include:_x.esp.example"}]}},
                      {"term": "-all"}]}


def domain_report(spf: str = "v=spf1 include:_spf.esp.example -all", tree=SPF_TREE, findings=()) -> dict:
    return {"spf": {"record": spf, "lookups": 2, "tree": tree},
            "dkim": {"keys": [{"selector": "s1", "key_type": "rsa", "bits": 2048, "record": "v=DKIM1; p=AB"}]},
            "dmarc": {"record": "v=DMARC1; p=reject", "p": "reject"},
            "mx": {"records": [{"preference": 10, "host": "mx.example"}]},
            "findings": [{"id": i} for i in findings], "verdict": {"category": "ok", "finding": None, "summary": "fine"}}


def test_domain_facts_name_every_include_and_key():
    f = facts("domain", domain_report())
    assert f["spf.include:_spf.esp.example"] == f["spf.include:_x.esp.example"] == "present"
    assert f["dkim.s1"].startswith("rsa 2048 bits") and f["dmarc.p"] == "reject" and f["mx"] == "10 mx.example"


def test_describe_speaks_of_records():
    assert describe(Change(key="spf.include:_spf.esp.example", old="present", new=None)) == \
        "the SPF include `_spf.esp.example` was removed"
    assert describe(Change(key="dmarc.p", old="reject", new="none")) == "the DMARC policy changed: `reject` → `none`"
    assert describe(Change(key="listed:192.0.2.1@bl.example", old=None, new="127.0.0.2")) == \
        "the listing of 192.0.2.1 on bl.example was added"


def test_explain_names_the_first_relevant_change_and_when():
    good = facts("domain", domain_report())
    dmarc_changed = dict(good, **{"dmarc.p": "none"})
    include_gone = {k: v for k, v in dmarc_changed.items() if "_x.esp" not in k}
    why = explain("spf.ip-not-permitted", [(0.0, good), (3600.0, dmarc_changed), (7200.0, include_gone)])
    assert why["change"]["fact"] == "spf.include:_x.esp.example"
    assert why["between"] == [3600.0, 7200.0]
    assert "between 1970-01-01 01:00:00 UTC and 1970-01-01 02:00:00 UTC" in why["text"]
    assert explain("spf.ip-not-permitted", [(0.0, good), (1.0, good)]) is None


def test_a_failed_lookup_keeps_the_facts_it_could_not_see():
    old = facts("domain", domain_report())
    new = facts("domain", {**domain_report(findings=["dkim.lookup-failed"]), "dkim": {}})
    assert "dkim.s1" not in new
    assert carry_over("domain", old, new, domain_report(findings=["dkim.lookup-failed"]))["dkim.s1"] == old["dkim.s1"]
    listed = {"listed:192.0.2.1@bl.example": "127.0.0.2"}
    refused = {"targets": [{"value": "192.0.2.1", "results": [{"zone": "bl.example", "status": "refused"}]}]}
    assert carry_over("blocklist", listed, {}, refused) == listed
    cleared = {"targets": [{"value": "192.0.2.1", "results": [{"zone": "bl.example", "status": "not-listed"}]}]}
    assert carry_over("blocklist", listed, {}, cleared) == {}
