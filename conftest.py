"""Test-wide set-up: fast password hashing and the shared fixtures."""

from __future__ import annotations

import os

from django.conf import settings

os.environ.setdefault("TSUNAGIAI_TESTING", "1")

# pytest-django has loaded the settings before this file runs, so the
# environment switch above comes too late for them: set the hasher directly.
# MD5 is for tests only (STYLE.md); it makes each test user cost microseconds.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

pytest_plugins = ["tsunagiai.testing"]
