"""docs/deploy.md, followed as written, against this machine's PostgreSQL and Redis.

The page's marked blocks are read from it and used as they are: the database's SQL, the
keys' commands, the environment file, the `haki` command, the deploy steps, the units'
command lines, nginx's forwarded headers, Kannel's post-url, the health check, the
backup script and the restore. What needs root is played by the test: the folders
(under a temporary one, paths rewritten), running as the haki and postgres users (the
test's own user, PostgreSQL reached with PG* variables), systemd (each unit's ExecStart
started with its EnvironmentFile and WorkingDirectory) and nginx (its proxy_set_header
lines applied to each request). The test's own: a fresh database and role, a Huey name
of its own on the shared Redis, a free port, a stub gateway."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from haki.messaging.tests.stub_gateway import StubGateway
from haki.tests.harness import ROOT, free_port, wait_until
from haki.tests.services import (
    huey_name,
    missing,
    postgres_url,
    redis_url,
    require_postgres_and_redis,
)

pytestmark = pytest.mark.scale_out

DOC = ROOT / "docs" / "deploy.md"
HOST = "haki.example.org"
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Each command runs with the environment a root shell or systemd gives it, and only the
# Python path of the code under test besides.
PYTHON = {"PYTHONPATH": os.environ["PYTHONPATH"]} if os.environ.get("PYTHONPATH") else {}
CHANNEL = "3d4c5b6a-7e8f-4a1b-9c2d-0e1f2a3b4c5d"
SHORTCODE = "20999"
AMANI, ROSE = "+254190400001", "+254190410001"
ORGANISATION = """
organisation: {{slug: deploy, name: Deploy Test Network, country: KE,
               timezone: Africa/Nairobi, languages: [en, sw],
               allow_local_gateways: true}}
areas: [{{code: KSM, name: Kisumu}}]
escalation: {{ack_timeout_seconds: 600, tiers: [paralegal, lawyer]}}
channels:
  - {{uuid: {channel}, type: kn, name: Shortcode, address: "{shortcode}",
     send_url: "{send_url}", username: haki, password: kannel-pw, tps: 50}}
responders:
  - {{name: Amani, phone: "{amani}", tier: paralegal, areas: [KSM], on_duty: true}}
members:
  - {{alias: Rose, phone: "{rose}", area: KSM, language: en}}
"""


def doc_blocks() -> dict[str, str]:
    """The blocks docs/deploy.md marks with ``<!-- deploy-test: NAME -->``."""
    marked = re.findall(
        r"<!-- deploy-test: (\S+) -->\n```[a-z]*\n(.*?)\n```", DOC.read_text(), re.S
    )
    return {name: text + "\n" for name, text in marked}


def unit(text: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """A unit's settings as systemd reads them: a later line wins, an empty one resets."""
    settings = dict(base or {})
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings[key] = value
    return settings


