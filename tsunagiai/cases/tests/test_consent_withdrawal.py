"""Consent withdrawal and expiry take effect at once on the case team (docs/consent.md)."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.urls import reverse

from tsunagiai.cases.actions import do_add_team_member
from tsunagiai.cases.models import TeamMember
from tsunagiai.cases.tests.helpers import make_family, open_case
from tsunagiai.consent.actions import do_record_consent, do_withdraw_consent
from tsunagiai.consent.models import Consent
from tsunagiai.testing import Town


def test_withdrawing_consent_takes_the_organisations_that_relied_on_it_off_the_team(client: Any, town: Town) -> None:
    family = make_family(town)
    case = open_case(town, family, lead="csw")
    do_add_team_member(case, town.orgs["elderly_north"], acting_user=town.users["caseworker_north"])
    case_url = reverse("cases:detail", args=[case.pk])
    client.force_login(town.users["elderly_worker"])
    assert client.get(case_url).status_code == 200

    consent = Consent.objects.get(person=family.mother)
    do_withdraw_consent(consent, acting_user=town.users["caseworker_north"], note="本人より撤回")

    left = TeamMember.objects.get(case=case, organisation=town.orgs["elderly_north"])
    assert left.left_at is not None
    assert client.get(case_url).status_code == 404
    # The lead holds the case (the page warns); the intake's own window keeps its basis.
    assert TeamMember.objects.filter(case=case, organisation=town.orgs["csw"], left_at__isnull=True).exists()
    client.force_login(town.users["csw_worker"])
    assert client.get(case_url).status_code == 200


def test_an_expired_consent_ends_team_access_at_the_next_sweep(client: Any, town: Town, time_machine: Any) -> None:
    time_machine.move_to("2026-10-01 10:00 +0900")
    family = make_family(town)
    # Replace the open-ended consent with one that expires at the end of October.
    do_withdraw_consent(Consent.objects.get(person=family.mother), acting_user=town.users["caseworker_north"])
    do_record_consent(
        family.mother,
        acting_user=town.users["caseworker_north"],
        organisation=town.orgs["branch_north"],
        given_on=dt.date(2026, 10, 1),
        expires_on=dt.date(2026, 10, 31),
        method="written",
        scope_organisations=[town.orgs["elderly_north"], town.orgs["csw"]],
    )
    case = open_case(town, family, lead="csw")
    do_add_team_member(case, town.orgs["elderly_north"], acting_user=town.users["caseworker_north"])
    call_command("run_sweeps", stdout=StringIO())
    assert TeamMember.objects.get(case=case, organisation=town.orgs["elderly_north"]).left_at is None

    time_machine.move_to("2026-11-02 10:00 +0900")
    call_command("run_sweeps", stdout=StringIO())
    assert TeamMember.objects.get(case=case, organisation=town.orgs["elderly_north"]).left_at is not None
    client.force_login(town.users["elderly_worker"])
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
