"""Benchmark: ``smtpdoctor explain`` against sisimai (Debian's libsisimai-perl), whole process, same corpus.

    python bench/explain_vs_sisimai.py [--runs 5] [--mbox-messages 100000] [--src OLD/src --src src]

1. Speed: both tools read the 405 bounces of tests/data/bounces/sisimai/eml in one process each
   (smtpdoctor: ``smtpdoctor explain --format json FILES``; sisimai: ``bench/explain_sisimai.pl -q FILES``,
   Sisimai->make). Runs alternate; CPU time (user+sys of the child: the median and the best of the rounds) is
   the figure that survives a busy machine; wall time (median) is shown too. Ratio = smtpdoctor messages/s /
   sisimai messages/s, by median CPU. The same over one mbox holding the corpus ten times (4,050 messages):
   start-up cost no longer dominates. ``--src`` (repeatable) names source trees to run side by side in the
   same rounds (e.g. main's and a branch's: before and after), each with its own bytecode cache; their JSON
   lines over the files and over the mbox are compared byte for byte.
2. Agreement with the corpus's expected.json (sisimai v5's answers) for smtpdoctor and for sisimai 4.25.
3. Memory: smtpdoctor over an mbox of N messages (built by cycling the corpus) and of N/10: peak RSS of the
   whole process should not grow with N.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = ROOT / "tests" / "data" / "bounces" / "sisimai"
PERL = HERE / "explain_sisimai.pl"


# Children run this tree's sources (not whatever copy is installed), as an installed package does: with
# compiled bytecode (this sandbox sets PYTHONDONTWRITEBYTECODE, which would make every run recompile
# smtpdoctor from source), cached in a private directory.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
ENV["PYTHONPATH"] = str(ROOT / "src")
ENV.setdefault("PYTHONPYCACHEPREFIX", "/tmp/smtpdoctor-bench-pycache")  # mirrors absolute paths: trees do not mix
TREES: list[str] = [str(ROOT / "src")]  # --src: the source trees compared


def run(cmd: list[str], stdout=subprocess.DEVNULL, src: str | None = None) -> tuple[float, float, int]:
    """(wall seconds, child CPU seconds, peak RSS KiB) of one whole process."""
    env = ENV if src is None else {**ENV, "PYTHONPATH": src}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL, env=env)
    _pid, _status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def ours_cmd(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "smtpdoctor.cli.app", "explain", "--format", "json", "--no-progress", *args]


def sisimai_cmd(files: list[str]) -> list[str]:
    return ["perl", str(PERL), "-q", *files]


def _label(src: str, suffix: str = "") -> str:
    return ("smtpdoctor" if len(TREES) == 1 else f"smtpdoctor[{src}]") + suffix


def _rows(n: int, named: dict[str, list[tuple[float, float, int]]]) -> dict:
    out = {}
    for name, rows in named.items():
        cpu = statistics.median(r[1] for r in rows)
        wall = statistics.median(r[0] for r in rows)
        out[name] = {"cpu_s": cpu, "cpu_best_s": min(r[1] for r in rows), "wall_s": wall,
                     "msgs_per_s_cpu": n / cpu, "msgs_per_s_wall": n / wall, "rss_kib": max(r[2] for r in rows),
                     "cpu_rounds": [round(r[1], 3) for r in rows]}
    return out


def speed(files: list[str], runs: int) -> dict:
    for src in TREES:
        run(ours_cmd(files[:1]), src=src)  # warm-up: writes the bytecode cache, as installing the package does
    named: dict[str, list] = {_label(src): [] for src in TREES}
    named["sisimai"] = []
    for _ in range(runs):
        for src in TREES:
            named[_label(src)].append(run(ours_cmd(files), src=src))
        named["sisimai"].append(run(sisimai_cmd(files)))
    return _rows(len(files), named)


def bulk(files: list[str], copies: int, runs: int) -> dict:
    named: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as tmp:
        mbox = Path(tmp) / "bulk.mbox"
        build_mbox(mbox, files, len(files) * copies)
        for _ in range(runs):
            for src in TREES:
                named.setdefault(_label(src), []).append(run(ours_cmd([str(mbox)]), src=src))
                named.setdefault(_label(src, " -j1"), []).append(run(ours_cmd(["--jobs", "1", str(mbox)]), src=src))
            named.setdefault("sisimai", []).append(run(sisimai_cmd([str(mbox)])))
    return _rows(len(files) * copies, named)


def same_output(args: list[str]) -> str:
    """Whether every --src tree writes the same JSON lines for ``args`` (byte for byte): a speed-up must not
    change an answer."""
    outputs = {}
    for src in TREES:
        proc = subprocess.run(ours_cmd(args), capture_output=True, env={**ENV, "PYTHONPATH": src})
        outputs[src] = proc.stdout
    first = outputs[TREES[0]]
    differ = [src for src, out in outputs.items() if out != first]
    lines = first.count(b"\n")
    return f"identical ({lines} lines)" if not differ else f"DIFFERENT in {', '.join(differ)} from {TREES[0]}"


def _report(rows: dict) -> None:
    theirs = rows["sisimai"]["msgs_per_s_cpu"]
    for name, row in rows.items():
        ratio = "" if name == "sisimai" else f"   {row['msgs_per_s_cpu'] / theirs:.2f}x sisimai"
        print(f"  {name:<24} {row['msgs_per_s_cpu']:7.0f} msgs/s CPU (median {row['cpu_s']:.2f} s, best "
              f"{row['cpu_best_s']:.2f} s)   {row['msgs_per_s_wall']:7.0f} msgs/s wall ({row['wall_s']:.2f} s)   "
              f"peak RSS {row['rss_kib'] // 1024} MiB{ratio}")
        print(f"  {'':<24} CPU per round: {row['cpu_rounds']}")


def agreement(expected: dict, answers: dict[str, list[tuple[str, str, str]]]) -> dict:
    n = r = s = c = 0
    for name, want in expected.items():
        got = answers.get(name, [])
        for i, w in enumerate(want):
            n += 1
            g = got[i] if i < len(got) else (None, None, None)
            r += g[0] == w["reason"]
            s += g[1] == w["status"]
            c += g[2] == w["replycode"]
    return {"recipients": n, "reason": r / n, "status": s / n, "replycode": c / n}


def ours_answers(files: list[str]) -> dict:
    sys.path.insert(0, str(ROOT / "src"))
    from smtpdoctor.flows.explain import explain_message

    out = {}
    for f in files:
        e = explain_message(Path(f).read_bytes(), f)
        out[Path(f).name] = [(r.explanation.reason, r.explanation.status, r.explanation.replycode) for r in e.results]
    return out


def sisimai_answers(files: list[str]) -> dict:
    proc = subprocess.run(["perl", str(PERL), *files], capture_output=True, text=True, check=True)
    out = {}
    for line in proc.stdout.splitlines():
        o = json.loads(line)
        out[Path(o["file"]).name] = [(r["reason"], r["status"] or "", str(r["replycode"] or ""))
                                     for r in o["results"]]
    return out


def build_mbox(path: Path, files: list[str], count: int) -> None:
    bodies = []
    for f in files:
        data = Path(f).read_bytes().replace(b"\r\n", b"\n")
        if data.startswith(b"From "):
            data = data.split(b"\n", 1)[1]
        lines = [b">" + ln if ln.startswith(b"From ") else ln for ln in data.split(b"\n")]
        bodies.append(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2024\n" + b"\n".join(lines).rstrip(b"\n") + b"\n\n")
    with path.open("wb") as fh:
        for i in range(count):
            fh.write(bodies[i % len(bodies)])


def memory(files: list[str], count: int) -> dict:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (count // 10, count):
            mbox = Path(tmp) / f"bounces-{n}.mbox"
            build_mbox(mbox, files, n)
            wall, cpu, rss = run(ours_cmd([str(mbox)]), src=TREES[-1])
            out[n] = {"bytes": mbox.stat().st_size, "wall_s": wall, "cpu_s": cpu, "rss_kib": rss,
                      "msgs_per_s_cpu": n / cpu}
            mbox.unlink()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mbox-messages", type=int, default=100_000, help="0 skips the memory run")
    ap.add_argument("--bulk-copies", type=int, default=10, help="corpus copies in the bulk mbox (0 skips)")
    ap.add_argument("--src", action="append", help="a source tree to run (repeatable; default: this tree's src)")
    args = ap.parse_args()
    if args.src:
        TREES[:] = [str(Path(p).resolve()) for p in args.src]
    files = sorted(str(p) for p in (CORPUS / "eml").glob("*.eml"))
    if not files:
        print(f"corpus not found under {CORPUS}", file=sys.stderr)
        return 2
    expected = json.loads((CORPUS / "expected.json").read_text())
    print(f"corpus: {len(files)} messages, {sum(len(v) for v in expected.values())} recipients; "
          f"cores: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")

    print(f"\nspeed over {len(files)} files, whole process, {args.runs} rounds (ratio by median CPU time):")
    _report(speed(files, args.runs))

    if args.bulk_copies:
        print(f"\nspeed over one mbox of {len(files) * args.bulk_copies} messages, whole process "
              f"(default --jobs, and -j1), {args.runs} rounds:")
        _report(bulk(files, args.bulk_copies, args.runs))
    if len(TREES) > 1:
        print(f"\nJSON lines of the trees over the {len(files)} files: {same_output(files)}")
        if args.bulk_copies:
            with tempfile.TemporaryDirectory() as tmp:
                mbox = Path(tmp) / "same.mbox"
                build_mbox(mbox, files, len(files) * args.bulk_copies)
                print(f"JSON lines of the trees over the mbox: {same_output(['--jobs', '1', str(mbox)])}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    a_ours = agreement(expected, ours_answers(files))
    a_them = agreement(expected, sisimai_answers(files))
    print("\nagreement with expected.json (sisimai v5's answers), per recipient:")
    for name, a in (("smtpdoctor", a_ours), ("sisimai 4.25", a_them)):
        print(f"  {name:<12} reason {a['reason']:.1%}  status {a['status']:.1%}  replycode {a['replycode']:.1%}")

    if args.mbox_messages:
        m = memory(files, args.mbox_messages)
        print("\nmemory, smtpdoctor over one mbox (whole process):")
        for n, row in m.items():
            print(f"  {n:>7} messages, {row['bytes'] / 1e6:6.1f} MB: peak RSS {row['rss_kib'] / 1024:.0f} MiB, "
                  f"{row['msgs_per_s_cpu']:.0f} msgs/s CPU, {row['wall_s']:.0f} s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
