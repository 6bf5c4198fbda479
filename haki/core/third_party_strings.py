"""Strings shown on our pages by third-party packages that ship no Swahili, Kyrgyz,
Telugu or Burmese. Listing them here puts them in our catalogues, which take
precedence over the packages' own."""

from django.utils.translation import gettext_noop

THIRD_PARTY_STRINGS = [
    gettext_noop("Token"),
    gettext_noop("Entered token is not valid."),
    gettext_noop("Username"),
    gettext_noop("Password"),
    # Django's own yesno filter: its Burmese catalogue leaves it empty.
    gettext_noop("yes,no,maybe"),
]
