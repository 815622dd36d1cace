"""The JSON report (``smtpdoctor/report@1``, see docs and the contract)."""

from __future__ import annotations

import json

from ..core.model import Report

__all__ = ["render_json"]


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), ensure_ascii=False, indent=2, default=str)
