"""What marks the rollup's months dirty (registered in apps.AnalyticsConfig.ready; rollup.py explains why).

One or two small queries per change (the month; for an intake, also its household, whose first intake
and periods may change): saving an intake, referral or case (deletions: one query per transaction, when it
commits), changing an intake's
categories, and the audit event of every audited change of one (edits by ``save_versioned`` update the
row without a ``post_save`` signal, but every action records its change in the audit log). Reads are
audited too; they change nothing and are let through without a query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from tsunagiai.analytics import rollup

DATE_FIELDS = {"intake.intake": "received_at", "referrals.referral": "sent_at", "cases.case": "opened_at"}
DEMO_EVENT = "demo.generated"  # tsunagiai.demo.generate.DEMO_EVENT (not imported: the generator is heavy)
READ_WORDS = ("viewed", "listed", "searched", "exported", "export", "pdf", "printed", "downloaded")


def _date_of(instance: Any) -> Any:
    return getattr(instance, DATE_FIELDS[instance._meta.label_lower])


def _saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    rollup.mark_changed(_date_of(instance))
    rollup.mark_household(getattr(instance, "household_id", None) if isinstance(instance, _intake_model()) else None)


def _deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    household = getattr(instance, "household_id", None) if isinstance(instance, _intake_model()) else None
    rollup.mark_deleted(_date_of(instance), household)


def _intake_model() -> Any:
    from tsunagiai.intake.models import Intake

    return Intake


def _categories_changed(sender: Any, instance: Any, action: str, reverse: bool, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear") and not reverse:
        rollup.mark_changed(instance.received_at)
        rollup.mark_household(instance.household_id)


def _parse(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _audited(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if instance.action == DEMO_EVENT:  # the demo generator writes in bulk, past every signal
        rollup.mark_rebuild()
        return
    label = instance.object_type
    if not created or label not in DATE_FIELDS or not instance.object_id:
        return
    if any(word in instance.action.lower() for word in READ_WORDS):
        return
    from django.apps import apps

    model = apps.get_model(label)
    field = DATE_FIELDS[label]
    changes = instance.changes if isinstance(instance.changes, dict) else {}
    for name in (field, "household"):
        before = changes.get(name)
        if isinstance(before, dict):
            if name == field:
                rollup.mark_changed(_parse(before.get("before")))
            elif isinstance(before.get("before"), int):
                rollup.mark_household(before["before"])
    if label == "intake.intake":
        found = model.objects.filter(pk=instance.object_id).values_list(field, "household_id").first()
        if found:
            rollup.mark_changed(found[0])
            rollup.mark_household(found[1])
        return
    rollup.mark_changed(model.objects.filter(pk=instance.object_id).values_list(field, flat=True).first())


def connect() -> None:
    from tsunagiai.audit.models import AuditEvent
    from tsunagiai.cases.models import Case
    from tsunagiai.intake.models import Intake
    from tsunagiai.referrals.models import Referral

    for model in (Intake, Referral, Case):
        post_save.connect(_saved, sender=model, dispatch_uid=f"analytics-rollup-save-{model._meta.label_lower}")
        post_delete.connect(_deleted, sender=model, dispatch_uid=f"analytics-rollup-delete-{model._meta.label_lower}")
    m2m_changed.connect(_categories_changed, sender=Intake.categories.through, dispatch_uid="analytics-rollup-m2m")
    post_save.connect(_audited, sender=AuditEvent, dispatch_uid="analytics-rollup-audit")
