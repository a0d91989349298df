"""``manage.py person_disclosure --person ID --output FILE``: everything held about one person (開示請求).

JSON (default) or a printable HTML page (``--format html``), with Japanese
labels; the disclosure is audited (``person.disclosed``). The coordination
section reviews it before anything is handed over (docs/privacy-requests.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagiai.people.models import Person
from tsunagiai.privacy.actions import do_disclose_person
from tsunagiai.privacy.disclosure import render_html


class Command(BaseCommand):
    help = "Write everything held about one person (records, intakes, referrals, cases, plans, consents, access log)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--person", required=True, type=int, help="the person's id")
        parser.add_argument("--output", required=True, help="the file to write ('-' for standard output)")
        parser.add_argument("--format", choices=("json", "html"), default="json")
        parser.add_argument("--note", default="", help="the request it answers (received on, reference number)")

    def handle(self, *args: Any, **options: Any) -> None:
        person = Person.objects.filter(pk=options["person"]).first()
        if person is None:
            raise CommandError(f"--person: no person with id {options['person']}")
        output = str(options["output"])
        output_format = options["format"]
        note = str(options["note"])[:500]
        document = do_disclose_person(
            person,
            acting_user=None,
            output_format=output_format,
            note=f"manage.py person_disclosure{': ' + note if note else ''}",
        )
        text = render_html(document) if output_format == "html" else json.dumps(document, ensure_ascii=False, indent=2)
        if output == "-":
            self.stdout.write(text)
            return
        try:
            path = Path(output)
            path.write_text(text + "\n", encoding="utf-8")
            path.chmod(0o600)
        except OSError as error:
            raise CommandError(f"cannot write {output}: {error}") from None
        records = sum(len(section["records"]) for section in document["sections"])
        self.stderr.write(f"wrote {records} records about person {person.pk} to {output}")
