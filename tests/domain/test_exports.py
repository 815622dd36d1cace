"""The public surface of the domain audit and that every finding id the checks use is in the catalogue."""

import re
from pathlib import Path

import smtpdoctor.domain as domain
from smtpdoctor import catalogue

SRC = Path(domain.__file__).parent


def test_exported_names():
    assert sorted(domain.__all__) == sorted([
        "audit_domain", "DomainAudit", "SCHEMA", "ChecklistRow", "build_checklist", "BadDomain",
        "NormalisedDomain", "normalise_domain"])
    for name in domain.__all__:
        assert getattr(domain, name) is not None


def test_every_finding_id_used_is_defined():
    used = set()
    for path in list(SRC.glob("*.py")) + [SRC.parent / "probes" / "mta_sts_fetch.py"]:
        used |= set(re.findall(r'make\(\s*"([a-z_]+\.[a-z0-9-]+)"', path.read_text()))
        used |= {f"{area}.lookup-failed" for area in re.findall(r'could_not_test\("([a-z_]+)"', path.read_text())}
    missing = sorted(u for u in used if u not in catalogue.catalogue())
    assert missing == []
    assert len(used) > 60


def test_importing_the_package_loads_no_heavy_modules():
    import subprocess
    import sys

    code = ("import sys, smtpdoctor.domain, smtpdoctor.cli.commands.domain; "
            "print(sorted(m for m in ('publicsuffixlist', 'cryptography', 'dkim') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
