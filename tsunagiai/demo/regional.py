"""Demo data for regional issues (C9): unmet needs, a proposed and an acted-on regional issue, network events.

Reproducible from the seed, a few hundred rows at most at any scale (bulk
inserts for the unmet needs). Runs after the casework and the resources
demo: it reads the demo cases, and it links a resource of the directory (found
by name, or created once) as the answer to a regional issue.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db.models import Count
from django.utils import timezone

from tsunagiai.cases.models import Case
from tsunagiai.inbox.models import InboxItem
from tsunagiai.reference.models import Area, IssueCategory, Organisation
from tsunagiai.regional.actions import INBOX_KIND, cluster_key, proposal_title
from tsunagiai.regional.models import (
    CommunityMeeting,
    IssueStatus,
    IssueStatusChange,
    NetworkEvent,
    RegionalIssue,
    UnmetNeed,
)
from tsunagiai.regional.selectors import ancestors, clusters_over_threshold, organisations_covering
from tsunagiai.resources.models import Provider, Service

DEMO_SERVICE = "おでかけ支援（福祉法人の送迎車で買い物へ）"
DEMO_PROVIDER = "地域の支え合い推進協議会（サンプル）"
MISSING = {
    "mobility_shopping": ("近くに店がなく、買い物に行く手段がない", "バスの本数が少なく通院・買い物ができない"),
    "social_isolation": ("日中に通える居場所がない", "話し相手がおらず、見守りの仕組みがない"),
    "daily_living": ("電球交換やごみ出しを頼める人がいない", "草取りや家具の移動を頼める先がない"),
}
EVENT_KINDS = (
    (NetworkEvent.Kind.FIRE_WELFARE, "消福連携研修"),
    (NetworkEvent.Kind.MULTIDISCIPLINARY, "多職種研修"),
    (NetworkEvent.Kind.NETWORK_MEETING, "地域福祉連絡会"),
)


def remove_regional_demo() -> None:
    """Regional rows of an earlier demo run (the cases they pointed at are gone or replaced)."""
    CommunityMeeting.objects.all().delete()
    IssueStatusChange.objects.all().delete()
    RegionalIssue.objects.all().delete()
    NetworkEvent.objects.all().delete()
    UnmetNeed.objects.all().delete()


def _busiest_districts(limit: int) -> list[int]:
    rows = (
        Case.objects.filter(household__town_block__isnull=False)
        .values("household__town_block__elementary_district")
        .annotate(n=Count("id"))
        .order_by("-n", "household__town_block__elementary_district")[:limit]
    )
    return [r["household__town_block__elementary_district"] for r in rows]


def _unmet_needs(rng: random.Random, today: dt.date) -> int:
    """Six needs of one category in each of the two busiest districts (over the threshold), and a scatter."""
    categories = {c.pk: c for c in IssueCategory.objects.filter(pk__in=MISSING)}
    if not categories:
        return 0
    areas = Area.objects.in_bulk(_busiest_districts(2))
    chains = {pk: ancestors(area) for pk, area in areas.items()}
    rows: list[UnmetNeed] = []
    plan = list(zip(_busiest_districts(2), ("mobility_shopping", "social_isolation"), strict=False))
    for district_id, code in plan:
        cases = list(
            Case.objects.filter(household__town_block__elementary_district_id=district_id)
            .select_related("lead_organisation")
            .order_by("pk")[:6]
        )
        for i in range(6 if cases else 0):
            case = cases[i % len(cases)]
            rows.append(_need(case, district_id, chains[district_id], code, rng, today, days=300))
    scatter = list(
        Case.objects.filter(household__town_block__isnull=False)
        .select_related("lead_organisation", "household__town_block")
        .order_by("pk")[:400]
    )
    for case in rng.sample(scatter, min(20, len(scatter))):
        district = case.household.town_block.elementary_district  # type: ignore[union-attr]
        chains.setdefault(district.pk, ancestors(district))
        rows.append(_need(case, district.pk, chains[district.pk], rng.choice(sorted(MISSING)), rng, today, days=700))
    UnmetNeed.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _need(
    case: Case, district_id: int, chain: dict[str, Area], code: str, rng: random.Random, today: dt.date, *, days: int
) -> UnmetNeed:
    junior = chain.get(Area.Level.JUNIOR_HIGH_DISTRICT)
    branch = chain.get(Area.Level.BRANCH_AREA)
    return UnmetNeed(
        case=case,
        category_id=code,
        area_id=district_id,
        junior_high_district=junior,
        branch_area=branch,
        what_was_missing=rng.choice(MISSING[code]),
        noted_on=today - dt.timedelta(days=rng.randrange(days)),
        organisation=case.lead_organisation,
    )


def _demo_service() -> Service:
    """A resource of the directory to link as the answer: the resources demo's, or one made here once."""
    service = Service.objects.filter(name=DEMO_SERVICE).order_by("pk").first()
    if service is None:
        service = Service.objects.filter(name__contains="おでかけ").order_by("pk").first()
    if service is None:
        provider, _created = Provider.objects.get_or_create(
            name=DEMO_PROVIDER, defaults={"kind": Provider.Kind.INFORMAL}
        )
        service = Service.objects.create(
            provider=provider, name=DEMO_SERVICE, description="サンプル: 地域課題から生まれた資源", is_free=True
        )
    return service


