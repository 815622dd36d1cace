"""The reply classifier's rules: ``knowledge/replies.toml``, loaded once on first use and compiled for matching.

Each reason's substrings are indexed by one whole word they contain, so matching a diagnostic against a
reason looks only at the substrings whose word occurs in the text (compiling hundreds of literals into
regular expressions would cost more than a whole run over a few hundred bounces).
"""

from __future__ import annotations

import re
from functools import cache
TYPE_CHECKING = False  # the annotations are text: typing is not imported to run (issue 16)
if TYPE_CHECKING:
    from typing import Any, Mapping
from ..core.record import _SET, Record
from ..core.toml_cache import knowledge_derived, knowledge_toml
from ..protocol.compiled import compiled_re

__all__ = ["ReasonSpec", "ProviderRule", "Provider", "PhaseRules", "Knowledge", "knowledge", "Literals", "words_of",
           "words_of_status"]

_WORD = compiled_re(r"[a-z0-9]+")
_last: list = [None, frozenset()]


def words_of(text: str) -> frozenset[str]:
    """The whole words of ``text`` (lower-case); remembers the last text, as every reason asks in turn."""
    if _last[0] is not text:
        _last[0] = text
        _last[1] = frozenset(_WORD.findall(text))
    return _last[1]


def words_of_status(status: str) -> list[str]:
    """The whole words (as :func:`words_of` reads them) of a status code: its numbers."""
    return _WORD.findall(status.lower())


class Literals:
    """Lower-case substrings, any of which may match; indexed by an interior whole word of each."""

    __slots__ = ("keyed", "always", "keys")

    def __init__(self, keyed: dict[str, list[str]], always: list[str]) -> None:
        """From :func:`literal_index` (cached beside the parsed rules: computing it was 3 ms a process)."""
        self.keyed = keyed
        self.always = always
        # the words as a frozenset: a set meets a set by its smaller side (0.1 µs; a dict's keys view, 0.45 µs)
        self.keys = frozenset(self.keyed)

    def search(self, text: str) -> bool:
        for item in self.always:
            if item in text:
                return True
        words = words_of(text)
        keyed = self.keyed
        for word in words & self.keys:
            for item in keyed[word]:
                if item in text:
                    return True
        return False


def literal_index(items: list[str]) -> tuple[dict[str, list[str]], list[str]] | None:
    """What :class:`Literals` needs of ``items``: the lower-case substrings keyed by an interior whole word,
    and those with none (None when there are no items)."""
    if not any(items):
        return None
    keyed: dict[str, list[str]] = {}
    always: list[str] = []
    for item in dict.fromkeys(i.lower() for i in items if i):
        key = _interior_word(item)
        if key:
            keyed.setdefault(key, []).append(item)
        else:
            always.append(item)
    return keyed, always


def _interior_word(item: str) -> str | None:
    """The longest word of ``item`` with a non-word character on both sides inside ``item`` (so it is a
    whole word wherever ``item`` occurs)."""
    best = None
    for m in _WORD.finditer(item):
        if m.start() == 0 or m.end() == len(item):
            continue
        if best is None or len(m.group(0)) > len(best):
            best = m.group(0)
    return best


# Records, not dataclasses: cheaper to define, and explain's path imports no dataclasses (core.record, issue 16)
class ReasonSpec(Record):
    """One reason of the reply rules: its category, words and the substrings that find it."""

    __slots__ = ("name", "category", "summary", "remedy", "literal", "aligned", "aligned_keys", "exclude",
                 "aligned_by_key", "aligned_free", "aligned_words")
    # made from ``aligned`` and ``aligned_keys``: the sequences by their key (those without one apart), the keys
    _nocompare = frozenset({"aligned_by_key", "aligned_free", "aligned_words"})

    def __init__(self, *, name: str, category: str, summary: str, remedy: tuple[str, ...],
                 literal: Literals | None,  # any of the substrings
                 aligned: tuple[tuple[str, ...], ...],  # substrings that must appear in this order
                 # per sequence, an interior word of one of its substrings (None: none has one): a text without it
                 # as a whole word cannot hold the sequence, and a set look-up is cheaper than the first ``find``
                 aligned_keys: tuple[str | None, ...],
                 exclude: Literals | None,  # a match here vetoes the reason
                 ) -> None:
        _SET(self, "name", name)
        _SET(self, "category", category)
        _SET(self, "summary", summary)
        _SET(self, "remedy", remedy)
        _SET(self, "literal", literal)
        _SET(self, "aligned", aligned)
        _SET(self, "aligned_keys", aligned_keys)
        _SET(self, "exclude", exclude)
        by_key: dict[str, list[tuple[str, ...]]] = {}  # a text's words pick the few sequences to try
        for key, seq in zip(aligned_keys, aligned):
            if key is not None:
                by_key.setdefault(key, []).append(seq)
        _SET(self, "aligned_by_key", {k: tuple(v) for k, v in by_key.items()})
        _SET(self, "aligned_free", tuple(q for k, q in zip(aligned_keys, aligned) if k is None))
        _SET(self, "aligned_words", frozenset(by_key))

    def matches(self, text: str) -> bool:
        """``text`` is lower-case, whitespace-collapsed diagnostic text."""
        if not text:
            return False
        if self.exclude is not None and self.exclude.search(text):
            return False
        if self.literal is not None and self.literal.search(text):
            return True
        if not self.aligned:
            return False
        for seq in self.aligned_free:
            if _in_order(seq, text):
                return True
        by_key = self.aligned_by_key
        for word in words_of(text) & self.aligned_words:  # only the sequences whose key is a word of the text
            for seq in by_key[word]:
                if _in_order(seq, text):
                    return True
        return False


