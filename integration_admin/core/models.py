"""Models shared by the apps: optimistic locking, the four-eyes principle, the demo's illustrative
values, the record of create forms already sent (a form sent twice creates once), and documents
(files kept with any record, their bytes in a table of their own)."""

import datetime
import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.models import HistoricalRecords

from integration_admin.core.history import APPROVED, system_reason
from integration_admin.core.scopes import active_body_id, body_scoped


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


class Regierungsbezirk(models.TextChoices):
    """The five government districts of Nordrhein-Westfalen (the Land view groups bodies by them)."""

    ARNSBERG = "arnsberg", "Arnsberg"
    DETMOLD = "detmold", "Detmold"
    DUESSELDORF = "duesseldorf", "Düsseldorf"
    KOELN = "koeln", "Köln"
    MUENSTER = "muenster", "Münster"


class BodyKind(models.TextChoices):
    KREIS = "kreis", gettext_lazy("Kreis")
    CITY = "kreisfreie_stadt", gettext_lazy("kreisfreie Stadt")


def validate_paper_number_format(value: str) -> None:
    """A paper-number scheme must format a year and a number, e.g. ``{number:04d}/{year}``."""
    try:
        formatted = value.format(number=1, year=2020)
    except (KeyError, IndexError, ValueError, AttributeError):
        formatted = ""
    if "{number" not in value or "{year" not in value or not formatted or len(formatted) > 24:
        raise ValidationError(
            _("Das Schema braucht {number} und {year}, z. B. „{number:04d}/{year}“ für 0001/2020."),
            code="invalid",
        )


