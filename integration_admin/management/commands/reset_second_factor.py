"""Remove a user's second factor (lost phone and lost recovery codes).

The user's authenticator app and recovery codes are deleted; at the next login the application
leads them to the set-up page again. The same can be done in the Django admin ("TOTP devices",
"Static devices"), but only by an administrator who is signed in with a second factor: this
command also helps when the only administrator has lost theirs.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from integration_admin.mfa import reset_devices


class Command(BaseCommand):
    help = "Setzt den zweiten Faktor (Authenticator-App und Wiederherstellungscodes) eines Benutzers zurück."

    def add_arguments(self, parser):
        parser.add_argument("username", metavar="BENUTZERNAME")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Benutzer {username!r} gibt es nicht.")
        removed = reset_devices(user=user)
        self.stdout.write(
            f"{removed} Gerät(e) von {username} entfernt. Bei der nächsten Anmeldung richtet "
            f"{username} den zweiten Faktor neu ein."
        )
