"""protocol/mime_reader: the hand reader builds what the email package builds, on every message of the
vendored bounce corpus (CRLF and LF) and on crafted and generated edge cases; what it cannot read exactly
goes to the email package, so ``read_message`` always equals ``read_message_stdlib``."""

from __future__ import annotations

import email

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from smtpdoctor.judge.explain.message import explain_parts
from smtpdoctor.protocol.mail_parts import MailParts
from smtpdoctor.protocol.mime import read_message, read_message_stdlib
from smtpdoctor.protocol.mime_reader import NotExact, read_tree
from smtpdoctor.protocol.mime_walk import parts_of
from support.corpus import CORPUS

FILES = sorted((CORPUS / "eml").glob("*.eml"))


def same_tree(ours, theirs) -> None:
    """The hand reader's tree answers every call the way the email package's Message does."""
    assert ours.keys() == theirs.keys()
    try:
        items = ours.items()
    except NotExact:
        items = None
    if items is not None:
        assert items == [(k, str(v)) for k, v in theirs.items()]
    assert ours.get_content_type() == theirs.get_content_type()
    assert ours.is_multipart() == theirs.is_multipart()
    if ours.is_multipart():
        mine, other = ours.get_payload(), theirs.get_payload()
        assert len(mine) == len(other)
        for a, b in zip(mine, other):
            same_tree(a, b)
    elif items is not None:
        assert ours.get_payload(decode=True) == theirs.get_payload(decode=True)
        assert ours.get_payload() == theirs.get_payload()
        assert ours.get_content_charset() == theirs.get_content_charset()
        assert ours.get_content_disposition() == theirs.get_content_disposition()


def check(data: bytes) -> bool:
    """Both readers agree on ``data``; True when the hand reader read it itself."""
    try:
        tree = read_tree(data)
        parts_of(tree)
    except NotExact:
        tree = None
    if tree is not None:
        same_tree(tree, email.message_from_bytes(data))
    ours, theirs = read_message(data), read_message_stdlib(data)
    assert ours == theirs
    assert explain_parts(ours, "m") == explain_parts(theirs, "m")
    return tree is not None


@pytest.mark.parametrize("newline", ["as-is", "lf"])
def test_every_corpus_message_reads_the_same(newline):
    assert len(FILES) == 405
    read_by_hand = 0
    for path in FILES:
        data = path.read_bytes()
        if newline == "lf":
            data = data.replace(b"\r\n", b"\n")
        read_by_hand += check(data)
    # the hand reader reads all of them (a bare CR in a body and an 8-bit To of an attached original included)
    assert read_by_hand == len(FILES)


DSN = """\
From: MAILER-DAEMON@mx.example.net
To: sender@example.com
Subject: =?utf-8?q?Unzustellbar=3A_caf=C3=A9?=
 =?iso-8859-1?b?w6k=?= folded
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="=_B 1"

preamble
--=_B 1
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable

Caf=E9: could not be delivered.
=
--=_B 1  
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: today

Final-Recipient: rfc822; first@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 <first@example.org>:
    User unknown
Final-Recipient: rfc822; second@example.org
Action: failed
Status: 5.2.2
this line is no field
Diagnostic-Code: smtp; 552 full


--=_B 1
Content-Type: message/rfc822

To: first@example.org
Subject: hi

body
--=_B 1--
epilogue
"""


def _nested(inner_close: bool, outer_close: bool) -> str:
    return (
        "From: postmaster@example.net\nTo: a@example.com\nContent-Type: multipart/mixed; boundary=OUT\n\n"
        "--OUT\nContent-Type: multipart/alternative; boundary=\"IN\"\n\n--IN\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        "NTUwIDUuMS4xIFVzZXIgdW5rbm93bjog/w==\n--IN\nContent-Type: text/html\n\n<p>550 <b>no</b></p>\n"
        + ("--IN--\n" if inner_close else "")
        + "--OUT\nContent-Type: text/rfc822-headers\n\nTo: b@example.org\nSubject: x\n"
        + ("--OUT--\n" if outer_close else ""))


