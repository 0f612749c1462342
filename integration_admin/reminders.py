"""What a user has to do: the "Zu erledigen" list of the home page and the daily reminder e-mail (issue 23).

The collector (:func:`to_do`) asks each source in :data:`SOURCES`, one function per kind of
deadline, for the items ``user`` may read in a :class:`Window` of days, and merges them by date.
A source returns a :class:`~integration_admin.home.Listed` of :class:`ToDo` and runs a fixed
number of queries. Today there is one source, the open proofs of use (funding); pass-through
recipients' proofs, approvals waiting or repayment claims are a function each, added to
``SOURCES``.

Who reads what: the department head and the administrator every deadline; a caseworker those of
the decisions that concern their organisation (a share of the current version, or money passed
on to it: ``GrantDecisionQuerySet.concerning``).

The digest (:func:`send_digests`): once a day, to every active user with an e-mail address and
reminders on (:class:`~integration_admin.models.ReminderPreference`), one e-mail listing the
deadlines that fall on one of their days before (``today + n``) or after (``today - n``, while
still open). At most one per user and day: the :class:`~integration_admin.models.ReminderDigest`
row is written in the transaction that sends the mail (also on a day with nothing to send, then
with no items), and its unique constraint on (user, day) makes every other run (the queued job,
the timer's command, either twice) skip that user. A mail the server refuses rolls the row back,
so the next run tries again. A day no run covered for a user (the worker or the timer was down,
the mail server refused) is caught up by their next digest: it also lists the deadlines of the
missed days, at most :data:`CATCH_UP_DAYS` back.

The daily job (:func:`send_daily_reminders`) runs on the job queue (``manage.py worker``), sends
the day's digests and queues itself for the next morning (``settings.REMINDER_HOUR``);
``manage.py send_reminders`` does the same from a system timer.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import CharField, F, Max, Value
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_tasks import task
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from funding.models import DEADLINE_HORIZON_DAYS, CallOff, GrantDecision, Payout, ProofOfUse, RepaymentClaim
from funding.summaries import proof_deadlines
from integration_admin.core.formats import euro
from integration_admin.core.scopes import scope, scopes_disabled
from integration_admin.home import HOME_LISTED, Listed
from integration_admin.models import ReminderDigest, ReminderPreference
from staffing.imports.jobs import purge_expired as purge_expired_imports

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    """The days asked for: exactly ``days`` (the digest), or without them everything overdue and
    due within the dashboard's horizon of 90 days (the to-do list)."""

    today: datetime.date
    days: frozenset[datetime.date] | None = None


@dataclass(frozen=True)
class ToDo:
    """One thing to do by a day, the same for every source: the page links to ``url``."""

    due_on: datetime.date
    title: str
    what: str
    url: str
    today: datetime.date

    @property
    def overdue(self) -> bool:
        return self.due_on < self.today

    @property
    def days_left(self) -> int:
        """Days until the deadline (negative: days since it passed)."""
        return (self.due_on - self.today).days

    @property
    def days_over(self) -> int:
        return -self.days_left


# --- sources: one function each, (user, window) -> Listed of ToDo ---------------------------------


def readable_proofs(user):
    """The proofs of use ``user`` may be reminded of (see the module's docstring)."""
    proofs = ProofOfUse.objects.all()
    if user.reads_everything:
        return proofs
    if user.is_caseworker and user.organisation_id is not None:
        return proofs.filter(decision__in=GrantDecision.objects.concerning(user.organisation_id))
    return proofs.none()


def proof_item(proof: ProofOfUse, today: datetime.date) -> ToDo:
    kind = proof.get_kind_display()
    if proof.covers_year:
        kind = _("%(kind)s %(year)s") % {"kind": kind, "year": proof.covers_year}
    return ToDo(
        due_on=proof.due_on,
        title=proof.decision.title,
        what=_("%(kind)s – fehlt: %(missing)s") % {"kind": kind, "missing": ", ".join(proof.missing_parts())},
        url=proof.get_absolute_url(),
        today=today,
    )


def proofs_of_use(user, window: Window, listed: int = HOME_LISTED) -> Listed:
    """Open proofs of use: for the to-do list the most urgent overdue and due ones (the dashboard's
    query, :func:`funding.summaries.proof_deadlines`); for the digest all due on the window's days.
    One query."""
    proofs = readable_proofs(user)
    if window.days is None:
        overdue, due, counts = proof_deadlines(window.today, listed=listed, proofs=proofs)
        rows, count = overdue + due, counts["overdue"] + counts["due"]
    else:
        rows = list(
            proofs.open().filter(due_on__in=sorted(window.days)).select_related("decision").order_by("due_on", "pk")
        )
        count = len(rows)
    return Listed(rows=[proof_item(proof, window.today) for proof in rows], count=count)


