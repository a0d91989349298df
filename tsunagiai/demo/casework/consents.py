"""Consents (本人同意) for the people of cases and referrals that rest on consent."""

from __future__ import annotations

import datetime as dt

from tsunagiai.consent.models import Consent
from tsunagiai.demo.casework.base import CasePlan, CaseworkBase


class ConsentWork(CaseworkBase):
    """Plans the consent records."""

    def plan_consents(self) -> None:
        """One consent for each person referred on the consent basis; its scope, the organisations involved."""
        wanted: dict[int, tuple[dt.date, set[int], int, str]] = {}
        case_of: dict[int, CasePlan] = {}
        for case in self.cases:
            for plan in case.referrals:
                case_of[plan.row["id"]] = case
        for plan in self.referrals:
            person = plan.consent_person
            if person is None:
                continue
            found = case_of.get(plan.row["id"])
            orgs = {plan.row["from_organisation_id"], plan.row["to_organisation_id"]}
            method = "written"
            given = plan.row["sent_at"]
            if found is not None:
                orgs |= set(found.team)
                given = min(given, found.row["opened_at"])
                method = found.consent_methods.get(person, "oral")
            if person in wanted:
                old_given, old_orgs, recorder, old_method = wanted[person]
                wanted[person] = (min(old_given, given.date()), old_orgs | orgs, recorder, old_method)
            else:
                recorder = plan.row["from_organisation_id"]
                wanted[person] = (given.date(), orgs, recorder, "written" if method == "written" else "oral")
        for person, (given_on, orgs, recorder, method) in sorted(wanted.items()):
            consent_id = self.new_id(Consent)
            by = self.user(recorder)
            self.consent_rows.append(
                {
                    "id": consent_id,
                    "person_id": person,
                    "given_on": given_on,
                    "method": method,
                    "witness": "" if method == "written" else "同席した職員",
                    "given_by": "person",
                    "purpose": "関係機関で情報を共有し、支援を受けるため。",
                    "policy_explained": True,
                    "scope_information": ["basic", "family", "history"],
                    "recorded_by_id": by,
                    "recorded_by_organisation_id": recorder,
                    "created_at": dt.datetime.combine(given_on, dt.time(16, 0), tzinfo=self.tz),
                }
            )
            self.consent_orgs.extend({"consent_id": consent_id, "organisation_id": org} for org in sorted(orgs))
            self.consents_of[person] = (consent_id, given_on, orgs)
