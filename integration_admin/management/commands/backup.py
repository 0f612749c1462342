"""Back up the database to one file: SQLite's online backup, or pg_dump's custom format.

A backup holds every name and every password hash: it is written readable by its owner only
(0600), in a folder only its owner can open (0700).
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from integration_admin.core.scopes import scopes_disabled


def pg_environment() -> dict:
    db = connection.settings_dict
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "PGDATABASE": db["NAME"]}
    for key, var in (("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"), ("HOST", "PGHOST"), ("PORT", "PGPORT")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def private_file(target: Path, *, default_folder: Path) -> None:
    """Create ``target`` empty with mode 0600 before anything writes into it (so there is no moment
    at which another user could open it); the default folder is made 0700."""
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if target.parent == default_folder:
        default_folder.chmod(0o700)  # also a folder made before backups were private
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(descriptor)
    target.chmod(0o600)  # an existing file keeps its mode on open(); set it


class Command(BaseCommand):
    help = "Sichert die Datenbank in eine Datei (SQLite: Online-Sicherung; PostgreSQL: pg_dump -Fc)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Zieldatei; Vorgabe: var/backups/<Datenbank>-<Zeitstempel>.<sqlite3|dump>")

    @scopes_disabled()  # installation-wide: every body's records
    def handle(self, *args, output=None, **options):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        folder = settings.BASE_DIR / "var" / "backups"
        if connection.vendor == "sqlite":
            target = Path(output or folder / f"sqlite-{stamp}.sqlite3")
            private_file(target, default_folder=folder)
            connection.ensure_connection()
            with sqlite3.connect(target) as destination:
                connection.connection.backup(destination)
        elif connection.vendor == "postgresql":
            pg_dump = shutil.which("pg_dump")
            if pg_dump is None:
                raise CommandError("pg_dump fehlt (Debian-Paket postgresql-client).")
            target = Path(output or folder / f"postgres-{stamp}.dump")
            private_file(target, default_folder=folder)
            subprocess.run(  # noqa: S603 (fixed arguments, no shell)
                [pg_dump, "--format=custom", "--no-owner", "--file", str(target)], env=pg_environment(), check=True
            )
        else:
            raise CommandError(f"Keine Sicherung für {connection.vendor} vorgesehen.")
        self.stdout.write(self.style.SUCCESS(f"Sicherung geschrieben: {target}"))
