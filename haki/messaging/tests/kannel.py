"""Real Kannel from Debian's packages, with fakesmsc as the mobile network.

bearerbox and smsbox run with their own ports, logs and store in the test's folder.
The fake SMSC takes one client connection at a time, so one fakesmsc process is
connected at any moment: it carries the texts a test types (MO) and prints every
text Kannel delivers to a phone (MT), which the reader thread collects."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote_to_bytes

import pytest

from haki.tests.harness import free_port, wait_until

BEARERBOX, SMSBOX = "/usr/sbin/bearerbox", "/usr/sbin/smsbox"
FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
DELIVERED = re.compile(r"Got message \d+: <(\S+) (\S+) (text|ucs-2|data) ?(.*)>$")
# A part of a long text: the user data header (concatenation reference, total, number)
# and the part's bytes; fakesmsc does not say how they are coded.
DELIVERED_PART = re.compile(r"Got message \d+: <(\S+) (\S+) udh (\S+) data (.*)>$")


def require_kannel() -> None:
    missing = [p for p in (BEARERBOX, SMSBOX, FAKESMSC) if not os.path.exists(p)]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"Kannel is missing ({missing}): .ci/run installs kannel and kannel-extras")
        pytest.skip("Kannel is not installed (apt-get install kannel kannel-extras)")


@dataclass(frozen=True)
class Delivered:
    sender: str
    to: str
    text: str


class Kannel:
    def __init__(self, folder: Path, receive_url: str, username="haki", password="kannel-pw"):
        require_kannel()
        self.folder = folder
        self.username, self.password = username, password
        self.admin_port, self.box_port = free_port(), free_port()
        self.smsc_port, self.sendsms_port = free_port(), free_port()
        self.send_url = f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"
        self.delivered: list[Delivered] = []
        self._phone: subprocess.Popen | None = None
        self._boxes: list[subprocess.Popen] = []
        config = folder / "kannel.conf"
        config.write_text(f"""
group = core
admin-port = {self.admin_port}
admin-password = admin-pw
smsbox-port = {self.box_port}
log-file = "{folder}/bearerbox.log"
log-level = 1
store-type = file
store-location = "{folder}/kannel.store"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = {self.smsc_port}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {self.box_port}
sendsms-port = {self.sendsms_port}
log-file = "{folder}/smsbox.log"
log-level = 1

group = sendsms-user
username = {username}
password = {password}
concatenation = true
max-messages = 10

group = sms-service
keyword = default
catch-all = true
post-url = "{receive_url}?backend=%i&sender=%p&message=%b&ts=%T&id=%I&to=%P"
accept-x-kannel-headers = true
max-messages = 0
concatenation = true
omit-empty = true
""")
        self._boxes.append(self._spawn([BEARERBOX, str(config)], "bearerbox.out"))
        wait_until(lambda: _listening(self.box_port), 20, what="bearerbox")
        self._boxes.append(self._spawn([SMSBOX, str(config)], "smsbox.out"))
        wait_until(lambda: _listening(self.sendsms_port), 20, what="smsbox")
        self.listen()

    def _spawn(self, args: list[str], log: str) -> subprocess.Popen:
        handle = open(self.folder / log, "ab")  # noqa: SIM115 - kept open for the process
        return subprocess.Popen(
            args, stdout=handle, stderr=subprocess.STDOUT, cwd=self.folder, start_new_session=True
        )

    # The phone network ------------------------------------------------------------

    def listen(self) -> None:
        """Connect a fakesmsc that sends nothing and reports every delivered text."""
        self._connect(["-m", "0", "0 0 text -"])

    def phone_sends(self, sender: str, to: str, text: str) -> None:
        """A phone texts ``to``: plain text as ``text``, anything else as UCS-2."""
        if text.isascii():
            line = f"{sender} {to} text {text}"
        else:
            line = f"{sender} {to} ucs2 {quote(text.encode('utf-16-be'))}"
        self._connect(["-m", "1", line])

    def _connect(self, args: list[str]) -> None:
        if self._phone is not None:
            time.sleep(0.3)  # let it print what was delivered while it was connected
            self._phone.terminate()
            self._phone.wait(timeout=10)
        self._phone = subprocess.Popen(
            [FAKESMSC, "-H", "127.0.0.1", "-r", str(self.smsc_port), "-i", "0.1", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        threading.Thread(target=self._read, args=(self._phone,), daemon=True).start()

    def _read(self, process: subprocess.Popen) -> None:
        parts: dict[tuple[str, str, int], dict[int, bytes]] = {}
        for line in process.stdout:
            part = DELIVERED_PART.search(line.strip())
            if part:
                sender, to, header, data = part.groups()
                udh = unquote_to_bytes(header)
                reference, total, number = udh[3], udh[4], udh[5]
                received = parts.setdefault((sender, to, reference), {})
                received[number] = unquote_to_bytes(data.replace("+", "%20"))
                if len(received) == total:
                    whole = b"".join(received[n] for n in sorted(received))
                    self.delivered.append(Delivered(sender, to, _decode(whole)))
                    del parts[(sender, to, reference)]
                continue
            found = DELIVERED.search(line.strip())
            if found:
                sender, to, kind, data = found.groups()
                if kind == "ucs-2":
                    text = unquote_to_bytes(data.replace("+", "%20")).decode("utf-16-be")
                else:
                    text = data
                self.delivered.append(Delivered(sender, to, text))

    def wait_for_delivery(self, to: str, count: int = 1, timeout: float = 30) -> list[Delivered]:
        return wait_until(
            lambda: (
                (found := [d for d in self.delivered if d.to == to])
                and len(found) >= count
                and found
            ),
            timeout,
            what=f"{count} text(s) delivered to a phone",
        )

    def delivered_to(self, to: str) -> list[Delivered]:
        return [d for d in self.delivered if d.to == to]

    def status(self) -> str:
        url = f"http://127.0.0.1:{self.admin_port}/status.txt?password=admin-pw"
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.read().decode()

    def stop(self) -> None:
        processes = [p for p in [self._phone, *reversed(self._boxes)] if p is not None]
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _decode(data: bytes) -> str:
    """UCS-2 when the high bytes are those of letters below U+2100 (Latin, Cyrillic,
    Telugu, Burmese, punctuation), else GSM text."""
    high = data[0::2]
    if len(data) % 2 == 0 and high and sum(b <= 0x21 for b in high) >= 0.9 * len(high):
        return data.decode("utf-16-be")
    return data.decode("latin-1")


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0
