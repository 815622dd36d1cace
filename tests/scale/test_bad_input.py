"""Bad input in a bulk run: a bad line is reported once, with its line number, and the rest goes on; the
exit status is that of the whole run; bad options are one line and exit 2."""

from __future__ import annotations

import pytest

from scalelab import ZONES, ip, records, smtpdoctor

pytestmark = pytest.mark.realserver


def test_bad_lines_reported_once_with_line_numbers_rest_continues(lab, tmp_path):
    file = tmp_path / "ips.txt"
    good = [ip(n) for n in range(30)]
    lines = good[:10] + ["300.1.1.1"] + good[10:20] + ["192.0.2.0/8"] + good[20:]
    data = ("\n".join(lines) + "\n").encode() + b"\xff\xfe not utf-8\n" + (ip(30) + "\n").encode()
    file.write_bytes(data)
    run = smtpdoctor("blacklist", "--file", str(file), "--resolver", lab.address, "--format", "json",
                     *[a for z in ZONES for a in ("--dnsbl", z)], "--workers", "2", "--partition-size", "4")
    assert run.returncode == 2  # bad input in the run, though listed addresses were found too
    errors = run.stderr.splitlines()
    assert errors == [
        f"smtpdoctor: bad input: {file}, line 11: '300.1.1.1' is not a valid IPv4 address: each part must be a "
        "number from 0 to 255, without leading zeros",
        f"smtpdoctor: bad input: {file}, line 22: 192.0.2.0/8 holds 16,777,216 addresses; the largest range "
        "looked up is /24 (256 addresses): split it into /24 ranges",
        f"smtpdoctor: bad input: {file}, line 33: not UTF-8 text",
    ]
    assert [o["value"] for o in records(run.stdout)] == good + [ip(30)]


@pytest.mark.parametrize("args, message", [
    (["--workers", "0"], "--workers must be between 1 and 256"),
    (["--workers", "2", "--cluster", "tcp://127.0.0.1:8786"], "not both"),
    (["--cluster", "127.0.0.1:8786"], "is not a scheduler address"),
    (["--output", "out.csv"], "ending in .parquet"),
    (["--workers", "2", "--format", "text"], "add --format json"),
    (["--partition-size", "5"], "--partition-size goes with --workers or --cluster"),
])
def test_bad_scale_options_one_line_exit_2(args, message, inputs):
    fmt = [] if "--format" in args else ["--format", "json"]
    run = smtpdoctor("domain", "--file", str(inputs["domains"]), *fmt, *args)
    assert run.returncode == 2
    assert len(run.stderr.splitlines()) == 1 and message in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""


def test_unreachable_scheduler_one_line_exit_2(inputs):
    from realservers._proc import free_port

    run = smtpdoctor("domain", "--file", str(inputs["domains"]), "--format", "json",
                     "--cluster", f"tcp://127.0.0.1:{free_port()}")
    assert run.returncode == 2
    assert run.stderr.startswith("smtpdoctor: error: cannot reach the Dask scheduler at tcp://127.0.0.1:")
    assert len(run.stderr.splitlines()) == 1


def test_missing_file_one_line_before_any_cluster_starts(tmp_path):
    run = smtpdoctor("blacklist", "--file", str(tmp_path / "nope.txt"), "--workers", "2", "--format", "json")
    assert (run.returncode, run.stderr) == (2, f"smtpdoctor: error: {tmp_path / 'nope.txt'}: no such file\n")
