"""`haki demo` then `haki serve`, as `make run` does: the real web server and worker
start, and the demo coordinator signs in with an authenticator code."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from haki.tests.browser import phone_page, screenshot

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def haki(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "haki.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
        **kwargs,
    )


def test_make_run_serves_a_login_the_demo_coordinator_can_pass(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haki.settings.dev",
        "HAKI_VAR_DIR": str(tmp_path / "var"),
        "HAKI_DEV_SECRETS_DIR": str(tmp_path / "keys"),
        "PORT": str(port),
    }
    demo = haki(["demo"], env)
    assert "coordinator" in demo.stdout and str(tmp_path / "keys") in demo.stdout
    server = subprocess.Popen(
        [sys.executable, "-m", "haki.cli", "serve", "--web-workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "the server did not answer within a minute"
                time.sleep(0.5)
        with phone_page() as page:
            page.goto(f"{base}/")
            page.get_by_label("Username").fill("coordinator")
            page.get_by_label("Password").fill("demo-pass-2026")
            page.get_by_role("button", name="Next").click()
            code = haki(["demo_code", "coordinator"], env).stdout.strip()
            page.get_by_label("Token").fill(code)
            page.get_by_role("button", name="Next").click()
            page.wait_for_url(f"{base}/")
            assert page.get_by_role("heading", name="Kisumu Demo Network").is_visible()
            screenshot(page, "demo-home-phone")
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode()
    assert server.returncode == 0, output
    assert "Huey consumer started" in output  # the background worker ran too
