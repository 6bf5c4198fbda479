"""Every word of the USSD menu. Short (a screen holds 160 characters in every
language, which a test checks) and neutral: nothing names what the service is for,
and the first screen carries the organisation's neutral name."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

LIMIT = 160

GET_HELP = _("Get help now")
REPORT = _("Tell us what happened")
FIND_SERVICE = _("Find a service")
RIGHTS = _("Know your rights")
CHECK_CODE = _("Check a worker's code")
REGISTER = pgettext_lazy("USSD menu", "Register")

ASK_WHAT = _("What happened?")
SOMETHING_ELSE = _("Something else")
ASK_WHERE = _("Where?")
NOT_SURE = _("Not sure")
ASK_WHEN = _("When?")
TODAY = _("Today")
YESTERDAY = _("Yesterday")
THIS_WEEK = _("This week")
EARLIER = _("Earlier")
ASK_CONSENT = _("Who may we share it with?")
REPORTS_AND_POLICE = _("Reports and police leaders")
REPORTS_ONLY = _("Reports only")
TEAM_ONLY = _("Only our team")
ASK_SEND = _("Send it to our team?")
SEND = pgettext_lazy("USSD menu", "Send")
CANCEL = pgettext_lazy("USSD menu", "Cancel")
ASK_KIND = _("Which service?")
ASK_CODE = _("Type the code on the card:")
ASK_AREA = _("Your area?")
CHOOSE_AGAIN = _("Choose a number from the list.")

HELP_SENT = _("Received. Someone will contact you soon.")
REPORT_SENT = _("Thank you. Your reference is %(ref)s.")
NOTHING_SENT = _("Nothing was sent. Goodbye.")
SMS_SENT = _("We have sent you an SMS.")
NOT_AVAILABLE = _("This is not available yet.")
REGISTERED = _("Welcome, you are registered. We have sent you an SMS.")
UNREADABLE = _("Sorry, something went wrong. Please try again.")
