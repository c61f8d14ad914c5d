"""Benchmark of circulation on PostgreSQL: checkouts per second through the service layer
(``loan_create``) and over HTTP at the circulation desk with 20 concurrent staff clients;
no copy may ever be lent twice.

    .venv/bin/python bench/checkouts.py [--readers 2000] [--copies 5000] [--checkouts 4000] \\
        [--threads 8] [--overlap 0.2] [--clients 20] [--http-checkouts 1000] [--workers 4] \\
        [--worker-threads 4] [--conn-max-age 0] [--skip-http] [--keep] [--reuse] [--json] \\
        [--database-url postgres://postgres@127.0.0.1:5432/bench_checkouts]

The script creates its own PostgreSQL database (default ``bench_checkouts`` on
127.0.0.1:5432, user ``postgres``, trust authentication; the name must start with
``bench_``). It refuses a database that already exists unless ``--reuse`` is given (which
drops and recreates it), and drops it at the end unless ``--keep``. Settings are
``library_site.settings.production`` (DEBUG off, PBKDF2 passwords, secure cookies, static
files from a ``collectstatic`` manifest) with a freshly generated ``SECRET_KEY``,
``ALLOWED_HOSTS=127.0.0.1,localhost,testserver`` and temporary media and static folders;
the HTTP clients send ``X-Forwarded-Proto: https`` as the TLS-terminating proxy of a real
deployment does. ``--conn-max-age`` sets ``DB_CONN_MAX_AGE`` (0, the shipped default, opens
a database connection per request).

Steps:

1. setup, not timed: migrate, ``collectstatic``; one school library with its portal,
   opening hours (Monday to Saturday, two periods) and a few closed days; loan rules for
   students and staff (14 days, 30 loans at once); ``--readers`` readers with
   memberships and valid cards; ``--copies`` copies of believable records (the generator
   of ``bench/import_catalog.py``, written with ``bulk_create``); ``--clients`` librarians
   in the library's staff group. The queries of one ``loan_create``, one ``loan_return``
   and of each desk request are counted (``CaptureQueriesContext``).
2. service layer, one process:
   a. ``--checkouts`` checkouts, one after the other (a different copy each time, readers
      in turn), timed → checkouts/s; checked; every loan returned with ``loan_return``,
      timed → returns/s;
   b. contended: ``--checkouts`` attempts from ``--threads`` threads, each with its own
      database connection, drawing copies from one shared deck: usually the next fresh
      copy, with probability ``--overlap`` one handed out a moment ago to another thread
      (on loan already, or being lent at that very moment), which must be refused;
      successes and refusals counted, checked, then all returned by the same threads.
3. HTTP (unless ``--skip-http``): gunicorn (``--workers`` processes, default two per CPU, ×
   ``--worker-threads`` threads, gthread) on a free loopback port against the same
   database; ``--clients`` client threads (``requests``, a dependency of Wagtail; one
   session and cookie jar each) log in at ``/admin/login/``,
   open the desk, wait for each other, then loop: scan a reader's card (the QR payload,
   or the printed card number one time in five), scan 1–3 copies drawn from the shared
   deck as above, "next reader", until ``--http-checkouts`` copy scans have been made.
   Each scan is a POST answered in JSON, as the desk's script sends it; with
   ``--page-reload``, a POST answered by a redirect and the GET of the desk
   (post/redirect/get, as a browser without JavaScript does). Measured: successful checkouts per second over
   the run, latency p50/p95 of the checkout POST and of POST + GET, refusals.

After each stage the database is checked with SQL: no copy with more than one open loan,
the number of open loans equal to the successes counted, and copy statuses matching the
open loans. The summary goes to stdout (``--json``: one JSON object instead); progress
to stderr.
"""

import argparse
import collections
import html
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
LIBRARY_CODE = "thcs-bench-muon"
PASSWORD = "thu-thu-bench-2026"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_checkouts"

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Quang", "Đức", "Thu", "Bảo", "Gia", "Khánh", "Phương"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Khoa", "Lan", "Linh", "Long", "Mai"]
GIVEN += ["Nam", "Ngân", "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tuấn", "Uyên", "Vy"]

OUTCOME_RE = re.compile(r'data-ok="([01])">(.*?)</p>', re.S)


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def load() -> str:
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


# --- The database ------------------------------------------------------------------------


def database_parts(url: str) -> tuple[str, str]:
    """The maintenance URL (database ``postgres`` on the same server) and the name."""
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        sys.exit("--database-url must be a PostgreSQL URL (postgres://…).")
    name = parts.path.lstrip("/")
    if not re.fullmatch(r"bench_[a-z0-9_]+", name):
        sys.exit(f"Database name {name!r} refused: the benchmark only creates databases named bench_… .")
    return parts._replace(path="/postgres").geturl(), name


