"""`make bench`: the application at the size of a whole Land, measured in one run.

1. Generates the state-scale data set (bench/generate.py) into its own PostgreSQL database
   (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/ia_bench).
2. SQL queries per request of every list and detail page at 10 and 100 rows per page.
3. Under gunicorn against PostgreSQL, with wrk: single-client latency p50/p99 and throughput with
   4 concurrent clients for the positions list (filtered, sorted, 50 rows), a programme detail,
   the dashboard, and a trivial page served by the same server; rounds interleave the pages, so
   that ratios hold on a noisy machine. Each figure: median and spread (min-max) over the rounds.
4. The dashboard's and the controlling overview's aggregates at 10.000 positions: time, queries,
   and a check that the totals are exact to the cent.
5. PDF: seconds per page and peak memory for reports of 1, 5, 20, 50 and 200 pages (each in a
   fresh process that has rendered a one-page report before, as a server or worker process has:
   the first PDF of a process also loads fonts, stylesheet and hyphenation patterns, reported on
   its own line), where the report generator for the benchmark is available.

Writes bench/results/latest.md and latest.json and prints the table.

    python -m bench.run [--rounds 5] [--seconds 4] [--reuse] [--positions 10000] [--quick]
"""

import argparse
import datetime
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/ia_bench"
# One key for the whole run: the session made in-process must be valid in gunicorn too.
SECRET_KEY = os.environ.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50)
TARGETS = {
    "positions_rps": 100.0,
    "positions_p50_ms": 25.0,
    "positions_p99_ms": 80.0,
    "aggregate_ms": 50.0,
    "pdf_seconds_per_page": 0.15,
    "pdf_20_pages_seconds": 3.0,
    "pdf_20_pages_mib": 200.0,
    "pdf_200_pages_mib": 1024.0,
    "queries_per_page": 6,  # a list or detail page's own queries, without session and user
    "queries_per_table": 2,  # dashboard and controlling overview: "at most 2 queries per table"
}
# Pages that aggregate many tables: the issue gives them a budget per table, not per page.
OVERVIEWS = ("dashboard", "controlling")


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def django_env(db_url: str, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        DJANGO_SETTINGS_MODULE="integration_admin.settings",
        SECRET_KEY=SECRET_KEY,
        BENCH_SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        HTTPS="0",
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    env.pop("DEBUG", None)
    env.update(extra)
    return env


# --- 1. data ----------------------------------------------------------------------------------


def analyze(db_url: str) -> None:
    """Planner statistics, as autovacuum keeps them on a running server (the benchmark machine's
    PostgreSQL runs without autovacuum: without this, the planner guessed 2.067 positions of 10.005)."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as connection:
        connection.execute("ANALYZE")


def prepare_database(db_url: str, positions: int, reuse: bool) -> dict:
    import psycopg

    parts = urlsplit(db_url)
    name = parts.path.lstrip("/")
    admin_url = db_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reuse:
            log(f"reusing database {name}")
            analyze(db_url)
            return {"reused": True}
        if exists:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            )
            admin.execute(f'DROP DATABASE "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    env = django_env(db_url)
    log(f"migrating {name}")
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    log(f"generating {positions} positions")
    started = time.perf_counter()
    out = subprocess.run(
        [PYTHON, "-m", "bench.generate", "--positions", str(positions)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    counts = json.loads(out.strip().splitlines()[-1].replace("'", '"'))
    counts["generation_seconds"] = round(time.perf_counter() - started, 1)
    analyze(db_url)
    return counts


# --- 2. and 4.: in-process measurements (Django set up against the benchmark database) -----------

BOOKKEEPING = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT", "ROLLBACK")


def own_queries(captured) -> list[str]:
    """A page's own statements: without transaction statements, the session and the logged-in user."""
    return [
        q["sql"]
        for q in captured
        if not q["sql"].startswith(BOOKKEEPING)
        and '"django_session"' not in q["sql"]
        and 'FROM "integration_admin_user"' not in q["sql"]
    ]


def inprocess(db_url: str) -> dict:
    os.environ.update(django_env(db_url, STATIC_MANIFEST="0"))
    import django

    django.setup()
    from decimal import Decimal

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from funding.controlling import controlling_overview, controlling_totals
    from funding.models import CallOff, DecisionVersion, GrantDecision
    from funding.summaries import deadlines, programme_summaries
    from integration_admin.council.models import Meeting, Report
    from integration_admin.models import User
    from programs.models import Programme
    from staffing.models import Organisation, Position

    user = User.objects.get(username="leitung")
    backend = "integration_admin.backends.ModelBackendWithOrganisation"
    client = Client()
    client.force_login(user, backend=backend)

    programme = Programme.objects.filter(short_name__startswith="BP").order_by("pk")[7]
    position = Position.objects.filter(building_block__programme=programme).order_by("pk").first()
    decision = GrantDecision.objects.filter(programme=programme).first()
    pages = {
        "dashboard": "/",
        "positions list": "/positions/?per_page={n}",
        "organisations list": "/organisations/?per_page={n}",
        "decisions list": "/decisions/?per_page={n}",
        "proofs list": "/proofs/?per_page={n}",
        "applications list": "/applications/?per_page={n}",
        "reports list": "/reports/?per_page={n}",
        "meetings list": "/meetings/?per_page={n}",
        "programmes list": "/programmes/",
        "controlling": "/controlling/",
        "position detail": position.get_absolute_url(),
        "programme detail": programme.get_absolute_url() + "?per_page={n}",
        "organisation detail": Organisation.objects.get(short_name="B007").get_absolute_url() + "?per_page={n}",
        "decision detail": decision.get_absolute_url(),
        "decision history": reverse("funding:decision-history", args=[decision.pk]),
    }
    report = Report.objects.order_by("pk").first()
    if report is not None:
        pages["report detail"] = report.get_absolute_url()
    meeting = Meeting.objects.order_by("pk").first()
    if meeting is not None:
        pages["meeting detail"] = meeting.get_absolute_url()

    queries = {}
    for name, template in pages.items():
        counts = []
        for size in (10, 100):
            with CaptureQueriesContext(connection) as captured:
                response = client.get(template.format(n=size))
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code} for {template.format(n=size)}")
            counts.append(len(own_queries(captured.captured_queries)))
        queries[name] = {"10 rows": counts[0], "100 rows": counts[1], "constant": counts[0] == counts[1]}
        if name in OVERVIEWS:  # their budget is per table: count the tables the page shows
            queries[name]["tables"] = response.content.decode().count("<table")

    def timed(function, repeat=7):
        function()
        samples = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                result = function()
                samples.append((time.perf_counter() - started) * 1000)
        return result, samples, len(captured.captured_queries)

    first_page = Programme.objects.all()[:10]
    today = datetime.date.today()

    def dashboard_figures():
        summaries = programme_summaries(first_page, rows_per_block=4, organisations=5)
        return summaries, deadlines(today)

    def controlling_figures():
        ids = list(first_page.values_list("pk", flat=True))
        return controlling_overview(programme_ids=ids), controlling_totals(Programme.objects.all())

    (summaries, _due), dash_samples, dash_queries = timed(dashboard_figures)
    (rows, totals), ctrl_samples, ctrl_queries = timed(controlling_figures)
    # Exact to the cent / thousandth: the database totals against plain Decimal sums of the rows.
    current = DecisionVersion.objects.current().values_list("granted_amount", flat=True)
    granted_python = sum((g for g in current if g is not None), Decimal("0"))
    called_python = sum(CallOff.objects.values_list("amount", flat=True), Decimal("0"))
    page_ids = [s.programme.pk for s in summaries]
    fte_python = sum(
        Position.objects.filter(building_block__programme__in=page_ids).values_list("fte", flat=True), Decimal("0")
    )
    fte_dashboard = sum((s.fte_total for s in summaries), Decimal("0"))
    aggregates = {
        "dashboard": {
            "what": "programme_summaries (first page: 10 programmes) + deadlines",
            "median_ms": round(statistics.median(dash_samples), 1),
            "min_ms": round(min(dash_samples), 1),
            "max_ms": round(max(dash_samples), 1),
            "queries": dash_queries,
            "fte_total": str(fte_dashboard),
            "exact": fte_dashboard == fte_python,
        },
        "controlling": {
            "what": "controlling_overview (first page) + totals over all programmes",
            "median_ms": round(statistics.median(ctrl_samples), 1),
            "min_ms": round(min(ctrl_samples), 1),
            "max_ms": round(max(ctrl_samples), 1),
            "queries": ctrl_queries,
            "granted_total": str(totals["granted"]),
            "exact": totals["granted"] == granted_python and totals["called"] == called_python,
        },
    }

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {
        "queries": queries,
        "aggregates": aggregates,
        "session_key": session.session_key,
        "urls": {
            "trivial": "/ping/",
            "positions list": f"/positions/?programme={programme.pk}&status=approved&sort=-fte&per_page=50",
            "programme detail": programme.get_absolute_url(),
            "dashboard": "/",
            "controlling": "/controlling/",
        },
    }


