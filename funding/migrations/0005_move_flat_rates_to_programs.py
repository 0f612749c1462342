"""Flat rates are data per building block and year: they move to the programs app.

The tables are renamed to the programs app's names here; the models then leave this app's state
without touching the database, and ``programs.0003_flatrate`` takes them up (without touching it
either). Rates, their history and primary keys stay as they are.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0004_rate_message_percent_escaped"),
    ]

    operations = [
        migrations.AlterModelTable(name="flatrate", table="programs_flatrate"),
        migrations.AlterModelTable(name="historicalflatrate", table="programs_historicalflatrate"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="historicalflatrate",
                    name="building_block",
                ),
                migrations.RemoveField(
                    model_name="historicalflatrate",
                    name="history_user",
                ),
                migrations.DeleteModel(
                    name="FlatRate",
                ),
                migrations.DeleteModel(
                    name="HistoricalFlatRate",
                ),
            ],
        ),
    ]