def _issue(
    area: Area,
    categories: list[str],
    title: str,
    status: str,
    *,
    key: str = "",
    count: int | None = None,
    description: str = "",
) -> RegionalIssue:
    """Written directly, as the rest of the demo is: one audit event (demo.generated) records the run."""
    now = timezone.now()
    issue = RegionalIssue.objects.create(
        title=title[:200],
        area=area,
        status=status,
        status_changed_at=now,
        cluster_key=key,
        proposed_count=count,
        description=description,
    )
    issue.categories.set(list(IssueCategory.objects.filter(pk__in=categories)))
    path = [IssueStatus.IDENTIFIED, IssueStatus.DISCUSSED, IssueStatus.ACTION]
    steps = path[: path.index(IssueStatus(status)) + 1]
    IssueStatusChange.objects.bulk_create(
        IssueStatusChange(issue=issue, from_status=before, to_status=after, changed_at=now)
        for before, after in zip(["", *steps[:-1]], steps, strict=True)
    )
    return issue


def _proposals(today: dt.date) -> int:
    """What the sweep proposes on the demo data, with its inbox items (see regional.actions)."""
    clusters = clusters_over_threshold(today)
    areas = Area.objects.in_bulk({c["area_id"] for c in clusters})
    categories = IssueCategory.objects.in_bulk({c["category_id"] for c in clusters})
    items: list[InboxItem] = []
    for c in clusters:
        area, category = areas[c["area_id"]], categories[c["category_id"]]
        issue = _issue(
            area,
            [category.pk],
            proposal_title(area, category),
            IssueStatus.IDENTIFIED,
            key=cluster_key(area.pk, category.pk),
            count=c["count"],
        )
        items.extend(
            InboxItem(
                organisation=organisation,
                kind=INBOX_KIND,
                title=f"地域課題の提案: {issue.title}"[:200],
                url=f"/regional/{issue.pk}/",
                dedupe_key=f"regional_issue:{issue.pk}:{organisation.pk}",
            )
            for organisation in organisations_covering(area)
        )
    InboxItem.objects.bulk_create(items)
    return len(clusters)


def _issue_in_action(today: dt.date, organisations: list[Organisation]) -> RegionalIssue | None:
    districts = _busiest_districts(3)
    if not districts:
        return None
    area = Area.objects.get(pk=districts[-1])
    issue = _issue(
        area,
        ["mobility_shopping"],
        f"{area.name}：買い物・通院の足がない",
        IssueStatus.ACTION,
        description="高齢の単身世帯から、買い物と通院の手段がないという相談が続いている（サンプル）。",
    )
    meeting = CommunityMeeting.objects.create(
        kind=CommunityMeeting.Kind.COUNCIL,
        held_on=today - dt.timedelta(days=60),
        title=f"{area.name} 第2層協議体",
        decisions="福祉法人の送迎車の空き時間を使い、週1回の買い物ツアーを始める。",
        minutes="サンプルの議事録: 相談の件数（個人名なし）を共有し、送迎車の活用を協議した。",
        area=area,
    )
    meeting.participating_organisations.set(organisations[:4])
    meeting.issues.set([issue])
    issue.services.set([_demo_service()])
    return issue


def _events(rng: random.Random, today: dt.date, organisations: list[Organisation]) -> int:
    """Eight events over two years, each bringing in more organisations: the network grows."""
    events = []
    for quarter in range(8):
        kind, title = EVENT_KINDS[quarter % len(EVENT_KINDS)]
        events.append(
            NetworkEvent(
                kind=kind, held_on=today - dt.timedelta(days=700 - quarter * 90), title=f"{title}（第{quarter + 1}回）"
            )
        )
    NetworkEvent.objects.bulk_create(events)
    through = NetworkEvent.participating_organisations.through
    links: list[Any] = []
    for quarter, event in enumerate(NetworkEvent.objects.order_by("held_on", "pk")):
        reach = min(len(organisations), 3 + quarter * 2)
        links.extend(
            through(networkevent_id=event.pk, organisation_id=organisation.pk)
            for organisation in rng.sample(organisations[:reach], min(reach, 3 + quarter))
        )
    through.objects.bulk_create(links)
    return len(events)


def generate_regional(*, seed: int, today: dt.date | None = None) -> dict[str, Any]:
    """Unmet needs, the issues the sweep proposes, an issue in action with a meeting and a resource, events."""
    today = today or timezone.localdate()
    rng = random.Random(f"{seed}:regional")
    remove_regional_demo()
    organisations = list(
        Organisation.objects.filter(
            active=True,
            agency_type_id__in=(
                "branch_office",
                "csw",
                "coordination_section",
                "community_support_center",
                "fire_department",
                "disability_support_office",
                "child_support_center",
            ),
        ).order_by("agency_type__sort_order", "code")[:20]
    )
    needs = _unmet_needs(rng, today)
    proposed = _proposals(today)
    in_action = _issue_in_action(today, organisations)
    events = _events(rng, today, organisations) if organisations else 0
    return {
        "regional_unmet_needs": needs,
        "regional_issues_proposed": proposed,
        "regional_issue_in_action": in_action is not None,
        "network_events": events,
    }
