"""Extra POST fields change nothing; no ModelForm takes every field; what a caseworker's lists show.

SECURITY.md: "A POST with extra fields (e.g. ``amount`` from a caseworker form) changes nothing:
no ModelForm with ``fields = "__all__"`` or ``exclude``." And the rule of the position pages
(staffing/views.py, integration_admin/permissions.py): everyone logged in reads every position;
a caseworker changes only those of their own organisation.
"""

import ast
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django import forms
from django.db import transaction
from django.db.models import F
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse

import integration_admin.urls  # noqa: F401 (imports every view and with it every form)
from funding.models import (
    Application,
    CallOff,
    CostShare,
    DecisionVersion,
    GrantDecision,
    PassThrough,
    Payout,
    PlanItem,
    ProofOfUse,
    Receipt,
    RepaymentClaim,
)
from integration_admin.core.models import Body, Document
from integration_admin.core.scopes import scope, scopes_disabled
from integration_admin.council.models import AgendaItem, Committee, Consultation, Meeting, Report, ReportSection
from integration_admin.models import User
from staffing.models import Assignment, Organisation, Position
from tests import factories
from tests.conftest import login_as
from tests.security import test_access_matrix as matrix
from tests.security.test_access_matrix import form_data, kwargs_for, matrix_names, url_names

matrix_data, fast_pdfs = matrix.matrix_data, matrix.fast_pdfs  # the access matrix's fixtures: its objects in the URLs

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = ("funding", "integration_admin", "programs", "staffing")

# Fields of no form, which a forged request might add: money, status, ownership, bookkeeping.
EXTRA_FIELDS = {
    "amount": "999999.99",
    "grant": "999999.99",
    "annual_cost": "1",
    "cost": "1",
    "pay_grade_is_illustrative": "on",
    "is_illustrative": "on",
    "created": "2000-01-01T00:00:00",
    "modified": "2000-01-01T00:00:00",
    "id": "999",
    "pk": "999",
    "position": "",  # filled in below: another organisation's position
    "history_user": "1",
}


def position_form_data(position: Position, **changes) -> dict:
    data = {
        "building_block": position.building_block_id,
        "organisation": position.organisation_id,
        "title": position.title,
        "fte": str(position.fte).replace(".", ","),
        "pay_grade": position.pay_grade_id or "",
        "pay_step": position.pay_step or "",
        "start": position.start.strftime("%d.%m.%Y") if position.start else "",
        "end": position.end.strftime("%d.%m.%Y") if position.end else "",
        "status": position.status,
        "note": position.note,
        "revision": position.revision,
        "change_reason": "",
    }
    if position.fixed_term:
        data["fixed_term"] = "on"
    if position.lapses_when_vacant:
        data["lapses_when_vacant"] = "on"
    return {**data, **changes}


def columns(obj) -> dict:
    obj.refresh_from_db()
    return {**model_to_dict(obj), "created": obj.created, "modified": obj.modified}


@pytest.fixture
def positions(demo):
    ki = Organisation.objects.get(short_name="KI")
    drk = Organisation.objects.get(short_name="DRK")
    return {
        "ki": Position.objects.filter(organisation=ki, assignments__isnull=False).order_by("pk").first(),
        "drk": Position.objects.filter(organisation=drk).order_by("pk").first(),
        "KI": ki,
        "DRK": drk,
    }


