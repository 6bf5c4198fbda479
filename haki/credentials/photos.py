"""A card's optional photo: checked by content and re-encoded exactly as case photos
are (nothing but the pixels survives), then made small enough for a card."""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image

from haki.cases.attachments import IMAGES, sniff, strip_image

MAX_BYTES = 5 * 1024 * 1024
CARD_PIXELS = (360, 480)


def clean_photo(upload: UploadedFile) -> bytes:
    """A JPEG of at most 360 × 480 pixels, or ValidationError with a reason."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError(_("This photo is larger than 5 MB."), code="too_large")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(_("This photo is larger than 5 MB."), code="too_large")
    content_type = sniff(data[:16])
    if content_type not in IMAGES:
        raise ValidationError(_("Only JPEG, PNG or WebP photos can be used."), code="type")
    stripped = strip_image(data, content_type)
    with Image.open(io.BytesIO(stripped)) as image:
        small = image.convert("RGB")
        small.thumbnail(CARD_PIXELS)
        out = io.BytesIO()
        small.save(out, format="JPEG", quality=85)
    return out.getvalue()