def database_create(url: str, *, reuse: bool) -> None:
    import psycopg

    maintenance, name = database_parts(url)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not reuse:
            sys.exit(f"Database {name} exists: drop it, choose another --database-url, or pass --reuse to recreate it.")
        if exists:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def database_drop(url: str) -> None:
    import psycopg

    maintenance, name = database_parts(url)
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- Setup ---------------------------------------------------------------------------------


def setup(options) -> dict:
    """Library, readers with cards, records and copies, librarians. Not timed as a stage."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from catalog.models import ContributorRole, Copy, MaterialKind, Record, RecordContributor
    from catalog.services.codes import record_codes_reserve
    from catalog.services.records import record_match_key
    from lending.models import Card, ClosedDay, LoanRule, Membership, Reader, ReaderCategory
    from lending.services.cards import card_default_valid_until, card_number
    from library_site.libraries.models import Library, LibraryKind, OpeningHours
    from library_site.portals.services import library_portal_provision

    sys.path.insert(0, str(BENCH_DIR))
    from import_catalog import books  # the catalog benchmark's generator of believable records

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    migrate_seconds = time.perf_counter() - started

    started = time.perf_counter()
    rng = random.Random(options.seed)
    library = Library.objects.create(
        name="Thư viện Trường THCS Lê Quý Đôn",
        short_name="THCS Lê Quý Đôn",
        code=LIBRARY_CODE,
        kind=LibraryKind.LOWER_SECONDARY,
        district="Quận 3",
        address="110 Nguyễn Thị Minh Khai",
    )
    library_portal_provision(library=library, port=80)
    library.refresh_from_db()
    for weekday in range(6):  # Monday to Saturday, morning and afternoon
        OpeningHours.objects.create(
            library=library, weekday=weekday, opens=datetime.time(7, 0), closes=datetime.time(11, 30), sort_order=0
        )
        OpeningHours.objects.create(
            library=library, weekday=weekday, opens=datetime.time(13, 30), closes=datetime.time(16, 30), sort_order=1
        )
    today = timezone.localdate()
    ClosedDay.objects.bulk_create(
        ClosedDay(library=library, date=today + datetime.timedelta(days=days), reason=reason)
        for days, reason in [(14, "Kiểm kê kho sách"), (15, "Kiểm kê kho sách"), (21, "Hội thao giáo viên")]
    )
    for category in (ReaderCategory.STUDENT, ReaderCategory.STAFF):
        LoanRule.objects.create(library=library, category=category, loan_days=14, max_loans=30, max_renewals=1)

    classes = [f"{grade}A{number}" for grade in range(6, 10) for number in range(1, 13)]
    readers = Reader.objects.bulk_create(
        Reader(
            id_number=f"79{n:08d}",
            full_name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
            date_of_birth=datetime.date(2011 + n % 4, 1 + n % 12, 1 + n % 28),
        )
        for n in range(options.readers)
    )
    teachers = max(1, options.readers // 20)  # one reader in twenty is a teacher
    memberships = Membership.objects.bulk_create(
        Membership(
            reader=reader,
            library=library,
            category=ReaderCategory.STAFF if n < teachers else ReaderCategory.STUDENT,
            class_name="" if n < teachers else classes[n * len(classes) // options.readers],
            school_year="2026-2027",
        )
        for n, reader in enumerate(readers)
    )
    Card.objects.bulk_create(
        Card(
            membership=membership,
            reader=membership.reader,
            serial=1,
            number=card_number(reader=membership.reader, serial=1),
            valid_until=card_default_valid_until(membership=membership, today=today),
        )
        for membership in memberships
    )

    # Records and copies: rows of the catalog benchmark's generator until there are
    # enough copies (one or two per book), written in bulk.
    rows, copy_count = [], 0
    for row in books(options.copies + 100, seed=options.seed):
        rows.append(row)
        copy_count += len(row["barcodes"])
        if copy_count >= options.copies:
            break
    codes = record_codes_reserve(count=len(rows))
    kinds = {"Sách in": MaterialKind.PRINTED_BOOK}
    records = Record.objects.bulk_create(
        Record(
            code=code,
            title=row["title"],
            publisher=row["publisher"],
            year=row["year"],
            isbn=row["isbn"],
            summary=row["summary"],
            ddc=row["ddc"],
            kind=kinds.get(row["kind"], MaterialKind.TEACHING_DOCUMENT),
            library=library,
            match_key=record_match_key(title=row["title"], first_author=row["authors"][0], year=row["year"]),
        )
        for code, row in zip(codes, rows, strict=True)
    )
    RecordContributor.objects.bulk_create(
        RecordContributor(
            record=record,
            name=name.replace(" (minh họa)", ""),
            role=ContributorRole.ILLUSTRATOR if "(minh họa)" in name else ContributorRole.AUTHOR,
            sort_order=order,
        )
        for record, row in zip(records, rows, strict=True)
        for order, name in enumerate(row["authors"])
    )
    Copy.objects.bulk_create(
        [
            Copy(
                record=record,
                library=library,
                barcode=barcode,
                call_number=row["call_number"],
                shelf_location=row["shelf"],
                acquired_on=datetime.date(row["year"], 9, 1),
            )
            for record, row in zip(records, rows, strict=True)
            for barcode in row["barcodes"]
        ][: options.copies],
        batch_size=1000,
    )

    # Librarians: one password hash for all (PBKDF2 is slow on purpose).
    User = get_user_model()
    password = make_password(PASSWORD)
    users = User.objects.bulk_create(
        User(username=f"thuthu{n:02d}", first_name="Thủ thư", last_name=f"số {n}", password=password)
        for n in range(1, options.clients + 1)
    )
    library.staff_group.user_set.add(*users)
    return {
        "library_id": library.pk,
        "migrate_seconds": round(migrate_seconds, 1),
        "data_seconds": round(time.perf_counter() - started, 1),
        "readers": len(readers),
        "records": len(records),
        "copies": Copy.objects.count(),
        "librarians": len(users),
    }


# --- Checks -------------------------------------------------------------------------------


def loans_check(*, expected_open: int) -> dict:
    """SQL checks of the loan table against the copies and the successes counted."""
    from django.db import connection

    from catalog.models import Copy, CopyStatus
    from lending.models import Loan

    loan, copy = Loan._meta.db_table, Copy._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT copy_id FROM {loan} WHERE returned_at IS NULL "
            f"GROUP BY copy_id HAVING COUNT(*) > 1) AS doubled"
        )
        doubled = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {loan} WHERE returned_at IS NULL")
        open_loans = cursor.fetchone()[0]
        cursor.execute(f"SELECT COUNT(*) FROM {copy} WHERE status = %s", [CopyStatus.ON_LOAN])
        copies_on_loan = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT COUNT(*) FROM {copy} c WHERE (c.status = %s) <> EXISTS "
            f"(SELECT 1 FROM {loan} l WHERE l.copy_id = c.id AND l.returned_at IS NULL)",
            [CopyStatus.ON_LOAN],
        )
        status_mismatches = cursor.fetchone()[0]
    result = {
        "copies_with_two_open_loans": doubled,
        "open_loans": open_loans,
        "expected_open_loans": expected_open,
        "copies_on_loan": copies_on_loan,
        "status_mismatches": status_mismatches,
    }
    result["ok"] = doubled == 0 and open_loans == expected_open == copies_on_loan and status_mismatches == 0
    return result


# --- Queries per operation --------------------------------------------------------------------


def queries_count(options, library_id: int) -> dict:
    """Queries of one loan_create and one loan_return, and of each desk request (Django's
    test client, in process, with the same middleware as gunicorn). Also a smoke test of
    the desk before the HTTP stage."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from catalog.models import Copy
    from lending.card_codes import card_payload
    from lending.models import Card, Membership
    from lending.services.loans import loan_create, loan_return
    from library_site.libraries.models import Library

    library = Library.objects.get(pk=library_id)
    membership = Membership.objects.filter(library=library).order_by("pk").last()
    copies = list(Copy.objects.filter(library=library).order_by("-pk")[:2])
    with CaptureQueriesContext(connection) as create_queries:
        loan_create(membership=membership, copy=copies[0], library=library)
    with CaptureQueriesContext(connection) as return_queries:
        loan_return(copy=copies[0])

    from django.contrib.auth import get_user_model

    client = Client(headers={"accept-language": "en", "x-forwarded-proto": "https"})  # as behind the proxy
    client.force_login(get_user_model().objects.get(username="thuthu01"))
    desk = reverse("lending_desk")
    card = Card.objects.select_related("reader").get(membership=membership, revoked_at__isnull=True)
    counts = {}
    for label, method, data in [
        ("desk_open", "get", None),
        ("card_scan_post", "post", {"code": card_payload(card)}),
        ("card_scan_get", "get", None),
        ("checkout_post", "post", {"code": copies[1].barcode}),
        ("checkout_get", "get", None),
        ("next_reader_post", "post", {"action": "done"}),
        ("next_reader_get", "get", None),
    ]:
        with CaptureQueriesContext(connection) as queries:
            response = getattr(client, method)(desk, data) if data else client.get(desk)
        expected = 302 if method == "post" else 200
        if response.status_code != expected:
            where = response.get("Location", "")
            raise RuntimeError(f"Desk smoke test: {label} answered {response.status_code} {where}; expected {expected}")
        counts[label] = len(queries)
        if label == "checkout_get" and outcome(response.text)[0] is not True:
            raise RuntimeError("Desk smoke test: the checkout was not accepted: " + outcome(response.text)[1])
    loan_return(copy=copies[1])
    return {
        "loan_create": len(create_queries),
        "loan_create_sql": [query["sql"] for query in create_queries.captured_queries],
        "loan_return": len(return_queries),
        "loan_return_sql": [query["sql"] for query in return_queries.captured_queries],
        "desk": counts,
    }


