"""An installation from before bodies existed: all its records become the records of one body,
named from the old settings SITE_BODY_NAME and SITE_BODY_HEAD (the Kreis it was set up for).
A new, empty installation gets no body here: `manage.py create_body` makes the first."""

from django.conf import settings
from django.db import migrations

# (app label, model) of every table whose rows name their body, history tables included
OWNED = [
    ("staffing", "Organisation"),
    ("staffing", "ImportLayout"),
    ("staffing", "ImportRun"),
    ("funding", "Application"),
    ("funding", "HistoricalApplication"),
    ("funding", "GrantDecision"),
    ("funding", "HistoricalGrantDecision"),
    ("council", "Committee"),
    ("council", "Report"),
    ("council", "PaperCounter"),
    ("council", "ReportJob"),
    ("core", "Document"),
    ("core", "HistoricalDocument"),
    ("integration_admin", "User"),
]


def existing_data_into_a_body(apps, schema_editor):
    models = [apps.get_model(app_label, name) for app_label, name in OWNED]
    if not any(model._base_manager.exists() for model in models):
        return
    name = getattr(settings, "SITE_BODY_NAME", "") or "Kreis"
    body, _created = apps.get_model("core", "Body")._base_manager.get_or_create(
        name=name,
        defaults={
            "short_name": name.split()[-1][:20],
            "head": getattr(settings, "SITE_BODY_HEAD", "") or "Der Landrat",
            "paper_number_format": "{number:04d}/{year}",
        },
    )
    for model in models:
        rows = model._base_manager.filter(body__isnull=True)
        if model._meta.model_name == "user":
            # the Land view and an installation's administrators have no body; here there were none
            rows = rows.exclude(role="land")
        rows.update(body=body)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_body"),
        ("staffing", "0009_body"),
        ("funding", "0019_body"),
        ("council", "0005_body"),
        ("integration_admin", "0009_user_body"),
        ("programs", "0006_body"),
    ]

    operations = [migrations.RunPython(existing_data_into_a_body, migrations.RunPython.noop)]
