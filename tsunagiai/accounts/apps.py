from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tsunagiai.accounts"
    label = "accounts"
