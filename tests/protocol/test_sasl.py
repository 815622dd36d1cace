"""SASL client mechanisms: published test vectors, bad input, garbage and 334 loops."""

from __future__ import annotations

import base64
import json

import pytest

from smtpdoctor.core.settings import Secret
from smtpdoctor.protocol import sasl
from smtpdoctor.protocol.sasl import SaslError, choose_mechanism, create, normalise_offered


def b64(text: str | bytes) -> str:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return base64.b64encode(raw).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


USERNAME_PROMPT = b64("Username:")
PASSWORD_PROMPT = b64("Password:")


def run_exchange(mech, challenges, limit=50):
    """A driver's loop in miniature: answer challenges until the mechanism raises or they run out."""
    answers = []
    for i, challenge in enumerate(challenges):
        if i >= limit:
            raise AssertionError("the exchange was not bounded")
        answers.append(mech.respond(challenge))
    return answers


# -------------------------------------------------------------------------------------------- PLAIN
def test_plain_initial_response_is_nul_user_nul_password():
    mech = create("PLAIN", "bob@example.com", Secret("hunter2"))
    assert mech.name == "PLAIN"
    assert unb64(mech.initial_response()) == b"\0bob@example.com\0hunter2"
    assert mech.auth_command() == "AUTH PLAIN " + mech.initial_response()


def test_plain_without_initial_response_answers_the_empty_challenge_once():
    mech = create("plain", "bob", Secret("pw"), initial=False)
    assert mech.initial_response() is None
    assert mech.auth_command() == "AUTH PLAIN"
    assert unb64(mech.respond("")) == b"\0bob\0pw"
    with pytest.raises(SaslError) as err:
        mech.respond("")
    assert err.value.reason == "too-many-steps"


def test_plain_challenge_after_initial_response_is_a_protocol_error():
    mech = create("PLAIN", "bob", Secret("pw"))
    mech.initial_response()
    with pytest.raises(SaslError) as err:
        mech.respond("")
    assert err.value.reason == "unexpected-challenge"


def test_plain_rejects_a_non_empty_challenge():
    mech = create("PLAIN", "bob", Secret("pw"), initial=False)
    with pytest.raises(SaslError) as err:
        mech.respond(b64("what?"))
    assert err.value.reason == "unexpected-challenge"


def test_plain_encodes_non_ascii_password_as_utf8():
    mech = create("PLAIN", "jörg", Secret("pässwörd€"))
    assert unb64(mech.initial_response()) == "\0jörg\0pässwörd€".encode("utf-8")


def test_plain_handles_a_2kb_username_without_an_overlong_auth_line():
    user = "u" * 2048 + "@example.com"
    mech = create("PLAIN", user, Secret("pw"))
    assert mech.initial_response() is None  # RFC 4954: the AUTH line would pass 512 octets
    assert mech.auth_command() == "AUTH PLAIN"
    assert unb64(mech.respond("")) == b"\0" + user.encode() + b"\0pw"
    unlimited = create("PLAIN", user, Secret("pw"), max_line=None)
    assert unb64(unlimited.initial_response()) == b"\0" + user.encode() + b"\0pw"


@pytest.mark.parametrize("name", ["PLAIN", "LOGIN-INITIAL", "XOAUTH2"])
def test_initial_response_is_dropped_exactly_past_the_line_limit(name):
    fits = create(name, "bob@example.com", Secret("x" * 10), max_line=512)
    length = len(fits.auth_command()) + 2
    assert create(name, "bob@example.com", Secret("x" * 10), max_line=length).initial_response() is not None
    assert create(name, "bob@example.com", Secret("x" * 10), max_line=length - 1).initial_response() is None


def test_long_oauth_token_goes_after_the_empty_challenge():
    token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + "A" * 1500
    mech = create("XOAUTH2", "bob@contoso.example", Secret(token))
    assert mech.auth_command() == "AUTH XOAUTH2"
    assert unb64(mech.respond("")) == f"user=bob@contoso.example\x01auth=Bearer {token}\x01\x01".encode()


