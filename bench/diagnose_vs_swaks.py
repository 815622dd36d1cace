"""smtpdoctor diagnose against swaks, side by side in one run, on the lab's servers (loopback only).

Three measurements, each a ratio printed at the end:

1. **One port DROPped.** A lab host answers on 25, 465 and 587 and silently drops SYNs on 2525 (the lab's
   ``filtered`` fault: a real kernel-level drop). swaks checks the four ports one after another (what a
   person does with it), each with the same connect timeout; smtpdoctor sweeps them all at once.
   Target: smtpdoctor's whole diagnosis within about one connect timeout.
2. **A full STARTTLS walk of a healthy server** with Internet-like round trips (every server reply waits
   ``RTT`` seconds; this kernel has no netem): swaks does connect, EHLO, STARTTLS, EHLO, AUTH, MAIL, RCPT
   in one pass; smtpdoctor does that plus the sweep of the other ports, the certificate checks and the
   sending domain's DNS audit (lab DNS with the same delay). Target: no slower than swaks' single pass.
3. **Start-up:** ``smtpdoctor --help``. Target: under 150 ms.

Run: ``.venv/bin/python bench/diagnose_vs_swaks.py [--rtt 0.05] [--timeout 5] [--repeat 3]``.
Whole processes are timed (start-up included), medians of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from smtpdoctor.lab.background import in_background  # noqa: E402
from smtpdoctor.lab.faults import LAB_PASSWORD, LAB_USER, Fault  # noqa: E402
from smtpdoctor.lab.smtp_server import LabHost  # noqa: E402
from smtpdoctor.lab.world import LabWorld  # noqa: E402

SMTPDOCTOR = [sys.executable, "-m", "smtpdoctor.cli.app"]


def lab(ports, *, rtt: float):
    """The lab host and its DNS world, on their own loop in a thread (subprocesses talk to them)."""
    return in_background(LabHost(ports), LabWorld(delay=rtt / 2))


def timed(argv, env=None) -> tuple[float, int, str]:
    start = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    return time.perf_counter() - start, out.returncode, out.stdout + out.stderr


LAST_TIMES: list[float] = []  # every run of median_time, in order (printed for min/median)


def median_time(make_argv, repeat: int, env=None) -> tuple[float, str]:
    times, last = [], ""
    for _ in range(repeat):
        t, _, last = timed(make_argv(), env)
        times.append(t)
    LAST_TIMES.extend(times)
    return statistics.median(times), last


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rtt", type=float, default=0.05)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--walk-only", action="store_true", help="only the healthy STARTTLS walk (2.) and start-up")
    args = ap.parse_args()
    if not shutil.which("swaks"):
        print("swaks is not installed (Debian package swaks)", file=sys.stderr)
        return 2
    # As installed: byte-code cached (this sandbox sets PYTHONDONTWRITEBYTECODE, which would make every
    # smtpdoctor process recompile its sources); one warm-up run fills the cache.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["SMTPDOCTOR_LAB_PASSWORD"] = LAB_PASSWORD
    env["PYTHONPATH"] = str(ROOT / "src")  # this tree's sources, not whatever copy is installed
    env.setdefault("PYTHONPYCACHEPREFIX", "/tmp/smtpdoctor-bench-pycache")
    subprocess.run(SMTPDOCTOR + ["--help"], env=env, capture_output=True)
    subprocess.run([sys.executable, "-c", "import smtpdoctor.flows.diagnose, smtpdoctor.flows.domain, smtpdoctor.flows.blacklist, "
                    "smtpdoctor.cli.app; smtpdoctor.cli.app.build_app()"], env=env, capture_output=True)
    results = []

    if not args.walk_only:
        one_dropped_and_three(args, env, results)
    healthy_walk(args, env, results)
    start_up(env, results)
    print(f"{'measurement':45} {'smtpdoctor':>11} {'swaks':>9} {'swaks/smtpdoctor':>17}")
    for name, ours_t, swaks_t, note in results:
        print(f"{name:45} {ours_t:10.2f}s {swaks_t:8.2f}s {swaks_t / ours_t:16.2f}x   {note}")
    return 0


def one_dropped_and_three(args, env, results) -> None:
    # 1. one port dropped ---------------------------------------------------------------------------
    healthy = (Fault.starttls(), Fault.auth(tls_only=True))
    ports = {25: (Fault.starttls(),), 465: (Fault.implicit_tls(), Fault.auth()), 587: healthy,
             2525: (Fault.filtered(),)}
    with lab(ports, rtt=0.0) as (h, world):
        p = h.port_map
        sweep = ",".join(str(p[n]) for n in (25, 465, 2525))

        def ours():
            return SMTPDOCTOR + ["diagnose", h.address, "--port", str(p[587]), "--ports", sweep, "--timeout",
                                 str(args.timeout), "--ca-file", str(h.ca_file), "--format", "json"]

        t_ours, out = median_time(ours, args.repeat, env)
        assert '"firewall' in out or '"port' in out or '"ok"' in out, out[-500:]

        def swaks_all():
            total = 0.0
            for nominal, mode in ((25, []), (465, ["--tlsc"]), (587, ["--tls"]), (2525, [])):
                t, _, _ = timed(["swaks", "--server", h.address, "--port", str(p[nominal]), "--quit-after", "EHLO",
                                 "--timeout", str(int(args.timeout)), *mode])
                total += t
            return total

        t_swaks = statistics.median(swaks_all() for _ in range(args.repeat))
        results.append(("one port DROPped: 4 ports probed", t_ours, t_swaks,
                        f"target: smtpdoctor ≤ ~{args.timeout:.0f} s (one connect timeout) + start-up"))

    # 1b. three ports dropped (an office firewall that lets only 587 out) -----------------------------
    ports = {25: (Fault.filtered(),), 465: (Fault.filtered(),), 587: healthy, 2525: (Fault.filtered(),)}
    with lab(ports, rtt=0.0) as (h, world):
        p = h.port_map
        sweep = ",".join(str(p[n]) for n in (25, 465, 2525))
        t_ours, out = median_time(ours, args.repeat, env)

        t_swaks = statistics.median(swaks_all() for _ in range(args.repeat))
        results.append(("three ports DROPped: 4 ports probed", t_ours, t_swaks,
                        f"target: smtpdoctor ≤ ~{args.timeout:.0f} s; swaks pays one timeout per port"))



def healthy_walk(args, env, results) -> None:
    # 2. healthy STARTTLS walk with round trips -----------------------------------------------------
    ports = {587: (Fault.starttls(), Fault.auth(tls_only=True), Fault.rtt(args.rtt)),
             465: (Fault.implicit_tls(), Fault.auth(), Fault.rtt(args.rtt)),
             25: (Fault.starttls(), Fault.rtt(args.rtt)), 2525: (Fault.refuse(),)}
    with lab(ports, rtt=args.rtt) as (h, world):
        p = h.port_map
        sweep = ",".join(str(p[n]) for n in (25, 465, 2525))

        def ours_walk():
            return SMTPDOCTOR + ["diagnose", h.address, "--port", str(p[587]), "--security", "starttls",
                                 "--user", LAB_USER, "--password-env", "SMTPDOCTOR_LAB_PASSWORD", "--from", LAB_USER,
                                 "--to", "someone@example.net", "--ports", sweep, "--ca-file", str(h.ca_file),
                                 "--resolver", world.resolver, "--dnsbl", world.dnsbl_zones[0],
                                 "--timeout", str(args.timeout), "--format", "json"]

        def swaks_walk():
            return ["swaks", "--server", h.address, "--port", str(p[587]), "--tls", "--auth", "PLAIN",
                    "--auth-user", LAB_USER, "--auth-password", LAB_PASSWORD, "--from", LAB_USER,
                    "--to", "someone@example.net", "--quit-after", "RCPT", "--timeout", str(int(args.timeout))]

        t_ours, out = median_time(ours_walk, args.repeat, env)
        assert '"auth.ok"' in out, out[-800:]
        t_swaks, out_s = median_time(swaks_walk, args.repeat)
        assert "235" in out_s, out_s[-800:]
        ours_runs, swaks_runs = LAST_TIMES[-2 * args.repeat:-args.repeat], LAST_TIMES[-args.repeat:]
        print(f"walk: smtpdoctor {', '.join(f'{t:.2f}' for t in ours_runs)} s; "
              f"swaks {', '.join(f'{t:.2f}' for t in swaks_runs)} s")
        results.append((f"healthy STARTTLS walk, RTT {args.rtt * 1000:.0f} ms", t_ours, t_swaks,
                        "target: smtpdoctor ≤ swaks' single pass (smtpdoctor also sweeps 3 ports and audits DNS)"))



def start_up(env, results) -> None:
    # 3. start-up ------------------------------------------------------------------------------------
    exe = ROOT / ".venv" / "bin" / "smtpdoctor"
    if not exe.exists():
        exe = Path(sys.executable).with_name("smtpdoctor")
    t_help = statistics.median(timed([str(exe), "--help"], env)[0] for _ in range(5))
    t_swaks_help = statistics.median(timed(["swaks", "--help"])[0] for _ in range(5))
    results.append(("--help start-up", t_help, t_swaks_help, "target: smtpdoctor < 150 ms"))


if __name__ == "__main__":
    sys.exit(main())
