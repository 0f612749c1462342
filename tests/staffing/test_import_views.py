"""The import pages: upload, preview, mapping, confirm, undo, and who may use them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from staffing.models import ImportLayout, ImportRun, ImportStatus, Position
from tests.conftest import login_as
from tests.staffing.test_import import HEADER, xlsx

pytestmark = pytest.mark.django_db


def upload(client, content, name="stellen.xlsx"):
    return client.post("/imports/", {"file": SimpleUploadedFile(name, content)})


def test_upload_preview_confirm_undo(client):
    login_as(client, "admin")
    content = xlsx(
        ("Deckblatt", [["Stellenübersicht"]]),
        (
            "Stellen",
            [["Stellen 2021"], HEADER, ["KI", "KIM", 2, "Importseite A", "1,0", "1.1.21", "", "E 11", "Erika", "1"]],
        ),
    )
    response = upload(client, content)
    assert response.status_code == 302
    run = ImportRun.objects.get()
    page = client.get(response.url)
    text = page.content.decode()
    assert page.status_code == 200
    assert "Vorschau: 1 neu, 0 geändert, 0 unverändert, 0 mit Fehlern." in text
    assert "Import übernehmen" in text
    response = client.post(f"/imports/{run.pk}/confirm/")
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportStatus.COMMITTED
    assert Position.objects.filter(title="Importseite A").exists()
    assert "Importseite A" in client.get("/positions/", {"q": "Importseite"}).content.decode()
    client.post(f"/imports/{run.pk}/undo/")
    run.refresh_from_db()
    assert run.status == ImportStatus.UNDONE
    assert not Position.objects.filter(title="Importseite A").exists()


def test_preview_with_errors_cannot_be_confirmed(client):
    login_as(client, "admin")
    upload(client, xlsx(("S", [HEADER[:5], ["DKR", "KIM", 2, "X", "1"]])))
    run = ImportRun.objects.get()
    text = client.get(f"/imports/{run.pk}/").content.decode()
    assert "meinten Sie „DRK“?" in text
    assert 'href="#z2-s0"' in text
    assert "Import übernehmen" not in text
    before = Position.objects.count()
    client.post(f"/imports/{run.pk}/confirm/")
    run.refresh_from_db()
    assert run.status == ImportStatus.PREVIEW and Position.objects.count() == before


def test_mapping_is_saved_for_the_layout(client):
    login_as(client, "admin")
    upload(
        client,
        xlsx(("S", [["Organisation", "Baustein", "Titel der Stelle", "VZÄ"], ["KI", "KIM 2", "Per Zuordnung", "1"]])),
    )
    run = ImportRun.objects.get()
    assert "dem Feld „Bezeichnung“ zugeordnet" in client.get(f"/imports/{run.pk}/").content.decode()
    response = client.post(
        f"/imports/{run.pk}/",
        {
            "sheet": "S",
            "column_0": "organisation",
            "column_1": "building_block",
            "column_2": "title",
            "column_3": "fte",
        },
    )
    assert response.status_code == 302
    assert ImportLayout.objects.count() == 1
    assert "Vorschau: 1 neu" in client.get(f"/imports/{run.pk}/").content.decode()


def test_bad_mapping_choice_is_a_form_error(client):
    login_as(client, "admin")
    upload(client, xlsx(("S", [HEADER[:5], ["KI", "KIM", 2, "X", "1"]])))
    run = ImportRun.objects.get()
    response = client.post(f"/imports/{run.pk}/", {"sheet": "S", "column_0": "password"})
    assert response.status_code == 200
    assert "Auswahl" in response.content.decode()


def test_a_caseworker_sees_only_their_own_imports_and_the_head_none(client):
    login_as(client, "sb-ki")
    upload(client, xlsx(("S", [HEADER[:5], ["KI", "KIM", 2, "X", "1"]])))
    run = ImportRun.objects.get()
    assert client.get(f"/imports/{run.pk}/").status_code == 200
    client.cookies.clear()
    login_as(client, "sb-drk")
    assert client.get(f"/imports/{run.pk}/").status_code == 404
    assert client.post(f"/imports/{run.pk}/confirm/").status_code == 404
    client.cookies.clear()
    login_as(client, "leitung")
    assert client.get("/imports/").status_code == 403


def test_upload_of_a_file_that_is_no_table_is_a_form_error(client):
    login_as(client, "admin")
    response = upload(client, b"%PDF-1.7\x00\x01binary", name="bescheid.pdf")
    assert response.status_code == 200
    assert "keine Tabelle" in response.content.decode()
    assert not ImportRun.objects.exists()
