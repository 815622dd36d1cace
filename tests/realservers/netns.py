"""Two network namespaces joined by a veth link, with iptables rules, for firewall tests.

The link is created directly between the two namespaces (``ip link add ... netns A type veth peer ...
netns B``), so nothing is added to the host's namespace and no packet can leave: the addresses
(``10.231.0.1`` server side, ``10.231.0.2`` client side, a /30) exist only inside them. Each namespace
also has its own loopback. Needs root (CAP_NET_ADMIN); callers skip otherwise.

Typical use::

    pair.drop(2525)                              # server side INPUT: DROP -> connect timeout
    pair.reject(2526)                            # REJECT --reject-with tcp-reset -> refused
    pair.reject(2527, "icmp-port-unreachable")   # ICMP -> refused (EHOSTUNREACH/ECONNREFUSED)
    srv = pair.spawn("server", ["python3", "-m", "http.server", "--bind", pair.server_ip, "8080"])
    out = pair.run("client", [sys.executable, "-m", "smtpdoctor", "diagnose", pair.server_ip, ...])
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from ._proc import (
    Daemon, ServerUnavailable, is_root, missing_programs, private_dir, remove_dir, run, wait_listening, wait_until,
    which,
)

__all__ = ["NetnsPair", "netns_available", "create_pair", "REJECT_WITH"]

REJECT_WITH = ("tcp-reset", "icmp-port-unreachable", "icmp-host-unreachable", "icmp-net-unreachable",
               "icmp-admin-prohibited")
SIDES = ("server", "client")


def netns_available() -> str | None:
    """None when namespaces and iptables can be used here, else why not."""
    if not is_root():
        return "network namespace tests need root (CAP_NET_ADMIN)"
    missing = missing_programs(["ip", "iptables"])
    if missing:
        return f"missing {', '.join(missing)} (apt-get install iproute2 iptables)"
    return None


@dataclass
class NetnsPair:
    server_ns: str
    client_ns: str
    server_ip: str = "10.231.0.1"
    client_ip: str = "10.231.0.2"
    server_ip6: str = "fd00:231::1"  # unique-local IPv6 on the same link (for dual-stack tests)
    client_ip6: str = "fd00:231::2"
    directory: Path | None = None
    rules: list[tuple[str, list[str]]] = field(default_factory=list)
    _daemons: list[Daemon] = field(default_factory=list)
    _on_close: list[Callable[[], None]] = field(default_factory=list)

    def on_close(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` (e.g. a server's ``stop``) when the pair is torn down, before the namespaces go."""
        self._on_close.append(fn)

    def ns(self, side: str) -> str:
        if side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}")
        return self.server_ns if side == "server" else self.client_ns

    def argv(self, side: str, argv: Sequence[str]) -> list[str]:
        """``argv`` wrapped to run inside the namespace (``ip netns exec NS ...``)."""
        return [which("ip") or "ip", "netns", "exec", self.ns(side), *argv]

    def run(self, side: str, argv: Sequence[str], *, timeout: float = 60.0, check: bool = False,
            input: str | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """Run a command inside a namespace and wait for it (stdout/stderr captured as text)."""
        return subprocess.run(self.argv(side, argv), capture_output=True, text=True, timeout=timeout,
                              check=check, input=input, env=env)

    def python(self, side: str, code: str, *, timeout: float = 60.0) -> subprocess.CompletedProcess:
        """Run ``python -c code`` (this interpreter, so the project is importable) in a namespace."""
        return self.run(side, [sys.executable, "-c", code], timeout=timeout)

    def spawn(self, side: str, argv: Sequence[str], *, name: str = "netns-proc",
              env: dict[str, str] | None = None) -> Daemon:
        """Start a long-running process in a namespace; stopped (by pid) at teardown."""
        assert self.directory is not None
        log = self.directory / f"{name}-{len(self._daemons)}.log"
        d = Daemon(name, self.argv(side, argv), log, env=env).start()
        self._daemons.append(d)
        return d

    def wait_listening(self, side: str, port: int, timeout: float = 10.0) -> None:
        """Wait until something listens on TCP ``port`` inside the namespace."""
        probe = self.spawn(side, ["sleep", "30"], name="probe")
        try:  # /proc/PID/net shows the namespace of PID once `ip netns exec` has exec'ed `sleep`
            wait_until(lambda: _comm(probe.pid) == "sleep", timeout)
            if not wait_listening([port], pid=probe.pid, timeout=timeout, alive=probe.alive):
                raise ServerUnavailable(f"nothing listens on port {port} in {self.ns(side)}")
        finally:
            probe.stop()
            self._daemons.remove(probe)

    # -- firewall -----------------------------------------------------------------------------
    def _rule(self, side: str, spec: list[str], family: int = 4) -> None:
        tool = "ip6tables" if family == 6 else "iptables"
        run(self.argv(side, [tool, "-w", "-A", *spec]))
        self.rules.append((side, spec))

    def _match(self, side: str, port: int | None, proto: str) -> list[str]:
        chain = "INPUT" if side == "server" else "OUTPUT"
        m = [chain, "-p", proto]
        if port is not None:
            m += ["--dport", str(port)]
        return m

    def drop(self, port: int | None = None, *, side: str = "server", proto: str = "tcp", family: int = 4) -> None:
        """Silently drop packets to ``port`` (None: every port): the peer's connect times out.

        side="server": INPUT of the server namespace (a firewall at the server);
        side="client": OUTPUT of the client namespace (a local firewall blocking outbound).
        family=6: the rule goes into ip6tables (IPv6 filtered, IPv4 untouched).
        """
        self._rule(side, self._match(side, port, proto) + ["-j", "DROP"], family)

    def reject(self, port: int | None = None, with_: str = "tcp-reset", *, side: str = "server",
               proto: str = "tcp") -> None:
        """Reject packets to ``port``: ``tcp-reset`` (connection refused) or an ICMP error."""
        if with_ not in REJECT_WITH:
            raise ValueError(f"reject-with must be one of {REJECT_WITH}")
        self._rule(side, self._match(side, port, proto) + ["-j", "REJECT", "--reject-with", with_])

    def flush(self) -> None:
        """Remove every rule added so far."""
        for side in SIDES:
            for tool in ("iptables", "ip6tables"):
                run(self.argv(side, [tool, "-w", "-F"]), check=False)
        self.rules.clear()

    def iptables_rules(self, side: str = "server") -> str:
        return run(self.argv(side, ["iptables", "-w", "-S"])).stdout

    # -- teardown -----------------------------------------------------------------------------
    def close(self) -> None:
        for fn in reversed(self._on_close):
            fn()
        self._on_close.clear()
        for d in self._daemons:
            d.stop()
        self._daemons.clear()
        ip = which("ip") or "ip"
        for ns in (self.client_ns, self.server_ns):
            subprocess.run([ip, "netns", "delete", ns], capture_output=True, timeout=30)
        if self.directory is not None:
            remove_dir(self.directory)


_counter = 0


def create_pair(prefix: str = "sdoc") -> NetnsPair:
    """Create the two namespaces and the veth link between them (both ends up, loopbacks up)."""
    reason = netns_available()
    if reason:
        raise ServerUnavailable(reason)
    global _counter
    _counter += 1
    tag = f"{prefix}-{os.getpid()}-{_counter}-{os.urandom(2).hex()}"
    pair = NetnsPair(server_ns=f"{tag}-s", client_ns=f"{tag}-c", directory=private_dir("netns"))
    ip = which("ip") or "ip"
    try:
        for ns in (pair.server_ns, pair.client_ns):
            run([ip, "netns", "add", ns])
        run([ip, "link", "add", "veth0", "netns", pair.server_ns, "type", "veth",
             "peer", "name", "veth0", "netns", pair.client_ns])
        for side, addr, addr6 in (("server", pair.server_ip, pair.server_ip6),
                                  ("client", pair.client_ip, pair.client_ip6)):
            ns = pair.ns(side)
            run([ip, "-n", ns, "link", "set", "lo", "up"])
            run([ip, "-n", ns, "addr", "add", f"{addr}/30", "dev", "veth0"])
            # nodad: usable at once (no duplicate address detection wait); ignored where IPv6 is off
            run([ip, "-n", ns, "addr", "add", f"{addr6}/64", "dev", "veth0", "nodad"], check=False)
            run([ip, "-n", ns, "link", "set", "veth0", "up"])
    except BaseException:
        pair.close()
        raise
    return pair


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""
