"""The Dovecot SASL fixture, spoken to directly over its auth socket (Dovecot auth protocol 1.2)."""

from __future__ import annotations

import base64
import socket

from .dovecot import DEFAULT_USERS


def _auth_plain(sock_path, user: str, password: str) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(str(sock_path))
        s.sendall(b"VERSION\t1\t2\nCPID\t4242\n")
        handshake = b""
        while b"\nDONE\n" not in handshake:
            handshake += s.recv(4096)
        resp = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode())
        s.sendall(b"AUTH\t1\tPLAIN\tservice=smtp\trip=127.0.0.1\tresp=" + resp + b"\n")
        return s.recv(4096)


def test_auth_socket_offers_the_mechanisms(dovecot_sasl):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(str(dovecot_sasl.socket_path))
        s.sendall(b"VERSION\t1\t2\nCPID\t4242\n")
        data = b""
        while b"\nDONE\n" not in data:
            data += s.recv(4096)
    mechs = {line.split(b"\t")[1].decode() for line in data.split(b"\n") if line.startswith(b"MECH\t")}
    assert mechs == {"PLAIN", "LOGIN", "CRAM-MD5"}
    assert dovecot_sasl.socket_path.is_absolute()


def test_passwd_file_users_authenticate(dovecot_sasl):
    user, password = next(iter(DEFAULT_USERS.items()))
    assert _auth_plain(dovecot_sasl.socket_path, user, password).startswith(b"OK\t1\t")
    assert _auth_plain(dovecot_sasl.socket_path, user, password + "x").startswith(b"FAIL\t1\t")
    assert _auth_plain(dovecot_sasl.socket_path, "nobody@smtpdoctor.test", "x").startswith(b"FAIL\t1\t")


def test_startup_is_quick(dovecot_sasl):
    assert dovecot_sasl.startup_s < 3.0
