"""The moves of this codebase's models between apps keep every row: committees, meetings, agenda
items and reports went from integration_admin to council, flat rates from funding to programs."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
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
    # (the demo's two bodies both have a "KI", which was unique before bodies existed)
    call_command("flush", "--no-input")
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


BEFORE_BODIES = [
    ("core", "0002_documents"),
    ("staffing", "0008_import_kind_plan_items"),
    ("funding", "0018_revision_on_master_data"),
    ("council", "0004_report_jobs_for_releases_excerpts_and_heartbeat"),
    ("integration_admin", "0008_reminder_runs"),
    ("programs", "0005_revision_on_master_data"),
]


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_an_installation_from_before_bodies_moves_into_one_body(settings):
    """All records and users of an older installation become the records of one body, named from
    SITE_BODY_NAME and SITE_BODY_HEAD; the Land's programmes stay shared."""
    # (the demo's two bodies both have a "KI", which was unique before bodies existed)
    call_command("flush", "--no-input")
    settings.SITE_BODY_NAME, settings.SITE_BODY_HEAD = "Kreis Migrationstest", "Die Landrätin"
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE_BODIES)
        old = executor.loader.project_state(BEFORE_BODIES).apps
        organisation = old.get_model("staffing", "Organisation").objects.create(
            short_name="KI", name="Kommunales Integrationszentrum", kind="kreis_unit"
        )
        programme = old.get_model("programs", "Programme").objects.create(name="Programm", short_name="MIG-PROG")
        funder = old.get_model("programs", "Funder").objects.create(short_name="MIG-MIN", name="Ministerium")
        decision = old.get_model("funding", "GrantDecision").objects.create(
            programme=programme, funder=funder, title="Bescheid"
        )
        committee = old.get_model("council", "Committee").objects.create(name="Kreisausschuss")
        report = old.get_model("council", "Report").objects.create(
            title="Bericht", date=datetime.date(2020, 8, 12), lead_office=organisation
        )
        old.get_model("council", "PaperCounter").objects.create(year=2020, last_number=7)
        user = old.get_model("integration_admin", "User").objects.create(
            username="kopf-migration", role="head", password="!"
        )
    finally:  # (forward again whatever happened: the tests after this one need the latest schema)
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    new = executor.loader.project_state(executor.loader.graph.leaf_nodes()).apps
    body = new.get_model("core", "Body").objects.get()
    assert (body.name, body.head, body.paper_number_format) == (
        "Kreis Migrationstest",
        "Die Landrätin",
        "{number:04d}/{year}",
    )
    for app_label, name, pk in [
        ("staffing", "Organisation", organisation.pk),
        ("funding", "GrantDecision", decision.pk),
        ("council", "Committee", committee.pk),
        ("council", "Report", report.pk),
        ("integration_admin", "User", user.pk),
    ]:
        assert new.get_model(app_label, name)._base_manager.get(pk=pk).body_id == body.pk, name
    assert new.get_model("council", "PaperCounter")._base_manager.get(year=2020).body_id == body.pk
    assert new.get_model("programs", "Programme")._base_manager.get(pk=programme.pk).body_id is None
