"""The assignment form's defaults and its help text (issue 25): what the form offers can be
saved as it is, and an empty "bis" means what the help text says."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from staffing.models import Assignment, Organisation, Position
from tests import factories

D = datetime.date


def create_url(position):
    return reverse("staffing:assignment-create", args=[position.pk])


def post_defaults(client, position, name):
    """Send the form as it is offered, with only a holder's name typed in."""
    form = client.get(create_url(position)).context["form"]
    data = {"holder_name": name}
    for field in ("start", "end", "fte_share"):
        value = form[field].value()
        data[field] = "" if value is None else form.fields[field].widget.format_value(value) or ""
    return client.post(create_url(position), data), data


@pytest.fixture
def ki_block(demo):
    return Position.objects.get(organisation__short_name="KI", title="Case-Management").building_block


def test_an_ended_position_offers_dates_within_its_period_and_saving_them_works(login, ki_block):
    ki = Organisation.objects.get(short_name="KI")
    ended = factories.position(ki_block, ki, "1.0", title="Beendet 2022", start=D(2022, 1, 1), end=D(2022, 12, 31))
    client = login("sb-ki")
    initial = client.get(create_url(ended)).context["form"].initial
    assert initial["start"] == D(2022, 12, 31)  # not today (after the end)
    assert initial["end"] == D(2022, 12, 31)
    assert initial["fte_share"] == Decimal("1.000")
    response, data = post_defaults(client, ended, "Paula Beispiel")
    assert response.status_code == 302, response.context["form"].errors
    assignment = Assignment.objects.get(position=ended)
    assert (assignment.start, assignment.end, assignment.fte_share) == (D(2022, 12, 31), D(2022, 12, 31), 1)


def test_a_future_position_offers_its_first_day(login, ki_block):
    ki = Organisation.objects.get(short_name="KI")
    start = timezone.localdate() + datetime.timedelta(days=400)
    future = factories.position(ki_block, ki, "1.0", title="Künftig", start=start)
    client = login("sb-ki")
    initial = client.get(create_url(future)).context["form"].initial
    assert initial["start"] == start and initial["end"] is None
    response, _data = post_defaults(client, future, "Paula Beispiel")
    assert response.status_code == 302


def test_the_offered_share_is_free_on_every_day_of_the_offered_period(login, ki_block):
    ki = Organisation.objects.get(short_name="KI")
    position = factories.position(ki_block, ki, "1.0", title="Später halb besetzt", start=D(2020, 1, 1))
    later = timezone.localdate() + datetime.timedelta(days=30)
    factories.assignment(position, "0.5", later, None, name="Kommt noch")
    client = login("sb-ki")
    assert client.get(create_url(position)).context["form"].initial["fte_share"] == Decimal("0.500")
    response, _data = post_defaults(client, position, "Paula Beispiel")
    assert response.status_code == 302, response.context["form"].errors


def test_empty_end_on_a_position_with_an_end_means_the_positions_end(login, ki_block):
    ki = Organisation.objects.get(short_name="KI")
    position = factories.position(ki_block, ki, "1.0", title="Befristet", start=D(2021, 1, 1), end=D(2030, 6, 30))
    client = login("sb-ki")
    form = client.get(create_url(position)).context["form"]
    help_text = str(form.fields["end"].help_text)
    assert help_text == "Leer lassen: bis zum Ende der Stelle (30.06.2030)."
    assert help_text in client.get(create_url(position)).content.decode()
    post = {"holder_name": "Paula Beispiel", "fte_share": "0,5", "start": "01.02.2021", "end": ""}
    response = client.post(create_url(position), post)
    assert response.status_code == 302, response.context["form"].errors
    assert Assignment.objects.get(position=position).end == D(2030, 6, 30)


def test_empty_end_on_an_open_position_stays_open(login, ki_block):
    ki = Organisation.objects.get(short_name="KI")
    position = factories.position(ki_block, ki, "1.0", title="Unbefristet", start=D(2021, 1, 1))
    client = login("sb-ki")
    form = client.get(create_url(position)).context["form"]
    assert str(form.fields["end"].help_text) == "Leer lassen, solange kein Ende feststeht."
    post = {"holder_name": "Paula Beispiel", "fte_share": "0,5", "start": "01.02.2021", "end": ""}
    assert client.post(create_url(position), post).status_code == 302
    assert Assignment.objects.get(position=position).end is None


def test_editing_an_assignment_with_an_empty_end_keeps_it_within_the_position(login, ki_block):
    ki = Organisation.objects.get(short_name="KI")
    position = factories.position(ki_block, ki, "1.0", title="Befristet", start=D(2021, 1, 1), end=D(2022, 12, 31))
    assignment = factories.assignment(position, "0.5", D(2021, 1, 1), D(2021, 6, 30), name="Paula Beispiel")
    client = login("sb-ki")
    url = reverse("staffing:assignment-update", args=[assignment.pk])
    form = client.get(url).context["form"]
    assert "31.12.2022" in str(form.fields["end"].help_text)
    post = {
        "holder_name": "Paula Beispiel",
        "fte_share": "0,5",
        "start": "01.01.2021",
        "end": "",
        "revision": form["revision"].value(),
    }
    response = client.post(url, post)
    assert response.status_code == 302, response.context["form"].errors
    assignment.refresh_from_db()
    assert assignment.end == D(2022, 12, 31)
