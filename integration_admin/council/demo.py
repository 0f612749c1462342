"""Demo data for committee sessions and reports: the founding example's Kreisausschuss sessions and its report.

From the source document: the Kreisausschuss asked for an activity report in its session of
04.02.2020 under TOP 6; the report was discussed in the session of 25.08.2020 with the result
"zur Kenntnis genommen"; Dezernent Stepprath's text (the section texts below, written by the
user in real life). Not in the source, hence flagged ``is_illustrative``: the times and place of
the sessions, the TOP number of 25.08.2020, the title of TOP 6 and the date of the paper.
The paper number is whatever the year's counter gives (0001/2020 on a fresh database).

Idempotent: everything is looked up by a natural key; a released report is left untouched, so
loading twice never releases twice or consumes a second number.
"""

import datetime
import hashlib
import json
import zoneinfo

from integration_admin.core.db import upsert
from integration_admin.council.documents import render_report_pdf
from integration_admin.council.models import (
    AgendaItem,
    Committee,
    Consultation,
    ConsultationRole,
    Meeting,
    MeetingState,
    PaperType,
    Report,
    ReportSection,
)
from integration_admin.council.services import release_report
from integration_admin.council.snapshot import encode
from integration_admin.models import User
from programs.models import Programme
from staffing.models import Organisation

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
LOCATION = "Kreishaus Heinsberg, Valkenburger Straße 45, 52525 Heinsberg"

REPORT_TITLE = (
    "Bericht über die Tätigkeit des Kommunalen Integrationszentrums; Initiativen „Gemeinsam klappt’s“ und "
    "„Durchstarten in Ausbildung und Arbeit“; Kommunales Integrationsmanagement (KIM)"
)

SECTIONS = [
    (
        "Bericht über die Tätigkeit des Kommunalen Integrationszentrums",
        None,
        "Bezugnehmend auf den Beschluss in der Sitzung des Kreisausschusses (TOP 6) vom 04.02.2020 hat das "
        "Kommunale Integrationszentrum des Kreises Heinsberg dem Fachausschuss einen Tätigkeitsbericht vorzulegen. "
        "Der umfassende Bericht befindet sich in der hausinternen Abstimmung. Die Fraktionen werden darüber zeitnah "
        "in Kenntnis gesetzt; die Beratung ist für die Sitzung des Kreisausschusses am 25.08.2020 vorgesehen. "
        "Ergänzend wird auf das Integrationsportal des Kreises Heinsberg verwiesen: "
        "www.integrationsportal-kreis-heinsberg.de.",
    ),
    (
        "Initiativen „Gemeinsam klappt’s“ und „Durchstarten in Ausbildung und Arbeit“",
        "Durchstarten",
        "Die Initiativen „Gemeinsam klappt’s“ des Ministeriums für Kinder, Familie, Flüchtlinge und Integration "
        "des Landes Nordrhein-Westfalen (MKFFI) und „Durchstarten in Ausbildung und Arbeit“ des Ministeriums für "
        "Arbeit, Gesundheit und Soziales (MAGS) sowie des MKFFI fördern junge, erwachsene Geflüchtete zwischen 18 "
        "und 27 Jahren. Die Initiativen umfassen sechs Bausteine (siehe Tabelle).\n\n"
        "Im Rahmen des Förderbausteins 6 – Teilhabemanagement – werden 2,5 Teilhabemanagement-Stellen gefördert. "
        "Davon wurden 1,5 Stellen im Kommunalen Integrationszentrum und eine Stelle im Deutschen Roten Kreuz "
        "Kreisverband Heinsberg e.V. (DRK) angesiedelt. 80 % der Personalausgaben werden vom Land bezuschusst. "
        "Den Eigenanteil in Höhe von 20 % tragen entsprechend der Kreis Heinsberg und das DRK. Die "
        "Teilhabemanager/-innen haben die Aufgabe, durch aufsuchende soziale Arbeit (neue) Perspektiven für "
        "Chancen auf Teilhabe zu eröffnen und Wege in Qualifizierung, Ausbildung und Beschäftigung aufzuzeigen.\n\n"
        "Dabei übernehmen die Teilhabemanager/-innen die Zuteilung der Zielgruppe in die Maßnahmen der "
        "Förderbausteine 1 bis 4, die alle durch die VHS des Kreises Heinsberg umgesetzt werden sollen. Zur "
        "Umsetzung müssen von der VHS Schulungsräume angemietet werden.\n\n"
        "Auf den Antrag auf Landeszuwendung vom 27.03.2020 ging am 10.08.2020 der Zuwendungsbescheid in Form einer "
        "Anteilsfinanzierung als Zuweisung/Zuschuss in Höhe von 624.493,60 € (80 %) zu den zuwendungsfähigen "
        "Gesamtausgaben in Höhe von 780.617,00 € für den Durchführungszeitraum bis zum 31.12.2022 ein. "
        "(Weitere Informationen: www.durchstarten.nrw)",
    ),
    (
        "Kommunales Integrationsmanagement (KIM)",
        "KIM",
        "Durch die Einführung des „Kommunalen Integrationsmanagements“ (KIM) sollen die KI-Kommunen gestärkt und "
        "die intra- und interkommunale Zusammenarbeit gefördert werden. Das neue Förderprogramm des MKFFI "
        "beinhaltet ab 2020 die flächendeckende Einführung eines Kommunalen Integrationsmanagements in allen "
        "Kreisen und kreisfreien Städten in Nordrhein-Westfalen. Hierzu werden in allen KI aktuell Konzepte "
        "entwickelt. Das Land empfiehlt, die Stellen an das Kommunale Integrationszentrum anzudocken; derzeit "
        "findet der Abstimmungsprozess mit Vertretern/Vertreterinnen der Wohlfahrtsverbände statt.\n\n"
        "In den nächsten drei Jahren sollen dabei folgende Ziele umgesetzt werden: Implementierung einer "
        "strategischen Ebene zur Steuerung, Implementierung einer operativen Ebene des individuellen "
        "Case-Managements und eine Intensivierung der interkommunalen und rechtskreisübergreifenden Kooperation "
        "in Bezug auf die kreisweite Integrationsarbeit. Das Kommunale Integrationsmanagement besteht dabei aus "
        "drei verschiedenen Bausteinen (siehe Tabelle).\n\n"
        "Auf Grundlage der aktuellen Richtlinien und Bescheide von Seiten des Landes kann der Kreis Heinsberg 3,5 "
        "strategische Overhead-Stellen zu Baustein 1 beantragen, die konkreten Richtlinien zu diesem Baustein "
        "liegen derzeit nur im Entwurf vor und werden im September erwartet. Zu Baustein 2 ist bereits ein "
        "Zuwendungsbescheid für 5 Case-Management-Stellen ohne Antrag eingegangen. Beim Baustein 3 hat die "
        "Ausländer- und Einbürgerungsbehörde des Kreises eine geförderte zusätzliche Stelle bereits besetzt. "
        "(Weitere Informationen: www.mkffi.nrw/kommunales-integrationsmanagement-nrw)",
    ),
]

