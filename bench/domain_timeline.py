"""Benchmark: where `smtpdoctor domain`'s first round trip goes, tree against tree, in the same rounds.

    python bench/domain_timeline.py [--rtt 0.05] [--repeat 15] [--imports] --src OLD/src --src src

Each run is a fresh `python -m smtpdoctor.cli.app domain D --resolver LAB --format json` (byte code cached, as
an installed package has it) against the lab zone of ``bench/domain_vs_checkdmarc.py``, with a probe that
timestamps the process's UDP sends and reads (wall clock and the process's CPU time): the first datagram,
the first answer read, the second round (the first question sent after an answer was read), the third round
(the first question sent after an answer of the second round was read: how long after the last answer read
before it it left), the end. The
critical path is three round trips; the whole process can approach it only when the second round leaves
about one round trip after the first datagram, i.e. when the CPU spent in between (the imports the audit
needs to read its first answers) fits in that round trip. Median and best of ``--repeat`` runs per tree (the
first run of each tree, which writes the byte code, is left out).

``--imports`` also timestamps every import (a meta path finder that records and declines: it makes every
import a little slower, so the absolute figures are higher) and prints, for the fastest run of each tree,
the modules loaded between the first datagram and the second round.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import domain_vs_checkdmarc as lab_bench  # noqa: E402 (the lab zone, its server and the trees' environment)

PROBE = r"""
import json, socket, sys, time
T0, out, imports = time.perf_counter(), sys.argv[1], sys.argv[2] == "1"
events = [(0.0, "start", time.time(), 0.0)]  # the wall clock, to place the probe within the parent's timing

class Seen:  # records an import's start, then lets the usual finders find it
    def find_spec(self, name, path=None, target=None):
        if name not in sys.modules:
            events.append((time.perf_counter() - T0, "import", name, None))

if imports:
    sys.meta_path.insert(0, Seen())
_send, _recv = socket.socket.send, socket.socket.recv

def send(self, data, *args):
    events.append((time.perf_counter() - T0, "send", len(data), time.process_time()))
    return _send(self, data, *args)

def recv(self, *args):
    data = _recv(self, *args)
    events.append((time.perf_counter() - T0, "recv", len(data), time.process_time()))
    return data

socket.socket.send, socket.socket.recv = send, recv
import atexit, runpy
atexit.register(lambda: json.dump(events + [(time.perf_counter() - T0, "end", 0, time.process_time())],
                                  open(out, "w")))
sys.argv = ["smtpdoctor", *sys.argv[3:]]
try:
    runpy.run_module("smtpdoctor.cli.app", run_name="__main__")
except SystemExit:
    pass
"""


def one_run(lab, tree: str, imports: bool, folder: str, n: int) -> list:
    path = f"{folder}/run{n}.json"
    spawned = time.time()
    subprocess.run([sys.executable, "-c", PROBE, path, "1" if imports else "0", "domain", "--resolver", lab.address,
                    "--format", "json", "--timeout", "2", lab_bench.domain_name(0)],
                   env=lab_bench.tree_env(tree), capture_output=True, timeout=60, check=True)
    exited = time.time()
    lab.take_count()
    events = json.loads(Path(path).read_text())
    started = events[0][2]
    return events + [((started - spawned) * -1, "spawned", 0, 0.0), (exited - started, "exited", 0, 0.0)]


def phases(events: list, rtt: float) -> dict:
    """ms from the probe's start: first datagram, first answer read, the second round, the end; CPU too."""
    io = [e for e in events if e[1] in ("send", "recv", "end")]
    first = io[0]
    read = next(e for e in io if e[1] == "recv")
    second = next(e for e in io[io.index(read):] if e[1] == "send")
    # the third round: the first question sent after an answer of the second round was read (a read at least
    # half a round trip after the second round: not a first answer read late), and the last read before it
    read2 = next((e for e in io[io.index(second):] if e[1] == "recv" and e[0] - second[0] > rtt / 2), None)
    third = next((e for e in io[io.index(read2):] if e[1] == "send"), None) if read2 else None
    last_read = max((e for e in io if e[1] == "recv" and third and e[0] <= third[0]), key=lambda e: e[0], default=None)
    final_read = max(e[0] for e in io if e[1] == "recv")
    spawned = next(e[0] for e in events if e[1] == "spawned")
    exited = next(e[0] for e in events if e[1] == "exited")
    return {"last_to_end": (io[-1][0] - final_read) * 1000, "exit_tail": (exited - io[-1][0]) * 1000,
            "before_probe": -spawned * 1000, "whole": (exited - spawned) * 1000,
            "first": first[0] * 1000, "read": read[0] * 1000, "second": second[0] * 1000, "end": io[-1][0] * 1000,
            "cpu_first": first[3] * 1000, "cpu_between": (second[3] - first[3]) * 1000,
            "third_lag": (third[0] - last_read[0]) * 1000 if third else None,
            "third": third[0] * 1000 if third else None, "events": events}


