"""The demo logins: one per role and organisation kind, all with one shared, demo-only password."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tsunagiai.accounts.models import Membership, Role, User
from tsunagiai.demo.reference import ReferenceIndex
from tsunagiai.reference.models import Organisation

# Demo only: printed by `make run`, documented in docs/demo-data.md. Never use
# the demo logins on a server that holds real people.
DEMO_PASSWORD = "tsunagiai-demo"  # noqa: S105

# Agency types whose demo login is not a caseworker.
SPECIAL_TYPES = frozenset({"coordination_section", "community_volunteer", "fire_department", "other"})

# Short, readable usernames for the usual kinds; any other kind uses its code.
ALIASES = {
    "branch_office": "branch",
    "csw": "csw",
    "community_support_center": "elderly-center",
    "disability_support_office": "disability-office",
    "child_support_center": "child-center",
    "public_health_nurse": "health-nurse",
    "public_health_center": "health-center",
    "welfare_office": "welfare-office",
    "guardianship_center": "guardianship",
    "dementia_initial_team": "dementia-team",
    "volunteer_center": "volunteer-center",
    "employment_support": "employment",
    "international_center": "international",
    "social_welfare_corporation": "welfare-corp",
}

# Invented staff names, given to the logins in order.
STAFF_NAMES = (
    ("松井 美保", "マツイ ミホ"),
    ("近藤 大輔", "コンドウ ダイスケ"),
    ("福田 真理", "フクダ マリ"),
    ("岩月 健一", "イワツキ ケンイチ"),
    ("杉本 彩", "スギモト アヤ"),
    ("原 和美", "ハラ カズミ"),
    ("都筑 勝", "ツヅキ マサル"),
    ("永井 翔太", "ナガイ ショウタ"),
    ("石黒 直美", "イシグロ ナオミ"),
    ("大野 誠", "オオノ マコト"),
    ("村上 恵子", "ムラカミ ケイコ"),
    ("横井 拓也", "ヨコイ タクヤ"),
    ("小川 由美", "オガワ ユミ"),
    ("藤田 浩之", "フジタ ヒロユキ"),
    ("西尾 智子", "ニシオ トモコ"),
    ("荒川 学", "アラカワ マナブ"),
    ("梶田 沙織", "カジタ サオリ"),
    ("野口 聡", "ノグチ サトシ"),
    ("水谷 美穂", "ミズタニ ミホ"),
    ("三輪 哲也", "ミワ テツヤ"),
    ("大塚 千尋", "オオツカ チヒロ"),
    ("吉川 亮", "ヨシカワ リョウ"),
    ("伊豆原 陽子", "イズハラ ヨウコ"),
    ("上田 剛", "ウエダ ツヨシ"),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    organisation: Organisation
    full_name: str
    full_name_kana: str
    hint: Promise | str


# Roles that stand for "what to try" (English msgids; the catalogue has the Japanese).
HINTS: dict[str, Promise] = {
    "branch": _("Record an intake at the window; open the 8050, double-care and light-bulb households."),
    "branch-intake": _("Reception only: record an intake and find people; editing is for caseworkers."),
    "coordinator": _(
        "Sees every record: emergency intakes, fire–welfare link reports, referrals nobody accepted, the conferences."
    ),
    "supervisor": _("Supervises the coordination section: every record and the aggregates."),
    "csw": _("Community social worker: the 杉浦 (8050) case, its plan and the son's ふれあいサロン."),
    "elderly-center": _(
        "Community support center: referrals waiting to be accepted, the fire report, the 杉浦 case it leads."
    ),
    "volunteer": _("Report a concern about a neighbour; see only the status of what you reported."),
    "fire": _("Send a fire–welfare link report (消福連携) after a call-out."),
    "analyst": _("Aggregates only: never a person's record."),
    "admin": _("Reference data (areas, organisations, vocabulary); no access to people."),
    "auditor": _("The audit log: who read and changed what."),
    "international": _("Multilingual consultations: the referral of the Brazilian family, in progress."),
    "child-center": _("Child rearing: the double-care family, school and development concerns."),
}
CASEWORKER_HINT = _("Caseworker: the intakes received at this organisation.")


def story_block_index(ref: ReferenceIndex) -> int:
    """The town block the story households live in: in the busiest branch-office area, well covered."""
    branches = ref.by_type.get("branch_office") or ref.organisations
    busiest = max(branches, key=lambda o: (len(ref.blocks_of[o.pk]), [-ord(c) for c in o.code]))
    candidates = ref.blocks_of[busiest.pk] or list(range(len(ref.blocks)))
    wanted = ("community_support_center", "community_volunteer", "fire_department", "csw")

    def coverage(i: int) -> int:
        return sum(1 for t in wanted if ref.covering.get(i, {}).get(t))

    return max(candidates, key=lambda i: (coverage(i), -i))


def demo_organisation(ref: ReferenceIndex, agency_type: str) -> Organisation | None:
    """The organisation of a kind the demo logins belong to: the one most local to the stories."""
    orgs = ref.local(story_block_index(ref), agency_type)
    if agency_type == "other":
        # Analysts, administrators and auditors belong to a department, not to the city as a whole.
        orgs = sorted(orgs, key=lambda o: (o.parent_id is None, o.code))
    return orgs[0] if orgs else None


def demo_logins(ref: ReferenceIndex) -> list[DemoLogin]:
    """The demo logins the loaded reference data allows, in the order they are printed."""
    wanted: list[tuple[str, str, str]] = [
        ("branch", Role.CASEWORKER, "branch_office"),
        ("branch-intake", Role.INTAKE, "branch_office"),
        ("coordinator", Role.COORDINATOR, "coordination_section"),
        ("supervisor", Role.SUPERVISOR, "coordination_section"),
        ("csw", Role.CASEWORKER, "csw"),
        ("elderly-center", Role.CASEWORKER, "community_support_center"),
        ("volunteer", Role.VOLUNTEER, "community_volunteer"),
        ("fire", Role.INTAKE, "fire_department"),
    ]
    handled = {"branch_office", "csw", "community_support_center"} | SPECIAL_TYPES
    wanted += [
        (ALIASES.get(agency_type, agency_type.replace("_", "-")), Role.CASEWORKER, agency_type)
        for agency_type in sorted(ref.by_type)
        if agency_type not in handled
    ]
    city_type = "other" if ref.has("other") else "coordination_section"
    wanted += [
        ("analyst", Role.ANALYST, city_type),
        ("admin", Role.ADMIN, city_type),
        ("auditor", Role.AUDITOR, city_type),
    ]
    logins: list[DemoLogin] = []
    for username, role, agency_type in wanted:
        organisation = demo_organisation(ref, agency_type)
        if organisation is None:
            continue
        name, kana = STAFF_NAMES[len(logins) % len(STAFF_NAMES)]
        hint = HINTS.get(username, CASEWORKER_HINT)
        logins.append(DemoLogin(username, role, organisation, name, kana, hint))
    return logins


@transaction.atomic
def ensure_demo_users(ref: ReferenceIndex) -> dict[str, User]:
    """Create the demo logins that do not exist yet; existing ones are kept as they are.

    The password is hashed once and the hash shared: the logins are few, but
    each PBKDF2 hash costs about half a second.
    """
    logins = demo_logins(ref)
    existing = {u.username: u for u in User.objects.filter(username__in=[login.username for login in logins])}
    missing = [login for login in logins if login.username not in existing]
    if missing:
        password = make_password(DEMO_PASSWORD)
        created = User.objects.bulk_create(
            User(
                username=login.username,
                password=password,
                full_name=login.full_name,
                full_name_kana=login.full_name_kana,
                is_staff=False,
                is_superuser=False,
            )
            for login in missing
        )
        existing.update({user.username: user for user in created})
        Membership.objects.bulk_create(
            Membership(user=existing[login.username], organisation=login.organisation, role=login.role)
            for login in missing
        )
    return existing
