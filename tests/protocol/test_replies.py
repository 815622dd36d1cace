import pytest

from smtpdoctor.protocol.capabilities import parse_ehlo
from smtpdoctor.protocol.replies import Reply, parse_enhanced


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
