"""``manage.py purge_imports``: delete uploads never confirmed, with their file, after
``settings.IMPORT_RETENTION_DAYS`` days (default 14). The daily job on the queue does the same
(``integration_admin.reminders.send_daily_reminders``); run this from a system timer otherwise."""

from django.core.management.base import BaseCommand

from integration_admin.core.scopes import scopes_disabled
from staffing.imports.jobs import purge_expired


class Command(BaseCommand):
    help = "Löscht nie übernommene Importe samt Datei nach IMPORT_RETENTION_DAYS Tagen."

    @scopes_disabled()  # installation-wide: every body's records
    def handle(self, *args, **options):
        deleted = purge_expired()
        self.stdout.write(f"{deleted} nicht übernommene(r) Import(e) gelöscht.")