def repayment_claims(user, window: Window, listed: int = HOME_LISTED) -> Listed:
    """Open repayment claims by the day they are to be repaid: the money and its interest run
    until they are. For the head and the administrator (they keep the claims). One query."""
    if not user.reads_everything:
        return Listed(rows=[], count=0)
    claims = RepaymentClaim.objects.open().filter(due_on__isnull=False).select_related("decision", "proof")
    if window.days is None:
        claims = claims.filter(due_on__lte=window.today + datetime.timedelta(days=DEADLINE_HORIZON_DAYS))
    else:
        claims = claims.filter(due_on__in=sorted(window.days))
    rows = list(claims.order_by("due_on", "pk")[: listed if window.days is None else None])
    return Listed(
        rows=[
            ToDo(
                due_on=claim.due_on,
                title=claim.decision.title,
                what=_("Rückforderung über %(amount)s (zuzüglich Zinsen) zurückzuzahlen")
                % {"amount": euro(claim.amount)},
                url=claim.proof.get_absolute_url() + "#rueckforderung",
                today=window.today,
            )
            for claim in rows
        ],
        count=len(rows),
    )


APPROVAL_KINDS = {
    # kind: (what, the page the record is approved on)
    "calloff": (gettext_lazy("Mittelabruf über %(amount)s"), "funding:decision-detail", "#mittelabrufe"),
    "payout": (gettext_lazy("Auszahlung über %(amount)s"), "funding:passthrough-detail", "#auszahlungen"),
    "claim": (gettext_lazy("Rückforderung über %(amount)s"), "funding:proof-detail", "#rueckforderung"),
    "proof": (gettext_lazy("Festsetzung der Zuwendung nach Prüfung (%(amount)s)"), "funding:proof-detail", ""),
}


def approvals_waiting(user, window: Window, listed: int = HOME_LISTED) -> Listed:
    """Records awaiting a second person's approval that ``user`` may approve (four eyes: not the
    ones they recorded), by the day they were recorded: call-offs, payouts, repayment claims and
    settled proofs, in one query (a union). For the to-do list only: a waiting approval is no
    deadline to e-mail about on given days."""
    if window.days is not None or not user.can_approve():
        return Listed(rows=[], count=0)

    def waiting(queryset, kind, title, target, amount="amount"):
        return (
            queryset.filter(approved_at__isnull=True, recorded_by__isnull=False)
            .exclude(recorded_by=user)
            .annotate(
                waiting_kind=Value(kind, output_field=CharField()),
                waiting_title=F(title),
                waiting_target=F(target),
                waiting_amount=F(amount),
            )
            .values_list("waiting_kind", "waiting_title", "waiting_target", "waiting_amount", "recorded_at")
            .order_by()  # (no default ordering inside a union)
        )

    rows = (
        waiting(CallOff.objects, "calloff", "decision__title", "decision_id")
        .union(
            waiting(Payout.objects, "payout", "pass_through__decision__title", "pass_through_id"),
            waiting(RepaymentClaim.objects, "claim", "decision__title", "proof_id"),
            waiting(
                ProofOfUse.objects.filter(settled_on__isnull=False),
                "proof",
                "decision__title",
                "pk",
                amount="settled_grant",
            ),
            all=True,
        )
        .order_by("recorded_at")[:listed]
    )
    items = []
    for kind, title, target, amount, recorded_at in rows:
        label, url_name, anchor = APPROVAL_KINDS[kind]
        items.append(
            ToDo(
                due_on=timezone.localdate(recorded_at),
                title=title,
                what=_("%(what)s: Freigabe durch eine zweite Person") % {"what": label % {"amount": euro(amount)}},
                url=reverse(url_name, args=[target]) + anchor,
                today=window.today,
            )
        )
    return Listed(rows=items, count=len(items))


SOURCES = (proofs_of_use, repayment_claims, approvals_waiting)


def to_do(user, window: Window) -> Listed:
    """Everything ``user`` has to do in ``window``, from every source, by date (oldest first)."""
    rows, count = [], 0
    for source in SOURCES:
        found = source(user, window)
        rows.extend(found.rows)
        count += found.count
    rows.sort(key=lambda item: item.due_on)
    return Listed(rows=rows, count=count)


# --- the digest ------------------------------------------------------------------------------------


