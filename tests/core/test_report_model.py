"""core.model and core.observations re-export the classes that live apart (core/report_model.py,
core/tls_observations.py) and load them only when asked for (issue 16)."""

import json
import subprocess
import sys

import pytest

import smtpdoctor.core.model as model
import smtpdoctor.core.observations as observations
from smtpdoctor.core import report_model, tls_observations


@pytest.mark.parametrize("name", sorted(model._REPORT_CLASSES))
def test_the_report_classes_are_core_models(name):
    assert getattr(model, name) is getattr(report_model, name)
    assert name in model.__all__


@pytest.mark.parametrize("name", sorted(observations._TLS_NAMES))
def test_the_tls_facts_are_core_observations(name):
    assert getattr(observations, name) is getattr(tls_observations, name)
    assert name in observations.__all__


def test_other_names_are_still_missing():
    with pytest.raises(AttributeError):
        model.NoSuchClass  # noqa: B018
    with pytest.raises(AttributeError):
        observations.NoSuchClass  # noqa: B018


def test_they_load_on_first_use_only():
    code = ("import json, sys\n"
            "import smtpdoctor.core.model, smtpdoctor.core.observations\n"
            "before = [m for m in ('smtpdoctor.core.report_model', 'smtpdoctor.core.tls_observations', 'datetime')"
            " if m in sys.modules]\n"
            "from smtpdoctor.core.model import Report\n"
            "from smtpdoctor.core.observations import PolicyFetch\n"
            "print(json.dumps([before, Report.__module__, PolicyFetch.__module__]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    before, report, fetch = json.loads(out.stdout)
    assert before == []
    assert (report, fetch) == ("smtpdoctor.core.report_model", "smtpdoctor.core.tls_observations")
