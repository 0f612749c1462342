"""Committees, meetings, agenda items and reports move to their own app, ``council``.

The tables are renamed to the council app's names here; the models then leave this app's state
without touching the database, and ``council.0001_initial`` takes them up (without touching it
either). Data and primary keys stay as they are.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("integration_admin", "0004_report_job"),
    ]

    operations = [
        migrations.AlterModelTable(name="agendaitem", table="council_agendaitem"),
        migrations.AlterModelTable(name="committee", table="council_committee"),
        migrations.AlterModelTable(name="consultation", table="council_consultation"),
        migrations.AlterModelTable(name="meeting", table="council_meeting"),
        migrations.AlterModelTable(name="papercounter", table="council_papercounter"),
        migrations.AlterModelTable(name="report", table="council_report"),
        migrations.AlterModelTable(name="reportfile", table="council_reportfile"),
        migrations.AlterModelTable(name="reportjob", table="council_reportjob"),
        migrations.AlterModelTable(name="reportsection", table="council_reportsection"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="agendaitem",
                    name="meeting",
                ),
                migrations.RemoveField(
                    model_name="report",
                    name="related_agenda_item",
                ),
                migrations.RemoveField(
                    model_name="consultation",
                    name="agenda_item",
                ),
                migrations.RemoveField(
                    model_name="meeting",
                    name="committee",
                ),
                migrations.RemoveField(
                    model_name="consultation",
                    name="committee",
                ),
                migrations.RemoveField(
                    model_name="consultation",
                    name="meeting",
                ),
                migrations.RemoveField(
                    model_name="consultation",
                    name="report",
                ),
                migrations.DeleteModel(
                    name="PaperCounter",
                ),
                migrations.RemoveField(
                    model_name="report",
                    name="lead_office",
                ),
                migrations.RemoveField(
                    model_name="report",
                    name="released_by",
                ),
                migrations.RemoveField(
                    model_name="report",
                    name="supplements",
                ),
                migrations.RemoveField(
                    model_name="reportfile",
                    name="report",
                ),
                migrations.RemoveField(
                    model_name="reportsection",
                    name="report",
                ),
                migrations.RemoveField(
                    model_name="reportjob",
                    name="report",
                ),
                migrations.RemoveField(
                    model_name="reportjob",
                    name="requested_by",
                ),
                migrations.RemoveField(
                    model_name="reportsection",
                    name="programme",
                ),
                migrations.DeleteModel(
                    name="AgendaItem",
                ),
                migrations.DeleteModel(
                    name="Committee",
                ),
                migrations.DeleteModel(
                    name="Meeting",
                ),
                migrations.DeleteModel(
                    name="Consultation",
                ),
                migrations.DeleteModel(
                    name="ReportFile",
                ),
                migrations.DeleteModel(
                    name="Report",
                ),
                migrations.DeleteModel(
                    name="ReportJob",
                ),
                migrations.DeleteModel(
                    name="ReportSection",
                ),
            ],
        ),
    ]
