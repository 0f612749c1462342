"""GDPR: after anonymise_holders, no table contains the holder's name (history rows included)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import models
from django.urls import reverse

from integration_admin.council.services import release_report
from integration_admin.models import User
from staffing.models import Assignment, Organisation
from tests import factories

pytestmark = pytest.mark.django_db
D = datetime.date
NAME = "Zofia Wiśniewska-Testperson"


def tables_containing(text: str) -> list[str]:
    """Every model (history tables and Django's own included) with a text column containing ``text``."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        text_fields = [
            f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)
        ]
        query = models.Q()
        for name in text_fields:
            query |= models.Q(**{f"{name}__contains": text})
        if text_fields and model._default_manager.filter(query).exists():
            found.append(model._meta.label)
    return found


def test_names_disappear_everywhere(django_user_model):
    position = factories.position(fte="1.0")
    ended = Assignment.objects.create(
        position=position, holder_name=NAME, fte_share=Decimal("0.5"), start=D(2015, 1, 1), end=D(2017, 12, 31)
    )
    ended.fte_share = Decimal("1.0")
    ended.save()  # a second history row with the name
    LogEntry.objects.create(
        user=django_user_model.objects.create_user("admin2", role="administrator"),
        content_type=ContentType.objects.get_for_model(Assignment),
        object_id=str(ended.pk),
        object_repr=str(ended),
        action_flag=ADDITION,
        change_message=f'[{{"added": {{"name": "Besetzung", "object": "{NAME} (1,0 VZÄ)"}}}}]',
    )
    current = Assignment.objects.create(
        position=position, holder_name="Aktuelle Inhaberin", fte_share=Decimal("1.0"), start=D(2018, 1, 1)
    )
    assert set(tables_containing(NAME)) == {"staffing.Assignment", "staffing.HistoricalAssignment", "admin.LogEntry"}

    out = io.StringIO()
    call_command("anonymise_holders", "--ended-before", "01.01.2018", stdout=out)
    assert "1 Besetzungen anonymisiert" in out.getvalue()

    assert tables_containing(NAME) == []
    assert tables_containing("Wiśniewska") == []
    ended.refresh_from_db()
    assert ended.holder_name == f"anonymisiert (Besetzung {ended.pk})"
    assert ended.history.latest().history_change_reason.startswith("Anonymisierung")
    current.refresh_from_db()
    assert current.holder_name == "Aktuelle Inhaberin"  # still active: kept


def test_dry_run_changes_nothing_and_bad_dates_are_refused():
    position = factories.position()
    Assignment.objects.create(
        position=position, holder_name=NAME, fte_share=Decimal("1"), start=D(2015, 1, 1), end=D(2016, 1, 1)
    )
    out = io.StringIO()
    call_command("anonymise_holders", "--ended-before", "2020-01-01", "--dry-run", stdout=out)
    assert "1 Besetzungen würden anonymisiert" in out.getvalue()
    assert tables_containing(NAME)
    with pytest.raises(CommandError, match="Ungültiges Datum"):
        call_command("anonymise_holders", "--ended-before", "31.02.2020")


def test_deleted_assignments_lose_their_names_too(login):
    """Finding: an assignment deleted before the run kept its name in its history rows, and the
    position page showed them."""
    position = factories.position(fte="1.0", org=Organisation.objects.get(short_name="KI"))
    gone = Assignment.objects.create(
        position=position, holder_name=NAME, fte_share=Decimal("0.5"), start=D(2015, 1, 1), end=D(2016, 6, 30)
    )
    gone_id = gone.pk
    gone.delete()
    page = reverse("staffing:position-detail", args=[position.pk])
    assert NAME in login("admin").get(page).content.decode()

    out = io.StringIO()
    call_command("anonymise_holders", "--ended-before", "01.01.2018", stdout=out)
    assert "dazu der Verlauf von 1 gelöschten Besetzungen" in out.getvalue()
    assert tables_containing(NAME) == []
    assert set(Assignment.history.filter(id=gone_id).values_list("holder_name", flat=True)) == {
        f"anonymisiert (Besetzung {gone_id})"
    }
    assert NAME not in login("admin").get(page).content.decode()