def _in_order(seq: tuple[str, ...], text: str) -> bool:
    """Do the substrings of ``seq`` occur in ``text`` in this order?"""
    pos = 0
    for part in seq:
        found = text.find(part, pos)
        if found < 0:
            return False
        pos = found + len(part)
    return True


class ProviderRule:
    """One provider rule; its regular expression is compiled on first use (most runs meet few providers)."""

    __slots__ = ("source", "reason", "category", "summary", "remedy", "help", "match", "retry")

    def __init__(self, *, source: str, reason: str, category: str | None, summary: str | None,
                 remedy: tuple[str, ...], help: str | None, lowered: str,  # noqa: A002 - the data's own key
                 retry: bool | None = None) -> None:
        self.source, self.reason, self.category = source, reason, category
        self.summary, self.remedy, self.help = summary, remedy, help
        self.retry = retry  # False: a 4xx reply that says retrying will not help (None: the reply code says)
        self.match = LazyPattern(lowered, re.S)  # ``source`` for lower-case text, compiled when first searched


_UNSET: Any = object()


class LazyPattern:
    """A regular expression compiled on its first ``search``, and tried only on a text that holds one of its
    required substrings (:func:`required_literals`): Python's ``re`` tries every alternative at every position,
    so a provider's marker pattern took 170 µs on a bounce of 800 characters that the ``in`` tests of its
    literals answer in 18 µs (most texts name no provider)."""

    __slots__ = ("pattern", "flags", "_compiled", "_needs")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern, self.flags = pattern, flags
        self._compiled: re.Pattern[str] | None = None
        self._needs: tuple[str, ...] | None = _UNSET

    def needs(self) -> tuple[str, ...] | None:
        """The substrings one of which every text the pattern finds holds (None: no such set)."""
        if self._needs is _UNSET:
            self._needs = required_literals(self.pattern, self.flags)
        return self._needs

    def may_match(self, text: str) -> bool:
        """False when ``text`` holds none of the required substrings (then ``search`` finds nothing)."""
        needs = self._needs
        if needs is _UNSET:
            needs = self.needs()
        if needs is None:
            return True
        for literal in needs:
            if literal in text:
                return True
        return False

    def search(self, text: str) -> re.Match[str] | None:
        if not self.may_match(text):
            return None
        if self._compiled is None:
            self._compiled = compiled_re(self.pattern, self.flags)  # from the install's compiled form
        return self._compiled.search(text)


