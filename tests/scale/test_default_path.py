"""Without --workers/--cluster the commands run in-process and never import Dask (no start-up cost)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from scalelab import SRC, ZONES

PROBE = r"""
import json, sys
from smtpdoctor.cli.app import main
sys.argv = ["smtpdoctor", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "dask": sorted(m for m in sys.modules if m == "dask" or m.startswith(("dask.", "distributed")))}), file=sys.stderr)
"""


def _probe(args: list[str]) -> dict:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    proc = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True, text=True,
                          env=env, timeout=120)
    return json.loads(proc.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("command", ["domain", "blacklist", "explain"])
def test_in_process_run_imports_no_dask(command, lab, inputs, tmp_path):
    if command == "domain":
        args = ["domain", "--file", str(inputs["domains"]), "--resolver", lab.address, "--format", "json"]
    elif command == "blacklist":
        args = ["blacklist", "--file", str(inputs["ips"]), "--resolver", lab.address, "--format", "json",
                *[a for z in ZONES for a in ("--dnsbl", z)]]
    else:
        reply = tmp_path / "reply.txt"
        reply.write_text("550 5.1.1 <a@example.com>: Recipient address rejected: User unknown\n")
        args = ["explain", str(reply), "--format", "json"]
    seen = _probe(args)
    assert seen["code"] == 1  # the run did its work (problems found) ...
    assert seen["dask"] == []  # ... without importing Dask


def test_parquet_in_process_imports_no_dask(lab, inputs, tmp_path):
    out = tmp_path / "audit.parquet"
    seen = _probe(["domain", "--file", str(inputs["domains"]), "--resolver", lab.address, "--output", str(out)])
    assert seen == {"code": 1, "dask": []}
    assert out.stat().st_size > 0


def test_workers_do_import_dask(lab, inputs):
    """The probe can see Dask when it is there (so the test above is not blind)."""
    seen = _probe(["domain", "--file", str(inputs["domains"]), "--resolver", lab.address, "--format", "json",
                   "--workers", "1"])
    assert seen["code"] == 1
    assert "distributed" in seen["dask"]
