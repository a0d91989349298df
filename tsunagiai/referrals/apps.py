from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "tsunagiai.referrals"
    label = "referrals"
