"""The demo's staff and volunteer users, their memberships and roles."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from tsunagiai.accounts.models import Membership, Role, User
from tsunagiai.demo.logins import ensure_demo_users
from tsunagiai.demo.names import given_name_pool
from tsunagiai.demo.population.base import BATCH_SIZE, STAFF_ROLES
from tsunagiai.demo.population.households import HouseholdWork
from tsunagiai.reference.models import Organisation


class StaffWork(HouseholdWork):
    """Creates the users (one random stream, ``{seed}:staff``)."""

    def ensure_users(self) -> None:
        """The demo logins, and invented staff and 民生委員 who received the invented intakes (no password)."""
        self.demo_users = ensure_demo_users(self.ref)
        rng = self.rng_staff
        wanted: list[tuple[str, Organisation, str, str, str]] = []
        specs: list[tuple[str, str]]
        for org in self.ref.organisations:
            if org.agency_type_id == "other":
                continue
            if org.agency_type_id == "community_volunteer":
                specs = [(f"minsei-{org.code}-{n}", Role.VOLUNTEER) for n in (1, 2, 3)]
            elif org.agency_type_id == "fire_department":
                specs = [(f"crew-{org.code}", Role.INTAKE)]
            elif org.agency_type_id == "branch_office":
                specs = [(f"staff-{org.code}-1", Role.CASEWORKER), (f"staff-{org.code}-2", Role.INTAKE)]
            else:
                specs = [(f"staff-{org.code}-1", Role.CASEWORKER)]
            for username, role in specs:
                family, family_kana = self.surname(rng)
                given, given_kana = rng.choice(given_name_pool(rng.choice(("female", "male")), 1980))
                wanted.append((username[:150], org, role, f"{family} {given}", f"{family_kana} {given_kana}"))
        existing = set(User.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", flat=True))
        missing = [w for w in wanted if w[0] not in existing]
        if missing:
            users = User.objects.bulk_create(
                [
                    User(username=username, password=make_password(None), full_name=name, full_name_kana=kana)
                    for username, _org, _role, name, kana in missing
                ],
                batch_size=BATCH_SIZE,
            )
            by_name = {u.username: u for u in users}
            Membership.objects.bulk_create(
                [
                    Membership(user=by_name[username], organisation=org, role=role)
                    for username, org, role, _n, _k in missing
                ],
                batch_size=BATCH_SIZE,
            )
        org_ids = [org.pk for org in self.ref.organisations]
        staff: dict[int, list[int]] = {}
        volunteers: dict[int, list[int]] = {}
        for org_id, user_id, role in (
            Membership.objects.filter(organisation_id__in=org_ids, active=True, user__is_active=True)
            .order_by("organisation_id", "user__username")
            .values_list("organisation_id", "user_id", "role")
        ):
            if role in STAFF_ROLES:
                staff.setdefault(org_id, []).append(user_id)
            elif role == Role.VOLUNTEER:
                volunteers.setdefault(org_id, []).append(user_id)
        self.staff_of, self.volunteers_of = staff, volunteers
