"""System checks for analytics: the statistics secret (docs/security.md, "What the operator must do")."""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags, Warning, register

from tsunagiai.analytics.cellkey import configured_secret


@register(Tags.security, deploy=True)
def statistics_secret(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if configured_secret():
        return []
    return [
        Warning(
            "ANALYTICS_CELL_KEY_SECRET is not set: the noise of published counts is keyed on SECRET_KEY, so "
            "rotating SECRET_KEY would give every figure new noise (a second look at every count).",
            hint="Set ANALYTICS_CELL_KEY_SECRET to a long random value of its own and keep it stable.",
            id="analytics.W001",
        )
    ]