def outcome(page: str) -> tuple[bool | None, str]:
    match = OUTCOME_RE.search(page)
    if not match:
        return None, ""
    return match.group(1) == "1", html.unescape(re.sub(r"<[^>]+>", "", match.group(2))).strip()


# --- Stage 1: the service layer -----------------------------------------------------------


class CopyDeck:
    """Copies handed to the desks: mostly the next fresh copy of a shuffled deck; with
    probability ``overlap`` one handed out a moment ago (to another desk: on loan by now,
    or being lent right now), which must be refused."""

    def __init__(self, copies: list, *, overlap: float, seed: int, window: int = 16):
        self._rng = random.Random(seed)
        self._fresh = list(copies)
        self._rng.shuffle(self._fresh)
        self._recent = collections.deque(maxlen=window)
        self._overlap = overlap
        self._lock = threading.Lock()

    def draw(self):
        with self._lock:
            if self._recent and self._rng.random() < self._overlap:
                return self._rng.choice(self._recent)
            if not self._fresh:
                return None
            item = self._fresh.pop()
            self._recent.append(item)
            return item


class Budget:
    """A shared count of attempts left."""

    def __init__(self, total: int):
        self._left = total
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._left <= 0:
                return False
            self._left -= 1
            return True


def stage_service(options, library_id: int) -> dict:
    from django.db import IntegrityError, connection

    from catalog.models import Copy
    from lending.models import Loan, Membership
    from lending.services.circulation import LoanRefused
    from lending.services.loans import loan_create, loan_return
    from library_site.libraries.models import Library

    library = Library.objects.get(pk=library_id)
    memberships = list(Membership.objects.filter(library=library).order_by("pk"))
    copies = list(Copy.objects.filter(library=library).order_by("pk"))
    if options.checkouts > len(copies):
        sys.exit(f"--checkouts {options.checkouts} needs at least as many copies (--copies {len(copies)}).")
    rng = random.Random(options.seed)
    result = {}

    # a. One after the other.
    chosen = rng.sample(copies, options.checkouts)
    log(f"service layer: {options.checkouts} checkouts, one after the other (load {load()})")
    started, cpu_started = time.perf_counter(), time.process_time()
    for n, copy in enumerate(chosen):
        loan_create(membership=memberships[n % len(memberships)], copy=copy, library=library)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    check = loans_check(expected_open=options.checkouts)
    log(f"  {options.checkouts / seconds:.0f} checkouts/s; check {'ok' if check['ok'] else 'FAILED'}; returning")
    started = time.perf_counter()
    for copy in chosen:
        loan_return(copy=copy)
    return_seconds = time.perf_counter() - started
    result["sequential"] = {
        "checkouts": options.checkouts,
        "seconds": round(seconds, 2),
        "per_second": round(options.checkouts / seconds, 1),
        "ms_per_checkout": round(1000 * seconds / options.checkouts, 2),
        "cpu_ms_per_checkout": round(1000 * cpu_seconds / options.checkouts, 2),  # this process, not PostgreSQL
        "check": check,
        "returns": options.checkouts,
        "return_seconds": round(return_seconds, 2),
        "returns_per_second": round(options.checkouts / return_seconds, 1),
        "check_after_returns": loans_check(expected_open=0),
        "load_after": load(),
    }

    # b. Contended: several threads, one shared deck with overlap.
    deck = CopyDeck(copies, overlap=options.overlap, seed=options.seed + 1)
    budget = Budget(options.checkouts)
    barrier = threading.Barrier(options.threads + 1)
    lock = threading.Lock()
    outcomes = collections.Counter()
    lent = []
    errors = []

    def desk(number: int) -> None:
        local_rng = random.Random(options.seed * 100 + number)
        try:
            barrier.wait()
            while budget.take():
                copy = deck.draw()
                if copy is None:
                    break
                membership = local_rng.choice(memberships)
                try:
                    loan_create(membership=membership, copy=copy, library=library)
                except LoanRefused as refused:
                    with lock:
                        outcomes[refused.code] += 1
                except IntegrityError as error:  # the constraint caught what the locks should have
                    with lock:
                        outcomes["integrity_error"] += 1
                        errors.append(str(error)[:200])
                else:
                    with lock:
                        outcomes["lent"] += 1
                        lent.append(copy)
        except Exception as error:  # reported in the summary
            with lock:
                errors.append(f"{type(error).__name__}: {error}"[:300])
        finally:
            connection.close()

    log(f"service layer: {options.checkouts} attempts from {options.threads} threads, overlap {options.overlap}")
    threads = [threading.Thread(target=desk, args=(n,)) for n in range(options.threads)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    attempts = sum(outcomes.values())
    check = loans_check(expected_open=outcomes["lent"])
    duplicates = len(lent) - len({copy.pk for copy in lent})
    log(
        f"  {outcomes['lent'] / seconds:.0f} checkouts/s ({attempts / seconds:.0f} attempts/s), "
        f"{dict(outcomes)}; check {'ok' if check['ok'] and not duplicates else 'FAILED'}; returning"
    )

    # Returned by as many threads.
    open_copies = list(Copy.objects.filter(pk__in=Loan.objects.filter(returned_at__isnull=True).values("copy_id")))
    queue = collections.deque(open_copies)
    barrier = threading.Barrier(options.threads + 1)

    def returner() -> None:
        try:
            barrier.wait()
            while True:
                try:
                    copy = queue.popleft()
                except IndexError:
                    break
                loan_return(copy=copy)
        except Exception as error:
            with lock:
                errors.append(f"return: {type(error).__name__}: {error}"[:300])
        finally:
            connection.close()

    threads = [threading.Thread(target=returner) for _ in range(options.threads)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return_seconds = time.perf_counter() - started
    result["contended"] = {
        "threads": options.threads,
        "overlap": options.overlap,
        "attempts": attempts,
        "outcomes": dict(outcomes),
        "seconds": round(seconds, 2),
        "checkouts_per_second": round(outcomes["lent"] / seconds, 1),
        "attempts_per_second": round(attempts / seconds, 1),
        "successes_on_the_same_copy": duplicates,
        "check": check,
        "errors": errors[:10],
        "returns": len(open_copies),
        "return_seconds": round(return_seconds, 2),
        "returns_per_second": round(len(open_copies) / return_seconds, 1) if open_copies else None,
        "check_after_returns": loans_check(expected_open=0),
        "load_after": load(),
    }
    return result


# --- Stage 2: HTTP -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_start(options, port: int, log_file: Path) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "gunicorn", "library_site.wsgi",
        "--bind", f"127.0.0.1:{port}",
        "--worker-class", "gthread",
        "--workers", str(options.workers),
        "--threads", str(options.worker_threads),
        "--chdir", str(ROOT),
        "--error-logfile", str(log_file),
        "--graceful-timeout", "10",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), start_new_session=True)
    import requests

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_file}")
        try:
            response = requests.get(
                f"http://127.0.0.1:{port}/admin/login/", headers={"X-Forwarded-Proto": "https"}, timeout=5
            )
            if response.status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within 90 s; see {log_file}")


