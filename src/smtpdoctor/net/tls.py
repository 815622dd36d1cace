"""TLS contexts and the facts of a TLS session (version, cipher, the server's certificate).

Trust: the system's store, which honours ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` as OpenSSL does, plus an
optional ``ca_file`` (labs and private CAs).
"""

from __future__ import annotations

import functools
import ssl

TYPE_CHECKING = False
if TYPE_CHECKING:  # the TLS facts' classes load with the first handshake (core/tls_observations; issue 16)
    from ..core.observations import CertFacts

__all__ = ["peer_chain", "client_context", "cert_facts"]


def client_context(*, ca_file: str | None = None, verify: bool = True) -> ssl.SSLContext:
    """A client context, made once per (trust, ``ca_file``, ``verify``) and shared: loading the system's
    trust store costs ~65 ms of CPU each time (``ssl.create_default_context``), and one diagnosis opened
    five. Without verification no trust store is loaded at all. The key holds the trust settings of the
    environment and the CA file's mtime, so a changed file or ``SSL_CERT_FILE`` gets a fresh context."""
    import os

    mtime = os.stat(ca_file).st_mtime_ns if ca_file and os.path.exists(ca_file) else None
    return _context(ca_file, mtime, verify, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))


@functools.lru_cache(maxsize=16)
def _context(ca_file: str | None, _mtime, verify: bool, _cert_file, _cert_dir) -> ssl.SSLContext:
    if not verify:  # what create_default_context makes, less the trust store it would load for nothing
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # what create_default_context() makes, less its trust load
    _load_system_trust(ctx)
    if ca_file:
        ctx.load_verify_locations(cafile=ca_file)
    return ctx


def _load_system_trust(ctx: ssl.SSLContext) -> None:
    """The system's trust store, as ``create_default_context`` loads it, at a tenth of the CPU where the
    system keeps it twice. OpenSSL's default paths are a bundle file, parsed whole (~35 ms of CPU here), and
    a folder of certificates named by subject hash, read one certificate at a time when a chain needs it.
    Where the bundle lives inside that hashed folder, both are the same store (Debian's and Ubuntu's
    ``update-ca-certificates`` writes both from one list), and the folder alone verifies the same chains.
    ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` are honoured: naming that same bundle and folder keeps the shortcut;
    any other bundle (or a system laid out otherwise) is loaded by OpenSSL's defaults, as before."""
    folder = trust_folder(ssl.get_default_verify_paths())
    if folder is not None:
        ctx.load_verify_locations(capath=folder)
    else:
        ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)


def trust_folder(paths: ssl.DefaultVerifyPaths, environ=None) -> str | None:
    """The hashed folder that holds the whole trust store (see :func:`_load_system_trust`), or ``None``."""
    import os

    environ = os.environ if environ is None else environ
    bundle = environ.get(paths.openssl_cafile_env) or paths.openssl_cafile
    folder = environ.get(paths.openssl_capath_env) or paths.openssl_capath
    if not bundle or not folder or not paths.openssl_cafile:
        return None
    real = os.path.realpath(bundle)
    if real != os.path.realpath(paths.openssl_cafile):  # another bundle than the system's own
        return None
    if os.path.dirname(real) != os.path.realpath(folder) or not _hashed(os.path.realpath(folder)):
        return None
    return folder


def _hashed(folder: str) -> bool:
    """Whether ``folder`` holds certificates by subject hash (``5ad8a5d6.0``), as OpenSSL looks them up."""
    import os
    import re

    try:
        return any(re.fullmatch(r"[0-9a-f]{8}\.\d+", name) for name in os.listdir(folder))
    except OSError:
        return False


def peer_chain(sslobj: "ssl.SSLObject | None") -> tuple[bytes, ...]:
    """The certificates the server sent, leaf first, as DER (verified or not). ``get_unverified_chain``
    is public from Python 3.13; 3.10-3.12 have it on the private ``_sslobj`` (no library gives the chain
    of an asyncio TLS stream otherwise)."""
    if sslobj is None:
        return ()
    getter = getattr(sslobj, "get_unverified_chain", None) or getattr(
        getattr(sslobj, "_sslobj", None), "get_unverified_chain", None)
    if getter is None:
        der = sslobj.getpeercert(binary_form=True)
        return (der,) if der else ()
    out = []
    for cert in getter() or ():
        out.append(cert if isinstance(cert, bytes) else cert.public_bytes(ssl._ssl.ENCODING_DER))
    return tuple(out)


@functools.lru_cache(maxsize=32)
def cert_facts(der: bytes) -> CertFacts | None:
    """Parse a DER certificate with ``cryptography``. Returns None if it cannot be parsed. A diagnosis meets
    one certificate on several ports and connections (the sweep, the session, an unverified retry): each
    is parsed once (the facts are frozen)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = tuple(san.get_values_for_type(x509.DNSName))
        ips = tuple(str(i) for i in san.get_values_for_type(x509.IPAddress))
    except (x509.ExtensionNotFound, ValueError):
        dns_names, ips = (), ()
    try:
        pub = cert.public_key()
        if isinstance(pub, rsa.RSAPublicKey):
            key = f"RSA {pub.key_size}"
        elif isinstance(pub, ec.EllipticCurvePublicKey):
            key = f"EC {pub.curve.name}"
        elif isinstance(pub, ed25519.Ed25519PublicKey):
            key = "Ed25519"
        else:
            key = type(pub).__name__
    except Exception:  # an unsupported key algorithm must not stop the diagnosis
        key = "unknown"
    from ..core.observations import CertFacts

    return CertFacts(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        dns_names=dns_names,
        ip_addresses=ips,
        not_before=cert.not_valid_before_utc.isoformat(),
        not_after=cert.not_valid_after_utc.isoformat(),
        self_signed=cert.issuer == cert.subject,
        key=key,
        sha256=cert.fingerprint(hashes.SHA256()).hex(),
    )
