"""Reminders (issue 23): the digest e-mail over a real SMTP server, the days per user, one digest a
day, who is reminded of what, the settings page and the to-do list of the home page.

The mails go through Django's SMTP backend to an aiosmtpd server the tests start on a free port
of 127.0.0.1: what arrives is what a mail server would get.
"""

import datetime
import email
import functools
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from funding.models import CostShare, GrantDecision, PassThrough, ProofKind
from integration_admin import reminders
from integration_admin.models import ReminderDigest, ReminderPreference, User
from staffing.models import Organisation
from tests import factories

TODAY = datetime.date(2020, 8, 3)


class Inbox:
    """aiosmtpd's handler: keeps every message it is sent."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [message for rcpt, message in self.messages if address in rcpt]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on 127.0.0.1 and Django's SMTP backend pointed at it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "fristen@kreis.example"
    settings.SITE_URL = "https://integration.kreis.example"
    yield inbox
    controller.stop()


@pytest.fixture
def head(demo):
    """The department head with an e-mail address; nobody else has one (the demo users have none)."""
    User.objects.update(email="")
    user = User.objects.get(username="leitung")
    user.email = "leitung@kreis.example"
    user.save()
    return user


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def share(version, organisation):
    return CostShare.objects.create(
        version=version,
        organisation=organisation,
        weight=1,
        eligible_amount="100.00",
        grant_amount="80.00",
        own_share="20.00",
    )


def proof_on(day, decision=None, **fields):
    decision = decision or factories.decision(title=f"Bescheid {day:%d%m%Y}")
    fields.setdefault("kind", ProofKind.INTERIM)
    return factories.proof(decision, day, **fields)


def test_the_digest_arrives_in_german_with_the_deadlines(smtp, head):
    decision = factories.decision(title="Integrationsmanagement Heinsberg")
    proof_on(datetime.date(2020, 8, 10), decision, covers_year=2019)  # 7 days ahead: a default day
    assert reminders.send_digests(TODAY) == 1
    [message] = smtp.to("leitung@kreis.example")
    assert message["Subject"] == "Integrationsverwaltung: 1 Frist am 03.08.2020"
    assert message["From"] == "fristen@kreis.example"
    body = body_of(message)
    assert "an diese Frist erinnern wir Sie heute" in body
    assert "10.08.2020 – fällig in 7 Tagen" in body
    assert (
        "Integrationsmanagement Heinsberg: Zwischennachweis 2019 – fehlt: Sachbericht, zahlenmäßiger Nachweis" in body
    )
    proof = decision.proofs.get()
    assert f"https://integration.kreis.example/proofs/{proof.pk}/" in body
    assert "https://integration.kreis.example/konto/erinnerungen/" in body
    assert ReminderDigest.objects.get(user=head, day=TODAY).items == 1


def test_days_before_and_after_are_each_users_own(smtp, head):
    ReminderPreference.objects.create(user=head, days_before="3", days_after="2")
    proof_on(TODAY + datetime.timedelta(days=3))  # in: 3 days before
    proof_on(TODAY + datetime.timedelta(days=7))  # out: 7 is not one of this user's days
    proof_on(TODAY - datetime.timedelta(days=2))  # in: 2 days after, still open
    proof_on(TODAY - datetime.timedelta(days=1))  # out
    done = datetime.date(2020, 8, 1)
    proof_on(  # out: everything submitted
        TODAY + datetime.timedelta(days=3), report_submitted_on=done, statement_submitted_on=done
    )
    reminders.send_digests(TODAY)
    [message] = smtp.to("leitung@kreis.example")
    assert message["Subject"] == "Integrationsverwaltung: 2 Fristen am 03.08.2020"
    body = body_of(message)
    assert "01.08.2020 – seit 2 Tagen überfällig" in body
    assert "06.08.2020 – fällig in 3 Tagen" in body
    assert "10.08.2020" not in body and "02.08.2020" not in body
    assert body.index("01.08.2020") < body.index("06.08.2020")  # by date


def test_nothing_due_no_reminders_or_no_address_no_mail(smtp, head):
    proof_on(TODAY + datetime.timedelta(days=5))  # not a default day
    assert reminders.send_digests(TODAY) == 0
    proof_on(TODAY + datetime.timedelta(days=1))
    ReminderPreference.objects.create(user=head, enabled=False)
    assert reminders.send_digests(TODAY) == 0
    head.reminder_preference.enabled = True
    head.reminder_preference.save()
    head.email = ""
    head.save()
    assert reminders.send_digests(TODAY) == 0
    assert smtp.messages == [] and not ReminderDigest.objects.filter(items__gt=0).exists()


def test_at_most_one_digest_per_user_and_day(smtp, head):
    proof_on(TODAY + datetime.timedelta(days=1))
    assert reminders.send_digests(TODAY) == 1
    # the job and the timer's command both run, or either runs twice
    assert reminders.send_digests(TODAY) == 0
    assert len(smtp.to("leitung@kreis.example")) == 1
    # another process wrote the row first (its transaction committed between our read and write):
    # the unique constraint makes this one send nothing
    other = User.objects.get(username="admin")
    other.email = "admin@kreis.example"
    other.save()
    ReminderDigest.objects.create(user=other, day=TODAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderDigest.objects.create(user=other, day=TODAY)
    with reminders.mail.get_connection() as connection:
        assert reminders.send_digest(other, TODAY, connection) is False
    assert smtp.to("admin@kreis.example") == []
    # the next day is a new day
    assert reminders.send_digests(TODAY + datetime.timedelta(days=2)) == 2  # 1 day after, for both


def test_a_day_no_run_covered_is_caught_up_by_the_next_digest(smtp, head):
    """The worker was down on 03.08.: the reminder due that day (7 days before 10.08.) comes on 04.08."""
    day = datetime.timedelta(days=1)
    proof_on(datetime.date(2020, 8, 10))
    assert reminders.send_digests(TODAY - day) == 0  # 02.08.: nothing due, the day is covered
    assert ReminderDigest.objects.get(user=head, day=TODAY - day).items == 0
    assert reminders.send_digests(TODAY + day) == 1  # 04.08. covers the missed 03.08. too
    [message] = smtp.to("leitung@kreis.example")
    assert "10.08.2020 – fällig in 6 Tagen" in body_of(message)
    assert reminders.send_digests(TODAY + 2 * day) == 0  # 05.08.: not again
    # A first digest covers only its own day, and a long outage only the last week.
    only_30_before = ReminderPreference(user=head, days_before="30", days_after="")
    cover = functools.partial(reminders.days_to_cover, only_30_before, datetime.date(2020, 8, 12))
    assert cover(None) == {datetime.date(2020, 9, 11)}
    assert cover(datetime.date(2020, 8, 10)) == {datetime.date(2020, 9, 10), datetime.date(2020, 9, 11)}
    assert min(cover(datetime.date(2020, 7, 1))) == datetime.date(2020, 9, 4)  # from 05.08.: 7 days back
    assert len(cover(datetime.date(2020, 7, 1))) == 8


def test_the_command_sends_todays_digest_once(smtp, head):
    today = reminders.timezone.localdate()
    proof_on(today + datetime.timedelta(days=30))
    call_command("send_reminders")
    call_command("send_reminders")
    assert len(smtp.to("leitung@kreis.example")) == 1
    assert ReminderDigest.objects.filter(user=head, day=today).count() == 1


def test_a_refused_mail_leaves_no_digest_and_the_next_run_sends(smtp, head, settings):
    proof_on(TODAY + datetime.timedelta(days=7))
    listening = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nobody listens there
    with pytest.raises(OSError):
        reminders.send_digests(TODAY)
    assert not ReminderDigest.objects.exists()
    settings.EMAIL_PORT = listening
    assert reminders.send_digests(TODAY) == 1
    assert len(smtp.to("leitung@kreis.example")) == 1


def test_caseworkers_are_reminded_of_their_organisations_decisions_only(smtp, demo):
    User.objects.update(email="")
    caseworker = User.objects.get(username="sb-drk")
    caseworker.email = "sb@drk.example"
    caseworker.save()
    drk = Organisation.objects.get(short_name="DRK")
    shared = factories.decision(title="Bescheid mit DRK-Anteil")
    version = factories.version(shared, is_current=True)
    share(version, drk)
    passed_on = factories.decision(title="Weiterleitung an das DRK")
    PassThrough.objects.create(decision=passed_on, recipient=drk, amount="1000.00")
    other = factories.decision(title="Bescheid ohne DRK")
    factories.version(other, is_current=True)
    for decision in (shared, passed_on, other):
        proof_on(TODAY + datetime.timedelta(days=7), decision)
    reminders.send_digests(TODAY)
    [message] = smtp.to("sb@drk.example")
    body = body_of(message)
    assert "Bescheid mit DRK-Anteil" in body and "Weiterleitung an das DRK" in body
    assert "Bescheid ohne DRK" not in body


def test_the_daily_job_sends_and_queues_itself_for_the_next_morning(smtp, head, settings):
    settings.REMINDER_HOUR = 6
    today = reminders.timezone.localdate()
    proof_on(today + datetime.timedelta(days=1))
    assert reminders.send_daily_reminders.call() == 1
    assert len(smtp.to("leitung@kreis.example")) == 1
    queued = DBTaskResult.objects.filter(
        status=TaskResultStatus.READY, task_path=reminders.send_daily_reminders.module_path
    )
    [job] = queued
    run_after = reminders.timezone.localtime(job.run_after)
    assert run_after.hour == 6 and run_after > reminders.timezone.now()
    assert run_after - reminders.timezone.now() <= datetime.timedelta(days=1)
    # once queued, not again (the command's --schedule, a second chain)
    assert reminders.schedule_daily_reminders() is False
    call_command("send_reminders", "--schedule")
    assert queued.count() == 1
    # run again the same day: no second mail, still one job queued
    assert reminders.send_daily_reminders.call() == 0
    assert len(smtp.to("leitung@kreis.example")) == 1


def test_next_run_is_the_next_reminder_hour(settings):
    settings.REMINDER_HOUR = 6
    tz = reminders.timezone.get_current_timezone()
    early = datetime.datetime(2020, 8, 3, 5, 0, tzinfo=tz)
    assert reminders.next_run(early) == datetime.datetime(2020, 8, 3, 6, 0, tzinfo=tz)
    late = datetime.datetime(2020, 8, 3, 6, 0, tzinfo=tz)
    assert reminders.next_run(late) == datetime.datetime(2020, 8, 4, 6, 0, tzinfo=tz)


# --- the settings page ---------------------------------------------------------------------------------


def test_settings_page_asks_for_an_address_and_saves_the_days(login):
    client = login("sb-ki")
    User.objects.filter(username="sb-ki").update(email="")
    url = reverse("reminder-settings")
    html = client.get(url).content.decode()
    assert "Für Ihr Konto ist keine E-Mail-Adresse hinterlegt" in html
    assert 'value="30, 7, 1"' in html and 'value="1, 7"' in html
    response = client.post(url, {"enabled": "on", "email": "", "days_before": "30, 7, 1", "days_after": "1"})
    assert "Für Erinnerungen per E-Mail brauchen wir Ihre E-Mail-Adresse." in response.content.decode()
    assert not ReminderPreference.objects.filter(user__username="sb-ki").exists()
    response = client.post(
        url, {"enabled": "on", "email": "sb@ki.example", "days_before": " 1,30 ,7, 7", "days_after": ""}
    )
    assert response.status_code == 302
    preference = ReminderPreference.objects.get(user__username="sb-ki")
    assert (preference.enabled, preference.days_before, preference.days_after) == (True, "30, 7, 1", "")
    assert User.objects.get(username="sb-ki").email == "sb@ki.example"
    assert preference.history.count() == 1
    html = client.get(url).content.decode()
    assert "Ihre Einstellungen für Erinnerungen sind gespeichert." in html
    assert "keine E-Mail-Adresse hinterlegt" not in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("30, sieben", "Bitte ganze Tage als Ziffern angeben, durch Kommas getrennt, z. B. „30, 7, 1“."),
        ("7;1", "Bitte ganze Tage als Ziffern angeben"),
        ("-1", "Bitte ganze Tage als Ziffern angeben"),
        ("1,5", None),  # read as the days 1 and 5
        ("١٢", "Bitte ganze Tage als Ziffern angeben"),
        ("400", "Höchstens 365 Tage: 400 ist zu groß."),
        ("1,2,3,4,5,6,7,8,9,10,11", "Bitte höchstens 10 Tage angeben."),
        ("9" * 70, "höchstens 60 Zeichen"),
    ],
)
def test_bad_days_get_a_german_message_and_nothing_is_saved(login, typed, message):
    client = login("leitung")
    response = client.post(
        reverse("reminder-settings"),
        {"enabled": "on", "email": "leitung@kreis.example", "days_before": typed, "days_after": "1"},
    )
    if message is None:
        assert response.status_code == 302
        assert ReminderPreference.objects.get(user__username="leitung").days_before == "5, 1"
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html and "Es wurde nichts gespeichert" in html
    assert not ReminderPreference.objects.filter(user__username="leitung").exists()


def test_switching_reminders_off_needs_no_address(login):
    client = login("leitung")
    response = client.post(reverse("reminder-settings"), {"email": "", "days_before": "", "days_after": ""})
    assert response.status_code == 302
    assert ReminderPreference.objects.get(user__username="leitung").enabled is False


def test_the_user_menu_links_to_the_reminders(login):
    html = login("sb-drk").get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("reminder-settings")}">Erinnerungen<' in html


# --- the to-do list of the home page ------------------------------------------------------------------


def test_home_page_lists_the_users_own_deadlines(login):
    today = reminders.timezone.localdate()
    drk = Organisation.objects.get(short_name="DRK")
    mine = factories.decision(title="Fristbescheid DRK")
    share(factories.version(mine, is_current=True), drk)
    proof_on(today - datetime.timedelta(days=3), mine)
    theirs = factories.decision(title="Fristbescheid anderer")
    proof_on(today + datetime.timedelta(days=3), theirs)
    html = " ".join(login("sb-drk").get(reverse("dashboard")).content.decode().split())
    to_do = html[html.index('class="card mb-4 home-to-do"') :]
    to_do = to_do[: to_do.index("</section>")]
    assert "Zu erledigen" in to_do and "Fristbescheid DRK" in to_do and "Fristbescheid anderer" not in to_do
    assert "überfällig" in to_do
    html = " ".join(login("leitung").get(reverse("dashboard")).content.decode().split())
    to_do = html[html.index('class="card mb-4 home-to-do"') :]
    assert "Fristbescheid DRK" in to_do and "Fristbescheid anderer" in to_do


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_send_one_digest(smtp, demo):
    """The job and the timer's command start together (two threads, two database connections): the
    second one's insert waits for the first's transaction and then fails on the unique constraint,
    so it sends nothing. On SQLite the database lock serialises the two; the outcome is the same."""
    import threading

    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database is not shared between threads")
    User.objects.update(email="")
    User.objects.filter(username="leitung").update(email="leitung@kreis.example")
    proof_on(TODAY + datetime.timedelta(days=7))
    start = threading.Barrier(2)
    sent, errors = [], []

    def run():
        try:
            start.wait()
            sent.append(reminders.send_digests(TODAY))
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(sent) == [0, 1]
    assert len(smtp.to("leitung@kreis.example")) == 1
    assert ReminderDigest.objects.filter(day=TODAY).count() == 1


def test_open_repayment_claims_are_on_the_heads_list_by_their_day(demo):
    from decimal import Decimal

    from funding.models import ProofOfUse, RepaymentClaim, RepaymentPart
    from integration_admin.models import User
    from integration_admin.reminders import Window, to_do

    today = datetime.date(2023, 9, 1)
    proof = ProofOfUse.objects.filter(kind="final").order_by("pk").first()
    claim = RepaymentClaim.objects.create(
        decision=proof.decision, proof=proof, amount=Decimal("2173.60"), due_on=datetime.date(2023, 9, 8)
    )
    RepaymentPart.objects.create(claim=claim, interest_from=datetime.date(2022, 11, 16), amount=Decimal("2173.60"))
    head = User.objects.get(username="leitung")
    items = to_do(head, Window(today=today, days=frozenset({datetime.date(2023, 9, 8)}))).rows
    assert [item.what for item in items] == ["Rückforderung über 2.173,60\xa0€ (zuzüglich Zinsen) zurückzuzahlen"]
    caseworker = User.objects.get(username="sb-ki")
    assert to_do(caseworker, Window(today=today, days=frozenset({datetime.date(2023, 9, 8)}))).rows == []
    claim.repaid_on = datetime.date(2023, 9, 5)
    claim.save()
    assert to_do(head, Window(today=today, days=frozenset({datetime.date(2023, 9, 8)}))).rows == []


def test_records_awaiting_approval_are_on_the_to_do_list_of_the_second_person(demo):
    from integration_admin.reminders import Window, to_do

    today = datetime.date(2026, 12, 6)
    head = User.objects.get(username="leitung")
    administrator = User.objects.get(username="admin")
    # the demo's last call-off was recorded by the administrator and awaits the head's approval
    waiting = [item.what for item in to_do(head, Window(today=today)).rows if "Freigabe" in item.what]
    assert any(what.startswith("Mittelabruf über") for what in waiting), waiting
    # the administrator recorded it: not on their list; caseworkers approve nothing
    assert not [item for item in to_do(administrator, Window(today=today)).rows if "Mittelabruf über" in item.what]
    caseworker = User.objects.get(username="sb-ki")
    assert not [item for item in to_do(caseworker, Window(today=today)).rows if "Freigabe" in item.what]


def test_a_part_of_a_page_loaded_by_htmx_leaves_the_message_for_the_page(login, demo):
    """The decision page loads its history when scrolled to (htmx, a whole page cut by hx-select). A
    save's message must reach the page the save leads to, not that request, which may come first."""
    client = login("leitung")
    data = {"enabled": "on", "email": "leitung@kreis.example", "days_before": "7", "days_after": "1"}
    assert client.post(reverse("reminder-settings"), data).status_code == 302
    decision = GrantDecision.objects.order_by("pk").first()
    history = client.get(reverse("funding:decision-history", args=[decision.pk]), HTTP_HX_REQUEST="true")
    assert history.status_code == 200 and "Ihre Einstellungen für Erinnerungen sind gespeichert." not in (
        history.content.decode()
    )
    page = client.get(reverse("reminder-settings")).content.decode()
    assert "Ihre Einstellungen für Erinnerungen sind gespeichert." in page
