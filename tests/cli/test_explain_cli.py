"""``smtpdoctor explain`` as a user runs it: reply text, files, directories, stdin; every output format."""

from __future__ import annotations

import io
import json
import sys

import pytest

from smtpdoctor.cli.app import main

BOUNCE = (b"From: MAILER-DAEMON@mx.example.net\nTo: s@example.com\nSubject: failure notice\n\n"
          b"<{who}@outlook.com>:\n550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact "
          b"your Internet service provider since part of their network is on our block list (S3150).\n\n"
          b"--- Below this line is a copy of the message.\n\nTo: {who}@outlook.com\n")


def bounce(who: str) -> bytes:
    return BOUNCE.replace(b"{who}", who.encode())


@pytest.fixture
def cli(capsys, monkeypatch):
    def call(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["smtpdoctor", "explain", *args])
        if stdin is not None:
            fake = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
            monkeypatch.setattr(sys, "stdin", fake)
        with pytest.raises(SystemExit) as info:
            main()
        out, err = capsys.readouterr()
        return info.value.code, out, err
    return call


def test_reply_text_gets_cause_reason_code_provider_and_fix(cli):
    code, out, err = cli("550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org")
    assert code == 1 and err == ""
    assert "reason:   blocked   category: blacklist   code: 550 5.7.1   provider: spamhaus" in out
    assert "fix 1:" in out and "help:     https://check.spamhaus.org" in out


def test_json_is_one_object_per_input_in_order(cli, tmp_path):
    (tmp_path / "a.eml").write_bytes(bounce("ann"))
    (tmp_path / "b.eml").write_bytes(bounce("bob"))
    code, out, _ = cli("--format", "json", str(tmp_path / "a.eml"), "550 5.1.1 user unknown", str(tmp_path / "b.eml"))
    objs = [json.loads(line) for line in out.splitlines()]
    assert [(o["source"].rsplit("/", 1)[-1], o["kind"]) for o in objs] == [
        ("a.eml", "bounce"), ("text", "reply"), ("b.eml", "bounce")]
    r = objs[0]["results"][0]
    assert (r["recipient"], r["reason"], r["category"], r["provider"]) == ("ann@outlook.com", "blocked",
                                                                           "blacklist", "microsoft")
    assert {"status", "replycode", "summary", "remedy", "help_url"} <= r.keys()
    assert code == 1


def test_many_inputs_get_the_bulk_summary_and_bad_files_are_counted(cli, tmp_path):
    for i in range(8):
        (tmp_path / f"m{i}.eml").write_bytes(bounce(f"user{i}"))
    (tmp_path / "empty.eml").write_bytes(b"")
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01" * 64)
    code, out, _ = cli(str(tmp_path))
    assert "Summary: 10 inputs, 8 recipients, 2 unparsed or not bounces" in out
    assert "microsoft                        blocked" in out
    assert "By receiving domain:" in out and "outlook.com" in out
    assert "empty.eml: empty input" in out and "blob.bin: binary data" in out
    assert code == 1


def test_markdown_and_html(cli, tmp_path):
    (tmp_path / "a.eml").write_bytes(bounce("ann"))
    _, md, _ = cli("--format", "markdown", str(tmp_path / "a.eml"))
    assert md.startswith("# smtpdoctor explain") and "reason `blocked`" in md
    _, page, _ = cli("--format", "html", str(tmp_path / "a.eml"))
    assert page.startswith("<!doctype html>") and "<code>blocked</code>" in page and page.rstrip().endswith("</html>")


def test_stdin_with_dash(cli):
    code, out, _ = cli("--format", "json", "-", stdin=bounce("eve"))
    [obj] = [json.loads(line) for line in out.splitlines()]
    assert obj["source"] == "-" and obj["results"][0]["recipient"] == "eve@outlook.com"


