"""Two people save the same decision at the same time: the second is told, nothing is overwritten.

Runs against PostgreSQL (real row locks, parallel connections); skipped on SQLite.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.urls import reverse

from funding.models import CallOff, GrantDecision
from integration_admin.demo import load_demo
from tests.conftest import BrowserClient, login_as
from tests.funding.test_views import edit_data

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: parallel connections, row locks"),
]


def run_in_parallel(*jobs):
    """Start all jobs at the same moment, each in its own thread (own database connection)."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)
    errors = []

    def run(index, job):
        try:
            client = BrowserClient()  # sends a fresh create-form token, as a browser does
            login_as(client, "admin")
            barrier.wait(timeout=10)
            results[index] = job(client)
        except Exception as error:  # noqa: BLE001 (reported by the test below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


def test_two_parallel_edits_of_one_decision():
    load_demo()
    decision = GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")
    url = reverse("funding:decision-update", args=[decision.pk])
    # Both opened the form at revision 1.
    first = edit_data(decision, title="Fassung A", eligible_expenditure="800.000,00", change_reason="A")
    second = edit_data(decision, title="Fassung B", eligible_expenditure="900.000,00", change_reason="B")

    responses = run_in_parallel(lambda c: c.post(url, first), lambda c: c.post(url, second))

    codes = sorted(r.status_code for r in responses)
    assert codes == [302, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert "wurde inzwischen von Demo Administration geändert" in loser.content.decode()
    decision.refresh_from_db()
    winner = "A" if decision.title == "Fassung A" else "B"
    assert decision.revision == 2
    version = decision.versions.get()
    assert version.eligible_expenditure == {"A": Decimal("800000.00"), "B": Decimal("900000.00")}[winner]
    assert version.history.count() == 2  # created, and the winner's change only
    assert decision.versions.get().history.first().history_change_reason == winner


def test_two_parallel_call_offs_cannot_exceed_the_grant_together():
    load_demo()
    decision = GrantDecision.objects.get(title="Teilhabemanagement (Förderbaustein 6)")
    for call_off in CallOff.objects.filter(decision=decision):
        call_off.delete()
    url = reverse("funding:calloff-create", args=[decision.pk])

    def call(amount):
        return lambda c: c.post(url, {"called_on": "01.02.2021", "amount": amount})

    responses = run_in_parallel(call("400.000,00"), call("300.000,00"))
    assert sorted(r.status_code for r in responses) == [200, 302]
    assert CallOff.objects.filter(decision=decision).count() == 1
    assert CallOff.objects.filter(decision=decision).totals()["called"] <= Decimal("624493.60")
