"""No My Number (個人番号) is ever stored: no model field anywhere may hold one."""

from __future__ import annotations

import re

from django.apps import apps

FORBIDDEN = re.compile(r"my_?number|individual_?number|kojin_?bang|mynumber", re.IGNORECASE)


def test_no_model_field_in_the_project_is_named_like_my_number():
    offending = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if FORBIDDEN.search(field.name) or FORBIDDEN.search(getattr(field, "db_column", None) or "")
    ]
    assert offending == []


def test_the_person_form_has_no_my_number_field():
    from tsunagiai.people.forms import PersonForm

    assert not [name for name in PersonForm.base_fields if FORBIDDEN.search(name)]
