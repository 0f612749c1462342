"""Documents kept with records (issue 23): scanned letters, contracts, reports, receipt lists.

Uploaded to a decision (or a letter, proof or pass-through on its page) by the administrator and
to a council paper by the head; the type is found in the content; the size limit holds while the
file arrives; downloads are attachments, only for those who may read the record, and logged;
deleting the record deletes its documents; uploads and deletions are in the decision's history.
"""

import hashlib
import io
import logging
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfWriter

from funding.history import decision_history
from funding.models import GrantDecision, PassThrough, ProofOfUse
from integration_admin.core.documents import store_document
from integration_admin.core.models import Document, DocumentContent, DocumentKind
from integration_admin.council.models import Report
from integration_admin.models import User
from staffing.models import Organisation
from tests import factories
from tests.conftest import login_as

AUDIT = "integration_admin.audit"


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def image_bytes(kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(out, kind)
    return out.getvalue()


def upload(client, url, content: bytes, name: str, **fields):
    data = {  # in the order of the form: the file last, so the other fields arrive before it
        "document-submission_token": str(uuid.uuid4()),
        "document-title": fields.pop("title", ""),
        "document-kind": fields.pop("kind", DocumentKind.DECISION),
        **{f"document-{key}": value for key, value in fields.items()},
        "document-file": SimpleUploadedFile(name, content, content_type="application/pdf"),
    }
    return client.post(url, data)


@pytest.fixture
def decision(demo):
    return GrantDecision.objects.order_by("pk").first()


@pytest.fixture
def decision_url(decision):
    return reverse("funding:decision-document-upload", args=[decision.pk])


def test_administrator_uploads_a_pdf_and_a_png(client, decision, decision_url):
    login_as(client, "admin")
    before = Document.objects.count()
    content = pdf_bytes()
    response = upload(client, decision_url, content, "Bescheid 2020.pdf", title="Bescheid (Scan)")
    assert response.status_code == 302
    assert response.url.endswith("#dokumente")
    document = Document.objects.latest("pk")
    assert (document.parent, document.title, document.media_type) == (decision, "Bescheid (Scan)", "application/pdf")
    assert document.size == len(content) and document.sha256 == hashlib.sha256(content).hexdigest()
    assert document.uploaded_by.username == "admin" and document.file_name == "Bescheid 2020.pdf"
    assert bytes(DocumentContent.objects.get(document=document).data) == content

    proof = ProofOfUse.objects.filter(decision=decision).first()
    parent = f"funding.proofofuse:{proof.pk}"
    response = upload(client, decision_url, image_bytes("PNG"), "belege.png", kind=DocumentKind.RECEIPTS, parent=parent)
    assert response.status_code == 302
    png = Document.objects.latest("pk")
    assert (png.parent, png.media_type, png.title) == (proof, "image/png", "belege")
    assert Document.objects.count() == before + 2

    page = client.get(decision.get_absolute_url()).content.decode()
    assert "Bescheid (Scan)" in page and reverse("document-download", args=[png.pk]) in page
    assert str(proof) in page  # the proof named as the record the receipt list belongs to


@pytest.mark.parametrize("kind", ["JPEG", "TIFF"])
def test_jpeg_and_tiff_are_images_too(client, decision_url, kind):
    login_as(client, "admin")
    assert upload(client, decision_url, image_bytes(kind), "scan").status_code == 302
    assert Document.objects.latest("pk").media_type == f"image/{kind.lower()}"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Ich bin ein Text, kein PDF.\n", "Die Datei ist kein PDF und kein Bild (PNG, JPEG, TIFF)"),
        (b"<html><script>alert(1)</script></html>", "Die Datei ist kein PDF und kein Bild (PNG, JPEG, TIFF)"),
        (pdf_bytes()[:200], "Die PDF-Datei ist unvollständig oder beschädigt."),
        (image_bytes("PNG")[:30], "Das Bild lässt sich nicht öffnen"),
        (b"", "Die Datei ist leer."),
    ],
)
def test_a_file_that_is_no_pdf_or_image_is_refused_whatever_its_name(client, decision_url, content, message):
    login_as(client, "admin")
    before = (Document.objects.count(), DocumentContent.objects.count())
    response = upload(client, decision_url, content, "bescheid.pdf")
    assert response.status_code == 200
    assert message in response.content.decode()
    assert (Document.objects.count(), DocumentContent.objects.count()) == before


