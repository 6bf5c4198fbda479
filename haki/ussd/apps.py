from django.apps import AppConfig


class UssdConfig(AppConfig):
    name = "haki.ussd"
    label = "ussd"
