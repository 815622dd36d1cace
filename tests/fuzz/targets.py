"""What the fuzzer drives, and the only errors each parser may raise.

Each :class:`Target` pairs a Hypothesis strategy (structured inputs near the grammar, mixed with raw
bytes) with a function that runs one parser over one input. The function lets through only the
documented error types of that parser (``documented``); any other exception is a bug the fuzzer reports.
Used by ``test_parsers.py`` (a bounded run in every test run) and by ``python -m tests.fuzz`` (the long run).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from hypothesis import strategies as st

from smtpdoctor.judge.dns.dkim import parse_key_record
from smtpdoctor.protocol.dmarc import parse_dmarc
from smtpdoctor.protocol.mta_sts import parse_policy
from smtpdoctor.flows.explain import explain_message
from smtpdoctor.judge.explain.reply import explain_text
from smtpdoctor.core.redact import Redactor
from smtpdoctor.core.settings import Secret
from smtpdoctor.protocol.capabilities import parse_ehlo
from smtpdoctor.protocol.errors import LocalProtocolError, RemoteProtocolError
from smtpdoctor.protocol.smtp import NEED_DATA, ClientConnection, Closed, ReplyEvent
from smtpdoctor.protocol.spf.record import SpfSyntaxError, parse as parse_spf

__all__ = ["Target", "TARGETS"]


@dataclass(frozen=True)
class Target:
    name: str
    strategy: st.SearchStrategy
    run: Callable[[Any], None]
    documented: tuple[type[BaseException], ...] = ()

    def check(self, value: Any) -> None:
        try:
            self.run(value)
        except self.documented:
            pass


# -- SMTP replies and the protocol core ---------------------------------------------------------------
_CODES = st.one_of(st.sampled_from([b"220", b"250", b"334", b"354", b"421", b"451", b"535", b"554", b"999",
                                    b"000", b"12", b"2500"]), st.binary(min_size=3, max_size=3))
_TEXTS = st.one_of(st.sampled_from([b"5.7.8 Authentication failed", b"2.0.0 OK", b"AUTH PLAIN LOGIN",
                                    b"SIZE 10240000", b"SIZE x", b"STARTTLS", b"\x1b]0;title\x07", b""]),
                   st.binary(max_size=120))
_LINE = st.one_of(st.tuples(_CODES, st.sampled_from([b" ", b"-", b"", b"x", b"\t"]), _TEXTS).map(b"".join),
                  st.binary(max_size=300))
_REPLY_BYTES = st.lists(st.tuples(_LINE, st.sampled_from([b"\r\n", b"\n", b"\r", b""])).map(b"".join),
                        max_size=30).map(b"".join)
_COMMANDS = st.lists(st.tuples(st.sampled_from(["EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA",
                                                "RSET", "NOOP", "QUIT", "BDAT", "VRFY"]),
                               st.one_of(st.none(), st.text(max_size=40))), max_size=8)


def _protocol(value: tuple[bytes, list[int], list[tuple[str, str | None]], bool]) -> None:
    """Feed a server's bytes in arbitrary chunks; after each reply send the next command; then EOF."""
    data, cuts, commands, eof = value
    conn = ClientConnection()
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    chunks = [data[a:b] for a, b in zip(points, points[1:])]
    todo = list(commands)
    for chunk in chunks + ([b""] if eof else []):
        conn.receive_data(chunk)
        while True:
            event = conn.next_event()
            if event is NEED_DATA or isinstance(event, Closed):
                break
            assert isinstance(event, ReplyEvent)
            reply = event.reply
            _ = (reply.text, reply.message, reply.enhanced, reply.wire_lines, reply.to_json())
            parse_ehlo(reply).to_json()
            if todo:
                verb, argument = todo.pop(0)
                try:
                    conn.send(verb, argument)
                except LocalProtocolError:
                    pass


_PROTOCOL = st.tuples(_REPLY_BYTES, st.lists(st.integers(min_value=0, max_value=10_000), max_size=8),
                      _COMMANDS, st.booleans())


def _command_line(value: tuple[str, str]) -> None:
    """What we put on the wire from the user's values (HELO name, addresses, SASL lines)."""
    verb, argument = value
    conn = ClientConnection()
    conn.receive_data(b"220 ready\r\n")
    conn.next_event()
    conn.send(verb, argument)


# argv and the environment decode bytes that are not UTF-8 to lone surrogates (surrogateescape)
_ARGV_TEXT = st.one_of(st.text(max_size=60), st.binary(max_size=60).map(lambda b: b.decode("utf-8", "surrogateescape")))
_COMMAND_LINE = st.tuples(st.sampled_from(["EHLO", "HELO"]), _ARGV_TEXT)

# -- explain: bounces (DSN, ARF, text bounces) and pasted replies --------------------------------------
_HEADER_VALUES = st.one_of(st.sampled_from(["multipart/report; report-type=delivery-status; boundary=\"B\"",
                                            "message/delivery-status", "text/plain; charset=\"utf-8\"",
                                            "multipart/mixed; boundary=B", "message/rfc822",
                                            "=?utf-8?b?w6k=?=", "smtp; 550 5.1.1 <a@b.example> User unknown",
                                            "rfc822; a@b.example", "failed", "5.7.1"]),
                           st.text(max_size=80))