class Deployment:
    def __init__(self, folder: Path, database: str, queue: str, gateway: StubGateway):
        self.folder, self.gateway, self.database = folder, gateway, database
        self.blocks = doc_blocks()
        self.port = free_port()
        self.home = folder / "home"  # the administrator's own computer, for the backup key
        self.etc, self.lib = folder / "etc" / "haki", folder / "lib" / "haki"
        self.backups, self.sbin = folder / "backups", folder / "sbin"
        for path in (self.home, self.etc, self.lib / "spool", self.backups, self.sbin):
            path.mkdir(parents=True)
        self.paths = [
            ("/opt/haki/venv/bin/", f"{Path(sys.executable).parent}/"),
            ("/etc/haki", str(self.etc)),
            ("/var/lib/haki", str(self.lib)),
            ("/var/backups/haki", str(self.backups)),
            ("/usr/local/sbin/", f"{self.sbin}/"),
            ("127.0.0.1:8000", f"127.0.0.1:{self.port}"),
            ("runuser -u haki -- ", ""),
            ("runuser -u postgres -- ", ""),
            ("chown haki:haki", f"chown {os.getuid()}:{os.getgid()}"),
        ]
        server = urlsplit(postgres_url())
        self.server = server
        self.shell_env = {
            "PATH": f"{self.sbin}:{SYSTEM_PATH}",
            "HOME": str(self.home),
            "LANG": "C.UTF-8",
            "PGHOST": server.hostname or "127.0.0.1",
            "PGPORT": str(server.port or 5432),
            "PGUSER": server.username or "postgres",
            **PYTHON,
        }
        self.queue = queue
        self.processes: dict[str, subprocess.Popen] = {}

    def adapt(self, text: str) -> str:
        for old, new in self.paths:
            text = text.replace(old, new)
        # The database and its role are called haki on the page; here, the test's own.
        return re.sub(r"(?<=[= ])haki(?=[\s;]|$)", self.database, text, flags=re.M)

    def bash(self, script: str, cwd: Path | None = None) -> str:
        done = subprocess.run(
            ["bash", "-c", f"set -e\n{script}"],
            cwd=cwd or self.home,
            env=self.shell_env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"{script}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def install(self, name: str, path: Path, mode: int) -> None:
        path.write_text(self.adapt(self.blocks[name]))
        path.chmod(mode)

    def run_steps(self, name: str, **replace: str) -> None:
        """A block of commands: systemctl lines are the test's to play, the rest bash's."""
        script = self.adapt(self.blocks[name]).replace("\\\n", "")
        for old, new in replace.items():
            script = script.replace(old, new)
        for line in script.splitlines():
            if line.startswith("systemctl "):
                self.systemctl(shlex.split(line)[1:])
            elif line.strip():
                self.bash(line)

    # systemd

    def units(self) -> dict[str, dict[str, str]]:
        worker = unit(self.adapt(self.blocks["haki-worker@.service"]))
        return {
            "haki-web": unit(self.adapt(self.blocks["haki-web.service"])),
            "haki-worker@1": unit(self.adapt(self.blocks["scheduler.conf"]), worker),
            "haki-worker@2": worker,
        }

    def systemctl(self, args: list[str]) -> None:
        action, names = args[0], [n for n in args[1:] if not n.startswith("-")]
        units = self.units()
        chosen = [
            u for u in units if any(u == n or re.fullmatch(n.replace("*", ".*"), u) for n in names)
        ]
        if action == "stop":
            for name in chosen:
                self.stop(name)
        elif action in ("start", "restart") or (action == "enable" and "--now" in args):
            for name in chosen:
                self.stop(name)
                self.start(name, units[name])
        else:
            assert action == "daemon-reload", args

    def start(self, name: str, settings: dict[str, str]) -> None:
        environment = unit(Path(settings["EnvironmentFile"]).read_text())
        env = {"PATH": SYSTEM_PATH, "HOME": str(self.lib), "LANG": "C.UTF-8", **PYTHON}
        env.update(environment)
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 - the process owns it
        self.processes[name] = subprocess.Popen(
            shlex.split(settings["ExecStart"]),
            cwd=settings["WorkingDirectory"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)  # as systemd stops a unit
            process.wait(timeout=40)

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # nginx

    def through_nginx(self, url: str, body: bytes | None = None) -> tuple[int, str]:
        """A request to https://haki.example.org as nginx passes it on."""
        config = self.adapt(self.blocks["nginx"])
        (upstream,) = re.findall(r"proxy_pass http://([^;]+);", config)
        (bind,) = re.findall(r"--bind (\S+)", self.units()["haki-web"]["ExecStart"])
        assert upstream == bind, "nginx must pass requests to where haki web listens"
        variables = {"$host": HOST, "$scheme": "https", "$proxy_add_x_forwarded_for": "127.0.0.1"}
        headers = {
            name: variables[value]
            for name, value in re.findall(r"proxy_set_header (\S+) (\S+);", config)
        }
        parts = urlsplit(url)
        assert (parts.scheme, parts.netloc) == ("https", HOST), url
        target = f"http://{upstream}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        if body is not None:
            headers["Content-Type"] = "text/plain; charset=UTF-8"
        request = urllib.request.Request(target, data=body, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def healthy(self) -> bool:
        (url,) = re.findall(r"curl -fsS (\S+)", self.blocks["health"])
        try:
            return self.through_nginx(url) == (200, '{"status": "ok"}')
        except OSError:
            assert self.processes["haki-web"].poll() is None, self.log("haki-web")
            return False

    # gateways

    def phone_sends(self, sender: str, text: str) -> None:
        """Kannel posting a text to the post-url the page gives it."""
        (post_url,) = re.findall(r'post-url = "([^"]+)"', self.blocks["kannel"])
        fields = {
            "%i": "fake",
            "%p": quote(sender),
            "%b": quote(text),
            "%T": str(int(time.time())),
            "%I": uuid.uuid4().hex,
            "%P": SHORTCODE,
        }
        url = post_url.replace("CHANNEL-UUID", CHANNEL)
        for escape, value in fields.items():
            url = url.replace(escape, value)
        assert self.through_nginx(url, text.encode()) == (200, "ok")

    def texts_to(self, number: str) -> list[str]:
        return [r.query["text"][0] for r in self.gateway.requests if r.query["to"][0] == number]

    def wait_for_text(self, number: str, count: int) -> str:
        wait_until(lambda: len(self.texts_to(number)) >= count, 30, what=f"text {count}")
        return self.texts_to(number)[count - 1]

    def haki_shell(self, code: str) -> str:
        return self.bash(f"haki shell --no-imports -v 0 -c {shlex.quote(code)}")

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)


def superuser_sql(*statements: str) -> None:
    import psycopg

    with psycopg.connect(postgres_url(), autocommit=True) as admin:
        for statement in statements:
            admin.execute(statement)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory) -> Iterator[Deployment]:
    require_postgres_and_redis()
    for tool, package in (("age", "age"), ("pg_dump", "postgresql-client")):
        if not shutil.which(tool):
            missing(f"{tool} is needed to follow docs/deploy.md (apt-get install {package})")
    name = f"haki_deploy_{uuid.uuid4().hex[:10]}"
    gateway = StubGateway()
    with huey_name() as queue:
        deployment = Deployment(tmp_path_factory.mktemp("deploy"), name, queue, gateway)
        try:
            yield set_up(deployment)
        finally:
            deployment.stop_all()
            gateway.close()
            superuser_sql(
                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'DROP ROLE IF EXISTS "{name}"'
            )


def set_up(d: Deployment) -> Deployment:
    """Sections 3 to 9 and 11 of the page, in its order."""
    sql = re.search(r"<<'SQL'\n(.*?)\nSQL", d.blocks["database"], re.S).group(1)
    superuser_sql(*filter(None, (s.strip() for s in d.adapt(sql).split(";"))))
    shell_umask = d.bash("umask")
    # Run as one shell with the next steps: the keys' umask must not stay on after it.
    assert d.bash(d.adapt(d.blocks["keys"]) + "\numask") == shell_umask
    for key in ("master.key", "secret.key"):
        assert (d.etc / key).stat().st_mode & 0o777 == 0o400
    assert not list(d.home.iterdir()), "making a key left files behind"
    # The environment file, with this test's database and queue.
    environment = d.adapt(d.blocks["environment"])
    server, name = d.server, d.database
    for line, ours in (
        (
            "HAKI_DATABASE_URL=postgres://haki@/haki",
            f"postgres://{name}@{server.netloc.split('@')[-1]}/{name}",
        ),
        ("HAKI_HUEY_URL=redis://127.0.0.1:6379/0", redis_url()),
    ):
        assert line in environment, f"docs/deploy.md no longer says {line}"
        environment = environment.replace(line, f"{line.split('=')[0]}={ours}")
    (d.etc / "haki.env").write_text(f"{environment}HAKI_HUEY_NAME={d.queue}\n")
    d.install("command", d.sbin / "haki", 0o755)
    d.run_steps("deploy")
    d.run_steps("start")
    wait_until(d.healthy, 60, what="the health check")
    (d.etc / "organisation.yaml").write_text(
        ORGANISATION.format(
            channel=CHANNEL,
            shortcode=SHORTCODE,
            send_url=f"{d.gateway.url}/cgi-bin/sendsms",
            amani=AMANI,
            rose=ROSE,
        )
    )
    d.run_steps("provision")
    d.run_steps("backup-key")  # on the administrator's own computer
    (d.etc / "backup.pub").write_text(d.bash("age-keygen -y haki-backup.key"))
    d.install("backup", d.sbin / "haki-backup", 0o700)
    return d


def test_every_nginx_server_block_logs_paths_only():
    """Kannel puts the sender's number and the text in the query string: every server
    block of the page's nginx set-up logs with the path-only format, and certbot is kept
    from adding a redirect block of its own, which would log with nginx's default."""
    config = doc_blocks()["nginx"]
    (log_format,) = re.findall(r"log_format haki (.*?);", config, re.S)
    assert "$uri" in log_format
    assert not re.search(r"\$(request|request_uri|args|query_string|arg_\w+)\b", log_format)
    servers = config.split("server {")[1:]
    assert servers
    for server in servers:
        assert re.search(r"^\s*access_log \S+ haki;", server, re.M), server
        assert re.search(r"^\s*error_log \S+ crit;", server, re.M), server
    (certbot,) = re.findall(r"^certbot --.*$", DOC.read_text(), re.M)
    assert "--no-redirect" in certbot.split()


def logged_path(config: str, path: str) -> str:
    """What the page's ``map $uri $uri_redacted`` makes of ``path``, as nginx reads it:
    the first regular expression that matches, its named captures put in its value."""
    (body,) = re.findall(r"map \$uri \$uri_redacted \{\n(.*?)\n\}", config, re.S)
    for line in body.splitlines():
        pattern, value = line.split()
        if pattern == "default":
            return path
        found = re.search(pattern.removeprefix("~").replace("(?<", "(?P<"), path)
        if found:  # nginx's $name is Python's \g<name>; an unmatched group is empty
            return found.expand(re.sub(r"\$(\w+)", r"\\g<\1>", value.removesuffix(";")))
    return path


def test_the_access_log_keeps_no_channel_uuid_card_token_or_relayer_id():
    from django.urls import reverse

    config = doc_blocks()["nginx"]
    (log_format,) = re.findall(r"log_format haki (.*?);", config, re.S)
    assert "$uri_redacted" in log_format
    channel, token = "3f2b0c1e-8d4a-4c6b-9e1f-5a7d2c8b6e40", "Q7ZK2M9XW4RT"
    secret_paths = {
        reverse("gateway", args=["kn", channel, "receive"]): channel,
        reverse("gateway", args=["at", channel, "voice"]) + "/": channel,
        reverse("credentials_public:verify", args=["kisumu", token]): token,
        reverse("relayer_sync", args=[4711]): "4711",
    }
    for path, secret in secret_paths.items():
        logged = logged_path(config, path)
        assert secret not in logged and logged.startswith(path[:3]), (path, logged)
    assert logged_path(config, f"/c/kn/{channel}/receive") == "/c/kn/-/receive"
    assert logged_path(config, "/crisis/board/") == "/crisis/board/"  # other paths whole


ALERT = """
import json
from haki.crisis.models import Alert
from haki.members.models import Member
from haki.messaging.models import Msg
alert = Alert.objects.select_related("acknowledged_by").get(member__alias="Rose")
reported = Msg.objects.filter(direction="out", status="delivered").count()
print(json.dumps({"ref": alert.reference, "status": alert.status, "outcome": alert.outcome,
                  "by": alert.acknowledged_by.name if alert.acknowledged_by else None,
                  "phone": Member.objects.get(alias="Rose").phone, "delivered": reported}))
"""


def test_a_help_text_reaches_the_paralegal_and_closes_by_text_through_the_deployed_services(
    deployed,
):
    d = deployed
    workers = [d.log("haki-worker@1"), d.log("haki-worker@2")]
    assert ["Periodic tasks are enabled" in log for log in workers] == [True, False]

    d.phone_sends(ROSE, "HELP at the market")
    to_amani = d.wait_for_text(AMANI, 1)
    ref = to_amani.split(":")[0]
    assert to_amani.startswith(f"{ref}: Rose needs help in Kisumu.")
    assert d.wait_for_text(ROSE, 1) == "Received. Someone will contact you soon."
    # Kannel reports the delivery to the address Haki gave it, through nginx.
    (sent,) = [r for r in d.gateway.requests if r.query["to"][0] == AMANI]
    report = sent.query["dlr-url"][0].replace("%d", "1")
    assert report.startswith(f"https://{HOST}/c/kn/{CHANNEL}/status")
    assert d.through_nginx(report)[0] == 200

    d.phone_sends(AMANI, f"ACK {ref}")
    assert d.wait_for_text(ROSE, 2) == "Someone is coming to help you."
    assert d.wait_for_text(AMANI, 2).startswith(f"You have {ref}")
    d.phone_sends(AMANI, f"DONE {ref} released without charge")
    assert d.wait_for_text(AMANI, 3) == f"{ref} is closed. Thank you."
    assert d.wait_for_text(ROSE, 3).startswith("We hope you are safe.")

    alert = json.loads(d.haki_shell(ALERT))
    assert alert["status"] == "closed" and alert["outcome"] == "released without charge"
    assert alert["by"] == "Amani" and alert["phone"] == ROSE and alert["delivered"] == 1


def test_a_backup_restores_with_the_master_key_and_is_unreadable_without_it(deployed):
    d = deployed
    before = d.haki_shell(STATE)
    assert before.split()[-1] == ROSE
    d.bash("haki-backup")
    (backup,) = d.backups.glob("haki-*.dump.age")
    assert backup.read_bytes().startswith(b"age-encryption.org/v1")  # not a plain dump

    d.run_steps("restore", **{"haki-20261121-023000.dump.age": str(backup)})
    assert not (d.home / "haki-backup.key").exists()  # shredded after use
    wait_until(d.healthy, 60, what="the health check after the restore")
    assert d.haki_shell(STATE) == before
    d.bash("haki verify_audit")
    # With another master key, the restored numbers cannot be read.
    other = d.etc / "other.key"
    other.write_text(d.bash("haki generate_master_key"))
    environment = unit((d.etc / "haki.env").read_text())
    done = subprocess.run(
        [Path(sys.executable).parent / "haki", "shell", "--no-imports", "-v", "0", "-c", PHONE],
        env={**d.shell_env, **environment, "HAKI_MASTER_KEY_FILE": str(other)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0 and "KeysUnavailable" in done.stderr
    assert ROSE not in done.stdout + done.stderr


STATE = """
from haki.crisis.models import Alert
from haki.members.models import Member
from haki.messaging.models import Msg
print(Alert.objects.count(), Msg.objects.count(), Member.objects.get(alias="Rose").phone)
"""
PHONE = """
from haki.members.models import Member
print(Member.objects.get(alias="Rose").phone)
"""
