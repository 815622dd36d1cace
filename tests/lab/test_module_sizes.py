"""The lab stays in small pieces (issue 13): no module over 600 lines, no function over 80."""

from __future__ import annotations

import ast
from pathlib import Path

import smtpdoctor.lab

LAB = Path(smtpdoctor.lab.__file__).parent


def test_no_lab_module_over_600_lines_and_no_function_over_80():
    too_long = []
    for path in sorted(LAB.glob("*.py")):
        source = path.read_text()
        if source.count("\n") > 600:
            too_long.append(f"{path.name}: {source.count(chr(10))} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > 80:
                    too_long.append(f"{path.name}: {node.name}() {length} lines")
    assert too_long == []
    assert len(list(LAB.glob("*.py"))) >= 15  # the split exists: the server is not one file again
