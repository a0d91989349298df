"""Form plumbing every app shares: labelled errors, the area choice, the date input, action refusals.

Every field is rendered with one template, ``forms/field.html`` (the project's form renderer,
``FORM_RENDERER``): ``{{ form.name.as_field_group }}`` gives the label, the errors linked to the
input with aria-describedby, and the input, in a ``div.field``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from tsunagiai.core.errors import ActionRefused

if TYPE_CHECKING:
    from tsunagiai.reference.models import Area


def _attrs(attrs: dict[str, Any]) -> str:
    """Django's ``attrs.html`` in Python: ``False`` leaves the attribute out, ``True`` writes its name alone."""
    return "".join(
        f" {name}" if value is True else f' {name}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


# Django's empty choice, ``---------``, says nothing to a person: a select shows words instead.
DJANGO_EMPTY_LABEL = "---------"


def empty_choice_label(required: bool) -> str:
    """The words shown for a select's empty choice: choose one, or leave it unspecified."""
    return str(_("Choose…") if required else _("Not specified"))


def _option_label(option: dict[str, Any], required: bool) -> Any:
    if option["label"] == DJANGO_EMPTY_LABEL and option["value"] in ("", None):
        return empty_choice_label(required)
    return option["label"]


def _select(widget: dict[str, Any]) -> str:
    """Django's ``select.html`` and ``select_option.html``, written out in Python (words for ``---------``)."""
    required = bool(widget.get("required") or widget["attrs"].get("required"))
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{conditional_escape(group_name)}">')
        parts.extend(
            f'<option value="{conditional_escape(option["value"])}"{_attrs(option["attrs"])}>'
            f"{conditional_escape(_option_label(option, required))}</option>"
            for option in options
        )
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return "\n".join(parts)


def _multiple_input(widget: dict[str, Any]) -> str:
    """Django's ``multiple_input.html`` (checkbox and radio lists) with ``input_option.html``, in Python."""
    widget_id = widget["attrs"].get("id")
    css = widget["attrs"].get("class")
    parts = [
        f"<div{f' id="{conditional_escape(widget_id)}"' if widget_id else ''}"
        f"{f' class="{conditional_escape(css)}"' if css else ''}>"
    ]
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"<div><label>{conditional_escape(group)}</label>")
        for option in options:
            value = "" if option["value"] is None else f' value="{conditional_escape(option["value"])}"'
            name = conditional_escape(option["name"])
            field = f'<input type="{option["type"]}" name="{name}"{value}{_attrs(option["attrs"])}>'
            if option.get("wrap_label"):
                label_for = option["attrs"].get("id")
                opening = f'<label for="{conditional_escape(label_for)}">' if label_for else "<label>"
                field = f"{opening}{field} {conditional_escape(option['label'])}</label>"
            parts.append(f"<div>{field}</div>")
        if group:
            parts.append("</div>")
    parts.append("</div>")
    return "\n".join(parts)


class FormRenderer(DjangoTemplates):
    """Django's renderer with the project's field template (tsunagiai/core/templates/forms/field.html).

    Selects and checkbox/radio lists are written in Python instead of through Django's templates, which
    include two templates per option: the markup is the same (tsunagiai/core/tests/test_widget_templates.py
    compares it with Django's), and a page with a few hundred options (the intake list's and the
    dashboard's filters, the area lists, the consent form's 71 organisations) renders several times
    faster. A widget with its own ``template_name`` or ``option_template_name`` is rendered by its templates.
    """

    field_template_name = "forms/field.html"
    python_widgets: ClassVar[dict[str, tuple[str, Callable[[dict[str, Any]], str]]]] = {
        "django/forms/widgets/select.html": ("django/forms/widgets/select_option.html", _select),
        "django/forms/widgets/radio.html": ("django/forms/widgets/radio_option.html", _multiple_input),
        "django/forms/widgets/checkbox_select.html": ("django/forms/widgets/checkbox_option.html", _multiple_input),
    }

    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        fast = self.python_widgets.get(template_name)
        widget = context.get("widget")
        if fast is not None and widget is not None and _uses_option_template(widget, fast[0]):
            return mark_safe(fast[1](widget))  # noqa: S308 - every value is escaped above
        return super().render(template_name, context, request)


def _uses_option_template(widget: dict[str, Any], option_template: str) -> bool:
    return all(
        option["template_name"] == option_template
        for _group, options, _index in widget["optgroups"]
        for option in options
    )


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
        # Not obj.get_level_display(): that rebuilds a dict of every translated choice for each option.
        return f"{obj.name}({obj.Level(obj.level).label})"


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