# Released PDFs of the demo, by snapshot: loading the demo again in one process (the test suite
# does it after every test that empties the database) does not render the same document again. The key leaves out
# the primary keys, which the paper does not print: PostgreSQL's sequences are not rolled back
# with a test's transaction, so each load gets new ones (and would render the paper again).
_rendered: dict[str, bytes] = {}


def _without_pks(value):
    if isinstance(value, dict):
        return {key: _without_pks(item) for key, item in value.items() if key != "pk"}
    if isinstance(value, list):
        return [_without_pks(item) for item in value]
    return value


def _render_once(snapshot: dict) -> bytes:
    key = hashlib.sha256(json.dumps(_without_pks(encode(snapshot)), sort_keys=True).encode()).hexdigest()
    if key not in _rendered:
        _rendered[key] = render_report_pdf(snapshot)
    return _rendered[key]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)


def load_council_demo() -> Report:
    committee = upsert(Committee, {"name": "Kreisausschuss"}, short_name="KA", classification="Ausschuss")
    february = upsert(
        Meeting,
        {"committee": committee, "start": _at(datetime.date(2020, 2, 4), 17)},
        location=LOCATION,
        state=MeetingState.HELD,
        is_illustrative=True,
    )
    top6 = upsert(
        AgendaItem,
        {"meeting": february, "number": "6"},
        order=6,
        title="Tätigkeitsbericht des Kommunalen Integrationszentrums",
        public=True,
        result="beschlossen",
        minutes="Das Kommunale Integrationszentrum des Kreises Heinsberg legt dem Fachausschuss einen "
        "Tätigkeitsbericht vor.",
        is_illustrative=True,
    )
    august = upsert(
        Meeting,
        {"committee": committee, "start": _at(datetime.date(2020, 8, 25), 17)},
        location=LOCATION,
        state=MeetingState.HELD,
        is_illustrative=True,
    )
    item = upsert(
        AgendaItem,
        {"meeting": august, "number": "5"},
        order=5,
        title=REPORT_TITLE,
        public=True,
        result="zur Kenntnis genommen",
        is_illustrative=True,
    )

    ki = Organisation.objects.get(short_name="KI")
    report = Report.objects.filter(title=REPORT_TITLE, lead_office=ki, supplements=None).first()
    if report is None or not report.is_released:
        report = upsert(
            Report,
            {"title": REPORT_TITLE, "lead_office": ki, "supplements": None},
            paper_type=PaperType.NOTICE,
            date=datetime.date(2020, 8, 12),
            public=True,
            related_agenda_item=top6,
            proposal="Der Kreisausschuss nimmt den Bericht zur Kenntnis.",
            finance_text="Den Eigenanteil in Höhe von 20 % der Personalausgaben des Teilhabemanagements tragen "
            "entsprechend der Kreis Heinsberg und das DRK.",
            signature_prefix="In Vertretung",
            signatory_name="Stepprath",
            signatory_title="Dezernent",
            is_illustrative=True,
        )
        programmes = {p.short_name: p for p in Programme.objects.filter(short_name__in=["Durchstarten", "KIM"])}
        for order, (heading, programme, text) in enumerate(SECTIONS, start=1):
            upsert(
                ReportSection,
                {"report": report, "order": order},
                heading=heading,
                programme=programmes.get(programme) if programme else None,
                text=text,
            )
        upsert(
            Consultation,
            {"report": report, "agenda_item": item},
            committee=committee,
            meeting=august,
            role=ConsultationRole.NOTICE,
            order=1,
        )
        report = release_report(
            report=report,
            user=User.objects.get(username="leitung"),
            released_at=_at(datetime.date(2020, 8, 12), 10),
            render=_render_once,
        )
    upsert(
        AgendaItem,
        {"pk": item.pk},
        minutes=f"Herr Dezernent Stepprath berichtet anhand der Vorlage {report.reference} über die "
        "Tätigkeit des Kommunalen Integrationszentrums, die Initiativen „Gemeinsam klappt’s“ und „Durchstarten in "
        "Ausbildung und Arbeit“ sowie das Kommunale Integrationsmanagement (KIM). Der Kreisausschuss nimmt den "
        "Bericht zur Kenntnis.",
    )
    return report
