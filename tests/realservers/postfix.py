"""Postfix of the test's own: its own config and queue directory, loopback listeners, nothing delivered.

One instance is one ``master`` process (run as ``master -c DIR -s`` in the foreground, stopped by pid),
serving several named listeners (``127.0.0.1:PORT`` and, with ``ipv6=True``, ``[::1]:PORT``), each an
``smtpd`` with its own ``-o`` overrides:

- ``plain``        like port 25 of an MX: STARTTLS offered (``may``), no AUTH; relay only from
                   ``mynetworks`` (``127.0.0.4/32``) or for the instance's own domain.
- ``submission``   like 587: STARTTLS required (``encrypt``), AUTH after TLS only
                   (``smtpd_tls_auth_only``), relay only when authenticated, sender must be the login's.
- ``smtps``        like 465: implicit TLS (``smtpd_tls_wrappermode``), the same rules as submission.
- ``cleartext``    a submission port that offers no STARTTLS and AUTH in the clear (a broken setup).
- ``submission_<variant>`` / ``smtps_<variant>`` for every extra certificate variant asked for
  (``"expired"``, ``"wrong-name"``, ``"self-signed"``, ``"not-yet-valid"``).

DNS: Postfix uses the system resolver, which cannot be pointed at a port other than 53. So the master
runs in a private mount namespace (``unshare --mount``) where ``/etc/resolv.conf``, ``/etc/hosts`` and
``/etc/nsswitch.conf`` are bind-mounted from the instance directory: the resolver is a test DNS server
listening on a private loopback address on port 53 (``KnotServer.resolver_ip``), ``/etc/hosts`` is empty,
so 127.0.0.1 has no reverse name unless the test zone gives it one. Nothing outside the test changes.

Mail never leaves: every transport is ``discard``, unless a test delivers into a Maildir of its own
(:func:`maildir_delivery` gives the ``main_cf`` for that: the ``virtual`` transport, static uid ``nobody``).
"""

from __future__ import annotations

import grp
import os
import pwd
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from smtpdoctor.lab.certs import CertFiles, LabPki

from ._proc import (
    Daemon, ServerUnavailable, free_port, is_root, missing_programs, private_dir, remove_dir, run,
    wait_listening, wait_until, which,
)
from .dovecot import DovecotSasl
from .netns import NetnsPair

__all__ = ["CERT_NAMES", "DOMAIN", "RECIPIENTS", "TRUSTED_CLIENT", "PostfixInstance", "start_postfix",
           "postfix_available", "maildir_delivery"]

DOMAIN = "smtpdoctor.test"
# the names on its certificates (made by the lab CA, smtpdoctor.lab.certs; kinds as in CertKind)
CERT_NAMES: tuple[str, ...] = ("mx.smtpdoctor.test", "localhost", "127.0.0.1")
RECIPIENTS = ("postmaster@smtpdoctor.test", "alice@smtpdoctor.test", "bob@smtpdoctor.test")
TRUSTED_CLIENT = "127.0.0.4"     # mynetworks: may relay without AUTH
DAEMON_DIR = "/usr/lib/postfix/sbin"