def test_binary_file_alone_is_one_error_line_and_exit_2(cli, tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\x00\x10JFIF\x00" * 100)
    code, _, err = cli(str(path))
    assert code == 2
    assert err.count("\n") == 1 and "photo.jpg: binary data" in err and "Traceback" not in err


def test_not_a_bounce_is_said_and_exit_0(cli, tmp_path):
    path = tmp_path / "note.eml"
    path.write_bytes(b"From: a@example.org\nTo: b@example.org\nSubject: lunch\n\nnoon?\n")
    code, out, _ = cli(str(path))
    assert code == 0 and "not a bounce" in out


def test_nothing_to_explain_is_a_usage_error(cli, monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True
    monkeypatch.setattr(sys, "stdin", Tty())
    code, _, err = cli()
    assert code == 2 and err.startswith("smtpdoctor: error: nothing to explain")


def test_a_missing_file_is_reported_not_explained_as_text(cli):
    code, _, err = cli("bounces/missing.eml")
    assert code == 2 and "bounces/missing.eml: no such file or directory" in err


# Gmail's full text as https://support.google.com/a/answer/3726730 prints it: 400+ characters, one argument
GMAIL_5726 = ("550-5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail users, "
              "and has been blocked. The sender must authenticate with at least one of SPF or DKIM. For this message, "
              "DKIM checks did not pass and SPF check for [example.com] did not pass with ip: [192.0.2.1]. To best "
              "protect our users from spam, the message has been blocked. Please visit "
              "https://support.google.com/mail/answer/81126#authentication for more information. - gsmtp")


def test_a_reply_longer_than_a_file_name_is_text_not_a_file(cli):
    assert len(GMAIL_5726) > 255
    code, out, err = cli(GMAIL_5726, "--format", "json")
    assert code == 1 and err == ""
    result = json.loads(out)["results"][0]
    assert (result["category"], result["reason"], result["provider"]) == ("dns", "authfailure", "gmail")


@pytest.mark.parametrize("arg", ["a" * 300 + "/b", "x/" * 3000, "bounce\x00.eml", "/" + "d" * 256 + "/f.eml"])
def test_no_argument_ends_in_a_traceback(cli, arg):
    code, out, err = cli(arg, "--format", "json")
    assert code in (0, 1, 2) and "Traceback" not in err + out
    if code == 2:
        assert err.startswith("smtpdoctor: error:") and err.count("\n") == 1


def test_text_that_is_neither_a_reply_nor_a_message_is_unparsed_exit_2(cli):
    code, out, err = cli("hello world", "--format", "json")
    assert code == 2
    assert json.loads(out)["kind"] == "unparsed"
    assert err.startswith("smtpdoctor: error: text: not an SMTP reply")


@pytest.mark.parametrize(("reply", "category"), [
    ("535 Authentication Failed.", "authentication"),
    ("530 Must issue a STARTTLS command first", "client"),
    ("550 Your IP address is block listed", "blacklist"),
    ("521 5.3.0 Host is blocked", "blacklist"),
    ("553 Relaying disallowed", "client"),
    ("501 5.5.4 HELO/EHLO argument is invalid", "client"),
])
def test_replies_without_an_enhanced_code_are_read_from_code_and_words(cli, reply, category):
    code, out, _ = cli(reply, "--format", "json")
    assert code == 1 and json.loads(out)["results"][0]["category"] == category


HOSTILE_BOUNCE = (b"From: MAILER-DAEMON@mx.example.net\nTo: s@example.com\nSubject: Undelivered Mail\n"
                  b"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n"
                  b"--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n\n"
                  b"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n"
                  b"Final-Recipient: rfc822; bob@example.org\nAction: failed\nStatus: 5.1.1\n"
                  b"Diagnostic-Code: smtp; 550 5.1.1 \x1b]0;pwned\x07\x1b[2J <script>alert(1)</script> "
                  b"[x](javascript:alert(1)) user unknown\n\n--B--\n")


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_terminal_escapes_and_markup_from_a_bounce_are_inert(cli, tmp_path, fmt):
    (tmp_path / "b.eml").write_bytes(HOSTILE_BOUNCE)
    code, out, err = cli("--format", fmt, str(tmp_path / "b.eml"))
    assert code == 1, err
    assert "\x1b" not in out and "\x07" not in out
    assert ("x1b\\]0;pwned" if fmt == "markdown" else "x1b]0;pwned") in out  # shown as an escape, not obeyed
    if fmt != "text":
        assert "<script>" not in out
    if fmt == "markdown":
        assert "](javascript:" not in out


def test_pasted_reply_text_with_escapes_is_inert(cli):
    code, out, _ = cli("550 5.7.1 \x1b[2J\x1b]0;title\x07 blocked", "--format", "markdown")
    assert "\x1b" not in out and "\x07" not in out