CASES = {
    "report, folded, encoded words, quoted boundary with a space": DSN,
    "nested, both closed": _nested(True, True),
    "nested, the inner final boundary missing": _nested(False, True),
    "nested, no final boundary at all": _nested(False, False),
    "no first boundary": "From: a@b\nContent-Type: multipart/mixed; boundary=X\n\nonly text\n--X--\nafter\n",
    "multipart without a boundary": "From: a@b\nContent-Type: multipart/report\n\n550 5.1.1 gone\n",
    "repeated boundary lines": "From: a@b\nContent-Type: multipart/mixed; boundary=X\n\n--X\n--X\nA: b\n\nt\n--X--\n",
    "8-bit body": "From: a@b\nContent-Type: text/plain; charset=iso-8859-1\n\nUnzustellbar: caf\xe9\n",
    "8-bit body, unknown charset": "From: a@b\nContent-Type: text/plain; charset=x-nope\n\nnon remis \xe9\n",
    "invalid base64": "From: a@b\nContent-Transfer-Encoding: base64\n\nNTUw*IDUu\nMS4\n",
    "header only": "From: a@b\nSubject: no body",
    "field without a name, continuation first": " folded first\nFrom: a@b\n: nameless\n folded\nTo: c@d\n\nx\n",
    "envelope line first": "From someone Mon Jan  1 00:00:00 2024\nFrom: a@b\n\nx\n",
    "a misplaced envelope line": "From: a@b\nFrom nowhere\nTo: c@d\n\nx\n",
    "a body with no blank line": "From: a@b\nthis is the body\n",
    "feedback report": ("From: fbl@isp\nContent-Type: multipart/report; boundary=F\n\n--F\n"
                        "Content-Type: message/feedback-report\n\nFeedback-Type: abuse\nOriginal-Rcpt-To: x@y\n"
                        "Original-Rcpt-To: z@y\n\nmore: field\n--F--\n"),
    "forwarded bounce": ("From: me@a\nContent-Type: multipart/mixed; boundary=A\n\n--A\n\nsee below\n--A\n"
                         "Content-Type: message/rfc822\n\nFrom: MAILER-DAEMON@b\nContent-Type: multipart/report;"
                         " boundary=R\n\n--R\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822;"
                         " u@c\nAction: failed\nStatus: 5.1.1\n--R--\n--A--\n"),
    "boundary line that looks like a field": ("From: a@b\nContent-Type: multipart/mixed; boundary=\"x:y\"\n\n"
                                              "--x:y\n--x:y\nTo: c@d\n\nt\n--x:y--\n"),
    "attachment after text": ("From: a@b\nContent-Type: multipart/mixed; boundary=Q\n\n--Q\n\nfirst\n--Q\n"
                              "Content-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n\n"
                              "second\n--Q--\n"),
    "8-bit To": "From: a@b\nTo: caf\xe9@example.org\n\nx\n",
    "8-bit folded Subject": "From: a@b\nSubject: caf\xe9\n \xe9t\xe9 =?utf-8?q?x?=\n\nx\n",
    "bare CR in a body": "From: a@b\n\n550-5.7.26 text\r\r\n550 5.7.26 more\rx\n",
    "bare CR in a part's body": ("From: a@b\nContent-Type: multipart/mixed; boundary=B\n\n--B\n\n550 x\r\r\n"
                                "y\r\n--B--\n"),
    "8-bit To of an attached original": ("From: a@b\nContent-Type: multipart/mixed; boundary=B\n\n--B\n\n550 x\n"
                                         "--B\nContent-Type: message/rfc822\n\nTo: \xe9@example.org\n\nx\n--B--\n"),
    # what the hand reader leaves to the email package
    "bare CR": "From: a@b\rTo: c@d\n\nx\n",
    "bare CR after the header": "From: a@b\n\rTo: c@d\n\nx\n",
    "bare CR before a boundary": ("From: a@b\nContent-Type: multipart/mixed; boundary=B\n\n--B\n\nx\r--B\n\ny\n"
                                  "--B--\n"),
    "bare CR on a boundary line": ("From: a@b\nContent-Type: multipart/mixed; boundary=B\n\n--B\r\r\n\nx\n"
                                   "--B--\n"),
    "bare CR in a delivery-status part": ("From: a@b\nContent-Type: multipart/report; boundary=R\n\n--R\n"
                                          "Content-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\r"
                                          "Final-Recipient: rfc822; u@c\nStatus: 5.1.1\n--R--\n"),
    "8-bit Content-Type": "From: a@b\nContent-Type: text/plain; charset=caf\xe9\n\nx\n",
    "RFC 2231 charset": "From: a@b\nContent-Type: text/plain; charset*=us-ascii''latin-1\n\n\xe9\n",
    "digest": "From: a@b\nContent-Type: multipart/digest; boundary=D\n\n--D\n\nTo: x@y\n\nhi\n--D--\n",
    "uuencode": "From: a@b\nContent-Transfer-Encoding: x-uuencode\n\nbegin 644 a\n#86)C\n`\nend\n",
    "a From line ends the header": "From: a@b\nFrom x\n\nbody\n",
}
LEFT_TO_THE_EMAIL_PACKAGE = {"bare CR", "bare CR after the header", "bare CR before a boundary",
                             "bare CR on a boundary line", "bare CR in a delivery-status part",
                             "8-bit Content-Type", "RFC 2231 charset", "digest", "uuencode",
                             "a From line ends the header"}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_crafted_edge_cases_read_the_same(name, newline):
    data = CASES[name].replace("\n", newline).encode("latin-1")
    if "bare CR" in name or newline == "\n":
        assert check(data) is (name not in LEFT_TO_THE_EMAIL_PACKAGE)
    else:
        check(data)


