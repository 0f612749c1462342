"""Bodies as data: `manage.py create_body`, the Django admin of a body's administrator and of the
installation's, and what a body adds to the Land's shared master data."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from integration_admin.core.models import Body, Regierungsbezirk
from integration_admin.core.scopes import scope, scopes_disabled
from integration_admin.council.models import Committee
from integration_admin.models import Role, User
from programs.models import Programme
from staffing.models import Organisation


def test_create_body_with_its_first_administrator(demo):
    out = io.StringIO()
    call_command(
        "create_body", "Stadt Köln", short_name="K", regierungsbezirk="koeln", kind="kreisfreie_stadt",
        admin="k-admin", email="it@example.org", stdout=out,
    )  # fmt: skip
    body = Body.objects.get(short_name="K")
    assert (body.name, body.head, body.regierungsbezirk) == (
        "Stadt Köln",
        "Der Oberbürgermeister",
        Regierungsbezirk.KOELN,
    )
    assert body.paper_number(2026, 7) == "0007/2026"
    admin = User.objects.get(username="k-admin")
    assert (admin.body, admin.role, admin.is_staff, admin.has_usable_password()) == (
        body,
        Role.ADMINISTRATOR,
        True,
        False,
    )
    assert "changepassword k-admin" in out.getvalue()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"short_name": "HS"}, "Kurzbezeichnung"),
        ({"short_name": "NEU", "paper_number_format": "Nr. {number}"}, "braucht {number} und {year}"),
        ({"short_name": "NEU", "admin": "admin"}, "Den Benutzer „admin“ gibt es schon."),
    ],
)
def test_create_body_refuses_bad_input_in_german_and_keeps_nothing(demo, options, message):
    before = Body.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("create_body", "Neuer Kreis", regierungsbezirk="muenster", stdout=io.StringIO(), **options)
    assert Body.objects.count() == before


def test_a_body_administrator_manages_only_its_own_users(login):
    client = login("mk-admin")
    changelist = client.get(reverse("admin:integration_admin_user_changelist")).content.decode()
    assert "mk-sb" in changelist and "sb-drk" not in changelist and "betrieb" not in changelist
    heinsberg_user = User.objects.get(username="sb-drk")
    assert client.get(reverse("admin:integration_admin_user_change", args=[heinsberg_user.pk])).status_code == 302
    response = client.post(
        reverse("admin:integration_admin_user_add"),
        {"username": "mk-neu", "password1": "Ein-langes-Passwort-2026", "password2": "Ein-langes-Passwort-2026",
         "role": Role.HEAD, "usable_password": "true"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(username="mk-neu").body.short_name == "MK"
    add_form = client.get(reverse("admin:integration_admin_user_add")).content.decode()
    assert 'value="land"' not in add_form  # the Land view's users are the installation's to make


def test_bodies_are_created_by_the_installation_administrator_only(login):
    client = login("mk-admin")
    assert client.get(reverse("admin:core_body_add")).status_code == 403
    listed = client.get(reverse("admin:core_body_changelist")).content.decode()
    assert "Musterkreis" in listed and "Heinsberg" not in listed
    client = login("betrieb")
    response = client.post(
        reverse("admin:core_body_add"),
        {"name": "Kreis Düren", "short_name": "DN", "kind": "kreis", "head": "Der Landrat", "address": "",
         "regierungsbezirk": "koeln", "paper_number_format": "{number:04d}/{year}"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Body.objects.filter(short_name="DN").exists()


def test_a_body_adds_its_own_programme_beside_the_lands(login):
    client = login("mk-admin")
    kim = Programme.objects.get(short_name="KIM")
    ministry = kim.funders.get()
    assert kim.body is None
    assert (
        client.post(reverse("admin:programs_programme_change", args=[kim.pk]), {"name": "geändert"}).status_code == 403
    )
    response = client.post(
        reverse("admin:programs_programme_add"),
        {"name": "Kreiseigenes Programm", "short_name": "MK-eigen", "sort_order": "9", "funders": [ministry.pk],
         "building_blocks-TOTAL_FORMS": "1", "building_blocks-INITIAL_FORMS": "0",
         "building_blocks-0-number": "1", "building_blocks-0-title": "Lotsen",
         "building_blocks-0-guideline_status": "in_force"},
    )  # fmt: skip
    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [f.errors for f in response.context["inline_admin_formsets"][0].formset],
    )
    musterkreis = Body.objects.get(short_name="MK")
    with scopes_disabled():
        own = Programme.objects.get(short_name="MK-eigen")
        assert own.body == musterkreis and [block.body for block in own.building_blocks.all()] == [musterkreis]
    # the Land's programmes and its own for the Musterkreis, only the Land's for Heinsberg
    with scope(body=musterkreis):
        assert set(Programme.objects.values_list("short_name", flat=True)) == {"Durchstarten", "KIM", "MK-eigen"}
    assert set(Programme.objects.values_list("short_name", flat=True)) == {"Durchstarten", "KIM"}
    heinsberg = login("leitung").get(reverse("programme-list")).content.decode()
    assert "Kreiseigenes Programm" not in heinsberg
    assert login("admin").get(reverse("admin:programs_programme_change", args=[own.pk])).status_code == 302


def test_the_installation_administrator_keeps_to_what_has_no_body(login):
    """A superuser without a body: the Django admin, the Land's shared master data, the Land view;
    no page of a body's records (where a new record would have no body to belong to)."""
    client = login("betrieb")
    assert client.get(reverse("dashboard")).url == reverse("admin:index")
    for name in (
        "admin:index",
        "admin:core_body_changelist",
        "staffing:paytable-list",
        "funding:flatrate-create",
        "land",
    ):
        assert client.get(reverse(name)).status_code == 200, name
    for name in (
        "staffing:position-list",
        "funding:decision-list",
        "funding:decision-create",
        "council:committee-create",
    ):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.post(reverse("council:committee-create"), {"name": "Ohne Körperschaft"}).status_code == 403
    with scopes_disabled():
        assert not Committee.objects.filter(name="Ohne Körperschaft").exists()


def test_names_are_unique_within_a_body_with_a_message_not_an_error(demo):
    """A constraint per body is validated with the body the record takes from the scope."""
    with scope(body=Body.objects.get(short_name="MK")):
        taken = Organisation(short_name="KI", name="Zweites KI", kind="kreis_unit")
        with pytest.raises(ValidationError, match="Eine Organisation mit dieser Kurzbezeichnung gibt es schon."):
            taken.full_clean(exclude=["body"])
        heinsberg_only = Organisation(short_name="ABH", name="Ausländerbehörde", kind="kreis_unit")
        heinsberg_only.full_clean(exclude=["body"])  # the Kreis Heinsberg's ABH is another body's
        assert heinsberg_only.body.short_name == "MK"
