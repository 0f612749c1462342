"""Models shared by the apps: optimistic locking, the demo's illustrative values, and the record
of create forms already sent (a form sent twice creates once)."""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Revisioned(models.Model):
    """A record edited in forms. ``revision`` counts its saves: a form carries the revision it was
    opened with, and a save after someone else's is refused instead of silently undoing theirs
    (optimistic locking, one scheme for every editable record; see :func:`lock_revision`)."""

    revision = models.PositiveIntegerField(
        gettext_lazy("Bearbeitungsstand"),
        default=1,
        editable=False,
        help_text=gettext_lazy("Schutz vor gleichzeitigem Überschreiben."),
    )

    class Meta:
        abstract = True


class Illustrative(models.Model):
    """A record whose values are examples (the demo's), not taken from a real document."""

    is_illustrative = models.BooleanField(
        gettext_lazy("illustrative Angaben"),
        default=False,
        help_text=gettext_lazy(
            "Beispielwerte, die nicht aus einem echten Dokument oder einer geltenden Tabelle stammen."
        ),
    )

    class Meta:
        abstract = True


class StaleRevision(ValidationError):
    """Someone saved the record after the user opened it; nothing was written."""

    def __init__(self, record: Revisioned):
        self.record = record
        who = ""
        history = getattr(record, "history", None)
        if history is not None:
            last = history.select_related("history_user").order_by("-history_date").first()
            if last is not None and last.history_user is not None:
                who = last.history_user.get_full_name() or last.history_user.username
        self.message = _(
            "Dieser Datensatz wurde inzwischen von %(who)s geändert (Bearbeitungsstand %(revision)s). Ihre "
            "Änderungen wurden nicht gespeichert: bitte die Seite neu laden und die Änderungen erneut eintragen."
        ) % {"who": who or _("jemand anderem"), "revision": record.revision}
        super().__init__(self.message, code="conflict")


def lock_revision(record: Revisioned, seen: int | None):
    """Lock the record's row for this transaction (``SELECT … FOR UPDATE``) and check that it is
    still at the revision the user's form was opened with; a missing revision is a conflict too.
    On success ``record.revision`` is the next one, ready to be saved. Returns the locked row."""
    locked = type(record)._default_manager.select_for_update().get(pk=record.pk)
    if seen is None or locked.revision != seen:
        raise StaleRevision(locked)
    record.revision = locked.revision + 1
    return locked


class SubmittedForm(models.Model):
    """A create form that was sent: its one-off token and the page of the record it made.

    Every create form carries a fresh token (:class:`~integration_admin.core.forms.RevisionFormMixin`);
    the unique token makes a double click, a reload of the POST or a second tab create nothing more,
    even when both requests arrive at once (the second waits for the first's row, then finds it).
    """

    KEEP = datetime.timedelta(days=2)

    token = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    result_url = models.CharField(max_length=500, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = gettext_lazy("gesendetes Formular")
        verbose_name_plural = gettext_lazy("gesendete Formulare")

    def __str__(self):
        return str(self.token)

    @classmethod
    def claim(cls, token: uuid.UUID, user) -> "SubmittedForm | None":
        """Record the first sending of ``token``; for a repeated one return the first's record."""
        cls.objects.filter(submitted_at__lt=timezone.now() - cls.KEEP).delete()
        try:
            with transaction.atomic():
                cls.objects.create(token=token, user=user)
        except IntegrityError:
            return cls.objects.filter(token=token, user=user).first() or cls(token=token, user=user)
        return None
