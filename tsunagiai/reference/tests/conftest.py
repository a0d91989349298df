"""Fixtures of the reference app's tests: copies of the shipped files to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.conf import settings


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
