"""Benchmark of search indexing: a full rebuild of 100,000 generated catalog records into
Elasticsearch (noida-db, started by this script on a free loopback port) and/or into the
embedded database engine.

    .venv/bin/python bench/search_index.py [--records 100000] [--engine database|elasticsearch|both]
                                           [--keep DIR] [--report FILE.md]

The catalog is generated with ``bench/import_catalog.py``'s believable Vietnamese rows
(titles, authors, publishers, ISBNs, subjects, grades, keywords, one or two copies each)
and written through ``catalog_import`` into a fresh SQLite database, split over three
libraries (about 3% of rows repeat a book and become extra copies, so the row count is
raised to end with at least the asked number of records). The timing covers ``engine.rebuild()``
only: reading the records in batches with their holdings, and bulk indexing (for
Elasticsearch: a new versioned index with refresh off and no replicas, then the alias
swap). Machine load (``uptime``) is printed before and after: the figures depend on it."""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NOIDA = Path(sys.executable).with_name("noida-db")
TARGET_PER_SECOND = 2000
DUPLICATE_SHARE = 0.03  # bench/import_catalog.books() repeats about this share of rows


def uptime() -> str:
    # In UTC both times: Django's setup sets TZ to the project's time zone in between.
    env = {**os.environ, "TZ": "UTC"}
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False, env=env).stdout.strip()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_elasticsearch(data_dir: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [
            str(NOIDA),
            "start",
            "--only",
            "elasticsearch",
            "--elasticsearch-port",
            str(port),
            "--data-dir",
            str(data_dir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # the wrapper starts the server binary: stop the whole group
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return process, url
        except OSError:
            if process.poll() is not None:
                raise SystemExit("noida-db exited before answering") from None
            time.sleep(0.2)
    stop_elasticsearch(process)
    raise SystemExit(f"noida-db did not answer on {url}")


def stop_elasticsearch(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def catalog_generate(records: int) -> dict:
    """Write about ``records`` records (a few more rather than fewer) into the database."""
    from bench.import_catalog import books, csv_file
    from catalog.importing import catalog_import
    from catalog.models import Copy, Record
    from library_site.libraries.models import Library

    libraries = [
        Library.objects.create(name=name, short_name=short, code=code, kind=kind, district=district, address="")
        for name, short, code, kind, district in [
            ("Thư viện Trường THCS Cầu Kiệu", "THCS Cầu Kiệu", "thcs-cau-kieu", "lower_secondary", "Phú Nhuận"),
            ("Thư viện Trường TH Phạm Ngọc Thạch", "TH Phạm Ngọc Thạch", "th-pham-ngoc-thach", "primary", "Quận 3"),
            (
                "Trung tâm học tập cộng đồng Phường 7",
                "TTHTCĐ Phường 7",
                "tthtcd-phuong-7",
                "community_learning_centre",
                "Quận 3",
            ),
        ]
    ]
    rows = books(int(records / (1 - DUPLICATE_SHARE)) + 500)
    started = time.perf_counter()
    chunk = -(-len(rows) // len(libraries))
    for index, library in enumerate(libraries):
        part = rows[index * chunk : (index + 1) * chunk]
        report = catalog_import(library=library, filename="bench.csv", data=csv_file(part))
        assert report.committed, report.errors[:3]
    return {
        "records": Record.objects.count(),
        "copies": Copy.objects.count(),
        "libraries": len(libraries),
        "generate_seconds": round(time.perf_counter() - started, 1),
    }


def rebuild(engine) -> dict:
    engine.create()
    marks: list[tuple[float, int]] = []
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        marks.append((time.perf_counter() - started, done))
        if done and (done % 20_000 < 1000 or done == total):
            print(f"  {engine.name}: {done:,} / {total:,}  {done / (marks[-1][0] or 1):,.0f} records/s", flush=True)

    count = engine.rebuild(progress=progress)
    seconds = time.perf_counter() - started
    status = engine.status()
    return {
        "engine": engine.name,
        "indexed": count,
        "seconds": round(seconds, 1),
        "per_second": round(count / seconds),
        "documents_after": status.documents,
        "target_met": engine.name != "elasticsearch" or count / seconds >= TARGET_PER_SECOND,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--engine", choices=["database", "elasticsearch", "both"], default="both")
    parser.add_argument("--keep", help="Keep the database and index data in this folder (default: temporary).")
    parser.add_argument("--report", help="Also write the results as a Markdown section to this file.")
    options = parser.parse_args()

    work = Path(options.keep or tempfile.mkdtemp(prefix="bench-search-"))
    work.mkdir(parents=True, exist_ok=True)
    database = work / "bench-search.sqlite3"
    database.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "library_site.settings.test"
    elasticsearch = None
    load_before = uptime()
    try:
        if options.engine in ("elasticsearch", "both"):
            shutil.rmtree(work / "noida", ignore_errors=True)
            elasticsearch, url = start_elasticsearch(work / "noida")
            os.environ["ELASTICSEARCH_URL"] = url
            os.environ["ELASTICSEARCH_INDEX_PREFIX"] = "bench"
        import django

        django.setup()
        import logging

        logging.getLogger("elastic_transport").setLevel(logging.WARNING)
        from django.conf import settings
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(f"Generating {options.records:,} records…", flush=True)
        catalog = catalog_generate(options.records)
        print(json.dumps(catalog), flush=True)

        results = []
        if options.engine in ("database", "both"):
            try:
                from search.engines.database import DatabaseEngine
            except ImportError:
                print("The database engine is not available: skipped.")
            else:
                try:
                    results.append(rebuild(DatabaseEngine()))
                except Exception as exc:  # report it and still measure Elasticsearch
                    print(f"The database engine's rebuild failed: {exc!r}")
        if elasticsearch is not None:
            from search.engines.elasticsearch import ElasticsearchEngine

            engine = ElasticsearchEngine({**settings.ELASTICSEARCH, "URL": url, "INDEX_PREFIX": "bench"})
            results.append(rebuild(engine))
    finally:
        if elasticsearch is not None:
            stop_elasticsearch(elasticsearch)
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    load_after = uptime()

    print()
    print(f"{'engine':<14} {'records':>9} {'seconds':>8} {'records/s':>10}  target")
    for row in results:
        target = (
            f"≥ {TARGET_PER_SECOND:,}/s {'met' if row['target_met'] else 'MISSED'}"
            if row["engine"] == "elasticsearch"
            else "-"
        )
        print(f"{row['engine']:<14} {row['indexed']:>9,} {row['seconds']:>8} {row['per_second']:>10,}  {target}")
    print(f"load before: {load_before}\nload after:  {load_after}")
    if options.report:
        Path(options.report).write_text(report_markdown(options, catalog, results, load_before, load_after))
        print(f"Report written to {options.report}")


def report_markdown(options, catalog, results, load_before, load_after) -> str:
    lines = [
        "## Search indexing (full rebuild)",
        "",
        f"A generated catalog of {catalog['records']:,} records ({catalog['copies']:,} copies over "
        f"{catalog['libraries']} libraries) in SQLite, indexed by `engine.rebuild()`: records read in batches "
        "of 1,000 (seven flat queries per batch, holdings included), documents sent with the bulk API in "
        "chunks of 1,000 (two requests in flight while the next chunk is built) into a new versioned index "
        "with `refresh_interval: -1` and no replicas, then the alias swapped in one `update_aliases` call. "
        "Elasticsearch is noida-db's (an Elasticsearch 8 "
        "API server) on loopback, started by the script.",
        "",
        "```sh",
        f".venv/bin/python bench/search_index.py --records {options.records} --engine {options.engine}",
        "```",
        "",
        "| engine | records | seconds | records/s | target |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for row in results:
        target = (
            f"≥ {TARGET_PER_SECOND:,}/s: {'met' if row['target_met'] else 'missed'}"
            if row["engine"] == "elasticsearch"
            else "—"
        )
        lines.append(f"| {row['engine']} | {row['indexed']:,} | {row['seconds']} | {row['per_second']:,} | {target} |")
    lines += [
        "",
        "Machine: 2 cores shared with other test suites running at the same time; load (`uptime`):",
        "",
        f"- before: `{load_before}`",
        f"- after: `{load_after}`",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
