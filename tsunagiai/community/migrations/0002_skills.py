"""The volunteer skills vocabulary (data): each may serve one help-request task."""

from __future__ import annotations

from typing import Any

from django.db import migrations

SKILLS = (
    ("light_work", "電球・電池の交換など軽作業", "light_bulb"),
    ("gardening", "草取り・庭の手入れ", "weeding"),
    ("heavy_lifting", "家具の移動・力仕事", "furniture"),
    ("rubbish", "ごみ出し・片付け", "rubbish"),
    ("driving", "運転・送迎", ""),
    ("conversation", "話し相手・傾聴", ""),
    ("shopping", "買い物の付き添い・代行", ""),
    ("cooking", "調理", ""),
    ("tutoring", "子どもの学習支援", ""),
    ("interpreting", "通訳・外国語", ""),
    ("digital", "スマートフォン・パソコンの手助け", ""),
    ("repairs", "簡単な修理・大工仕事", "other"),
)


def load(apps: Any, schema_editor: Any) -> None:
    Skill = apps.get_model("community", "Skill")
    for order, (code, label, task) in enumerate(SKILLS):
        Skill.objects.update_or_create(code=code, defaults={"label": label, "task": task, "sort_order": order})


def unload(apps: Any, schema_editor: Any) -> None:
    apps.get_model("community", "Skill").objects.filter(code__in=[code for code, _l, _t in SKILLS]).delete()


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
