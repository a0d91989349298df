from __future__ import annotations

import pytest

from tsunagiai.resources.hsds_schema import errors_of


@pytest.fixture
def assert_hsds():
    """Check one emitted object against its official HSDS 3.0 schema (every error listed)."""

    def check(name: str, instance: object) -> None:
        errors = list(errors_of(name, instance, name))
        assert errors == [], "\n".join(errors)

    return check
