from decimal import Decimal

import pytest
from django.utils import translation

from integration_admin.core.history import history_entries
from tests import factories

pytestmark = pytest.mark.django_db


def test_history_entries_show_who_changed_what(django_user_model, django_assert_max_num_queries):
    user = django_user_model.objects.create_user("editor", first_name="Eva", last_name="Editor", role="administrator")
    position = factories.position(fte="1.0", title="Teilhabemanagement")
    position.organisation.short_name = "ALT"
    position.organisation.save()
    other = factories.organisation("NEU")
    position.fte = Decimal("1.5")
    position.organisation = other
    position._history_user = user
    position._change_reason = "Aufstockung"
    position.save()

    with django_assert_max_num_queries(3), translation.override("de"):
        entries = history_entries(position)
    assert [e.action for e in entries] == ["geändert", "angelegt"]
    latest = entries[0]
    assert latest.user == "Eva Editor"
    assert latest.reason == "Aufstockung"
    changes = {c.field: (c.old, c.new) for c in latest.changes}
    assert changes["VZÄ"] == ("1", "1,5")
    assert changes["Organisation"] == ("ALT", "NEU")
    assert entries[1].user == "System"


def test_history_rows_read_as_json_equal_the_rows_read_directly(django_user_model):
    """history_json / records_from_json: the same rows, values and types as the history table
    gives them (dates, aware times, decimals, booleans, text), with user and named objects."""
    import datetime

    from funding.models import CallOff, GrantDecision, PassThrough
    from integration_admin.core.history import history_json, records_from_json

    user = django_user_model.objects.create_user("editor", first_name="Eva", last_name="Editor", role="administrator")
    decision = factories.decision()
    factories.version(decision, eligible_expenditure=Decimal("1000.00"), rate=Decimal("80"))
    call_off = factories.call_off(decision, amount="110.10")
    call_off.note = 'Zeichen: "<>" & \x1f'
    call_off.received_on, call_off.received_amount = datetime.date(2022, 3, 15), Decimal("110.10")
    call_off._history_user = user
    call_off.save()
    recipient = factories.organisation("Träger & Co")
    PassThrough.objects.create(decision=decision, recipient=recipient, amount=Decimal("12.34"))
    names = {"recipient": "short_name"}
    annotated = GrantDecision.objects.annotate(
        call_off_rows=history_json(CallOff, "decision_id", decision_id=decision.pk),
        pass_through_rows=history_json(PassThrough, "decision_id", names, decision_id=decision.pk),
    ).get(pk=decision.pk)
    kinds = ((CallOff, annotated.call_off_rows, {}), (PassThrough, annotated.pass_through_rows, names))
    for model, text, extra in kinds:
        records = records_from_json(model, text, extra)
        direct = list(model.history.filter(decision_id=decision.pk).order_by("-history_date", "-history_id"))
        assert len(records) == len(direct) >= 1
        for ours, theirs in zip(records, direct, strict=True):
            for field in theirs._meta.concrete_fields:
                assert getattr(ours, field.attname) == getattr(theirs, field.attname), field.name
                assert type(getattr(ours, field.attname)) is type(getattr(theirs, field.attname)), field.name
    changed = records_from_json(CallOff, annotated.call_off_rows)[0]
    assert changed.history_user.get_full_name() == "Eva Editor" and changed.note == 'Zeichen: "<>" & \x1f'
    assert changed.history_date.tzinfo is not None
    assert records_from_json(PassThrough, annotated.pass_through_rows, names)[0].recipient.short_name == "Träger & Co"
    user.delete()  # the rows stay; their user is gone, as a join would find none
    text = GrantDecision.objects.annotate(h=history_json(CallOff, "decision_id", decision_id=decision.pk)).get().h
    assert records_from_json(CallOff, text)[0].history_user is None