_HEADER_NAMES = st.sampled_from(["From", "To", "Subject", "Content-Type", "Content-Transfer-Encoding",
                                 "Final-Recipient", "Original-Recipient", "Action", "Status", "Diagnostic-Code",
                                 "Remote-MTA", "Reporting-MTA", "Feedback-Type", "Auto-Submitted", "X-Failed-Recipients"])
_PART = st.lists(st.tuples(_HEADER_NAMES, _HEADER_VALUES).map(lambda kv: f"{kv[0]}: {kv[1]}"), max_size=8).map(
    "\n".join)
_MESSAGE = st.one_of(
    st.tuples(_PART, st.lists(st.tuples(_PART, st.text(max_size=200)).map(lambda p: f"--B\n{p[0]}\n\n{p[1]}\n"),
                              max_size=4).map("".join), st.sampled_from(["--B--\n", "", "--B"])).map(
        lambda m: f"{m[0]}\n\n{m[1]}{m[2]}".encode("utf-8", "surrogateescape")),
    st.binary(max_size=2000))


def _message(data: bytes) -> None:
    explain_message(data, "fuzz").to_json()


def _reply_text(text: str) -> None:
    explain_text(text).to_json()


_PASTED = st.one_of(st.text(max_size=300),
                    st.lists(st.tuples(_CODES, _TEXTS).map(lambda t: (t[0] + b" " + t[1]).decode("utf-8", "replace")),
                             max_size=5).map("\n".join))

# -- DNS records ------------------------------------------------------------------------------------
_SPF_TERMS = st.sampled_from(["a", "mx", "ptr", "all", "-all", "~all", "?all", "+all", "include:", "exists:",
                              "ip4:", "ip6:", "a/24", "mx//64", "redirect=", "exp=", "%{i}", "%{ir}.%{v}._spf.",
                              "%{d4r}", "%%", "%_", "%-", "ip4:192.0.2.0/33", "ip6:::1/129", "a:%{l1r+-}.x"])
_SPF = st.one_of(
    st.lists(st.one_of(_SPF_TERMS, st.text(max_size=20), st.tuples(_SPF_TERMS, st.text(max_size=20)).map("".join)),
             max_size=12).map(lambda terms: "v=spf1 " + " ".join(terms)),
    st.text(max_size=200), st.binary(max_size=200))


def _spf(value: str | bytes) -> None:
    parse_spf(value)


_TAG_NAMES = st.sampled_from(["v", "p", "sp", "pct", "rua", "ruf", "adkim", "aspf", "fo", "rf", "ri", "np",
                              "t", "psd", "k", "h", "s", "n", "g"])
_TAG_VALUES = st.one_of(st.sampled_from(["DMARC1", "DKIM1", "reject", "none", "quarantine", "100", "-1", "1e9",
                                         "mailto:a@b.example", "mailto:a@b.example!10m", "mailto:", "r", "s",
                                         "rsa", "ed25519", "sha256:sha1", "y:s",
                                         "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC=", "AAAA", "",
                                         "\u2081", "\u00b2", "\u0661\u0660"]),  # digits that int() refuses
                        st.text(max_size=60))
_TAGS = st.one_of(st.lists(st.tuples(_TAG_NAMES, _TAG_VALUES).map(lambda kv: f"{kv[0]}={kv[1]}"),
                           max_size=10).map("; ".join), st.text(max_size=200))


def _dmarc(text: str) -> None:
    parse_dmarc("_dmarc.example.com", text)


def _dkim(text: str) -> None:
    parse_key_record("selector", text)


_STS = st.one_of(st.lists(st.tuples(st.sampled_from(["version", "mode", "max_age", "mx", "x"]),
                                    st.sampled_from([": ", ":", " : ", ""]),
                                    st.one_of(st.sampled_from(["STSv1", "enforce", "testing", "none", "86400", "\u00b2",
                                                               "99999999999", "*.example.com", "*.", ""]),
                                              st.text(max_size=40))).map("".join),
                          max_size=10).map("\r\n".join),
                 st.text(max_size=300))


def _mta_sts(text: str) -> None:
    parse_policy(text)


# -- the redactor: any secret (environment bytes that are not UTF-8 too) over any text ------------------
def _redact(value: tuple[str, str]) -> None:
    secret, text = value
    redactor = Redactor([Secret(secret)])
    out = redactor.redact_line("recv", text + secret + text)
    if len(secret) >= 4 and "*" not in secret:  # the mask is made of '*'
        assert secret not in out, "the secret survived the redactor"
    redactor.scrub({"reply": [text, secret], "n": 1})


_REDACT = st.tuples(_ARGV_TEXT, _ARGV_TEXT)

TARGETS: dict[str, Target] = {t.name: t for t in (
    Target("smtp-protocol", _PROTOCOL, _protocol, (RemoteProtocolError,)),
    Target("smtp-command-line", _COMMAND_LINE, _command_line, (LocalProtocolError,)),
    Target("bounce-message", _MESSAGE, _message),
    Target("reply-text", _PASTED, _reply_text),
    Target("spf-record", _SPF, _spf, (SpfSyntaxError,)),
    Target("dmarc-record", _TAGS, _dmarc),
    Target("dkim-key-record", _TAGS, _dkim),
    Target("mta-sts-policy", _STS, _mta_sts),
    Target("redactor", _REDACT, _redact),
)}
