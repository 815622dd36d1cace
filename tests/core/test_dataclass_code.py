"""core/dataclass_code: the methods dataclasses writes are compiled once, kept beside the byte code, and a
later process defines the same classes from them, compiling nothing; the classes behave as dataclasses makes
them (annotations included: the text is compiled without the caller's ``__future__`` flags)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

_DEFINE = r"""
import dataclasses, json, sys
compiled = []
_compile = compile
if sys.argv[1] == "cached":
    from smtpdoctor.core import dataclass_code
    dataclass_code.install()
    dataclass_code.compile = lambda *a, **k: (compiled.append(a[0]), _compile(*a, **k))[1]

@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Point:
    x: int
    y: int = 2
    tags: tuple[str, ...] = ()

@dataclasses.dataclass(order=True)
class Box:
    name: str
    size: float = 1.0
    items: list = dataclasses.field(default_factory=list)

p, b = Point(x=1), Box("a")
try:
    p.x = 5
    frozen = None
except dataclasses.FrozenInstanceError as exc:
    frozen = type(exc).__name__
if sys.argv[1] == "cached":
    dataclass_code.save()
print(json.dumps({"repr": [repr(p), repr(b)], "eq": [p == Point(x=1), p == Point(x=1, y=3), b < Box("b")],
                  "hash": hash(p) == hash(Point(x=1)), "frozen": frozen, "default": b.items,
                  "annotations": {k: str(v) for k, v in Point.__init__.__annotations__.items()},
                  "compiled": len(compiled), "slots": Point.__slots__}))
"""


def _run(mode: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", _DEFINE, mode], capture_output=True, text=True, timeout=60,
                         env=env, check=True)
    return json.loads(out.stdout)


def _env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pycache")
    env.update(extra)
    return env


def test_a_later_process_compiles_nothing_and_the_classes_are_the_same(tmp_path):
    env = _env(tmp_path)
    plain = _run("plain", env)
    first = _run("cached", env)
    second = _run("cached", env)
    assert first["compiled"] >= 8  # __init__, __repr__, __eq__, __hash__, __setattr__, __delattr__, the order
    assert second["compiled"] == 0
    for run in (first, second):
        assert {k: v for k, v in run.items() if k != "compiled"} == {k: v for k, v in plain.items() if k != "compiled"}
    # the annotations are the types themselves, as dataclasses gives them (not strings)
    assert plain["annotations"]["x"] == "<class 'int'>" and plain["frozen"] == "FrozenInstanceError"
    kept = [f for _, _, files in os.walk(tmp_path / "pycache") for f in files if f.endswith(".dataclasses.marshal")]
    assert len(kept) == 1


def test_nothing_is_kept_when_python_writes_no_byte_code(tmp_path):
    env = _env(tmp_path, PYTHONDONTWRITEBYTECODE="1")
    assert _run("cached", env)["compiled"] >= 8
    assert _run("cached", env)["compiled"] >= 8  # compiled again: nothing was kept
    assert not [f for _, _, files in os.walk(tmp_path) for f in files if f.endswith(".dataclasses.marshal")]


def test_a_damaged_file_is_compiled_over(tmp_path):
    env = _env(tmp_path)
    _run("cached", env)
    kept = [os.path.join(d, f) for d, _, files in os.walk(tmp_path / "pycache") for f in files
            if f.endswith(".dataclasses.marshal")]
    with open(kept[0], "wb") as fh:
        fh.write(b"\x00not marshal")
    again = _run("cached", env)
    assert again["compiled"] >= 8 and again["eq"] == [True, False, True]
    assert _run("cached", env)["compiled"] == 0  # written whole again


_BEFORE_IMPORT = r"""
import json, sys
from smtpdoctor.core import dataclass_code
dataclass_code.install()
loaded_by_install = "dataclasses" in sys.modules
compiled = []
_compile = compile
dataclass_code.compile = lambda *a, **k: (compiled.append(a[0]), _compile(*a, **k))[1]
import dataclasses

@dataclasses.dataclass(frozen=True)
class Point:
    x: int

print(json.dumps({"loaded_by_install": loaded_by_install, "patched": dataclasses.exec is dataclass_code._exec,
                  "finder_left": any(type(f).__name__ == "_OnImport" for f in sys.meta_path),
                  "compiled": len(compiled), "repr": repr(Point(1))}))
"""  # no save(): the process's exit adds what it compiled


def test_installed_before_dataclasses_is_imported_it_loads_nothing_and_the_exit_keeps_the_code(tmp_path):
    env = _env(tmp_path)
    runs = [json.loads(subprocess.run([sys.executable, "-c", _BEFORE_IMPORT], capture_output=True, text=True,
                                      timeout=60, env=env, check=True).stdout) for _ in range(2)]
    assert [r["loaded_by_install"] for r in runs] == [False, False]  # a bounce run that defines none loads none
    assert [r["patched"] for r in runs] == [True, True] and [r["finder_left"] for r in runs] == [False, False]
    assert runs[0]["compiled"] >= 4 and runs[1]["compiled"] == 0
    assert runs[1]["repr"] == "Point(x=1)"


_FROM_ZIP = r"""
import importlib.util, json, sys
sys.path.insert(0, sys.argv[1])
from smtpdoctor.core import dataclass_code
dataclass_code.install()
importlib.util.find_spec("dataclasses")  # a look-up alone: the finder stays for the real import
import dataclasses, othermod
print(json.dumps({"from_zip": dataclasses.__file__.startswith(sys.argv[1]),
                  "patched": dataclasses.exec is dataclass_code._exec,
                  "other_untouched": "exec" not in vars(othermod), "other_ran_exec": othermod.y,
                  "source": "def dataclass" in dataclasses.__loader__.get_source("dataclasses")}))
"""


def test_a_loader_shared_with_other_modules_is_not_changed(tmp_path):
    # a zipimporter serves every module of its archive: only dataclasses gets the cached exec
    import dataclasses
    import zipfile

    archive = tmp_path / "lib.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(dataclasses.__file__, "dataclasses.py")
        zf.writestr("othermod.py", "exec('y = 1')\n")
    out = subprocess.run([sys.executable, "-c", _FROM_ZIP, str(archive)], capture_output=True, text=True,
                         timeout=60, env=_env(tmp_path), check=True)
    assert json.loads(out.stdout) == {"from_zip": True, "patched": True, "other_untouched": True,
                                      "other_ran_exec": 1, "source": True}
