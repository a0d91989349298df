"""Test-wide set-up: MD5 hashing, Immediate tasks, and the shared fixtures."""

from __future__ import annotations

import os

os.environ.setdefault("TSUNAGIAI_TESTING", "1")

pytest_plugins = ["tsunagiai.testing"]
