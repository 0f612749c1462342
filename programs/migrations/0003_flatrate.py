"""The programs app takes up the flat rates (and their history) that ``funding.0005`` handed over.

The tables exist already (renamed there), so the models are created in the migration state only;
their content types move along, so permissions and admin log entries keep pointing at them.
"""

from decimal import Decimal

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

MODELS = ("flatrate", "historicalflatrate")


def move_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label="programs", model=model).exists():
            content_type.objects.filter(app_label="funding", model=model).update(app_label="programs")


def restore_content_types(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not content_type.objects.filter(app_label="funding", model=model).exists():
            content_type.objects.filter(app_label="programs", model=model).update(app_label="funding")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("funding", "0005_move_flat_rates_to_programs"),
        ("programs", "0002_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HistoricalFlatRate",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        (
                            "year",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(2000),
                                    django.core.validators.MaxValueValidator(2100),
                                ],
                                verbose_name="Jahr",
                            ),
                        ),
                        (
                            "amount_per_fte",
                            models.DecimalField(
                                decimal_places=2,
                                max_digits=14,
                                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                                verbose_name="Pauschale je VZÄ und Jahr",
                            ),
                        ),
                        ("is_illustrative", models.BooleanField(default=False, verbose_name="illustrative Angabe")),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                            ),
                        ),
                        (
                            "building_block",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="programs.buildingblock",
                                verbose_name="Baustein",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical Pauschale",
                        "verbose_name_plural": "historical Pauschalen",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="FlatRate",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "year",
                            models.PositiveSmallIntegerField(
                                validators=[
                                    django.core.validators.MinValueValidator(2000),
                                    django.core.validators.MaxValueValidator(2100),
                                ],
                                verbose_name="Jahr",
                            ),
                        ),
                        (
                            "amount_per_fte",
                            models.DecimalField(
                                decimal_places=2,
                                max_digits=14,
                                validators=[django.core.validators.MinValueValidator(Decimal("0"))],
                                verbose_name="Pauschale je VZÄ und Jahr",
                            ),
                        ),
                        ("is_illustrative", models.BooleanField(default=False, verbose_name="illustrative Angabe")),
                        (
                            "building_block",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="flat_rates",
                                to="programs.buildingblock",
                                verbose_name="Baustein",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "Pauschale",
                        "verbose_name_plural": "Pauschalen",
                        "ordering": ["building_block", "year"],
                        "constraints": [
                            models.UniqueConstraint(fields=("building_block", "year"), name="flat_rate_unique"),
                            models.CheckConstraint(
                                condition=models.Q(("amount_per_fte__gte", 0)), name="flat_rate_non_negative"
                            ),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
