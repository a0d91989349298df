"""Form plumbing every app shares: labelled errors, the area choice, the date input, action refusals.

Every field is rendered with one template, ``forms/field.html`` (the project's form renderer,
``FORM_RENDERER``): ``{{ form.name.as_field_group }}`` gives the label, the errors linked to the
input with aria-describedby, and the input, in a ``div.field``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates

from tsunagiai.core.errors import ActionRefused

if TYPE_CHECKING:
    from tsunagiai.reference.models import Area


class FormRenderer(DjangoTemplates):
    """Django's renderer with the project's field template (tsunagiai/core/templates/forms/field.html).

    Selects, checkbox lists and radio lists use copies of Django's templates that write each option in
    place instead of including two templates per option: the markup is the same (a test compares them),
    and a page with a few hundred options (the intake list's filters, the case page, the consent form's
    71 organisations) renders several times faster.
    """

    field_template_name = "forms/field.html"
    inlined_widget_templates: ClassVar[dict[str, str]] = {
        "django/forms/widgets/select.html": "forms/widgets/select.html",
        "django/forms/widgets/radio.html": "forms/widgets/multiple_input.html",
        "django/forms/widgets/checkbox_select.html": "forms/widgets/multiple_input.html",
    }

    def get_template(self, template_name: str) -> Any:
        return super().get_template(self.inlined_widget_templates.get(template_name, template_name))


class LabelledErrorsMixin:
    """Prefix every field error with the field's label: "生年月日: 未来の日付は指定できません。".

    Staff see the errors both beside the field and in a summary at the top;
    the label makes each one understandable on its own (and for screen readers).
    """

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        errors = getattr(self, "_errors", None) or {}
        fields: dict[str, forms.Field] = self.fields  # type: ignore[attr-defined]
        for name, error_list in errors.items():
            if name not in fields:
                continue
            prefix = f"{fields[name].label or name}: "
            error_list.data = [
                forms.ValidationError(message if message.startswith(prefix) else prefix + message, code=error.code)
                for error in error_list.as_data()
                for message in error.messages
            ]


class AreaChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """An area shown with its level: "北地区(地区)"."""

    def label_from_instance(self, obj: Area) -> str:
        return f"{obj.name}({obj.get_level_display()})"


class DateInput(forms.DateInput):
    input_type = "date"


def _refusal_target(form: forms.BaseForm, field: str) -> str | None:
    """The form field a refusal names: ``field`` itself or, for an API name, without ``_id``; else None."""
    if field in form.fields:
        return field
    if field.removesuffix("_id") in form.fields:
        return field.removesuffix("_id")
    return None


def add_action_errors(form: forms.BaseForm, error: ValidationError | ActionRefused) -> None:
    """Put an action's refusal on the form: beside the field it names, else among the non-field errors.

    The message already names the field (in the user's language), so it is shown as it is.
    """
    if isinstance(error, ActionRefused):
        form.add_error(_refusal_target(form, error.field) if error.field else None, error.message)
    elif hasattr(error, "error_dict"):
        for name, items in error.error_dict.items():
            for item in items:
                form.add_error(name if name in form.fields else None, item)
    else:
        form.add_error(None, error)


def error_summary(*forms_: forms.BaseForm) -> list[tuple[str, str]]:
    """(element id, message) for the error summary at the top of a form page (includes/error_summary.html)."""
    summary: list[tuple[str, str]] = []
    for form in forms_:
        for name, errors in form.errors.items():
            target = form[name].auto_id if name in form.fields else ""
            summary += [(str(target or ""), str(message)) for message in errors]
    return summary
