"""The five stories, continued: who was referred where, the cases, the meeting, the plan and the records.

- 杉浦 (8050): the mother to the community support center and the son to the
  CSW, both accepted; a case with the CSW as lead; a 支援会議 moves the lead to
  the community support center; the revised plan has the son join
  「ふれあいサロン」.
- 梅村 (fire report): referred by the fire station to the community support
  center, first contact made.
- 都築 (double care): an open case being assessed, the child support center
  on the team; the referral of the grandmother, sent yesterday, waits for the
  community support center to accept it.
- 神谷 (light bulb): information only — nothing more.
- PEREIRA: referred to the international center, support in progress.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from tsunagiai.cases.models import Case
from tsunagiai.demo.logins import demo_organisation
from tsunagiai.referrals.models import SharingBasis, Status
from tsunagiai.support.models import PlanRevision, SupportPlan, SupportRecord

if TYPE_CHECKING:
    from tsunagiai.demo.casework import CasePlan, Casework
    from tsunagiai.demo.plans import HouseholdPlan

CS = Case.Status
ACCEPTED_PATH = (Status.SEEN, Status.ACCEPTED, Status.FIRST_CONTACT, Status.IN_PROGRESS)


class Story:
    def __init__(self, work: Casework, household: HouseholdPlan, home_id: int, members: list[int], rows: list[Any]):
        self.work = work
        self.household = household
        self.home_id = home_id
        self.members = members
        self.rows = rows

    def at(self, days_ago: int, hour: int, minute: int = 0) -> dt.datetime:
        day = self.work.gen.today - dt.timedelta(days=days_ago)
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.work.tz)

    def org(self, agency_type: str) -> int | None:
        organisation = demo_organisation(self.work.ref, agency_type)
        return organisation.pk if organisation is not None else None

    def user(self, username: str, organisation: int) -> int | None:
        user = self.work.gen.demo_users.get(username)
        if user is not None and any(m.organisation_id == organisation for m in user.memberships.all()):
            return user.pk
        return self.work.user(organisation)

    def refer(
        self,
        from_org: int | None,
        to_org: int | None,
        *,
        person: int,
        intake: Any,
        case: CasePlan | None,
        times: list[dt.datetime],
    ) -> None:
        if from_org is None or to_org is None or from_org == to_org:
            return
        self.work.referral(
            from_org=from_org,
            to_org=to_org,
            sent_at=times[0],
            person=person,
            household=self.home_id,
            intake=intake,
            case=case,
            path=ACCEPTED_PATH[: len(times) - 1],
            basis=SharingBasis.CONSENT,
            times=times[1:],
        )

    def open_case(self, *, opened_at: dt.datetime, opener: int, lead: int, intakes: list[Any], title: str) -> CasePlan:
        return self.work.open_case(
            household=self.household,
            home_id=self.home_id,
            members=self.members,
            intakes=intakes,
            opened_at=opened_at,
            opener=opener,
            opener_user=self.user("branch", opener),
            lead=lead,
            title=title,
        )

    def statuses(self, case: CasePlan, steps: list[tuple[str, dt.datetime]]) -> None:
        for status, at in steps:
            case.statuses.append((status, at, self.work.user(case.lead)))


def _p8050(story: Story) -> None:
    work = story.work
    branch, csw, elderly = story.org("branch_office"), story.org("csw"), story.org("community_support_center")
    if branch is None or csw is None or elderly is None or len(story.rows) < 2:  # noqa: PLR2004
        return
    mother, son = story.members[0], story.members[1]
    concern, visit = story.rows[0], story.rows[1]
    at = story.at
    case = story.open_case(
        opened_at=at(74, 15), opener=branch, lead=csw, intakes=[concern, visit], title="杉浦さん世帯 8050"
    )
    case.focus = [mother, son]
    story.refer(
        branch,
        elderly,
        person=mother,
        intake=concern,
        case=case,
        times=[at(74, 16), at(73, 9), at(73, 11), at(72, 14), at(72, 14, 30)],
    )
    story.refer(
        branch,
        csw,
        person=son,
        intake=concern,
        case=case,
        times=[at(74, 16, 10), at(73, 9, 30), at(73, 10), at(41, 14), at(41, 15)],
    )
    story.statuses(case, [(CS.ASSESSMENT, at(70, 10)), (CS.PLANNING, at(45, 10)), (CS.ACTIVE, at(38, 10))])
    work.change_lead(
        case, elderly, at(30, 15), "支援会議で、母の介護を軸に地域包括支援センターが主導役を担うことを確認。"
    )
    case.via_conference.append(len(case.leads) - 1)
    work.plan_support(case)
    # The plan: the first version, then the one revised after the meeting, with the son joining the salon.
    csw_user = story.user("csw", csw)
    elderly_user = story.user("elderly-center", elderly)
    today = work.gen.today
    plan_id = work.new_id(SupportPlan)
    work.plan_rows.append(
        {
            "id": plan_id,
            "case_id": case.id,
            "current_number": 2,
            "created_by_id": csw_user,
            "updated_by_id": elderly_user,
            "created_at": at(40, 11),
            "updated_at": at(28, 11),
            "version": 2,
        }
    )
    first: list[tuple[int, str, int | None, int | None, str, str, dt.date]] = [
        (
            1,
            "organisation",
            elderly,
            None,
            "",
            "トミさんの介護保険サービス(訪問介護)を調整する",
            today - dt.timedelta(days=20),
        ),
        (2, "staff", csw, csw_user, "", "健一さんを月2回訪問し、話を聞く", today + dt.timedelta(days=14)),
        (3, "family", None, None, "健一(長男)", "週2回、母の買い物を担う", today + dt.timedelta(days=30)),
    ]
    revisions = [
        (1, at(40, 11), "", csw_user, first, ("in_progress", "in_progress", "planned")),
        (
            2,
            at(28, 11),
            "支援会議(主導役の変更)を受けて見直し",
            elderly_user,
            [
                *first,
                (
                    4,
                    "community_resource",
                    None,
                    None,
                    "ふれあいサロン",
                    "健一さんがふれあいサロンに参加する(月2回)",
                    today + dt.timedelta(days=30),
                ),
            ],
            ("done", "in_progress", "in_progress", "in_progress"),
        ),
    ]
    for number, created, reason, by, actions, states in revisions:
        revision_id = work.new_id(PlanRevision)
        work.revision_rows.append(
            {
                "id": revision_id,
                "plan_id": plan_id,
                "number": number,
                "goals": "トミさんが安心して在宅生活を続け、健一さんが地域とのつながりを取り戻す。",
                "review_on": (created + dt.timedelta(days=90)).date(),
                "person_agreed": True,
                "agreed_on": created.date(),
                "agreement_how": "トミさん・健一さんと面談し、口頭で同意",
                "reason": reason,
                "created_at": created,
                "created_by_id": by,
            }
        )
        for (key, kind, org, user, text, what, due), state in zip(actions, states, strict=True):
            work.action_rows.append(
                {
                    "revision_id": revision_id,
                    "key": key,
                    "owner_kind": kind,
                    "owner_organisation_id": org,
                    "owner_user_id": user,
                    "owner_text": text,
                    "what": what,
                    "due_on": due,
                    "status": state,
                }
            )
    kinds = SupportRecord.Kind
    for days, kind, org, text in (
        (70, kinds.VISIT, elderly, "トミさん宅を訪問。足の筋力が落ち、買い物に行けていない。介護保険の申請を支援。"),
        (55, kinds.PHONE, elderly, "トミさんに電話。訪問介護の利用が始まり、食事が取れている。"),
        (41, kinds.VISIT, csw, "健一さんと自宅で初めて面談。昼夜逆転の生活。居場所の紹介を提案し、了承を得た。"),
        (30, kinds.MEETING, elderly, "支援会議。主導役を地域包括支援センターに移し、CSWは健一さんの伴走を続ける。"),
        (21, kinds.ACCOMPANIMENT, csw, "健一さんとふれあいサロンへ同行。最後まで参加できた。"),
        (7, kinds.VISIT, elderly, "トミさん宅を訪問。健一さんが買い物を担うようになり、表情が明るい。"),
    ):
        work.record(case, at(days, 14), kind, text, org=org)


def _fire_report(story: Story) -> None:
    fire, elderly = story.org("fire_department"), story.org("community_support_center")
    if not story.rows or fire is None:
        return
    at = story.at
    story.refer(
        fire,
        elderly,
        person=story.members[0],
        intake=story.rows[0],
        case=None,
        times=[at(6, 9, 30), at(6, 10, 15), at(5, 11), at(4, 13)],
    )


def _double_care(story: Story) -> None:
    work = story.work
    branch, csw = story.org("branch_office"), story.org("csw")
    if branch is None or not story.rows:
        return
    at = story.at
    window = story.rows[0]
    lead = csw or branch
    case = story.open_case(
        opened_at=at(19, 10), opener=branch, lead=lead, intakes=story.rows, title="都築さん世帯 ダブルケア"
    )
    mother, grandmother = story.members[1], story.members[4]
    case.focus = [mother, grandmother]
    story.refer(
        branch,
        story.org("child_support_center"),
        person=mother,
        intake=window,
        case=case,
        times=[at(19, 11), at(19, 14), at(18, 10), at(12, 15), at(12, 16)],
    )
    story.refer(
        branch,
        story.org("community_support_center"),
        person=grandmother,
        intake=window,
        case=case,
        # Sent yesterday and seen: waiting in the community support center's inbox to be accepted.
        times=[at(1, 11, 5), at(1, 14)],
    )
    story.statuses(case, [(CS.ASSESSMENT, at(14, 10))])
    work.plan_support(case)
    for days, kind, text in (
        (19, SupportRecord.Kind.MEETING, "美咲さんと面談。介護と育児の分担、夫の勤務を確認。"),
        (8, SupportRecord.Kind.PHONE, "美咲さんに電話。一時預かりの初回利用が済み、少し休めたとのこと。"),
    ):
        work.record(case, at(days, 11), kind, text, org=branch)


def _brazilian_family(story: Story) -> None:
    if not story.rows:
        return
    at = story.at
    story.refer(
        story.org("branch_office"),
        story.org("international_center"),
        person=story.members[0],
        intake=story.rows[0],
        case=None,
        times=[at(30, 17), at(29, 9), at(29, 10), at(27, 14), at(27, 15)],
    )


STORIES = {
    "p8050": _p8050,
    "fire_report": _fire_report,
    "double_care": _double_care,
    "foreign_family": _brazilian_family,
}


def plan_story_casework(work: Casework) -> None:
    for household, home_id, members, rows in work.gen.written:
        continuation = STORIES.get(household.story)
        if continuation is not None:
            continuation(Story(work, household, home_id, members, sorted(rows, key=lambda r: r["received_at"])))
