"""Static file finders that answer "not found" for a path leaving the static folders.

Django's finders raise ``SuspiciousFileOperation`` for ``/static/..%2f..``, which
the development server (``runserver --insecure``, the demo) turned into a 500.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation


class FileSystemFinder(finders.FileSystemFinder):
    def find(self, path: str, find_all: bool = False) -> Any:  # type: ignore[override]
        try:
            return super().find(path, find_all=find_all)  # type: ignore[call-overload]
        except SuspiciousFileOperation:
            return []  # "no match", as the base finders say it


class AppDirectoriesFinder(finders.AppDirectoriesFinder):
    def find(self, path: str, find_all: bool = False) -> Any:  # type: ignore[override]
        try:
            return super().find(path, find_all=find_all)  # type: ignore[call-overload]
        except SuspiciousFileOperation:
            return []  # "no match", as the base finders say it
