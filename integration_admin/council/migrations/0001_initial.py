"""The council app takes up the models and tables that ``integration_admin.0005`` handed over.

The tables exist already (renamed there), so the models are created in the migration state only.
Their content types move along, so permissions and admin log entries keep pointing at them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("agendaitem", "committee", "consultation", "meeting", "papercounter", "report", "reportfile", "reportjob",
          "reportsection")  # fmt: skip


def move_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label="council", model=model).exists():
            content_type.objects.filter(app_label="integration_admin", model=model).update(app_label="council")


def restore_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label="integration_admin", model=model).exists():
            content_type.objects.filter(app_label="council", model=model).update(app_label="integration_admin")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("integration_admin", "0005_move_council_models_to_council_app"),
        ("programs", "0002_initial"),
        ("staffing", "0002_illustrative_pay_data_and_position_costs"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Committee",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200, unique=True, verbose_name="Name")),
                        ("short_name", models.CharField(blank=True, max_length=60, verbose_name="Kurzbezeichnung")),
                        (
                            "classification",
                            models.CharField(
                                default="Ausschuss",
                                help_text="Z. B. Ausschuss, Kreistag, Beirat.",
                                max_length=60,
                                verbose_name="Art",
                            ),
                        ),
                        ("sort_order", models.PositiveSmallIntegerField(default=0, verbose_name="Reihenfolge")),
                        ("created", models.DateTimeField(auto_now_add=True, verbose_name="angelegt")),
                        ("modified", models.DateTimeField(auto_now=True, verbose_name="geändert")),
                    ],
                    options={
                        "verbose_name": "Gremium",
                        "verbose_name_plural": "Gremien",
                        "ordering": ["sort_order", "name"],
                    },
                ),
                migrations.CreateModel(
                    name="PaperCounter",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("year", models.PositiveSmallIntegerField(unique=True, verbose_name="Jahr")),
                        (
                            "last_number",
                            models.PositiveIntegerField(default=0, verbose_name="zuletzt vergebene Nummer"),
                        ),
                    ],
                    options={
                        "verbose_name": "Vorlagen-Nummernkreis",
                        "verbose_name_plural": "Vorlagen-Nummernkreise",
                    },
                ),
                migrations.CreateModel(
                    name="Meeting",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("start", models.DateTimeField(verbose_name="Beginn")),
                        ("end", models.DateTimeField(blank=True, null=True, verbose_name="Ende")),
                        ("location", models.CharField(blank=True, max_length=300, verbose_name="Ort")),
                        (
                            "state",
                            models.CharField(
                                choices=[("planned", "geplant"), ("invited", "eingeladen"), ("held", "durchgeführt")],
                                default="planned",
                                max_length=20,
                                verbose_name="Stand",
                            ),
                        ),
                        ("cancelled", models.BooleanField(default=False, verbose_name="abgesagt")),
                        (
                            "is_illustrative",
                            models.BooleanField(
                                default=False,
                                help_text="Beispielwerte (z. B. Uhrzeit oder Ort), die nicht aus einem echten Dokument stammen.",
                                verbose_name="illustrative Angaben",
                            ),
                        ),
                        ("created", models.DateTimeField(auto_now_add=True, verbose_name="angelegt")),
                        ("modified", models.DateTimeField(auto_now=True, verbose_name="geändert")),
                        (
                            "committee",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="meetings",
                                to="council.committee",
                                verbose_name="Gremium",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "Sitzung",
                        "verbose_name_plural": "Sitzungen",
                        "ordering": ["-start", "committee__name"],
                    },
                ),
                migrations.CreateModel(
                    name="AgendaItem",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "number",
                            models.CharField(
                                help_text="Wie auf der Tagesordnung, z. B. 6 oder 6.1.",
                                max_length=20,
                                verbose_name="TOP",
                            ),
                        ),
                        ("order", models.PositiveSmallIntegerField(default=0, verbose_name="Reihenfolge")),
                        ("title", models.CharField(max_length=500, verbose_name="Betreff")),
                        ("public", models.BooleanField(default=True, verbose_name="öffentlich")),
                        (
                            "result",
                            models.CharField(
                                blank=True,
                                help_text="Z. B. „zur Kenntnis genommen“, „ungeändert beschlossen“.",
                                max_length=200,
                                verbose_name="Ergebnis",
                            ),
                        ),
                        (
                            "votes_yes",
                            models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="Ja-Stimmen"),
                        ),
                        (
                            "votes_no",
                            models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="Nein-Stimmen"),
                        ),
                        (
                            "votes_abstain",
                            models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="Enthaltungen"),
                        ),
                        (
                            "minutes",
                            models.TextField(
                                blank=True,
                                help_text="Text der Niederschrift zu diesem Punkt.",
                                verbose_name="Niederschrift",
                            ),
                        ),
                        (
                            "is_illustrative",
                            models.BooleanField(
                                default=False,
                                help_text="Beispielwerte (z. B. die TOP-Nummer), die nicht aus einem echten Dokument stammen.",
                                verbose_name="illustrative Angaben",
                            ),
                        ),
                        ("created", models.DateTimeField(auto_now_add=True, verbose_name="angelegt")),
                        ("modified", models.DateTimeField(auto_now=True, verbose_name="geändert")),
                        (
                            "meeting",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="agenda_items",
                                to="council.meeting",
                                verbose_name="Sitzung",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "Tagesordnungspunkt",
                        "verbose_name_plural": "Tagesordnungspunkte",
                        "ordering": ["meeting", "order", "number"],
                    },
                ),
                migrations.CreateModel(
                    name="Report",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("title", models.CharField(max_length=500, verbose_name="Betreff")),
                        (
                            "paper_type",
                            models.CharField(
                                choices=[
                                    ("notice", "Mitteilungsvorlage"),
                                    ("administration_report", "Bericht der Verwaltung"),
                                    ("resolution", "Beschlussvorlage"),
                                ],
                                default="notice",
                                max_length=30,
                                verbose_name="Vorlagenart",
                            ),
                        ),
                        ("date", models.DateField(verbose_name="Datum")),
                        ("public", models.BooleanField(default=True, verbose_name="öffentlich")),
                        ("author", models.CharField(blank=True, max_length=200, verbose_name="Verfasser/in")),
                        ("phone", models.CharField(blank=True, max_length=50, verbose_name="Telefon")),
                        ("file_reference", models.CharField(blank=True, max_length=100, verbose_name="Aktenzeichen")),
                        (
                            "reference_note",
                            models.CharField(
                                blank=True,
                                help_text="Ergänzend oder statt des Tagesordnungspunkts, z. B. ein Schreiben des Ministeriums.",
                                max_length=500,
                                verbose_name="Bezug (Freitext)",
                            ),
                        ),
                        (
                            "proposal",
                            models.TextField(
                                blank=True,
                                help_text="Leer lassen bei einem Bericht: dann steht dort „Der Bericht wird zur Kenntnis genommen.“",
                                verbose_name="Beschlussvorschlag",
                            ),
                        ),
                        ("finance_text", models.TextField(blank=True, verbose_name="Finanzielle Auswirkungen (Text)")),
                        (
                            "attachments",
                            models.TextField(blank=True, help_text="Eine Anlage je Zeile.", verbose_name="Anlagen"),
                        ),
                        (
                            "signature_prefix",
                            models.CharField(
                                blank=True,
                                default="In Vertretung",
                                help_text="Z. B. „In Vertretung“.",
                                max_length=60,
                                verbose_name="Zeichnungszusatz",
                            ),
                        ),
                        (
                            "signatory_name",
                            models.CharField(blank=True, max_length=200, verbose_name="Unterzeichnet von"),
                        ),
                        ("signatory_title", models.CharField(blank=True, max_length=200, verbose_name="Funktion")),
                        (
                            "is_illustrative",
                            models.BooleanField(
                                default=False,
                                help_text="Beispielwerte (z. B. das Datum), die nicht aus einem echten Dokument stammen.",
                                verbose_name="illustrative Angaben",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[("draft", "Entwurf"), ("released", "freigegeben")],
                                default="draft",
                                editable=False,
                                max_length=20,
                                verbose_name="Status",
                            ),
                        ),
                        (
                            "reference",
                            models.CharField(
                                editable=False, max_length=30, null=True, unique=True, verbose_name="Vorlagen-Nr."
                            ),
                        ),
                        (
                            "reference_year",
                            models.PositiveSmallIntegerField(
                                editable=False, null=True, verbose_name="Jahr der Vorlagen-Nr."
                            ),
                        ),
                        (
                            "reference_number",
                            models.PositiveIntegerField(editable=False, null=True, verbose_name="laufende Nummer"),
                        ),
                        (
                            "supplement_number",
                            models.PositiveSmallIntegerField(
                                editable=False, null=True, verbose_name="Nummer der Ergänzung"
                            ),
                        ),
                        ("released_at", models.DateTimeField(editable=False, null=True, verbose_name="freigegeben am")),
                        ("snapshot", models.JSONField(editable=False, null=True, verbose_name="eingefrorene Angaben")),
                        (
                            "revision",
                            models.PositiveIntegerField(
                                default=1,
                                editable=False,
                                help_text="Schutz vor gleichzeitigem Überschreiben.",
                                verbose_name="Bearbeitungsstand",
                            ),
                        ),
                        ("created", models.DateTimeField(auto_now_add=True, verbose_name="angelegt")),
                        ("modified", models.DateTimeField(auto_now=True, verbose_name="geändert")),
                        (
                            "lead_office",
                            models.ForeignKey(
                                help_text="Das federführende Amt, z. B. das Kommunale Integrationszentrum.",
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="lead_reports",
                                to="staffing.organisation",
                                verbose_name="Federführung",
                            ),
                        ),
                        (
                            "related_agenda_item",
                            models.ForeignKey(
                                blank=True,
                                help_text="Der Tagesordnungspunkt, auf den sich die Vorlage bezieht, z. B. Kreisausschuss 04.02.2020, TOP 6.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="follow_up_reports",
                                to="council.agendaitem",
                                verbose_name="Bezug: früherer Beschluss",
                            ),
                        ),
                        (
                            "released_by",
                            models.ForeignKey(
                                editable=False,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="released_reports",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="freigegeben von",
                            ),
                        ),
                        (
                            "supplements",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="supplement_reports",
                                to="council.report",
                                verbose_name="Ergänzung zu",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "Vorlage",
                        "verbose_name_plural": "Vorlagen",
                        "ordering": ["-date", "-pk"],
                    },
                ),
                migrations.CreateModel(
                    name="Consultation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "role",
                            models.CharField(
                                choices=[
                                    ("notice", "Kenntnisnahme"),
                                    ("preliminary", "Vorberatung"),
                                    ("decision", "Entscheidung"),
                                ],
                                max_length=20,
                                verbose_name="Zuständigkeit",
                            ),
                        ),
                        ("order", models.PositiveSmallIntegerField(default=0, verbose_name="Reihenfolge")),
                        ("created", models.DateTimeField(auto_now_add=True, verbose_name="angelegt")),
                        ("modified", models.DateTimeField(auto_now=True, verbose_name="geändert")),
                        (
                            "agenda_item",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="consultations",
                                to="council.agendaitem",
                                verbose_name="Tagesordnungspunkt",
                            ),
                        ),
                        (
                            "committee",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="consultations",
                                to="council.committee",
                                verbose_name="Gremium",
                            ),
                        ),
                        (
                            "meeting",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="consultations",
                                to="council.meeting",
                                verbose_name="Sitzung",
                            ),
                        ),
                        (
                            "report",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="consultations",
                                to="council.report",
                                verbose_name="Vorlage",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "Beratung",
                        "verbose_name_plural": "Beratungsfolge",
                        "ordering": ["report", "order", "pk"],
                    },
                ),
                migrations.CreateModel(
                    name="ReportFile",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("file_name", models.CharField(max_length=200, verbose_name="Dateiname")),
                        (
                            "mime_type",
                            models.CharField(default="application/pdf", max_length=100, verbose_name="MIME-Typ"),
                        ),
                        ("size", models.PositiveIntegerField(verbose_name="Größe in Bytes")),
                        ("sha256", models.CharField(max_length=64, verbose_name="SHA-256")),
                        ("sha512", models.CharField(max_length=128, verbose_name="SHA-512")),
                        ("content", models.BinaryField(verbose_name="Inhalt")),
                        ("created", models.DateTimeField(auto_now_add=True, verbose_name="angelegt")),
                        (
                            "report",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="file",
                                to="council.report",
                                verbose_name="Vorlage",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "Datei",
                        "verbose_name_plural": "Dateien",
                    },
                ),
                migrations.CreateModel(
                    name="ReportJob",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("queued", "wartet"),
                                    ("running", "läuft"),
                                    ("done", "fertig"),
                                    ("failed", "fehlgeschlagen"),
                                ],
                                default="queued",
                                max_length=20,
                                verbose_name="Status",
                            ),
                        ),
                        ("progress_done", models.PositiveIntegerField(default=0, verbose_name="erledigt")),
                        ("progress_total", models.PositiveIntegerField(default=0, verbose_name="geschätzte Seiten")),
                        ("phase", models.CharField(blank=True, max_length=100, verbose_name="Schritt")),
                        ("error", models.TextField(blank=True, verbose_name="Fehlermeldung")),
                        ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="Versuche")),
                        (
                            "task_id",
                            models.CharField(blank=True, max_length=64, verbose_name="Auftrags-ID der Warteschlange"),
                        ),
                        (
                            "report_revision",
                            models.PositiveIntegerField(default=0, verbose_name="Bearbeitungsstand der Vorlage"),
                        ),
                        ("page_count", models.PositiveIntegerField(blank=True, null=True, verbose_name="Seiten")),
                        ("file_name", models.CharField(blank=True, max_length=200, verbose_name="Dateiname")),
                        ("size", models.PositiveIntegerField(blank=True, null=True, verbose_name="Größe in Bytes")),
                        ("sha256", models.CharField(blank=True, max_length=64, verbose_name="SHA-256")),
                        ("content", models.BinaryField(null=True, verbose_name="Inhalt")),
                        ("created", models.DateTimeField(auto_now_add=True, verbose_name="angelegt")),
                        ("modified", models.DateTimeField(auto_now=True, verbose_name="geändert")),
                        ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="begonnen")),
                        ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="beendet")),
                        (
                            "report",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="jobs",
                                to="council.report",
                                verbose_name="Vorlage",
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="report_jobs",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="angefordert von",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "PDF-Auftrag",
                        "verbose_name_plural": "PDF-Aufträge",
                        "ordering": ["-created", "-pk"],
                    },
                ),
                migrations.CreateModel(
                    name="ReportSection",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("order", models.PositiveSmallIntegerField(default=0, verbose_name="Reihenfolge")),
                        ("heading", models.CharField(max_length=300, verbose_name="Überschrift")),
                        (
                            "text",
                            models.TextField(
                                blank=True, help_text="Absätze durch eine Leerzeile trennen.", verbose_name="Text"
                            ),
                        ),
                        ("created", models.DateTimeField(auto_now_add=True, verbose_name="angelegt")),
                        ("modified", models.DateTimeField(auto_now=True, verbose_name="geändert")),
                        (
                            "programme",
                            models.ForeignKey(
                                blank=True,
                                help_text="Mit Programm zeigt der Abschnitt dessen Bausteine, Stellen und Bescheide aus den Daten.",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="report_sections",
                                to="programs.programme",
                                verbose_name="Förderprogramm",
                            ),
                        ),
                        (
                            "report",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="sections",
                                to="council.report",
                                verbose_name="Vorlage",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "Abschnitt",
                        "verbose_name_plural": "Abschnitte",
                        "ordering": ["report", "order", "pk"],
                    },
                ),
                migrations.AddConstraint(
                    model_name="meeting",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("end__isnull", True), ("end__gte", models.F("start")), _connector="OR"),
                        name="meeting_end_after_start",
                        violation_error_message="Das Ende der Sitzung liegt vor ihrem Beginn.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="agendaitem",
                    constraint=models.UniqueConstraint(
                        fields=("meeting", "number"),
                        name="agenda_item_number_unique",
                        violation_error_message="Diese TOP-Nummer gibt es in der Sitzung schon.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="report",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("reference__isnull", True),
                                ("reference_number__isnull", True),
                                ("released_at__isnull", True),
                                ("snapshot__isnull", True),
                                ("status", "draft"),
                            ),
                            models.Q(
                                ("reference__isnull", False),
                                ("reference_number__isnull", False),
                                ("reference_year__isnull", False),
                                ("released_at__isnull", False),
                                ("snapshot__isnull", False),
                                ("status", "released"),
                            ),
                            _connector="OR",
                        ),
                        name="report_released_is_complete",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="report",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("supplement_number__isnull", True)),
                        fields=("reference_year", "reference_number"),
                        name="report_number_unique_per_year",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="report",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("supplement_number__isnull", False)),
                        fields=("supplements", "supplement_number"),
                        name="report_supplement_number_unique",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="report",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            ("supplement_number__isnull", True), ("supplements__isnull", False), _connector="OR"
                        ),
                        name="report_supplement_number_needs_parent",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="consultation",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("agenda_item__isnull", False)),
                        fields=("report", "agenda_item"),
                        name="consultation_agenda_item_unique",
                        violation_error_message="Die Vorlage steht schon unter diesem Tagesordnungspunkt.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="consultation",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("agenda_item__isnull", True), ("meeting__isnull", False), _connector="OR"),
                        name="consultation_agenda_item_needs_meeting",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="reportjob",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "done"), _negated=True),
                            models.Q(("content__isnull", False), ("size__isnull", False)),
                            _connector="OR",
                        ),
                        name="report_job_done_has_file",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="reportsection",
                    constraint=models.UniqueConstraint(
                        condition=models.Q(("programme__isnull", False)),
                        fields=("report", "programme"),
                        name="report_section_programme_unique",
                        violation_error_message="Dieses Programm hat in der Vorlage schon einen Abschnitt.",
                    ),
                ),
            ],
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
