"""Dovecot of the test's own serving IMAP over implicit TLS (imaps) on 127.0.0.1, from Maildirs the test
fills before start-up. Users in a passwd-file (test credentials only); mail owned by ``nobody``.
Needs ``dovecot-imapd``. Stopped by pid, like every real server of the suite."""

from __future__ import annotations

import os
import pwd
import socket
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from ._proc import Daemon, ServerUnavailable, free_port, missing_programs, private_dir, remove_dir, which
from smtpdoctor.lab.certs import LabPki

from .postfix import CERT_NAMES

__all__ = ["DovecotImap", "start_dovecot_imap"]


@dataclass
class DovecotImap:
    directory: Path
    port: int
    users: Mapping[str, str]
    ca_file: Path
    daemon: Daemon
    startup_s: float = 0.0

    def stop(self) -> None:
        self.daemon.stop()
        remove_dir(self.directory)


def _maildir_put(root: Path, folder: str, messages: Sequence[bytes], owner: pwd.struct_passwd) -> None:
    box = root if folder.upper() == "INBOX" else root / f".{folder}"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True, exist_ok=True)
    for i, data in enumerate(messages):
        (box / "cur" / f"{1700000000 + i}.M{i}P1.test:2,S").write_bytes(data)
    for path in [root, *root.rglob("*")]:
        os.chown(path, owner.pw_uid, owner.pw_gid)


def start_dovecot_imap(pki: LabPki, users: Mapping[str, str], mail: Mapping[str, Mapping[str, Sequence[bytes]]],
                       *, timeout: float = 10.0) -> DovecotImap:
    """``mail``: {user: {folder: [message bytes]}}."""
    missing = missing_programs(["dovecot"])
    if missing or not Path("/usr/lib/dovecot/imap").exists():
        raise ServerUnavailable("Dovecot IMAP not installed (apt-get install dovecot-core dovecot-imapd)")
    t0 = time.monotonic()
    d = private_dir("imap")
    for sub in ("run", "state", "mail"):
        (d / sub).mkdir()
    nobody = pwd.getpwnam("nobody")
    os.chown(d / "mail", nobody.pw_uid, nobody.pw_gid)
    for user, folders in mail.items():
        for folder, messages in folders.items():
            _maildir_put(d / "mail" / user, folder, messages, nobody)
    (d / "users").write_text("".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in users.items()))
    (d / "users").chmod(0o644)
    cert = pki.issue("valid", CERT_NAMES)
    port = free_port("127.0.0.1")
    conf = d / "dovecot.conf"
    conf.write_text(f"""\
base_dir = {d / 'run'}
state_dir = {d / 'state'}
instance_name = smtpdoctor-{d.name}
log_path = {d / 'dovecot.log'}
protocols = imap
listen = 127.0.0.1
ssl = required
ssl_cert = <{cert.cert_file}
ssl_key = <{cert.key_file}
disable_plaintext_auth = yes
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:{d / 'mail'}/%u
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d / 'users'}
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d / 'mail'}/%u
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
""")
    daemon = Daemon("dovecot-imap", [which("dovecot") or "dovecot", "-F", "-c", str(conf)], d / "stdout.log")
    srv = DovecotImap(directory=d, port=port, users=dict(users), ca_file=pki.ca_file, daemon=daemon)
    daemon.start()
    deadline = time.monotonic() + timeout
    while not _greets(port, pki.ca_file):
        if not daemon.alive() or time.monotonic() > deadline:
            log = (d / "dovecot.log").read_text(errors="replace") if (d / "dovecot.log").exists() else ""
            err = ServerUnavailable(f"{daemon.fail('imaps not ready')}\n{log[-2000:]}")
            srv.stop()
            raise err
        time.sleep(0.05)
    srv.startup_s = time.monotonic() - t0
    return srv


def _greets(port: int, ca_file: Path) -> bool:
    ctx = ssl.create_default_context(cafile=str(ca_file))
    ctx.check_hostname = False
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as raw, \
                ctx.wrap_socket(raw) as s:
            return s.recv(64).startswith(b"* OK")
    except OSError:
        return False
