"""protocol/compiled: a pattern made from the install's cached compiled form is the pattern ``re`` compiles,
and the cache is written by one process and read by the next."""

from __future__ import annotations

import marshal
import os
import re
import subprocess
import sys
from pathlib import Path

import smtpdoctor.flows.explain  # noqa: F401 - the explain path's patterns
import smtpdoctor.judge.explain.message  # noqa: F401
import smtpdoctor.protocol.mime  # noqa: F401
from smtpdoctor.judge.reply_rules import knowledge
from smtpdoctor.protocol import compiled
from smtpdoctor.protocol.compiled import compiled_re, sre_code

TEXTS = ["550 5.1.1 <user@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
         "Final-Recipient: rfc822; a@b\nStatus: 5.0.0\n\n", "host mx.example.net[192.0.2.1] said: 552 full",
         b"Content-Type: message/rfc822\r\n\r\nTo: x@y\r\n", "", "----- original message -----\nReceived: x\n"]


def _every_pattern() -> list[tuple]:
    kb = knowledge()
    lazy = [kb.any_host, kb.any_marker, *(z for p in kb.providers for z in (p.hosts, p.markers) if z is not None),
            *(r.match for p in kb.providers for r in p.rules), *(r.match for r in kb.first_rule.rules)]
    return sorted({*compiled._codes, *compiled._new, *((z.pattern, z.flags) for z in lazy)}, key=repr)


def test_every_pattern_is_the_one_re_compiles():
    patterns = _every_pattern()
    assert len(patterns) > 250
    for pattern, flags in patterns:
        ours, theirs = compiled_re(pattern, flags), re.compile(pattern, flags)
        assert (ours.pattern, ours.flags, ours.groups, ours.groupindex) == \
               (theirs.pattern, theirs.flags, theirs.groups, theirs.groupindex), pattern
        entry = compiled._codes.get((pattern, flags)) or compiled._new[(pattern, flags)]
        assert entry == sre_code(pattern, flags), pattern  # the cached form is what re makes now
        for text in TEXTS:
            if isinstance(text, str) != isinstance(pattern, str):
                continue
            a, b = ours.search(text), theirs.search(text)
            assert (a and (a.span(), a.groups())) == (b and (b.span(), b.groups())), (pattern, text)


def test_one_process_writes_the_cache_and_the_next_reads_it(tmp_path):
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    probe = ("import smtpdoctor.flows.explain, smtpdoctor.judge.explain.message, smtpdoctor.protocol.mime; "
             "from smtpdoctor.protocol import compiled; print(len(compiled._codes or {}), len(compiled._new))")
    first = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    read, new = map(int, first.stdout.split())
    assert read == 0 and new > 40  # nothing cached yet: every pattern compiled by re's compiler
    files = list(Path(tmp_path).rglob("compiled.py.*.marshal"))
    assert len(files) == 1
    version, codes = marshal.loads(files[0].read_bytes())
    assert version == compiled._VERSION and len(codes) == new
    second = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert second.stdout.split() == [str(new), "0"]  # all read from the file, none compiled again


def test_nothing_is_written_when_python_writes_no_byte_code(tmp_path):
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([sys.executable, "-c", "import smtpdoctor.protocol.mime"], env=env, check=True)
    assert not list(Path(tmp_path).rglob("compiled.py.*.marshal"))


def test_a_python_whose_expression_compiler_differs_gets_re_compile_and_caches_nothing(monkeypatch):
    def moved(pattern, flags):
        from re import _parser

        return _parser.no_such_function(pattern)  # the standard library's internals renamed or gone

    monkeypatch.setattr(compiled, "_codes", {})
    monkeypatch.setattr(compiled, "_new", {})
    monkeypatch.setattr(compiled, "sre_code", moved)
    pattern = compiled_re(r"not (\d+) cached", re.I)
    assert pattern.search("NOT 42 CACHED").group(1) == "42"
    assert compiled._new == {}


def test_a_cached_form_the_engine_refuses_is_made_again_and_kept_to_heal_the_file(monkeypatch):
    monkeypatch.setattr(compiled, "_codes", {(r"a(b)c", 0): [32, [999, 1, 2], 0, {}, [None, None]]})
    monkeypatch.setattr(compiled, "_new", {})
    pattern = compiled_re(r"a(b)c")
    assert pattern.search("xabcx").span() == (1, 4) and pattern.groups == 1
    assert compiled._new[(r"a(b)c", 0)] == sre_code(r"a(b)c", 0)


def test_processes_ending_together_lose_none_of_each_others_patterns(tmp_path):
    """Each process adds what it compiled and replaces the file whole; under the lock none drops another's."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    probe = "import sys; from smtpdoctor.protocol.compiled import compiled_re\n" \
            "for j in range(40): compiled_re(sys.argv[1] + '-' + str(j))"
    procs = [subprocess.Popen([sys.executable, "-c", probe, f"proc{i}"], env=env) for i in range(8)]
    assert [p.wait(timeout=60) for p in procs] == [0] * 8
    (file,) = Path(tmp_path).rglob("compiled.py.*.marshal")
    version, codes = marshal.loads(file.read_bytes())
    assert {k for k in codes if k[0].startswith("proc")} == {(f"proc{i}-{j}", 0) for i in range(8) for j in range(40)}


def test_any_case_finds_what_ignorecase_finds():
    from smtpdoctor.judge.explain import message
    from smtpdoctor.protocol import textbounce
    from smtpdoctor.protocol.compiled import AnyCase

    patterns = [message._BOUNCE_FROM, message._BOUNCE_SUBJECT, message._DELAYED, message._RCPT_HINT,
                textbounce._SENDER_CONTEXT]
    texts = ["Mail Delivery Subsystem <MAILER-DAEMON@example.org>", "Undelivered Mail Returned to Sender",
             "Warning: could not send message for past 4 hours", "Delivery Status Notification (Delay)",
             "550 5.1.1 <a@b.example>: Recipient address rejected: User unknown", "RCPT TO:<a@b.example>",
             "Mail From: ", "Envelope-From: <", "(expanded from ", "Ma\u212ail Delivery", "bounce\u017f", "plain words",
             "MAILER-DAEMON (Mail Delivery System)", "Reply-To:", "Returned mail: see transcript for details",
             "Sent by \u0130stanbul", "DELAYED MAIL", ""]
    for any_case in patterns:
        assert isinstance(any_case, AnyCase)
        folding = re.compile(any_case.lower.pattern, re.I)
        for text in texts:
            got, want = any_case.search(text), folding.search(text)
            assert (got is None) == (want is None), (any_case.lower.pattern, text)
            if got is not None:
                assert got.span() == want.span()
            given = any_case.search_lowered(text, text.lower())  # the caller's lower-cased copy: the same answer
            assert (given is None) == (want is None) and (given is None or given.span() == want.span()), text
