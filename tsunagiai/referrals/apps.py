from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "tsunagiai.referrals"
    label = "referrals"

    def ready(self) -> None:
        # Registers the kinds of inbox item the app posts, and its periodic sweeps for run_sweeps.
        from tsunagiai.referrals import inbox_kinds, sweeps  # noqa: F401