def test_an_oversized_file_is_refused_while_it_arrives(client, decision_url, settings):
    settings.DOCUMENT_MAX_BYTES = 50_000
    login_as(client, "admin")
    before = Document.objects.count()
    big = pdf_bytes() + b"%" * 60_000 + b"\n%%EOF\n"
    response = upload(client, decision_url, big, "gross.pdf")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Die Datei ist zu groß: erlaubt sind höchstens 48,8\xa0KB." in page
    assert "Dieses Feld ist zwingend erforderlich" not in page  # the fields before the file arrived
    assert Document.objects.count() == before


def test_documents_have_their_own_limit_and_the_import_keeps_its_own(client, decision_url, settings):
    """A document above the import's limit but within its own is taken; the import still refuses it."""
    settings.UPLOAD_MAX_BYTES = 20_000
    settings.DOCUMENT_MAX_BYTES = 200_000
    content = pdf_bytes() + b"%" * 50_000 + b"\n%%EOF\n"
    login_as(client, "admin")
    assert upload(client, decision_url, content, "scan.pdf").status_code == 302
    response = client.post(
        reverse("staffing:import-list"), {"file": SimpleUploadedFile("stellen.csv", b"a;b\n" * 10_000)}
    )
    assert response.status_code == 200
    assert "zu groß" in response.content.decode()


def test_caseworker_and_head_may_not_upload_to_a_decision(client, decision_url):
    before = Document.objects.count()
    for username in ("sb-ki", "leitung"):
        login_as(client, username)
        assert upload(client, decision_url, pdf_bytes(), "bescheid.pdf").status_code == 403
        assert client.get(decision_url).status_code == 403
    assert Document.objects.count() == before


@pytest.fixture
def decision_document(decision):
    return store_document(
        parent=decision,
        content=pdf_bytes(),
        file_name="Bescheid.pdf",
        title="Bescheid (Scan)",
        kind=DocumentKind.DECISION,
        user=User.objects.get(username="admin"),
    )


