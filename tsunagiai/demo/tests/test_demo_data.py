from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tsunagiai.accounts.models import Membership, Role, User
from tsunagiai.audit.models import AuditEvent
from tsunagiai.demo.logins import DEMO_PASSWORD
from tsunagiai.inbox.selectors import items_about
from tsunagiai.intake import inbox_kinds
from tsunagiai.intake.models import Intake
from tsunagiai.people.models import Household, HouseholdMembership, Person

TINY = ("--people", "40", "--intakes", "30")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_data", *args, stdout=out)
    return out.getvalue()


def snapshot() -> tuple[list[tuple[str, str, str, str]], list[str], dict[str, int]]:
    people = [
        (p.family_name, p.given_name, p.family_name_kana, p.birth_date.isoformat() if p.birth_date else "")
        for p in Person.objects.order_by("id")
    ]
    concerns = [
        f"{received:%Y-%m-%d %H:%M} {org} {concern}"
        for received, org, concern in Intake.objects.order_by("id").values_list(
            "received_at", "receiving_organisation_id", "concern"
        )
    ]
    counts = {
        "people": Person.objects.count(),
        "households": Household.objects.count(),
        "intakes": Intake.objects.count(),
        "members": HouseholdMembership.objects.count(),
    }
    return people, concerns, counts


@pytest.mark.django_db
def test_demo_data_refuses_to_run_before_reference_data_is_loaded():
    with pytest.raises(CommandError, match="load_reference"):
        run(*TINY)


def test_demo_data_creates_people_households_and_intakes_with_one_audit_event(town):
    output = run(*TINY)

    assert "Demo data generated" in output
    assert Person.objects.count() >= 40
    assert Intake.objects.count() == 30
    assert Household.objects.count() >= 5
    # Every person is in a household, with search keys, registered by a real organisation.
    assert HouseholdMembership.objects.filter(ended_on__isnull=True).count() == Person.objects.count()
    assert not Person.objects.filter(search_name="").exists()
    assert not Intake.objects.filter(received_by__isnull=True).exists()
    events = AuditEvent.objects.values_list("action", flat=True)
    assert list(events) == ["demo.generated"]


def test_the_same_seed_gives_the_same_people_and_intakes(town):
    run(*TINY, "--seed", "7")
    first = snapshot()
    run(*TINY, "--seed", "7", "--force")
    second = snapshot()
    run(*TINY, "--seed", "8", "--force")
    other = snapshot()

    assert first == second
    assert first[0] != other[0]


def test_a_second_run_keeps_the_demo_data_that_is_there(town):
    run(*TINY)
    before = snapshot()

    output = run(*TINY, "--seed", "99")

    assert "already present" in output
    assert snapshot() == before
    assert AuditEvent.objects.filter(action="demo.generated").count() == 1


def test_demo_data_refuses_a_database_that_holds_other_people(town):
    Person.objects.create(family_name="実在", registered_by_organisation=town.orgs["branch_north"])

    with pytest.raises(CommandError, match="empty database"):
        run(*TINY)


def test_the_8050_household_was_found_by_the_community_volunteer(town):
    run(*TINY)

    household = Household.objects.get(name="杉浦さん世帯")
    members = {m.person.given_name: m for m in household.memberships.select_related("person")}
    mother, son = members["トミ"].person, members["健一"].person
    assert (mother.age() or 0) >= 85 and (son.age() or 0) >= 50
    assert son.employment_status == "not_working"
    assert members["健一"].relationship == "child"
    concern = household.intakes.get(kind=Intake.Kind.VOLUNTEER_CONCERN)
    assert concern.reported_by is not None
    assert concern.reported_by.memberships.filter(role=Role.VOLUNTEER).exists()
    assert concern.receiving_organisation.agency_type_id == "branch_office"
    assert {"elderly_care", "social_isolation"} <= set(concern.categories.values_list("code", flat=True))
    assert items_about(concern).filter(kind=inbox_kinds.VOLUNTEER_CONCERN).exists()


def test_the_fire_report_follows_an_ambulance_call(town):
    run(*TINY)

    report = Intake.objects.get(kind=Intake.Kind.FIRE_REPORT, person__family_name="梅村")
    assert report.incident_type == Intake.IncidentType.AMBULANCE
    assert report.incident_at is not None and report.incident_at < report.received_at
    assert report.receiving_organisation.agency_type_id == "fire_department"
    assert report.consulter_type_id == "fire_department"
    assert items_about(report).filter(organisation=town.orgs["coordination"]).exists()


