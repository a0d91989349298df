"""Refresh every Japanese catalogue: one per app that has a locale/ folder, and the root one.

The root catalogue (locale/) covers templates/, config/ and the apps without
their own. Run through `make messages`; then fill the new msgstr entries
(docs/dev/fill_po.py) and compile (`manage.py compile_messages_py`).
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DJANGO_ADMIN = str(Path(sys.executable).with_name("django-admin"))
COMMAND = [DJANGO_ADMIN, "makemessages", "-l", "ja", "--no-obsolete"]

apps_with_catalogue = sorted(p.parent for p in (ROOT / "tsunagiai").glob("*/locale"))
for app in apps_with_catalogue:
    subprocess.run(COMMAND, cwd=app, check=True)  # noqa: S603

ignores = [".venv/*", "var/*", "tests/*", "benchmarks/*", "docs/*"]
ignores += [f"{app.relative_to(ROOT)}/*" for app in apps_with_catalogue]
subprocess.run([*COMMAND, *[arg for pattern in ignores for arg in ("-i", pattern)]], cwd=ROOT, check=True)  # noqa: S603
