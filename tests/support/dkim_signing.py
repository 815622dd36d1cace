"""A fresh RSA key and dkimpy's signer, for the tests that verify real signatures."""

from __future__ import annotations

import base64

MESSAGE = (b"From: Alice <alice@good.test>\r\nTo: bob@example.org\r\nSubject: hello\r\n"
           b"Date: Mon, 01 Jan 2024 00:00:00 +0000\r\nMessage-ID: <1@good.test>\r\n\r\nHello Bob.\r\n")


def new_key() -> tuple[bytes, str]:
    """(private key PEM, public key base64 for a ``p=`` tag)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(pub).decode()


def sign(message: bytes, pem: bytes, domain: bytes = b"good.test", selector: bytes = b"mail2024") -> bytes:
    import dkim

    return dkim.sign(message, selector, domain, pem, include_headers=[b"from", b"to", b"subject", b"date"]) + message
