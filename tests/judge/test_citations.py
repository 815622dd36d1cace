"""Rejections that cite a block list."""

from __future__ import annotations

import pytest

from smtpdoctor.judge.citations import citation_finding, rejection_cites_listing
from smtpdoctor.core.model import Category, Severity


@pytest.mark.parametrize("reply, zone, list_name", [
    ("554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org; "
     "https://www.spamhaus.org/query/ip/203.0.113.5", "zen.spamhaus.org", "Spamhaus ZEN"),
    ("554 Service unavailable; Client host [203.0.113.5] blocked using b.barracudacentral.org; "
     "http://www.barracudanetworks.com/reputation/?pr=1&ip=203.0.113.5", "b.barracudacentral.org",
     "Barracuda Reputation Block List"),
    ("550 5.7.1 Rejected: 203.0.113.5 listed at b.barracudacentral.org", "b.barracudacentral.org",
     "Barracuda Reputation Block List"),
    ("550 rejected because 203.0.113.5 is in a black list at bl.spamcop.net", "bl.spamcop.net",
     "SpamCop Blocking List"),
    ("554 5.7.1 Blocked - see https://www.spamcop.net/bl.shtml?203.0.113.5", "bl.spamcop.net",
     "SpamCop Blocking List"),
    ("550 5.7.1 Mail from 203.0.113.5 refused, see https://check.spamhaus.org/listed/?searchterm=203.0.113.5",
     "zen.spamhaus.org", "Spamhaus ZEN"),
    ("554 5.7.1 Client host [203.0.113.5] blocked using sbl.spamhaus.org", "sbl.spamhaus.org",
     "sbl.spamhaus.org (Spamhaus)"),
    ("550 Your IP 203.0.113.5 is listed by UCEPROTECT level 1", "dnsbl-1.uceprotect.net",
     "UCEPROTECT Level 1 (single addresses)"),
])
def test_replies_citing_catalogue_lists(reply, zone, list_name):
    c = rejection_cites_listing(reply)
    assert c is not None and c.known
    assert c.zone == zone and c.list == list_name
    assert c.address == "203.0.113.5"
    assert c.delist and c.delist.startswith("https://")


@pytest.mark.parametrize("code", ["S3150", "AS3150", "S3140"])
def test_microsoft_block_list_codes(code):
    reply = (f"550 5.7.1 Unfortunately, messages from [203.0.113.5] weren't sent. Please contact your Internet "
             f"service provider since part of their network is on our block list ({code}).")
    c = rejection_cites_listing(reply)
    assert c is not None and c.zone is None
    assert "Microsoft" in c.list and c.delist == "https://sender.office.com"
    assert c.matched == code


def test_microsoft_banned_sending_ip():
    c = rejection_cites_listing("550 5.7.606 Access denied, banned sending IP [203.0.113.5]. To request removal "
                                "from this list please visit https://sender.office.com/")
    assert c is not None and "Microsoft" in c.list


def test_unknown_list_is_named_with_generic_advice():
    c = rejection_cites_listing("554 5.7.1 Client host [203.0.113.5] blocked using rbl.example.net")
    assert c is not None and not c.known
    assert c.zone == "rbl.example.net" and c.delist is None
    assert "--dnsbl rbl.example.net" in c.advice


def test_dead_list_cited_by_a_receiver_is_flagged():
    c = rejection_cites_listing("554 5.7.1 Client host [203.0.113.5] blocked using dnsbl.sorbs.net")
    assert c is not None and c.retired and "SORBS" in c.retired


def test_yahoo_naming_spamhaus():
    c = rejection_cites_listing("553 5.7.1 [BL21] Connections will not be accepted from 203.0.113.5, because "
                                "the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes")
    assert c is not None and c.zone == "zen.spamhaus.org" and c.address == "203.0.113.5"


@pytest.mark.parametrize("reply", [
    "554 resimta-h1p-028598.sys.comcast.net resimta-h1p-028598.sys.comcast.net 203.0.113.5 found on one or more "
    "DNSBLs, see http://postmaster.comcast.net/smtp-error-codes.php#BL000010",
    "550 5.7.1 Rejected: your IP is on our blacklist",
    "554 Your address 203.0.113.5 is listed in an RBL",
])
def test_unnamed_list_is_recognised_but_not_known(reply):
    c = rejection_cites_listing(reply)
    assert c is not None and not c.known and c.zone is None
    assert c.list == "an unnamed DNS block list" and "smtpdoctor blacklist" in c.advice


@pytest.mark.parametrize("reply", [
    "550 5.7.1 <bob@example.com>: Recipient address rejected: your address is on the recipient's Blocked Senders list",
    "550 5.1.1 <bob@example.com>: Recipient address rejected: User unknown in virtual mailbox table",
    "535 5.7.8 Error: authentication failed",
    "554 5.7.1 <bob@example.com>: Relay access denied",
    "550 5.7.1 Message rejected by mx.example.com: content policy",
    "550 user bob is not listed in example.com directory",
    "",
])
def test_replies_that_cite_no_list(reply):
    assert rejection_cites_listing(reply) is None


def test_huge_reply_is_bounded():
    assert rejection_cites_listing("x" * 5_000_000) is None


def test_citation_finding():
    reply = "554 5.7.1 Service unavailable; Client host [203.0.113.5] blocked using zen.spamhaus.org"
    f = citation_finding(rejection_cites_listing(reply), reply=reply)
    assert f.id == "dnsbl.rejected-citing-list" and f.category is Category.BLACKLIST
    assert f.severity is Severity.ERROR
    assert "Spamhaus ZEN" in f.title and "203.0.113.5" in f.detail
    assert f.remedy[-1].startswith("Delisting: https://check.spamhaus.org/. The list's rules: self-service removal: yes")
    assert f.evidence["zone"] == "zen.spamhaus.org"