def test_plain_refuses_nul_in_credentials():
    with pytest.raises(SaslError) as err:
        create("PLAIN", "bob", Secret("p\0w"))
    assert err.value.reason == "bad-input"


# -------------------------------------------------------------------------------------------- LOGIN
def test_login_answers_username_then_password():
    mech = create("LOGIN", "bob@example.com", Secret("hunter2"))
    assert mech.initial_response() is None
    assert mech.auth_command() == "AUTH LOGIN"
    assert unb64(mech.respond(USERNAME_PROMPT)) == b"bob@example.com"
    assert unb64(mech.respond(PASSWORD_PROMPT)) == b"hunter2"
    with pytest.raises(SaslError) as err:
        mech.respond(PASSWORD_PROMPT)
    assert err.value.reason == "too-many-steps"


def test_login_reads_prompts_case_insensitively_and_unknown_prompts_in_order():
    mech = create("LOGIN", "bob", Secret("pw"))
    assert unb64(mech.respond(b64("username:"))) == b"bob"
    assert unb64(mech.respond(b64("PASSWORD"))) == b"pw"
    odd = create("LOGIN", "bob", Secret("pw"))
    assert unb64(odd.respond(b64("Who are you?"))) == b"bob"
    assert unb64(odd.respond(b64("And the secret?"))) == b"pw"


def test_login_server_asking_the_username_twice_is_a_loop():
    mech = create("LOGIN", "bob", Secret("pw"))
    mech.respond(USERNAME_PROMPT)
    with pytest.raises(SaslError) as err:
        mech.respond(USERNAME_PROMPT)
    assert err.value.reason == "too-many-steps"


def test_login_initial_puts_the_username_on_the_auth_line():
    mech = create("LOGIN-INITIAL", "bob", Secret("pw"))
    assert mech.name == "LOGIN"
    assert mech.auth_command() == "AUTH LOGIN " + b64("bob")
    assert unb64(mech.respond(PASSWORD_PROMPT)) == b"pw"
    with pytest.raises(SaslError):
        mech.respond(PASSWORD_PROMPT)
    same = create("LOGIN", "bob", Secret("pw"), initial=True)
    assert same.initial_response() == b64("bob")


# ----------------------------------------------------------------------------------------- CRAM-MD5
def test_cram_md5_rfc2195_example():
    mech = create("CRAM-MD5", "tim", Secret("tanstaaftanstaaf"))
    assert mech.initial_response() is None
    answer = mech.respond(b64("<1896.697170952@postoffice.reston.mci.net>"))
    assert answer == "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"
    assert answer in mech.secret_forms()
    with pytest.raises(SaslError) as err:
        mech.respond(b64("<again@host>"))
    assert err.value.reason == "too-many-steps"


def test_cram_md5_empty_challenge_is_garbage():
    with pytest.raises(SaslError) as err:
        create("CRAM-MD5", "tim", Secret("pw")).respond("")
    assert err.value.reason == "garbage-challenge"


# ------------------------------------------------------------------------------------------ XOAUTH2
def test_xoauth2_initial_response_matches_googles_documented_example():
    mech = create("XOAUTH2", "someuser@example.com", Secret("ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"))
    assert mech.initial_response() == (
        "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZ"
        "Mjl0Q2cBAQ=="
    )


def test_xoauth2_error_challenge_gets_the_empty_response_and_keeps_the_json():
    mech = create("XOAUTH2", "bob@example.com", Secret("tok"))
    error = {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}
    assert mech.respond(b64(json.dumps(error))) == ""
    assert mech.error == error
    with pytest.raises(SaslError) as err:
        mech.respond(b64(json.dumps(error)))
    assert err.value.reason == "too-many-steps"


def test_xoauth2_error_challenge_that_is_not_json_is_kept_raw():
    mech = create("XOAUTH2", "bob@example.com", Secret("tok"))
    assert mech.respond(b64("token expired")) == ""
    assert mech.error == {"raw": "token expired"}


def test_xoauth2_without_initial_response_sends_the_blob_on_the_empty_challenge():
    mech = create("XOAUTH2", "bob@example.com", Secret("tok"), initial=False)
    assert mech.initial_response() is None
    assert unb64(mech.respond("")) == b"user=bob@example.com\x01auth=Bearer tok\x01\x01"
    assert mech.respond(b64('{"status":"400"}')) == ""
    assert mech.error == {"status": "400"}


