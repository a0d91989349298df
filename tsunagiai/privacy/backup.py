"""Backups of the city's database, and the check that a backup restores whole (docs/operations.md).

``make_backup(directory)`` writes one consistent copy of the database and a
manifest beside it:

- **SQLite**: the online backup API (``sqlite3.Connection.backup``): a page-by-
  page copy that stays consistent while the application keeps writing;
- **PostgreSQL**: ``pg_dump --format=custom`` of an exported snapshot
  (``pg_export_snapshot`` in a REPEATABLE READ transaction), so that the row
  counts and the audit head written to the manifest are those of the dump.

The manifest (``<backup>.manifest.json``) holds the file's SHA-256, the row
count of every table, the head of the audit chain (sequence and hash) and the
last applied migration of every app.

``check_backup(manifest)`` proves the backup is usable: it restores it into a
scratch database (a copied file; ``pg_restore`` into a new database), counts
every table against the manifest and recomputes the whole audit chain (the
``verify_audit`` rule), then throws the scratch copy away. ``verify_database``
does the counting and the chain on a database already restored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.db.utils import load_backend
from django.utils import timezone

FORMAT = "tsunagiai.backup"
FORMAT_VERSION = 1
MANIFEST_SUFFIX = ".manifest.json"
PREFIX = "tsunagiai-"
AUDIT_TABLE = "audit_auditevent"
CHECK_ALIAS = "restore_check"


class BackupError(Exception):
    """The backup or its check could not be made; the message says why."""


@dataclass
class CheckResult:
    """What a restore check found: problems (empty when the backup is good) and what was verified."""

    problems: list[str] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    audit_entries: int = 0
    audit_head: str = ""
    kept_at: str = ""  # with ``keep``: where the scratch copy stays

    @property
    def ok(self) -> bool:
        return not self.problems


# --- helpers --------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tool(name: str) -> str:
    """A PostgreSQL client program: the ``PG_DUMP``/``PG_RESTORE`` setting, else found on PATH."""
    found = getattr(settings, name.upper(), "") or shutil.which(name)
    if not found:
        raise BackupError(f"{name} not found: install the PostgreSQL client programs or set {name.upper()}")
    return str(found)


def _pg_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    """The libpq environment of a Django database: the password never appears on a command line."""
    env = {**os.environ}
    for key, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[variable] = str(settings_dict[key])
    options = settings_dict.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except OSError as error:
        raise BackupError(f"{command[0]}: {error}") from None
    if completed.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed ({completed.returncode}): {completed.stderr.strip()[:2000]}")


def table_counts(cursor: Any, tables: list[str], quote: Any) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608 - names from the catalogue
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _audit_head(cursor: Any, tables: dict[str, int]) -> dict[str, Any]:
    if AUDIT_TABLE not in tables:
        return {"sequence": 0, "hash": ""}
    cursor.execute(f"SELECT sequence, hash FROM {AUDIT_TABLE} ORDER BY sequence DESC LIMIT 1")  # noqa: S608
    row = cursor.fetchone()
    return {"sequence": int(row[0]), "hash": str(row[1])} if row else {"sequence": 0, "hash": ""}


def _migrations(connection: BaseDatabaseWrapper) -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


# --- making a backup ------------------------------------------------------------------------


def _backup_sqlite(connection: BaseDatabaseWrapper, target: Path) -> tuple[dict[str, int], dict[str, Any]]:
    connection.ensure_connection()
    source = connection.connection
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # the online backup API: consistent while others write
        cursor = copy.cursor()
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        tables = [row[0] for row in cursor.fetchall()]
        counts = table_counts(cursor, tables, lambda name: '"' + name.replace('"', '""') + '"')
        return counts, _audit_head(cursor, counts)
    finally:
        copy.close()


def _backup_postgresql(using: str, target: Path) -> tuple[dict[str, int], dict[str, Any]]:
    snapshot_session = connections.create_connection(using)  # its own session: the snapshot outlives no one
    try:
        with snapshot_session.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = str(cursor.fetchone()[0])
            tables = snapshot_session.introspection.table_names(cursor)
            counts = table_counts(cursor, tables, snapshot_session.ops.quote_name)
            head = _audit_head(cursor, counts)
            database = snapshot_session.settings_dict
            _run(
                [
                    _tool("pg_dump"),
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--no-password",
                    "--file",
                    str(target),
                    "--dbname",
                    str(database["NAME"]),
                ],
                _pg_env(database),
            )
            cursor.execute("COMMIT")
        return counts, head
    finally:
        snapshot_session.close()


def make_backup(directory: Path, *, using: str = "default") -> Path:
    """Back up the database into ``directory``; return the manifest's path (the backup file is beside it)."""
    connection = connections[using]
    if connection.in_atomic_block:
        raise BackupError("a backup is made outside any transaction")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = timezone.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    suffix = {"sqlite": ".sqlite3", "postgresql": ".dump"}.get(connection.vendor)
    if suffix is None:
        raise BackupError(f"no backup method for {connection.vendor}")
    final = directory / f"{PREFIX}{stamp}{suffix}"
    partial = final.with_name(final.name + ".partial")
    try:
        if connection.vendor == "sqlite":
            counts, head = _backup_sqlite(connection, partial)
        else:
            counts, head = _backup_postgresql(using, partial)
        partial.chmod(0o600)
        partial.replace(final)
    finally:
        partial.unlink(missing_ok=True)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "file": final.name,
        "size": final.stat().st_size,
        "sha256": _sha256(final),
        "tables": counts,
        "rows": sum(counts.values()),
        "audit": head,
        "migrations": _migrations(connection),
    }
    manifest_path = final.with_name(final.name + MANIFEST_SUFFIX)
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    manifest_path.chmod(0o600)
    return manifest_path


