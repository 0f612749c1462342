"""``manage.py send_reminders``: today's reminder e-mails, for a system timer (cron, systemd).

Safe beside the daily job on the queue and when run twice: each user gets at most one digest a
day (integration_admin.reminders). ``--schedule`` instead puts the daily job into the queue
(once; it then queues itself every morning), for installations that run ``manage.py worker``.
"""

from django.core.management.base import BaseCommand

from integration_admin import reminders


class Command(BaseCommand):
    help = "Sendet die heutigen Erinnerungen an Fristen per E-Mail (höchstens eine je Person und Tag)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="Statt zu senden: den täglichen Auftrag in die Warteschlange stellen (falls noch nicht geschehen).",
        )

    def handle(self, *args, schedule=False, **options):
        if schedule:
            queued = reminders.schedule_daily_reminders()
            when = reminders.next_run()
            if queued:
                self.stdout.write(f"Täglicher Erinnerungsauftrag eingeplant ab {when:%d.%m.%Y %H:%M}.")
            else:
                self.stdout.write("Der tägliche Erinnerungsauftrag ist bereits eingeplant.")
            return
        sent = reminders.send_digests()
        self.stdout.write(f"{sent} Erinnerung(en) gesendet.")
