"""An edit's audit entry holds the field-level before/after: 'before' is what the database held.

A bound ModelForm writes the posted values into its instance while validating, so a 'before' taken
from that instance equals the 'after' and the entry said ``changes={}``. Every action takes its
'before' from the database (``stored_snapshot``); the AST check below keeps it that way.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from tsunagiai.audit.models import AuditEvent
from tsunagiai.people.tests.factories import make_household, make_person


def _last(action: str) -> AuditEvent:
    event = AuditEvent.objects.filter(action=action).order_by("-sequence").first()
    assert event is not None, action
    return event


def _person_data(person, **overrides):
    data = {
        "family_name": person.family_name,
        "given_name": person.given_name,
        "family_name_kana": person.family_name_kana,
        "given_name_kana": person.given_name_kana,
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "primary_language": person.primary_language or "ja",
        "phone": person.phone,
        "version": person.version,
    }
    data.update(overrides)
    return data


def test_a_person_edited_on_the_page_is_audited_field_by_field(client, town) -> None:
    person = make_person(town, phone="0565-00-0000", notes="")
    client.force_login(town.users["caseworker_north"])
    url = reverse("people:person_edit", args=[person.pk])
    response = client.post(url, _person_data(person, phone="0565-11-1111", notes="夜間は不在"))
    assert response.status_code == 302
    changes = _last("people.person_updated").changes
    assert changes["phone"] == {"before": "0565-00-0000", "after": "0565-11-1111"}
    assert changes["notes"] == {"before": "", "after": "夜間は不在"}
    assert "family_name" not in changes  # unchanged fields are not listed


def test_a_person_edited_through_the_api_is_audited_field_by_field(client, town) -> None:
    person = make_person(town, phone="0565-00-0000")
    client.force_login(town.users["caseworker_north"])
    response = client.patch(
        f"/api/v1/persons/{person.pk}",
        json.dumps({"version": 1, "phone": "0565-22-2222"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert _last("people.person_updated").changes == {"phone": {"before": "0565-00-0000", "after": "0565-22-2222"}}


def test_a_household_edited_on_the_page_is_audited_field_by_field(client, town) -> None:
    household = make_household(town, [], name="山田さん世帯", address_line="1-2-3")
    client.force_login(town.users["caseworker_north"])
    url = reverse("people:household_edit", args=[household.pk])
    response = client.post(url, {"name": "山田さんの世帯", "address_line": "1-2-3", "version": 1})
    assert response.status_code == 302
    changes = _last("people.household_updated").changes
    assert changes == {"name": {"before": "山田さん世帯", "after": "山田さんの世帯"}}


# --- the class: no action takes its 'before' from the instance it is given -------------------


def _is_call_of(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def _reads_attribute(node: ast.expr) -> bool:
    """``obj.field`` or ``getattr(obj, name)``: a value read from an instance in memory."""
    return isinstance(node, ast.Attribute) or _is_call_of(node, "getattr")


def _offending_lines(path: Path) -> list[str]:
    """Assignments of a ``before…`` name from ``snapshot(...)`` or from the instance's attributes."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Assign):
            continue
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        if not any(name.startswith("before") for name in names):
            continue
        value = node.value
        if isinstance(value, ast.Call):
            from_instance = _is_call_of(value, "snapshot")
        elif isinstance(value, ast.Dict):
            from_instance = any(_reads_attribute(v) for v in value.values)
        elif isinstance(value, ast.DictComp):
            from_instance = _reads_attribute(value.value)
        else:
            from_instance = False
        if from_instance:
            found.append(f"{path.relative_to(settings.BASE_DIR)}:{node.lineno}")
    return found


def test_every_action_takes_its_before_from_the_database() -> None:
    offending = [
        line
        for path in sorted(Path(settings.BASE_DIR, "tsunagiai").glob("*/actions.py"))
        for line in _offending_lines(path)
    ]
    assert offending == [], (
        "take the 'before' of an edit with stored_snapshot(obj, fields) (tsunagiai/audit/actions.py): "
        "a bound ModelForm has already changed the instance\n" + "\n".join(offending)
    )
