"""flows/domain_audit: the audit's value class stands alone (no import of flows.domain, which runs the audit
and refers to it): no import cycle between the two."""

from __future__ import annotations

import json
import subprocess
import sys

from smtpdoctor.flows import domain, domain_audit


def test_domain_audit_imports_without_the_flow_that_runs_it():
    code = ("import json, sys\n"
            "import smtpdoctor.flows.domain_audit as audit\n"
            "print(json.dumps([audit.SCHEMA, 'smtpdoctor.flows.domain' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == ["smtpdoctor/domain@1", False]


def test_the_flow_still_names_the_schema_and_the_class():
    assert domain.SCHEMA is domain_audit.SCHEMA == "smtpdoctor/domain@1"
    assert domain.DomainAudit is domain_audit.DomainAudit
    audit = domain_audit.DomainAudit(given="example.com", domain="example.com", findings=())
    assert audit.to_json()["schema"] == domain.SCHEMA
