"""``manage.py refresh_costs``: recompute the stored annual cost of every position.

The web pages and the admin do this themselves after every change; run it after changing pay
data or positions by other means (a shell, a data import, a restored backup).
"""

from django.core.management.base import BaseCommand

from integration_admin.core.scopes import scopes_disabled
from staffing.services import refresh_costs


class Command(BaseCommand):
    help = "Berechnet die gespeicherten Jahres-Personalkosten aller Stellen neu."

    @scopes_disabled()  # installation-wide: every body's records
    def handle(self, *args, **options):
        changed = refresh_costs()
        self.stdout.write(f"Personalkosten neu berechnet: {changed} Zeilen geändert.")
