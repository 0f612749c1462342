"""``manage.py worker``: django-tasks-db's ``db_worker`` that outlives database outages.

``db_worker`` ends with an error when the database is unreachable (a restart, a failover, the
network): its loop only waits out a locked SQLite file. This command is ``db_worker`` itself,
subclassed the way Django's own commands extend each other (staticfiles' ``runserver``), with all
its options; when the worker stops on an ``OperationalError`` or ``InterfaceError``, it logs the
error, closes the broken connections, waits (1, 2, 4 … up to ``--max-backoff`` seconds) and runs
a fresh worker, until the database answers again. Every other error, SIGTERM and SIGINT (the
worker's own graceful stop) and ``--max-tasks`` end it as before.

A job the worker was running when the database went away is left running without a heartbeat and
can be retried from its page (``council.jobs``).
"""

import logging
import time

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger("integration_admin.council.worker")

# A worker that ran this long without trouble starts its back-off afresh at the next outage.
HEALTHY_AFTER = 60.0


class Command(db_worker.Command):
    help = "Hintergrunddienst für PDF-Aufträge (db_worker, der Datenbankausfälle übersteht)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--max-backoff",
            type=db_worker.valid_interval,
            default=30.0,
            help="Longest wait (seconds) between attempts while the database is unreachable (default: %(default)r)",
        )

    def handle(self, *args, max_backoff: float, **options):
        delay = 1.0
        while True:
            started = time.monotonic()
            try:
                return self.run_worker(*args, **options)
            except (OperationalError, InterfaceError) as error:
                if time.monotonic() - started > HEALTHY_AFTER:
                    delay = 1.0
                logger.warning(
                    "Datenbank nicht erreichbar (%s: %s); der Hintergrunddienst versucht es in %.0f s wieder.",
                    type(error).__name__,
                    str(error).strip().splitlines()[0] if str(error).strip() else "",
                    delay,
                )
                connections.close_all()
                self.wait_before_retry(delay)
                delay = min(delay * 2, max_backoff)

    # The two steps of the loop above, as methods of this command: a test overrides them in a
    # subclass of it (a run that meets an unreachable database, a wait that only records).

    def run_worker(self, *args, **options):
        """One run of ``db_worker``: until it stops, or raises when the database goes away."""
        return super().handle(*args, **options)

    def wait_before_retry(self, seconds: float) -> None:
        time.sleep(seconds)
