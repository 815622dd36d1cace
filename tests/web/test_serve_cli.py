"""``smtpdoctor serve`` as a user starts it: the address it prints, the token rule, bad options, and no
password in what the server writes."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx2 as httpx
import pytest
from click.testing import CliRunner

from smtpdoctor.web.pages import VERDICT_HEADINGS
from smtpdoctor.cli.app import app as cli

from .conftest import LAB_DNSBL, csrf_of

URL_RE = re.compile(r"serving on (http://\S+)")


class Serve:
    """``python -m smtpdoctor.cli.app serve ...`` in a subprocess; stopped (by its pid) by the test."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("SMTPDOCTOR_TOKEN", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "smtpdoctor.cli.app", "serve", "--port", "0", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self.head = ""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.head += line
            if "Ctrl-C" in line:
                break
        m = URL_RE.search(self.head)
        if not m:
            self.stop()
            raise AssertionError(f"serve did not start: {self.head}")
        self.url = m.group(1)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        out, err = self.proc.communicate()
        return self.head + out + err


def test_default_is_loopback_without_token():
    serve = Serve()
    try:
        assert serve.url.startswith("http://127.0.0.1:") and "token" not in serve.url
        assert httpx.get(serve.url).status_code == 200
    finally:
        output = serve.stop()
    assert "Traceback" not in output  # Ctrl-C stops it cleanly


def test_lab_mode_serves_the_lab():
    serve = Serve("--lab")
    try:
        page = httpx.get(serve.url).text
        assert 'id="f-lab"' in page and 'value="wrong-port"' in page
    finally:
        output = serve.stop()
    assert "Traceback" not in output


def test_other_bind_gets_a_generated_token():
    serve = Serve("--host", "0.0.0.0")
    try:
        assert re.fullmatch(r"http://0\.0\.0\.0:\d+/\?token=[\w-]{24,}", serve.url)
        port = serve.url.split(":")[2].split("/")[0]
        base = f"http://127.0.0.1:{port}/"
        assert httpx.get(base).status_code == 401
        token = serve.url.split("token=")[1]
        assert httpx.get(base, headers={"authorization": f"Bearer {token}"}).status_code == 200
    finally:
        serve.stop()


@pytest.mark.parametrize("args,text", [
    (["--token", "short"], "--token must be at least 16 characters"),
    (["--port", "70000"], "out of range"),
    (["--max-runs", "0"], "--max-runs"),
    (["--resolver", "not-an-ip"], "resolver"),
    (["--ca-file", "/nonexistent/ca.pem"], "no such file"),
])
def test_bad_options_exit_2(args, text):
    result = subprocess.run([sys.executable, "-m", "smtpdoctor.cli.app", "serve", *args], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 2
    assert text in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_port_in_use_is_one_line():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "smtpdoctor.cli.app", "serve", "--port", str(port)],
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and "cannot listen on 127.0.0.1" in result.stderr


def test_help_lists_serve():
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "--token" in result.stdout


def test_password_not_in_server_output(lab):
    secret = "Logged-Nowhere-Pw-3319"
    serve = Serve("--resolver", lab.dns.address, "--ca-file", lab.ca_file, "--dnsbl", LAB_DNSBL[0])
    try:
        with httpx.Client(base_url=serve.url.rstrip("/"), follow_redirects=False) as c:
            token = csrf_of(c.get("/").text)
            r = c.post("/diagnose", data={"csrf": token, **lab.form("auth-wrong-password", password=secret)})
            assert r.status_code == 303
            deadline = time.monotonic() + 30
            while 'data-state="running"' in c.get(r.headers["location"]).text and time.monotonic() < deadline:
                time.sleep(0.2)
            page = c.get(r.headers["location"]).text
            assert VERDICT_HEADINGS["authentication"] in page and secret not in page
            c.post("/diagnose", data={"csrf": "forged.token", "password": secret})  # refused, not logged
    finally:
        output = serve.stop()
    assert secret not in output
