"""What may be attached to a case, checked by content rather than by name, and photos
re-encoded so that nothing but the pixels survives (no GPS position, no camera serial);
PDF documents rewritten with their pages alone (no author, no editing software, no
embedded XMP, no comments' authors)."""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import NameObject

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# pypdf bounds what a stream may decompress to (75 MB); this bounds the pages.
MAX_PDF_PAGES = 2000
# What a page or a comment may say about who made it or with what.
PAGE_METADATA = ("/Metadata", "/PieceInfo", "/LastModified")
ANNOTATION_METADATA = ("/T", "/M", "/CreationDate", "/RC", "/Popup", "/Metadata")

# content type: (Pillow format, extension)
IMAGES = {
    "image/jpeg": ("JPEG", "jpg"),
    "image/png": ("PNG", "png"),
    "image/webp": ("WEBP", "webp"),
}


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    content_type: str
    name: str


def sniff(head: bytes) -> str | None:
    """The content type that the file's first bytes prove, whatever its name says."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def strip_image(data: bytes, content_type: str) -> bytes:
    """The picture alone, upright, re-encoded without EXIF, XMP or text chunks."""
    pillow_format = IMAGES[content_type][0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format != pillow_format:
                    raise ValueError("format does not match its signature")
                if probe.width * probe.height > MAX_PIXELS:
                    raise ValueError("too many pixels")
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
                if pillow_format == "JPEG" and pixels.mode not in ("RGB", "L"):
                    pixels = pixels.convert("RGB")
                out = io.BytesIO()
                pixels.save(
                    out, format=pillow_format, **({"quality": 90} if pillow_format != "PNG" else {})
                )
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        raise ValidationError(
            _("This picture cannot be read; it may be damaged."), code="bad_image"
        ) from None
    return out.getvalue()


def strip_pdf(data: bytes) -> bytes:
    """The pages alone, in a new file: the document information (author, title,
    software, dates), the XMP stream, embedded files, scripts and outlines stay behind
    with the old catalogue; pages and comments lose their own metadata and authors."""
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError(
                _("This PDF is protected by a password; attach a copy without one."),
                code="bad_pdf",
            )
        if len(reader.pages) > MAX_PDF_PAGES:
            raise ValueError("too many pages")
        writer = PdfWriter()
        for page in reader.pages:
            added = writer.add_page(page)
            for key in PAGE_METADATA:
                added.pop(NameObject(key), None)
            for annotation in added.get("/Annots", None) or []:
                annotation = annotation.get_object()
                for key in ANNOTATION_METADATA:
                    annotation.pop(NameObject(key), None)
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
    except ValidationError:
        raise
    except (PyPdfError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        raise ValidationError(
            _("This PDF cannot be read; it may be damaged."), code="bad_pdf"
        ) from None
    return out.getvalue()


def safe_name(original: str, extension: str) -> str:
    stem = re.sub(r"[^\w.-]+", "-", original.rsplit(".", 1)[0], flags=re.UNICODE).strip("-.")
    return f"{(stem or 'attachment')[:80]}.{extension}"


def clean_upload(upload: UploadedFile) -> CleanFile:
    """The upload's content if it is an allowed type and size, photos stripped; raises
    ValidationError with a reason the user can act on."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError(_("This file is larger than 10 MB."), code="too_large")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("This file is larger than 10 MB."), code="too_large")
    if not data:
        raise ValidationError(_("This file is empty."), code="empty")
    content_type = sniff(data[:16])
    if content_type is None:
        raise ValidationError(
            _("Only JPEG, PNG or WebP photos and PDF documents can be attached."), code="type"
        )
    if content_type in IMAGES:
        data = strip_image(data, content_type)
        extension = IMAGES[content_type][1]
    else:
        data = strip_pdf(data)
        extension = "pdf"
    return CleanFile(data, content_type, safe_name(upload.name or "", extension))
