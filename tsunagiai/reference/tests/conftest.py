"""Fixtures of the reference app's tests: copies of the shipped files to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import NoReverseMatch

from tsunagiai.core import context_processors


def tolerant_context(request: Any) -> dict[str, Any]:
    """The project's context processor, tolerating nav entries whose apps are not wired up yet."""
    try:
        return context_processors.tsunagiai(request)
    except NoReverseMatch:
        return {"date_style": "era", "debug": False, "nav_items": [], "user_organisations": []}


@pytest.fixture(autouse=True)
def _tolerant_navigation(settings: Any) -> None:
    # The navigation names pages of other apps; the directory's tests must not
    # depend on every one of them being present in the working tree.
    templates = [dict(engine, OPTIONS=dict(engine["OPTIONS"])) for engine in settings.TEMPLATES]
    processors = templates[0]["OPTIONS"]["context_processors"]
    templates[0]["OPTIONS"]["context_processors"] = [
        "tsunagiai.reference.tests.conftest.tolerant_context"
        if name == "tsunagiai.core.context_processors.tsunagiai"
        else name
        for name in processors
    ]
    settings.TEMPLATES = templates
    # The project sets MD5 only when TSUNAGIAI_TESTING is in the environment
    # before settings load; make sure the shared fixture's users hash fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the shipped Toyota files and the vocabulary."""
    target = tmp_path / "toyota"
    shutil.copytree(settings.REFERENCE_DATA_DIR, target)
    shutil.copy(settings.TAXONOMY_FILE, tmp_path / "taxonomy.yaml")
    return target


@pytest.fixture
def taxonomy_file(data_dir: Path) -> Path:
    return data_dir.parent / "taxonomy.yaml"
