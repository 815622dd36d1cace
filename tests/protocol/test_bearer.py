"""protocol/bearer.py: the expiry a JWT access token carries; opaque tokens say nothing."""

import base64
import json

from smtpdoctor.protocol.bearer import token_expiry


def _jwt(payload) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJSUzI1NiJ9.{body}.sig"


def test_exp_of_a_jwt():
    assert token_expiry(_jwt({"exp": 1767225600, "upn": "a@b.example"})) == 1767225600


def test_opaque_or_broken_tokens_have_none():
    assert token_expiry("ya29.a0AfH6SMBopaque") is None
    assert token_expiry("a.!!!.c") is None
    assert token_expiry(_jwt({"exp": "tomorrow"})) is None
    assert token_expiry(_jwt({"exp": True})) is None
    assert token_expiry(_jwt(["not", "an", "object"])) is None
