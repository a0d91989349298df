from __future__ import annotations

import ast
from pathlib import Path

from tsunagiai.core.management.commands import run_sweeps
from tsunagiai.core.sweeps import registered_sweeps


def test_the_registry_lists_every_periodic_sweep_in_the_order_run_sweeps_runs_them() -> None:
    assert [sweep.name for sweep in registered_sweeps()] == [
        "referral_timers",
        "coordination_overstay",
        "support",
        "team_access_ended",
        "regional_issues",
        "idempotency_keys",
        "export_jobs",
    ]


def test_run_sweeps_imports_no_app_but_core() -> None:
    tree = ast.parse(Path(run_sweeps.__file__).read_text(encoding="utf-8"))
    modules = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    modules += [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    ours = [module for module in modules if module.split(".")[0] == "tsunagiai"]
    assert ours, "run_sweeps reads the registry of tsunagiai.core.sweeps"
    assert [module for module in ours if not module.startswith("tsunagiai.core.")] == []