# --- 3. HTTP under gunicorn with wrk ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(db_url: str, workers: int) -> tuple[subprocess.Popen, str]:
    env = django_env(db_url)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [str(Path(PYTHON).parent / "gunicorn"), "integration_admin.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/accounts/login/", timeout=1)  # noqa: S310
            return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> dict:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        return float(match.group(1)) * UNITS[match.group(2)]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "rps": rps,
        "non_2xx": int(bad.group(1)) if bad else 0,
        "socket_errors": sum(int(g) for g in errors.groups()) if errors else 0,
    }


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect (to the login page) means the benchmark would measure the wrong page."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise SystemExit(f"redirected to {newurl}: the benchmark session is not valid")


def wrk(base: str, path: str, cookie: str, connections: int, seconds: int) -> dict:
    threads = min(connections, 2)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
         "-H", f"Cookie: sessionid={cookie}", base + path],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return parse_wrk(out)


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        log("installing wrk (Debian package)")
        subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
        return
    raise SystemExit("wrk fehlt: sudo apt-get install -y wrk")


def http_benchmark(db_url: str, urls: dict, cookie: str, rounds: int, seconds: int, workers: int) -> dict:
    ensure_wrk()
    process, base = start_gunicorn(db_url, workers)
    try:
        opener = urllib.request.build_opener(NoRedirect)
        for name, path in urls.items():
            request = urllib.request.Request(base + path, headers={"Cookie": f"sessionid={cookie}"})  # noqa: S310
            with opener.open(request) as response:
                body = response.read()
                if response.status != 200:
                    raise SystemExit(f"{name}: HTTP {response.status} for {path}")
            log(f"{name}: {path} -> 200, {len(body) // 1024} KiB")
            wrk(base, path, cookie, 1, 1)  # warm-up: templates, connections
        samples: dict[str, dict[str, list[float]]] = {name: {"p50_ms": [], "p99_ms": [], "rps": []} for name in urls}
        for round_number in range(1, rounds + 1):
            log(f"HTTP round {round_number}/{rounds}")
            for name, path in urls.items():
                single = wrk(base, path, cookie, 1, seconds)
                parallel = wrk(base, path, cookie, 4, seconds)
                for result in (single, parallel):
                    if result["non_2xx"] or result["socket_errors"]:
                        raise SystemExit(
                            f"{name}: {result['non_2xx']} non-2xx responses, {result['socket_errors']} errors"
                        )
                samples[name]["p50_ms"].append(single["p50_ms"])
                samples[name]["p99_ms"].append(single["p99_ms"])
                samples[name]["rps"].append(parallel["rps"])
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)

    def summary(values):
        return {
            "median": round(statistics.median(values), 2),
            "min": round(min(values), 2),
            "max": round(max(values), 2),
        }

    result = {}
    trivial = samples["trivial"]
    for name, values in samples.items():
        ratios_p50 = [a / b for a, b in zip(values["p50_ms"], trivial["p50_ms"], strict=True)]
        ratios_rps = [a / b for a, b in zip(values["rps"], trivial["rps"], strict=True)]
        result[name] = {
            "path": urls[name],
            "p50_ms": summary(values["p50_ms"]),
            "p99_ms": summary(values["p99_ms"]),
            "rps_4_clients": summary(values["rps"]),
            "p50_vs_trivial": round(statistics.median(ratios_p50), 2),
            "rps_vs_trivial": round(statistics.median(ratios_rps), 2),
        }
    return result