def gunicorn_stop(process: subprocess.Popen) -> None:
    """SIGTERM to the master (graceful: workers finish their requests), then SIGKILL."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def cpu_seconds_of_children(parent: int) -> float:
    """CPU time (user + system) of the processes whose parent is ``parent``: the
    gunicorn workers. Read from /proc; 0 where it cannot be read."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:  # fields after the name: state, ppid, …, utime (12), stime (13)
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def stage_http(options, library_id: int, port: int, server_pid: int) -> dict:
    import requests

    from catalog.models import Copy
    from lending.card_codes import card_payload
    from lending.models import Card

    base = f"http://127.0.0.1:{port}"
    desk_url = f"{base}/admin/desk/"
    cards = list(
        Card.objects.filter(membership__library_id=library_id, revoked_at__isnull=True).select_related("reader")
    )
    codes = [(card_payload(card), card.number) for card in cards]
    barcodes = list(Copy.objects.filter(library_id=library_id).values_list("barcode", flat=True))
    deck = CopyDeck(barcodes, overlap=options.overlap, seed=options.seed + 2)
    budget = Budget(options.http_checkouts)
    barrier = threading.Barrier(options.clients + 1)
    lock = threading.Lock()
    stats = {
        "lent": 0,
        "refused": collections.Counter(),
        "card_refused": 0,
        "http_errors": collections.Counter(),
        "requests": 0,
        "checkout_post": [],
        "checkout_round_trip": [],
        "lent_barcodes": [],
        "errors": [],
    }

    def request(session, method, url, **kwargs):
        started = time.perf_counter()
        response = session.request(method, url, allow_redirects=False, timeout=60, **kwargs)
        elapsed = time.perf_counter() - started
        # The clients stand behind a TLS-terminating proxy: the session and CSRF cookies
        # are "secure", and go back over the loopback HTTP connection all the same.
        for cookie in session.cookies:
            cookie.secure = False
        with lock:
            stats["requests"] += 1
        return response, elapsed

    def scan(session, data) -> tuple[bool | None, str, float, float]:
        """POST a scan as the desk's script does (JSON answer), or, with --page-reload, as
        a browser without JavaScript does (redirect, then GET the desk); the outcome and
        the timings of the POST and of the whole round trip."""
        data = {**data, "csrfmiddlewaretoken": session.cookies.get("csrftoken")}
        if not options.page_reload:
            response, post_seconds = request(
                session, "POST", desk_url, data=data, headers={"Accept": "application/json"}
            )
            if response.status_code != 200:
                with lock:
                    stats["http_errors"][f"POST {response.status_code}"] += 1
                return None, f"HTTP {response.status_code}", post_seconds, post_seconds
            answer = response.json()
            return answer["ok"], answer["message"], post_seconds, post_seconds
        response, post_seconds = request(session, "POST", desk_url, data=data)
        if response.status_code != 302:
            with lock:
                stats["http_errors"][f"POST {response.status_code}"] += 1
            return None, f"HTTP {response.status_code}", post_seconds, post_seconds
        page, get_seconds = request(session, "GET", base + response.headers["Location"])
        if page.status_code != 200:
            with lock:
                stats["http_errors"][f"GET {page.status_code}"] += 1
            return None, f"HTTP {page.status_code}", post_seconds, post_seconds + get_seconds
        ok, message = outcome(page.text)
        return ok, message, post_seconds, post_seconds + get_seconds

    def client(number: int) -> None:
        rng = random.Random(options.seed * 1000 + number)
        session = requests.Session()
        session.headers.update(
            {"X-Forwarded-Proto": "https", "Origin": f"https://127.0.0.1:{port}", "Accept-Language": "en"}
        )
        waiting = True
        try:
            login_url = f"{base}/admin/login/"
            request(session, "GET", login_url)
            response, _seconds = request(
                session,
                "POST",
                login_url,
                data={
                    "username": f"thuthu{number + 1:02d}",
                    "password": PASSWORD,
                    "next": "/admin/desk/",
                    "csrfmiddlewaretoken": session.cookies.get("csrftoken"),
                },
            )
            if response.status_code != 302:
                raise RuntimeError(f"login of thuthu{number + 1:02d} answered {response.status_code}")
            page, _seconds = request(session, "GET", desk_url)
            if page.status_code != 200 or 'id="desk-code"' not in page.text:
                raise RuntimeError(f"the desk answered {page.status_code} after login")
            barrier.wait()
            waiting = False
            while True:
                payload, number_code = rng.choice(codes)
                ok, message, _post, _total = scan(session, {"code": number_code if rng.random() < 0.2 else payload})
                if not ok:
                    with lock:
                        stats["card_refused"] += 1
                        stats["errors"].append(f"card refused: {message}"[:300])
                    continue
                done = False
                for _copy in range(rng.randint(1, 3)):
                    barcode = deck.draw() if budget.take() else None
                    if barcode is None:
                        done = True
                        break
                    ok, message, post_seconds, total_seconds = scan(session, {"code": barcode})
                    with lock:
                        stats["checkout_post"].append(post_seconds)
                        stats["checkout_round_trip"].append(total_seconds)
                        if ok:
                            stats["lent"] += 1
                            stats["lent_barcodes"].append(barcode)
                        elif ok is False:
                            stats["refused"][message.replace(barcode, "…")] += 1
                scan(session, {"action": "done"})
                if done:
                    break
        except Exception as error:  # reported in the summary
            with lock:
                stats["errors"].append(f"client {number}: {type(error).__name__}: {error}"[:300])
            if waiting:
                barrier.abort()
        finally:
            session.close()

    log(f"HTTP: {options.clients} clients log in (load {load()})")
    threads = [threading.Thread(target=client, args=(n,)) for n in range(options.clients)]
    for thread in threads:
        thread.start()
    try:
        barrier.wait(timeout=300)
    except threading.BrokenBarrierError:
        for thread in threads:
            thread.join()
        raise RuntimeError("HTTP clients could not log in: " + "; ".join(stats["errors"][:3])) from None
    log(f"HTTP: {options.http_checkouts} copy scans from {options.clients} clients, overlap {options.overlap}")
    started, client_cpu = time.perf_counter(), time.process_time()
    server_cpu = cpu_seconds_of_children(server_pid)
    requests_before = stats["requests"]
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    server_cpu = cpu_seconds_of_children(server_pid) - server_cpu
    client_cpu = time.process_time() - client_cpu
    requests_made = stats["requests"] - requests_before
    check = loans_check(expected_open=stats["lent"])
    duplicates = len(stats["lent_barcodes"]) - len(set(stats["lent_barcodes"]))
    refused = sum(stats["refused"].values())
    post, round_trip = stats["checkout_post"], stats["checkout_round_trip"]
    log(
        f"  {stats['lent'] / seconds:.1f} checkouts/s, {refused} refused; "
        f"check {'ok' if check['ok'] and not duplicates else 'FAILED'}"
    )
    return {
        "clients": options.clients,
        "mode": "POST/redirect/GET" if options.page_reload else "JSON answers, as the desk script",
        "overlap": options.overlap,
        "copy_scans": len(post),
        "lent": stats["lent"],
        "refused": refused,
        "refusals": dict(stats["refused"].most_common(5)),
        "card_refused": stats["card_refused"],
        "http_errors": dict(stats["http_errors"]),
        "seconds": round(seconds, 2),
        "checkouts_per_second": round(stats["lent"] / seconds, 1),
        "copy_scans_per_second": round(len(post) / seconds, 1),
        "requests": requests_made,
        "requests_per_second": round(requests_made / seconds, 1),
        "server_cpu_seconds": round(server_cpu, 1),
        "server_cpu_ms_per_request": round(1000 * server_cpu / requests_made, 1) if requests_made else None,
        "client_cpu_seconds": round(client_cpu, 1),
        "checkout_post_ms": {
            "p50": round(1000 * percentile(post, 0.5), 1) if post else None,
            "p95": round(1000 * percentile(post, 0.95), 1) if post else None,
            "mean": round(1000 * statistics.fmean(post), 1) if post else None,
        },
        "checkout_round_trip_ms": {
            "p50": round(1000 * percentile(round_trip, 0.5), 1) if round_trip else None,
            "p95": round(1000 * percentile(round_trip, 0.95), 1) if round_trip else None,
        },
        "successes_on_the_same_copy": duplicates,
        "check": check,
        "errors": stats["errors"][:10],
        "load_after": load(),
    }


