"""The registry of periodic sweeps that ``manage.py run_sweeps`` runs.

Each app declares its sweeps in ``<app>/sweeps.py`` with ``@register_sweep``
and imports that module from its ``AppConfig.ready()``, so core runs every
app's periodic checks without importing any app. A sweep takes the time of
the run and returns its count (printed as ``<name>=<count>``) or several
named counts (printed in their order); ``order`` fixes the order in which the
sweeps run and print.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

SweepFunction = Callable[[dt.datetime], int | Mapping[str, int]]


@dataclass(frozen=True)
class Sweep:
    name: str
    order: int
    function: SweepFunction

    def run(self, now: dt.datetime) -> dict[str, int]:
        """Run the sweep; return its counts by the name each is printed under."""
        result = self.function(now)
        if isinstance(result, int):
            return {self.name: result}
        return dict(result)


_registry: dict[str, Sweep] = {}


def register_sweep(name: str, *, order: int) -> Callable[[SweepFunction], SweepFunction]:
    """Register the decorated function as the periodic sweep ``name``, run at position ``order``."""

    def decorate(function: SweepFunction) -> SweepFunction:
        known = _registry.get(name)
        if known is not None and (known.function.__module__, known.function.__qualname__) != (
            function.__module__,
            function.__qualname__,
        ):
            raise ValueError(f"A sweep named {name!r} is already registered by {known.function.__module__}.")
        if any(sweep.order == order and sweep.name != name for sweep in _registry.values()):
            raise ValueError(f"Another sweep already runs at order {order}.")
        _registry[name] = Sweep(name=name, order=order, function=function)
        return function

    return decorate


def registered_sweeps() -> list[Sweep]:
    """Every registered sweep, in the order they run."""
    return sorted(_registry.values(), key=lambda sweep: sweep.order)


@register_sweep("idempotency_keys", order=60)
def sweep_idempotency_keys(now: dt.datetime) -> int:
    """Forget API idempotency keys past their retention (core's own sweep)."""
    from tsunagiai.core.middleware import sweep_idempotency_keys as sweep

    return sweep(now)
