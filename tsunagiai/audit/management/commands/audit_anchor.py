"""``manage.py audit_anchor``: print (or append to a file) the anchor line '<sequence> <hash> <timestamp>'."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagiai.audit.anchors import current_line


class Command(BaseCommand):
    help = (
        "Print the audit log's newest sequence and hash with the time, one line, to keep outside the database "
        "(mail, a write-once store); 'verify_audit --anchor FILE' checks the log still holds it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--append", metavar="FILE", help="also append the line to FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        line = current_line()
        if options["append"]:
            try:
                with open(options["append"], "a", encoding="utf-8") as anchors:
                    anchors.write(line + "\n")
            except OSError as error:
                raise CommandError(f"cannot append to the anchor file {options['append']}: {error}") from error
        self.stdout.write(line)
