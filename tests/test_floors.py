"""The floor plan, enforced: each floor imports only from the floors below it (docs/architecture.md), the
checks (judge/) load no socket, ssl or asyncio, and no module or function outgrows its size."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "smtpdoctor"

# floor -> the floors it may import (besides itself); the package root (__version__) is always allowed
ALLOWED = {
    "core": set(),
    "knowledge": set(),
    "protocol": {"core"},
    "net": {"core", "protocol"},
    "observe": {"core", "protocol", "net"},
    "judge": {"core", "protocol"},
    "verdict": {"core"},
    "flows": {"core", "protocol", "net", "observe", "judge", "verdict"},
    "report": {"core", "protocol", "net", "observe", "judge", "verdict", "flows"},
    "lab": {"core", "protocol", "net", "observe", "judge", "verdict", "flows", "report"},
    "watch": {"core", "protocol", "net", "observe", "judge", "verdict", "flows", "report"},
    "scale": {"core", "protocol", "net", "observe", "judge", "verdict", "flows", "report"},
    "cli": {"core", "protocol", "net", "observe", "judge", "verdict", "flows", "report", "lab", "watch", "scale"},
    "web": {"core", "protocol", "net", "observe", "judge", "verdict", "flows", "report", "lab", "watch"},
    "api": {"core", "protocol", "net", "observe", "judge", "verdict", "flows", "report"},
}
# value modules a floor may read although their floor is above it: the probes' observations
VALUES = {"judge": {"observe.facts"}, "verdict": {"observe.facts"}}
# the one door between front doors: `smtpdoctor serve` starts the web page
EXCEPTIONS = {("cli/commands/serve.py", "web")}


def _floor(parts: list[str]) -> str:
    return parts[0] if parts else "__init__"


def _imports(path: Path):
    rel = path.relative_to(SRC)
    package = list(rel.parts[:-1])
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            type_only |= {id(n) for n in ast.walk(node)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or id(node) in type_only:
            continue
        if node.level:
            base = package[:len(package) - (node.level - 1)]
            target = base + (node.module.split(".") if node.module else [])
        elif node.module and node.module.startswith("smtpdoctor."):
            target = node.module.split(".")[1:]
        else:
            continue
        yield target, node.lineno


def _modules():
    return sorted(p for p in SRC.rglob("*.py") if p.name != "__init__.py" or p.parent != SRC)


def test_every_floor_imports_only_downwards():
    wrong = []
    for path in _modules():
        rel = path.relative_to(SRC)
        me = rel.parts[0].removesuffix(".py")
        for target, line in _imports(path):
            them = _floor(target)
            if them == me or not target or (str(rel), them) in EXCEPTIONS:
                continue
            if ".".join(target) in VALUES.get(me, ()):
                continue
            if me in ALLOWED and them not in ALLOWED[me]:
                wrong.append(f"{rel}:{line} imports {'.'.join(target)}")
    assert wrong == []


JUDGE = sorted(".".join(("smtpdoctor", *p.relative_to(SRC).with_suffix("").parts))
               for p in (SRC / "judge").rglob("*.py") if p.name != "__init__.py")


# Known debt, named so it cannot grow: modules that read messages with the standard ``email`` package
# (whose email.utils imports socket, for make_msgid; no I/O happens), and the SPF findings, which read the
# types of the async check_host engine (protocol/spf/eval imports asyncio).
STDLIB_EMAIL = {"smtpdoctor.judge.dns.dkim_verify", "smtpdoctor.judge.explain.message"}
ASYNC_TYPES = {"smtpdoctor.judge.dns.spf"}


@pytest.mark.parametrize("module", JUDGE)
def test_a_check_module_loads_no_io(module):
    watched = ["smtpdoctor.net", "smtpdoctor.observe.port"]
    if module not in ASYNC_TYPES:  # asyncio itself imports socket and ssl
        watched += ["asyncio", "ssl"] + ([] if module in STDLIB_EMAIL else ["socket"])
    code = f"import sys, {module}; print(sorted(m for m in {watched!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# Known debt (see docs/architecture.md), listed so that it only shrinks: lab/smtp_server.py is being split
# into a state table; the three long functions are the CLI's typer signature, the web form's parser (both
# to become Settings.parse) and the bounce reader of explain.
SIZE_DEBT = {"lab/smtp_server.py", "cli/commands/diagnose.py:diagnose", "web/forms.py:parse_diagnose",
             "judge/explain/message.py:explain_message"}


def test_no_module_over_600_lines_and_no_function_over_80():
    big = []
    for path in _modules():
        text = path.read_text(encoding="utf-8")
        rel = str(path.relative_to(SRC))
        if text.count("\n") > 600 and rel not in SIZE_DEBT:
            big.append(f"{path.relative_to(SRC)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno >= 80 \
                    and f"{rel}:{node.name}" not in SIZE_DEBT:
                big.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}() {node.end_lineno - node.lineno + 1} lines")
    assert big == []
