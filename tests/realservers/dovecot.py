"""Dovecot of the test's own, running only its auth service: SASL for Postfix over a unix socket.

Postfix reaches it with ``smtpd_sasl_type = dovecot`` and ``smtpd_sasl_path = <absolute socket path>``
(Postfix accepts an absolute path when smtpd is not chrooted, which is how our Postfix runs).
Users live in a passwd-file with PLAIN passwords (test credentials only), so PLAIN, LOGIN and
CRAM-MD5 all work. Failures are answered at once for known users with PLAIN/LOGIN (the passwd-file
``nodelay`` field; auth penalty off); other failures wait for Dovecot's failure queue, flushed every
0.5 s -- a real server delays failures too (Dovecot's default is 2 s).
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ._proc import Daemon, ServerUnavailable, missing_programs, private_dir, remove_dir, which

__all__ = ["DEFAULT_USERS", "OAUTH_MECHANISMS", "DovecotSasl", "start_dovecot"]

DEFAULT_USERS: Mapping[str, str] = {
    "alice@smtpdoctor.test": "correct-horse-battery",
    "bob@smtpdoctor.test": "Tr0ub4dor&3",
}
MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5")
OAUTH_MECHANISMS = ("XOAUTH2", "OAUTHBEARER")


@dataclass
class DovecotSasl:
    directory: Path
    socket_path: Path            # absolute path of the auth socket (smtpd_sasl_path)
    users: Mapping[str, str]     # user -> password
    mechanisms: tuple[str, ...]
    daemon: Daemon
    startup_s: float = 0.0

    def log_text(self) -> str:
        return self.daemon.log_text() + _read(self.directory / "dovecot.log")

    def stop(self) -> None:
        self.daemon.stop()
        remove_dir(self.directory)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


def _oauth2_passdb(d: Path, oauth2: Mapping[str, str] | None) -> str:
    """The ``oauth2`` passdb (Dovecot 2.3: its settings in a file of their own, ``args = FILE``), taking
    only XOAUTH2 / OAUTHBEARER; the passwd-file passdb keeps the password mechanisms."""
    if not oauth2:
        return ""
    (d / "oauth2.conf.ext").write_text("".join(f"{k} = {v}\n" for k, v in oauth2.items()))
    return f"""passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {d / 'oauth2.conf.ext'}
}}
"""


def _config(d: Path, sock: Path, mechs: tuple[str, ...], oauth2: Mapping[str, str] | None = None) -> str:
    return f"""\
base_dir = {d / 'run'}
state_dir = {d / 'state'}
instance_name = smtpdoctor-{d.name}
log_path = {d / 'dovecot.log'}
protocols = none
ssl = no
disable_plaintext_auth = no
auth_mechanisms = {' '.join(m.lower() for m in mechs)}
auth_failure_delay = 0
default_login_user = dovenull
default_internal_user = dovecot
{_oauth2_passdb(d, oauth2)}passdb {{
  driver = passwd-file
  mechanisms = {' '.join(m.lower() for m in mechs if m not in OAUTH_MECHANISMS)}
  args = scheme=PLAIN username_format=%u {d / 'users'}
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}}
service auth {{
  unix_listener {sock} {{
    mode = 0666
  }}
}}
# no auth penalty (up to 15 s of delay after failures from one IP): tests must stay quick
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def start_dovecot(users: Mapping[str, str] | None = None, *, mechanisms: tuple[str, ...] = MECHANISMS,
                  socket_path: Path | None = None, timeout: float = 10.0,
                  oauth2: Mapping[str, str] | None = None) -> DovecotSasl:
    """Start ``dovecot -F`` with only the auth service; wait until the socket speaks the auth protocol.

    ``oauth2`` (settings of Dovecot's oauth2 passdb: ``introspection_url``, ``introspection_mode``,
    ``active_attribute`` ...) adds that passdb for XOAUTH2 and OAUTHBEARER, which join the mechanisms.
    """
    missing = missing_programs(["dovecot"])
    if missing:
        raise ServerUnavailable("Dovecot not installed (apt-get install dovecot-core)")
    users = dict(DEFAULT_USERS if users is None else users)
    if oauth2:
        mechanisms = tuple(mechanisms) + tuple(m for m in OAUTH_MECHANISMS if m not in mechanisms)
    for u, p in users.items():
        if ":" in u or ":" in p or "\n" in u + p:
            raise ValueError("passwd-file users and passwords cannot contain ':' or newlines")
    t0 = time.monotonic()
    d = private_dir("dovecot")
    for sub in ("run", "state"):
        (d / sub).mkdir()
    sock = socket_path or d / "auth.sock"
    (d / "users").write_text("".join(f"{u}:{{PLAIN}}{p}::::::nodelay\n" for u, p in users.items()), encoding="utf-8")
    (d / "users").chmod(0o644)
    conf = d / "dovecot.conf"
    conf.write_text(_config(d, sock, mechanisms, oauth2))
    daemon = Daemon("dovecot", [which("dovecot") or "dovecot", "-F", "-c", str(conf)], d / "stdout.log")
    srv = DovecotSasl(directory=d, socket_path=sock, users=users, mechanisms=tuple(mechanisms), daemon=daemon)
    daemon.start()
    deadline = time.monotonic() + timeout
    while not _handshake(sock):
        if not daemon.alive() or time.monotonic() > deadline:
            err = ServerUnavailable(f"{daemon.fail('auth socket not ready')}\n{_read(d / 'dovecot.log')[-2000:]}")
            srv.stop()
            raise err
        time.sleep(0.02)
    srv.startup_s = time.monotonic() - t0
    return srv


def _handshake(sock: Path) -> bool:
    """True once the auth server sends its mechanism list and DONE (the Dovecot auth protocol)."""
    if not sock.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(1.0)
            s.connect(str(sock))
            s.sendall(b"VERSION\t1\t2\nCPID\t1\n")
            data = b""
            while b"\nDONE" not in data and len(data) < 65536:
                chunk = s.recv(4096)
                if not chunk:
                    return False
                data += chunk
            return True
    except OSError:
        return False
