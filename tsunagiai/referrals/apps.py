from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "tsunagiai.referrals"
    label = "referrals"

    def ready(self) -> None:
        from tsunagiai.referrals import sweeps  # noqa: F401 - registers the app's periodic sweeps for run_sweeps
