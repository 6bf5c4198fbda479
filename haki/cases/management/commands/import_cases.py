from __future__ import annotations

import importlib
from pathlib import Path

from django.core.management.base import CommandParser

# The module of `haki import` is named after a Python keyword.
ImportCommand = importlib.import_module("haki.management.commands.import").Command


class Command(ImportCommand):
    help = "Import historical cases from a CSV or XLSX file (the same as `haki import cases`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options) -> None:
        super().handle(*args, **{**options, "kind": "cases"})
