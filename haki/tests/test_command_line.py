"""The command line as a new user meets it: a fresh database, a file written in plain
YAML."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from haki import provisioning

ROOT = Path(__file__).resolve().parents[2]
DEMO = (resources.files("haki.demo") / "kisumu-demo.yaml").read_text()


def test_provisioning_a_database_never_migrated_sets_it_up_first(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "haki.settings.dev",
        "HAKI_VAR_DIR": str(tmp_path / "var"),
        "HAKI_DEV_SECRETS_DIR": str(tmp_path / "keys"),
    }
    env.pop("HAKI_DATABASE_URL", None)
    (tmp_path / "org.yaml").write_text(DEMO)
    done = subprocess.run(
        [sys.executable, "-m", "haki.cli", "provision", str(tmp_path / "org.yaml")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "setting up the database first" in done.stdout
    assert "kisumu-demo:" in done.stdout


@pytest.mark.parametrize(("written", "meant"), [("yes", "yes"), ("no", "no"), ('"yes"', "yes")])
@pytest.mark.django_db
def test_a_polls_follow_up_may_be_written_as_plain_yaml_yes_or_no(written, meant):
    assert 'follow_up_on: "yes"' in DEMO
    text = DEMO.replace('follow_up_on: "yes"', f"follow_up_on: {written}")
    spec = provisioning.load(text)
    assert spec.polls[0].follow_up_on == meant


def test_delivery_reports_follow_the_port_haki_serves_on(monkeypatch):
    from haki.management.commands.serve import child_environment

    monkeypatch.delenv("HAKI_CALLBACK_BASE_URL", raising=False)
    assert child_environment("127.0.0.1", 9000)["HAKI_CALLBACK_BASE_URL"] == (
        "http://127.0.0.1:9000"
    )
    assert child_environment("0.0.0.0", 9001)["HAKI_CALLBACK_BASE_URL"] == (  # noqa: S104
        "http://127.0.0.1:9001"
    )
    monkeypatch.setenv("HAKI_CALLBACK_BASE_URL", "https://haki.example.org")
    assert child_environment("127.0.0.1", 9000)["HAKI_CALLBACK_BASE_URL"] == (
        "https://haki.example.org"
    )
    env = {**os.environ, "PORT": "9123", "DJANGO_SETTINGS_MODULE": "haki.settings.dev"}
    env.pop("HAKI_CALLBACK_BASE_URL")
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.HAKI_CALLBACK_BASE_URL)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert shown.stdout.strip() == "http://127.0.0.1:9123"