@pytest.mark.parametrize("token", ["", None])
def test_xoauth2_empty_token_is_bad_input(token):
    with pytest.raises(SaslError) as err:
        create("XOAUTH2", "bob@example.com", Secret(token or ""))
    assert err.value.reason == "bad-input"
    assert "token" in str(err.value)


def test_xoauth2_refuses_control_a_in_user():
    with pytest.raises(SaslError) as err:
        create("XOAUTH2", "bob\x01evil", Secret("tok"))
    assert err.value.reason == "bad-input"


# ------------------------------------------------------------------------------- garbage and loops
@pytest.mark.parametrize("name", ["PLAIN", "LOGIN", "CRAM-MD5", "XOAUTH2"])
@pytest.mark.parametrize("garbage", ["!!! not base64 !!!", "abc", "Zm9v\x00", "é"])
def test_garbage_challenge_raises(name, garbage):
    mech = create(name, "bob", Secret("pw"), initial=False)
    with pytest.raises(SaslError) as err:
        mech.respond(garbage)
    assert err.value.reason == "garbage-challenge"


@pytest.mark.parametrize("name", ["PLAIN", "LOGIN", "LOGIN-INITIAL", "CRAM-MD5", "XOAUTH2"])
@pytest.mark.parametrize("initial", [True, False])
def test_a_334_loop_ends_in_a_bounded_number_of_steps(name, initial):
    mech = create(name, "bob", Secret("pw"), initial=initial)
    challenge = b64("<1.2@host>") if name == "CRAM-MD5" else (PASSWORD_PROMPT if "LOGIN" in name else "")
    with pytest.raises(SaslError) as err:
        run_exchange(mech, [challenge] * 1000)
    assert err.value.reason in ("too-many-steps", "unexpected-challenge")
    assert mech.steps <= 3


def test_oversized_challenge_is_garbage():
    with pytest.raises(SaslError) as err:
        create("CRAM-MD5", "bob", Secret("pw")).respond("QUFB" * 5000)
    assert err.value.reason == "garbage-challenge"


# --------------------------------------------------------------------------------------- bad input
def test_unknown_mechanism():
    with pytest.raises(SaslError) as err:
        create("DIGEST-MD5", "bob", Secret("pw"))
    assert err.value.reason == "unsupported-mechanism"


def test_user_and_secret_are_required():
    with pytest.raises(SaslError) as err:
        create("PLAIN", "", Secret("pw"))
    assert err.value.reason == "bad-input"
    with pytest.raises(SaslError) as err:
        create("LOGIN", "bob", Secret(""))
    assert err.value.reason == "bad-input"
    with pytest.raises(SaslError) as err:
        create("PLAIN", "bob", "plain-string-password")  # type: ignore[arg-type]
    assert err.value.reason == "bad-input"


# ------------------------------------------------------------------------------------- no leaks
SECRET = "S3cr3t-pässwörd"


@pytest.mark.parametrize("name", ["PLAIN", "LOGIN", "LOGIN-INITIAL", "CRAM-MD5", "XOAUTH2"])
def test_reprs_and_errors_never_show_the_secret(name):
    mech = create(name, "bob@example.com", Secret(SECRET))
    forms = mech.secret_forms()
    assert SECRET in forms
    assert SECRET not in repr(mech)
    messages = []
    for bad in ("!!!", b64("x") * 2):
        try:
            run_exchange(create(name, "bob@example.com", Secret(SECRET), initial=False), [bad] * 5)
        except SaslError as exc:
            messages += [str(exc), repr(exc)]
    assert messages
    for text in messages:
        assert not any(form in text for form in forms), text


def test_secret_forms_cover_every_blob():
    plain = create("PLAIN", "bob", Secret("pw12"))
    assert plain.secret_forms() >= {"pw12", plain.initial_response()}
    login = create("LOGIN", "bob", Secret("pw12"))
    assert login.secret_forms() >= {"pw12", b64("bob"), b64("pw12")}
    xo = create("XOAUTH2", "bob", Secret("tok-123"))
    assert xo.secret_forms() >= {"tok-123", xo.initial_response()}


