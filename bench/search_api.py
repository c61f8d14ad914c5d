"""Benchmark of catalog search through the JSON API: index build rate and query latency
over a fixed mix of 1,000 queries, on a generated catalog.

    .venv/bin/python bench/search_api.py [--engine database|elasticsearch] [--records 100000]
        [--queries 1000] [--database-url URL] [--keep DIR]

The run happens in a child process with its own database (a fresh SQLite file unless
``--database-url`` names another, e.g. a PostgreSQL database created beforehand), migrated
from scratch, with ``library_site.settings.test`` (DEBUG off). Records are generated in
the style of bench/import_catalog.py (believable Vietnamese titles, authors, subjects,
grades, keywords, one or two copies each at one of three libraries, some e-books with a
digital file, a few readers-only and staff-only records) and written with bulk inserts;
then the engine's index is rebuilt (``rebuild``, timed: records per second).

The queries go through ``/api/search/`` and ``/api/search/autocomplete/`` with Django's
test ``Client`` in the same process (middleware, URL routing, parameter checks, engine,
JSON encoding; no HTTP socket), one at a time, after 50 warm-up queries. The mix runs
twice: first with the embedded engine's answer cache off (every request counted and
ranked from scratch: the cold cost), then with it on, starting empty (a request met again
— the mix repeats popular searches, as an OPAC's traffic does — reuses its total, facets
and ranked ids; each index write invalidates them). Elasticsearch runs once. The mix is
deterministic (seeded): accented words from generated titles and names, the same folded
(no diacritics), typed in Telex with the input method off, facet-filtered (kind, subject,
grade, library, available now), later pages and title sort, portal-scoped, and
autocomplete prefixes. Latency is wall-clock per request: p50, p95, p99 overall and per
kind of query.

With ``--engine elasticsearch`` noida-db (an Elasticsearch 8 REST-compatible server) is
started on a free loopback port for the run, as tests/fixtures/search.py does.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.import_catalog import FAMILY, FORMS, GIVEN, KEYWORDS, MIDDLE, PUBLISHERS, THEMES, TOPICS, person  # noqa: E402
from bench.search_index import start_elasticsearch, stop_elasticsearch  # noqa: E402

SUBJECT_CODES = ["toan", "ngu-van", "tieng-viet", "khoa-hoc-tu-nhien", "lich-su-va-dia-li", "tin-hoc", "am-nhac"]
KIND_CODES = ["printed_book"] * 8 + ["ebook", "audiobook"]
LIBRARIES = [
    ("Thư viện Trường THCS Cầu Kiệu", "THCS Cầu Kiệu", "thcs-cau-kieu", "lower_secondary"),
    ("Thư viện Trường Tiểu học Phạm Ngọc Thạch", "TH Phạm Ngọc Thạch", "th-pham-ngoc-thach", "primary"),
    ("Trung tâm học tập cộng đồng Phường 7", "TTHTCĐ Phường 7", "tthtcd-phuong-7", "community_centre"),
]


# --- The catalog ----------------------------------------------------------------------


def generate(count: int, seed: int = 2026) -> int:
    """``count`` records with contributors, subjects, grades, copies and some digital files."""
    from django.db import transaction

    from catalog.models import Copy, DigitalFile, Grade, Record, RecordContributor, Subject
    from library_site.libraries.models import Library, LibraryKind
    from library_site.text import match_key

    rng = random.Random(seed)
    kinds = set(LibraryKind.values)
    libraries = [
        Library.objects.create(
            name=name,
            short_name=short,
            code=code,
            kind=kind if kind in kinds else next(iter(kinds)),
            district="Quận Phú Nhuận",
            address="1 Phan Xích Long",
        )
        for name, short, code, kind in LIBRARIES
    ]
    subjects = {s.code: s.pk for s in Subject.objects.filter(code__in=SUBJECT_CODES)}
    grades = {g.code: g.pk for g in Grade.objects.all()}
    SubjectLink, GradeLink = Record.subjects.through, Record.grades.through
    batch = 2000
    for start in range(0, count, batch):
        with transaction.atomic():
            records = []
            for n in range(start, min(count, start + batch)):
                grade = rng.randint(1, 12)
                title = f"{rng.choice(FORMS)} {rng.choice(TOPICS).lower()} {grade}: {rng.choice(THEMES)} (tập {n})"
                roll = rng.random()
                records.append(
                    Record(
                        code=f"BN{n:08d}",
                        title=title,
                        publisher=rng.choice(PUBLISHERS),
                        year=rng.randint(1995, 2025),
                        summary=f"Cuốn sách kể về {rng.choice(THEMES)} cho học sinh lớp {grade}. "
                        + " ".join(rng.sample(KEYWORDS, 2)),
                        kind=rng.choice(KIND_CODES),
                        access_level="public" if roll < 0.9 else ("readers" if roll < 0.97 else "staff"),
                        library=rng.choice(libraries),
                        match_key=match_key(title),
                    )
                )
            Record.objects.bulk_create(records)
            records = list(Record.objects.filter(code__in=[r.code for r in records]).order_by("pk"))
            contributors, subject_links, grade_links, copies, files = [], [], [], [], []
            for record in records:
                n = int(record.code[2:])
                contributors.append(RecordContributor(record=record, name=person(rng), sort_order=0))
                if rng.random() < 0.3:
                    contributors.append(
                        RecordContributor(record=record, name=person(rng), sort_order=1, role="illustrator")
                    )
                code = rng.choice(SUBJECT_CODES)
                if code in subjects:
                    subject_links.append(SubjectLink(record_id=record.pk, subject_id=subjects[code]))
                grade = str(rng.randint(1, 12))
                if grade in grades:
                    grade_links.append(GradeLink(record_id=record.pk, grade_id=grades[grade]))
                if record.kind == "printed_book":
                    for copy_number in range(1 + (rng.random() < 0.4)):
                        copies.append(
                            Copy(
                                record=record,
                                library=rng.choice(libraries),
                                barcode=f"BC{n:07d}-{copy_number}",
                                status="available" if rng.random() < 0.7 else "on_loan",
                            )
                        )
                else:
                    files.append(DigitalFile(record=record, format="link", url=f"https://sach.example.vn/{n}"))
            RecordContributor.objects.bulk_create(contributors)
            SubjectLink.objects.bulk_create(subject_links)
            GradeLink.objects.bulk_create(grade_links)
            Copy.objects.bulk_create(copies)
            DigitalFile.objects.bulk_create(files)
    return Record.objects.count()


# --- The query mix --------------------------------------------------------------------

TELEX_VOWELS = {"â": "aa", "ê": "ee", "ô": "oo", "ă": "aw", "ơ": "ow", "ư": "uw", "đ": "dd"}
TELEX_TONES = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}


def telex(text: str) -> str:
    """What "Đất rừng" looks like typed in Telex with the input method off: "ddaats ruwngf"."""
    words = []
    for word in text.lower().split():
        tone = ""
        letters = []
        for char in unicodedata.normalize("NFD", word):
            if char in TELEX_TONES:
                tone = TELEX_TONES[char]
            elif unicodedata.combining(char):
                letters[-1] = unicodedata.normalize("NFC", letters[-1] + char)
            else:
                letters.append(char)
        words.append("".join(TELEX_VOWELS.get(c, c) for c in letters) + tone)
    return " ".join(words)


def fold(text: str) -> str:
    from library_site.text import fold as fold_text

    return fold_text(text)


def query_mix(count: int, seed: int = 7) -> list[tuple[str, str, dict]]:
    """(category, path, params) for ``count`` requests, always the same."""
    rng = random.Random(seed)
    phrases = list(THEMES) + [f.lower() for f in FORMS] + [t.lower() for t in TOPICS]
    names = [f"{f} {m} {g}" for f in FAMILY[:6] for m in MIDDLE[:4] for g in GIVEN[:6]]
    mix = []
    for _ in range(count):
        roll = rng.random()
        phrase = rng.choice(phrases)
        if roll < 0.20:
            mix.append(("accented", "/api/search/", {"q": phrase}))
        elif roll < 0.30:
            mix.append(("accented", "/api/search/", {"q": rng.choice(names)}))
        elif roll < 0.50:
            mix.append(("folded", "/api/search/", {"q": fold(rng.choice([phrase, rng.choice(names)]))}))
        elif roll < 0.60:
            mix.append(("telex", "/api/search/", {"q": telex(phrase)}))
        elif roll < 0.75:
            params = {"q": fold(phrase)} if rng.random() < 0.6 else {}
            facet = rng.choice(["kind", "subject", "grade", "library", "available"])
            params |= {
                "kind": {"kind": rng.choice(["ebook", "audiobook", "printed_book"])},
                "subject": {"subject": rng.choice(SUBJECT_CODES)},
                "grade": {"grade": str(rng.randint(1, 12))},
                "library": {"library": rng.choice(LIBRARIES)[2]},
                "available": {"available": "1"},
            }[facet]
            mix.append(("facet-filtered", "/api/search/", params))
        elif roll < 0.85:
            params = {"q": fold(phrase), "page": str(rng.randint(2, 5))}
            if rng.random() < 0.5:
                params["sort"] = rng.choice(["title", "year", "newest"])
            mix.append(("paged/sorted", "/api/search/", params))
        elif roll < 0.90:
            mix.append(("portal-scoped", "/api/search/", {"q": fold(phrase), "thu-vien": rng.choice(LIBRARIES)[2]}))
        else:
            word = rng.choice([phrase, rng.choice(names)])
            prefix = word[: rng.randint(3, max(3, len(word) - 1))]
            mix.append(
                ("autocomplete", "/api/search/autocomplete/", {"q": fold(prefix) if rng.random() < 0.5 else prefix})
            )
    return mix


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


# --- The run (child process) ----------------------------------------------------------


def after_loans(engine, mix, count: int) -> dict:
    """Searches right after an index change: a copy goes out on loan (its status changed
    as the circulation desk changes it, then the record re-indexed, as on commit), then
    the next request of the mix. Times the index update and that first search."""
    from django.test import Client

    from catalog.models import Copy, CopyStatus

    rng = random.Random(5)
    copies = list(Copy.objects.filter(status=CopyStatus.AVAILABLE).values_list("pk", "record_id")[:5000])
    client = Client()
    searches = [(path, params) for _, path, params in mix if path == "/api/search/"]
    updates, firsts = [], []
    for index in range(count):
        copy_id, record_id = rng.choice(copies)
        Copy.objects.filter(pk=copy_id).update(status=CopyStatus.ON_LOAN)
        started = time.perf_counter()
        engine.update([record_id])
        updates.append((time.perf_counter() - started) * 1000)
        path, params = searches[index % len(searches)]
        started = time.perf_counter()
        client.get(path, params)
        firsts.append((time.perf_counter() - started) * 1000)
        Copy.objects.filter(pk=copy_id).update(status=CopyStatus.AVAILABLE)
        engine.update([record_id])
    return {
        "n": count,
        "update_p50": round(percentile(updates, 50), 1),
        "update_p95": round(percentile(updates, 95), 1),
        "search_p50": round(percentile(firsts, 50), 1),
        "search_p95": round(percentile(firsts, 95), 1),
    }


def child(options) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "library_site.settings.test")
    import django

    django.setup()
    import logging

    logging.getLogger("elastic_transport").setLevel(logging.WARNING)  # a line per request otherwise
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from catalog.models import Record
    from search.engines import search_engine, search_engine_reset

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    records = Record.objects.count() if options.reuse else generate(options.records)
    generate_seconds = time.perf_counter() - started

    engine = search_engine()
    engine.create()
    if options.skip_rebuild:
        indexed, index_seconds = engine.status().documents, 0.0
    else:
        started = time.perf_counter()
        indexed = engine.rebuild()
        index_seconds = time.perf_counter() - started
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
            cursor.execute("ANALYZE")
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    mix = query_mix(options.queries)

    def run_mix():
        client = Client()
        for _, path, params in query_mix(50, seed=99):  # warm-up: imports, connections
            client.get(path, params)
        timings: dict[str, list[float]] = {}
        totals = []
        for category, path, params in mix:
            started = time.perf_counter()
            response = client.get(path, params)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (path, params, response.status_code, response.content[:300])
            timings.setdefault(category, []).append(elapsed)
            if path == "/api/search/":
                totals.append(response.json()["total"])
        return timings, totals

    def summary(values):
        return {
            "n": len(values),
            "p50": round(percentile(values, 50), 1),
            "p95": round(percentile(values, 95), 1),
            "p99": round(percentile(values, 99), 1),
            "mean": round(statistics.fmean(values), 1),
        }

    # The first search of a process loads the embedded engine's in-memory columns.
    search_engine_reset()
    started = time.perf_counter()
    Client().get("/api/search/", {"q": "sach"})
    first_search_ms = round((time.perf_counter() - started) * 1000, 1)

    load = os.getloadavg()[0]
    timings, totals = run_mix()
    every = [t for values in timings.values() for t in values]
    passes = {
        "mix": {
            "load_before": round(load, 2),
            "all": summary(every),
            "by_category": {category: summary(values) for category, values in sorted(timings.items())},
        }
    }
    after_change = after_loans(engine, mix, options.queries // 10)
    distinct = len({(path, tuple(sorted(params.items()))) for _, path, params in mix})
    return {
        "engine": engine.name,
        "database": connection.vendor,
        "elasticsearch": bool(getattr(settings, "ELASTICSEARCH_URL", "")),
        "records": records,
        "generate_seconds": round(generate_seconds, 1),
        "indexed": indexed,
        "index_seconds": round(index_seconds, 1),
        "index_per_second": round(indexed / index_seconds) if index_seconds else None,
        "median_total_hits": statistics.median(totals) if totals else 0,
        "distinct_requests": distinct,
        "first_search_ms": first_search_ms,
        "passes": passes,
        "after_change": after_change,
    }


# --- The driver -----------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["database", "elasticsearch"], default="database")
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--database-url", help="Default: a fresh SQLite file in a temporary folder.")
    parser.add_argument("--keep", help="Keep the SQLite file in this folder.")
    parser.add_argument(
        "--reuse", action="store_true", help="With --keep: reuse the records already there (rebuild the index only)."
    )
    parser.add_argument(
        "--skip-rebuild", action="store_true", help="With --reuse: search the index as it is (no rebuild, no timing)."
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        print(json.dumps(child(options)))
        return

    folder = Path(options.keep) if options.keep else Path(tempfile.mkdtemp(prefix="bench-search-"))
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "bench-search.sqlite3"
    if not options.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": options.database_url or f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "library_site.settings.test",
        "ELASTICSEARCH_URL": "",
    }
    noida = None
    noida_dir = None
    try:
        if options.engine == "elasticsearch":
            noida_dir = tempfile.mkdtemp(prefix="bench-noida-")
            noida, env["ELASTICSEARCH_URL"] = start_elasticsearch(Path(noida_dir))
        print(
            f"Search API benchmark: {options.records:,} records, {options.queries:,} queries, "
            f"engine {options.engine}, {os.cpu_count()} CPU(s); load before: {os.getloadavg()[0]:.2f}"
        )
        output = subprocess.run(
            [sys.executable, __file__, "--child", "--records", str(options.records), "--queries", str(options.queries)]
            + (["--reuse"] if options.reuse else [])
            + (["--skip-rebuild"] if options.skip_rebuild else []),
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,  # the child's errors go straight to the terminal
            text=True,
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
    finally:
        if noida is not None:
            stop_elasticsearch(noida)  # the wrapper and the server binary it started
            shutil.rmtree(noida_dir, ignore_errors=True)
        if not options.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print(
        f"engine {result['engine']} on {result['database']}: {result['records']:,} records generated in "
        f"{result['generate_seconds']} s; "
        + (
            f"index rebuilt in {result['index_seconds']} s ({result['index_per_second']:,} records/s); "
            if result["index_per_second"]
            else "index reused; "
        )
        + f"median hits per query {result['median_total_hits']:,}"
    )
    print(f"{result['distinct_requests']} distinct requests in the mix")
    for mode, numbers in result["passes"].items():
        print(f"-- {mode} (load average before: {numbers['load_before']})")
        print(f"{'queries':<16}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'mean ms':>9}")
        for name, row in [("all", numbers["all"]), *numbers["by_category"].items()]:
            print(f"{name:<16}{row['n']:>6}{row['p50']:>9}{row['p95']:>9}{row['p99']:>9}{row['mean']:>9}")
    print(f"first search of a fresh process (the embedded engine loads its columns): {result['first_search_ms']} ms")
    change = result["after_change"]
    print(
        f"after a loan ({change['n']} times): index update p50 {change['update_p50']} ms, p95 "
        f"{change['update_p95']} ms; the next search p50 {change['search_p50']} ms, p95 {change['search_p95']} ms"
    )
    print(f"load after: {os.getloadavg()[0]:.2f}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
