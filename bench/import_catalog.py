"""Benchmark of the catalog import: 10,000 CSV rows and 10,000 MARC21 records, each into a
fresh SQLite database.

    .venv/bin/python bench/import_catalog.py [--rows 10000] [--keep DIR]

Each scenario runs in its own process with its own database file
(``DATABASE_URL=sqlite:///<tmp>/bench-<scenario>.sqlite3``), migrated from scratch, with
``library_site.settings.test`` (DEBUG off). The file is generated in memory beforehand
(believable Vietnamese records: titles, authors, publishers, valid ISBNs, subjects,
grades, keywords, one or two copies each, about 3% repeated rows that are merged as
duplicates); the timing covers ``catalog_import`` only: a dry run (read and check), then
the real import (read, check and write). Results go to stdout as a table."""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Quang", "Đức", "Thu", "Bảo", "Gia", "Khánh"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Khoa", "Lan", "Linh", "Long", "Mai"]
GIVEN += ["Nam", "Ngân", "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tuấn", "Uyên", "Vy"]
TOPICS = ["Toán", "Ngữ văn", "Tiếng Anh", "Lịch sử", "Địa lí", "Khoa học tự nhiên", "Tin học", "Âm nhạc", "Mĩ thuật"]
FORMS = ["Bài tập", "Tuyển tập", "Sổ tay", "Truyện", "Những câu chuyện", "Hướng dẫn học", "Em yêu", "Khám phá"]
THEMES = ["quê hương", "biển đảo", "rừng U Minh", "mùa xuân", "tuổi thơ", "thầy cô", "bạn bè", "Hà Nội", "Sài Gòn"]
THEMES += ["sông Cửu Long", "những người lính", "khoa học vui", "thế giới loài vật", "vũ trụ", "di sản Huế"]
PUBLISHERS = ["Nhà xuất bản Kim Đồng", "Nhà xuất bản Giáo dục Việt Nam", "Nhà xuất bản Trẻ", "Nhà xuất bản Văn học"]
PUBLISHERS += ["Nhà xuất bản Đại học Sư phạm", "Nhà xuất bản Tổng hợp TP.HCM", "Nhà xuất bản Phụ nữ Việt Nam"]
SUBJECTS = ["Toán", "Ngữ văn", "Tiếng Việt", "Khoa học tự nhiên", "Lịch sử và Địa lí", "Tin học", "Âm nhạc", ""]
KEYWORDS = ["Văn học thiếu nhi", "Truyện ngắn", "Kỹ năng sống", "Sách tham khảo", "Thiếu nhi", "Lịch sử Việt Nam"]
KEYWORDS += ["Khoa học", "Thiên nhiên", "Giáo dục", "Tranh truyện", "Cổ tích", "Danh nhân"]
KINDS = ["Sách in"] * 8 + ["Sách điện tử", "Sách nói"]
SHELVES = ["Kệ văn học", "Kệ sách giáo khoa", "Kệ thiếu nhi", "Kệ tham khảo", "Góc đọc tầng 2"]


def isbn13(n: int) -> str:
    body = f"978604{n:06d}"
    total = sum(int(ch) * (1 if i % 2 == 0 else 3) for i, ch in enumerate(body))
    return body + str((10 - total % 10) % 10)