class Body(Revisioned):
    """A Gebietskörperschaft (a Kreis or a kreisfreie Stadt) whose records this installation keeps.

    Every record of organisations, positions, decisions, council papers, documents and imports
    belongs to one body (its ``body`` foreign key, or its parent's); programmes, funders and
    building blocks of the Land are shared (``body`` empty). Which body a request sees is set in
    one place, :class:`integration_admin.core.scopes.BodyScopeMiddleware` (django-scopes).
    """

    name = models.CharField(
        gettext_lazy("Name"), max_length=120, unique=True, help_text=gettext_lazy("Z. B. Kreis Heinsberg.")
    )
    short_name = models.CharField(
        gettext_lazy("Kurzbezeichnung"),
        max_length=20,
        unique=True,
        help_text=gettext_lazy("Z. B. das Kfz-Kennzeichen: HS."),
    )
    kind = models.CharField(gettext_lazy("Art"), max_length=20, choices=BodyKind.choices, default=BodyKind.KREIS)
    head = models.CharField(
        gettext_lazy("Verwaltungsspitze"),
        max_length=80,
        default="Der Landrat",
        help_text=gettext_lazy("Steht unter jeder Vorlage, z. B. „Der Landrat“ oder „Der Oberbürgermeister“."),
    )
    address = models.TextField(
        gettext_lazy("Anschrift"), blank=True, help_text=gettext_lazy("Für den Briefkopf, eine Zeile je Zeile.")
    )
    regierungsbezirk = models.CharField(
        gettext_lazy("Regierungsbezirk"), max_length=20, choices=Regierungsbezirk.choices
    )
    paper_number_format = models.CharField(
        gettext_lazy("Schema der Vorlagen-Nr."),
        max_length=40,
        default="{number:04d}/{year}",
        validators=[validate_paper_number_format],
        help_text=gettext_lazy(
            "{number} ist die laufende Nummer im Jahr, {year} das Jahr; „{number:04d}/{year}“ ergibt 0001/2020."
        ),
    )
    created = models.DateTimeField(gettext_lazy("angelegt"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("Gebietskörperschaft")
        verbose_name_plural = gettext_lazy("Gebietskörperschaften")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def paper_number(self, year: int, number: int) -> str:
        """The paper number in this body's scheme: ``0001/2020`` for the default."""
        return self.paper_number_format.format(number=number, year=year)


class BodyOwned(models.Model):
    """A record that belongs to a body (its ``body`` foreign key). Made without one, it gets the
    body of the active scope (the request's, a job's: ``core.scopes``), so that a view, a service,
    an import or the admin never names the body itself; made with no body in scope, the database
    refuses it (the column is NOT NULL). The constraints are validated with the body too, so that
    one per body (a name unique within the body) is a message on the form, not an error on save."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.take_body_from_scope()
        super().save(*args, **kwargs)

    def take_body_from_scope(self) -> None:
        if self.body_id is None:
            self.body_id = active_body_id()

    def validate_constraints(self, exclude=None):
        self.take_body_from_scope()
        if self.body_id is not None and exclude:
            exclude = set(exclude) - {"body"}
        super().validate_constraints(exclude=exclude)


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


class Approvable(models.Model):
    """A record that needs a second person's approval (four eyes, "Vier-Augen-Prinzip").

    Who recorded it (``recorded_by``) may not approve it (``approved_by``); :func:`record_change`
    makes the person who saves a change the recorder and withdraws an approval when one of the
    ``APPROVED_FIELDS`` changed; :func:`approve` records the second person. Both are saves of
    the record, so both are in its history (django-simple-history, with ``history_user``).

    The record counts as approved when ``approved_at`` is set. Records from before the four-eyes
    principle carry ``approved_at`` without any person (set by the migration that introduced it):
    the safe default of a record saved without the services is "awaiting approval", never
    "approved". The users are protected from deletion (accounts are deactivated, not deleted):
    an approval keeps naming the person who gave it.

    A concrete model lists ``*Approvable.Meta.constraints`` in its own ``Meta.constraints``.
    """

    # The fields whose change withdraws an approval; empty: every change does.
    APPROVED_FIELDS: tuple[str, ...] = ()

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("erfasst von"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    recorded_at = models.DateTimeField(gettext_lazy("erfasst am"), null=True, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("freigegeben von"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    approved_at = models.DateTimeField(gettext_lazy("freigegeben am"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | Q(recorded_by__isnull=True) | ~Q(approved_by=F("recorded_by")),
                name="%(app_label)s_%(class)s_approver_not_recorder",
                violation_error_message=gettext_lazy(
                    "Freigeben muss eine zweite Person: Sie haben diesen Eintrag selbst erfasst."
                ),
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | Q(approved_at__isnull=False),
                name="%(app_label)s_%(class)s_approval_dated",
            ),
            # Approved without a person: only a record from before the four-eyes principle, which
            # has no recorder either.
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True) | Q(approved_by__isnull=False) | Q(recorded_by__isnull=True),
                name="%(app_label)s_%(class)s_approval_by_a_person",
            ),
        ]

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None

    @property
    def approved_before_four_eyes(self) -> bool:
        """Approved by the migration that introduced the four-eyes principle, not by a person."""
        return self.approved_at is not None and self.approved_by_id is None

    def may_be_approved_by(self, user) -> bool:
        """Would :func:`approve` accept ``user`` (for showing the button; the service decides)?"""
        return (
            not self.is_approved
            and user.is_authenticated
            and user.can_approve()
            and (self.recorded_by_id is None or self.recorded_by_id != user.pk)
        )


def record_change(record: Approvable, *, user) -> bool:
    """Make ``user`` the recorder of a new or changed record (not saved here). A change of one
    of the ``APPROVED_FIELDS`` (or of any field, without them) withdraws the approval: the
    changed record needs a second person again. Returns True when an approval was withdrawn."""
    if record.pk is None:
        changed, was_approved = True, False
    else:
        stored = type(record)._default_manager.get(pk=record.pk)
        names = record.APPROVED_FIELDS or [
            f.attname for f in record._meta.concrete_fields if f.editable and not f.primary_key
        ]
        changed = any(
            getattr(stored, record._meta.get_field(name).attname)
            != getattr(record, record._meta.get_field(name).attname)
            for name in names
        )
        was_approved = stored.is_approved
    if not changed:
        return False
    record.recorded_by = user
    record.recorded_at = timezone.now()
    record.approved_by = None
    record.approved_at = None
    return was_approved


def approve(record: Approvable, *, user) -> Approvable:
    """The second person's approval, saved under a row lock (its history row names ``user``).

    Refused with a German ValidationError: when the record is approved already, when ``user``
    recorded it, when ``user`` may not approve (``user.can_approve()``). Returns the saved row.
    """
    with transaction.atomic():
        locked = type(record)._default_manager.select_for_update().get(pk=record.pk)
        if locked.is_approved:
            raise ValidationError(_("Dieser Eintrag ist bereits freigegeben."), code="approved")
        if locked.recorded_by_id is not None and locked.recorded_by_id == user.pk:
            raise ValidationError(
                _("Freigeben muss eine zweite Person: Sie haben diesen Eintrag selbst erfasst."), code="own"
            )
        if not (user.is_authenticated and user.can_approve()):
            raise ValidationError(
                _("Freigeben dürfen nur die Administration und die Fachbereichsleitung."), code="not_allowed"
            )
        locked.approved_by = user
        locked.approved_at = timezone.now()
        if isinstance(locked, Revisioned):
            locked.revision += 1  # (a form opened before the approval is stale now)
        locked._history_user = user
        locked._change_reason = system_reason(APPROVED)
        locked.save()
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


class HasDocuments(models.Model):
    """A record that keeps documents (:class:`Document`); deleting it deletes them. A subclass
    says who may read its documents (as a rule: whoever may read the record) and who may upload
    and delete them."""

    documents = GenericRelation("core.Document")

    class Meta:
        abstract = True

    def documents_readable_by(self, user) -> bool:
        raise NotImplementedError

    def documents_changeable_by(self, user) -> bool:
        raise NotImplementedError


class DocumentKind(models.TextChoices):
    DECISION = "bescheid", gettext_lazy("Bescheid")
    AMENDMENT = "aenderungsbescheid", gettext_lazy("Änderungsbescheid")
    CONTRACT = "vertrag", gettext_lazy("Vertrag")
    REPORT = "sachbericht", gettext_lazy("Sachbericht")
    RECEIPTS = "belegliste", gettext_lazy("Belegliste")
    OTHER = "sonstiges", gettext_lazy("Sonstiges")


class MediaType(models.TextChoices):
    """The kinds of file a document may be, as found in its content (never from its name)."""

    PDF = "application/pdf", "PDF"
    PNG = "image/png", "PNG"
    JPEG = "image/jpeg", "JPEG"
    TIFF = "image/tiff", "TIFF"


def parents_query(parents) -> models.Q:
    """The documents of these records (or history rows of documents), by their models' names: one
    query with a join, without looking up the content types first."""
    by_model: dict[type[models.Model], list[int]] = {}
    for parent in parents:
        by_model.setdefault(type(parent), []).append(parent.pk)
    query = models.Q(pk__in=[])
    for model, ids in by_model.items():
        query |= models.Q(
            content_type__app_label=model._meta.app_label, content_type__model=model._meta.model_name, object_id__in=ids
        )
    return query


class DocumentQuerySet(models.QuerySet):
    def attached_to(self, parents) -> "DocumentQuerySet":
        """The documents of these records (of any models), newest first, with their uploaders."""
        return self.filter(parents_query(parents)).select_related("content_type", "uploaded_by")


class Document(BodyOwned):
    """A file kept with a record: a scanned letter, a contract, a report, a receipt list.

    It hangs on its record (``parent``, any model: a decision, a version, a proof of use, a
    pass-through, a council paper), which says who may read and change its documents through two
    methods: ``documents_readable_by(user)`` and ``documents_changeable_by(user)``, and where its
    page is (``get_absolute_url``). Each such record has a ``GenericRelation`` to its documents,
    so that deleting the record deletes them. The bytes are in :class:`DocumentContent`, so a list
    of documents never loads them; the type is the one found in the content
    (:func:`integration_admin.core.documents.detect_media_type`).
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    parent = GenericForeignKey("content_type", "object_id")
    title = models.CharField(gettext_lazy("Titel"), max_length=200)
    kind = models.CharField(
        gettext_lazy("Art"), max_length=30, choices=DocumentKind.choices, default=DocumentKind.OTHER
    )
    file_name = models.CharField(gettext_lazy("Dateiname"), max_length=255)
    media_type = models.CharField(gettext_lazy("Dateityp"), max_length=50, choices=MediaType.choices)
    size = models.PositiveBigIntegerField(gettext_lazy("Größe (Bytes)"))
    sha256 = models.CharField(gettext_lazy("Prüfsumme (SHA-256)"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("hochgeladen von"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(gettext_lazy("hochgeladen am"), default=timezone.now)
    body = models.ForeignKey(
        Body,
        verbose_name=gettext_lazy("Gebietskörperschaft"),
        on_delete=models.PROTECT,
        editable=False,
        related_name="+",
    )

    history = HistoricalRecords()
    objects = body_scoped("body", DocumentQuerySet)

    class Meta:
        verbose_name = gettext_lazy("Dokument")
        verbose_name_plural = gettext_lazy("Dokumente")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="document_parent")]
        constraints = [
            models.CheckConstraint(condition=models.Q(size__gt=0), name="document_not_empty"),
            models.CheckConstraint(
                condition=models.Q(media_type__in=MediaType.values), name="document_media_type_known"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def download_name(self) -> str:
        """The original file name, with the extension of its real type if it had another one."""
        extensions = MEDIA_EXTENSIONS[self.media_type]
        if self.file_name.lower().endswith(extensions):
            return self.file_name
        return self.file_name + extensions[0]


MEDIA_EXTENSIONS = {
    MediaType.PDF: (".pdf",),
    MediaType.PNG: (".png",),
    MediaType.JPEG: (".jpg", ".jpeg"),
    MediaType.TIFF: (".tif", ".tiff"),
}


class DocumentContent(models.Model):
    """The bytes of a :class:`Document`, in a table of their own (read only for a download)."""

    document = models.OneToOneField(Document, on_delete=models.CASCADE, primary_key=True, related_name="content")
    data = models.BinaryField()

    objects = body_scoped("document__body")

    class Meta:
        verbose_name = gettext_lazy("Dokumentinhalt")
        verbose_name_plural = gettext_lazy("Dokumentinhalte")

    def __str__(self) -> str:
        return str(self.document_id)
