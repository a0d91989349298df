"""Draw the app layers of ``.importlinter`` as a Mermaid diagram, for docs/architecture.md.

    python manage.py layers_diagram            # print it
    python manage.py layers_diagram --write    # replace it in docs/architecture.md

The picture is generated from the contract that ``make lint`` enforces, so it cannot drift from it
(tests/test_layers_diagram.py fails when the document's copy differs).
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

START = "<!-- layers-diagram:start (generated: python manage.py layers_diagram --write) -->"
END = "<!-- layers-diagram:end -->"


def contract_layers(path: Path) -> list[tuple[list[str], bool]]:
    """The layers of the contract, top first: (apps, whether they may import each other)."""
    parser = configparser.ConfigParser()
    parser.read(path, encoding="utf-8")
    raw = parser["importlinter:contract:layers"]["layers"]
    layers = []
    for line in raw.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        independent = "|" in line
        apps = [name.strip() for name in re.split(r"[|:]", line) if name.strip()]
        layers.append((apps, not independent and len(apps) > 1))
    return layers


def mermaid(layers: list[tuple[list[str], bool]]) -> str:
    lines = ["```mermaid", "flowchart TB"]
    for index, (apps, linked) in enumerate(layers):
        if len(apps) == 1:
            title = "one app"
        elif linked:
            title = "may import each other"
        else:
            title = "may not import each other"
        lines.append(f'  subgraph L{index}["{title}"]')
        lines.append("    direction LR")
        lines.extend(f"    {app}" for app in apps)
        lines.append("  end")
    lines.extend(f"  L{index} -->|imports| L{index + 1}" for index in range(len(layers) - 1))
    lines.append("```")
    return "\n".join(lines)


def document_block(base: Path) -> str:
    return f"{START}\n{mermaid(contract_layers(base / '.importlinter'))}\n{END}"


class Command(BaseCommand):
    help = "Draw the app layers of .importlinter as a Mermaid diagram (--write: into docs/architecture.md)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--write", action="store_true", help="Replace the diagram in docs/architecture.md.")

    def handle(self, *args: Any, **options: Any) -> None:
        base = Path(settings.BASE_DIR)
        block = document_block(base)
        if not options["write"]:
            self.stdout.write(block)
            return
        doc = base / "docs" / "architecture.md"
        text = doc.read_text(encoding="utf-8")
        if START not in text or END not in text:
            raise CommandError(f"{doc} has no {START} … {END} block to replace.")
        before, rest = text.split(START, 1)
        _old, after = rest.split(END, 1)
        doc.write_text(before + block + after, encoding="utf-8")
        self.stdout.write(f"Wrote the layers diagram into {doc}.")
