"""protocol/mail_parts: a message's fields are kept as read and decoded when the judge asks for one; what it
gets is what decoding every field up front gave (the email package's decoding, white space folded)."""

from __future__ import annotations

import email
from email.header import decode_header, make_header

from smtpdoctor.protocol.mail_parts import decoded_value
from smtpdoctor.protocol.mime import read_message
from support.corpus import CORPUS

FILES = sorted((CORPUS / "eml").glob("*.eml"))


def _decoded_up_front(value: object) -> str:
    text = str(value)
    if "=?" in text:
        try:
            text = str(make_header(decode_header(text)))
        except Exception:  # noqa: BLE001 - as the reader: a broken encoded word stays raw
            pass
    return " ".join(text.split())


def test_every_field_of_every_corpus_message_reads_as_decoded_up_front():
    assert len(FILES) == 405
    encoded = 0
    for path in FILES:
        data = path.read_bytes()
        parts = read_message(data)
        theirs = email.message_from_bytes(data)
        for name in dict.fromkeys(k.lower() for k in theirs.keys()):
            want = [_decoded_up_front(v) for v in theirs.get_all(name)]
            assert list(parts.header_all(name)) == want, (path.name, name)
            assert parts.header(name) == want[0], (path.name, name)
            encoded += any("=?" in str(v) for v in theirs.get_all(name))
    assert encoded > 10  # the corpus has encoded words (Subject, From, To of Japanese and German bounces)


def test_absent_fields_and_encoded_words():
    parts = read_message(b"From: a@example.org\nSubject: =?utf-8?q?caf=C3=A9?=\n  au lait\n\nbody\n")
    assert parts.header("subject") == "café au lait"
    assert parts.header("X-None") == "" and parts.header_all("X-None") == ()
    assert decoded_value("=?utf-8?q?broken") == "=?utf-8?q?broken"
