"""Restore a backup made by ``manage.py backup``; replaces the whole database."""

import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from integration_admin.core.scopes import scopes_disabled
from integration_admin.management.commands.backup import pg_environment


class Command(BaseCommand):
    help = "Stellt eine Sicherung wieder her. ACHTUNG: ersetzt den gesamten Datenbestand."

    def add_arguments(self, parser):
        parser.add_argument("backup", help="Datei von `manage.py backup`")
        parser.add_argument("--yes", action="store_true", help="ohne Rückfrage")

    @scopes_disabled()  # installation-wide: every body's records
    def handle(self, *args, backup, yes=False, **options):
        source = Path(backup)
        if not source.is_file():
            raise CommandError(f"Sicherung nicht gefunden: {source}")
        if not yes and input(f"Datenbank durch {source} ersetzen? [ja/nein] ").strip().lower() != "ja":
            raise CommandError("Abgebrochen, nichts geändert.")
        if connection.vendor == "sqlite":
            with sqlite3.connect(source) as check:
                if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise CommandError("Die Sicherung ist beschädigt; nichts geändert.")
            connection.ensure_connection()
            with sqlite3.connect(source) as backup_db:
                backup_db.backup(connection.connection)
        elif connection.vendor == "postgresql":
            pg_restore = shutil.which("pg_restore")
            if pg_restore is None:
                raise CommandError("pg_restore fehlt (Debian-Paket postgresql-client).")
            connection.close()
            subprocess.run(  # noqa: S603 (fixed arguments, no shell)
                [pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction", "--dbname",
                 connection.settings_dict["NAME"], str(source)],
                env=pg_environment(),
                check=True,
            )  # fmt: skip
        else:
            raise CommandError(f"Keine Wiederherstellung für {connection.vendor} vorgesehen.")
        self.stdout.write(self.style.SUCCESS(f"Wiederhergestellt aus {source}"))
