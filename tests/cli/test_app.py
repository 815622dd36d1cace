import subprocess
import sys

from smtpdoctor.cli.app import COMMANDS, _plain, _registered, build_app, fast_help


def test_fast_help_lists_exactly_the_registered_commands():
    registered = set(build_app().commands)
    built = set(COMMANDS) & registered
    assert registered <= set(COMMANDS), registered - set(COMMANDS)
    assert built == registered
    for name in registered:
        assert f"  {name} " in fast_help()


def test_one_registration_for_the_plain_reader_and_click():
    assert list(_registered(COMMANDS).commands) == list(build_app().commands) == list(COMMANDS)
    for name in COMMANDS:  # one command registered: the plain reader's and `smtpdoctor NAME`'s group alike
        assert list(_registered([name]).commands) == [name] == list(build_app(name).commands)
    assert _registered(["no-such-command"]).commands == {}  # a command whose module is not there: left out
    function, kwargs = _plain("blacklist", ["192.0.2.1", "--quiet"])
    assert function is _registered(["blacklist"]).commands["blacklist"].function
    assert kwargs["inputs"] == ["192.0.2.1"] and kwargs["quiet"] is True
    assert _plain("no-such-command", []) is None and _plain("blacklist", ["--help"]) is None


def test_top_level_help_does_not_import_the_cli_layer():
    code = ("import sys; sys.argv=['smtpdoctor','--help']\n"
            "from smtpdoctor.cli.app import main\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 0\n"
            "assert 'click' not in sys.modules, 'click imported for --help'\n"
            "assert 'typer' not in sys.modules and 'pydantic' not in sys.modules\n"
            "assert 'rich' not in sys.modules\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "Usage: smtpdoctor COMMAND" in out.stdout


def test_bad_usage_is_one_line_and_exit_2():
    for args in (["diagnose", "bad host"], ["diagnose", "x.example", "--port", "70000"],
                 ["diagnose", "x.example", "--security", "ssl3"], ["diagnose", "x.example", "--port", "abc"],
                 ["diagnose"], ["nosuchcommand"]):
        out = subprocess.run([sys.executable, "-m", "smtpdoctor.cli.app", *args], capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 2, (args, out.stdout, out.stderr)
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("smtpdoctor: error: "), (args, out.stderr)
        assert "Traceback" not in out.stderr