def person(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def books(count: int, seed: int = 2026) -> list[dict]:
    """Believable rows; about 3% repeat an earlier book (same ISBN) with another copy."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        if rows and rng.random() < 0.03:
            repeated = dict(rng.choice(rows))
            repeated["barcodes"] = [f"BC{n:07d}"]
            rows.append(repeated)
            continue
        grade = rng.randint(1, 12)
        rows.append(
            {
                "title": f"{rng.choice(FORMS)} {rng.choice(TOPICS).lower()} {grade}: {rng.choice(THEMES)} (tập {n})",
                "authors": [person(rng)] + ([f"{person(rng)} (minh họa)"] if rng.random() < 0.3 else []),
                "publisher": rng.choice(PUBLISHERS),
                "year": rng.randint(1995, 2025),
                "isbn": isbn13(n) if rng.random() < 0.8 else "",
                "summary": f"Cuốn sách kể về {rng.choice(THEMES)} cho học sinh lớp {grade}.",
                "ddc": rng.choice(["895.9223", "510", "530.07", "959.7", "372.6", "004"]),
                "subjects": rng.choice(SUBJECTS),
                "grades": str(grade),
                "keywords": rng.sample(KEYWORDS, rng.randint(0, 3)),
                "kind": rng.choice(KINDS),
                "barcodes": [f"BC{n:07d}"] + ([f"BC{n:07d}-2"] if rng.random() < 0.4 else []),
                "call_number": f"{rng.randint(0, 999):03d} {rng.choice('ABCDĐGHKLMNPQSTV')}{rng.randint(100, 999)}",
                "shelf": rng.choice(SHELVES),
            }
        )
    return rows


def csv_file(rows: list[dict]) -> bytes:
    import csv
    import io

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(
        ["Nhan đề", "Tác giả", "Nhà xuất bản", "Năm xuất bản", "ISBN", "Tóm tắt", "Phân loại DDC", "Môn học"]
        + ["Khối lớp", "Từ khóa", "Loại tài liệu", "Mã vạch", "Ký hiệu xếp giá", "Vị trí kệ"]
    )
    for row in rows:
        writer.writerow(
            [row["title"], "; ".join(row["authors"]), row["publisher"], row["year"], row["isbn"], row["summary"]]
            + [row["ddc"], row["subjects"], row["grades"], "; ".join(row["keywords"]), row["kind"]]
            + ["; ".join(row["barcodes"]), row["call_number"], row["shelf"]]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def marc_file(rows: list[dict]) -> bytes:
    from pymarc import Field, Indicators, Record, Subfield

    def datafield(tag, indicators, *pairs):
        subfields = [Subfield(code, value) for code, value in pairs if value]
        return Field(tag=tag, indicators=Indicators(*indicators), subfields=subfields)

    chunks = []
    for row in rows:
        leader_type = {"Sách nói": "i"}.get(row["kind"], "a")
        record = Record(force_utf8=True, leader=f"00000n{leader_type}m a2200000 i 4500")
        record.add_field(Field(tag="008", data=f"250101s{row['year']}    vm            000 1 vie d"))
        if row["isbn"]:
            record.add_field(datafield("020", "  ", ("a", row["isbn"])))
        record.add_field(datafield("082", "04", ("a", row["ddc"])))
        name, *others = row["authors"]
        record.add_field(datafield("100", "0 ", ("a", name), ("4", "aut")))
        record.add_field(datafield("245", "10", ("a", row["title"])))
        record.add_field(datafield("264", " 1", ("b", row["publisher"] + ","), ("c", f"{row['year']}.")))
        record.add_field(datafield("520", "  ", ("a", row["summary"])))
        record.add_field(datafield("521", "  ", ("a", f"Lớp {row['grades']}")))
        if row["subjects"]:
            record.add_field(datafield("650", " 4", ("a", row["subjects"])))
        for keyword in row["keywords"]:
            record.add_field(datafield("653", "  ", ("a", keyword)))
        for other in others:
            record.add_field(datafield("700", "0 ", ("a", other.replace(" (minh họa)", "")), ("4", "ill")))
        if row["kind"] == "Sách điện tử":
            record.add_field(datafield("856", "40", ("u", f"https://sachdientu.example.vn/{row['barcodes'][0]}")))
        for barcode in row["barcodes"]:
            record.add_field(datafield("952", "  ", ("p", barcode), ("o", row["call_number"]), ("c", row["shelf"])))
        chunks.append(record.as_marc())
    return b"".join(chunks)


def scenario(name: str, count: int) -> dict:
    """Runs in the child process, with DATABASE_URL already pointing at a fresh file."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "library_site.settings.test")
    import django

    django.setup()
    from django.core.management import call_command

    from catalog.importing import catalog_import
    from catalog.models import Copy, Record
    from library_site.libraries.models import Library

    call_command("migrate", verbosity=0)
    library = Library.objects.create(
        name="Thư viện Trường THCS Cầu Kiệu",
        short_name="THCS Cầu Kiệu",
        code="thcs-cau-kieu",
        kind="lower_secondary",
        district="Quận Phú Nhuận",
        address="1 Phan Xích Long",
    )
    rows = books(count)
    data = csv_file(rows) if name == "csv" else marc_file(rows)

    started = time.perf_counter()
    preview = catalog_import(library=library, filename=f"bench.{name}", data=data, dry_run=True)
    dry_seconds = time.perf_counter() - started
    started = time.perf_counter()
    report = catalog_import(library=library, filename=f"bench.{name}", data=data)
    seconds = time.perf_counter() - started
    assert report.committed, report.errors[:5]
    assert Record.objects.count() == report.created
    assert Copy.objects.count() == report.copies_created
    return {
        "scenario": name,
        "bytes": len(data),
        "total": report.total,
        "created": report.created,
        "matched": report.matched,
        "copies": report.copies_created,
        "dry_run_seconds": round(dry_seconds, 2),
        "seconds": round(seconds, 2),
        "dry_run_per_second": round(preview.total / dry_seconds),
        "per_second": round(report.total / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--keep", help="Keep the database files in this folder (default: a temporary folder).")
    parser.add_argument("--scenario", choices=["csv", "marc"], help=argparse.SUPPRESS)  # the child process
    options = parser.parse_args()
    if options.scenario:
        print(json.dumps(scenario(options.scenario, options.rows)))
        return

    if options.keep:
        Path(options.keep).mkdir(parents=True, exist_ok=True)
        run(Path(options.keep), options.rows)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
            run(Path(folder), options.rows)


def run(folder: Path, rows: int) -> None:
    """Both scenarios, each in a child process with its own database file in ``folder``."""
    print(f"Catalog import benchmark: {rows:,} rows/records per format, SQLite, {os.cpu_count()} CPU(s)")
    print(f"{'format':<8}{'read':>8}{'new':>8}{'merged':>8}{'copies':>8}{'dry run':>10}{'import':>9}{'rows/s':>9}")
    for name in ("csv", "marc"):
        database = folder / f"bench-{name}.sqlite3"
        database.unlink(missing_ok=True)
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{database}",
            "DJANGO_SETTINGS_MODULE": "library_site.settings.test",
        }
        output = subprocess.run(
            [sys.executable, __file__, "--scenario", name, "--rows", str(rows)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        print(
            f"{name:<8}{result['total']:>8,}{result['created']:>8,}{result['matched']:>8,}{result['copies']:>8,}"
            f"{result['dry_run_seconds']:>9.2f}s{result['seconds']:>8.2f}s{result['per_second']:>9,}"
        )


if __name__ == "__main__":
    main()
