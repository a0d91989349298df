"""The directory's filter form."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import pgettext_lazy

from tsunagiai.reference import selectors
from tsunagiai.reference.models import Organisation


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


class OrganisationGroupsWidget(forms.CheckboxSelectMultiple):
    """Organisations as checkboxes, one collapsible group per agency type (its Japanese name).

    A group holding a ticked organisation starts open, the others closed, so a list of some seventy
    organisations shows what is chosen and folds the rest away. Written out in Python like the
    project's other checkbox lists (tsunagiai.core.forms.FormRenderer), every value escaped.
    """

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        widget_id = widget["attrs"].get("id") or f"id_{name}"
        parts = [f'<div id="{conditional_escape(widget_id)}" class="organisation-groups">']
        for index, (group, options, _index) in enumerate(widget["optgroups"]):
            is_open = any(option["selected"] for option in options)
            legend_id = f"{widget_id}-group-{index}"
            if group:
                parts.append(
                    f"<details{' open' if is_open else ''}><summary>{conditional_escape(group)}</summary>"
                    f'<fieldset aria-labelledby="{conditional_escape(legend_id)}">'
                    f'<legend id="{conditional_escape(legend_id)}" class="visually-hidden">'
                    f"{conditional_escape(group)}</legend>"
                )
            for option in options:
                option_attrs = option["attrs"]
                checked = " checked" if option_attrs.get("checked") else ""
                described = widget["attrs"].get("aria-describedby")
                aria = f' aria-describedby="{conditional_escape(described)}"' if described else ""
                parts.append(
                    f'<div><label for="{conditional_escape(option_attrs["id"])}">'
                    f'<input type="checkbox" name="{conditional_escape(option["name"])}" '
                    f'value="{conditional_escape(option["value"])}" id="{conditional_escape(option_attrs["id"])}"'
                    f"{checked}{aria}> {conditional_escape(option['label'])}</label></div>"
                )
            if group:
                parts.append("</fieldset></details>")
        parts.append("</div>")
        return mark_safe("".join(parts))  # noqa: S308 - every value is escaped above


class OrganisationsField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Active organisations, grouped by agency type; ``first`` (e.g. those a referral names) come first."""

    widget = OrganisationGroupsWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Organisation.objects.filter(active=True))
        super().__init__(**kwargs)

    def put_first(self, first_ids: Iterable[int], *, first_label: str) -> None:
        """Group the choices by agency type (in the taxonomy's order), the organisations in ``first_ids`` ahead."""
        queryset = cast(QuerySet[Organisation], self.queryset)
        organisations = list(
            queryset.select_related("agency_type").order_by("agency_type__sort_order", "agency_type_id", "kana", "name")
        )
        wanted = set(first_ids)
        first = [(org.pk, org.name) for org in organisations if org.pk in wanted]
        groups: dict[str, tuple[str, list[tuple[int, str]]]] = {}
        for org in organisations:
            if org.pk not in wanted:
                groups.setdefault(org.agency_type_id, (org.agency_type.label, []))[1].append((org.pk, org.name))
        self.choices = ([(first_label, first)] if first else []) + list(groups.values())
