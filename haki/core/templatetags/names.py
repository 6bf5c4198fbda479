"""Codes stored in the database (a tier, a language) shown by their names, in the
reader's language."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language_info

from haki.core.models import TIER_NAMES

register = template.Library()


@register.filter
def tier_name(code: str) -> str:
    return str(TIER_NAMES.get(code, code.replace("_", " ")))


@register.filter
def language_name(code: str) -> str:
    try:
        return get_language_info(code)["name_translated"]
    except KeyError:
        return code