def test_names_in_notes_and_reasons_are_replaced_and_parts_reported():
    """Finding: names in free-text notes and change reasons survived the anonymisation."""
    position = factories.position(fte="1.0", note=f"Vertretung für {NAME} bis Ende 2017")
    ended = Assignment.objects.create(
        position=position, holder_name=NAME, fte_share=Decimal("1"), start=D(2015, 1, 1), end=D(2017, 12, 31)
    )
    position._change_reason = f"Stunden von {NAME} erhöht"
    position.save()
    other = factories.position(fte="1.0", note="Rückfrage bei Frau Wiśniewska wegen der Stunden")
    assert set(tables_containing(NAME)) >= {"staffing.Position", "staffing.HistoricalPosition"}

    out = io.StringIO()
    call_command("anonymise_holders", "--ended-before", "01.01.2018", stdout=out)

    assert tables_containing(NAME) == []
    position.refresh_from_db()
    assert position.note == f"Vertretung für anonymisiert (Besetzung {ended.pk}) bis Ende 2017"
    replaced = next(line for line in out.getvalue().splitlines() if line.startswith("Namen auch in Freitexten"))
    assert "staffing.Position.note: 1" in replaced
    assert "staffing.HistoricalPosition.history_change_reason: 1" in replaced
    # A part of the name cannot be replaced blindly: it is reported for a check by hand.
    assert f"„Wiśniewska“ in staffing.Position.note: {other.pk}" in out.getvalue()
    other.refresh_from_db()
    assert other.note == "Rückfrage bei Frau Wiśniewska wegen der Stunden"


def test_texts_about_a_person_still_holding_a_position_are_left():
    position = factories.position(fte="2.0", note=f"Ansprechperson: {NAME}")
    Assignment.objects.create(
        position=position, holder_name=NAME, fte_share=Decimal("1"), start=D(2015, 1, 1), end=D(2016, 12, 31)
    )
    running = Assignment.objects.create(
        position=position, holder_name=NAME, fte_share=Decimal("1"), start=D(2017, 1, 1)
    )
    call_command("anonymise_holders", "--ended-before", "01.01.2018", stdout=io.StringIO())
    position.refresh_from_db()
    running.refresh_from_db()
    assert running.holder_name == NAME
    assert position.note == f"Ansprechperson: {NAME}"


def test_earlier_names_too_and_released_papers_are_listed_not_rewritten(demo):
    """Review findings: only an assignment's last name was looked for, JSON columns were not
    searched, and a released paper's title would have been rewritten while its PDF keeps the name."""
    position = factories.position(fte="1.0", note="Vertretung für Zofia Kowalska bis 2017")
    ended = Assignment.objects.create(
        position=position, holder_name="Zofia Kowalska", fte_share=Decimal("1"), start=D(2015, 1, 1), end=D(2017, 1, 1)
    )
    ended.holder_name = NAME  # the name changed (marriage); the note still has the earlier one
    ended.save()
    paper = factories.report(title=f"Dank an {NAME}")
    release_report(report=paper, user=User.objects.get(username="leitung"), render=lambda snapshot: b"%PDF-1.7 x")

    out = io.StringIO()
    call_command("anonymise_holders", "--ended-before", "01.01.2018", stdout=out)

    position.refresh_from_db()
    assert position.note == f"Vertretung für anonymisiert (Besetzung {ended.pk}) bis 2017"
    paper.refresh_from_db()
    assert paper.title == f"Dank an {NAME}"  # a published document stays as it was published
    assert f"„{NAME}“ in council.Report.title: {paper.pk}" in out.getvalue()
    assert f"„{NAME}“ in council.Report.snapshot: {paper.pk}" in out.getvalue()


def test_documents_lose_the_name_in_title_and_file_name_and_are_listed_for_a_check(demo):
    """Documents hang on records, not on persons: a name in a title or file name is replaced like
    any text; their content (a scan) cannot be searched, so they are listed for a check by hand."""
    from funding.models import GrantDecision
    from integration_admin.core.documents import store_document
    from integration_admin.core.models import Document

    position = factories.position(fte="1.0")
    ended = Assignment.objects.create(
        position=position, holder_name=NAME, fte_share=Decimal("1"), start=D(2015, 1, 1), end=D(2017, 12, 31)
    )
    document = store_document(
        parent=GrantDecision.objects.order_by("pk").first(),
        content=b"%PDF-1.7\n% Belegliste\n%%EOF\n",
        file_name=f"Belegliste {NAME}.pdf",
        title=f"Belegliste {NAME}",
        kind="belegliste",
        user=None,
    )
    Document.objects.filter(pk=document.pk).update(uploaded_at=datetime.datetime(2017, 6, 1, tzinfo=datetime.UTC))
    assert {"core.Document", "core.HistoricalDocument"} <= set(tables_containing(NAME))

    out = io.StringIO()
    call_command("anonymise_holders", "--ended-before", "01.01.2018", stdout=out)

    assert tables_containing(NAME) == []
    document.refresh_from_db()
    assert document.title == f"Belegliste anonymisiert (Besetzung {ended.pk})"
    assert "1 Dokumente, hochgeladen vor 01.01.2018" in out.getvalue()
    assert f"core.Document: {document.pk}" in out.getvalue()
