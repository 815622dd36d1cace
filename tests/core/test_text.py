"""The one home of control-character stripping and Markdown escaping (issue 21)."""

from __future__ import annotations

import io

from smtpdoctor.core.text import SafeWriter, fence, md_escape, strip_control


def test_control_characters_are_shown_not_obeyed():
    hostile = "a\x1b]0;title\x07b\x1b[2Jc\x9bd\u202ee\u200bf\r\ng\th"
    assert strip_control(hostile) == "a\\x1b]0;title\\x07b\\x1b[2Jc\\x9bd\\u202ee\\u200bf\ng\th"
    assert strip_control("plain text, ünïcödé ✓") == "plain text, ünïcödé ✓"


def test_markdown_escape_leaves_no_live_html_link_or_table_break():
    text = "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) a|b\nc *d* `e`"
    out = md_escape(text)
    assert "<" not in out and ">" not in out and "\n" not in out
    assert "&lt;script&gt;" in out and "&lt;img src=x onerror=alert\\(1\\)&gt;" in out
    assert "\\[x\\]\\(javascript:alert\\(1\\)\\)" in out
    assert "a\\|b c \\*d\\* \\`e\\`" in out


def test_a_fence_is_longer_than_any_backtick_run_inside():
    assert fence(["no ticks"]) == "```"
    assert fence(["```", "a ````` b"]) == "``````"


def test_safe_writer_strips_what_passes_through():
    buf = io.StringIO()
    SafeWriter(buf).write("x\x1b[31my\x07")
    assert buf.getvalue() == "x\\x1b[31my\\x07"