# --- Main --------------------------------------------------------------------------------------------


def summary(results: dict) -> str:
    setup_, queries = results["setup"], results["queries"]
    sequential, contended = results["service"]["sequential"], results["service"]["contended"]
    lines = [
        f"Circulation benchmark · PostgreSQL {results['postgresql']} · {results['cpus']} CPU(s) · "
        f"settings {results['settings']} · DB_CONN_MAX_AGE={results['conn_max_age']}",
        f"Setup: {setup_['readers']:,} readers with cards, {setup_['records']:,} records, {setup_['copies']:,} copies, "
        f"{setup_['librarians']} librarians (migrate {setup_['migrate_seconds']} s, data {setup_['data_seconds']} s)",
        f"Queries: loan_create {queries['loan_create']}, loan_return {queries['loan_return']}; desk: "
        + ", ".join(f"{label} {count}" for label, count in queries["desk"].items()),
        "",
        "Service layer (loan_create / loan_return, in process)",
        f"  one after the other: {sequential['checkouts']:,} checkouts in {sequential['seconds']} s = "
        f"{sequential['per_second']:,} checkouts/s ({sequential['ms_per_checkout']} ms each, "
        f"{sequential['cpu_ms_per_checkout']} ms of it CPU in Python); "
        f"returns {sequential['returns_per_second']:,}/s; no double loan: {yes(sequential['check']['ok'])}",
        f"  {contended['threads']} threads, overlap {contended['overlap']}: {contended['attempts']:,} attempts in "
        f"{contended['seconds']} s = {contended['checkouts_per_second']:,} checkouts/s "
        f"({contended['attempts_per_second']:,} attempts/s); outcomes {contended['outcomes']}; "
        f"returns {contended['returns_per_second']}/s; no double loan: "
        f"{yes(contended['check']['ok'] and not contended['successes_on_the_same_copy'])}",
    ]
    for error in contended["errors"]:
        lines.append(f"    error: {error}")
    http = results.get("http")
    if http:
        lines += [
            "",
            f"HTTP (gunicorn {results['gunicorn']}, {http['clients']} clients, overlap {http['overlap']}, "
            f"{http['mode']})",
            f"  {http['copy_scans']:,} copy scans in {http['seconds']} s: {http['lent']:,} lent = "
            f"{http['checkouts_per_second']} checkouts/s; {http['refused']:,} refused; "
            f"{http['requests']:,} requests = {http['requests_per_second']}/s",
            f"  CPU: gunicorn workers {http['server_cpu_seconds']} s "
            f"({http['server_cpu_ms_per_request']} ms a request), "
            f"clients {http['client_cpu_seconds']} s (PostgreSQL not counted)",
            f"  checkout POST p50 {http['checkout_post_ms']['p50']} ms, p95 {http['checkout_post_ms']['p95']} ms; "
            f"round trip p50 {http['checkout_round_trip_ms']['p50']} ms, "
            f"p95 {http['checkout_round_trip_ms']['p95']} ms",
            f"  refusals: {http['refusals']}",
            f"  HTTP errors: {http['http_errors'] or 'none'}; cards refused: {http['card_refused']}; "
            f"no double loan: {yes(http['check']['ok'] and not http['successes_on_the_same_copy'])}",
        ]
        for error in http["errors"]:
            lines.append(f"    error: {error}")
    lines += ["", f"Background tasks enqueued (no worker ran): {results.get('background_tasks_enqueued')}"]
    lines += [f"Load average (1/5/15 min): before {results['load_before']}, after {results['load_after']}"]
    return "\n".join(lines)


