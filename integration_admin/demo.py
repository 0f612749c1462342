"""The founding example (../shared/domain/source-document.txt) as data, plus demo logins.

The founding example is the Kreis Heinsberg's. A second, obviously fictitious body, the
"Musterkreis (Demo)", has a few records of its own, so that two bodies can be seen side by side
and apart (each body's users see only its records; the Land view sees both).

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
from integration_admin.core.models import Body, BodyKind, DocumentKind, Regierungsbezirk
from integration_admin.core.scopes import scope, scopes_disabled
from integration_admin.council.demo import load_council_demo
from integration_admin.council.models import Committee
from integration_admin.council.pdf import render_document
from integration_admin.models import Role, User
from programs.models import BuildingBlock, Funder, GuidelineStatus, Programme
from staffing.demo import load_staffing_demo
from staffing.models import Assignment, Organisation, OrganisationKind, PayGrade, Position, PositionStatus
from staffing.services import refresh_costs

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

HEINSBERG = {
    "name": "Kreis Heinsberg",
    "kind": BodyKind.KREIS,
    "head": "Der Landrat",
    "address": "Valkenburger Straße 45\n52525 Heinsberg",
    "regierungsbezirk": Regierungsbezirk.KOELN,
}
MUSTERKREIS = {
    "name": "Musterkreis (Demo)",
    "kind": BodyKind.KREIS,
    "head": "Die Landrätin",
    "address": "Musterstraße 1\n12345 Musterstadt",
    "regierungsbezirk": Regierungsbezirk.MUENSTER,
    "paper_number_format": "MK/{year}/{number:03d}",
}
MUSTER_ORGANISATIONS = [
    ("KI", "Kommunales Integrationszentrum Musterkreis", OrganisationKind.KREIS_UNIT),
    ("AWO", "AWO Kreisverband Musterkreis e.V.", OrganisationKind.WELFARE),
]
MUSTER_USERS = [
    ("mk-admin", "Demo", "Administration Musterkreis", Role.ADMINISTRATOR, None),
    ("mk-leitung", "Demo", "Dezernatsleitung Musterkreis", Role.HEAD, None),
    ("mk-sb", "Demo", "Sachbearbeitung KI Musterkreis", Role.CASEWORKER, "KI"),
]
# Without a body: the Land view (read-only, no names) and the installation's administrator.
INSTALLATION_USERS = [
    ("land", "Demo", "Landesansicht (Ministerium)", Role.LAND, None),
    ("betrieb", "Demo", "Administration der Installation", Role.ADMINISTRATOR, None),
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
    """Load the founding example, the second demo body and the demo logins; running it again
    changes nothing.

    A demo login is created only where no user of that name exists. An existing user is never
    touched, unless ``restore_logins`` (development only, ``load_demo --restore-logins`` with
    DEBUG on) asks to give the demo users back their role, their activation and the published
    password: in production that would re-open an account the operator had closed.
    """
    heinsberg = upsert(Body, {"short_name": "HS"}, **HEINSBERG)
    musterkreis = upsert(Body, {"short_name": "MK"}, **MUSTERKREIS)
    created_logins = []
    with scope(body=heinsberg.pk):
        load_founding_example(heinsberg, created_logins, restore_logins=restore_logins)
    with scope(body=musterkreis.pk):
        load_musterkreis(musterkreis, created_logins, restore_logins=restore_logins)
    demo_logins(INSTALLATION_USERS, None, {}, created_logins, restore_logins)
    with scopes_disabled():
        return {
            "bodies": Body.objects.count(),
            "programmes": Programme.objects.count(),
            "positions": Position.objects.count(),
            "decisions": GrantDecision.objects.count(),
            "users": User.objects.count(),
            "created_logins": created_logins,
        }


def demo_logins(users, body: Body | None, orgs: dict, created_logins: list[str], restore_logins: bool) -> None:
    """The demo users (username, first and last name, role, organisation's short name) of ``body``,
    each created if missing (see :func:`load_demo` on ``restore_logins``); administrators are staff."""
    for username, first, last, role, org in users:
        demo_state = {
            "first_name": first,
            "last_name": last,
            "role": role,
            "body": body,
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


def load_founding_example(body: Body, created_logins: list[str], *, restore_logins: bool) -> None:
    """The Kreis Heinsberg's records of the founding example (in its scope) and its logins."""
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

    demo_logins(USERS, body, orgs, created_logins, restore_logins)

    load_funding_demo()  # (after the logins: its call-offs name who recorded and who approved them)
    load_staffing_demo()  # illustrative pay data, pay grades of the positions, holders (staffing/demo.py)
    load_council_demo()


def load_musterkreis(body: Body, created_logins: list[str], *, restore_logins: bool) -> None:
    """The fictitious second body (in its scope): two organisations, three positions in the shared
    KIM programme with fictitious holders, a flat-rate decision, a committee and its logins."""
    orgs = {
        short: upsert(Organisation, {"short_name": short}, name=name, kind=kind)
        for short, name, kind in MUSTER_ORGANISATIONS
    }
    kim = Programme.objects.get(short_name="KIM", body__isnull=True)
    blocks = {block.number: block for block in kim.building_blocks.all()}
    grade = PayGrade.objects.filter(code="S 12").first()
    positions = [
        (blocks[2], orgs["KI"], "Case-Management", "2.0", PositionStatus.FILLED, "Erika Mustermann", "1.0"),
        (blocks[2], orgs["AWO"], "Case-Management", "1.0", PositionStatus.FILLED, "Max Mustermann", "1.0"),
        (blocks[1], orgs["KI"], "Strategischer Overhead", "1.5", PositionStatus.APPROVED, None, None),
    ]
    for block, org, title, fte, status, holder, share in positions:
        position = upsert(
            Position,
            {"building_block": block, "organisation": org, "title": title},
            fte=Decimal(fte),
            status=status,
            pay_grade=grade,
            pay_step=3,
            pay_grade_is_illustrative=True,
            fixed_term=False,
        )
        if holder:
            upsert(
                Assignment,
                {"position": position, "holder_name": holder},
                fte_share=Decimal(share),
                start=datetime.date(2021, 1, 1),
                is_illustrative=True,
            )
    decision = upsert(
        GrantDecision,
        {"programme": kim, "title": "Fachbezogene Pauschale Case-Management (Baustein 2)"},
        funder=Funder.objects.get(short_name="MKFFI", body__isnull=True),
        application=None,
        form=GrantForm.ZUWEISUNG,
        reference="MK-51-KIM-2021",
    )
    decision.building_blocks.set([blocks[2]])
    upsert(
        DecisionVersion,
        {"decision": decision, "number": 0},
        is_current=True,
        financing_type=FinancingType.FLAT_RATE,
        funded_fte=Decimal("3"),
        received_on=datetime.date(2021, 2, 1),
    )
    upsert(Committee, {"name": "Ausschuss für Integration"}, short_name="AfI", classification="Ausschuss")
    refresh_costs()
    demo_logins(MUSTER_USERS, body, orgs, created_logins, restore_logins)
