"""The founding example (../shared/domain/source-document.txt) as data, plus demo logins.

Every record is looked up by a natural key and updated in place, so loading twice changes
nothing. Facts that the source document does not give are left empty rather than invented.
"""

import datetime
from decimal import Decimal

from django.db import transaction

from funding.demo import load_funding_demo
from funding.models import Application, DecisionVersion, FinancingType, GrantDecision, GrantForm
from funding.services import position_weights, split_cost_shares
from integration_admin.core.db import upsert
from integration_admin.core.documents import store_document
from integration_admin.core.models import DocumentKind
from integration_admin.council.demo import load_council_demo
from integration_admin.council.pdf import render_document
from integration_admin.models import Role, User
from programs.models import BuildingBlock, Funder, GuidelineStatus, Programme
from staffing.demo import load_staffing_demo
from staffing.models import Organisation, OrganisationKind, Position, PositionStatus

LETTER_SCAN_TITLE = "Bescheid (Scan)"
DEMO_PASSWORD = "Heinsberg-2020"  # noqa: S105 (demo logins, documented as demo-only)

FUNDERS = [
    ("MKFFI", "Ministerium für Kinder, Familie, Flüchtlinge und Integration des Landes Nordrhein-Westfalen"),
    ("MAGS", "Ministerium für Arbeit, Gesundheit und Soziales des Landes Nordrhein-Westfalen"),
]

ORGANISATIONS = [
    ("KI", "Kommunales Integrationszentrum Kreis Heinsberg", OrganisationKind.KREIS_UNIT),
    ("ABH", "Ausländer- und Einbürgerungsbehörde Kreis Heinsberg", OrganisationKind.KREIS_UNIT),
    ("DRK", "DRK Kreisverband Heinsberg e.V.", OrganisationKind.WELFARE),
    ("VHS", "Volkshochschule des Kreises Heinsberg", OrganisationKind.KREIS_UNIT),
]

DURCHSTARTEN_BLOCKS = [
    (1, "Coaching", ""),
    (2, "Ausbildungs- oder berufsbegleitende Qualifizierung und/oder Sprachförderung", "Qualifizierung"),
    (3, "Nachträglicher Erwerb eines anerkannten Schulabschlusses", "Schulabschluss"),
    (4, "Kurse, die berufliche und sprachliche Bildung mit Werteorientierung verbinden", "Kurse"),
    (5, "Innovationsfonds", ""),
    (6, "Teilhabemanagement", ""),
]

KIM_BLOCKS = [
    (
        1,
        "Förderrichtlinie zur Implementierung eines strategischen Kommunalen Integrationsmanagements "
        "(strategischer Overhead)",
        "Strategischer Overhead",
    ),
    (
        2,
        "Fachbezogene Pauschale für Personalstellen, um ein rechtskreisübergreifendes individuelles "
        "Case-Management zu implementieren",
        "Case-Management",
    ),
    (
        3,
        "Fachbezogene Pauschale für zusätzliche Personalstellen in den Ausländer- und Einbürgerungsbehörden "
        "zur rechtlichen Verstetigung der Integration ausländischer Menschen mit besonderen Integrationsleistungen",
        "Zusätzliche Stellen ABH",
    ),
]

USERS = [
    ("admin", "Demo", "Administration", Role.ADMINISTRATOR, None),
    ("leitung", "Demo", "Dezernatsleitung", Role.HEAD, None),
    ("sb-ki", "Demo", "Sachbearbeitung KI", Role.CASEWORKER, "KI"),
    ("sb-drk", "Demo", "Sachbearbeitung DRK", Role.CASEWORKER, "DRK"),
]


