"""The --imap URL: what it takes and what it refuses (the mailbox itself: tests/cli/test_reports_imap.py)."""

from __future__ import annotations

import pytest

from smtpdoctor.net.imap import ImapError, parse_imap_url


def test_url_forms():
    u = parse_imap_url("imaps://dmarc%40example.com@imap.example.com/Reports%2FDMARC")
    assert (u.user, u.host, u.port, u.folder) == ("dmarc@example.com", "imap.example.com", 993, "Reports/DMARC")
    assert parse_imap_url("imaps://me@[::1]:1993").folder == "INBOX"
    assert parse_imap_url("imaps://me@[::1]:1993").port == 1993


@pytest.mark.parametrize("url, why", [
    ("imap://me@host/X", "implicit TLS"),
    ("imaps://host/X", "give the user and the host"),
    ("imaps://me:secret@host/X", "do not put the password in the URL"),
    ("imaps://me@host:99999/X", "out of range"),
])
def test_refused(url, why):
    with pytest.raises(ImapError, match=why) as info:
        parse_imap_url(url)
    assert "secret" not in str(info.value)
