"""The long fuzz run: ``python -m tests.fuzz --examples 1000000`` (from the repository root, with the
package importable: ``PYTHONPATH=src`` or an installed tree).

Each target of ``targets.TARGETS`` gets an equal share of the inputs. Every input is a random byte
string that Hypothesis turns into a value of the target's strategy (``fuzz_one_input``), so the count is
exact and the run needs no example database. The first undocumented error stops the run with the input
and its traceback; otherwise the run prints one line per target and the total.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from hypothesis import HealthCheck, given, settings

from .targets import TARGETS


def _runner(target):
    @settings(database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(target.strategy)
    def run(value) -> None:
        target.check(value)

    return run.hypothesis.fuzz_one_input


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000, help="inputs in all (default 100000)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random inputs (default 0)")
    parser.add_argument("--only", action="append", choices=sorted(TARGETS), help="fuzz only this target")
    args = parser.parse_args(argv)
    names = args.only or sorted(TARGETS)
    base, extra = divmod(max(args.examples, len(names)), len(names))
    rng = random.Random(args.seed)
    total = 0
    started = time.perf_counter()
    for index, name in enumerate(names):
        share = base + (1 if index < extra else 0)  # the shares add up to --examples exactly
        one = _runner(TARGETS[name])
        t0 = time.perf_counter()
        for _ in range(share):
            one(rng.randbytes(rng.choice((64, 256, 1024, 4096))))
        total += share
        print(f"{name:20} {share:>10} inputs  {time.perf_counter() - t0:8.1f} s  no undocumented error", flush=True)
    print(f"{'all':20} {total:>10} inputs  {time.perf_counter() - started:8.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
