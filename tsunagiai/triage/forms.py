"""The triage panel's input. How an intake form's concern field asks for it is in tsunagiai.intake.forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from tsunagiai.core.forms import LabelledErrorsMixin
from tsunagiai.triage.engine import MAX_TEXT_LENGTH


class SuggestForm(LabelledErrorsMixin, forms.Form):
    """What the panel posts: the whole intake form is sent; only these fields are read."""

    # Not stripped: the highlighted offsets index the text exactly as typed.
    concern = forms.CharField(label=gettext_lazy("Concern"), required=False, strip=False, max_length=MAX_TEXT_LENGTH)
    town_block = forms.IntegerField(
        label=gettext_lazy("Where (town block)"), required=False, min_value=1, max_value=2**62
    )
    person_id = forms.IntegerField(label=gettext_lazy("Person"), required=False, min_value=1, max_value=2**62)
    triage_intake_id = forms.IntegerField(label=gettext_lazy("Intake"), required=False, min_value=1, max_value=2**62)
