"""Start-up cost of each command, whole process, against the bare interpreter in the same run.

    python bench/startup.py [--rounds 7] [--src src] [--src /path/to/other/checkout/src]

For each command line it runs a fresh ``python -m smtpdoctor.cli.app …`` per round and reports the best and
median CPU time (user + system, from ``os.wait4``: wall time on a shared machine is mostly other people's
load) and the modules loaded; the peer is ``python -c pass`` (what any Python CLI pays) measured in the
same rounds, interleaved, so the ratio is honest under load. Several ``--src`` trees (e.g. before and after
a change) are measured side by side. ``127.0.0.1:1`` is a resolver that refuses at once.

The "imports" column is the issue's measure of import cost: the sum of the top-level cumulative times that
``python -X importtime`` reports for the whole command (best of the rounds; ``-X importtime`` itself adds
some overhead), **every import counted**. ``-X importtime`` lists a module imported through
``importlib.import_module`` only by the modules its own ``import`` statements load, not by its own body:
the command's module (``cli/app.py`` registers the one command that way), the import steps of
``flows/diagnose.py`` and ``flows/domain.py``, rich's Unicode table. So the child that measures imports runs
the program as the ``smtpdoctor`` script does (``from smtpdoctor.cli.app import run; run()``) behind a
harness (:data:`_HONEST`) that sends ``importlib.import_module`` through ``__import__``, which imports the
same modules in the same order and returns the same module, and which ``-X importtime`` lists. The
harness's own ``import importlib`` (~0.8 ms) is counted: every command but the top-level help imports it
anyway. Children run as an installed package does: with byte-code cached (a private
``PYTHONPYCACHEPREFIX``, warmed once), whatever ``PYTHONDONTWRITEBYTECODE`` says.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys

CASES = {
    "python -c pass (floor)": None,
    "smtpdoctor --help": ["--help"],
    "explain --help": ["explain", "--help"],
    "diagnose --help": ["diagnose", "--help"],
    "explain '550 5.7.1 …'": ["explain", "550 5.7.1 Service unavailable; client host blocked using Spamhaus"],
    "domain example.com (refused resolver)": ["domain", "example.com", "--resolver", "127.0.0.1:1", "--timeout", "1"],
    "blacklist 192.0.2.1 (refused resolver)": ["blacklist", "192.0.2.1", "--resolver", "127.0.0.1:1",
                                               "--timeout", "1"],
    "spf example.com --ip 192.0.2.1 (refused resolver)": ["spf", "example.com", "--ip", "192.0.2.1", "--resolver",
                                                          "127.0.0.1:1", "--timeout", "1"],
    "diagnose 127.0.0.1 --port 1 (refused)": ["diagnose", "127.0.0.1", "--port", "1", "--ports", "", "--domain",
                                              "example.com", "--resolver", "127.0.0.1:1", "--timeout", "1"],
    "diagnose 127.0.0.1 --port 1 (refused) --format json": ["diagnose", "127.0.0.1", "--port", "1", "--ports", "",
                                                            "--domain", "example.com", "--resolver", "127.0.0.1:1",
                                                            "--timeout", "1", "--format", "json"],
    **{f"{name} --help": [name, "--help"] for name in ("spf", "domain", "blacklist", "headers", "reports", "demo",
                                                      "lab", "serve", "watch", "history", "serve-metrics")},
}
_IMPORT = re.compile(r"import time:\s+\d+ \|\s+(\d+) \| (\S)")

# main(), not the module as __main__: the program's entry point (app.run) ends the process at once when done
_COUNT = "import sys; sys.argv = ['smtpdoctor', *sys.argv[1:]]\n" \
         "from smtpdoctor.cli.app import main\n" \
         "try:\n    main()\n" \
         "except SystemExit:\n    pass\nprint(len(sys.modules), file=sys.stderr)"


# For measuring only: import_module(name, package) as ``__import__`` does it, so that -X importtime lists it.
_HONEST = """import importlib, sys
def _import_module(name, package=None):
    level = len(name) - len(name.lstrip("."))
    if level:  # relative to package, as import_module resolves it
        base = package.rsplit(".", level - 1)[0]
        name = f"{base}.{name[level:]}" if name[level:] else base
    __import__(name)
    return sys.modules[name]
importlib.import_module = _import_module
sys.argv = ["smtpdoctor", *sys.argv[1:]]
from smtpdoctor.cli.app import run
run()
"""


def cpu_of(argv: list[str], env: dict) -> float:
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_utime + usage.ru_stime


def imports_of(args: list[str] | None, env: dict) -> float:
    """Seconds of top-level imports (cumulative, as ``-X importtime`` counts them) of one run, every import
    counted (:data:`_HONEST`)."""
    argv = [sys.executable, "-X", "importtime", "-c", "pass"] if args is None else \
        [sys.executable, "-X", "importtime", "-c", _HONEST, *args]
    err = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True).stderr
    return sum(int(m.group(1)) for m in map(_IMPORT.match, err.splitlines()) if m) / 1e6


def modules_of(args: list[str] | None, env: dict) -> int:
    if args is None:
        out = subprocess.run([sys.executable, "-c", "import sys; print(len(sys.modules), file=sys.stderr)"],
                             capture_output=True, text=True, env=env)
    else:
        out = subprocess.run([sys.executable, "-c", _COUNT, *args], capture_output=True, text=True, env=env)
    counts = [line for line in out.stderr.splitlines() if line.strip().isdigit()]
    if not counts:  # the tree's command ended the process before the count was printed
        return -1
    return int(counts[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--src", action="append", help="a source tree to measure (repeatable; default: src)")
    opts = ap.parse_args()
    trees = opts.src or ["src"]
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base.setdefault("PYTHONPYCACHEPREFIX", "/tmp/smtpdoctor-bench-pycache")  # mirrors absolute paths
    envs = {t: dict(base, PYTHONPATH=os.path.abspath(t)) for t in trees}
    samples: dict[tuple[str, str], list[float]] = {}
    imports: dict[tuple[str, str], list[float]] = {}
    for tree in trees:  # warm-up: writes the byte-code cache, as installing the package does
        for args in CASES.values():
            if args is not None:
                subprocess.run([sys.executable, "-m", "smtpdoctor.cli.app", *args], env=envs[tree],
                               capture_output=True)
    for _ in range(opts.rounds):
        for name, args in CASES.items():
            for tree in trees:
                argv = [sys.executable, "-c", "pass"] if args is None else \
                    [sys.executable, "-m", "smtpdoctor.cli.app", *args]
                samples.setdefault((name, tree), []).append(cpu_of(argv, envs[tree]))
                imports.setdefault((name, tree), []).append(imports_of(args, envs[tree]))
    print(f"load average {os.getloadavg()[0]:.2f}, {opts.rounds} rounds, CPU seconds (user+sys) best / median\n")
    floor = {t: min(samples[("python -c pass (floor)", t)]) for t in trees}
    print("| command | tree | CPU best | CPU median | best − floor | imports best (median) | modules |")
    print("|---|---|---|---|---|---|---|")
    for name, args in CASES.items():
        for tree in trees:
            s, i = samples[(name, tree)], imports[(name, tree)]
            print(f"| {name} | {tree} | {min(s):.3f} | {statistics.median(s):.3f} | {min(s) - floor[tree]:.3f} | "
                  f"{min(i):.3f} ({statistics.median(i):.3f}) | {modules_of(args, envs[tree])} |")


if __name__ == "__main__":
    main()
