"""``explain`` partition by partition: an mbox and a mail log cut into byte ranges, a maildir, reply text;
the same lines, the same summary and the same hard-bounce list as one pass in one process."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from scalelab import smtpdoctor

from smtpdoctor.flows.explain import explain_item
from smtpdoctor.report.explain_summary import Tally
from smtpdoctor.scale.explain_parts import RangeUnit, explain_partitions, explain_units, read_unit
from smtpdoctor.scale.summary import Combined, merge

pytestmark = pytest.mark.realserver


def _corpus() -> Path:
    """The sisimai corpus vendored in tests/data/bounces (tests/support/corpus.py)."""
    from support.corpus import CORPUS

    folder = CORPUS / "eml"
    assert folder.is_dir(), f"the vendored sisimai corpus is missing at {folder}"
    return folder


POSTFIX = ("Jan  2 03:04:{s:02d} mx1 postfix/smtp[1234]: 4BxYz{n}: to=<user{n}@example.com>, "
           "relay=mx.example.com[192.0.2.1]:25, delay=1.2, dsn=5.1.1, status=bounced (host mx.example.com"
           "[192.0.2.1] said: 550 5.1.1 <user{n}@example.com>: Recipient address rejected: User unknown in "
           "virtual mailbox table (in reply to RCPT TO command))")
SENT = ("Jan  2 03:04:{s:02d} mx1 postfix/smtp[1234]: 4BxYz{n}: to=<ok{n}@example.org>, relay=mx.example.org"
        "[192.0.2.2]:25, delay=0.3, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABC)")
GMAIL = ("Jan  2 03:04:{s:02d} mx1 postfix/smtp[1234]: 4BxYz{n}: to=<g{n}@gmail.com>, relay=gmail-smtp-in.l."
         "google.com[192.0.2.3]:25, delay=0.3, dsn=4.7.28, status=deferred (host gmail-smtp-in.l.google.com"
         "[192.0.2.3] said: 421-4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from "
         "your IP address. (in reply to end of DATA command))")


@pytest.fixture(scope="module")
def mail(tmp_path_factory) -> dict[str, Path]:
    corpus = sorted(_corpus().glob("*.eml"))
    d = tmp_path_factory.mktemp("mail")
    mbox = d / "bounces.mbox"
    with mbox.open("wb") as fh:
        for i, eml in enumerate(corpus[:120]):
            fh.write(f"From MAILER-DAEMON Mon Jan  1 00:00:{i % 60:02d} 2024\n".encode())
            body = eml.read_bytes().replace(b"\r\n", b"\n")
            fh.write(body if body.endswith(b"\n") else body + b"\n")
            if i % 17 == 0:  # a body line that starts with "From " but is no separator
                fh.write(b"From the desk of the postmaster\n")
            fh.write(b"\n")
    log = d / "maillog"
    lines = [(POSTFIX, SENT, GMAIL)[n % 3].format(s=n % 60, n=n) for n in range(600)]
    log.write_text("\n".join(lines) + "\n")
    maildir = d / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for eml in corpus[120:160]:
        (maildir / "new" / eml.name).write_bytes(eml.read_bytes())
    return {"mbox": mbox, "log": log, "maildir": maildir}


def _args(mail) -> list[str]:
    return [str(mail["mbox"]), str(mail["log"]), str(mail["maildir"]),
            "554 5.7.1 Service unavailable; Client host [192.0.2.9] blocked using zen.spamhaus.org"]


def test_ranges_split_at_boundaries_and_number_on(mail):
    units = list(explain_units([str(mail["mbox"]), str(mail["log"])], None, range_bytes=8 * 1024))
    mbox = [u for u in units if u.kind == "mbox"]
    log = [u for u in units if u.kind == "maillog"]
    assert len(mbox) > 10 and len(log) > 10
    for ranges, path in ((mbox, mail["mbox"]), (log, mail["log"])):
        assert ranges[0].start == 0 and ranges[-1].end == path.stat().st_size
        assert all(a.end == b.start for a, b in zip(ranges, ranges[1:]))  # no byte lost or read twice
    data = mail["mbox"].read_bytes()
    assert all(data[u.start:u.start + 5] == b"From " for u in mbox)
    counts = [sum(1 for _ in read_unit(u)) for u in mbox]
    assert [u.base for u in mbox] == [sum(counts[:i]) for i in range(len(mbox))] and sum(counts) == 120
    text = mail["log"].read_bytes()
    assert [u.base for u in log] == [text[:u.start].count(b"\n") for u in log]


def test_partitions_tally_merged_equals_one_pass(mail):
    one = Tally()
    for unit in explain_units(_args(mail), None):
        for item in read_unit(unit):
            one.add(explain_item(item))
    merged = Tally()
    parts = list(explain_partitions(explain_units(_args(mail), None, range_bytes=8 * 1024), 7))
    assert len(parts) > 20
    for part in parts:
        t = Tally()
        for unit in part.items:
            for item in read_unit(unit):
                t.add(explain_item(item))
        merge(merged, t)
    assert merged.to_json() == one.to_json()
    assert merged.inputs == 120 + 400 + 40 + 1


def test_same_lines_summary_and_suppression_in_process_local_and_cluster(mail, tmp_path, dask_cluster):
    args = _args(mail)
    here = smtpdoctor("explain", *args, "--format", "json", "--suppression", str(tmp_path / "here.txt"))
    assert here.returncode == 1, here.stderr
    whole = smtpdoctor("explain", *args, "--format", "json", "--workers", "1", "--partition-size", "1000000",
                       "--summary", "--suppression", str(tmp_path / "whole.txt"))
    local = smtpdoctor("explain", *args, "--format", "json", "--workers", "2", "--partition-size", "8",
                       "--summary", "--suppression", str(tmp_path / "local.txt"))
    remote = smtpdoctor("explain", *args, "--format", "json", "--cluster", dask_cluster.address,
                        "--partition-size", "5", "--summary", "--suppression", str(tmp_path / "remote.txt"))
    lines = here.stdout.splitlines()
    assert len(lines) == 561
    assert lines[120].startswith(f'{{"source":"{mail["log"]}:1","kind":"reply"')
    assert f'"source":"{mail["mbox"]}#120"' in lines[119]  # messages of an mbox count from 1
    suppress = (tmp_path / "here.txt").read_text().splitlines()
    assert "user0@example.com" in suppress and "g2@gmail.com" not in suppress  # 4.7.28 is no hard bounce
    for run, name in ((whole, "whole"), (local, "local"), (remote, "remote")):
        assert run.returncode == 1
        assert run.stdout == here.stdout
        assert (tmp_path / f"{name}.txt").read_text().splitlines() == suppress
    assert "Summary: 561 inputs" in whole.stderr
    assert f"Hard bounces (addresses to suppress): {len(suppress)}" in whole.stderr
    assert local.stderr == remote.stderr == whole.stderr


def test_hard_bounces_kept_only_when_a_summary_or_suppression_list_asks(mail, tmp_path):
    from smtpdoctor.scale.bulk import run_explain
    from smtpdoctor.scale.jobs import explain_partition
    from smtpdoctor.scale.options import ScaleOptions

    parts = list(explain_partitions(explain_units([str(mail["log"])], None, range_bytes=8 * 1024), 7))
    kept, dropped = Combined(), Combined(keep_hard=False)
    for part in parts:
        asked, unasked = explain_partition(part, True), explain_partition(part, False)
        assert unasked.lines == asked.lines and unasked.extra[1] == []  # the worker ships no addresses
        kept.add(asked.extra)
        dropped.add(asked.extra)
    assert len(kept.hard) == 200 and "user0@example.com" in kept.hard.addresses  # every third of 600 lines
    assert len(dropped.hard) == 0 and dropped.tally.to_json() == kept.tally.to_json()
    # The driver in this process (--output alone): the summary still counts them.
    err = io.StringIO()
    options = ScaleOptions(output=tmp_path / "out.parquet")
    assert run_explain([str(mail["log"])], None, options, summary=True, err=err) == 1
    assert "Hard bounces (addresses to suppress): 200" in err.getvalue()


def test_worker_range_reads_only_its_bytes(mail):
    size = mail["log"].stat().st_size
    unit = RangeUnit(str(mail["log"]), "maillog", 0, size // 2, 0)
    items = list(read_unit(unit))
    assert 0 < len(items) < 400
    assert items[0].source == f"{mail['log']}:1"
