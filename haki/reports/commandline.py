"""What the reports' commands (brief, indicators, dhis2) share: their organisation and
the language of what they say. Errors are sentences in the language asked with
--language, else the organisation's, else the site's (before the organisation is
known), as the brief itself is written."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from haki.core.models import Organisation
from haki.reports.figures import year_error


def add_language(parser: CommandParser) -> None:
    parser.add_argument(
        "--language",
        choices=[code for code, _name in settings.LANGUAGES],
        help="Language of what the command says (default: the organisation's).",
    )


@contextmanager
def speaking(slug: str, language: str | None) -> Iterator[Organisation]:
    """The organisation with ``slug``, with its language (or ``language``) active."""
    with translation.override(language or settings.LANGUAGE_CODE):
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise CommandError(
                _("There is no organisation with the slug %(slug)s.") % {"slug": slug}
            )
    with translation.override(language or organisation.default_language):
        yield organisation


def day(value: str) -> datetime.date:
    try:
        found = datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            _("%(value)s is not a date (YYYY-MM-DD).") % {"value": repr(value)}
        ) from None
    if error := year_error(found.year):
        raise CommandError(error)
    return found
