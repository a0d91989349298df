"""Writing reference data: loading the municipality's files (the only way it changes)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction

from tsunagiai.audit.actions import record_audit_event
from tsunagiai.reference.loading import LoadReport, apply_reference_data, mass_deactivations, read_reference_data

if TYPE_CHECKING:
    from tsunagiai.accounts.models import User


@transaction.atomic
def do_load_reference(
    directory: Path,
    taxonomy_file: Path,
    *,
    acting_user: User | None = None,
    dry_run: bool = False,
    allow_mass_deactivation: bool = False,
) -> LoadReport:
    """Load the files of ``directory`` and the vocabulary of ``taxonomy_file``; report what changed.

    Every file is read and checked before anything is written: on any problem
    ``ReferenceDataError`` is raised and the database stays as it was. With
    ``dry_run`` the changes are computed and rolled back. A load that would
    deactivate more than the set share of a kind of row is refused the same
    way unless ``allow_mass_deactivation`` (docs/reference-data.md).
    """
    data = read_reference_data(Path(directory), Path(taxonomy_file))
    report = apply_reference_data(data, dry_run=dry_run, allow_mass_deactivation=allow_mass_deactivation)
    if report.changed and not dry_run:
        mass = allow_mass_deactivation and bool(mass_deactivations(report))
        record_audit_event(
            "reference.loaded",
            acting_user=acting_user,
            changes=report.as_audit_changes(),
            note=str(directory) + (" (mass deactivation allowed)" if mass else ""),
        )
    return report
