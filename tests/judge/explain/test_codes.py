"""Reply codes and enhanced status codes read out of prose."""

from __future__ import annotations

from smtpdoctor.judge.explain.codes import find_replycode, find_status, prefer_status


def test_status_is_not_read_from_ip_addresses_or_versions():
    assert find_status("host 192.0.2.1 (v5.1.1) said: 550 5.7.1 denied") == "5.7.1"
    assert find_status("Exim 4.92.3 at 10.5.1.2") == ""


def test_specific_status_beats_the_vague_one():
    assert find_status("550 5.0.0 <a@b.example>... 5.1.1 User unknown") == "5.1.1"
    assert find_status("550 5.0.0 nothing more") == "5.0.0"


def test_failure_codes_beat_a_transcripts_success_codes():
    text = "Out: 250 2.1.5 Ok In: DATA Out: 451 4.3.0 Error: queue file write error"
    assert find_status(text) == "4.3.0"
    assert find_replycode(text) == "451"


def test_replycode_needs_a_real_code_in_a_plausible_place():
    assert find_replycode("Error, ERROR_CODE :421, Host not reachable") == "421"
    assert find_replycode("port=1200 line 158") == ""
    assert find_replycode("550-5.7.26 Unauthenticated") == "550"


def test_prefer_keeps_the_class_the_reply_code_confirms():
    assert prefer_status("4.5.0", "5.5.0", "550") == "5.5.0"
    assert prefer_status("5.0.0", "5.1.1", "550") == "5.1.1"
    assert prefer_status("5.1.1", "5.0.0", "550") == "5.1.1"