def test_the_double_care_family_cares_for_small_children_and_an_elder(town):
    run(*TINY)

    household = Household.objects.get(name="都築さん世帯")
    ages = sorted(p.age() or 0 for p in household.members.all())
    elder = household.members.get(given_name="和子")
    assert ages[0] < 6 and ages[-1] >= 70
    assert elder.care_level == "care_3"
    categories = set(household.intakes.values_list("categories__code", flat=True))
    assert {"child_rearing", "elderly_care"} <= categories


def test_the_light_bulb_was_answered_with_information_and_closed(town):
    run(*TINY)

    intake = Intake.objects.get(person__family_name="神谷")
    assert list(intake.categories.values_list("code", flat=True)) == ["daily_living"]
    assert intake.first_response == Intake.FirstResponse.INFORMATION_ONLY
    assert intake.status == Intake.Status.CLOSED and intake.closed_at is not None


def test_the_brazilian_family_needs_an_interpreter(town):
    run(*TINY)

    household = Household.objects.get(name="PEREIRAさん世帯")
    assert household.members.get(given_name="JULIANA").needs_interpreter
    assert household.members.get(given_name="CARLOS EDUARDO").needs_interpreter
    assert set(household.members.values_list("primary_language", flat=True)) == {"pt"}
    intake = household.intakes.order_by("received_at").first()
    assert intake is not None
    assert "foreign_residents" in set(intake.categories.values_list("code", flat=True))


def test_demo_logins_have_the_shared_password_and_no_django_admin_rights(town):
    run(*TINY)

    branch = User.objects.get(username="branch")
    assert branch.check_password(DEMO_PASSWORD)
    assert Membership.objects.get(user=branch).role == Role.CASEWORKER
    fire = User.objects.get(username="fire")
    assert Membership.objects.get(user=fire).organisation.agency_type_id == "fire_department"
    assert not User.objects.filter(is_staff=True).exists()
    assert not User.objects.filter(is_superuser=True).exists()
    # Invented staff who received the invented intakes cannot sign in.
    assert not User.objects.get(username="staff-branch_south-1").has_usable_password()


@pytest.mark.parametrize(("name", "pattern"), [("杉浦さん世帯", "p8050"), ("都築さん世帯", "double_care")])
def test_story_households_show_their_pattern(town, name, pattern):
    from django.utils import timezone

    from tsunagiai.people.patterns import household_patterns

    run(*TINY)

    household = Household.objects.get(name=name)
    memberships = list(household.memberships.filter(ended_on__isnull=True).select_related("person"))
    intakes = Intake.objects.filter(household=household).prefetch_related("categories")
    found = household_patterns(memberships, intakes, household_id=household.pk, today=timezone.localdate())
    assert pattern in {finding.code for finding in found}


def _demo_rows() -> dict[str, int]:
    from django.apps import apps

    from tsunagiai.demo.generate import DEMO_TABLE_MODELS

    return {label: apps.get_model(label)._default_manager.count() for label in DEMO_TABLE_MODELS}


def test_removing_the_demo_empties_every_demo_table_and_keeps_users_and_reference_data(town):
    from django.db import connection

    from tsunagiai.demo.generate import remove_demo_data
    from tsunagiai.reference.models import Organisation

    run(*TINY)
    assert _demo_rows()["people.Person"] > 0 and _demo_rows()["referrals.Referral"] > 0
    users, organisations = User.objects.count(), Organisation.objects.count()
    with connection.execute_wrapper(_statements := _Recorder()):
        remove_demo_data()
    assert set(_demo_rows().values()) == {0}
    assert (User.objects.count(), Organisation.objects.count()) == (users, organisations)
    truncated = any(sql.startswith("TRUNCATE") for sql in _statements.sql)
    assert truncated == (connection.vendor == "postgresql")  # one TRUNCATE on PostgreSQL, deletes on SQLite


def test_a_protected_reference_from_outside_the_demo_stops_the_quick_removal_too(town):
    from django.utils import timezone

    from tsunagiai.privacy.models import LegalReference, UseSuspension

    run(*TINY)
    person = Person.objects.order_by("id")[0]
    UseSuspension.objects.create(
        person=person,
        legal_reference=LegalReference.values[0],
        reason="本人からの利用停止請求",
        suspended_at=timezone.now(),
        suspended_by=town.users["coordinator"],
    )
    with pytest.raises(CommandError, match="start from a fresh database"):
        run(*TINY, "--force")
    assert Person.objects.filter(pk=person.pk).exists()  # nothing was removed


class _Recorder:
    def __init__(self) -> None:
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.sql.append(sql)
        return execute(sql, params, many, context)
