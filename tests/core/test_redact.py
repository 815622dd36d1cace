"""Secrets never survive redaction: known secrets are fed through a transcript, findings and every
report format, then the outputs are searched for them and for every encoded form."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote, quote_plus

import pytest

from smtpdoctor.core import redact as redact_module
from smtpdoctor.judge.auth import classify_auth, classify_sasl_error
from smtpdoctor.judge.reply import to_finding
from smtpdoctor.core.model import Report, Target
from smtpdoctor.core.redact import MASK, Redactor, forms_of
from smtpdoctor.report import render
from smtpdoctor.core.settings import Secret
from smtpdoctor.net.smtp import Transcript
from smtpdoctor.protocol.sasl import SaslError, create
from smtpdoctor.verdict import decide, step_results


def b64(data: str) -> str:
    return base64.b64encode(data.encode("utf-8")).decode("ascii")


# --------------------------------------------------------------------------------------- the rules
def test_auth_line_with_initial_response_is_masked_even_without_known_secrets():
    r = Redactor()
    assert r.redact_line("send", "AUTH PLAIN AGJvYgBodW50ZXIy", False) == f"AUTH PLAIN {MASK}"
    assert r.redact_line("send", "auth xoauth2 dXNlcj1ib2IBYXV0aD1CZWFyZXIgdAEB", False) == f"auth xoauth2 {MASK}"
    assert r.redact_line("send", "AUTH PLAIN =", False) == f"AUTH PLAIN {MASK}"


def test_auth_line_without_initial_response_is_kept():
    assert Redactor().redact_line("send", "AUTH LOGIN", False) == "AUTH LOGIN"


def test_client_line_after_334_is_masked_and_server_lines_are_kept():
    r = Redactor()
    assert r.redact_line("send", "Ym9i", True) == MASK
    assert r.redact_line("send", "", True) == MASK
    assert r.redact_line("send", "*", True) == "*"  # the cancel of RFC 4954 carries no secret
    assert r.redact_line("recv", "334 VXNlcm5hbWU6", True) == "334 VXNlcm5hbWU6"
    assert r.redact_line("send", "MAIL FROM:<a@example.com>", False) == "MAIL FROM:<a@example.com>"


def test_no_secret_leaves_text_untouched():
    r = Redactor([Secret(""), None])
    assert r.forms == frozenset()
    assert r.redact("250 2.0.0 Ok: queued") == "250 2.0.0 Ok: queued"


def test_forms_cover_encodings():
    pw = "p@ss w/rd+é"
    forms = forms_of(pw)
    assert {pw, b64(pw), b64(pw).rstrip("="), quote(pw, safe=""), quote_plus(pw, safe=""),
            json.dumps(pw)[1:-1]} <= forms
    r = Redactor([Secret(pw)])
    for form in forms:
        assert form not in r.redact(f"x {form} y"), form


def test_short_secret_is_masked_only_as_a_whole_word():
    r = Redactor([Secret("ab")])
    assert r.redact("535 ab rejected") == f"535 {MASK} rejected"
    assert r.redact("tab stable") == "tab stable"


def test_longest_form_wins_so_no_fragment_is_left():
    r = Redactor()
    r.add_forms(["secret", "secret-and-more"])
    assert r.redact("x secret-and-more y") == f"x {MASK} y"


def test_mechanism_forms_are_followed_live():
    mech = create("CRAM-MD5", "tim", Secret("tanstaaftanstaaf"))
    r = Redactor()
    r.add_mechanism(mech)
    answer = mech.respond(b64("<1896.697170952@postoffice.reston.mci.net>"))
    assert r.redact(f"echo {answer}") == f"echo {MASK}"


def test_repr_shows_no_form():
    r = Redactor([Secret("hunter2-secret")])
    assert "hunter2" not in repr(r)


# ------------------------------------------------------------------- end to end through every format
CASES = [
    pytest.param("PLAIN", "bob@example.com", "pässwörd-Ünïcode€", id="plain-non-ascii-password"),
    pytest.param("LOGIN", "u" * 2048 + "@example.com", "hunter2hunter2", id="login-2kb-username"),
    pytest.param("LOGIN-INITIAL", "bob@example.com", "ça-va-très-bien", id="login-initial"),
    pytest.param("CRAM-MD5", "tim", "tanstaaftanstaaf", id="cram-md5"),
    pytest.param("XOAUTH2", "bob@example.com", "ya29.a0-tokEN_value", id="xoauth2"),
]

CHALLENGE = {"LOGIN": b64("Password:"), "CRAM-MD5": b64("<1896.697170952@postoffice.reston.mci.net>"),
             "XOAUTH2": b64('{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}')}


def _formats(report: Report) -> dict[str, str]:
    out = {"json": render(report, "json"), "text": render(report, "text", verbose=True, width=200)}
    out["json-ascii"] = json.dumps(report.to_json(), ensure_ascii=True)
    for fmt in ("markdown", "html"):
        try:
            out[fmt] = render(report, fmt)
        except (ImportError, ValueError):  # renderer not built yet
            pass
    return out


def _must_not_appear(mech, secret: str, user: str, name: str) -> set[str]:
    forms = set(forms_of(secret)) | mech.secret_forms()
    if name.startswith("LOGIN"):
        forms.add(b64(user))
    return {f for f in forms if len(f) >= redact_module.MIN_ANYWHERE}


@pytest.mark.parametrize(("name", "user", "secret"), CASES)
def test_known_secrets_never_reach_any_output(name, user, secret):
    redactor = Redactor([Secret(secret)])
    mech = create(name, user, Secret(secret))
    redactor.add_mechanism(mech)
    transcript = Transcript(redact=redactor.redact_line)
    kw = {"port": 587, "tls": True}
    transcript.add("send", mech.auth_command(), **kw)
    challenge = CHALLENGE.get("LOGIN" if name.startswith("LOGIN") else name, "")
    if name == "LOGIN":
        transcript.add("recv", "334 " + b64("Username:"), **kw)
        transcript.add("send", mech.respond(b64("Username:")), after_334=True, **kw)
    if name != "PLAIN":
        transcript.add("recv", "334 " + challenge, **kw)
        transcript.add("send", mech.respond(challenge), after_334=True, **kw)
    # a hostile or buggy server echoing the secret, and a driver error quoting raw bytes
    echoed = f"5.7.8 Authentication failed for {user} with {secret} ({b64(secret)})"
    transcript.add("recv", "535 " + echoed, **kw)
    transcript.add("error", f"unexpected data ({secret.encode()!r}) url=https://x/?p={quote(secret, safe='')}", **kw)
    transcript.add("info", f"log: password={json.dumps(secret)}", **kw)

    finding = to_finding(classify_auth(535, None, echoed), redactor=redactor, user=user)
    report = Report(target=Target(host="smtp.example.com", port=587), verdict=decide([finding]),
                    findings=(finding,), steps=step_results([finding]), transcript=tuple(transcript.lines))
    forbidden = _must_not_appear(mech, secret, user, name)
    assert secret in forbidden and any(len(f) > len(secret) for f in forbidden)
    for fmt, text in _formats(report).items():
        leaked = [f[:20] for f in forbidden if f in text]
        assert not leaked, f"{fmt} leaks {leaked}"
    sent = [line.text for line in transcript.lines if line.dir == "send"]
    assert sent[0].startswith("AUTH ") and all(s == MASK for s in sent[1:])


def test_empty_token_is_reported_without_leaking_or_mangling():
    redactor = Redactor([Secret("")])
    with pytest.raises(SaslError) as err:
        create("XOAUTH2", "bob@example.com", Secret(""))
    finding = to_finding(classify_sasl_error(err.value), redactor=redactor)
    assert finding.id == "client.auth-input-invalid"
    assert "empty" in finding.detail
    transcript = Transcript(redact=redactor.redact_line)
    transcript.add("recv", "250-AUTH PLAIN LOGIN XOAUTH2", port=587, tls=True)
    assert transcript.lines[0].text == "250-AUTH PLAIN LOGIN XOAUTH2"
    report = Report(target=Target(host="smtp.example.com"), verdict=decide([finding]), findings=(finding,),
                    steps=step_results([finding]), transcript=tuple(transcript.lines))
    assert "auth-input-invalid" in render(report, "json")


def test_exported_names():
    assert set(redact_module.__all__) == {"MASK", "MIN_ANYWHERE", "Redactor", "forms_of"}


def test_scrub_reaches_every_string_at_any_depth():
    from dataclasses import dataclass

    from smtpdoctor.core.model import Category

    @dataclass(frozen=True)
    class Box:
        text: str
        items: tuple
        kind: Category = Category.OK

    r = Redactor([Secret("hunter2-secret")])
    value = {"reply": "535 you sent hunter2-secret", "nested": [Box(text="aHVudGVyMi1zZWNyZXQ=",
                                                                   items=("x hunter2-secret", 3))],
             "hunter2-secret": None}
    out = r.scrub(value)
    assert out == {"reply": "535 you sent ********", "nested": [Box(text="********", items=("x ********", 3))],
                   "********": None}
    assert out["nested"][0].kind is Category.OK


def test_a_secret_that_is_not_utf8_is_redacted_not_a_crash():
    # os.environ decodes b"\x95" (not UTF-8) to a lone surrogate; every form of it must still be masked
    import base64
    import os

    from smtpdoctor.core.redact import Redactor
    from smtpdoctor.core.settings import Secret

    value = os.fsdecode(b"pass\x95word")
    redactor = Redactor([Secret(value)])
    raw_b64 = base64.b64encode(b"pass\x95word").decode()
    out = redactor.redact(f"echo {value} and {raw_b64}")
    assert value not in out and raw_b64 not in out
    assert out == "echo ******** and ********"
