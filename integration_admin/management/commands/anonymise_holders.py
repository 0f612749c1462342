"""GDPR: replace the names of position holders whose assignment ended before a date.

Holders' names are the only personal data the application keeps about people other than its users
(README, "Verzeichnis der Verarbeitungstätigkeiten"). After the retention period they are replaced
everywhere they are stored:

- the assignment and every history row of it, also of assignments deleted since (their history
  rows are all that is left of them, and the position page shows them);
- every other text column of every table, history tables and Django's admin log included: notes,
  reasons for changes, titles. The full name is replaced there by the same pseudonym;
- parts of the name (a surname alone, "Frau Wiśniewska") cannot be replaced blindly, since they
  may be ordinary words elsewhere: where they occur is listed for the administrator to check;
- released council papers are documents (their frozen snapshot and stored PDF are what was
  published): they are not rewritten, and where a name occurs in one it is listed as well, as are
  names in JSON columns;
- uploaded documents (scanned letters, contracts, receipt lists) hang on records, not on persons:
  their titles and file names are text columns like any other (replaced above), but their content
  cannot be searched (scans). Those uploaded before the date are listed for a check by hand.

Every name an assignment ever had (its history) is looked for, not only the last one.
"""

import datetime
import json
from collections.abc import Iterator

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.db.models.functions import Cast, Replace
from django.utils import timezone

from integration_admin.core.history import HOLDERS_ANONYMISED, system_reason
from integration_admin.core.models import Document
from integration_admin.core.scopes import scopes_disabled
from integration_admin.council.models import Report
from staffing.models import Assignment

REASON = system_reason(HOLDERS_ANONYMISED)  # stored in German, translated when shown
PSEUDONYM_PREFIX = "anonymisiert ("
# Tables whose text is not a record of ours: login sessions (encoded, they expire) and the
# login-attempt log of django-axes (user names typed at the login).
NOT_SEARCHED = {"sessions.Session", "axes.AccessAttempt", "axes.AccessFailureLog", "axes.AccessLog"}
# A part of a name shorter than this is not reported: "Li" or "Ben" occur in ordinary words.
MIN_PART_LENGTH = 4


def parse_day(text: str) -> datetime.date:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
    raise CommandError(f"Ungültiges Datum: {text!r} (erwartet TT.MM.JJJJ oder JJJJ-MM-TT)")


