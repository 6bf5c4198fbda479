from django.dispatch import Signal

# Sent with ``member`` and their former ``phone_index`` after a member's identifying
# data is erased, so that the apps holding their texts or records remove it too.
member_erased = Signal()
