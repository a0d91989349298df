from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "tsunagiai.intake"
    label = "intake"

    def ready(self) -> None:
        from tsunagiai.intake import inbox_kinds  # noqa: F401 - registers the kinds of inbox item the app posts
