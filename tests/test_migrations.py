"""The moves of this codebase's models between apps keep every row: committees, meetings, agenda
items and reports went from integration_admin to council, flat rates from funding to programs."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.migrations import ON_POSTGRESQL

BEFORE = [
    ("integration_admin", "0004_report_job"),
    ("funding", "0004_rate_message_percent_escaped"),
    ("programs", "0002_initial"),
    ("staffing", "0002_illustrative_pay_data_and_position_costs"),
]


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)  # (names of its own: the demo may be in the database)
def test_moved_models_keep_their_rows_and_content_types():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    organisation = old.get_model("staffing", "Organisation").objects.create(
        short_name="MIG", name="Migrationstest", kind="kreis_unit"
    )
    programme = old.get_model("programs", "Programme").objects.create(name="Migrationstest", short_name="MIG")
    block = old.get_model("programs", "BuildingBlock").objects.create(programme=programme, number=2, title="Case")
    old.get_model("funding", "FlatRate").objects.create(
        building_block=block, year=2021, amount_per_fte=Decimal("55000")
    )
    committee = old.get_model("integration_admin", "Committee").objects.create(name="Ausschuss (Migrationstest)")
    meeting = old.get_model("integration_admin", "Meeting").objects.create(
        committee=committee, start=datetime.datetime(2020, 8, 25, 15, tzinfo=datetime.UTC)
    )
    item = old.get_model("integration_admin", "AgendaItem").objects.create(meeting=meeting, number="5", title="Bericht")
    report = old.get_model("integration_admin", "Report").objects.create(
        title="Bericht", date=datetime.date(2020, 8, 12), lead_office=organisation, related_agenda_item=item
    )
    content_type = old.get_model("contenttypes", "ContentType")
    content_type.objects.get_or_create(app_label="integration_admin", model="report")
    content_type.objects.get_or_create(app_label="funding", model="flatrate")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    new = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    moved = new.get_model("council", "Report").objects.get(pk=report.pk)
    assert moved.title == "Bericht" and moved.related_agenda_item_id == item.pk and moved.revision == 1
    assert (
        new.get_model("council", "AgendaItem").objects.get(pk=item.pk).meeting.committee.name
        == "Ausschuss (Migrationstest)"
    )
    rate = new.get_model("programs", "FlatRate").objects.get(building_block=block.pk)
    assert rate.amount_per_fte == Decimal("55000.00") and rate.year == 2021
    labels = set(new.get_model("contenttypes", "ContentType").objects.values_list("app_label", "model"))
    assert {("council", "report"), ("programs", "flatrate")} <= labels
    assert not {("integration_admin", "report"), ("funding", "flatrate")} & labels