@transaction.atomic
def attach_letter_scan(version: DecisionVersion) -> None:
    """The founding letter's stand-in scan: a one-page PDF (WeasyPrint) kept as its document,
    once (a second run finds it by its title)."""
    if version.documents.filter(title=LETTER_SCAN_TITLE).exists():
        return
    content = render_document(
        "demo/decision_letter.html",
        {"decision": version.decision, "version": version, "funder": version.decision.funder},
    )
    store_document(
        parent=version,
        content=content,
        file_name="Bescheid-Teilhabemanagement-2020.pdf",
        title=LETTER_SCAN_TITLE,
        kind=DocumentKind.DECISION,
        user=None,
    )


def load_demo(*, restore_logins: bool = False) -> dict[str, int]:
    """Load the founding example and the demo logins; running it again changes nothing.

    A demo login is created only where no user of that name exists. An existing user is never
    touched, unless ``restore_logins`` (development only, ``load_demo --restore-logins`` with
    DEBUG on) asks to give the demo users back their role, their activation and the published
    password: in production that would re-open an account the operator had closed.
    """
    funders = {short: upsert(Funder, {"short_name": short}, name=name) for short, name in FUNDERS}
    orgs = {
        short: upsert(Organisation, {"short_name": short}, name=name, kind=kind) for short, name, kind in ORGANISATIONS
    }

    durchstarten = upsert(
        Programme,
        {"short_name": "Durchstarten"},
        name="Durchstarten in Ausbildung und Arbeit",
        joint_initiative="Gemeinsam klappt’s",
        target_group="junge, erwachsene Geflüchtete zwischen 18 und 27 Jahren",
        description=(
            "Die Initiativen „Gemeinsam klappt’s“ des MKFFI und „Durchstarten in Ausbildung und Arbeit“ "
            "des MAGS sowie des MKFFI fördern junge, erwachsene Geflüchtete zwischen 18 und 27 Jahren."
        ),
        website="https://www.durchstarten.nrw",
        sort_order=1,
    )
    durchstarten.funders.set([funders["MAGS"], funders["MKFFI"]])
    ds_blocks = {}
    for number, title, short_title in DURCHSTARTEN_BLOCKS:
        ds_blocks[number] = upsert(
            BuildingBlock,
            {"programme": durchstarten, "number": number},
            title=title,
            short_title=short_title,
            delivering_organisation=orgs["VHS"] if number <= 4 else None,
            guideline_status=GuidelineStatus.IN_FORCE,
            guideline_expected_on=None,
            description=(
                "Umsetzung durch die VHS des Kreises Heinsberg; dafür müssen Schulungsräume angemietet werden."
                if number <= 4
                else (
                    "Die Teilhabemanager/-innen eröffnen durch aufsuchende soziale Arbeit (neue) Perspektiven "
                    "für Chancen auf Teilhabe, zeigen Wege in Qualifizierung, Ausbildung und Beschäftigung auf "
                    "und teilen die Zielgruppe den Maßnahmen der Förderbausteine 1 bis 4 zu."
                    if number == 6
                    else ""
                )
            ),
        )

    kim = upsert(
        Programme,
        {"short_name": "KIM"},
        name="Kommunales Integrationsmanagement",
        joint_initiative="",
        target_group="Menschen mit Einwanderungsgeschichte in allen Kreisen und kreisfreien Städten in NRW",
        description=(
            "Flächendeckende Einführung eines Kommunalen Integrationsmanagements: eine strategische Ebene "
            "zur Steuerung, eine operative Ebene des individuellen Case-Managements und eine Intensivierung "
            "der interkommunalen und rechtskreisübergreifenden Kooperation."
        ),
        start=datetime.date(2020, 1, 1),
        website="https://www.mkffi.nrw/kommunales-integrationsmanagement-nrw",
        sort_order=2,
    )
    kim.funders.set([funders["MKFFI"]])
    kim_blocks = {}
    for number, title, short_title in KIM_BLOCKS:
        kim_blocks[number] = upsert(
            BuildingBlock,
            {"programme": kim, "number": number},
            title=title,
            short_title=short_title,
            delivering_organisation=None,
            guideline_status=GuidelineStatus.DRAFT if number == 1 else GuidelineStatus.IN_FORCE,
            guideline_expected_on=datetime.date(2020, 9, 1) if number == 1 else None,
            guideline_note="Die konkreten Richtlinien liegen derzeit nur im Entwurf vor." if number == 1 else "",
        )

    positions = [
        (ds_blocks[6], orgs["KI"], "Teilhabemanagement", "1.5", PositionStatus.APPROVED, datetime.date(2022, 12, 31)),
        (ds_blocks[6], orgs["DRK"], "Teilhabemanagement", "1.0", PositionStatus.APPROVED, datetime.date(2022, 12, 31)),
        (kim_blocks[1], orgs["KI"], "Strategischer Overhead", "3.5", PositionStatus.APPLICABLE, None),
        (kim_blocks[2], orgs["KI"], "Case-Management", "5.0", PositionStatus.APPROVED, None),
        (kim_blocks[3], orgs["ABH"], "Zusätzliche Stelle Ausländer- und Einbürgerungsbehörde", "1.0",
         PositionStatus.FILLED, None),
    ]  # fmt: skip
    for block, org, title, fte, status, end in positions:
        upsert(
            Position,
            {"building_block": block, "organisation": org, "title": title},
            fte=Decimal(fte),
            status=status,
            end=end,
            fixed_term=True,
        )

    application = upsert(
        Application,
        {"programme": durchstarten, "submitted_on": datetime.date(2020, 3, 27)},
        note="Antrag auf Landeszuwendung",
    )
    application.building_blocks.set([ds_blocks[6]])

    tm_decision = upsert(
        GrantDecision,
        {"programme": durchstarten, "title": "Teilhabemanagement (Förderbaustein 6)"},
        funder=funders["MKFFI"],
        application=application,
        form=GrantForm.ZUWEISUNG_ZUSCHUSS,
    )
    tm_decision.building_blocks.set([ds_blocks[6]])
    tm_version = upsert(
        DecisionVersion,
        {"decision": tm_decision, "number": 0},
        is_current=True,
        received_on=datetime.date(2020, 8, 10),
        financing_type=FinancingType.SHARE,
        eligible_expenditure=Decimal("780617.00"),
        rate=Decimal("80.00"),
        stated_amount=Decimal("624493.60"),
        period_end=datetime.date(2022, 12, 31),
    )
    split_cost_shares(version=tm_version, weights=position_weights(tm_version))

    cm_decision = upsert(
        GrantDecision,
        {"programme": kim, "title": "Fachbezogene Pauschale Case-Management (Baustein 2)"},
        funder=funders["MKFFI"],
        application=None,
        form=GrantForm.ZUWEISUNG,
    )
    cm_decision.building_blocks.set([kim_blocks[2]])
    upsert(
        DecisionVersion,
        {"decision": cm_decision, "number": 0},
        is_current=True,
        financing_type=FinancingType.FLAT_RATE,
        funded_fte=Decimal("5"),
    )

    attach_letter_scan(tm_version)

    created_logins = []
    for username, first, last, role, org in USERS:
        demo_state = {
            "first_name": first,
            "last_name": last,
            "role": role,
            "organisation": orgs[org] if org else None,
            "is_staff": role == Role.ADMINISTRATOR,
            "is_superuser": role == Role.ADMINISTRATOR,
            "is_active": True,
        }
        user = User.objects.filter(username=username).first()
        if user is None:
            User.objects.create_user(username, password=DEMO_PASSWORD, **demo_state)
            created_logins.append(username)
        elif restore_logins:
            upsert(User, {"username": username}, **demo_state)
            if not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])

    load_funding_demo()  # (after the logins: its call-offs name who recorded and who approved them)
    load_staffing_demo()  # illustrative pay data, pay grades of the positions, holders (staffing/demo.py)
    load_council_demo()

    return {
        "programmes": Programme.objects.count(),
        "positions": Position.objects.count(),
        "decisions": GrantDecision.objects.count(),
        "users": User.objects.count(),
        "created_logins": created_logins,
    }
