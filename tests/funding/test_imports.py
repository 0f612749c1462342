"""Importing grant decisions and call-offs through the import pages of the positions: a messy
file (title row, German formats, one bad row), preview, commit, re-import, undo, four eyes, access."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from funding.models import CallOff, DecisionVersion, GrantDecision
from funding.services import save_call_off
from integration_admin.core.models import approve
from integration_admin.models import User
from programs.models import Programme
from staffing.models import ImportKind, ImportRun, ImportStatus
from tests.conftest import login_as
from tests.staffing.test_import import csv_bytes, xlsx

pytestmark = pytest.mark.django_db

DECISION_HEADER = [
    "Aktenzeichen",
    "Programm",
    "Baustein",
    "Zuwendungsgeber",
    "Bescheiddatum",
    "Eingang",
    "Zeitraum von",
    "Zeitraum bis",
    "Finanzierungsart",
    "Zuwendungsfähige Ausgaben",
    "Fördersatz %",
    "Zuwendung",
]


def upload(client, content, kind, name="liste.xlsx"):
    return client.post("/imports/", {"file": SimpleUploadedFile(name, content), "kind": kind})


def programme_and_funder():
    programme = Programme.objects.filter(building_blocks__isnull=False, funders__isnull=False).distinct().first()
    return programme, programme.funders.first(), programme.building_blocks.order_by("number").first()


def decision_rows(programme, funder, block):
    return [
        ["Bescheide des Landes 2024 (Stand 01.03.2024)"],
        DECISION_HEADER,
        ["AZ-IMP-1", programme.short_name, str(block.number), funder.short_name, "15.1.24", "20.01.2024",
         datetime.date(2024, 1, 1), "31.12.2024", "Anteilsfinanzierung", "100.000,00", "80", "80.000,00"],
        ["AZ-IMP-2", programme.short_name, str(block.number), funder.short_name, "01.02.2024", "",
         "1.2.24", "31.12.24", "Anteilsfinanzierung", "50000", "50,5", "30.000,00"],
    ]  # fmt: skip


def preview_text(client, run):
    return client.get(f"/imports/{run.pk}/").content.decode()


def test_decisions_preview_commit_reimport_undo(client):
    login_as(client, "admin")
    programme, funder, block = programme_and_funder()
    rows = decision_rows(programme, funder, block)
    bad = [*rows, ["AZ-IMP-3", programme.short_name[:-1] + "x", "", funder.short_name, "31.02.2024", "", "", "",
                   "Anteilsfinanzierng", "abc", "80", ""]]  # fmt: skip
    response = upload(client, xlsx(("Bescheide", bad)), ImportKind.DECISIONS)
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.kind == ImportKind.DECISIONS
    text = preview_text(client, run)
    assert "Vorschau: 2 neu, 0 geändert, 0 unverändert, 1 mit Fehlern." in text
    assert f"meinten Sie „{programme.short_name}“?" in text
    assert "„31.02.2024“ ist kein Datum" in text
    assert "„abc“ ist keine Zahl" in text
    assert "Unbekannte Finanzierungsart „Anteilsfinanzierng“; meinten Sie „Anteilsfinanzierung“?" in text
    # the amount the letter states differs from the computed grant: a warning, not an error
    assert "Laut Datei 30.000,00\xa0€, aus den Angaben berechnet 25.250,00\xa0€" in text
    assert "das Aktenzeichen" in text  # the stable key is named on the mapping
    assert "Import übernehmen" not in text
    client.post(f"/imports/{run.pk}/confirm/")
    assert not GrantDecision.objects.filter(reference__startswith="AZ-IMP").exists()

    # the corrected file
    response = upload(client, xlsx(("Bescheide", rows)), ImportKind.DECISIONS)
    run = ImportRun.objects.get(pk=response.url.strip("/").split("/")[-1])
    assert "Vorschau: 2 neu, 0 geändert, 0 unverändert, 0 mit Fehlern." in preview_text(client, run)
    client.post(f"/imports/{run.pk}/confirm/")
    run.refresh_from_db()
    assert run.status == ImportStatus.COMMITTED and run.created_count == 2
    first = GrantDecision.objects.get(reference="AZ-IMP-1")
    version = first.current_version()
    assert (version.dated_on, version.received_on) == (datetime.date(2024, 1, 15), datetime.date(2024, 1, 20))
    assert version.granted_amount == Decimal("80000.00") and version.stated_amount == Decimal("80000.00")
    assert list(first.building_blocks.all()) == [block] and first.programme == programme
    assert GrantDecision.objects.get(reference="AZ-IMP-2").current_version().rate == Decimal("50.50")
    assert first.history.first().history_change_reason.startswith("Import liste.xlsx")

    # the same file again changes nothing; a changed figure is a change of the current letter
    response = upload(client, xlsx(("Bescheide", rows)), ImportKind.DECISIONS)
    again = ImportRun.objects.get(pk=response.url.strip("/").split("/")[-1])
    assert "Vorschau: 0 neu, 0 geändert, 2 unverändert, 0 mit Fehlern." in preview_text(client, again)
    client.post(f"/imports/{again.pk}/confirm/")
    assert DecisionVersion.objects.filter(decision=first).count() == 1

    # a call-off on an imported decision: the import can no longer be undone; without it, it can
    call_off = CallOff(decision=first, called_on=datetime.date(2024, 3, 1), amount=Decimal("100"))
    save_call_off(call_off=call_off, user=User.objects.get(username="admin"))
    client.post(f"/imports/{run.pk}/undo/")
    run.refresh_from_db()
    assert run.status == ImportStatus.COMMITTED
    call_off.delete()
    client.post(f"/imports/{run.pk}/undo/")
    run.refresh_from_db()
    assert run.status == ImportStatus.UNDONE
    assert not GrantDecision.objects.filter(reference__startswith="AZ-IMP").exists()

    # imported again, then a changed figure (a CSV this time) corrects the current letter, undone
    response = upload(client, xlsx(("Bescheide", rows)), ImportKind.DECISIONS)
    client.post(f"/imports/{response.url.strip('/').split('/')[-1]}/confirm/")
    first = GrantDecision.objects.get(reference="AZ-IMP-1")
    rows[2][9] = "120.000,00"
    response = upload(client, csv_bytes(rows), ImportKind.DECISIONS, name="liste.csv")
    changed = ImportRun.objects.get(pk=response.url.strip("/").split("/")[-1])
    text = preview_text(client, changed)
    assert "Vorschau: 0 neu, 1 geändert, 1 unverändert, 0 mit Fehlern." in text
    assert "zuwendungsfähige Ausgaben: 100.000,00\xa0€ → 120.000,00\xa0€" in text
    client.post(f"/imports/{changed.pk}/confirm/")
    assert first.current_version().eligible_expenditure == Decimal("120000.00")
    assert first.current_version().history.first().history_change_reason.startswith("Import liste.csv")
    assert DecisionVersion.objects.filter(decision=first).count() == 1
    client.post(f"/imports/{changed.pk}/undo/")
    changed.refresh_from_db()
    assert changed.status == ImportStatus.UNDONE
    assert first.current_version().eligible_expenditure == Decimal("100000.00")


CALL_OFF_HEADER = ["Aktenzeichen", "abgerufen am", "Betrag", "eingegangen am", "Kassenzeichen"]


def test_call_offs_preview_commit_reimport_undo_and_four_eyes(client):
    login_as(client, "admin")
    programme, funder, block = programme_and_funder()
    upload(client, xlsx(("B", decision_rows(programme, funder, block))), ImportKind.DECISIONS)
    client.post(f"/imports/{ImportRun.objects.get().pk}/confirm/")
    decision = GrantDecision.objects.get(reference="AZ-IMP-1")
    rows = [
        ["Mittelabrufe 2024"],
        CALL_OFF_HEADER,
        ["AZ-IMP-1", "1.3.24", "20.000,00", "15.03.2024", "K-1"],
        ["az-imp-1", datetime.date(2024, 6, 1), 30000, "", ""],
    ]
    bad = [*rows, ["AZ-IMP-9", "1.7.24", "1.000,00", "", ""], ["AZ-IMP-1", "1.8.24", "40.000,00", "", ""]]
    response = upload(client, xlsx(("Abrufe", bad)), ImportKind.CALL_OFFS)
    run = ImportRun.objects.get(pk=response.url.strip("/").split("/")[-1])
    text = preview_text(client, run)
    assert "Vorschau: 2 neu, 0 geändert, 0 unverändert, 2 mit Fehlern." in text
    assert "meinten Sie „AZ-IMP-1“?" in text or "meinten Sie „AZ-IMP-2“?" in text
    assert "bewilligt sind aber nur 80.000,00\xa0€" in text  # 20.000 + 30.000 + 40.000 > 80.000
    assert "zweiten Person freigegeben" in text  # four eyes said on the preview
    assert "Bescheid + abgerufen am + Betrag" in text

    response = upload(client, xlsx(("Abrufe", rows)), ImportKind.CALL_OFFS)
    run = ImportRun.objects.get(pk=response.url.strip("/").split("/")[-1])
    text = preview_text(client, run)
    assert "Vorschau: 2 neu, 0 geändert, 0 unverändert, 0 mit Fehlern." in text
    assert "der abgerufene Betrag gilt als eingegangen" in text
    client.post(f"/imports/{run.pk}/confirm/")
    run.refresh_from_db()
    assert run.status == ImportStatus.COMMITTED
    imported = list(CallOff.objects.filter(decision=decision).order_by("called_on"))
    assert [c.amount for c in imported] == [Decimal("20000.00"), Decimal("30000.00")]
    assert imported[0].received_amount == Decimal("20000.00") and imported[0].reference == "K-1"
    admin = User.objects.get(username="admin")
    assert all(c.recorded_by == admin and not c.is_approved for c in imported)

    response = upload(client, xlsx(("Abrufe", rows)), ImportKind.CALL_OFFS)
    again = ImportRun.objects.get(pk=response.url.strip("/").split("/")[-1])
    assert "Vorschau: 0 neu, 0 geändert, 2 unverändert, 0 mit Fehlern." in preview_text(client, again)

    # a changed cash reference is a change of the call-off (recorded by the importer), undone
    rows[2][4] = "K-2"
    response = upload(client, csv_bytes(rows, encoding="cp1252"), ImportKind.CALL_OFFS, "abrufe.csv")
    changed = ImportRun.objects.get(pk=response.url.strip("/").split("/")[-1])
    text = preview_text(client, changed)
    assert "Vorschau: 0 neu, 1 geändert, 1 unverändert, 0 mit Fehlern." in text
    assert "K-1 → K-2" in text
    client.post(f"/imports/{changed.pk}/confirm/")
    imported[0].refresh_from_db()
    assert imported[0].reference == "K-2"
    assert imported[0].history.first().history_change_reason.startswith("Import abrufe.csv")
    client.post(f"/imports/{changed.pk}/undo/")
    imported[0].refresh_from_db()
    assert imported[0].reference == "K-1" and imported[0].recorded_by == admin

    # approved by a second person: the import now has something depending on it
    approve(imported[0], user=User.objects.get(username="leitung"))
    client.post(f"/imports/{run.pk}/undo/")
    run.refresh_from_db()
    assert run.status == ImportStatus.COMMITTED
    assert CallOff.objects.filter(decision=decision).count() == 2


def test_caseworker_imports_positions_only(client):
    login_as(client, "sb-ki")
    programme, funder, block = programme_and_funder()
    page = client.get("/imports/").content.decode()
    assert "Zuwendungsbescheide" not in page
    response = upload(client, xlsx(("B", decision_rows(programme, funder, block))), ImportKind.DECISIONS)
    assert response.status_code == 200
    assert not ImportRun.objects.exists()
    # a run of another kind (here: the administrator's, made visible by making it the caseworker's) is refused
    admin_client = client.__class__()
    login_as(admin_client, "admin")
    upload(admin_client, xlsx(("B", decision_rows(programme, funder, block))), ImportKind.DECISIONS)
    run = ImportRun.objects.get()
    run.user = User.objects.get(username="sb-ki")
    run.save()
    assert client.get(f"/imports/{run.pk}/").status_code == 403
    assert client.post(f"/imports/{run.pk}/confirm/").status_code == 403
    assert not GrantDecision.objects.filter(reference__startswith="AZ-IMP").exists()