class FirstMatch:
    """Rules tried in order for the first whose pattern finds a text, each tried only where one of its required
    literals occurs: the literals of all of them are looked for in one loop, and only the rules they name are
    tried (fifteen generic rules, one call each to learn that most name nothing, took 8 µs a reply). Of a rule's
    literals only those holding no other of its literals are looked for (the others cannot occur without one of
    them), and those with an interior whole word (:func:`_interior_word`) only when the text has that word: 29
    ``in`` tests and a set meet instead of 68 ``in`` tests (8.2 -> 5.8 µs a reply)."""

    __slots__ = ("rules", "by_literal", "by_word", "words", "always")

    def __init__(self, rules: tuple[ProviderRule, ...]) -> None:
        self.rules = rules
        self.by_literal: dict[str, list[int]] = {}  # literals without an interior word: looked for in every text
        self.by_word: dict[str, list[tuple[str, list[int]]]] = {}  # the others, by their interior word
        self.always: list[int] = []  # rules whose pattern requires no literal: always tried
        keyed: dict[str, list[int]] = {}
        for i, rule in enumerate(rules):
            needs = rule.match.needs()
            if needs is None:
                self.always.append(i)
            for literal in needs or ():
                if not any(other != literal and other in literal for other in needs):
                    keyed.setdefault(literal, []).append(i)
        for literal, ids in keyed.items():
            word = _interior_word(literal)
            if word is None:
                self.by_literal[literal] = ids
            else:
                self.by_word.setdefault(word, []).append((literal, ids))
        self.words = frozenset(self.by_word)

    def first(self, text: str, words: frozenset[str] | None = None) -> ProviderRule | None:
        """``words``: the whole words of ``text`` when the caller has them (:func:`words_of`)."""
        tried = set(self.always)
        for literal, ids in self.by_literal.items():
            if literal in text:
                tried.update(ids)
        by_word = self.by_word
        for word in (words_of(text) if words is None else words) & self.words:
            for literal, ids in by_word[word]:
                if literal in text:
                    tried.update(ids)
        for i in sorted(tried):
            if self.rules[i].match.search(text):
                return self.rules[i]
        return None


def required_literals(pattern: str, flags: int = 0) -> tuple[str, ...] | None:
    """Substrings at least one of which occurs in every text ``pattern`` matches (None when the pattern has
    no such set, or ignores case): read from the parsed pattern, so it cannot drift from it."""
    from re import _parser  # the standard library's own parser of regular expressions

    if flags & re.IGNORECASE:
        return None
    try:
        parsed = _parser.parse(pattern, flags)
    except re.error:
        return None
    if parsed.state.flags & re.IGNORECASE:
        return None
    found = _requirement(list(parsed))
    return tuple(sorted(found)) if found else None


def _requirement(items: list) -> frozenset[str] | None:
    """For a parsed sequence: the most selective set of literals one of which must occur."""
    from re import _constants as c

    candidates: list[frozenset[str]] = []
    run: list[str] = []
    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))
            continue
        if op is c.AT:
            continue  # \b, ^, $ take no characters: the literals around them stay adjacent
        if run:
            candidates.append(frozenset(("".join(run),)))
            run = []
        found = None
        if op is c.SUBPATTERN:
            if av[1] & re.IGNORECASE:
                return None
            found = _requirement(list(av[3]))
        elif op is c.BRANCH:
            branches = [_requirement(list(b)) for b in av[1]]
            if all(b is not None for b in branches):
                found = frozenset().union(*branches)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
            found = _requirement(list(av[2]))
        elif op is c.ATOMIC_GROUP:
            found = _requirement(list(av))
        if found:
            candidates.append(found)
    if run:
        candidates.append(frozenset(("".join(run),)))
    if not candidates:
        return None
    return max(candidates, key=lambda s: (min(map(len, s)), -len(s)))


class Provider(Record):
    """A mailbox provider of the reply rules: how its hosts and replies are known, and its rules."""

    __slots__ = ("id", "name", "hosts", "markers", "help", "rules")

    def __init__(self, *, id: str, name: str, hosts: LazyPattern | None, markers: LazyPattern | None,  # noqa: A002
                 help: str | None, rules: tuple[ProviderRule, ...]) -> None:  # noqa: A002
        _SET(self, "id", id)
        _SET(self, "name", name)
        _SET(self, "hosts", hosts)
        _SET(self, "markers", markers)
        _SET(self, "help", help)
        _SET(self, "rules", rules)


class PhaseRules:
    """The phase rules (``[[phase_rule]]``: a reply at a known SMTP phase -> a catalogue finding), made on first
    use: only a reply at a known phase (diagnose) reads them; a bounce never does (issue 16: their class and
    the 37 rules were ~1 ms of an ``explain`` run)."""

    __slots__ = ("_raw", "_rules")

    def __init__(self, raw: tuple[Mapping[str, Any], ...]) -> None:
        self._raw = raw
        self._rules: tuple | None = None

    def __iter__(self):
        if self._rules is None:
            from .phase_rules import phase_rule

            self._rules = tuple(phase_rule(r) for r in self._raw)
        return iter(self._rules)


