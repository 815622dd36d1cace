"""Streaming inputs: mbox, maildir, directories, stdin; memory stays flat."""

from __future__ import annotations

import io
import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st

from smtpdoctor.core.explanation import Kind
from smtpdoctor.flows.explain import explain_inputs
from smtpdoctor.flows.explain import iter_items

BOUNCE = (b"From: MAILER-DAEMON@mx.example.net\nTo: s@example.com\nSubject: failure notice\n\n"
          b"<u{n}@example.org>:\n550 5.1.1 <u{n}@example.org>: Recipient address rejected: User unknown\n\n"
          b"--- Below this line is a copy of the message.\n\nFrom s@example.com\nTo: u{n}@example.org\n")


def _bounce(n: int) -> bytes:
    return BOUNCE.replace(b"{n}", str(n).encode())


def _mbox(count: int) -> bytes:
    return b"".join(b"From MAILER-DAEMON Thu Apr 29 23:34:45 2021\n" + _bounce(i) + b"\n" for i in range(count))


def test_mbox_is_split_in_order_and_from_lines_in_bodies_do_not_split(tmp_path):
    path = tmp_path / "bounces.mbox"
    path.write_bytes(_mbox(3))
    out = list(explain_inputs([str(path)]))
    assert [e.source for e in out] == [f"{path}#1", f"{path}#2", f"{path}#3"]
    assert [e.results[0].recipient for e in out] == ["u0@example.org", "u1@example.org", "u2@example.org"]
    assert all(e.results[0].explanation.reason == "userunknown" for e in out)


def test_maildir_reads_new_and_cur_but_not_tmp(tmp_path):
    for sub in ("cur", "new", "tmp"):
        (tmp_path / sub).mkdir()
    (tmp_path / "new" / "1").write_bytes(_bounce(1))
    (tmp_path / "cur" / "2:2,S").write_bytes(_bounce(2))
    (tmp_path / "tmp" / "3").write_bytes(_bounce(3))
    out = list(explain_inputs([str(tmp_path)]))
    assert sorted(e.results[0].recipient for e in out) == ["u1@example.org", "u2@example.org"]


def test_directory_of_files_with_bad_ones_counted_not_dropped(tmp_path):
    (tmp_path / "a.eml").write_bytes(_bounce(1))
    (tmp_path / "b.eml").write_bytes(b"")
    (tmp_path / "c.bin").write_bytes(b"\x00\xff" * 50)
    kinds = {e.source.rsplit("/", 1)[1]: e.kind for e in explain_inputs([str(tmp_path)])}
    assert kinds == {"a.eml": Kind.BOUNCE, "b.eml": Kind.UNPARSED, "c.bin": Kind.UNPARSED}


def test_stdin_and_text_arguments():
    out = list(explain_inputs(["-", "550 5.1.1 user unknown"], io.BytesIO(_bounce(7))))
    assert [(e.source, e.kind) for e in out] == [("-", Kind.BOUNCE), ("text", Kind.REPLY)]


def test_memory_stays_flat_while_streaming_a_large_mbox(tmp_path):
    """Splitting holds one message at a time; explaining 300 messages costs no more than 30.
    (The benchmark measures the whole process on a 100,000-message mbox.)"""
    path = tmp_path / "big.mbox"
    with path.open("wb") as fh:
        chunk = _mbox(1000)
        for _ in range(30):
            fh.write(chunk)
    tracemalloc.start()
    count = sum(1 for _ in iter_items([str(path)]))
    _, peak_split = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 30_000
    assert peak_split < 2 * 1024 * 1024 < path.stat().st_size / 4

    def peak_for(n: int) -> int:
        small = tmp_path / f"m{n}.mbox"
        small.write_bytes(_mbox(n))
        tracemalloc.start()
        for _ in explain_inputs([str(small)]):
            pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    peak_for(20)  # warm the caches (patterns, knowledge) outside the measurement
    assert peak_for(300) < peak_for(30) * 1.5 + 256 * 1024


def test_worker_processes_give_the_same_results_in_the_same_order(tmp_path, monkeypatch):
    from smtpdoctor.flows import explain as sources

    monkeypatch.setattr(sources, "PARALLEL_AFTER", 4)
    path = tmp_path / "m.mbox"
    path.write_bytes(_mbox(40))
    one = [e.to_json() for e in explain_inputs([str(path)], jobs=1)]
    two = [e.to_json() for e in explain_inputs([str(path)], jobs=2)]
    assert one == two and len(one) == 40


class Endless(io.RawIOBase):
    """A stream that never ends: ``head`` then ``fill`` forever (a runaway pipe)."""

    def __init__(self, head: bytes, fill: bytes) -> None:
        self.head, self.fill, self.given = head, fill, 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = 1 << 16 if n is None or n < 0 else n
        out = self.head[:n]
        self.head = self.head[len(out):]
        if len(out) < n:
            out += (self.fill * (1 + (n - len(out)) // len(self.fill)))[: n - len(out)]
        self.given += len(out)
        return out


def test_an_endless_message_in_an_mbox_stops_at_the_limit_with_one_result():
    from smtpdoctor.flows.explain import MAX_MBOX_MESSAGE_BYTES

    stream = Endless(b"From a@example.com Mon Jan  1 00:00:00 2024\nSubject: x\n\n", b"body line\n")
    results = list(explain_inputs(["-"], stream))
    assert [r.kind for r in results] == [Kind.UNPARSED]
    assert "larger than 64 MB" in results[0].note
    assert MAX_MBOX_MESSAGE_BYTES < stream.given < MAX_MBOX_MESSAGE_BYTES + 2 * (1 << 20)


def test_endless_reply_text_on_stdin_is_refused_after_the_limit():
    stream = Endless(b"550 5.1.1 user unknown\n", b"more text\n")
    results = list(explain_inputs(["-"], stream))
    assert [r.kind for r in results] == [Kind.UNPARSED]
    assert "larger than" in results[0].note
    assert stream.given < 3 * (1 << 20)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="/.ab\x00é", max_size=12))
def test_an_input_is_named_as_pathlib_names_it(arg):
    """flows.explain.path_text reads a name the way pathlib does (without importing it)."""
    from pathlib import PurePosixPath

    from smtpdoctor.flows.explain import path_text

    assert path_text(arg) == str(PurePosixPath(arg))


def test_a_file_named_with_a_trailing_slash_or_dots_is_read_under_its_plain_name(tmp_path):
    from smtpdoctor.flows.explain import iter_items

    (tmp_path / "m.eml").write_bytes(b"From: a@b\nTo: c@d\nSubject: x\n\nhello\n")
    names = [item.source for item in iter_items([f"{tmp_path}//./m.eml/"])]
    assert names == [f"{tmp_path}/m.eml"]