def prune_backups(directory: Path, *, older_than_days: int, now: dt.datetime | None = None) -> list[Path]:
    """Delete this application's backups (and manifests) in ``directory`` older than the retention; return them."""
    cutoff = (now or timezone.now()).timestamp() - older_than_days * 86400
    removed = []
    for path in sorted(Path(directory).glob(f"{PREFIX}*")):
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink()
            removed.append(path)
    return removed


# --- checking a backup --------------------------------------------------------------------------


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise BackupError(f"cannot read the manifest {path}: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a backup manifest of this application")
    return manifest


@contextmanager
def _database(alias: str, settings_dict: dict[str, Any]) -> Iterator[BaseDatabaseWrapper]:
    """A Django connection to another database (the scratch copy), usable with ``using(alias)``, then forgotten.

    It is placed in the connection handler of this thread only, not in the
    settings: nothing else (no request, no router) ever reaches it.
    """
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias)
    connections[alias] = wrapper
    try:
        yield wrapper
    finally:
        wrapper.close()
        del connections[alias]


def verify_database(alias: str, manifest: dict[str, Any]) -> CheckResult:
    """Row counts equal to the manifest's, and an unbroken audit chain ending at the manifest's head."""
    from tsunagiai.audit.chain import verify_chain
    from tsunagiai.audit.models import AuditChainHead, AuditEvent

    result = CheckResult()
    connection = connections[alias]
    with connection.cursor() as cursor:
        counts = table_counts(cursor, connection.introspection.table_names(cursor), connection.ops.quote_name)
    expected: dict[str, int] = manifest.get("tables", {})
    for table in sorted(set(expected) | set(counts)):
        if table not in counts:
            result.problems.append(f"table {table}: missing (the manifest counts {expected[table]} rows)")
        elif table not in expected:
            result.problems.append(f"table {table}: not in the manifest ({counts[table]} rows)")
        elif counts[table] != expected[table]:
            result.problems.append(f"table {table}: {counts[table]} rows, the manifest says {expected[table]}")
    result.tables, result.rows = len(counts), sum(counts.values())
    events = AuditEvent.objects.using(alias).order_by("sequence").iterator(chunk_size=2000)
    count, broken = verify_chain(events)
    result.audit_entries = count
    if broken is not None:
        result.problems.append(f"audit chain BROKEN at entry {broken.sequence} (id {broken.event_id}): {broken.reason}")
    last = AuditEvent.objects.using(alias).order_by("-sequence").values_list("sequence", "hash").first()
    head: dict[str, Any] = {"sequence": last[0], "hash": last[1]} if last else {"sequence": 0, "hash": ""}
    result.audit_head = str(head["hash"])
    if head != manifest.get("audit"):
        result.problems.append(f"audit head is {head}, the manifest says {manifest.get('audit')}")
    chain_head = AuditChainHead.objects.using(alias).filter(pk=1).values_list("sequence", "hash").first()
    if last and chain_head is not None and tuple(chain_head) != tuple(last):
        result.problems.append(f"the chain head row records entry {chain_head[0]}, the last entry is {last[0]}")
    return result


