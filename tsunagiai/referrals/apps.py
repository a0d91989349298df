from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "tsunagiai.referrals"
    label = "referrals"

    def ready(self) -> None:
        # Registers the kinds of inbox item the app posts, its periodic sweeps for run_sweeps, and the
        # receiver that makes an intake's answer on consent a consent record (receivers.py).
        from tsunagiai.referrals import inbox_kinds, receivers, sweeps  # noqa: F401
