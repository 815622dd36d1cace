"""A sending domain in a real Knot (DKIM key, SPF, DMARC, PTR) and a dkimpy signer for its messages."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

from smtpdoctor.net.dns import Resolver

DOMAIN = "shop.test"
SELECTOR = "s2026"
SENDER_IP = "192.0.2.25"


@pytest.fixture(scope="session")
def dkim_key():
    """(private key PEM, public key base64) of a fresh RSA-2048 key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(der).decode()


def shop_zone(public_key: str) -> dict:
    return {
        DOMAIN: {"TXT": [f"v=spf1 ip4:{SENDER_IP} ip4:127.0.0.0/8 -all"], "MX": [f"10 mx.{DOMAIN}."]},
        f"mx.{DOMAIN}": {"A": ["127.0.0.1"]},
        f"mail.{DOMAIN}": {"A": [SENDER_IP]},
        "25.2.0.192.in-addr.arpa": {"PTR": [f"mail.{DOMAIN}."]},
        f"{SELECTOR}._domainkey.{DOMAIN}": {"TXT": [f"v=DKIM1; k=rsa; p={public_key}"]},
        f"_dmarc.{DOMAIN}": {"TXT": [f"v=DMARC1; p=reject; rua=mailto:dmarc@{DOMAIN}"]},
        "esp.test": {"TXT": ["v=spf1 ip4:198.51.100.0/24 -all"]},
        # the sending host of the real-Postfix tests: 127.0.0.3, forward-confirmed
        f"relay.{DOMAIN}": {"A": ["127.0.0.3"]},
        "3.0.0.127.in-addr.arpa": {"PTR": [f"relay.{DOMAIN}."]},
    }


@pytest.fixture(scope="module")
def shop_dns(knot_factory, dkim_key):
    return knot_factory(shop_zone(dkim_key[1]), zones=[DOMAIN, "esp.test", "2.0.192.in-addr.arpa",
                                                            "0.0.127.in-addr.arpa"])


@pytest.fixture
def resolver(shop_dns) -> Resolver:
    return Resolver([shop_dns.address], timeout=2, lifetime=4)


def sign(message: bytes, pem: bytes, *, domain: str = DOMAIN, selector: str = SELECTOR,
         headers: tuple[str, ...] = ("from", "to", "subject", "date", "message-id", "list-unsubscribe",
                                     "list-unsubscribe-post")) -> bytes:
    import dkim

    present = [h for h in headers if f"\n{h}:".encode() in b"\n" + message.lower()]
    sig = dkim.sign(message, selector.encode(), domain.encode(), pem,
                    include_headers=[h.encode() for h in present])
    return sig + message


def marketing_message(*, unsubscribe: str = "<https://shop.test/u/abc>, <mailto:u@shop.test>",
                      post: bool = True, body: str = "Spring sale!\r\n") -> bytes:
    date = dt.datetime(2026, 12, 6, 15, 59, 58, tzinfo=dt.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
    lines = ["From: Shop <news@shop.test>", "To: alice@example.net", "Subject: Spring sale",
             f"Date: {date}", "Message-ID: <m1.2026@shop.test>", f"List-Unsubscribe: {unsubscribe}"]
    if post:
        lines.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
    lines.append("Feedback-ID: spring:cust42:newsletter:shop")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def delivered(signed: bytes, *, ip: str = SENDER_IP, tls: bool = True, authres: str | None = None,
              return_path: str = "bounce@shop.test") -> bytes:
    """Prepend what the receiver adds: Return-Path, its Authentication-Results and Received field."""
    proto = "ESMTPS" if tls else "ESMTP"
    using = "(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))\r\n\t" if tls else ""
    top = [f"Return-Path: <{return_path}>"]
    if authres:
        top.append(f"Authentication-Results: {authres}")
    top.append(f"Received: from mail.shop.test (mail.shop.test [{ip}])\r\n\t{using}by mx.example.net (Postfix) "
               f"with {proto} id 4AbC1\r\n\tfor <alice@example.net>; Sun, 06 Dec 2026 16:00:05 +0000 (UTC)")
    return ("\r\n".join(top) + "\r\n").encode() + signed
