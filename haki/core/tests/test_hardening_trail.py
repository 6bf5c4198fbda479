"""Issue 13's items 15, 16 and 18: what an attachment, a log line or a deleted row
leaves behind. (Item 6, the audit trail, is in test_audit.py; item 17 in the cases
browser tests.)"""

from __future__ import annotations

import io
import logging
import urllib.error
import urllib.request
import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.sqlite3 import base as sqlite_base
from django.urls import reverse
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    StreamObject,
    TextStringObject,
)

from conftest import verified_client
from haki.cases.models import Attachment
from haki.core.roles import Role
from haki.processes import gunicorn_command
from haki.tests.harness import RunningHaki, wait_until

AUTHOR = "Wanjiru Reporter"
NUMBER = "+254 190 100001"


def pdf_with_an_author() -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": AUTHOR, "/Creator": "Office Suite on LAPTOP-KISUMU"})
    xmp = StreamObject()
    xmp.set_data(f"<x:xmpmeta><dc:creator>{AUTHOR}</dc:creator></x:xmpmeta>".encode())
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    comment = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/T"): TextStringObject(AUTHOR),
            NameObject("/Contents"): TextStringObject("see page 2"),
        }
    )
    page[NameObject("/Annots")] = writer._add_object(ArrayObject([writer._add_object(comment)]))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def attach(client, case, name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("cases:attach", kwargs={"case": case.uuid}),
        {"file": SimpleUploadedFile(name, data, content_type="application/pdf")},
    )


def test_a_pdf_attachment_loses_its_author_and_keeps_its_pages(world):
    a = world["a"]
    original = pdf_with_an_author()
    assert AUTHOR.encode() in original  # the test's own premise
    client = verified_client(a.users[Role.CASEWORKER])
    assert attach(client, a.case, "statement.pdf", original).status_code == 302
    stored = Attachment.objects.filter(case=a.case, content_type="application/pdf").last()
    response = client.get(
        reverse("cases:attachment", kwargs={"case": a.case.uuid, "attachment": stored.uuid})
    )
    assert AUTHOR.encode() not in response.content
    assert b"LAPTOP-KISUMU" not in response.content
    returned = PdfReader(io.BytesIO(response.content))
    assert len(returned.pages) == 1
    assert not returned.metadata and returned.xmp_metadata is None


def test_a_pdf_that_cannot_be_read_is_refused_with_a_reason(world):
    a = world["a"]
    client = verified_client(a.users[Role.CASEWORKER])
    before = Attachment.objects.filter(case=a.case).count()
    response = attach(client, a.case, "scan.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog")
    assert response.status_code == 400
    assert "This PDF cannot be read" in response.content.decode()
    assert Attachment.objects.filter(case=a.case).count() == before


def formatted(logger: logging.Logger, emit) -> str:
    """What Haki's configured console handler writes for the records ``emit`` logs."""
    (console,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    stream, previous = io.StringIO(), console.stream
    console.setStream(stream)
    try:
        emit(logger)
    finally:
        console.setStream(previous)
    return stream.getvalue()


def test_a_number_in_an_exception_is_redacted_from_the_traceback_too():
    def fail(logger: logging.Logger) -> None:
        try:
            raise ValueError(f"no member with number {NUMBER}")
        except ValueError:
            logger.exception("lookup failed")
        logger.warning("stack follows", stack_info=True, extra={"n": NUMBER})

    written = formatted(logging.getLogger("haki.tests"), fail)
    assert "Traceback" in written and "lookup failed" in written  # the premise
    assert "190 100001" not in written and "190100001" not in written
    assert "[redacted]" in written


def test_uuids_with_all_digit_groups_are_logged_whole():
    ref = "12345678-1234-4234-8234-123456789012"
    written = formatted(logging.getLogger("haki.tests"), lambda log: log.warning("case %s", ref))
    assert ref in written


def test_an_id_cards_token_is_kept_out_of_the_logs():
    # Which card was checked, when and from where says where an outreach worker was.
    token = "AQAAAAFhYmNkZQAbAC0B" + "x_-Y" * 20
    path = f"/v/kisumu-network/{token}"
    written = formatted(
        logging.getLogger("django.request"), lambda log: log.warning("Not Found: %s", path)
    )
    assert "Not Found: /v/kisumu-network/[card]" in written
    assert token not in written and token[:20] not in written


def test_a_channel_uuid_is_kept_out_of_the_web_servers_access_log(tmp_path):
    channel = str(uuid.uuid4())
    access = tmp_path / "access.log"
    with RunningHaki(tmp_path, database="sqlite") as haki:
        bind = f"127.0.0.1:{haki.port}"
        haki._start("web", gunicorn_command(bind, 1, threads=2, access_log=str(access)))

        def answered() -> bool:
            try:
                urllib.request.urlopen(f"{haki.url}/c/kn/{channel}/status?type=1", timeout=5)
            except urllib.error.HTTPError:
                pass
            except OSError:
                return False
            return access.exists() and "/c/kn/" in access.read_text()

        wait_until(answered, 60, what="the web server's access log")
        logged = access.read_text() + haki.log("web")
    assert "/c/kn/[channel]/status" in logged
    assert channel not in logged and channel.replace("-", "") not in logged


def sqlite_with_upstream_defaults(monkeypatch) -> None:
    """SQLite as built upstream, where secure_delete is off unless asked for (Debian's
    build turns it on, so this machine's default would hide the difference)."""
    connect = sqlite_base.Database.connect

    def upstream(*args, **kwargs):
        raw = connect(*args, **kwargs)
        raw.execute("PRAGMA secure_delete = OFF")
        return raw

    monkeypatch.setattr(sqlite_base.Database, "connect", upstream)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own pragma")
def test_deleted_rows_are_overwritten_in_the_sqlite_file(tmp_path, monkeypatch):
    sqlite_with_upstream_defaults(monkeypatch)
    path = tmp_path / "shred.sqlite3"
    wrapper = sqlite_base.DatabaseWrapper(
        {**settings.DATABASES["default"], "NAME": str(path)}, alias="shred-test"
    )
    wrapper.ensure_connection()
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT * FROM pragma_secure_delete")
            assert cursor.fetchone() == (1,)
            cursor.execute("CREATE TABLE wrapped_key (value TEXT)")
            cursor.execute("INSERT INTO wrapped_key VALUES (%s)", ["gAAAAA-wrapped-data-key"])
            cursor.execute("INSERT INTO wrapped_key VALUES (%s)", ["another row"])
            cursor.execute("DELETE FROM wrapped_key WHERE value LIKE %s", ["gAAAAA%"])
    finally:
        wrapper.close()
    assert b"another row" in path.read_bytes()  # the file is the one written
    assert b"gAAAAA-wrapped-data-key" not in path.read_bytes()
