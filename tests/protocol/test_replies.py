import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smtpdoctor.protocol.capabilities import parse_ehlo
from smtpdoctor.protocol.replies import (
    Reply, find_replycode, find_status, is_status, parse_enhanced, prefer_status, split_status,
)


@pytest.mark.parametrize("text, expected", [
    ("5.7.8 Username and Password not accepted", "5.7.8"),
    ("4.7.0 Try again later", "4.7.0"),
    ("2.0.0 Ok", "2.0.0"),
    ("5.7.139 Authentication unsuccessful", "5.7.139"),
    ("3.1.1 not a class", None),
    ("5.7 incomplete", None),
    ("5.7.8x glued", None),
    ("Ok", None),
])
def test_enhanced_status_codes(text, expected):
    assert parse_enhanced(text) == expected


def test_multiline_reply_text_and_message():
    r = Reply(code=535, lines=("5.7.8 Username and Password not accepted. For more information, go to",
                               "5.7.8  https://support.google.com/mail/?p=BadCredentials x1-20020a"))
    assert r.enhanced == "5.7.8"
    assert r.message.startswith("535 5.7.8 Username and Password not accepted.")
    assert "5.7.8 5.7.8" not in r.message and "https://support.google.com" in r.text
    assert r.wire_lines[0].startswith("535-5.7.8") and r.wire_lines[1].startswith("535 5.7.8")
    assert r.is_permanent and not r.is_transient


def test_enhanced_code_must_match_reply_class():
    assert Reply(code=250, lines=("5.7.1 weird",)).enhanced is None


def test_ehlo_capabilities():
    r = Reply(code=250, lines=("smtp.example.com Hello [203.0.113.9]", "SIZE 35882577", "8BITMIME",
                               "AUTH LOGIN PLAIN XOAUTH2", "AUTH=LOGIN CRAM-MD5", "ENHANCEDSTATUSCODES",
                               "PIPELINING", "CHUNKING", "SMTPUTF8", "REQUIRETLS"))
    caps = parse_ehlo(r)
    assert caps.server_name == "smtp.example.com"
    assert caps.greeting_text == "Hello [203.0.113.9]"
    assert caps.size == 35882577
    assert caps.auth_mechanisms == ("LOGIN", "PLAIN", "XOAUTH2", "CRAM-MD5")
    assert caps.pipelining and caps.smtputf8 and caps.has("chunking") and caps.has("REQUIRETLS")
    assert not caps.starttls


# Codes read out of prose (bounces, pasted log lines)

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


def test_split_status_and_is_status():
    assert split_status("5.7.8 Error: bad") == ("5.7.8", "Error: bad")
    assert split_status("Error 5.7.8") == (None, "Error 5.7.8")
    assert is_status("5.7.139") and not is_status("5.7.1 text") and not is_status("")


# The patterns are written digit-first for speed; they must find exactly what the plain forms find.
_PLAIN_FORMS = {
    "_IN_TEXT": r"(?<![\w./=])(?<![A-Za-z_]-)([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]?\d)",
    "_IPV4": r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b",
    "_REPLY": r"(?<![\w.\-/+=#])(?<!\d:)([245]\d\d)(?=[\s\-]|$|[,;:.](?!\d))",
}


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="2451309.:-=/#+ _aZ\n,;", max_size=40))
def test_digit_first_patterns_find_what_the_plain_forms_find(text):
    from smtpdoctor.protocol import status_codes as replies

    for name, plain in _PLAIN_FORMS.items():
        fast, slow = getattr(replies, name), re.compile(plain)
        assert [(m.span(), m.groups()) for m in fast.finditer(text)] == \
               [(m.span(), m.groups()) for m in slow.finditer(text)], name


def _find_status_as_written_before(text: str, klass: str = "") -> str:
    """find_status before its codes were kept for the last text (search, then sub, per call)."""
    from smtpdoctor.protocol import status_codes as replies

    if not text or len(text) < 5:
        return ""
    if "." in text and replies._IPV4.search(text):
        text = replies._IPV4.sub(" ", text)
    matches = [m for m in replies._IN_TEXT.finditer(text) if int(m.group(2)) <= 7]
    if not klass and any(m.group(1) != "2" for m in matches):
        matches = [m for m in matches if m.group(1) != "2"]
    found, vague = [], ""
    for m in matches:
        if klass and m.group(1) != klass:
            continue
        code = ".".join(m.groups())
        if code.endswith(".0.0") or code == "4.4.7":
            vague = vague or code
            continue
        found.append(code)
    if vague:
        found.append(vague)
    if not found:
        return ""
    chosen = found[0]
    for code in found[1:]:
        chosen = prefer_status(chosen, code, "")
    return chosen


_CODEISH = st.lists(st.sampled_from(["5.1.1", "4.7.0", "2.0.0", "5.0.0", "4.4.7", "550", "192.0.2.1", "10.5.1.1",
                                     "5.1.1.1", "x-5.1.1", "/4.2.2", " ", "-", ".", "[", "]", "a", "\n", "5.7.26"]),
                    max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(_CODEISH, st.sampled_from(["", "2", "4", "5"]))
def test_find_status_reads_as_before_for_each_class_asked_in_turn(text, klass):
    # the classifier asks for one class and then for any, on the same text: the kept codes serve both
    assert find_status(text, klass) == _find_status_as_written_before(text, klass)
    assert find_status(text) == _find_status_as_written_before(text)
    assert find_status(" " + text, klass) == _find_status_as_written_before(" " + text, klass)


def test_find_status_reads_as_before_on_every_corpus_message_and_line():
    from support.corpus import CORPUS

    messages = [p.read_text(encoding="utf-8", errors="replace") for p in sorted((CORPUS / "eml").glob("*.eml"))]
    texts = messages + [line for m in messages for line in m.splitlines() if "." in line]
    assert len(messages) == 405 and len(texts) > 10_000
    for text in texts:
        for klass in ("5", "4", ""):
            assert find_status(text, klass) == _find_status_as_written_before(text, klass)
