"""The directory's filter form."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import pgettext_lazy

from tsunagiai.reference import selectors


class DirectoryFilterForm(forms.Form):
    """Filter the organisation directory by agency type and by the area served."""

    agency_type = forms.ChoiceField(label=pgettext_lazy("directory", "Agency type"), required=False)
    area = forms.ChoiceField(label=pgettext_lazy("directory", "Area"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["agency_type"]).choices = [
            ("", pgettext_lazy("directory", "All types"))
        ] + [(code, label) for code, label in selectors.active_agency_types().values_list("code", "label")]
        cast(forms.ChoiceField, self.fields["area"]).choices = [
            ("", pgettext_lazy("directory", "All areas")),
            *selectors.area_choices(),
        ]

    def full_clean(self) -> None:
        super().full_clean()
        # Link each error to its input for screen readers.
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}-errors"
