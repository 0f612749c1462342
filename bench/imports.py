"""The import of a 10.000-row positions workbook (issue 24): seconds for the preview and the
commit and the peak memory of the process, against the database in DATABASE_URL (migrated, with
the demo data, e.g. the benchmark's). Everything is rolled back at the end.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ia_bench SECRET_KEY=x \\
        .venv/bin/python -m bench.imports --rows 10000

Targets: preview under 20 s, commit under 60 s, under 500 MiB (on the 2-core benchmark machine).
``make bench`` runs it in a process of its own and puts the figures into its report
(``bench.run.import_benchmark``). The preview and the commit are the functions the background
job calls (:mod:`staffing.imports.jobs`), without the queue.
"""

import argparse
import io
import json
import os
import resource
import time

TARGETS = {"preview_seconds": 20.0, "commit_seconds": 60.0, "peak_mib": 500.0}


def workbook(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Stellen"
    sheet.append(["Stellenplan (Benchmark)"])
    sheet.append(["Organisation", "Programm", "Baustein", "Bezeichnung", "VZÄ", "Beginn", "Ende", "Entgeltgruppe",
                  "Stufe", "Stelleninhaber/in", "Anteil"])  # fmt: skip
    for index in range(rows):
        sheet.append(
            [
                "KI" if index % 2 else "DRK",
                "KIM",
                2,
                f"Benchmark-Stelle {index}",
                "1,0",
                "01.01.2021",
                "31.12.2022",
                "E 11",
                1 + index % 6,
                f"Person {index}",
                "0,5",
            ]  # fmt: skip
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def measure(rows: int) -> dict:
    from django.db import transaction

    from integration_admin.core.scopes import scope
    from integration_admin.models import User
    from staffing.imports.positions import commit_run, run_preview, start_run

    content = workbook(rows)
    user = User.objects.get(username="admin")
    with transaction.atomic(), scope(body=user.body_id):  # as the job runs: in its user's body
        start = time.perf_counter()
        run = start_run(user=user, name="benchmark.xlsx", content=content)  # reads the file and previews it
        preview_seconds = time.perf_counter() - start
        start = time.perf_counter()
        commit_run(run=run, user=user)  # reads and previews again against the data of now, then writes
        commit_seconds = time.perf_counter() - start
        created = run_preview(run, user=user).counts
        transaction.set_rollback(True)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "rows": rows,
        "file_mib": round(len(content) / 2**20, 2),
        "preview_seconds": round(preview_seconds, 2),
        "commit_seconds": round(commit_seconds, 2),
        "peak_mib": round(peak_mib),
        "reimport_unchanged": created["unchanged"] == rows,
    }
    result["ok"] = all(result[key] <= limit for key, limit in TARGETS.items()) and result["reimport_unchanged"]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    arguments = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "integration_admin.settings")
    import django

    django.setup()
    print(json.dumps(measure(arguments.rows), indent=2))


if __name__ == "__main__":
    main()
