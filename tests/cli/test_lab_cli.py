"""``smtpdoctor lab``: the lab stays up, the printed commands diagnose it as the scenario says, Ctrl-C stops it."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time

from smtpdoctor.lab.scenarios import SCENARIOS, scenario

CLI = [sys.executable, "-m", "smtpdoctor.cli.app"]


def _cli_env() -> dict:
    env = dict(os.environ)
    src = os.path.join(os.path.dirname(__file__), "..", "..", "src")
    env["PYTHONPATH"] = os.pathsep.join([os.path.abspath(src), env.get("PYTHONPATH", "")])
    return env


def test_list_names_every_scenario_with_its_cause():
    out = subprocess.run([*CLI, "lab", "--list"], capture_output=True, text=True, env=_cli_env(), timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == len(SCENARIOS)
    first = lines[0].split()
    assert first[0] == SCENARIOS[0].name and first[1] == SCENARIOS[0].expect_category.value


def test_unknown_scenario_is_one_line_exit_2():
    out = subprocess.run([*CLI, "lab", "--scenario", "no-such"], capture_output=True, text=True, env=_cli_env(),
                         timeout=60)
    assert out.returncode == 2 and "lab --list" in out.stderr and "Traceback" not in out.stderr


def _read_until_ready(proc, deadline: float) -> list[str]:
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if "scenarios are up" in line:
            return lines
    raise AssertionError(f"the lab did not come up: {lines}")


def _run_printed(command: str) -> subprocess.CompletedProcess:
    words = shlex.split(command)
    env = _cli_env()
    while "=" in words[0] and not words[0].startswith("-"):
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    assert words[0] == "smtpdoctor"
    return subprocess.run([*CLI, *words[1:], "--format", "json"], capture_output=True, text=True, env=env,
                          timeout=60)


def test_printed_commands_diagnose_the_running_lab_then_ctrl_c_stops_it():
    names = ["auth-wrong-password", "healthy-submission"]
    proc = subprocess.Popen([*CLI, "lab", *[a for n in names for a in ("--scenario", n)]], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_cli_env())
    try:
        lines = _read_until_ready(proc, time.monotonic() + 60)
        commands = {}
        for i, line in enumerate(lines):
            if line.startswith("# ") and ":" in line and i + 1 < len(lines):
                commands[line[2:].split(":", 1)[0].removeprefix("the lab's DNS world").strip() or "world:"
                         + line.rsplit(" ", 1)[1]] = lines[i + 1]
        for name in names:
            result = _run_printed(commands[name])
            report = json.loads(result.stdout)
            assert (report["verdict"]["finding"] or "ok") == scenario(name).expect_finding, (name, result.stderr)
        domain = _run_printed(commands["world:domain"])
        assert json.loads(domain.stdout.splitlines()[0])["domain"] == "lab.test", domain.stderr
        listed = _run_printed(commands["world:blacklist"])
        assert listed.returncode == 1 and '"listed"' in listed.stdout, listed.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "lab stopped" in out and "Traceback" not in err