# --- 5. PDF ------------------------------------------------------------------------------------------

PDF_CHILD = """
import json, os, resource, sys, time
import django
django.setup()
from integration_admin.council import bench_support
pages = int(sys.argv[1])
warm_up = bench_support.report_of_pages(1)
report = bench_support.report_of_pages(pages)
started = time.perf_counter()
bench_support.render(warm_up)  # the process's first PDF: fonts, stylesheet, hyphenation patterns
first = time.perf_counter() - started
started = time.perf_counter()
pdf_bytes, page_count = bench_support.render(report)
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"pages": page_count, "seconds": seconds, "first_seconds": first, "peak_mib": peak,
                  "bytes": len(pdf_bytes)}))
"""


def pdf_benchmark(db_url: str, sizes: list[int], rounds: int) -> dict:
    env = django_env(db_url, STATIC_MANIFEST="0")
    probe = subprocess.run(
        [PYTHON, "-c", "import django; django.setup(); import bench.reports"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if probe.returncode != 0:
        error = (probe.stderr.strip().splitlines() or ["?"])[-1]
        log(f"PDF: the report generator for the benchmark fails to load: {error}")
        return {"available": False, "error": error}
    results = {}
    for size in sizes:
        runs = []
        for _ in range(rounds):  # the 200-page paper too: one run of it varied by a fifth on a noisy machine
            out = subprocess.run(
                [PYTHON, "-c", PDF_CHILD, str(size)], cwd=ROOT, env=env, capture_output=True, text=True, check=True
            ).stdout
            runs.append(json.loads(out.strip().splitlines()[-1]))
        pages = runs[0]["pages"]
        seconds = [r["seconds"] for r in runs]
        peaks = [r["peak_mib"] for r in runs]
        results[str(size)] = {
            "pages": pages,
            "seconds": round(statistics.median(seconds), 2),
            "seconds_spread": [round(min(seconds), 2), round(max(seconds), 2)],
            "seconds_per_page": round(statistics.median(seconds) / pages, 3),
            "peak_mib": round(statistics.median(peaks), 1),
            "first_pdf_seconds": round(statistics.median(r["first_seconds"] for r in runs), 2),
        }
        log(f"PDF {size} pages requested: {results[str(size)]}")
    return {"available": True, "reports": results}


# --- output ------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def markdown(result: dict) -> str:
    lines = [
        f"# Benchmark {result['started']}",
        "",
        f"Machine: {result['machine']}. Data: {json.dumps(result['data'], ensure_ascii=False)}.",
        f"HTTP: gunicorn with {result['workers']} workers against PostgreSQL, wrk, {result['rounds']} rounds x "
        f"{result['seconds']} s per page and mode; median (min-max) over rounds.",
        "",
        "## Latency and throughput",
        "",
        "| page | p50, 1 client (ms) | p99, 1 client (ms) | requests/s, 4 clients | p50 / trivial | req/s / trivial |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in result["http"].items():
        lines.append(
            f"| {name} | {r['p50_ms']['median']} ({r['p50_ms']['min']}-{r['p50_ms']['max']}) "
            f"| {r['p99_ms']['median']} ({r['p99_ms']['min']}-{r['p99_ms']['max']}) "
            f"| {r['rps_4_clients']['median']} ({r['rps_4_clients']['min']}-{r['rps_4_clients']['max']}) "
            f"| {r['p50_vs_trivial']} | {r['rps_vs_trivial']} |"
        )
    pos = result["http"]["positions list"]
    lines += [
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "|---|---|---|",
        f"| positions list >= 100 req/s with 4 clients | {pos['rps_4_clients']['median']} "
        f"| {verdict(pos['rps_4_clients']['median'] >= TARGETS['positions_rps'])} |",
        f"| positions list p50 < 25 ms | {pos['p50_ms']['median']} ms "
        f"| {verdict(pos['p50_ms']['median'] < TARGETS['positions_p50_ms'])} |",
        f"| positions list p99 < 80 ms | {pos['p99_ms']['median']} ms "
        f"| {verdict(pos['p99_ms']['median'] < TARGETS['positions_p99_ms'])} |",
    ]
    for name, agg in result["aggregates"].items():
        lines.append(
            f"| {name} aggregates < 50 ms, exact | {agg['median_ms']} ms, {agg['queries']} queries, "
            f"exact: {agg['exact']} | {verdict(agg['median_ms'] < TARGETS['aggregate_ms'] and agg['exact'])} |"
        )
    for page in ("dashboard", "controlling"):
        measured = result["http"][page]["p50_ms"]["median"]
        lines.append(f"| {page} page p50 < 50 ms | {measured} ms | {verdict(measured < TARGETS['aggregate_ms'])} |")
    pdf = result["pdf"]
    if pdf.get("available"):
        first = statistics.median(r["first_pdf_seconds"] for r in pdf["reports"].values())
        lines.append(
            f"| (no target) a process's first PDF, one page: fonts, stylesheet, hyphenation loaded once; "
            f"not in the figures below | {first:.2f} s | – |"
        )
        for size, r in pdf["reports"].items():
            lines.append(
                f"| PDF {r['pages']} pages: <= 0,15 s/page | {r['seconds']} s ({r['seconds_per_page']} s/page), "
                f"{r['peak_mib']} MiB | {verdict(r['seconds_per_page'] <= TARGETS['pdf_seconds_per_page'])} |"
            )
            if size == "20":
                ok = r["seconds"] < TARGETS["pdf_20_pages_seconds"] and r["peak_mib"] < TARGETS["pdf_20_pages_mib"]
                lines.append(
                    f"| PDF 20 pages < 3 s and < 200 MiB | {r['seconds']} s, {r['peak_mib']} MiB | {verdict(ok)} |"
                )
            if size == "200":
                ok = r["peak_mib"] < TARGETS["pdf_200_pages_mib"]
                lines.append(
                    f"| PDF 200 pages (the background job's code path) < 1 GiB | {r['seconds']} s, "
                    f"{r['peak_mib']} MiB | {verdict(ok)} |"
                )
    else:
        lines.append(f"| PDF | report generator failed to load: {pdf.get('error', '?')} | MISSED |")
    lines += ["", "## SQL queries per request (a page's own; session, user and transaction statements not counted)", ""]
    lines += [
        "Lists and detail pages: at most 6 queries; the dashboard and the controlling overview: at most 2 per",
        "table they show (the tables counted in the page).",
        "",
        "| page | 10 rows | 100 rows | constant | budget |",
        "|---|---|---|---|---|",
    ]
    for name, q in result["queries"].items():
        most = max(q["10 rows"], q["100 rows"])
        if "tables" in q:
            within = most <= TARGETS["queries_per_table"] * q["tables"]
            budget = f"≤ 2 per table, {q['tables']} tables: {verdict(within)}"
        else:
            budget = f"≤ 6: {verdict(most <= TARGETS['queries_per_page'])}"
        lines.append(f"| {name} | {q['10 rows']} | {q['100 rows']} | {verdict(q['constant'])} | {budget} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--positions", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=4)
    # as `make serve`: WEB_CONCURRENCY, else one worker per core
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count()))
    parser.add_argument("--reuse", action="store_true", help="keep the benchmark database if it exists")
    parser.add_argument("--quick", action="store_true", help="2 rounds of 2 s, PDF once (for trying things)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.seconds = 2, 2
    db_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    started = datetime.datetime.now().astimezone()

    # Production serves hashed, compressed static files; the manifest must exist before anything renders.
    log("collecting static files")
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=django_env(db_url), check=True
    )
    data = prepare_database(db_url, args.positions, args.reuse)
    log("queries per page and aggregates (in process)")
    # In a child process: Django is set up there against the benchmark database.
    child = "import json, sys; from bench.run import inprocess; print(json.dumps(inprocess(sys.argv[1])))"
    out = subprocess.run(
        [PYTHON, "-c", child, db_url], cwd=ROOT, env=django_env(db_url), capture_output=True, text=True, check=True
    ).stdout
    measured = json.loads(out.strip().splitlines()[-1])
    log("HTTP under gunicorn")
    http = http_benchmark(db_url, measured["urls"], measured["session_key"], args.rounds, args.seconds, args.workers)
    log("PDF")
    pdf = pdf_benchmark(db_url, [1, 5, 20, 50] if args.quick else [1, 5, 20, 50, 200], 1 if args.quick else 3)

    result = {
        "started": started.isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, {os.uname().sysname} {os.uname().release}",
        "data": data,
        "workers": args.workers,
        "rounds": args.rounds,
        "seconds": args.seconds,
        "queries": measured["queries"],
        "aggregates": measured["aggregates"],
        "http": http,
        "pdf": pdf,
        "targets": TARGETS,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    table = markdown(result)
    (RESULTS / "latest.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    (RESULTS / "latest.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
