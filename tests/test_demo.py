"""The demo data reproduce every figure of the founding example (source-document.txt)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from funding.models import Application, DecisionVersion, GrantDecision
from integration_admin.demo import DEMO_PASSWORD, load_demo
from integration_admin.models import Role, User
from programs.models import GuidelineStatus, Programme
from staffing.models import Organisation, Position, PositionStatus

pytestmark = pytest.mark.django_db


def test_load_demo_is_idempotent(demo):
    counts = {model: model.objects.count() for model in (Programme, Position, GrantDecision, DecisionVersion, User)}
    history = Position.history.count(), DecisionVersion.history.count()
    load_demo()
    assert counts == {model: model.objects.count() for model in counts}
    assert history == (Position.history.count(), DecisionVersion.history.count())


def test_demo_users(demo):
    roles = {
        u.username: (
            u.role,
            u.body.short_name if u.body else None,
            u.organisation.short_name if u.organisation else None,
        )
        for u in User.objects.select_related("body", "organisation")
    }
    assert roles == {
        "admin": (Role.ADMINISTRATOR, "HS", None),
        "leitung": (Role.HEAD, "HS", None),
        "sb-ki": (Role.CASEWORKER, "HS", "KI"),
        "sb-drk": (Role.CASEWORKER, "HS", "DRK"),
        "mk-admin": (Role.ADMINISTRATOR, "MK", None),
        "mk-leitung": (Role.HEAD, "MK", None),
        "mk-sb": (Role.CASEWORKER, "MK", "KI"),
        "land": (Role.LAND, None, None),
        "betrieb": (Role.ADMINISTRATOR, None, None),
    }
    assert User.objects.get(username="mk-sb").organisation.body.short_name == "MK"
    assert User.objects.get(username="betrieb").is_installation_administrator
    assert all(u.check_password("Heinsberg-2020") for u in User.objects.all())


def test_organisations(demo):
    assert set(Organisation.objects.values_list("short_name", flat=True)) == {"KI", "ABH", "DRK", "VHS"}


def test_durchstarten(demo):
    programme = Programme.objects.get(short_name="Durchstarten")
    assert programme.joint_initiative == "Gemeinsam klappt’s"
    assert set(programme.funders.values_list("short_name", flat=True)) == {"MAGS", "MKFFI"}
    assert "18 und 27" in programme.target_group
    blocks = list(programme.building_blocks.values_list("number", "title"))
    assert [number for number, _ in blocks] == [1, 2, 3, 4, 5, 6]
    assert blocks[0][1] == "Coaching" and blocks[5][1] == "Teilhabemanagement"
    assert set(programme.building_blocks.filter(delivering_organisation__short_name="VHS").values_list(
        "number", flat=True)) == {1, 2, 3, 4}  # fmt: skip

    positions = Position.objects.filter(building_block__programme=programme)
    assert positions.total_fte() == Decimal("2.5")
    assert positions.filter(organisation__short_name="KI").total_fte() == Decimal("1.5")
    assert positions.filter(organisation__short_name="DRK").total_fte() == Decimal("1.0")
    assert set(positions.values_list("building_block__number", flat=True)) == {6}

    application = Application.objects.get(programme=programme)
    assert application.submitted_on == datetime.date(2020, 3, 27)
    decision = GrantDecision.objects.get(programme=programme)
    assert decision.application == application
    version = decision.versions.get(is_current=True)
    assert version.received_on == datetime.date(2020, 8, 10)
    assert version.get_financing_type_display() == "Anteilsfinanzierung"
    assert decision.get_form_display() == "Zuweisung/Zuschuss"
    assert version.eligible_expenditure == Decimal("780617.00")
    assert version.rate == Decimal("80")
    assert version.granted_amount == Decimal("624493.60")
    assert version.stated_difference == Decimal("0")
    assert version.own_share == Decimal("156123.40")
    assert version.period_end == datetime.date(2022, 12, 31)
    shares = {s.organisation.short_name: s for s in version.cost_shares.all()}
    assert shares["KI"].weight == Decimal("1.5") and shares["DRK"].weight == Decimal("1.0")
    assert shares["KI"].own_share + shares["DRK"].own_share == Decimal("156123.40")


def test_kim(demo):
    programme = Programme.objects.get(short_name="KIM")
    assert list(programme.funders.values_list("short_name", flat=True)) == ["MKFFI"]
    blocks = {b.number: b for b in programme.building_blocks.all()}
    assert set(blocks) == {1, 2, 3}
    assert blocks[1].guideline_status == GuidelineStatus.DRAFT
    assert blocks[1].guideline_expected_on == datetime.date(2020, 9, 1)

    def fte(number, **filters):
        return Position.objects.filter(building_block=blocks[number], **filters).total_fte()

    assert fte(1, status=PositionStatus.APPLICABLE) == Decimal("3.5")
    assert fte(2) == Decimal("5")
    assert fte(3, status=PositionStatus.FILLED, organisation__short_name="ABH") == Decimal("1")
    decision = GrantDecision.objects.get(building_blocks=blocks[2])
    assert decision.without_application
    assert decision.versions.get().funded_fte == Decimal("5")


def close_admin_account() -> User:
    """What an operator does in production: the published demo password changed, the account closed."""
    admin = User.objects.get(username="admin")
    admin.set_password("Ein-eigenes-Passwort-2026")
    admin.is_active = False
    admin.save()
    return admin


def test_load_demo_command_refuses_without_debug(demo):
    close_admin_account()
    counts = Position.objects.count()
    with pytest.raises(CommandError, match="Ohne DEBUG"):
        call_command("load_demo", stdout=io.StringIO())
    admin = User.objects.get(username="admin")
    assert not admin.is_active and admin.check_password("Ein-eigenes-Passwort-2026")
    assert Position.objects.count() == counts


def test_demo_installation_never_reopens_an_existing_account(demo):
    """Finding: with DEBUG off, load_demo re-activated `admin` with the published password."""
    close_admin_account()
    out = io.StringIO()
    call_command("load_demo", "--demo-installation", stdout=out)
    admin = User.objects.get(username="admin")
    assert not admin.is_active
    assert admin.check_password("Ein-eigenes-Passwort-2026")
    assert not admin.check_password(DEMO_PASSWORD)
    assert "Bestehende Benutzer unverändert gelassen: admin, leitung, sb-ki, sb-drk" in out.getvalue()


def test_demo_installation_creates_missing_demo_logins(demo):
    User.objects.filter(username="sb-drk").delete()
    out = io.StringIO()
    call_command("load_demo", "--demo-installation", stdout=out)
    assert User.objects.get(username="sb-drk").check_password(DEMO_PASSWORD)
    assert "Neu angelegte Demo-Anmeldungen (nur für die Demo): sb-drk" in out.getvalue()


def test_restore_logins_only_in_development(demo):
    close_admin_account()
    with pytest.raises(CommandError, match="nur in der Entwicklung"):
        call_command("load_demo", "--demo-installation", "--restore-logins", stdout=io.StringIO())
    assert not User.objects.get(username="admin").is_active
    with override_settings(DEBUG=True):
        call_command("load_demo", "--restore-logins", stdout=io.StringIO())
    admin = User.objects.get(username="admin")
    assert admin.is_active and admin.check_password(DEMO_PASSWORD)
