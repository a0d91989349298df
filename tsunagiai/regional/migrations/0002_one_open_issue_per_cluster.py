"""One open regional issue per proposed cluster, decided by the database.

Two sweeps running at once used to propose the same cluster twice (a row
lock cannot guard a row that does not exist yet). Before the constraint is
added, any such duplicates already made are resolved: the oldest open issue of
a cluster stays, each later one is resolved with a status change that names
the issue it duplicated, so nothing is deleted and the history says why.
"""

from typing import Any

from django.db import migrations, models
from django.utils import timezone

DUPLICATE_REASON = (
    "重複: 同時に実行された巡回処理が地域課題 #{keep} と同じ集積を二重に提案したため、移行処理で解決済みにしました。"
)


def resolve_duplicate_proposals(apps: Any, schema_editor: Any) -> None:
    RegionalIssue = apps.get_model("regional", "RegionalIssue")
    IssueStatusChange = apps.get_model("regional", "IssueStatusChange")
    now = timezone.now()
    kept: dict[str, int] = {}
    open_proposals = (
        RegionalIssue.objects.exclude(cluster_key="").exclude(status="resolved").order_by("created_at", "id")
    )
    for issue in open_proposals:
        keep = kept.setdefault(issue.cluster_key, issue.pk)
        if keep == issue.pk:
            continue
        IssueStatusChange.objects.create(
            issue_id=issue.pk,
            from_status=issue.status,
            to_status="resolved",
            reason=DUPLICATE_REASON.format(keep=keep),
            changed_at=now,
        )
        RegionalIssue.objects.filter(pk=issue.pk).update(status="resolved", status_changed_at=now)


class Migration(migrations.Migration):
    dependencies = [
        ("regional", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(resolve_duplicate_proposals, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="regionalissue",
            constraint=models.UniqueConstraint(
                condition=models.Q(
                    models.Q(("cluster_key", ""), _negated=True), models.Q(("status", "resolved"), _negated=True)
                ),
                fields=("cluster_key",),
                name="one_open_regional_issue_per_cluster",
            ),
        ),
    ]
