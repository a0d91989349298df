from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """MD5 hashing before the town's users are made.

    conftest.py asks for it through TSUNAGIAI_TESTING, but pytest-django has
    read the settings before conftest.py runs, so the suite hashes with PBKDF2
    (about 0.7 s per user on this machine) unless a test says otherwise.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
