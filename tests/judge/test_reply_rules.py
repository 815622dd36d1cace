"""judge/reply_rules: a pattern is tried only on texts holding one of its required literals, and that
quick test never changes what the pattern finds."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from smtpdoctor.judge.reply_rules import LazyPattern, knowledge, required_literals, words_of, words_of_status


def test_required_literals_of_simple_patterns():
    assert required_literals(r"spamhaus") == ("spamhaus",)
    assert required_literals(r"\bqq\.com\b") == ("qq.com",)
    assert required_literals(r"block ?listed|blocklisted") == ("listed",)  # the parser factors out "block"
    assert required_literals(r"cannot find your (?:reverse )?hostname") == ("cannot find your ",)
    assert required_literals(r"a(?:bcd|efg)h") == ("bcd", "efg")
    assert required_literals(r"\d+|x") is None  # one alternative needs no literal
    assert required_literals(r"(?i)spamhaus") is None  # case-blind: no literal test
    assert required_literals(r"x{0,3}") is None


def _patterns() -> list[LazyPattern]:
    kb = knowledge()
    out = [kb.any_marker]
    for p in kb.providers:
        out += [x for x in (p.hosts, p.markers) if x is not None]
        out += [r.match for r in p.rules]
    return out + [r.match for r in kb.first_rule.rules]


TEXTS = [
    "550 5.7.1 service unavailable; client host [192.0.2.1] blocked using zen.spamhaus.org",
    "550-5.7.1 gmail requires all senders to authenticate with either spf or dkim. gsmtp",
    "554 5.7.1 <x@example.org>: relay access denied", "421 4.7.0 [ts01] messages from 192.0.2.1 deferred",
    "550 5.7.606-649 access denied, banned sending ip [192.0.2.1] protection.outlook.com",
    "535 5.7.8 username and password not accepted", "mx.google.com", "mta7.am0.yahoodns.net", "",
]


def test_every_knowledge_pattern_finds_what_its_regex_finds():
    patterns = _patterns()
    assert len(patterns) > 50
    for lazy in patterns:
        plain = re.compile(lazy.pattern, lazy.flags)
        for text in TEXTS:
            assert bool(lazy.search(text)) == bool(plain.search(text)), (lazy.pattern, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["spamhaus", "gsmtp", "5.7.1", "qq.com", "relay", "denied", " ", "-", "[ts01]",
                                  "outlook.com", "550", "blocked using", "listed", "yahoo", "x"]), max_size=12))
def test_generated_texts_agree(words):
    text = "".join(words)
    for lazy in _patterns():
        assert bool(lazy.search(text)) == bool(re.compile(lazy.pattern, lazy.flags).search(text))


def test_the_cached_required_literals_are_the_ones_the_patterns_give():
    kb = knowledge()
    patterns = [kb.any_marker, *(z for p in kb.providers for z in (p.hosts, p.markers) if z is not None),
                *(r.match for p in kb.providers for r in p.rules), *(r.match for r in kb.first_rule.rules)]
    assert len(patterns) > 200
    for z in patterns:  # each was given its literals by knowledge() (from the cache when it was warm)
        assert z._needs == required_literals(z.pattern, z.flags), z.pattern


def test_one_cache_holds_all_that_is_derived_from_the_rules(tmp_path):
    import marshal
    import os
    import subprocess
    import sys

    from smtpdoctor.core.toml_cache import cache_path, knowledge_folder

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path)
    probe = "from smtpdoctor.judge.reply_rules import knowledge; knowledge()"
    subprocess.run([sys.executable, "-c", probe], env=env, check=True)
    parsed = cache_path(os.path.join(knowledge_folder(), "replies.toml")).rsplit(os.sep, 1)[1]
    names = sorted(p.name for p in tmp_path.rglob("replies.toml.*"))
    assert names == [parsed.removesuffix(".marshal") + ".index.marshal", parsed]  # the parsed file, one cache
    (cached,) = tmp_path.rglob("replies.toml.*.index.marshal")
    _, data = marshal.loads(cached.read_bytes())
    kb = knowledge()
    patterns = [kb.any_host, kb.any_marker, *(z for p in kb.providers for z in (p.hosts, p.markers) if z is not None),
                *(r.match for p in kb.providers for r in p.rules), *(r.match for r in kb.first_rule.rules)]
    assert {"literals", "aligned", "lowered", "needs"} <= set(data)
    for z in patterns:  # every pattern's required literals, as the pattern gives them
        assert data["needs"][(z.pattern, int(z.flags))] == required_literals(z.pattern, z.flags), z.pattern


def _every_literals():
    kb = knowledge()
    return [lit for spec in kb.reasons.values() for lit in (spec.literal, spec.exclude) if lit is not None]


def _plain_search(lit, text: str) -> bool:
    """Literals.search as its definition: any of the substrings occurs."""
    return any(item in text for items in (lit.always, *lit.keyed.values()) for item in items)


def test_reason_literals_find_what_a_plain_substring_search_finds_on_every_corpus_line():
    from support.corpus import CORPUS

    lines = {" ".join(line.lower().split()) for p in sorted((CORPUS / "eml").glob("*.eml"))
             for line in p.read_text(encoding="utf-8", errors="replace").splitlines()}
    literals = _every_literals()
    assert len(literals) > 20 and len(lines) > 5000
    hits = 0
    for text in lines:
        for lit in literals:
            found = lit.search(text)
            assert found == _plain_search(lit, text), text
            hits += found
    assert hits > 500  # the corpus's words do name reasons


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["user", "unknown", "mailbox", "full", "over quota", " ", "-", ".", "no such",
                                 "relay", "denied", "not", "spam", "blocked", "x", "550", "account", "disabled"]),
                max_size=14))
def test_reason_literals_agree_on_generated_texts(words):
    text = "".join(words)
    for lit in _every_literals():
        assert lit.search(text) == _plain_search(lit, text), text


def test_the_cache_key_of_the_literal_reader_is_the_same_in_every_process():
    import os
    import subprocess
    import sys

    probe = ("from smtpdoctor.judge import reply_rules as r; "
             "print(r._code_key(r.required_literals.__code__) + r._code_key(r._requirement.__code__))")
    keys = {subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(keys) == 1 and len(keys.pop()) > 100  # else the cache would be computed again in every run


def test_the_cached_substring_index_is_the_one_the_rules_give():
    from smtpdoctor.core.toml_cache import knowledge_toml
    from smtpdoctor.judge.reply_rules import literal_index

    raw = knowledge_toml("replies.toml")
    for name, spec in knowledge().reasons.items():
        given = raw["reasons"][name]
        for lit, items in ((spec.literal, list(given.get("contains") or []) + list(given.get("more") or [])),
                           (spec.exclude, given.get("not") or [])):
            fresh = literal_index(items)
            assert (None if lit is None else (lit.keyed, lit.always)) == fresh, name
        assert spec.aligned_keys == tuple(rr_sequence_key(list(seq)) for seq in spec.aligned), name


def rr_sequence_key(parts):
    from smtpdoctor.judge.reply_rules import _sequence_key

    return _sequence_key(parts)


def _plain_matches(spec, text: str) -> bool:
    """ReasonSpec.matches as its definition: no excluding substring, then any substring or any sequence of
    substrings in order (no word index)."""
    if not text or (spec.exclude is not None and _plain_search(spec.exclude, text)):
        return False
    if spec.literal is not None and _plain_search(spec.literal, text):
        return True
    for seq in spec.aligned:
        pos = 0
        for part in seq:
            pos = text.find(part, pos)
            if pos < 0:
                break
            pos += len(part)
        else:
            return True
    return False


def test_reasons_match_as_their_definition_on_every_corpus_line():
    from support.corpus import CORPUS

    lines = {" ".join(line.lower().split()) for p in sorted((CORPUS / "eml").glob("*.eml"))
             for line in p.read_text(encoding="utf-8", errors="replace").splitlines()}
    specs = list(knowledge().reasons.values())
    hits = 0
    for text in lines:
        for spec in specs:
            found = spec.matches(text)
            assert found == _plain_matches(spec, text), (spec.name, text)
            hits += found
    assert hits > 500


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["mailbox ", "does not exist", "not", " found", "<", ">", "user", "unknown", " ",
                                 "blocked by ", "access denied", "no ", "in name directory", "x", "non",
                                 "existent user", "account "]), max_size=14))
def test_reasons_match_as_their_definition_on_generated_texts(words):
    text = "".join(words)
    for spec in knowledge().reasons.values():
        assert spec.matches(text) == _plain_matches(spec, text), (spec.name, text)


def test_the_first_generic_rule_is_the_first_in_order_whose_pattern_finds_the_text():
    from support.corpus import CORPUS

    kb = knowledge()
    lines = sorted({" ".join(line.lower().split()) for p in sorted((CORPUS / "eml").glob("*.eml"))
                    for line in p.read_text(encoding="utf-8", errors="replace").splitlines()})
    found = 0
    for text in [*lines, *TEXTS]:
        plain = next((r for r in kb.first_rule.rules if re.search(r.match.pattern, text, r.match.flags)), None)
        assert kb.first_rule.first(text) is plain, text
        assert kb.first_rule.first(text, words_of(text)) is plain, text  # the words given, as classify_facts does
        marked = "5.7.1 " + text  # a status before the text: its words joined to the text's, as classify_facts does
        plain = next((r for r in kb.first_rule.rules if re.search(r.match.pattern, marked, r.match.flags)), None)
        assert kb.first_rule.first(marked, words_of(text).union(words_of_status("5.7.1"))) is plain, marked
        found += plain is not None
    assert found > 5  # the corpus does name generic rules
