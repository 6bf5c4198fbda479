"""Keep the translation catalogues in step with the code.

    python -m haki.translations update   # extract new strings, compile catalogues
    python -m haki.translations check    # fail if catalogues are stale or incomplete

Every catalogue must be complete: Swahili, Russian, Kyrgyz, Telugu and Burmese. A
language added later may sit in FOLLOWING, reported but not required, until its
translators have caught up.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
LOCALE = PACKAGE / "locale"
REQUIRED = ["sw", "ru", "ky", "te", "my"]
FOLLOWING: list[str] = []
HEADER_DATES = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): .*\\n"\n', re.M)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "haki.settings.test")
    import django

    django.setup()


def catalogues() -> list[Path]:
    return sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))


def update() -> None:
    from django.core.management import call_command

    os.chdir(PACKAGE)  # makemessages writes into ./locale of the working directory
    for domain in ("django", "djangojs"):
        if domain == "djangojs" and not list(PACKAGE.glob("**/static/haki/*.js")):
            continue
        call_command(
            "makemessages",
            locale=REQUIRED + FOLLOWING,
            domain=domain,
            no_location=True,
            no_obsolete=True,
            verbosity=0,
            ignore_patterns=["tests/*", "*/tests/*"],
        )
    call_command("compilemessages", locale=REQUIRED + FOLLOWING, verbosity=0)


def statistics(po: Path) -> str:
    done = subprocess.run(
        ["msgfmt", "--statistics", "-o", os.devnull, str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stderr.strip()


def check() -> int:
    before = {po: HEADER_DATES.sub(b"", po.read_bytes()) for po in catalogues()}
    mo_before = {mo: mo.read_bytes() for mo in LOCALE.glob("*/LC_MESSAGES/*.mo")}
    update()
    problems = []
    for po in catalogues():
        if HEADER_DATES.sub(b"", po.read_bytes()) != before.get(po):
            problems.append(f"{po.relative_to(PACKAGE)} is out of date with the code")
        language = po.parts[-3]
        stats = statistics(po)
        if language in REQUIRED and ("untranslated" in stats or "fuzzy" in stats):
            problems.append(f"{po.relative_to(PACKAGE)} is incomplete: {stats}")
        elif language in FOLLOWING:
            print(f"{po.relative_to(PACKAGE)}: {stats}")
    for mo, content in mo_before.items():
        if mo.read_bytes() != content:
            problems.append(f"{mo.relative_to(PACKAGE)} was not compiled from its catalogue")
    for problem in problems:
        print(f"translations: {problem}", file=sys.stderr)
    if problems:
        print("run `python -m haki.translations update`, translate, and commit", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    _setup()
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        update()
        sys.exit(0)
    sys.exit(check())