class Knowledge(Record):
    """The reply rules (knowledge/replies.toml), read once."""

    __slots__ = ("reasons", "first", "second", "retry", "status", "pseudo_status", "providers", "any_host",
                 "any_marker", "first_rule", "phase_rules", "reason_finding", "host_providers")
    _nocompare = frozenset({"host_providers"})

    def __init__(self, *, reasons: dict[str, ReasonSpec], first: tuple[str, ...], second: tuple[str, ...],
                 retry: frozenset[str], status: dict[str, str], pseudo_status: dict[str, str],
                 providers: tuple[Provider, ...],
                 any_host: LazyPattern,  # any provider's host pattern (its literals: the quick "none of them" test)
                 any_marker: LazyPattern,  # any provider's text marker (its literals are the quick test)
                 # the rules of no provider (its ``rules``), tried when no provider's rule matched
                 first_rule: FirstMatch,
                 phase_rules: PhaseRules,
                 reason_finding: Mapping[str, str],  # reason -> the finding of a MAIL/RCPT/DATA reply no rule named
                 # host name -> the provider its name says (or None), as found: the same names come back bounce
                 # after bounce (the recipient's domain, the receiving MX); bounded by clearing it when full
                 host_providers: dict[str, Provider | None] | None = None,
                 ) -> None:
        _SET(self, "reasons", reasons)
        _SET(self, "first", first)
        _SET(self, "second", second)
        _SET(self, "retry", retry)
        _SET(self, "status", status)
        _SET(self, "pseudo_status", pseudo_status)
        _SET(self, "providers", providers)
        _SET(self, "any_host", any_host)
        _SET(self, "any_marker", any_marker)
        _SET(self, "first_rule", first_rule)
        _SET(self, "phase_rules", phase_rules)
        _SET(self, "reason_finding", reason_finding)
        _SET(self, "host_providers", {} if host_providers is None else host_providers)

    def provider(self, pid: str | None) -> Provider | None:
        return next((p for p in self.providers if p.id == pid), None) if pid else None


def _literal(index: Any) -> Literals | None:
    return None if index is None else Literals(*index)


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _lower_pattern(pattern: str) -> str:
    """A regex for lower-case text: literal letters lowered, escapes (\\S, \\B ...) kept as written."""
    out = []
    escaped = False
    for ch in pattern:
        out.append(ch if escaped else ch.lower())
        escaped = ch == "\\" and not escaped
    return "".join(out)


def _rule(r: dict[str, Any], lowered: dict[str, str]) -> ProviderRule:
    return ProviderRule(source=r["match"], reason=r["reason"], category=r.get("category"), summary=r.get("summary"),
                        remedy=_tuple(r.get("remedy")), help=r.get("help"), lowered=lowered[r["match"]],
                        retry=r.get("retry"))


def _index(raw: dict[str, Any]) -> dict[str, Any]:
    """What ``knowledge`` derives from the parsed rules before any text is read: each reason's substring
    index and each provider pattern lowered (cached beside the parsed file: 5 ms of CPU a process)."""
    literals = {name: [literal_index(list(spec.get("contains") or []) + list(spec.get("more") or [])),
                       literal_index(spec.get("not") or [])] for name, spec in raw["reasons"].items()}
    sources = [z for p in raw.get("provider") or () for z in (p.get("hosts"), p.get("markers")) if z]
    sources += [r["match"] for p in raw.get("provider") or () for r in p.get("rule") or ()]
    sources += [r["match"] for r in raw.get("rule") or ()]
    aligned = {name: [_sequence_key([p.lower() for p in seq]) for seq in spec.get("aligned") or ()]
               for name, spec in raw["reasons"].items()}
    return {"literals": literals, "aligned": aligned, "lowered": {z: _lower_pattern(z) for z in sources}}


def _sequence_key(parts: list[str]) -> str | None:
    """The longest interior word of any of ``parts`` (see :func:`_interior_word`), or None."""
    words = [w for w in map(_interior_word, parts) if w]
    return max(words, key=len) if words else None


def _known_needs(patterns: list[LazyPattern], needs: dict) -> None:
    """Give each pattern its required literals from the cache (``_derived``'s "needs"): parsing each pattern again
    in every process cost 9 ms of CPU in an ``explain`` run over 405 bounces. A pattern the cache lacks parses
    its own on first use."""
    for z in patterns:
        found = needs.get((z.pattern, int(z.flags)), _UNSET)
        z._needs = tuple(found) if isinstance(found, list) else found


