"""What every part of the casework shares: the plans of a referral and of a case, and the planner's state.

The planner is one object split by what it generates (``referrals``, ``cases``, ``consents``,
``support``, ``conferences``); this base holds its one random stream, its clock and the rows planned.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tsunagiai.cases.models import Case
from tsunagiai.consent.models import Consent
from tsunagiai.demo.bulk import next_id
from tsunagiai.reference.routing import routing_policy
from tsunagiai.referrals.models import Referral
from tsunagiai.referrals.timers import referral_timers
from tsunagiai.support.models import (
    Assessment,
    Conference,
    PlanRevision,
    SupportPlan,
)

if TYPE_CHECKING:
    from tsunagiai.demo.population import Generator


Row = dict[str, Any]

CS = Case.Status

CONSENTED = ("written", "oral")

NOT_LEAD_TYPES = frozenset({"fire_department", "community_volunteer", "other"})


def pick[T](rng: random.Random, weighted: Sequence[tuple[T, int]]) -> T:
    choices, weights = zip(*weighted, strict=True)
    chosen: T = rng.choices(choices, weights=weights)[0]
    return chosen


@dataclass
class ReferralPlan:
    row: Row
    steps: list[tuple[str, dt.datetime, int | None, int, str, str]]  # to, at, by, organisation, reason code, note
    consent_person: int | None = None

    @property
    def status(self) -> str:
        return self.steps[-1][0]

    @property
    def last_at(self) -> dt.datetime:
        return self.steps[-1][1]

    def at(self, status: str) -> dt.datetime | None:
        return next((at for to, at, *_rest in self.steps if to == status), None)


@dataclass
class CasePlan:
    row: Row
    block: int
    categories: set[str]
    intakes: list[Row]
    focus: list[int]
    consent_methods: dict[int, str]
    team: dict[int, tuple[dt.datetime, int | None]] = field(default_factory=dict)  # org → (joined, added by)
    named: list[tuple[int, int, dt.datetime]] = field(default_factory=list)  # org, user, joined
    leads: list[tuple[int | None, int, dt.datetime, int | None, str]] = field(default_factory=list)
    statuses: list[tuple[str, dt.datetime, int | None]] = field(default_factory=list)
    referrals: list[ReferralPlan] = field(default_factory=list)
    via_conference: list[int] = field(default_factory=list)  # indexes into leads
    story: str = ""

    @property
    def id(self) -> int:
        return int(self.row["id"])

    @property
    def status(self) -> str:
        return self.statuses[-1][0]

    def reached(self, status: str) -> dt.datetime | None:
        return next((at for s, at, _u in self.statuses if s == status), None)

    @property
    def lead(self) -> int:
        return self.leads[-1][1]

    @property
    def end(self) -> dt.datetime | None:
        return self.reached(CS.CLOSED) if self.status == CS.CLOSED else None

    def join(self, organisation: int, at: dt.datetime, by: int | None) -> None:
        if organisation not in self.team:
            self.team[organisation] = (at, by)


class CaseworkBase:
    """The planner's state and small helpers (one random stream, ``{seed}:casework``)."""

    def __init__(self, gen: Generator) -> None:
        self.gen = gen
        self.ref = gen.ref
        self.rng = random.Random(f"{gen.seed}:casework")
        self.tz = gen.tz
        # The end of yesterday: nothing generated happens today, so the same seed gives the same rows all day.
        self.horizon = dt.datetime.combine(gen.today, dt.time(0, 0), tzinfo=self.tz) - dt.timedelta(minutes=1)
        self.policy = routing_policy()
        self.timers = referral_timers()
        self.orgs = {org.pk: org for org in self.ref.organisations}
        self.coordination = [org.pk for org in self.ref.by_type.get("coordination_section", [])]
        coordinator = gen.demo_users.get("coordinator")
        anyone = next((users[0] for users in gen.staff_of.values() if users), None)
        self.fallback_user = coordinator.pk if coordinator is not None else anyone
        self.category_labels: dict[str, str] = {}
        self.cases: list[CasePlan] = []
        self.referrals: list[ReferralPlan] = []
        self.loose_records: list[Row] = []
        self.plan_rows: list[Row] = []
        self.revision_rows: list[Row] = []
        self.action_rows: list[Row] = []
        self.record_rows: list[Row] = []
        self.assessment_rows: list[Row] = []
        self.consent_rows: list[Row] = []
        self.consent_orgs: list[Row] = []
        self.consents_of: dict[int, tuple[int, dt.date, set[int]]] = {}  # person → (consent id, given on, orgs)
        self.conference_rows: list[Row] = []
        self.participant_rows: list[Row] = []
        self.agenda_rows: list[Row] = []
        self.decision_rows: list[Row] = []
        self.request_rows: list[Row] = []
        self.inbox_rows: list[Row] = []
        self.ids = {
            model: next_id(model)
            for model in (Case, Referral, SupportPlan, PlanRevision, Consent, Conference, Assessment)
        }

    def new_id(self, model: type[Any]) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def user(self, organisation: int) -> int | None:
        return self.gen.staff_user(self.rng, self.orgs[organisation]) or self.fallback_user

    def later(self, start: dt.datetime, low_hours: float, high_hours: float) -> dt.datetime:
        """A moment ``low``–``high`` hours after ``start``, moved into office hours on a weekday."""
        moment = start + dt.timedelta(hours=self.rng.uniform(low_hours, high_hours))
        local = moment.astimezone(self.tz)
        if local.hour < 9 or local.hour >= 18 or local.weekday() >= 5:  # noqa: PLR2004
            day = local.date() + dt.timedelta(days=1 if local.hour >= 18 else 0)  # noqa: PLR2004
            while day.weekday() >= 5:  # noqa: PLR2004
                day += dt.timedelta(days=1)
            minute = self.rng.randrange(9 * 60, 17 * 60 + 30)
            local = dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=self.tz)
        return max(local, start + dt.timedelta(minutes=5))

    def local_org(self, block: int, agency_type: str) -> int | None:
        if not self.ref.has(agency_type):
            return None
        return self.ref.local(block, agency_type)[0].pk

    def title_of(self, name: str, categories: set[str]) -> str:
        labels = [self.category_labels.get(code, code) for code in sorted(categories)][:3]
        return f"{name} {'・'.join(labels)}"[:200]