SERVICES = """\
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

SUBMISSION_RULES = {
    "smtpd_sasl_auth_enable": "yes",
    "smtpd_tls_auth_only": "yes",
    "smtpd_relay_restrictions": "permit_sasl_authenticated,reject",
    "smtpd_sender_restrictions": "reject_sender_login_mismatch",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Listener:
    name: str
    port: int
    security: str            # "starttls" (offered or required), "tls" (implicit), "none"
    tls_required: bool
    auth: bool
    cert: CertFiles | None


@dataclass
class PostfixInstance:
    """A running Postfix. ``port("submission")``; ``ca_file`` trusts its certificates."""

    directory: Path
    host: str
    listeners: dict[str, Listener]
    ca_file: Path
    users: Mapping[str, str]
    domain: str
    recipients: tuple[str, ...]
    resolver_ip: str | None
    daemon: Daemon
    main_cf: dict[str, str] = field(default_factory=dict)
    ipv6: bool = False
    startup_s: float = 0.0

    @property
    def ports(self) -> dict[str, int]:
        return {name: lst.port for name, lst in self.listeners.items()}

    def port(self, name: str) -> int:
        return self.listeners[name].port

    @property
    def plain_port(self) -> int:
        return self.port("plain")

    @property
    def submission_port(self) -> int:
        return self.port("submission")

    @property
    def smtps_port(self) -> int:
        return self.port("smtps")

    def log_text(self) -> str:
        """The instance's mail log (``maillog_file``) plus the master's stdout/stderr."""
        try:
            maillog = (self.directory / "maillog").read_text(errors="replace")
        except OSError:
            maillog = ""
        return maillog + self.daemon.log_text()

    def postconf(self, name: str) -> str:
        out = run([which("postconf") or "postconf", "-c", str(self.directory / "etc"), "-h", name]).stdout
        return out.strip()

    def stop(self) -> None:
        pid = self.daemon.proc.pid if self.daemon.proc else None
        self.daemon.stop(timeout=10)
        if pid is not None:  # children of our master share its process group (we made the session)
            try:
                os.killpg(pid, 9)
            except (ProcessLookupError, PermissionError):
                pass
        remove_dir(self.directory)


def maildir_delivery(base: Path, mailboxes: Mapping[str, str]) -> dict[str, str]:
    """``main_cf`` overrides that deliver ``mailboxes`` ({address: "name/"}) into Maildirs under ``base``
    with Postfix's virtual(8) agent (as ``nobody``), instead of discarding them."""
    nobody = pwd.getpwnam("nobody")
    base.mkdir(parents=True, exist_ok=True)
    os.chown(base, nobody.pw_uid, nobody.pw_gid)
    maps = base.parent / f"{base.name}.vmailbox"
    maps.write_text("".join(f"{a} {m}\n" for a, m in mailboxes.items()))
    past = time.time() - 60  # see the "cools down" note in start_postfix
    os.utime(maps, (past, past))
    return {"virtual_transport": "virtual", "virtual_mailbox_base": str(base),
            "virtual_mailbox_maps": f"texthash:{maps}", "virtual_uid_maps": f"static:{nobody.pw_uid}",
            "virtual_gid_maps": f"static:{nobody.pw_gid}", "virtual_minimum_uid": "1"}


def postfix_available() -> str | None:
    """None when Postfix can run here, else the reason it cannot."""
    missing = missing_programs(["postconf", "unshare", "mount"])
    if missing or not Path(DAEMON_DIR, "master").exists():
        return "Postfix not installed (apt-get install postfix)"
    if not is_root():
        return "Postfix test instances need root (master runs as root, smtpd drops to 'postfix')"
    return None


def _queue_dirs(q: Path) -> None:
    uid = pwd.getpwnam("postfix").pw_uid
    gid_postdrop = grp.getgrnam("postdrop").gr_gid
    q.mkdir(mode=0o755)
    os.chown(q, 0, 0)
    for sub in ("active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming",
                "private", "saved", "trace"):
        (q / sub).mkdir(mode=0o700)
        os.chown(q / sub, uid, 0)
    (q / "maildrop").mkdir(mode=0o730)
    os.chown(q / "maildrop", uid, gid_postdrop)
    (q / "maildrop").chmod(0o1730)
    (q / "public").mkdir(mode=0o710)
    os.chown(q / "public", uid, gid_postdrop)
    (q / "pid").mkdir(mode=0o755)


def _o(params: Mapping[str, str]) -> str:
    """master.cf ``-o`` options; values with spaces use Postfix's ``-o { name = value }`` form."""
    out = []
    for k, v in params.items():
        if any(c in v for c in "{}\n"):
            raise ValueError(f"master.cf -o value for {k} cannot contain braces or newlines: {v!r}")
        out.append(f"-o {{ {k} = {v} }}" if (" " in v or not v) else f"-o {k}={v}")
    return " ".join(out)


