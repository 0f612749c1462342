"""Back up the database to one file: SQLite's online backup, or pg_dump's custom format."""

import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone


def pg_environment() -> dict:
    db = connection.settings_dict
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "PGDATABASE": db["NAME"]}
    for key, var in (("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"), ("HOST", "PGHOST"), ("PORT", "PGPORT")):
        if db.get(key):
            env[var] = str(db[key])
    return env


class Command(BaseCommand):
    help = "Sichert die Datenbank in eine Datei (SQLite: Online-Sicherung; PostgreSQL: pg_dump -Fc)."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Zieldatei; Vorgabe: var/backups/<Datenbank>-<Zeitstempel>.<sqlite3|dump>")

    def handle(self, *args, output=None, **options):
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        if connection.vendor == "sqlite":
            target = Path(output or settings.BASE_DIR / "var" / "backups" / f"sqlite-{stamp}.sqlite3")
            target.parent.mkdir(parents=True, exist_ok=True)
            connection.ensure_connection()
            with sqlite3.connect(target) as destination:
                connection.connection.backup(destination)
        elif connection.vendor == "postgresql":
            pg_dump = shutil.which("pg_dump")
            if pg_dump is None:
                raise CommandError("pg_dump fehlt (Debian-Paket postgresql-client).")
            target = Path(output or settings.BASE_DIR / "var" / "backups" / f"postgres-{stamp}.dump")
            target.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(  # noqa: S603 (fixed arguments, no shell)
                [pg_dump, "--format=custom", "--no-owner", "--file", str(target)], env=pg_environment(), check=True
            )
        else:
            raise CommandError(f"Keine Sicherung für {connection.vendor} vorgesehen.")
        self.stdout.write(self.style.SUCCESS(f"Sicherung geschrieben: {target}"))
