"""The triage panel's input, and how an intake form's concern field asks for suggestions as staff type."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy

from tsunagiai.core.forms import LabelledErrorsMixin
from tsunagiai.triage.engine import MAX_TEXT_LENGTH

PANEL_TARGET = "#triage-panel"
# Debounced: a suggestion after the typing pauses, and one for the text already there.
PANEL_TRIGGER = "input changed delay:600ms, load"
OPT_IN_FIELD = "triage_training_opt_in"


class SuggestForm(LabelledErrorsMixin, forms.Form):
    """What the panel posts: the whole intake form is sent; only these fields are read."""

    # Not stripped: the highlighted offsets index the text exactly as typed.
    concern = forms.CharField(label=gettext_lazy("Concern"), required=False, strip=False, max_length=MAX_TEXT_LENGTH)
    town_block = forms.IntegerField(
        label=gettext_lazy("Where (town block)"), required=False, min_value=1, max_value=2**62
    )
    person_id = forms.IntegerField(label=gettext_lazy("Person"), required=False, min_value=1, max_value=2**62)
    triage_intake_id = forms.IntegerField(label=gettext_lazy("Intake"), required=False, min_value=1, max_value=2**62)


def attach_suggestion_panel(form: forms.Form, field_name: str = "concern") -> None:
    """Make the concern textarea ask the triage panel for a suggestion as staff type (htmx)."""
    attrs = form.fields[field_name].widget.attrs
    attrs.update(
        {
            "hx-post": reverse("triage:suggest"),
            "hx-trigger": PANEL_TRIGGER,
            "hx-target": PANEL_TARGET,
            "hx-swap": "innerHTML",
            "hx-sync": "this:replace",
            "aria-controls": "triage-panel",
        }
    )


def training_opt_in_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=gettext_lazy("Use my choices to improve the suggestions (names and addresses are masked)"),
        required=False,
    )