def _restore_sqlite(backup: Path, scratch: Path) -> dict[str, Any]:
    shutil.copyfile(backup, scratch)
    base = dict(connections["default"].settings_dict)
    return {**base, "ENGINE": "django.db.backends.sqlite3", "NAME": str(scratch), "TEST": {}}


def check_backup(manifest_path: Path, *, keep: bool = False) -> CheckResult:
    """Restore the backup into a scratch database and verify it against its manifest; then drop the scratch copy."""
    manifest_path = Path(manifest_path)
    manifest = read_manifest(manifest_path)
    backup = manifest_path.parent / str(manifest.get("file", ""))
    if not backup.is_file():
        raise BackupError(f"the backup file {backup} is missing")
    if _sha256(backup) != manifest.get("sha256"):
        return CheckResult(problems=[f"{backup.name}: the SHA-256 differs from the manifest (damaged or altered)"])
    vendor = manifest.get("vendor")
    if vendor == "sqlite":
        workdir = Path(tempfile.mkdtemp(prefix="tsunagiai-restore-check-"))
        try:
            with _database(CHECK_ALIAS, _restore_sqlite(backup, workdir / "restored.sqlite3")):
                result = verify_database(CHECK_ALIAS, manifest)
            result.kept_at = str(workdir / "restored.sqlite3") if keep else ""
            return result
        finally:
            if not keep:
                shutil.rmtree(workdir, ignore_errors=True)
    if vendor == "postgresql":
        return _check_postgresql(backup, manifest, keep=keep)
    raise BackupError(f"no restore method for {vendor!r}")


def _check_postgresql(backup: Path, manifest: dict[str, Any], *, keep: bool) -> CheckResult:
    default = connections["default"]
    if default.vendor != "postgresql":
        raise BackupError("a PostgreSQL backup is checked from a PostgreSQL deployment (DATABASE_URL)")
    scratch = f"tsunagiai_restore_check_{secrets.token_hex(4)}"
    admin = connections.create_connection("default")  # autocommit: CREATE/DROP DATABASE cannot run in a transaction
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {admin.ops.quote_name(scratch)}")
        try:
            settings_dict = {**default.settings_dict, "NAME": scratch}
            _run(
                [
                    _tool("pg_restore"),
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--no-password",
                    "--dbname",
                    scratch,
                    str(backup),
                ],
                _pg_env(settings_dict),
            )
            with _database(CHECK_ALIAS, settings_dict):
                result = verify_database(CHECK_ALIAS, manifest)
            result.kept_at = f"PostgreSQL database {scratch}" if keep else ""
            return result
        finally:
            if not keep:
                with admin.cursor() as cursor:
                    cursor.execute(f"DROP DATABASE IF EXISTS {admin.ops.quote_name(scratch)} WITH (FORCE)")
    finally:
        admin.close()
