from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "tsunagiai.accounts"
    label = "accounts"

    def ready(self) -> None:
        from tsunagiai.accounts import security  # noqa: F401  (connects the sign-in signal)