def yes(value: bool) -> str:
    return "yes" if value else "NO — see the JSON output"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--readers", type=int, default=2000)
    parser.add_argument("--copies", type=int, default=5000)
    parser.add_argument("--checkouts", type=int, default=4000, help="Service-layer checkouts (each variant).")
    parser.add_argument("--threads", type=int, default=8, help="Threads of the contended service-layer variant.")
    parser.add_argument("--overlap", type=float, default=0.2, help="Share of scans of a copy just handed out.")
    parser.add_argument("--clients", type=int, default=20, help="Concurrent HTTP clients (librarians).")
    parser.add_argument("--http-checkouts", type=int, default=1000, help="Copy scans over HTTP, all clients.")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1), help="gunicorn worker processes.")
    parser.add_argument("--worker-threads", type=int, default=4, help="Threads per gunicorn worker (gthread).")
    parser.add_argument("--conn-max-age", type=int, default=0, help="DB_CONN_MAX_AGE of the server (seconds).")
    parser.add_argument("--skip-http", action="store_true", help="Service layer only.")
    parser.add_argument(
        "--page-reload", action="store_true", help="Desk scans as without JavaScript: POST, redirect, GET."
    )
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--reuse", action="store_true", help="Drop and recreate the database if it exists.")
    parser.add_argument("--keep", action="store_true", help="Keep the database (and the temporary folder).")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", action="store_true", help="Print the results as one JSON object.")
    options = parser.parse_args()
    database_parts(options.database_url)  # refuses a name that is not bench_…

    work = Path(tempfile.mkdtemp(prefix="bench-checkouts-"))
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "library_site.settings.production",
            "DATABASE_URL": options.database_url,
            "DB_CONN_MAX_AGE": str(options.conn_max_age),
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "STATIC_ROOT": str(work / "static"),
            "MEDIA_ROOT": str(work / "media"),
            "PRIVATE_MEDIA_ROOT": str(work / "private"),
            "LOG_LEVEL": "WARNING",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",  # production refuses console mail
            "PYTHONPATH": str(ROOT),
        }
    )
    os.environ.pop("ELASTICSEARCH_URL", None)
    sys.path.insert(0, str(ROOT))

    results = {
        "settings": os.environ["DJANGO_SETTINGS_MODULE"],
        "conn_max_age": options.conn_max_age,
        "cpus": os.cpu_count(),
        "load_before": load(),
        "options": {key: value for key, value in vars(options).items() if key != "database_url"},
    }
    server = None
    created = False
    try:
        database_create(options.database_url, reuse=options.reuse)
        created = True
        log(f"database {database_parts(options.database_url)[1]} created; work folder {work} (load {load()})")
        import django

        django.setup()
        from django.db import connection

        results["postgresql"] = connection.cursor().connection.info.server_version
        results["postgresql"] = f"{results['postgresql'] // 10000}.{results['postgresql'] % 10000}"
        import gunicorn

        results["gunicorn"] = f"{gunicorn.__version__}, {options.workers} workers × {options.worker_threads} threads"

        results["setup"] = setup(options)
        log(f"setup done: {results['setup']}")
        results["queries"] = queries_count(options, results["setup"]["library_id"])
        log(f"queries per loan_create {results['queries']['loan_create']}, desk {results['queries']['desk']}")
        results["service"] = stage_service(options, results["setup"]["library_id"])

        if not options.skip_http:
            port = free_port()
            server = gunicorn_start(options, port, work / "gunicorn.log")
            log(f"gunicorn on 127.0.0.1:{port}, {options.workers} workers × {options.worker_threads} threads")
            results["http"] = stage_http(options, results["setup"]["library_id"], port, server.pid)
        from django_tasks_db.models import DBTaskResult

        results["background_tasks_enqueued"] = dict(
            collections.Counter(DBTaskResult.objects.values_list("task_path", flat=True))
        )
        results["load_after"] = load()
    finally:
        if server is not None:
            gunicorn_stop(server)
            log("gunicorn stopped")
            log_text = (work / "gunicorn.log").read_text(errors="replace") if (work / "gunicorn.log").exists() else ""
            if "Traceback" in log_text:
                log("gunicorn log has tracebacks:\n" + log_text[-3000:])
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if created and not options.keep:
            database_drop(options.database_url)
            log("database dropped")
        if options.keep:
            log(f"kept: database {options.database_url}, folder {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    if options.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    else:
        print(summary(results))
    checks = [results["service"]["sequential"]["check"], results["service"]["contended"]["check"]]
    checks += [results["http"]["check"]] if "http" in results else []
    if not all(check["ok"] for check in checks):
        sys.exit(1)


if __name__ == "__main__":
    main()
