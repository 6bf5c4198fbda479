"""The ``haki`` command: Django's manage.py under the project's name, defaulting to
the local development settings. ``haki help`` lists every subcommand."""

from __future__ import annotations

import os
import sys

# The first step of a set-up: it needs no settings, and so creates no files.
MAKE_KEY = (["generate_master_key"], ["generate-master-key"])


def main(argv: list[str] | None = None) -> int:
    if (sys.argv if argv is None else argv)[1:] in MAKE_KEY:
        from haki.core.crypto import generate_key

        print(generate_key())
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haki.settings.dev")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "haki"
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")  # `haki import-cases` runs import_cases
    try:
        execute_from_command_line(args)
    except ImproperlyConfigured as exc:
        # A configuration mistake deserves one clear sentence, not a traceback.
        print(f"haki: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
