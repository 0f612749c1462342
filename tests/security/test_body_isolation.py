"""Two bodies on one installation (issue 22): nothing of one body reaches the other's users.

The object URLs of the other body are 404s (tests/security/test_access_matrix.py, "Two bodies");
here: the lists, exports, summaries and the Django admin of body A show nothing of body B.
"""

import re

from django.test import Client
from django.urls import reverse

from funding.models import GrantDecision
from integration_admin.core.models import Body
from integration_admin.core.scopes import scope
from staffing.models import Assignment, Organisation, Position
from tests.conftest import login_as

# --- The Django admin --------------------------------------------------------------------------


def change_links(model, page: str) -> set[int]:
    """The records of ``model`` that an admin changelist links to."""
    opts = model._meta
    prefix = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return {int(pk) for pk in re.findall(rf'href="{re.escape(prefix)}(\d+)/change/', page)}


def test_admin_lists_only_the_own_bodys_records(demo):
    """mk-admin (staff of the Musterkreis) sees its positions, organisations and decisions only;
    the Kreis Heinsberg's administrator sees the Kreis Heinsberg's there."""
    muster_body = Body.objects.get(short_name="MK")
    for model in (Position, Organisation, GrantDecision):
        with scope(body=muster_body):
            muster_pks = set(model.objects.values_list("pk", flat=True))
        heinsberg_pks = set(model.objects.values_list("pk", flat=True))
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for username, own in (("mk-admin", muster_pks), ("admin", heinsberg_pks)):
            shown = change_links(model, login_as(Client(), username).get(url).content.decode())
            assert own and shown == own, (model, username)


def test_admin_history_of_another_bodys_record_is_a_404(demo):
    """django-simple-history's admin pages read the history tables, which are not scoped: another
    body's position and assignment (whose history names the holder) are 404s there too."""
    position = Position.objects.filter(organisation__short_name="KI", assignments__isnull=False).first()
    assignment = position.assignments.first()
    history = assignment.history.first()
    client = login_as(Client(), "mk-admin")
    urls = [
        reverse("admin:staffing_position_history", args=[position.pk]),
        reverse("admin:staffing_assignment_history", args=[assignment.pk]),
        reverse("admin:staffing_assignment_simple_history", args=[assignment.pk, history.history_id]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert assignment.holder_name not in response.content.decode(), url
    own = login_as(Client(), "admin")
    assert all(own.get(url).status_code == 200 for url in urls)
    with scope(body=Body.objects.get(short_name="MK")):
        muster = Assignment.objects.first()
        assert client.get(reverse("admin:staffing_assignment_history", args=[muster.pk])).status_code == 200