def _code_key(code: Any) -> str:
    """What a function's code does, as text that is the same in every process (``marshal.dumps`` of code
    is not: it marks objects by their reference counts)."""
    consts = ",".join(_code_key(c) if hasattr(c, "co_code") else repr(sorted(c)) if isinstance(c, frozenset)
                      else repr(c) for c in code.co_consts)  # a set's order follows per-process string hashes
    return f"{code.co_code.hex()}|{consts}|{','.join(code.co_names)}"


def _derived(raw: dict[str, Any], built: list[Knowledge]) -> dict[str, Any]:
    """All ``knowledge`` derives from the parsed file, in one cache beside it: :func:`_index`, and the required
    literals of every pattern (as "needs", keyed by pattern and flags). The rules it builds to find them go to
    ``built``, so the process that computes the cache does not build them twice."""
    index = _index(raw)
    kb = _build(raw, index)  # without "needs": each pattern parses its own, once
    built.append(kb)
    patterns = _patterns(kb.providers, kb.first_rule.rules, kb.any_host, kb.any_marker)
    index["needs"] = {(z.pattern, int(z.flags)): z.needs() for z in patterns}
    return index


def _patterns(providers: Any, generic: tuple[ProviderRule, ...], *more: LazyPattern) -> list[LazyPattern]:
    """Every pattern of the rules: ``more``, the providers' and the generic rules'."""
    return [*more, *(z for p in providers for z in (p.hosts, p.markers) if z is not None),
            *(r.match for p in providers for r in p.rules), *(r.match for r in generic)]


@cache
def knowledge() -> Knowledge:
    raw = knowledge_toml("replies.toml")
    version = "".join(_code_key(f.__code__) for f in (_index, literal_index, _interior_word, _lower_pattern,
                                                       _sequence_key, required_literals, _requirement))
    built: list[Knowledge] = []
    derived = knowledge_derived("replies.toml", "index", version.encode(), lambda: _derived(raw, built))
    return built[0] if built else _build(raw, derived)


def _build(raw: dict[str, Any], derived: dict[str, Any]) -> Knowledge:
    """The rules of the parsed file ``raw``, with what :func:`_derived` made of it (its "needs" when there)."""
    literals, lowered = derived["literals"], derived["lowered"]
    reasons = {}
    for name, spec in raw["reasons"].items():
        literal, exclude = literals[name]
        reasons[name] = ReasonSpec(
            name=name,
            category=spec["category"],
            summary=spec["summary"],
            remedy=_tuple(spec.get("remedy")),
            literal=_literal(literal),
            aligned=tuple(tuple(p.lower() for p in seq) for seq in spec.get("aligned") or ()),
            aligned_keys=tuple(derived["aligned"][name]),
            exclude=_literal(exclude),
        )
    providers = []
    for p in raw.get("provider") or ():
        rules = tuple(_rule(r, lowered) for r in p.get("rule") or ())
        providers.append(Provider(
            id=p["id"], name=p["name"],
            hosts=LazyPattern(lowered[p["hosts"]]) if p.get("hosts") else None,
            markers=LazyPattern(lowered[p["markers"]]) if p.get("markers") else None,
            help=p.get("help"), rules=rules,
        ))
    order = raw["order"]
    # one quick test for "no provider's host": its required literals only (compiling the alternation of all
    # host patterns was 3 ms a process; a name that holds one is then tried provider by provider)
    any_host = LazyPattern("|".join(f"(?:{p.hosts.pattern})" for p in providers if p.hosts))
    any_marker = LazyPattern("|".join(f"(?:{p.markers.pattern})" for p in providers if p.markers))
    generic = tuple(_rule(r, lowered) for r in raw.get("rule") or ())
    if "needs" in derived:  # before FirstMatch reads them
        _known_needs(_patterns(providers, generic, any_host, any_marker), derived["needs"])
    return Knowledge(
        any_host=any_host,
        any_marker=any_marker,
        reasons=reasons,
        first=tuple(order["first"]),
        second=tuple(order["second"]),
        retry=frozenset(order["retry"]),
        status={str(k): v for k, v in raw["status"].items()},
        pseudo_status={k: str(v) for k, v in raw["pseudo_status"].items()},
        providers=tuple(providers),
        first_rule=FirstMatch(generic),
        phase_rules=PhaseRules(tuple(raw.get("phase_rule") or ())),
        reason_finding=dict(raw.get("reason_finding") or {}),
    )
