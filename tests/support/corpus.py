"""Shared fixtures for the explain tests: the sisimai corpus under ../shared/data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest


def shared_dir() -> Path:
    env = os.environ.get("SMTPDOCTOR_SHARED")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / ".." / "shared"


CORPUS = shared_dir() / "data" / "bounces" / "sisimai"


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not (CORPUS / "expected.json").is_file():
        if os.environ.get("CI"):  # CI has ../shared beside the clone: a missing corpus is a failure there
            pytest.fail(f"sisimai corpus not found at {CORPUS}")
        pytest.skip(f"sisimai corpus not found at {CORPUS}")
    return CORPUS


@pytest.fixture(scope="session")
def expected(corpus: Path) -> dict:
    return json.loads((corpus / "expected.json").read_text(encoding="utf-8"))
