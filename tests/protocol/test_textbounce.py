"""protocol/textbounce and the quick tests around the bounce readers: each finds exactly what the plain
regular expression it stands for finds."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from smtpdoctor.judge.explain.message import _implied_command
from smtpdoctor.judge.reply import clean_diagnostic
from smtpdoctor.protocol.mail_parts import _DSN_IN_TEXT, _dsn_start
from smtpdoctor.protocol.mime import _blank_end
from smtpdoctor.protocol.textbounce import ADDRESS, find_addresses, unquote

_TEXT = st.text(alphabet="ab.@-_+=x9 \t\n\r>:<İıſK[]", max_size=60)


def test_addresses_in_prose():
    text = "550 <first.last@example.org>... User unknown; also x@y and bob@mail.example.net."
    assert [m.group(0) for m in find_addresses(text)] == ["first.last@example.org", "bob@mail.example.net"]


@settings(max_examples=600, deadline=None)
@given(st.text(alphabet="ab.@-_+=x9 Z\n<>", max_size=60))
def test_find_addresses_is_the_patterns_finditer(text):
    assert [m.span() for m in find_addresses(text)] == [m.span() for m in ADDRESS.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(["> quoted", ">", "plain", "", " > not", ">>x"]), max_size=12))
def test_unquote_counts_quoted_lines_as_the_pattern_did(lines):
    text = "\n".join(lines)
    quoted = re.compile(r"(?m)^>[ \t]?")
    n = text.count("\n") + 1
    expected = quoted.sub("", text) if n > 3 and len(quoted.findall(text)) > n // 2 else text
    assert unquote(text) == expected


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=40).map(lambda b: b.replace(b"\x00", b"\n")), st.integers(0, 5))
def test_blank_end_is_the_patterns_end(data, start):
    m = re.compile(rb"\r?\n\r?\n").search(data, start)
    assert _blank_end(data, start) == (m.end() if m else -1)


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_quick_word_tests_never_change_the_answer(text):
    assert clean_diagnostic(text) == (re.sub(r"\s+", " ", text).strip() if text else "")
    assert (_dsn_start(text) is not None) == (_DSN_IN_TEXT.search(text) is not None)
    hint = re.compile(r"\brcpt\b|does not like recipient|recipient address rejected|\[rcpt_to\]", re.I)
    assert _implied_command(text, "") == ("RCPT" if hint.search(text) else "")
    for word in ("Final-Recipient: x", "final-recıpient:", "does not like recipient", "RCPT"):
        assert (_dsn_start(text + word) is not None) == (_DSN_IN_TEXT.search(text + word) is not None)
        assert _implied_command(text + word, "") == ("RCPT" if hint.search(text + word) else "")


def _plain_cut_original(text: str) -> str:
    """cut_original as written with the two plain searches."""
    import re

    from smtpdoctor.protocol import textbounce

    _ORIGINAL, _HEADERS_BLOCK = re.compile(textbounce._ORIGINAL), re.compile(textbounce._HEADERS_BLOCK, re.I)

    text = unquote(text)
    end = len(text)
    low = text.lower()
    m = _ORIGINAL.search(low) if len(low) == len(text) else re.compile(_ORIGINAL.pattern, re.I).search(text)
    if m:
        end = m.start()
    m = _HEADERS_BLOCK.search(text, 0, end + 1 if end < len(text) else end)
    if m and m.start() < end and m.start() > 0 and text[m.start() - 1] == "\n":
        end = m.start()
    return text[:end]


_BOUNCE_LINES = ["550 5.1.1 <a@b.example>: user unknown", "----- Original message -----", "original message",
                 "  -- The original message headers", "Received: from x", "RECEIVED: by y", " continued",
                 "Return-path: <a@b>", "Subject: hi", "X-Mailer: z", "Content-Type: message/rfc822",
                 "this is a copy of the message, including all the headers.", "", "> quoted", "Message-ID: <1@x>",
                 "forwarded message:", "ſubject", "Received:", "text Received: inline"]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_BOUNCE_LINES), max_size=14), st.sampled_from(["\n", "\r\n"]))
def test_cut_original_finds_what_the_plain_searches_find(lines, newline):
    from smtpdoctor.protocol.textbounce import cut_original

    text = newline.join(lines)
    assert cut_original(text) == _plain_cut_original(text)


def test_cut_original_finds_what_the_plain_searches_find_on_every_corpus_text():
    from smtpdoctor.protocol.mime import read_message
    from smtpdoctor.protocol.textbounce import cut_original
    from support.corpus import CORPUS

    texts = []
    for path in sorted((CORPUS / "eml").glob("*.eml")):
        data = path.read_bytes()
        texts.append(data.decode("utf-8", "replace"))
        parts = read_message(data)
        texts += list(getattr(parts, "texts", ())) + list(getattr(parts, "html", ()))
    assert len(texts) > 800
    cut = 0
    for text in texts:
        ours = cut_original(text)
        assert ours == _plain_cut_original(text)
        cut += len(ours) < len(text)
    assert cut > 300  # most bounces quote their original: the searches found where it starts


def test_the_original_is_cut_where_its_words_or_its_header_block_start():
    from smtpdoctor.protocol.textbounce import cut_original

    words = "550 5.1.1 <a@example.org>: no such user\n"
    assert cut_original(words + "----- Original message -----\nFrom: x\n") == words
    assert cut_original(words + "Return-Path: <x@example.com>\nReceived: from a\nTo: b\n") == words
    kept = words + "the original message was too large\n"  # the phrase, but not as the line that starts a copy
    assert cut_original(kept) == kept
