"""Client TLS contexts: made once per trust setting and shared; an unverified one loads no trust store."""

from __future__ import annotations

import os
import shutil
import ssl

from smtpdoctor.lab.certs import default_pki
from smtpdoctor.net.tls import client_context


def test_a_context_is_made_once_per_trust_setting():
    assert client_context() is client_context()
    assert client_context(verify=False) is client_context(verify=False)
    assert client_context() is not client_context(verify=False)


def test_an_unverified_context_checks_nothing_and_loads_no_trust_store():
    ctx = client_context(verify=False)
    assert ctx.verify_mode == ssl.CERT_NONE and ctx.check_hostname is False
    assert ctx.cert_store_stats()["x509_ca"] == 0
    assert ctx.minimum_version == ssl.create_default_context().minimum_version


def test_a_ca_file_is_trusted_and_a_changed_file_gets_a_fresh_context(tmp_path):
    ca = tmp_path / "ca.pem"
    shutil.copy(default_pki().ca_file, ca)
    first = client_context(ca_file=str(ca))
    assert first.verify_mode == ssl.CERT_REQUIRED and first.check_hostname is True
    assert first.cert_store_stats()["x509_ca"] > client_context().cert_store_stats()["x509_ca"]
    assert client_context(ca_file=str(ca)) is first
    stat = os.stat(ca)
    os.utime(ca, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # the file was rewritten
    assert client_context(ca_file=str(ca)) is not first


def test_the_trust_store_of_the_environment_is_part_of_the_key(monkeypatch, tmp_path):
    before = client_context()
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "none.pem"))
    assert client_context() is not before