def test_what_the_values_say_on_a_crafted_report():
    parts = read_message(DSN.encode("latin-1"))
    assert isinstance(parts, MailParts)
    assert parts.header("subject") == "Unzustellbar: caféÃ© folded"  # adjacent encoded words join (RFC 2047 §6.2)
    assert parts.texts == ("Café: could not be delivered.\n",)
    per_message, first, second = parts.dsn[0][:3]
    assert per_message["reporting-mta"] == "dns; mx.example.net"
    assert first["diagnostic-code"] == "smtp; 550 5.1.1 <first@example.org>: User unknown"
    assert second["status"] == "5.2.2" and second["diagnostic-code"] == "smtp; 552 full"
    assert parts.originals[0].inner_to == "first@example.org"


LINES = [
    "From: a@b", "To: c@d", "Subject: =?utf-8?b?w6k=?=", " folded", "\tfolded", ": x", "From x", "X:",
    "Content-Type: multipart/mixed; boundary=B", "Content-Type: multipart/report; boundary=\"C\"",
    "Content-Type: message/delivery-status", "Content-Type: message/rfc822", "Content-Type: text/html",
    "Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: base64",
    "Content-Transfer-Encoding: quoted-printable", "Content-Disposition: attachment",
    "--B", "--B--", "--C", "--C--  ", "--Bx", "", "", "", "Final-Recipient: rfc822; u@e", "Status: 5.1.1",
    "550 5.1.1 unknown =E9", "w6k=", "<p>hi</p>", "caf\xe9", "Action: failed",
    "To: caf\xe9@x", "X-8bit: \xe9t\xe9", "Content-Type: text/plain; charset=\xe9",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(LINES), min_size=1, max_size=40), st.sampled_from(["\n", "\r\n"]),
       st.booleans())
@example(["Content-Type: multipart/mixed; boundary=B", " folded", "--B", " folded"], "\n", False)  # folded boundary
def test_generated_messages_read_the_same(lines, newline, final_newline):
    text = newline.join(lines) + (newline if final_newline else "")
    check(text.encode("latin-1"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(LINES), st.sampled_from(["\n", "\r\n", "\r", "\r\r\n"])),
                min_size=1, max_size=40))
def test_generated_messages_with_bare_crs_read_the_same(lines):
    """Lines ending in a bare CR here and there: where the hand reader reads them, it reads what the email
    package reads."""
    check("".join(line + end for line, end in lines).encode("latin-1"))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet='ab=; \t"\\Xé', max_size=24))
def test_parameters_split_as_the_email_package_splits_them(value):
    from email.message import _parseparam

    from smtpdoctor.protocol.mime_reader import _split_params

    assert _split_params(value) == _parseparam(value)


_PARAMS = st.one_of(
    st.text(alphabet='ab=; \t"\\*<>Xé', max_size=30),
    st.lists(st.tuples(st.sampled_from(["a", "B", "charset", " Boundary ", "ab"]), st.sampled_from(["=", " = ", ""]),
                       st.text(alphabet='ab "<>\\;*é', max_size=8)), max_size=4)
    .map(lambda ps: ";".join(n + sep + v for n, sep, v in ps)),
)


@settings(max_examples=1000, deadline=None)
@given(_PARAMS, st.sampled_from(["a", "b", "ab", "charset", "boundary"]))
@example(' a="b"; charset=<X>', "a")
@example(' a="b"; charset=<X>', "charset")
@example(' boundary="x;y"; a=b', "a")
@example(' a; b=; boundary="=_1"', "boundary")
def test_a_parameter_reads_as_the_email_package_reads_it(params, name):
    """Part.get_param (its quick reading of values without escapes, and the full one) against compat32's."""
    import email.message

    from smtpdoctor.protocol.mime_reader import NotExact, Part

    value = "multipart/mixed;" + params
    theirs = email.message.Message()
    theirs["Content-Type"] = value
    ours = Part()
    ours.fields = [("Content-Type", value)]
    try:
        got = ours.get_param(name)
    except NotExact:
        assert "*" in value  # only RFC 2231 parameters are left to the email package
        return
    assert got == theirs.get_param(name)
    if name == "boundary":
        assert ours.get_boundary() == theirs.get_boundary()
