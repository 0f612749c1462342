"""``manage.py create_body``: a new Kreis or kreisfreie Stadt in this installation, with its first
administrator if asked for (who then manages the body's users and master data in the app)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from integration_admin.core.models import Body, BodyKind, Regierungsbezirk
from integration_admin.core.scopes import scope
from integration_admin.models import Role, User


class Command(BaseCommand):
    help = (
        "Legt eine Gebietskörperschaft (Kreis oder kreisfreie Stadt) an, auf Wunsch mit ihrer ersten "
        "Administration (--admin BENUTZERNAME; das Passwort danach mit „manage.py changepassword“ setzen)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="Name, z. B. „Kreis Düren“.")
        parser.add_argument("--short-name", required=True, help="Kurzbezeichnung, z. B. das Kfz-Kennzeichen DN.")
        parser.add_argument(
            "--regierungsbezirk", required=True, choices=Regierungsbezirk.values, help="Regierungsbezirk."
        )
        parser.add_argument(
            "--kind", choices=BodyKind.values, default=BodyKind.KREIS, help="kreis (Standard) oder kreisfreie_stadt."
        )
        parser.add_argument("--head", help="Verwaltungsspitze; Standard: „Der Landrat“ bzw. „Der Oberbürgermeister“.")
        parser.add_argument("--address", default="", help="Anschrift für den Briefkopf; Zeilen mit \\n trennen.")
        parser.add_argument("--paper-number-format", default="{number:04d}/{year}", help="Schema der Vorlagen-Nr.")
        parser.add_argument(
            "--admin", metavar="BENUTZERNAME", help="Die erste Administration der Körperschaft anlegen."
        )
        parser.add_argument("--email", default="", help="E-Mail-Adresse der Administration.")

    @transaction.atomic
    def handle(self, *args, name, short_name, regierungsbezirk, kind, head, address, paper_number_format, **options):
        if head is None:
            head = "Der Oberbürgermeister" if kind == BodyKind.CITY else "Der Landrat"
        body = Body(
            name=name.strip(),
            short_name=short_name.strip(),
            regierungsbezirk=regierungsbezirk,
            kind=kind,
            head=head,
            address=address.replace("\\n", "\n"),
            paper_number_format=paper_number_format,
        )
        try:
            body.full_clean()
        except ValidationError as error:
            raise CommandError(_messages(error)) from error
        body.save()
        self.stdout.write(
            self.style.SUCCESS(f"Gebietskörperschaft „{body.name}“ ({body.short_name}) angelegt, Nummer {body.pk}.")
        )
        username = options.get("admin")
        if username:
            if User.objects.filter(username=username).exists():
                raise CommandError(f"Den Benutzer „{username}“ gibt es schon.")
            with scope(body=body.pk):
                admin = User(
                    username=username, email=options["email"], role=Role.ADMINISTRATOR, body=body, is_staff=True
                )
                admin.set_unusable_password()
                admin.full_clean(exclude=["password"])
                admin.save()
            self.stdout.write(
                f"Administration „{username}“ angelegt. Passwort setzen: python manage.py changepassword {username} "
                "(bei der ersten Anmeldung richtet sie den zweiten Faktor ein)."
            )


def _messages(error: ValidationError) -> str:
    """The form's messages, each after its field's German label."""
    if hasattr(error, "error_dict"):
        return " ".join(
            f"{Body._meta.get_field(field).verbose_name}: {' '.join(messages)}"
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)
