"""What the forms give assistive technology (WCAG 2.1: 1.3.1 Info and Relationships, 4.1.2 Name,
Role, Value): every aria-describedby names ids that exist on the page (help texts and errors), a
group of checkboxes is a fieldset named by its legend, no label points at nothing. The browser
tests (tests/browser/test_accessibility.py) run axe-core on every page of the navigation."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from funding.models import GrantDecision
from integration_admin.council.models import Report, ReportStatus
from staffing.models import Position

pytestmark = pytest.mark.django_db


class Structure(HTMLParser):
    """The ids of a page, the ids its aria-describedby attributes name, its empty label targets and
    the inputs inside a fieldset with the legend's text."""

    def __init__(self, html: str):
        super().__init__()
        self.ids, self.described_by, self.empty_label_for = set(), [], 0
        self.fieldsets: list[dict] = []  # {"legend": str, "inputs": [names]}
        self.open_fieldsets: list[dict] = []
        self.in_legend = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if attrs.get("aria-describedby") is not None:
            self.described_by.append((attrs.get("id") or attrs.get("name") or tag, attrs["aria-describedby"].split()))
        if tag == "label" and "for" in attrs and not attrs["for"]:
            self.empty_label_for += 1
        if tag == "fieldset":
            self.open_fieldsets.append({"legend": "", "inputs": []})
        elif tag == "legend":
            self.in_legend = True
        elif tag == "input" and self.open_fieldsets:
            self.open_fieldsets[-1]["inputs"].append(attrs.get("name"))

    def handle_endtag(self, tag):
        if tag == "fieldset" and self.open_fieldsets:
            self.fieldsets.append(self.open_fieldsets.pop())
        elif tag == "legend":
            self.in_legend = False

    def handle_data(self, data):
        if self.in_legend and self.open_fieldsets:
            self.open_fieldsets[-1]["legend"] += data

    def missing_targets(self) -> list[str]:
        return [
            f"{owner} -> {target}"
            for owner, targets in self.described_by
            for target in targets
            if target not in self.ids
        ]


def structure_of(response) -> Structure:
    assert response.status_code == 200, response.status_code
    return Structure(response.content.decode())


def position_pages(client):
    position = Position.objects.filter(organisation__short_name="DRK").first()
    yield client.get(reverse("staffing:position-create"))
    yield client.get(reverse("staffing:position-update", args=[position.pk]))
    yield client.post(reverse("staffing:position-create"), {"title": "x", "fte": "abc", "start": "31.02.2021"})
    yield client.get(reverse("staffing:assignment-create", args=[position.pk]))


def decision_pages(client):
    decision = GrantDecision.objects.get(programme__short_name="Durchstarten")
    yield client.get(reverse("funding:decision-create"))
    yield client.get(reverse("funding:decision-update", args=[decision.pk]))
    yield client.post(reverse("funding:decision-create"), {"title": "x", "eligible_expenditure": "viel"})
    yield client.post(reverse("funding:decision-update", args=[decision.pk]), {"title": ""})
    yield client.get(reverse("funding:application-create"))


def test_aria_describedby_of_the_position_forms_names_existing_ids(login):
    client = login("sb-drk")
    described = 0
    for response in position_pages(client):
        page = structure_of(response)
        assert page.missing_targets() == []
        described += len(page.described_by)
    assert described > 0  # the help texts and errors are referred to at all


def test_aria_describedby_of_the_decision_forms_names_existing_ids(login):
    client = login("admin")
    described = 0
    for response in decision_pages(client):
        page = structure_of(response)
        assert page.missing_targets() == []
        described += len(page.described_by)
    assert described > 0


def test_an_invalid_field_is_described_by_its_error_and_its_help_text(login):
    client = login("admin")
    response = client.post(reverse("funding:decision-create"), {"title": "x", "eligible_expenditure": "viel"})
    page = structure_of(response)
    targets = dict(page.described_by)["id_eligible_expenditure"]
    assert "id_eligible_expenditure_error" in targets and "id_eligible_expenditure_error" in page.ids
    assert 'aria-invalid="true"' in response.content.decode()


NAVIGATION = [
    "dashboard",
    "programme-list",
    "staffing:position-list",
    "staffing:organisation-list",
    "funding:decision-list",
    "funding:controlling",
    "council:meeting-list",
    "council:report-list",
    "password_change",
    "mfa-setup",
]


@pytest.mark.parametrize("url_name", NAVIGATION)
def test_aria_describedby_of_the_navigation_pages_names_existing_ids(login, url_name):
    page = structure_of(login("admin").get(reverse(url_name)))
    assert page.missing_targets() == []
    assert page.empty_label_for == 0


def test_a_filter_error_is_described_by_an_existing_id(login):
    """A bad filter value (an impossible date) gives the field an error; its aria-describedby
    names the error's id, which the filter form must give."""
    response = login("sb-drk").get(reverse("staffing:position-list"), {"active_on": "31.02.2021"})
    page = structure_of(response)
    assert "id_active_on_error" in dict(page.described_by)["id_active_on"]
    assert page.missing_targets() == []


def test_release_form_names_existing_ids(login):
    report = Report.objects.exclude(status=ReportStatus.RELEASED).first()
    if report is None:
        from tests import factories

        report = factories.report()
    page = structure_of(login("leitung").get(reverse("council:report-release", args=[report.pk])))
    assert page.missing_targets() == []


@pytest.mark.parametrize("url_name", ["funding:decision-create", "funding:application-create"])
def test_building_blocks_are_a_fieldset_with_a_legend_and_no_empty_label(login, url_name):
    page = structure_of(login("admin").get(reverse(url_name)))
    assert page.empty_label_for == 0
    blocks = [fieldset for fieldset in page.fieldsets if "building_blocks" in fieldset["inputs"]]
    assert len(blocks) == 1 and blocks[0]["legend"].strip().startswith("Bausteine")
    assert set(blocks[0]["inputs"]) == {"building_blocks"}  # the group alone, not the whole form
