"""The base rates (Basiszinssatz, § 247 BGB) from 01.07.2016 to 01.01.2026 as the Deutsche
Bundesbank published them; later ones are entered as data (Django admin: Basiszinssätze)."""

import datetime
from decimal import Decimal

from django.db import migrations

SOURCE = "Deutsche Bundesbank, Bekanntgabe des Basiszinssatzes nach § 247 Abs. 2 BGB"
RATES = [
    (datetime.date(2016, 7, 1), Decimal("-0.88")),
    (datetime.date(2023, 1, 1), Decimal("1.62")),
    (datetime.date(2023, 7, 1), Decimal("3.12")),
    (datetime.date(2024, 1, 1), Decimal("3.62")),
    (datetime.date(2024, 7, 1), Decimal("3.37")),
    (datetime.date(2025, 1, 1), Decimal("2.27")),
    (datetime.date(2025, 7, 1), Decimal("1.27")),
    (datetime.date(2026, 1, 1), Decimal("1.27")),
]


def add_rates(apps, schema_editor):
    BaseRate = apps.get_model("funding", "BaseRate")
    for valid_from, rate in RATES:
        BaseRate.objects.get_or_create(valid_from=valid_from, defaults={"rate": rate, "source": SOURCE})


def remove_rates(apps, schema_editor):
    apps.get_model("funding", "BaseRate").objects.filter(
        valid_from__in=[valid_from for valid_from, _ in RATES], source=SOURCE
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("funding", "0010_proof_settlement")]

    operations = [migrations.RunPython(add_rates, remove_rates)]
