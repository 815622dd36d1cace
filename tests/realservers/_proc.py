"""Process, port and availability helpers shared by the real-server fixtures."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import pytest

__all__ = [
    "ServerUnavailable",
    "in_ci",
    "require",
    "is_root",
    "missing_programs",
    "free_port",
    "free_loopback_ip",
    "wait_until",
    "wait_for_tcp",
    "run",
    "Daemon",
    "private_dir",
    "remove_dir",
    "listening_ports",
    "wait_listening",
    "tcp_open",
    "which",
]


class ServerUnavailable(RuntimeError):
    """A real server could not be started (package missing, not root, start-up failed)."""


def in_ci() -> bool:
    """True when running in CI (``CI=true``): real-server tests must then run, never skip."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require(reason: str) -> None:
    """Skip the test with ``reason`` on a developer machine; fail it in CI."""
    if in_ci():
        pytest.fail(f"required in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def is_root() -> bool:
    return os.geteuid() == 0


SBIN = ("/usr/sbin", "/sbin", "/usr/lib/postfix/sbin")


def which(program: str) -> str | None:
    path = os.environ.get("PATH", "") + os.pathsep + os.pathsep.join(SBIN)
    return shutil.which(program, path=path)


def missing_programs(programs: Sequence[str]) -> list[str]:
    return [p for p in programs if which(p) is None]


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that is free right now on ``host`` (and free for UDP too, for DNS servers)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            try:
                u.bind((host, port))
            except OSError:
                continue
        return port
    raise ServerUnavailable("no free port found")


def free_loopback_ip(port: int = 53) -> str:
    """A random 127.x.y.z address on which nothing listens on ``port`` (TCP and UDP).

    The whole of 127.0.0.0/8 is loopback on Linux, so a server can own port 53 on its own address
    without touching a system resolver on 127.0.0.1 or 127.0.0.53.
    """
    rnd = int.from_bytes(os.urandom(3), "big")
    for i in range(64):
        v = (rnd + i * 7919) % (1 << 16)
        ip = f"127.{100 + (v >> 8) % 100}.{v & 0xFF}.{1 + (i % 250)}"
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((ip, port))
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                u.bind((ip, port))
        except PermissionError as exc:
            raise ServerUnavailable(f"cannot bind port {port}: {exc}") from exc
        except OSError:
            continue
        return ip
    raise ServerUnavailable(f"no free loopback address for port {port}")


def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def tcp_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_tcp(host: str, ports: Sequence[int], timeout: float = 10.0) -> bool:
    pending = list(ports)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        pending = [p for p in pending if not tcp_open(host, p)]
        if pending:
            time.sleep(0.02)
    return not pending


def run(cmd: Sequence[str], *, timeout: float = 30.0, check: bool = True, **kw) -> subprocess.CompletedProcess:
    """Run a short command, capture its output; raise ServerUnavailable with the output on failure."""
    proc = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout, **kw)
    if check and proc.returncode != 0:
        raise ServerUnavailable(
            f"{' '.join(cmd)} exited {proc.returncode}: {(proc.stderr or proc.stdout).strip()[-2000:]}"
        )
    return proc


@dataclass
class Daemon:
    """A long-running process of the test's own, stopped by its pid (SIGTERM, then SIGKILL)."""

    name: str
    argv: Sequence[str]
    log_path: Path
    env: dict[str, str] | None = None
    proc: subprocess.Popen | None = field(default=None, init=False)

    def start(self) -> "Daemon":
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                list(self.argv), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=self.env, start_new_session=True,
            )
        finally:
            log.close()
        _RUNNING.append(self)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def fail(self, what: str) -> ServerUnavailable:
        status = "running" if self.alive() else f"exited {self.proc.returncode if self.proc else '?'}"
        return ServerUnavailable(f"{self.name}: {what} ({status}); log:\n{self.log_text()[-3000:]}")

    def stop(self, timeout: float = 5.0) -> None:
        if self in _RUNNING:
            _RUNNING.remove(self)
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=timeout)


_RUNNING: list[Daemon] = []


@atexit.register
def _stop_leftovers() -> None:
    """Last resort (an interrupted run): stop every daemon this process started, by pid."""
    for daemon in list(_RUNNING):
        with contextlib.suppress(Exception):
            daemon.stop(timeout=2)


def private_dir(prefix: str) -> Path:
    """A fresh directory that unprivileged daemon users (postfix, dovecot, knot) may traverse.

    pytest's own tmp_path lives under a 0700 directory, which Postfix's unprivileged processes cannot
    enter, so the real servers get their own directory under the system temp dir (mode 0755).
    """
    path = Path(tempfile.mkdtemp(prefix=f"smtpdoctor-{prefix}-"))
    path.chmod(0o755)
    return path


def remove_dir(path: Path) -> None:
    if os.environ.get("SMTPDOCTOR_KEEP_SERVERS"):
        return
    shutil.rmtree(path, ignore_errors=True)


def listening_ports(pid: int | None = None) -> set[int]:
    """TCP ports in LISTEN state in the network namespace of ``pid`` (default: ours)."""
    base = Path(f"/proc/{pid}/net") if pid else Path("/proc/net")
    ports: set[int] = set()
    for name in ("tcp", "tcp6"):
        try:
            lines = (base / name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) > 3 and parts[3] == "0A":
                ports.add(int(parts[1].rsplit(":", 1)[1], 16))
    return ports


def wait_listening(ports: Sequence[int], *, pid: int | None = None, timeout: float = 10.0,
                   alive: Callable[[], bool] = lambda: True) -> bool:
    """Wait until every port listens (without connecting, so no server process is woken up)."""
    want = set(ports)
    return wait_until(lambda: not alive() or want <= listening_ports(pid), timeout) and alive()
