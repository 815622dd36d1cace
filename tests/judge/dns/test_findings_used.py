"""Every finding id the domain checks use is in the catalogue, and the domain command stays light to import."""

import re
from pathlib import Path

import smtpdoctor.judge.dns as topics
from smtpdoctor.core import catalogue

SRC = Path(topics.__file__).parent
PACKAGE = SRC.parents[1]


def test_every_finding_id_used_is_defined():
    used = set()
    for path in list(SRC.glob("*.py")) + [PACKAGE / "flows" / "domain.py", PACKAGE / "net" / "https.py"]:
        used |= set(re.findall(r'make\(\s*"([a-z_]+\.[a-z0-9-]+)"', path.read_text()))
        used |= {f"{area}.lookup-failed" for area in re.findall(r'could_not_test\("([a-z_]+)"', path.read_text())}
        used |= {f"{area}.{what}" for area in re.findall(r'one_record\("([a-z_]+)"', path.read_text())
                 for what in ("lookup-failed", "missing", "several-records")}
    missing = sorted(u for u in used if u not in catalogue.catalogue())
    assert missing == []
    assert len(used) > 60


def test_importing_the_domain_flow_loads_no_heavy_modules():
    import subprocess
    import sys

    code = ("import sys, smtpdoctor.flows.domain, smtpdoctor.cli.commands.domain; "
            "print(sorted(m for m in ('publicsuffixlist', 'cryptography', 'dkim') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
