from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from integration_admin.demo import DEMO_PASSWORD, USERS, load_demo


class Command(BaseCommand):
    help = (
        "Lädt das Gründungsbeispiel (Kreis Heinsberg, August 2020) und die Demo-Anmeldungen. Mehrfach "
        "ausführbar. Bestehende Benutzer werden nie verändert (außer mit --restore-logins in der Entwicklung)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-installation",
            action="store_true",
            help="Auch ohne DEBUG laden: für eine reine Vorführ-Installation, nie für echte Daten.",
        )
        parser.add_argument(
            "--restore-logins",
            action="store_true",
            help="Nur mit DEBUG: Demo-Benutzer wieder aktivieren und ihr Demo-Passwort zurücksetzen.",
        )

    def handle(self, *args, demo_installation=False, restore_logins=False, **options):
        if not settings.DEBUG and not demo_installation:
            raise CommandError(
                "Ohne DEBUG (Produktion) werden keine Demodaten geladen: sie enthalten Anmeldungen mit "
                "veröffentlichtem Passwort. Für eine reine Vorführ-Installation: --demo-installation angeben."
            )
        if restore_logins and not settings.DEBUG:
            raise CommandError(
                "--restore-logins setzt Passwörter auf das veröffentlichte Demo-Passwort zurück und ist "
                "deshalb nur in der Entwicklung (DEBUG=1) erlaubt."
            )
        counts = load_demo(restore_logins=restore_logins)
        self.stdout.write(
            self.style.SUCCESS(
                "Demodaten geladen: {programmes} Programme, {positions} Stellen, {decisions} Bescheide.".format(
                    **counts
                )
            )
        )
        created = counts["created_logins"]
        if created:
            self.stdout.write(
                f"Neu angelegte Demo-Anmeldungen (nur für die Demo): {', '.join(created)}; Passwort: {DEMO_PASSWORD}"
            )
        untouched = [username for username, *_rest in USERS if username not in created]
        if untouched and not restore_logins:
            self.stdout.write(
                f"Bestehende Benutzer unverändert gelassen: {', '.join(untouched)} "
                "(Passwort und Aktivierung wie zuvor)."
            )
