"""The project's Python-rendered selects and checkbox/radio lists write the markup Django's templates write.

The same elements, attributes and text; only the whitespace between tags differs (Django's included
templates end in a newline), which HTML does not count between options and collapses in labels.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from tsunagiai.core.forms import FormRenderer

CHOICES: list[Any] = [
    ("", "(none)"),
    ("a", "あ & <b>"),
    ("Group", [("g1", "一"), ("g2", 'two "quoted"')]),
    (3, "三"),
    ('q"<v>', "quote in the value"),
]


class Sample(forms.Form):
    single = forms.ChoiceField(choices=CHOICES)
    several = forms.MultipleChoiceField(choices=CHOICES[1:], widget=forms.SelectMultiple)
    boxes = forms.MultipleChoiceField(choices=CHOICES[1:], widget=forms.CheckboxSelectMultiple(attrs={"class": "x"}))
    radios = forms.ChoiceField(choices=CHOICES[1:], widget=forms.RadioSelect)
    disabled = forms.ChoiceField(choices=CHOICES, disabled=True, required=False)


def _tags(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"single": "g2", "several": ["a", "3"], "boxes": ["g1", "3"], "radios": "a"},
        {"single": "missing", "boxes": ["nope"]},
    ],
)
@pytest.mark.parametrize("name", ["single", "several", "boxes", "radios", "disabled"])
def test_same_markup_as_django(data: dict[str, Any] | None, name: str) -> None:
    ours = Sample(data, renderer=FormRenderer())[name]
    django = Sample(data, renderer=DjangoTemplates())[name]
    assert _tags(ours.as_widget()) == _tags(django.as_widget())
    assert "<option" in str(ours) or "<input" in str(ours)


class OwnOption(forms.Select):
    option_template_name = "forms/field.html"  # any other template: the widget's own templates decide


def test_a_widget_with_its_own_option_template_is_rendered_by_it() -> None:
    field = forms.ChoiceField(choices=[("a", "A")], widget=OwnOption)
    form = forms.Form(renderer=FormRenderer())
    form.fields["x"] = field
    assert 'class="field' in str(form["x"].as_widget())


def test_django_s_dashes_for_the_empty_choice_become_words() -> None:
    class Dashes(forms.Form):
        needed = forms.ChoiceField(choices=[("", "---------"), ("a", "A")])
        optional = forms.ChoiceField(choices=[("", "---------"), ("a", "A")], required=False)

    html = str(Dashes())
    assert "---------" not in html
    assert "選択してください" in html
    assert "指定なし" in html