def start_of(day: datetime.date) -> datetime.datetime:
    """The first moment of ``day`` in the project's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def pseudonym(assignment_id: int) -> str:
    return f"anonymisiert (Besetzung {assignment_id})"


def text_columns() -> Iterator[tuple[type[models.Model], list[str]]]:
    """Every model with its free-text columns (CharField and TextField without fixed choices),
    but not the holder-name column itself (rewritten per assignment, and other assignments of
    the same name may still run)."""
    holder_columns = {(Assignment._meta.label, "holder_name"), (Assignment.history.model._meta.label, "holder_name")}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.label in NOT_SEARCHED or model._meta.proxy:
            continue
        names = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField)
            and not field.choices
            and (model._meta.label, field.name) not in holder_columns
        ]
        if names:
            yield model, names


def documents(model) -> models.QuerySet:
    """The rows of ``model`` that are published documents and must not be rewritten."""
    if model is Report:
        return Report.objects.released()
    return model._default_manager.none()


def replace_everywhere(old: str, new: str) -> list[str]:
    """Replace ``old`` by ``new`` in every text column of every table but published documents;
    return where it was found. Records with a revision get the next one, so a form opened before
    cannot write the name back."""
    found = []
    for model, names in text_columns():
        has_revision = any(field.name == "revision" for field in model._meta.concrete_fields)
        for name in names:
            rows = model._default_manager.filter(**{f"{name}__contains": old}).exclude(
                pk__in=documents(model).values("pk")
            )
            extra = {"revision": models.F("revision") + 1} if has_revision else {}
            count = rows.update(**{name: Replace(name, models.Value(old), models.Value(new))}, **extra)
            if count:
                found.append(f"{model._meta.label}.{name}: {count}")
    return found


def name_parts(name: str) -> list[str]:
    return [part for part in name.replace("-", " ").split() if len(part) >= MIN_PART_LENGTH]


def json_columns() -> Iterator[tuple[type[models.Model], list[str]]]:
    for model in apps.get_models(include_auto_created=True):
        if model._meta.label in NOT_SEARCHED or model._meta.proxy:
            continue
        names = [field.name for field in model._meta.concrete_fields if isinstance(field, models.JSONField)]
        if names:
            yield model, names


def mentions(text: str) -> list[str]:
    """Where ``text`` still occurs, in text and JSON columns: "table.column: id, id, …"."""
    found = []
    for model, names in text_columns():
        for name in names:
            ids = list(model._default_manager.filter(**{f"{name}__contains": text}).values_list("pk", flat=True)[:20])
            if ids:
                found.append(f"{model._meta.label}.{name}: {', '.join(str(pk) for pk in ids)}")
    for model, names in json_columns():
        for name in names:
            # as text: a name inside a JSON string (non-ASCII letters escaped as JSON writes them)
            rows = model._default_manager.annotate(as_text=Cast(name, models.TextField()))
            needles = {text, json.dumps(text)[1:-1]}
            query = models.Q()
            for needle in needles:
                query |= models.Q(as_text__contains=needle)
            ids = list(rows.filter(query).values_list("pk", flat=True)[:20])
            if ids:
                found.append(f"{model._meta.label}.{name}: {', '.join(str(pk) for pk in ids)}")
    return found


def deleted_assignments(ended_before: datetime.date) -> dict[int, str]:
    """Assignments deleted since, whose last state ended (or, open-ended, was deleted) before the
    date: id -> the name in their history rows."""
    gone = Assignment.history.filter(history_type="-").exclude(id__in=Assignment.objects.values("pk"))
    found = {}
    for row in gone.exclude(holder_name__startswith=PSEUDONYM_PREFIX):
        last_day = row.end or row.history_date.date()
        if last_day < ended_before:
            found[row.id] = row.holder_name
    return found


class Command(BaseCommand):
    help = (
        "Anonymisiert die Namen von Stelleninhaber/-innen, deren Besetzung vor DATUM endete: in der Besetzung, "
        "ihrem Verlauf (auch gelöschter Besetzungen) und in allen Freitexten."
    )

    def add_arguments(self, parser):
        parser.add_argument("--ended-before", required=True, type=parse_day, metavar="DATUM")
        parser.add_argument("--dry-run", action="store_true", help="nur zählen, nichts ändern")

    @transaction.atomic
    @scopes_disabled()  # installation-wide: every body's records
    def handle(self, *args, ended_before: datetime.date, dry_run: bool = False, **options):
        assignments = list(
            Assignment.objects.filter(end__lt=ended_before).exclude(holder_name__startswith=PSEUDONYM_PREFIX)
        )
        deleted = deleted_assignments(ended_before)
        day = f"{ended_before:%d.%m.%Y}"
        if dry_run:
            self.stdout.write(
                f"{len(assignments)} Besetzungen würden anonymisiert (Ende vor {day}), "
                f"dazu der Verlauf von {len(deleted)} gelöschten Besetzungen."
            )
            return
        names: dict[int, set[str]] = {}
        for assignment in assignments:
            names[assignment.pk] = {assignment.holder_name}
            assignment.holder_name = pseudonym(assignment.pk)
            assignment.revision += 1
            assignment._change_reason = REASON
            assignment.save(update_fields=["holder_name", "modified", "revision"])
        for assignment_id, old_name in deleted.items():
            names[assignment_id] = {old_name}
        for assignment_id, earlier in Assignment.history.filter(id__in=list(names)).values_list("id", "holder_name"):
            names[assignment_id].add(earlier)  # every name it ever had (a name changed by marriage, a typo)

        in_texts = []
        for assignment_id, old_names in names.items():
            # Erasure of the earlier values is the point here, so history rows are rewritten too.
            Assignment.history.filter(id=assignment_id).update(holder_name=pseudonym(assignment_id))
            for old_name in sorted(old_names - {pseudonym(assignment_id)}, key=len, reverse=True):
                still_holding = Assignment.objects.filter(holder_name=old_name).exists()
                if old_name.strip() and not still_holding:  # else the texts may mean the running assignment
                    in_texts += replace_everywhere(old_name, pseudonym(assignment_id))
        every_name = {name for old_names in names.values() for name in old_names}
        to_check = sorted({f"„{text}“ in {where}" for name in every_name
                           for text in {name, *name_parts(name)} - {""} for where in mentions(text)})  # fmt: skip

        self.stdout.write(
            self.style.SUCCESS(
                f"{len(assignments)} Besetzungen anonymisiert (Ende vor {day}), "
                f"dazu der Verlauf von {len(deleted)} gelöschten Besetzungen."
            )
        )
        if in_texts:
            self.stdout.write("Namen auch in Freitexten ersetzt: " + "; ".join(in_texts))
        if to_check:
            self.stdout.write(
                self.style.WARNING(
                    "Bitte von Hand prüfen (Namen in freigegebenen Vorlagen, Namensteile in Freitexten):"
                )
            )
            for line in to_check:
                self.stdout.write(f"  {line}")
        scans = list(
            Document.objects.filter(uploaded_at__lt=start_of(ended_before)).order_by("pk").values_list("pk", flat=True)
        )
        if scans:
            self.stdout.write(
                self.style.WARNING(
                    f"Bitte von Hand prüfen: {len(scans)} Dokumente, hochgeladen vor {day}. Ihr Inhalt (Scans) wird "
                    "nicht durchsucht; Titel und Dateinamen sind oben behandelt. Ein Dokument mit Namen "
                    "(z. B. eine Belegliste) nach Ablauf der Aufbewahrungsfrist löschen: core.Document: "
                    + ", ".join(str(pk) for pk in scans)
                )
            )
