from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "haki.members"
    label = "members"

    def ready(self) -> None:
        from haki.core import home, words
        from haki.members.models import Member
        from haki.members.panels import counts

        home.register(counts)
        words.register(Member.codewords_held)