def start_postfix(*, pki: LabPki, sasl: DovecotSasl | None, resolver_ip: str | None,
                  tls_cert: str = "valid", extra_certs: Iterable[str] = (),
                  restrictions: Sequence[str] = (), rbl_zone: str | None = None,
                  mynetworks: str = TRUSTED_CLIENT + "/32", main_cf: Mapping[str, str] | None = None,
                  listener_overrides: Mapping[str, Mapping[str, str]] | None = None,
                  recipients: Sequence[str] = RECIPIENTS, sender_logins: Mapping[str, str] | None = None,
                  ipv6: bool = False, netns: NetnsPair | None = None,
                  timeout: float = 20.0) -> PostfixInstance:
    """Start a Postfix instance; see the module docstring for its listeners.

    ``restrictions`` become ``smtpd_recipient_restrictions`` (evaluated at RCPT TO, after the relay
    rules, on every listener), e.g. ``["reject_unknown_sender_domain",
    "reject_unknown_reverse_client_hostname"]``; ``rbl_zone`` appends ``reject_rbl_client ZONE``.
    ``main_cf`` overrides any main.cf parameter; ``listener_overrides`` adds ``-o`` options per listener.
    ``resolver_ip`` is the address (port 53) of the DNS server Postfix must use; None leaves Postfix
    with an unreachable resolver (127.255.255.254), so DNS lookups fail instead of reaching out.
    ``netns`` runs the instance inside the pair's server namespace, listening on ``netns.server_ip`` (and
    ``netns.server_ip6`` with ``ipv6``); a resolver must be reachable from inside that namespace.
    """
    reason = postfix_available()
    if reason:
        raise ServerUnavailable(reason)
    t0 = time.monotonic()
    d = private_dir("postfix")
    etc = d / "etc"
    etc.mkdir()
    _queue_dirs(d / "queue")
    (d / "data").mkdir(mode=0o700)
    os.chown(d / "data", pwd.getpwnam("postfix").pw_uid, 0)

    cert = pki.issue(tls_cert, CERT_NAMES)
    users = dict(sasl.users) if sasl else {}
    logins = dict(sender_logins) if sender_logins is not None else {u: u for u in users}
    (etc / "vmailbox").write_text("".join(f"{r} ok\n" for r in recipients))
    (etc / "senders").write_text("".join(f"{a} {u}\n" for a, u in logins.items()))

    rlist = list(restrictions) + ([f"reject_rbl_client {rbl_zone}"] if rbl_zone else [])
    params = {
        "compatibility_level": "3.6",
        "queue_directory": str(d / "queue"),
        "data_directory": str(d / "data"),
        "meta_directory": "/etc/postfix",
        "mail_owner": "postfix",
        "setgid_group": "postdrop",
        "myhostname": "mx." + DOMAIN,
        "mydomain": DOMAIN,
        "myorigin": DOMAIN,
        "mydestination": "",
        "inet_interfaces": "127.0.0.1, [::1]" if ipv6 else "127.0.0.1",
        "inet_protocols": "all" if ipv6 else "ipv4",
        "mynetworks": mynetworks,
        "smtpd_banner": "$myhostname ESMTP smtpdoctor test Postfix",
        "alias_maps": "",
        "alias_database": "",
        "biff": "no",
        "virtual_mailbox_domains": DOMAIN,
        "virtual_mailbox_maps": f"texthash:{etc / 'vmailbox'}",
        "virtual_transport": "discard:",
        "default_transport": "discard:",
        "relay_transport": "discard:",
        "local_transport": "discard:",
        "smtpd_relay_restrictions": "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination",
        "smtpd_recipient_restrictions": ", ".join(rlist),
        "smtpd_sender_login_maps": f"texthash:{etc / 'senders'}",
        "smtpd_sasl_auth_enable": "no",
        "smtpd_tls_chain_files": f"{cert.key_file}, {cert.cert_file}",
        "smtpd_tls_security_level": "may",
        "smtpd_tls_loglevel": "1",
        "smtpd_error_sleep_time": "0",
        "smtpd_soft_error_limit": "100",
        "smtpd_hard_error_limit": "100",
        "smtpd_junk_command_limit": "1000",
        "smtpd_timeout": "30s",
        "in_flow_delay": "0",
        "maillog_file": str(d / "maillog"),
        "maillog_file_prefixes": str(d),
        "smtputf8_enable": "yes",
    }
    if sasl:
        params["smtpd_sasl_type"] = "dovecot"
        params["smtpd_sasl_path"] = str(sasl.socket_path)
    params.update(main_cf or {})

    host = netns.server_ip if netns else "127.0.0.1"
    host6 = f"[{netns.server_ip6}]" if netns else "[::1]"
    if netns and ipv6:  # dual stack on the pair's link: 10.231.0.1 and fd00:231::1
        params["inet_interfaces"] = f"{host}, {host6}"
    elif netns or (ipv6 and not ipv6_loopback()):
        ipv6 = False
        params["inet_interfaces"] = host
        params["inet_protocols"] = "ipv4"
    specs: list[tuple[str, str, bool, bool, CertFiles | None, dict[str, str]]] = [
        ("plain", "starttls", False, False, cert, {}),
    ]
    if sasl:
        specs += [
            ("submission", "starttls", True, True, cert,
             {"smtpd_tls_security_level": "encrypt", **SUBMISSION_RULES}),
            ("smtps", "tls", True, True, cert,
             {"smtpd_tls_wrappermode": "yes", **SUBMISSION_RULES}),
            ("cleartext", "none", False, True, None,
             {"smtpd_tls_security_level": "none", **SUBMISSION_RULES, "smtpd_tls_auth_only": "no"}),
        ]
        for variant in extra_certs:
            if variant == tls_cert:
                continue
            vc = pki.issue(variant, CERT_NAMES)
            chain = {"smtpd_tls_chain_files": f"{vc.key_file},{vc.cert_file}"}
            tag = variant.replace("-", "_")
            specs += [
                (f"submission_{tag}", "starttls", True, True, vc,
                 {"smtpd_tls_security_level": "encrypt", **SUBMISSION_RULES, **chain}),
                (f"smtps_{tag}", "tls", True, True, vc, {"smtpd_tls_wrappermode": "yes", **SUBMISSION_RULES, **chain}),
            ]
    listeners: dict[str, Listener] = {}
    lines = [SERVICES]
    used: set[int] = set()
    for name, security, required, auth, lcert, opts in specs:
        for _ in range(100):
            port = free_port("127.0.0.1")
            if port not in used and (not ipv6 or netns or _free6(port)):
                break
        else:
            raise ServerUnavailable("no port free on both 127.0.0.1 and ::1")
        used.add(port)
        opts = {"syslog_name": f"postfix/{name}", **opts, **(listener_overrides or {}).get(name, {})}
        listeners[name] = Listener(name=name, port=port, security=security, tls_required=required,
                                   auth=auth, cert=lcert)
        hosts = [host] + ([host6] if ipv6 else [])
        for h in hosts:
            lines.append(f"{h}:{port} inet n - n - - smtpd {_o(opts)}")
    (etc / "master.cf").write_text("\n".join(lines) + "\n")
    (etc / "main.cf").write_text("".join(f"{k} = {v}\n" for k, v in params.items()))

    # the resolver seen by Postfix (private mount namespace; see module docstring)
    (etc / "resolv.conf").write_text(
        f"nameserver {resolver_ip or '127.255.255.254'}\noptions timeout:1 attempts:1\n")
    (etc / "hosts").write_text("# smtpdoctor test instance: no static names\n")
    (etc / "nsswitch.conf").write_text("hosts: files dns\npasswd: files\ngroup: files\nshadow: files\n")
    # Postfix re-reads a file modified within the last second until it "cools down" (dict_load_file),
    # which would cost ~1 s per file at start-up: date our freshly written files into the past.
    past = time.time() - 60
    for f in etc.iterdir():
        os.utime(f, (past, past))
    mounts = " && ".join(f"mount --bind {etc / f} /etc/{f}" for f in ("resolv.conf", "hosts", "nsswitch.conf"))
    script = f"{mounts} && exec {DAEMON_DIR}/master -c {etc} -s"
    argv = [which("unshare") or "unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script]
    if netns:
        argv = netns.argv("server", argv)
    daemon = Daemon("postfix", argv, d / "master.log",
                    env={**os.environ, "MAIL_CONFIG": str(etc)})
    inst = PostfixInstance(directory=d, host=host, listeners=listeners, ca_file=pki.ca_file, users=users,
                           domain=DOMAIN, recipients=tuple(recipients), resolver_ip=resolver_ip,
                           daemon=daemon, main_cf=params, ipv6=ipv6)
    daemon.start()
    ports = [lst.port for lst in listeners.values()]
    # our pid becomes the master once `unshare` and `sh` have exec'ed it; then read its namespace's
    # listening sockets (no connection, so no smtpd is woken up)
    ok = wait_until(lambda: not daemon.alive() or _comm(daemon.pid) == "master", timeout) and \
        wait_listening(ports, pid=daemon.pid, timeout=timeout, alive=daemon.alive)
    if not ok:
        err = ServerUnavailable(f"{daemon.fail('listeners not up')}\n{inst.log_text()[-3000:]}")
        inst.stop()
        raise err
    inst.startup_s = time.monotonic() - t0
    return inst


def ipv6_loopback() -> bool:
    """True when ::1 can be bound (IPv6 may be disabled in containers)."""
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def _free6(port: int) -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", port))
        return True
    except OSError:
        return False


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""