def reminder_days(preference: ReminderPreference, today: datetime.date) -> frozenset[datetime.date]:
    """The deadlines to remind of today: those ``n`` days ahead and ``n`` days past."""
    return frozenset(
        [today + datetime.timedelta(days=n) for n in preference.before()]
        + [today - datetime.timedelta(days=n) for n in preference.after()]
    )


# How far back the next digest looks for days that no run covered (a week: an outage longer than
# that is an incident of its own, not a reason to mail a month of old deadlines).
CATCH_UP_DAYS = 7


def days_to_cover(preference: ReminderPreference, today: datetime.date, last: datetime.date | None):
    """The reminder days of ``today`` and of every day after ``last`` (the user's last covered
    day) that no run covered, at most :data:`CATCH_UP_DAYS` back."""
    first = today if last is None else max(last + datetime.timedelta(days=1), today - datetime.timedelta(CATCH_UP_DAYS))
    days: set[datetime.date] = set()
    for offset in range((today - first).days + 1):
        days |= reminder_days(preference, first + datetime.timedelta(days=offset))
    return frozenset(days)


def recipients():
    """Active users with an e-mail address, with their preference (if saved) joined."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .select_related("reminder_preference")
        .order_by("pk")
    )


def digest_message(user, items: list[ToDo], today: datetime.date, connection) -> mail.EmailMessage:
    """The e-mail, in the application's first language (German)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = ngettext(
            "Integrationsverwaltung: %(count)s Frist am %(day)s",
            "Integrationsverwaltung: %(count)s Fristen am %(day)s",
            len(items),
        ) % {"count": len(items), "day": date_format(today, "SHORT_DATE_FORMAT")}
        body = render_to_string(
            "reminders/digest.txt",
            {"user": user, "items": items, "today": today, "site_url": settings.SITE_URL},
        )
    return mail.EmailMessage(subject, body, to=[user.email], connection=connection)


def send_digest(user, today: datetime.date, connection) -> bool:
    """Send ``user`` today's digest unless a run covered today already or nothing is due. True if sent.

    The digest row (also without items) and the mail in one transaction: a second run waits for
    the first's row (the unique constraint) and then skips; a refused mail leaves no row.
    """
    preference = ReminderPreference.of(user)
    if not preference.enabled or not user.email:
        return False
    last = user.reminder_digests.filter(day__lt=today).aggregate(last=Max("day"))["last"]
    days = days_to_cover(preference, today, last)
    items = to_do(user, Window(today=today, days=days)).rows if days else []
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReminderDigest.objects.create(user=user, day=today, items=len(items))
        except IntegrityError:
            return False  # covered already today
        if items:
            digest_message(user, items, today, connection).send()
    return bool(items)


def send_digests(today: datetime.date | None = None) -> int:
    """Today's digests to everyone who has one due; the number sent. A user whose mail fails is
    logged and left for the next run; the others still get theirs."""
    today = today or timezone.localdate()
    sent = 0
    sent_today = set(ReminderDigest.objects.filter(day=today).values_list("user_id", flat=True))
    with mail.get_connection() as connection:
        for user in recipients():
            if user.pk in sent_today:
                continue
            try:
                with scope(body=user.body_id if user.body_id is not None else []):  # each user sees their body's
                    sent += send_digest(user, today, connection)
            except OSError:
                logger.exception("Erinnerung an Benutzer %s konnte nicht gesendet werden", user.pk)
    return sent


# --- the daily job on the queue ----------------------------------------------------------------------


def next_run(now: datetime.datetime | None = None) -> datetime.datetime:
    """The next ``settings.REMINDER_HOUR`` o'clock (local time) after ``now``: today's if still to
    come, else the next morning's."""
    now = timezone.localtime(now)
    day = now.date()
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(settings.REMINDER_HOUR)))
    if at <= now:
        at = timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(settings.REMINDER_HOUR))
        )
    return at


def schedule_daily_reminders(now: datetime.datetime | None = None) -> bool:
    """Queue the daily job for the next morning unless it is queued already. True if queued."""
    if DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=send_daily_reminders.module_path).exists():
        return False
    send_daily_reminders.using(run_after=next_run(now)).enqueue()
    return True


@task()
def send_daily_reminders() -> int:
    """Send today's digests, then queue this job again for the next morning. The day's housekeeping
    rides along: uploads of imports never confirmed go after their retention period."""
    try:
        try:
            with scopes_disabled():  # every body's old uploads
                purge_expired_imports()
        except Exception:
            logger.exception("Alte Importe konnten nicht gelöscht werden")
        return send_digests()
    finally:
        schedule_daily_reminders()