def show(tree: str, runs: list[dict], rtt_ms: float, imports: bool) -> None:
    def line(label: str, values: list[float]) -> str:
        return f"{label} {statistics.median(values):6.1f} ms (best {min(values):6.1f})"

    print(f"  {tree}:")
    print("     " + line("first datagram at", [r["first"] for r in runs]) + ", CPU by then "
          f"{statistics.median(r['cpu_first'] for r in runs):.1f} ms (interpreter included)")
    print("     " + line("first datagram -> second round", [r["second"] - r["first"] for r in runs])
          + f" (the round trip: {rtt_ms:.1f} ms)")
    print("     " + line("CPU between them", [r["cpu_between"] for r in runs]))
    print("     " + line("first answer read, after the first datagram", [r["read"] - r["first"] for r in runs]))
    lags = [r["third_lag"] for r in runs if r["third_lag"] is not None]
    if lags:
        print("     " + line("second round -> third round", [r["third"] - r["second"] for r in runs if r["third"]])
              + f" (the round trip: {rtt_ms:.1f} ms)")
        print("     " + line("the answer read -> the third round's first question", lags))
    print("     " + line("probe start -> end", [r["end"] for r in runs]))
    print("     " + line("the last answer read -> end (atexit)", [r["last_to_end"] for r in runs]))
    print("     " + line("spawn -> probe start", [r["before_probe"] for r in runs]) + ", "
          + line("end -> exit seen by the parent", [r["exit_tail"] for r in runs]))
    print("     " + line("spawn -> exit (the whole process)", [r["whole"] for r in runs]))
    if imports:
        best = min(runs, key=lambda r: r["end"])
        loaded = [e[2] for e in best["events"] if e[1] == "import" and best["first"] <= e[0] * 1000 <= best["second"]]
        print(f"     loaded between them in the fastest run ({len(loaded)}): {', '.join(loaded)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rtt", type=float, default=0.05, help="seconds every DNS answer waits (default 0.05)")
    parser.add_argument("--repeat", type=int, default=15, help="runs per tree (default 15)")
    parser.add_argument("--imports", action="store_true", help="also timestamp imports (slower imports)")
    parser.add_argument("--src", action="append", required=True, help="a source tree (repeatable)")
    args = parser.parse_args()
    lab = lab_bench.LabProcess(lab_bench.zones(1), args.rtt)
    runs: dict[str, list[dict]] = {tree: [] for tree in args.src}
    try:
        rtt_ms = lab_bench.measured_rtt(lab) * 1000
        with tempfile.TemporaryDirectory(prefix="smtpdoctor-timeline-") as folder:
            for n in range(args.repeat + 1):
                for tree in args.src:
                    events = one_run(lab, tree, args.imports, folder, n)
                    if n:  # the first run of each tree writes its byte code
                        runs[tree].append(phases(events, rtt_ms / 1000))
    finally:
        lab.close()
    print(f"one domain, {args.repeat} runs per tree, round trip {rtt_ms:.1f} ms, milliseconds from the probe's start "
          "(the interpreter's own start, ~10 ms, is before it)")
    for tree, tree_runs in runs.items():
        show(tree, tree_runs, rtt_ms, args.imports)


if __name__ == "__main__":
    main()
