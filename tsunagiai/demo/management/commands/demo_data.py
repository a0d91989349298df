"""manage.py demo_data: invented people, households and intakes for a demo or a training room."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import ProtectedError

from tsunagiai.demo.generate import SCALES, demo_summary, generate, remove_demo_data
from tsunagiai.demo.logins import ensure_demo_users
from tsunagiai.demo.reference import load_reference_index
from tsunagiai.people.models import Person

DEFAULT_SEED = 8050

NOT_EMPTY = (
    "このデータベースにはデモ以外の人の記録があります。デモデータは空のデータベースにだけ作成します。 / "
    "This database holds people the demo did not create; demo data is only generated into an empty database."
)
PROTECTED = (
    "他の記録が参照しているため、デモデータを削除できません。新しいデータベースで実行してください。 / "
    "Other records refer to the demo data, so it cannot be removed: start from a fresh database."
)


class Command(BaseCommand):
    help = (
        "Generate invented demo people, households and intakes (scale small or toyota) from a seed. "
        "Keeps demo data that is already there unless --force is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Same seed, same data.")
        parser.add_argument("--people", type=int, help="Override the number of people (intakes follow: 2 per 3).")
        parser.add_argument("--intakes", type=int, help="Override the number of intakes.")
        parser.add_argument("--force", action="store_true", help="Remove the previous demo data and generate again.")

    def handle(self, *args: Any, **options: Any) -> None:
        ref = load_reference_index()
        scale = SCALES[options["scale"]]
        people = options["people"] if options["people"] is not None else scale.people
        intakes = (
            options["intakes"]
            if options["intakes"] is not None
            else (scale.intakes if options["people"] is None else people * 2 // 3)
        )
        if people < 0 or intakes < 0:
            raise CommandError("人数・件数は0以上で指定してください。 / --people and --intakes must not be negative.")
        existing = demo_summary()
        if existing is not None and not options["force"]:
            ensure_demo_users(ref)
            self.stdout.write(
                f"Demo data is already present (scale {existing.get('scale')}, seed {existing.get('seed')}: "
                f"{existing.get('people')} people, {existing.get('households')} households, "
                f"{existing.get('intakes')} intakes); keeping it. Use --force to generate it again."
            )
            return
        if existing is None and Person.objects.exists():
            raise CommandError(NOT_EMPTY)
        if existing is not None:
            try:
                remove_demo_data()
            except ProtectedError as error:
                raise CommandError(PROTECTED) from error
        summary = generate(ref, seed=options["seed"], people=people, intakes=intakes, scale=options["scale"])
        refresh_planner_statistics()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data generated (scale {summary['scale']}, seed {summary['seed']}): {summary['people']} people, "
                f"{summary['households']} households, {summary['intakes']} intakes "
                f"({summary['anonymous_intakes']} anonymous), {summary.get('referrals', 0)} referrals, "
                f"{summary.get('cases', 0)} cases, {summary.get('support_records', 0)} support records, "
                f"{summary.get('conferences', 0)} conferences, {summary['inbox_items']} inbox items "
                f"(+{summary.get('sweep_items', 0)} from the sweeps) in {summary['seconds']} s."
            )
        )


def refresh_planner_statistics() -> None:
    """PostgreSQL after a bulk load: VACUUM ANALYZE (visibility map for index-only scans, fresh statistics for
    the planner). Inside a transaction (a test) VACUUM cannot run: ANALYZE only. SQLite: the loaders ANALYZE."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
