from django.core.management.base import BaseCommand

from integration_admin.demo import DEMO_PASSWORD, USERS, load_demo


class Command(BaseCommand):
    help = "Lädt das Gründungsbeispiel (Kreis Heinsberg, August 2020) und die Demo-Anmeldungen. Mehrfach ausführbar."

    def handle(self, *args, **options):
        counts = load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                "Demodaten geladen: {programmes} Programme, {positions} Stellen, {decisions} Bescheide.".format(
                    **counts
                )
            )
        )
        names = ", ".join(username for username, *_rest in USERS)
        self.stdout.write(f"Demo-Anmeldungen (nur für die Demo): {names}; Passwort: {DEMO_PASSWORD}")
