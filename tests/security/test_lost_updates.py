"""No lost update, no double record (SECURITY.md, "Concurrency and faults"; issue 20, finding 2).

Every edit form carries the revision it was opened with; a second user's save of a form opened
before the first user's save is refused with the German conflict message, and a form without its
revision is refused the same way. Every create form carries a one-off token: sent twice, it
creates once.
"""

import datetime
import threading
import uuid

import pytest
from django import forms
from django.db import connection
from django.test import Client
from django.urls import reverse

from funding.models import Application, CallOff, PassThrough, ProofOfUse
from integration_admin.council.models import AgendaItem, Committee, Meeting
from staffing.models import Assignment, Position
from tests import factories
from tests.conftest import login_as

pytestmark = pytest.mark.django_db


def form_data(form) -> dict:
    """What a browser sends back for ``form`` unchanged (its current values, as rendered)."""
    data = {}
    for field in form:
        value = field.value()
        widget = field.field.widget
        if isinstance(widget, forms.CheckboxInput):
            if value:
                data[field.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[field.html_name] = [str(item) for item in value]
        elif value is None:
            data[field.html_name] = ""
        elif isinstance(widget, forms.Select):
            data[field.html_name] = str(value)
        else:
            formatted = widget.format_value(value)
            data[field.html_name] = "" if formatted is None else str(formatted)
    return data


def stored(record) -> dict:
    record.refresh_from_db()
    return {field.attname: getattr(record, field.attname) for field in record._meta.concrete_fields}


def draft_report():
    return factories.report(title=factories.unique("Vorlage"))


EDITABLE = {
    "staffing:position-update": lambda: Position.objects.filter(organisation__short_name="KI").first(),
    "staffing:assignment-update": lambda: Assignment.objects.filter(end__isnull=False).first(),
    "staffing:assignment-end": lambda: Assignment.objects.filter(end__isnull=False).first(),
    "council:committee-update": lambda: Committee.objects.first(),
    "council:meeting-update": lambda: Meeting.objects.first(),
    "council:agendaitem-update": lambda: AgendaItem.objects.first(),
    "council:report-update": draft_report,
    "council:section-update": lambda: factories.section(draft_report()),
    "council:consultation-update": lambda: factories.consultation(draft_report()),
    "funding:calloff-update": lambda: CallOff.objects.first(),
    "funding:proof-update": lambda: ProofOfUse.objects.first(),
    "funding:passthrough-update": lambda: PassThrough.objects.first(),
    "funding:application-update": lambda: Application.objects.first(),
}


@pytest.mark.parametrize("url_name", sorted(EDITABLE))
def test_a_form_opened_before_someone_elses_save_is_refused(demo, url_name):
    record = EDITABLE[url_name]()
    assert record is not None, url_name
    url = reverse(url_name, args=[record.pk])
    first, second = login_as(Client(), "admin"), login_as(Client(), "admin")
    opened_by_second = form_data(second.get(url).context["form"])
    assert opened_by_second["revision"] == str(record.revision)

    assert first.post(url, form_data(first.get(url).context["form"])).status_code == 302
    record.refresh_from_db()
    saved = stored(record)

    response = second.post(url, opened_by_second)
    assert response.status_code == 409
    assert "wurde inzwischen von" in response.content.decode()
    assert "Ihre Änderungen wurden nicht gespeichert" in response.content.decode()
    record.refresh_from_db()
    assert (stored(record)) == saved


@pytest.mark.parametrize("url_name", sorted(EDITABLE))
def test_a_form_without_its_revision_is_a_conflict_not_a_pass(demo, url_name):
    record = EDITABLE[url_name]()
    url = reverse(url_name, args=[record.pk])
    client = login_as(Client(), "admin")
    data = form_data(client.get(url).context["form"])
    del data["revision"]
    before = stored(record)
    response = client.post(url, data)
    assert response.status_code == 409
    assert "Ihre Änderungen wurden nicht gespeichert" in response.content.decode()
    record.refresh_from_db()
    assert (stored(record)) == before


def position_form(client) -> dict:
    data = form_data(client.get(reverse("staffing:position-create")).context["form"])
    ki_block = Position.objects.filter(organisation__short_name="KI").first().building_block_id
    return {**data, "building_block": ki_block, "title": factories.unique("Doppelt gesendet"), "fte": "0,5"}


def test_a_create_form_sent_twice_creates_once(demo):
    """Finding: a double-submitted create form made two positions."""
    client = login_as(Client(), "sb-ki")
    data = position_form(client)
    assert data["submission_token"]
    first = client.post(reverse("staffing:position-create"), data)
    assert first.status_code == 302
    again = client.post(reverse("staffing:position-create"), data, follow=True)
    assert Position.objects.filter(title=data["title"]).count() == 1
    assert again.redirect_chain[0][0] == first.url  # to the position the first sending made
    assert "schon gesendet" in again.content.decode()


def test_an_assignment_form_sent_twice_creates_once(demo):
    position = Position.objects.filter(organisation__short_name="KI", assignments__isnull=True).first()
    position = position or factories.position(
        org=Position.objects.filter(organisation__short_name="KI").first().organisation
    )
    client = login_as(Client(), "sb-ki")
    url = reverse("staffing:assignment-create", args=[position.pk])
    data = {**form_data(client.get(url).context["form"]), "holder_name": "Zweimal Gesendet", "fte_share": "0,1"}
    responses = [client.post(url, data).status_code for _ in range(2)]
    assert responses == [302, 302]
    assert Assignment.objects.filter(holder_name="Zweimal Gesendet").count() == 1


def test_a_refused_create_form_can_be_sent_again_once_corrected(demo):
    client = login_as(Client(), "sb-ki")
    data = position_form(client)
    assert client.post(reverse("staffing:position-create"), {**data, "fte": "abc"}).status_code == 200
    assert client.post(reverse("staffing:position-create"), data).status_code == 302
    assert Position.objects.filter(title=data["title"]).count() == 1


def test_a_create_form_without_its_token_is_refused(demo):
    client = login_as(Client(), "sb-ki")
    data = position_form(client)
    del data["submission_token"]
    response = client.post(reverse("staffing:position-create"), data)
    assert response.status_code == 409
    assert "Das Formular ist beschädigt" in response.content.decode()
    assert not Position.objects.filter(title=data["title"]).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sendings_at_the_same_moment_create_once(demo):
    """A double click sends both requests before the first answers: the second waits for the
    first's token row (unique index) and then leads to the same record."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a real PostgreSQL server (runs in the PostgreSQL part of CI)")
    data = position_form(login_as(Client(), "sb-ki"))
    start = threading.Barrier(2)
    statuses = []

    def send():
        client = login_as(Client(), "sb-ki")
        start.wait()
        statuses.append(client.post(reverse("staffing:position-create"), data).status_code)
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    assert Position.objects.filter(title=data["title"]).count() == 1


def test_tokens_are_not_kept_for_ever(demo):
    from integration_admin.core.models import SubmittedForm
    from integration_admin.models import User

    user = User.objects.get(username="sb-ki")
    old = SubmittedForm.objects.create(token=uuid.uuid4(), user=user)
    SubmittedForm.objects.filter(pk=old.pk).update(submitted_at=old.submitted_at - datetime.timedelta(days=3))
    assert SubmittedForm.claim(uuid.uuid4(), user) is None
    assert not SubmittedForm.objects.filter(pk=old.pk).exists()
