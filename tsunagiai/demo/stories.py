"""The five households of the seed's stories, present at every scale with the same names.

- 杉浦さん世帯 — 8050: a 民生委員 finds an old mother and her son who has not
  worked for years (volunteer concern, then the CSW meets the son).
- 梅村ハツエさん — 消福連携: after an ambulance call the crew reports an older
  woman living alone in a cluttered house (fire report, then the community
  support center visits).
- 都築さん世帯 — double care: a mother of two small children who also cares for
  her mother-in-law with dementia.
- 神谷キミさん — a light bulb: information given (the お助け隊), closed.
- PEREIRAさん世帯 — a Brazilian family, job lost, needs an interpreter.

They live in one town block of the busiest branch-office area, so that the
branch, volunteer, community-support-center and fire logins of the demo all
meet them.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

from tsunagiai.demo import concerns as c
from tsunagiai.demo.logins import demo_organisation, story_block_index
from tsunagiai.demo.plans import HouseholdPlan, IntakePlan, MemberPlan, RelatedPlan
from tsunagiai.reference.models import Organisation

if TYPE_CHECKING:
    from tsunagiai.demo.population import Generator

STORY_FAMILY_NAMES = frozenset({"杉浦", "梅村", "都築", "神谷", "PEREIRA"})


class StoryContext:
    """What the stories need from the generator: the date, the demo organisations and logins."""

    def __init__(self, generator: Generator) -> None:
        self.gen = generator
        self.rng = random.Random(f"{generator.seed}:stories")
        self.block = story_block_index(generator.ref)
        fallback = demo_organisation(generator.ref, "branch_office") or generator.ref.organisations[0]
        self.branch = fallback

    def org(self, agency_type: str) -> Organisation:
        return demo_organisation(self.gen.ref, agency_type) or self.branch

    def user(self, username: str, organisation: Organisation) -> int | None:
        user = self.gen.demo_users.get(username)
        if user is not None and any(m.organisation_id == organisation.pk for m in user.memberships.all()):
            return user.pk
        return self.gen.staff_user(self.rng, organisation)

    def person(
        self,
        family: tuple[str, str],
        given: tuple[str, str],
        age: int,
        sex: str,
        relationship: str,
        **facts: object,
    ) -> MemberPlan:
        member = MemberPlan(
            family_name=family[0],
            given_name=given[0],
            family_name_kana=family[1],
            given_name_kana=given[1],
            birth_date=self.gen.birth_date(self.rng, age),
            sex=sex,
            relationship=relationship,
        )
        for name, value in facts.items():
            setattr(member, name, value)
        return member

    def at(self, days_ago: int, hour: int, minute: int = 0) -> dt.datetime:
        day = self.gen.today - dt.timedelta(days=days_ago)
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.gen.tz)

    def intake(
        self,
        *,
        days_ago: int,
        hour: int,
        organisation: Organisation,
        username: str,
        subject: int,
        concern: str,
        categories: tuple[str, ...],
        consulter_type: str,
        channel: str,
        urgency: str = "normal",
        kind: str = c.STANDARD,
        consent_status: str = "oral",
        first_response: str = "connect",
        first_response_note: str = "",
        consulter_name: str = "",
        status: str = "open",
    ) -> IntakePlan:
        received = self.at(days_ago, hour, 15)
        return IntakePlan(
            received_at=received,
            concern=concern,
            categories=tuple(code for code in categories if code in self.gen.ref.categories),
            urgency=urgency,
            kind=kind,
            channel=channel,
            consulter_type=consulter_type,
            consent_status=consent_status,
            first_response=first_response,
            status=status,
            organisation_id=organisation.pk,
            received_by_id=self.user(username, organisation),
            subject=subject,
            consulter_name=consulter_name,
            first_response_note=first_response_note,
            closed_at=received + dt.timedelta(minutes=20) if status == "closed" else None,
        )

    def household(self, story: str, name: str, members: list[MemberPlan], address_line: str) -> HouseholdPlan:
        return HouseholdPlan(
            kind=story, name=name, block_index=self.block, address_line=address_line, members=members, story=story
        )


def _p8050(ctx: StoryContext) -> HouseholdPlan:
    family = ("杉浦", "スギウラ")
    home = ctx.household(
        "p8050",
        "杉浦さん世帯",
        [
            ctx.person(
                family,
                ("トミ", "トミ"),
                87,
                "female",
                "head",
                care_level="care_1",
                employment_status="retired",
                phone="0565-32-4817",
            ),
            ctx.person(family, ("健一", "ケンイチ"), 56, "male", "child", employment_status="not_working"),
        ],
        "14番地2",
    )
    volunteer_org = ctx.org("community_volunteer")
    concern = ctx.intake(
        days_ago=75,
        hour=10,
        organisation=ctx.branch,
        username="branch",
        subject=0,
        concern=(
            "担当地区の杉浦トミさん(87歳)宅。雨戸が日中も閉まったままで、郵便受けに郵便物がたまっていた。"
            "訪問すると、トミさんは足が弱って買い物に行けず、同居の息子の健一さん(56歳)は十年以上仕事をしておらず、"
            "ほとんど部屋から出ないとのこと。収入はトミさんの年金のみ。"
            "トミさんは「私がいなくなったら息子はどうなるのか」と涙ぐんでいた。"
        ),
        categories=("elderly_care", "social_isolation", "financial_hardship"),
        consulter_type="community_volunteer",
        channel="outreach",
        urgency="high",
        kind=c.VOLUNTEER_CONCERN,
        first_response="open_case",
        first_response_note="地域包括支援センターとCSWに連絡し、同行訪問を調整。",
        consulter_name=f"民生委員({volunteer_org.name})",
    )
    volunteer = ctx.gen.demo_users.get("volunteer")
    concern.reported_by_id = volunteer.pk if volunteer is not None else None
    if concern.reported_by_id is None:
        concern.kind = c.STANDARD
    home.intakes.append(concern)
    home.intakes.append(
        ctx.intake(
            days_ago=41,
            hour=14,
            organisation=ctx.org("csw"),
            username="csw",
            subject=1,
            concern=(
                "健一さん本人と初めて面談(自宅)。昼夜逆転の生活。以前は工場の期間工。"
                "「母の年金に頼っているのが申し訳ない」と話す。家計の相談と、人と関われる居場所の紹介を提案し、本人も了承。"
            ),
            categories=("social_isolation", "employment", "financial_hardship"),
            consulter_type="self",
            channel="home_visit",
            first_response="open_case",
            first_response_note="伴走支援を開始。次回は2週間後に訪問。",
        )
    )
    home.notes = "デモのストーリー: 8050 — 民生委員が見つけた世帯。"
    return home


def _fire_report(ctx: StoryContext) -> HouseholdPlan:
    family = ("梅村", "ウメムラ")
    home = ctx.household(
        "fire_report",
        "梅村さん世帯",
        [
            ctx.person(
                family,
                ("ハツエ", "ハツエ"),
                82,
                "female",
                "head",
                care_level="none",
                lives_alone=True,
                employment_status="retired",
                phone="0565-45-2093",
            ),
        ],
        "3-11",
    )
    fire = ctx.org("fire_department")
    report = ctx.intake(
        days_ago=6,
        hour=9,
        organisation=fire,
        username="fire",
        subject=0,
        concern=(
            "救急出場(転倒)。梅村ハツエさん(82歳・独居)、居間で転倒し自力で起き上がれず、訪れた長女が119番通報。"
            "外傷軽微のため不搬送。室内に郵便物と食品の容器が散乱し、冷蔵庫に期限切れの食品が多数。"
            "薬の飲み忘れがあり、同じ話を繰り返す。長女は市外在住で頻繁には来られない。"
            "本人と長女の了解を得て、福祉による訪問を依頼する。"
        ),
        categories=("elderly_care", "dementia", "self_neglect"),
        consulter_type="fire_department",
        channel="referral_in",
        urgency="high",
        kind=c.FIRE_REPORT,
        first_response="connect",
        first_response_note="地域包括支援センターへの訪問依頼(消福連携)。",
        consulter_name=fire.name,
    )
    report.incident_type = "ambulance"
    report.incident_at = ctx.at(7, 22, 40)
    home.intakes.append(report)
    home.intakes.append(
        ctx.intake(
            days_ago=4,
            hour=13,
            organisation=ctx.org("community_support_center"),
            username="elderly-center",
            subject=0,
            concern=(
                "消防からの消福連携を受けて訪問。本人は「一人で大丈夫」と話すが、台所に焦げた鍋あり。"
                "物忘れの自覚はある。要介護認定の申請と、かかりつけ医への受診を勧めた。"
            ),
            categories=("elderly_care", "dementia", "disaster_safety"),
            consulter_type="fire_department",
            channel="home_visit",
            first_response="open_case",
            first_response_note="要介護認定を申請。長女と電話で今後の支援を相談。",
        )
    )
    home.related.append(
        RelatedPlan(
            member=0, name="加藤 由美子", role="key_person", relationship="長女(岡崎市在住)", contact="090-3318-5270"
        )
    )
    home.notes = "デモのストーリー: 消福連携 — 救急出場のあと消防から届いた報告。"
    return home


def _double_care(ctx: StoryContext) -> HouseholdPlan:
    family = ("都築", "ツヅキ")
    home = ctx.household(
        "double_care",
        "都築さん世帯",
        [
            ctx.person(
                family, ("翔", "ショウ"), 40, "male", "head", employment_status="employed", phone="080-5512-3390"
            ),
            ctx.person(
                family, ("美咲", "ミサキ"), 38, "female", "spouse", employment_status="employed", phone="090-7721-0456"
            ),
            ctx.person(family, ("陽菜", "ヒナ"), 5, "female", "child", employment_status="preschool"),
            ctx.person(family, ("湊", "ミナト"), 2, "male", "child", employment_status="preschool"),
            ctx.person(
                family, ("和子", "カズコ"), 74, "female", "parent", care_level="care_3", employment_status="retired"
            ),
        ],
        "22番地5",
    )
    home.intakes.append(
        ctx.intake(
            days_ago=20,
            hour=11,
            organisation=ctx.branch,
            username="branch",
            subject=1,
            concern=(
                "本人(都築美咲さん)来所。5歳と2歳の子育て中で、同居の義母(74歳・要介護3・認知症)の介護も担っている。"
                "夫は夜勤のある交代勤務。パートを辞めるか迷っている。"
                "義母のデイサービスを増やしたいが手続きが分からない。下の子を預けられる所も知りたい。"
            ),
            categories=("child_rearing", "elderly_care", "dementia", "employment"),
            consulter_type="self",
            channel="visit_window",
            consent_status="written",
            first_response="connect",
            first_response_note="地域包括支援センター(ケアプランの見直し)と子育て支援センター(一時預かり)へつなぐ。",
        )
    )
    home.intakes.append(
        ctx.intake(
            days_ago=12,
            hour=15,
            organisation=ctx.org("child_support_center"),
            username="child-center",
            subject=1,
            concern="支所からのつなぎ。湊くん(2歳)の一時預かりの利用登録。母は介護と育児の両立に疲れている様子。",
            categories=("child_rearing", "elderly_care"),
            consulter_type="agency",
            channel="referral_in",
            consent_status="written",
            first_response="connect",
            first_response_note="一時預かりの利用を登録。支所と情報を共有。",
        )
    )
    home.notes = "デモのストーリー: ダブルケア — 子育てと介護を同時に担う世帯。"
    return home


def _light_bulb(ctx: StoryContext) -> HouseholdPlan:
    family = ("神谷", "カミヤ")
    home = ctx.household(
        "light_bulb",
        "神谷さん世帯",
        [
            ctx.person(
                family,
                ("キミ", "キミ"),
                86,
                "female",
                "head",
                care_level="support_1",
                lives_alone=True,
                employment_status="retired",
                phone="0565-31-7764",
            ),
        ],
        "8番地",
    )
    home.intakes.append(
        ctx.intake(
            days_ago=9,
            hour=10,
            organisation=ctx.branch,
            username="branch",
            subject=0,
            concern=(
                "本人より電話。「玄関の電球が切れて、夜は真っ暗で怖い。脚立に上がるのは無理で、頼める人もいない」。"
            ),
            categories=("daily_living",),
            consulter_type="self",
            channel="phone",
            first_response="information_only",
            first_response_note="地域のお助け隊(電球交換)の連絡先を案内し終了。",
            status="closed",
        )
    )
    home.notes = "デモのストーリー: 電球交換 — 案内して終わる、小さな困りごと。"
    return home


def _brazilian_family(ctx: StoryContext) -> HouseholdPlan:
    family = ("PEREIRA", "ペレイラ")
    adult = {"primary_language": "pt", "needs_interpreter": True}
    home = ctx.household(
        "foreign_family",
        "PEREIRAさん世帯",
        [
            ctx.person(
                family,
                ("CARLOS EDUARDO", "カルロス エドゥアルド"),
                41,
                "male",
                "head",
                employment_status="not_working",
                phone="080-2290-6614",
                **adult,
            ),
            ctx.person(
                family,
                ("JULIANA", "ジュリアナ"),
                37,
                "female",
                "spouse",
                employment_status="employed",
                phone="070-4418-9921",
                **adult,
            ),
            ctx.person(
                family, ("LUCAS", "ルーカス"), 11, "male", "child", employment_status="student", primary_language="pt"
            ),
            ctx.person(
                family, ("ANA", "アナ"), 7, "female", "child", employment_status="student", primary_language="pt"
            ),
        ],
        "5-3 コーポ若草 203号室",
    )
    home.intakes.append(
        ctx.intake(
            days_ago=30,
            hour=16,
            organisation=ctx.branch,
            username="branch",
            subject=0,
            concern=(
                "ポルトガル語の通訳(国際交流協会)を介して夫婦で来所。夫のカルロスさんは派遣先の自動車部品工場の契約が終わり、"
                "先月から無職。妻のジュリアナさんのパート収入のみで、来月の家賃が払えない。"
                "長男ルーカスさん(11歳)は学校からの手紙が読めず、給食費の通知も分からなかった。"
                "日本語での手続きは難しく、今後も通訳が必要。"
            ),
            categories=("foreign_residents", "financial_hardship", "employment", "child_rearing"),
            consulter_type="self",
            channel="visit_window",
            urgency="high",
            consent_status="written",
            first_response="open_case",
            first_response_note="CSW(生活困窮)と国際交流協会(通訳)で支援を開始。学校へは同意を得て連絡。",
        )
    )
    if ctx.gen.ref.has("international_center"):
        home.intakes.append(
            ctx.intake(
                days_ago=16,
                hour=13,
                organisation=ctx.org("international_center"),
                username="international",
                subject=1,
                concern="ジュリアナさんより電話(ポルトガル語)。住居確保給付金の申請書の書き方が分からない。通訳付きで支所に同行してほしい。",
                categories=("foreign_residents", "financial_hardship", "housing"),
                consulter_type="self",
                channel="phone",
                first_response="connect",
                first_response_note="来週、通訳が支所へ同行。",
            )
        )
    home.notes = "デモのストーリー: ブラジル人家族 — ことばの壁と失業。"
    return home


def build_stories(ctx: StoryContext) -> list[HouseholdPlan]:
    return [_p8050(ctx), _fire_report(ctx), _double_care(ctx), _light_bulb(ctx), _brazilian_family(ctx)]
