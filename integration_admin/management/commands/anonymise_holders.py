"""GDPR: replace the names of position holders whose assignment ended before a date.

Holders' names are the only personal data the application keeps (README, "Verzeichnis der
Verarbeitungstätigkeiten"). After the retention period they are replaced everywhere they are
stored: the assignment, every history row of it, and the admin log's text about it.
"""

import datetime

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q

from staffing.models import Assignment

REASON = "Anonymisierung nach Ablauf der Aufbewahrungsfrist (DSGVO)"


def parse_day(text: str) -> datetime.date:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    raise CommandError(f"Ungültiges Datum: {text!r} (erwartet TT.MM.JJJJ oder JJJJ-MM-TT)")


def pseudonym(assignment_id: int) -> str:
    return f"anonymisiert (Besetzung {assignment_id})"


class Command(BaseCommand):
    help = "Anonymisiert die Namen von Stelleninhaber/-innen, deren Besetzung vor DATUM endete (inkl. Verlauf)."

    def add_arguments(self, parser):
        parser.add_argument("--ended-before", required=True, type=parse_day, metavar="DATUM")
        parser.add_argument("--dry-run", action="store_true", help="nur zählen, nichts ändern")

    @transaction.atomic
    def handle(self, *args, ended_before: datetime.date, dry_run: bool = False, **options):
        assignments = list(
            Assignment.objects.filter(end__lt=ended_before).exclude(holder_name__startswith="anonymisiert (")
        )
        if dry_run:
            self.stdout.write(f"{len(assignments)} Besetzungen würden anonymisiert (Ende vor {ended_before:%d.%m.%Y}).")
            return
        content_type = ContentType.objects.get_for_model(Assignment)
        for assignment in assignments:
            old_name, new_name = assignment.holder_name, pseudonym(assignment.pk)
            assignment.holder_name = new_name
            assignment._change_reason = REASON
            assignment.save(update_fields=["holder_name", "modified"])
            # Erasure of the earlier values is the point here, so the history rows are rewritten.
            Assignment.history.filter(id=assignment.pk).update(holder_name=new_name)
            for entry in LogEntry.objects.filter(
                Q(content_type=content_type, object_id=str(assignment.pk)) | Q(change_message__contains=old_name)
            ):
                entry.object_repr = entry.object_repr.replace(old_name, new_name)
                entry.change_message = entry.change_message.replace(old_name, new_name)
                entry.save(update_fields=["object_repr", "change_message"])
        self.stdout.write(
            self.style.SUCCESS(f"{len(assignments)} Besetzungen anonymisiert (Ende vor {ended_before:%d.%m.%Y}).")
        )
