"""Write the directory as one HSDS 3.0 JSON document (validated against the official schemas)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagiai.resources.hsds_io import InvalidHsdsFile, export_document, record_export, validate, withheld_values


class Command(BaseCommand):
    help = "Export the community resources as an HSDS 3.0 JSON document."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="the JSON file to write ('-' for standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        document = export_document()
        try:
            validate(document)  # never publish what the schemas refuse
        except InvalidHsdsFile as exc:
            shown = "\n".join(exc.errors[:50])
            raise CommandError(
                f"the directory does not make a valid HSDS 3.0 document; nothing was written:\n{shown}"
            ) from None
        for line in withheld_values():  # stored before the rules: left out of the document, named here
            self.stderr.write(f"withheld: {line}")
        text = json.dumps(document, ensure_ascii=False, indent=2)
        output = str(options["output"])
        if output == "-":
            self.stdout.write(text)
        else:
            try:
                Path(output).write_text(text + "\n", encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot write {output}: {exc}") from exc
        record_export(output, document)
        services = sum(len(o.get("services", [])) for o in document["organizations"])
        self.stderr.write(f"exported {len(document['organizations'])} organizations, {services} services to {output}")
