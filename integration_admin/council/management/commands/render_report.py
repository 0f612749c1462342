import re
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from integration_admin.core.scopes import scopes_disabled
from integration_admin.council.demo import REPORT_TITLE
from integration_admin.council.documents import render_report_pdf, report_snapshot
from integration_admin.council.models import Report
from integration_admin.council.pdf import RenderError
from integration_admin.council.snapshot import decode

REFERENCE = re.compile(r"\d{4}/\d{4}(/\d+)?")


class Command(BaseCommand):
    help = (
        "Schreibt das PDF einer Vorlage: render_report 0001/2020 --output vorlage.pdf (Vorlagen-Nr. oder "
        "Datenbank-Nr.; „demo“ für den Bericht des Gründungsbeispiels). Eine freigegebene Vorlage wird "
        "genau so ausgegeben, wie sie gespeichert ist; --fresh erzeugt das PDF neu (aus den eingefrorenen "
        "Angaben einer freigegebenen Vorlage oder den aktuellen Daten eines Entwurfs)."
    )

    def add_arguments(self, parser):
        parser.add_argument("report", help="Vorlagen-Nr. (z. B. 0001/2020), Datenbank-Nr. oder „demo“")
        parser.add_argument("--output", "-o", required=True, help="Zieldatei, „-“ für die Standardausgabe")
        parser.add_argument("--fresh", action="store_true", help="PDF neu erzeugen statt das gespeicherte auszugeben")

    def find(self, wanted: str) -> Report:
        if wanted == "demo":
            report = Report.objects.filter(title=REPORT_TITLE, supplements=None).order_by("pk").first()
            if report is None:
                raise CommandError("Der Demo-Bericht fehlt. Bitte zuerst „python manage.py load_demo“ ausführen.")
            return report
        if REFERENCE.fullmatch(wanted):
            report = Report.objects.filter(reference=wanted).first()
        elif wanted.isdigit() and len(wanted) < 12:
            report = Report.objects.filter(pk=int(wanted)).first()
        else:
            raise CommandError(f"„{wanted}“ ist weder eine Vorlagen-Nr. (0001/2020) noch eine Datenbank-Nr.")
        if report is None:
            raise CommandError(f"Keine Vorlage „{wanted}“ gefunden.")
        return report

    @scopes_disabled()  # installation-wide: every body's records
    def handle(self, *args, report, output, fresh, **options):
        found = self.find(report)
        started = time.perf_counter()
        if found.is_released and not fresh:
            content = bytes(found.file.content)
        else:
            paper = decode(found.snapshot) if found.is_released else report_snapshot(found)
            try:
                content = render_report_pdf(paper)
            except RenderError as error:
                raise CommandError(f"Das PDF konnte nicht erzeugt werden: {error}") from error
        if output == "-":
            sys.stdout.buffer.write(content)
            return
        with open(output, "wb") as target:
            target.write(content)
        self.stderr.write(
            f"{found.display_reference}: {len(content)} Bytes nach {output} geschrieben "
            f"({time.perf_counter() - started:.2f} s)."
        )