def test_every_reader_downloads_an_attachment_and_it_is_logged(client, decision_document, caplog):
    caplog.set_level(logging.INFO, logger=AUDIT)
    login_as(client, "sb-drk")
    response = client.get(reverse("document-download", args=[decision_document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Bescheid.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response.content == bytes(decision_document.content.data)
    lines = [r.getMessage() for r in caplog.records if r.name == AUDIT]
    assert f"document-download user=sb-drk object=core.document:{decision_document.pk} address=127.0.0.1" in lines


def test_download_name_gets_the_extension_of_the_real_type(decision):
    document = store_document(
        parent=decision, content=image_bytes(), file_name="scan.pdf", title="Scan", kind="sonstiges", user=None
    )
    assert document.media_type == "image/png" and document.download_name == "scan.pdf.png"


@pytest.fixture
def secret_report_document(demo):
    paper = factories.report(lead_office=Organisation.objects.get(short_name="KI"), public=False, title="Geheim")
    return store_document(
        parent=paper, content=pdf_bytes(), file_name="anlage.pdf", title="Anlage", kind="sonstiges", user=None
    )


def test_a_document_of_a_paper_the_user_may_not_read_is_a_404(client, secret_report_document):
    url = reverse("document-download", args=[secret_report_document.pk])
    delete_url = reverse("document-delete", args=[secret_report_document.pk])
    login_as(client, "sb-ki")
    assert client.get(url).status_code == 404
    assert client.get(delete_url).status_code == 404
    assert client.post(delete_url).status_code == 404
    login_as(client, "leitung")
    assert client.get(url).status_code == 200


def test_head_uploads_and_deletes_a_papers_document(client, demo):
    paper = factories.report(lead_office=Organisation.objects.get(short_name="KI"), title="Mit Anlage")
    login_as(client, "leitung")
    url = reverse("council:report-document-upload", args=[paper.pk])
    assert upload(client, url, pdf_bytes(), "anlage.pdf", title="Anlage 1", kind="sonstiges").status_code == 302
    document = paper.documents.get()
    assert "Anlage 1" in client.get(paper.get_absolute_url()).content.decode()
    login_as(client, "sb-ki")  # reads the public paper and its documents, changes nothing
    assert client.get(reverse("document-download", args=[document.pk])).status_code == 200
    assert client.post(reverse("document-delete", args=[document.pk])).status_code == 403
    assert upload(client, url, pdf_bytes(), "anlage.pdf").status_code == 403
    login_as(client, "leitung")
    response = client.post(reverse("document-delete", args=[document.pk]))
    assert response.status_code == 302 and response.url == paper.get_absolute_url() + "#dokumente"
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not DocumentContent.objects.filter(document_id=document.pk).exists()


def test_caseworker_may_not_delete_a_decision_document(client, decision_document):
    login_as(client, "sb-ki")
    assert client.post(reverse("document-delete", args=[decision_document.pk])).status_code == 403
    assert Document.objects.filter(pk=decision_document.pk).exists()


def test_deleting_the_record_deletes_its_documents(decision, demo):
    decision = factories.decision(title="Wird gelöscht")
    version = factories.version(decision)
    proof = factories.proof(decision, due_on=version.period_end)
    pass_through = PassThrough.objects.create(
        decision=decision, recipient=Organisation.objects.get(short_name="DRK"), amount="100.00"
    )
    paper = factories.report(lead_office=Organisation.objects.get(short_name="KI"))
    ids = [
        store_document(parent=parent, content=pdf_bytes(), file_name="a.pdf", title="A", kind="sonstiges", user=None).pk
        for parent in (decision, version, proof, pass_through, paper)
    ]
    decision.delete()
    assert list(Document.objects.filter(pk__in=ids).values_list("pk", flat=True)) == [ids[-1]]
    Report.objects.filter(pk=paper.pk).delete()
    assert not Document.objects.filter(pk__in=ids).exists()
    assert not DocumentContent.objects.filter(document_id__in=ids).exists()
    # what stays is the history: who uploaded and deleted what, never the bytes
    assert Document.history.filter(id__in=ids, history_type="-").count() == len(ids)


def test_uploads_and_deletions_are_in_the_decisions_history(client, decision, decision_url):
    login_as(client, "admin")
    proof = ProofOfUse.objects.filter(decision=decision).first()
    upload(client, decision_url, pdf_bytes(), "sachbericht.pdf", title="Sachbericht 2021", kind="sachbericht",
           parent=f"funding.proofofuse:{proof.pk}")  # fmt: skip
    document = Document.objects.latest("pk")
    client.post(reverse("document-delete", args=[document.pk]))
    _decision, entries = decision_history(decision.pk)
    about = [entry for entry in entries if "Sachbericht 2021" in str(entry.subject)]
    assert [entry.action for entry in about] == ["gelöscht", "angelegt"], about
    assert {entry.user for entry in about} == {"Demo Administration"}
    created = {change.field: change.new for change in about[1].changes}
    assert created["Art"] == "Sachbericht" and created["Dateiname"] == "sachbericht.pdf"


def test_a_form_sent_twice_stores_the_document_once(client, decision_url):
    login_as(client, "admin")
    before = Document.objects.count()
    token = str(uuid.uuid4())
    for _ in range(2):
        client.post(
            decision_url,
            {
                "document-kind": "bescheid",
                "document-submission_token": token,
                "document-file": SimpleUploadedFile("a.pdf", pdf_bytes()),
            },
        )
    assert Document.objects.count() == before + 1


def test_a_proofs_page_lists_its_documents_and_takes_uploads(client, decision):
    proof = ProofOfUse.objects.filter(decision=decision).first()
    url = reverse("funding:proof-document-upload", args=[proof.pk])
    login_as(client, "admin")
    response = upload(client, url, pdf_bytes(), "sachbericht.pdf", title="Sachbericht 2020", kind="sachbericht")
    assert response.status_code == 302 and response.url == proof.get_absolute_url() + "#dokumente"
    assert Document.objects.latest("pk").parent == proof
    login_as(client, "sb-drk")
    page = client.get(proof.get_absolute_url()).content.decode()
    assert "Sachbericht 2020" in page and "Dokument hochladen" not in page
    assert upload(client, url, pdf_bytes(), "x.pdf").status_code == 403