def test_position_form_extra_fields_change_nothing_beyond_the_form(login, client, positions):
    """sb-ki saves their own position with forged fields: only the form's fields are saved."""
    position = positions["ki"]
    before = columns(position)
    login("sb-ki")
    data = {
        **position_form_data(position, title="Neu benannt"),
        **EXTRA_FIELDS,
        "position": positions["drk"].pk,
        "status": position.status,  # a form field: stays as it was
    }
    response = client.post(reverse("staffing:position-update", args=[position.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    after = columns(position)
    assert after["title"] == "Neu benannt"
    unchanged = {key: value for key, value in before.items() if key not in ("title", "modified")}
    assert {key: after[key] for key in unchanged} == unchanged
    assert after["modified"] > before["modified"]  # saved now, not on the forged date


def test_caseworker_cannot_move_a_position_to_another_organisation(login, client, positions):
    """The organisation is a form field, but only the caseworker's own is a valid choice."""
    position = positions["ki"]
    before = columns(position)
    login("sb-ki")
    data = position_form_data(position, organisation=positions["DRK"].pk, title="Verschoben")
    response = client.post(reverse("staffing:position-update", args=[position.pk]), data)
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert columns(position) == before


def test_caseworker_cannot_create_a_position_of_another_organisation(login, client, positions):
    count = Position.objects.count()
    login("sb-drk")
    data = position_form_data(positions["ki"], organisation=positions["KI"].pk, title="Fremde Stelle")
    del data["revision"], data["change_reason"]
    response = client.post(reverse("staffing:position-create"), data)
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert Position.objects.count() == count


def test_caseworker_of_another_organisation_changes_nothing_with_a_valid_form(login, client, positions):
    """sb-drk sends complete, valid forms for a KI position and its assignment: 403, nothing changed."""
    position = positions["ki"]
    assignment = position.assignments.order_by("pk").first()
    position_before, assignment_before = columns(position), columns(assignment)
    count = Assignment.objects.count()
    login("sb-drk")
    assignment_data = {
        "holder_name": "Jemand Anderes",
        "fte_share": "0,1",
        "start": assignment.start.strftime("%d.%m.%Y"),
        "end": "",
    }
    posts = [
        ("staffing:position-update", position.pk, position_form_data(position, title="Übernommen")),
        ("staffing:position-delete", position.pk, {}),
        ("staffing:assignment-create", position.pk, assignment_data),
        ("staffing:assignment-update", assignment.pk, assignment_data),
        ("staffing:assignment-end", assignment.pk, {"end": "01.01.2021"}),
        ("staffing:assignment-delete", assignment.pk, {}),
    ]
    for name, pk, data in posts:
        response = client.post(reverse(name, args=[pk]), data)
        assert response.status_code == 403, name
    assert columns(position) == position_before
    assert columns(assignment) == assignment_before
    assert Assignment.objects.count() == count


def test_assignment_form_extra_fields_change_nothing_beyond_the_form(login, client, positions):
    """A forged ``position`` (of the DRK) and flags are ignored: the assignment stays where it is."""
    assignment = positions["ki"].assignments.order_by("pk").first()
    before = columns(assignment)
    login("sb-ki")
    data = {
        "holder_name": before["holder_name"],
        "fte_share": str(assignment.fte_share).replace(".", ","),
        "start": assignment.start.strftime("%d.%m.%Y"),
        "end": assignment.end.strftime("%d.%m.%Y") if assignment.end else "",
        "revision": assignment.revision,
        **EXTRA_FIELDS,
        "position": positions["drk"].pk,
    }
    response = client.post(reverse("staffing:assignment-update", args=[assignment.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    after = columns(assignment)
    assert {k: v for k, v in after.items() if k != "modified"} == {k: v for k, v in before.items() if k != "modified"}


def test_decision_grant_is_computed_never_posted(login, client, demo):
    """Even the administrator cannot type in the grant: it is computed from the financing type."""
    version = DecisionVersion.objects.filter(is_current=True, financing_type="share").order_by("pk").first()
    grant = version.granted_amount
    login("admin")
    page = client.get(reverse("funding:decision-update", args=[version.decision_id]))
    assert page.status_code == 200
    forged = {"granted_amount": "1,00", "grant": "1,00", "amount": "1,00", "is_current": ""}
    data = {**form_data(page.content.decode()), **forged}
    data["stated_amount"] = ["1,00"]  # a form field: the amount on the letter, stored beside the grant
    data["change_reason"] = ["Prüfung der Massenzuweisung"]
    response = client.post(reverse("funding:decision-update", args=[version.decision_id]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    current = DecisionVersion.objects.get(decision=version.decision_id, is_current=True)
    assert current.stated_amount == Decimal("1.00")
    assert current.granted_amount == grant != Decimal("1.00")


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def project_source_files():
    for package in PROJECT_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                yield path


def test_no_model_form_takes_all_fields_or_excludes():
    """Statically (every Meta class in the source) and at run time (every ModelForm class loaded)."""
    offenders = []
    for path in project_source_files():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not (isinstance(node, ast.ClassDef) and node.name == "Meta"):
                continue
            for statement in node.body:
                if not isinstance(statement, ast.Assign):
                    continue
                for target in statement.targets:
                    name = getattr(target, "id", "")
                    is_all = isinstance(statement.value, ast.Constant) and statement.value.value == "__all__"
                    if name == "exclude" or (name == "fields" and is_all):
                        offenders.append(f"{path.relative_to(ROOT)}:{statement.lineno} {name}")
    for form_class in all_subclasses(forms.ModelForm):
        if not form_class.__module__.startswith(PROJECT_PACKAGES):
            continue
        meta = form_class._meta
        if meta.model is not None and (meta.fields == "__all__" or meta.exclude):
            offenders.append(f"{form_class.__module__}.{form_class.__qualname__}")
    assert not offenders, f"ModelForms with fields='__all__' or exclude: {offenders}"


POSITION_LINK = re.compile(r'href="/positions/(\d+)/"')


def test_caseworker_lists_every_position_and_edits_only_their_own(login, client, positions):
    """The rule the code implements: everyone logged in reads every position (the list has no
    rows a caseworker may not see, because they may see them all); edit and delete buttons appear
    only on their own organisation's positions."""
    login("sb-drk")
    # "Organisation: alle" (the list starts with the caseworker's own organisation)
    response = client.get(reverse("staffing:position-list"), {"per_page": 100, "organisation": ""})
    assert response.status_code == 200
    listed = {int(pk) for pk in POSITION_LINK.findall(response.content.decode())}
    assert listed == set(Position.objects.values_list("pk", flat=True))
    for position in Position.objects.all():
        page = client.get(position.get_absolute_url()).content.decode()
        edit = reverse("staffing:position-update", args=[position.pk])
        own = position.organisation.short_name == "DRK"
        assert (edit in page) is own, position
        for assignment in position.assignments.all():
            assert (reverse("staffing:assignment-update", args=[assignment.pk]) in page) is own


def test_caseworker_organisation_page_offers_no_new_position_elsewhere(login, client, positions):
    login("sb-drk")
    create = reverse("staffing:position-create")
    assert create in client.get(positions["DRK"].get_absolute_url()).content.decode()
    assert create not in client.get(positions["KI"].get_absolute_url()).content.decode()


# --- A forged body: every form, with another body's records chosen --------------------------------

BODY_PATHS = {
    Organisation: "body",
    Position: "organisation__body",
    Assignment: "position__organisation__body",
    GrantDecision: "body",
    Application: "body",
    DecisionVersion: "decision__body",
    CostShare: "version__decision__body",
    PlanItem: "version__decision__body",
    CallOff: "decision__body",
    ProofOfUse: "decision__body",
    Receipt: "proof__decision__body",
    RepaymentClaim: "decision__body",
    PassThrough: "decision__body",
    Payout: "pass_through__decision__body",
    Committee: "body",
    Meeting: "committee__body",
    AgendaItem: "meeting__committee__body",
    Report: "body",
    ReportSection: "report__body",
    Consultation: "report__body",
    Document: "body",
}
"""Where each body-owned model keeps its body (as its scoped manager says, core.scopes)."""


def cross_body_references() -> list[str]:
    """Rows of one body that point at another body's row (every foreign key between the models above)."""
    found = []
    with scopes_disabled():
        for model, path in BODY_PATHS.items():
            for field in model._meta.concrete_fields:
                target = BODY_PATHS.get(getattr(field.remote_field, "model", None))
                if target is None:
                    continue
                rows = model.objects.filter(**{f"{field.name}__isnull": False}).exclude(
                    **{path: F(f"{field.name}__{target}")}
                )
                found += [f"{model.__name__} {pk}: {field.name}" for pk in rows.values_list("pk", flat=True)]
    return found


def other_body_fingerprint(body: Body) -> list:
    """Every row of the other body (its pk and last change), model by model."""
    with scope(body=body):
        return [
            sorted(model.objects.values_list("pk", *(["modified"] if hasattr(model, "modified") else [])))
            for model in BODY_PATHS
        ]


FORM_URLS_WITHOUT_RECORDS = ("login", "logout", "set_language", "password_change", "mfa-setup", "mfa-verify")


@pytest.fixture
def musterkreis(demo):
    """The Musterkreis' records, which a forged form of the Kreis Heinsberg's administrator chooses."""
    body = Body.objects.get(short_name="MK")
    with scope(body=body):
        ki = Organisation.objects.get(short_name="KI")
        position = Position.objects.filter(organisation=ki).order_by("pk").first()
        decision = GrantDecision.objects.get()
        item = factories.agenda_item(factories.meeting(Committee.objects.get()), "1")
        report = factories.report(lead_office=ki)
    return body, {
        "organisation": ki.pk,
        "lead_office": ki.pk,
        "recipient": Organisation.objects.with_scope(body=body).get(short_name="AWO").pk,
        "position": position.pk,
        "decision": decision.pk,
        "committee": item.meeting.committee_id,
        "meeting": item.meeting_id,
        "agenda_item": item.pk,
        "report": report.pk,
        "members": User.objects.get(username="mk-sb").pk,  # a committee's members: the own body's staff
        "body": body.pk,
        "body_id": body.pk,
    }


def test_a_forged_body_or_other_bodys_record_is_refused_in_every_form(matrix_data, musterkreis, fast_pdfs):
    """The Kreis Heinsberg's administrator sends every form of the pages (as the page fills it in),
    with ``body``/``body_id`` of the Musterkreis added and every choice of a body's record
    (organisation, committee, committee members …) set to the Musterkreis': a choice is not valid, the
    extra fields are ignored; no record of the Musterkreis changes and no record of one body points
    at another's."""
    body, forged = musterkreis
    patterns = dict(url_names())
    before = other_body_fingerprint(body)
    invalid_choice = str(forms.ModelChoiceField.default_error_messages["invalid_choice"])[:20]
    client = login_as(Client(), "admin")
    failures, forms_sent = [], 0
    for name in matrix_names():
        if name.startswith(("council:oparl:", "admin:")) or name in FORM_URLS_WITHOUT_RECORDS:
            continue
        url = reverse(name, kwargs=kwargs_for(name, patterns[name], matrix_data))
        with transaction.atomic():
            page = client.get(url)
            is_page = page.status_code == 200 and page["Content-Type"].startswith("text/html")
            data = form_data(page.content.decode()) if is_page else {}
            # a field of a formset is named "<prefix>-<n>-<field>"
            chosen = sorted(key for key in data if key.rpartition("-")[2] in forged and key not in ("body", "body_id"))
            if data:
                forms_sent += 1
                response = client.post(
                    url,
                    {
                        **data,
                        **{key: [forged[key.rpartition("-")[2]]] for key in chosen},
                        "body": forged["body"],
                        "body_id": forged["body_id"],
                    },
                )
                if chosen and response.status_code != 200:
                    failures.append(f"{name}: {chosen} of the Musterkreis accepted ({response.status_code})")
                elif chosen and invalid_choice not in response.content.decode():
                    failures.append(f"{name}: {chosen} of the Musterkreis, but no 'not a valid choice'")
                failures += [f"{name}: {reference}" for reference in cross_body_references()]
                if other_body_fingerprint(body) != before:
                    failures.append(f"{name}: a record of the Musterkreis changed")
            transaction.set_rollback(True)
    assert forms_sent > 40 and not failures, f"{forms_sent} forms:\n" + "\n".join(failures)


def test_cross_body_references_are_found(musterkreis):
    """The check above would see a cost share of a Kreis Heinsberg decision naming the Musterkreis' organisation."""
    _body, forged = musterkreis
    share = CostShare.objects.order_by("pk").first()
    with scopes_disabled():
        CostShare.objects.filter(pk=share.pk).update(organisation=forged["organisation"])
    assert cross_body_references()
