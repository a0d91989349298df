"""Actions write, selectors read (docs/conventions.md): an ``actions.py`` defines writes only.

A public function of an app's ``actions.py`` is a write, ``do_<verb>_<noun>``, or
a sweep, ``sweep_<what>`` (a write ``manage.py run_sweeps`` runs, with no acting
user). A read belongs in the app's ``selectors.py``; a helper only the actions use
is private (``_name``). The few other public names are listed below, each with why
it stays beside the actions, so that a read added to an ``actions.py`` fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

APPS = Path(__file__).resolve().parent.parent / "tsunagiai"
WRITE_PREFIXES = ("do_", "sweep_")

# The audit app's actions are its writing API, used by every other app's actions:
# record_* write the log; diff_fields/snapshot/stored_snapshot shape what they write.
WHOLE_MODULE = {"audit"}

ALLOWED: dict[str, str] = {
    # Rules the actions enforce, shared with the forms and pages so that both judge alike.
    "cases.allowed_transitions": "the case status machine (TRANSITIONS) do_change_case_status enforces",
    "community.allowed_participation_moves": "the participation moves do_transition_participation enforces",
    "intake.intake_moment_problem": "the date rule of the intake actions; the form reports the same message",
    "support.assessment_fingerprint": "decides which assessment domains do_save_member_assessment writes",
    # The shape of a proposed regional issue, shared with the demo generator that writes them in bulk.
    "regional.cluster_key": "the key of one open proposal per district and category",
    "regional.proposal_title": "the title the sweep gives a proposal",
}


def _public_functions() -> dict[str, int]:
    found: dict[str, int] = {}
    for path in sorted(APPS.glob("*/actions.py")):
        app = path.parent.name
        if app in WHOLE_MODULE:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith("_"):
                found[f"{app}.{node.name}"] = node.lineno
    return found


def test_actions_define_writes_only() -> None:
    strays = [
        f"tsunagiai/{name.split('.')[0]}/actions.py:{line} {name.split('.')[1]}"
        for name, line in _public_functions().items()
        if not name.split(".")[1].startswith(WRITE_PREFIXES) and name not in ALLOWED
    ]
    assert strays == [], (
        "A public function of an actions.py that is neither do_* nor sweep_*: move a read to the app's "
        "selectors.py, make a helper private, or (rarely) list it in ALLOWED with why:\n" + "\n".join(strays)
    )


def test_the_allow_list_names_only_functions_that_exist() -> None:
    assert sorted(set(ALLOWED) - set(_public_functions())) == []
