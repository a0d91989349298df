"""Strings of Django itself that its Japanese catalogue does not translate yet.

Listing them here puts them in the project's catalogue (locale/), which takes
precedence over Django's.
"""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = (
    # Django 6's label for the empty choice of a select with model choices.
    gettext_noop("- Select an option -"),
)
