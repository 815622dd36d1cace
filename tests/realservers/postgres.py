"""PostgreSQL of the test's own: ``initdb`` into a private directory, ``postgres`` on a loopback port,
trust authentication for one role, stopped by pid at the end.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user of the Debian
package (or ``nobody``), set in the child before exec (``subprocess``'s ``user=``), so the pid we stop
is the postmaster itself. Debian installs the binaries under ``/usr/lib/postgresql/<version>/bin``.
"""

from __future__ import annotations

import glob
import os
import pwd
from dataclasses import dataclass
from pathlib import Path

from ._proc import Daemon, ServerUnavailable, free_port, is_root, private_dir, remove_dir, run, wait_listening

__all__ = ["PostgresServer", "start_postgres", "postgres_bin"]

ROLE = "smtpdoctor"
DATABASE = "watch"


def postgres_bin() -> Path | None:
    """The newest Debian PostgreSQL's bin directory, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


@dataclass
class PostgresServer:
    directory: Path
    port: int
    daemon: Daemon

    @property
    def url(self) -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{DATABASE}"

    def stop(self) -> None:
        self.daemon.stop(timeout=10)
        remove_dir(self.directory)


class _UserDaemon(Daemon):
    user: str | None = None

    def start(self) -> "Daemon":
        import subprocess

        from . import _proc

        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(list(self.argv), stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True, user=self.user,
                                         env=self.env)
        finally:
            log.close()
        _proc._RUNNING.append(self)
        return self


def _account() -> str | None:
    if not is_root():
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise ServerUnavailable("no unprivileged user (postgres or nobody) to run PostgreSQL as")


def start_postgres() -> PostgresServer:
    bindir = postgres_bin()
    if bindir is None:
        raise ServerUnavailable("PostgreSQL not installed (apt-get install postgresql)")
    user = _account()
    directory = private_dir("postgres")
    data = directory / "data"
    uid = pwd.getpwnam(user).pw_uid if user else os.getuid()
    os.chown(directory, uid, -1)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8", "HOME": str(directory)}
    argv = [str(bindir / "initdb"), "-D", str(data), "-U", ROLE, "--auth=trust", "-E", "UTF8", "--no-sync"]
    try:
        run(argv, user=user, env=env, cwd=str(directory), timeout=120)
    except ServerUnavailable:
        remove_dir(directory)
        raise
    port = free_port()
    daemon = _UserDaemon("postgres", [str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(directory),
                                      "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
                         directory / "postgres.log", env=env)
    daemon.user = user
    daemon.start()
    server = PostgresServer(directory=directory, port=port, daemon=daemon)
    if not wait_listening([port], timeout=30, alive=daemon.alive):
        err = daemon.fail("did not listen")
        server.stop()
        raise err
    run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", ROLE, DATABASE], user=user, env=env)
    return server