# ----------------------------------------------------------------------------- choosing a mechanism
def test_advertised_order_does_not_matter_plain_beats_login():
    assert choose_mechanism(["LOGIN", "PLAIN"], have_token=False) == "PLAIN"
    assert choose_mechanism(["PLAIN", "LOGIN"], have_token=False) == "PLAIN"
    assert choose_mechanism(["login"], have_token=False) == "LOGIN"
    assert choose_mechanism(["CRAM-MD5", "LOGIN"], have_token=False) == "LOGIN"


def test_old_auth_equals_form_and_whole_parameter_strings():
    offered = normalise_offered(["AUTH=LOGIN PLAIN", "login", "XOAUTH2 cram-md5"])
    assert offered == ("LOGIN", "PLAIN", "XOAUTH2", "CRAM-MD5")
    assert choose_mechanism(["AUTH=LOGIN PLAIN"], have_token=False) == "PLAIN"


def test_cleartext_session_prefers_cram_md5():
    assert choose_mechanism(["PLAIN", "LOGIN", "CRAM-MD5"], have_token=False, encrypted=False) == "CRAM-MD5"
    assert choose_mechanism(["PLAIN", "LOGIN", "CRAM-MD5"], have_token=False, encrypted=True) == "PLAIN"


def test_token_means_xoauth2():
    assert choose_mechanism(["LOGIN", "XOAUTH2"], have_token=True, have_password=False) == "XOAUTH2"
    assert choose_mechanism(["LOGIN", "PLAIN"], have_token=True, have_password=False) is None
    assert choose_mechanism(["XOAUTH2"], have_token=False) is None


def test_forced_mechanism():
    assert choose_mechanism(["PLAIN", "LOGIN"], have_token=False, forced="login") == "LOGIN"
    assert choose_mechanism(["PLAIN", "LOGIN"], have_token=False, forced="LOGIN-INITIAL") == "LOGIN-INITIAL"
    assert choose_mechanism(["PLAIN"], have_token=False, forced="CRAM-MD5") is None
    assert choose_mechanism(["XOAUTH2"], have_token=False, forced="XOAUTH2") is None
    with pytest.raises(SaslError) as err:
        choose_mechanism(["PLAIN"], have_token=False, forced="NTLM")
    assert err.value.reason == "unsupported-mechanism"


def test_no_mechanism_offered():
    assert choose_mechanism([], have_token=False) is None


def test_exported_names():
    assert set(sasl.__all__) == {
        "SaslError", "Mechanism", "Plain", "Login", "CramMd5", "Xoauth2", "Oauthbearer", "TOKEN_MECHANISMS", "SUPPORTED_MECHANISMS",
        "PASSWORD_PREFERENCE", "CLEARTEXT_PASSWORD_PREFERENCE", "create", "choose_mechanism", "normalise_offered",
        "AUTH_LINE_LIMIT",
    }


def test_oauthbearer_gs2_header_and_error_acknowledgement():
    import base64 as _b64

    from smtpdoctor.core.settings import Secret as _Secret
    from smtpdoctor.protocol.sasl import choose_mechanism as _choose, create as _create

    mech = _create("OAUTHBEARER", "a,b=c@example.com", _Secret("tok"))
    line = mech.auth_command()
    blob = _b64.b64decode(line.split()[2])
    assert blob == b"n,a=a=2Cb=3Dc@example.com,\x01auth=Bearer tok\x01\x01"
    err = _b64.b64encode(b'{"status":"invalid_token"}').decode()
    assert mech.respond(err) == "AQ=="  # RFC 7628 3.2.3: a single ^A, never the token again
    assert mech.error == {"status": "invalid_token"}
    assert "AQ==" not in mech.secret_forms() and "tok" in mech.secret_forms()
    assert _choose(["OAUTHBEARER", "PLAIN"], have_token=True, have_password=False) == "OAUTHBEARER"
    assert _choose(["OAUTHBEARER", "XOAUTH2"], have_token=True, have_password=False) == "XOAUTH2"
