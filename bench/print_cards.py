"""Benchmark of reader card printing: 2,000 students of one school, every card as a PNG
and all of them in one A4 PDF.

    DATABASE_URL=sqlite:////tmp/bench-cards.sqlite3 .venv/bin/python bench/print_cards.py \\
        [--students 2000] [--photos 1.0] [--keep DIR]

The database must be a fresh SQLite file (it is created and migrated here; an existing
file is refused, so a real database is never touched); without DATABASE_URL a temporary
one is used. Settings are ``library_site.settings.test`` (DEBUG off); media go to a
temporary folder (or ``--keep DIR``, which also keeps the output for a look).

Steps, each timed, the last two in their own process (``manage.py print_cards``, as an
administrator would run it) so their peak memory (max RSS) is measured separately:

1. setup (not timed as part of printing): migrate, one library with a logo, 2,000
   students in 48 classes of grades 6–9 with believable Vietnamese names; a share of them
   (``--photos``, default all) with a 600 × 800 JPEG photo;
2. issuing a card to every student (``card_print_cards``: the same code the command and
   the admin's batch use);
3. ``print_cards --format png --out DIR``: 2,000 PNG files;
4. ``print_cards --format pdf --out FILE``: one PDF of 200 A4 pages.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBRARY_CODE = "thcs-bench"

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Quang", "Đức", "Thu", "Bảo", "Gia", "Khánh", "Phương"]
GIVEN = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Khoa", "Lan", "Linh", "Long", "Mai"]
GIVEN += ["Nam", "Ngân", "Phong", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Trung", "Tuấn", "Uyên", "Vy"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=2000)
    parser.add_argument("--photos", type=float, default=1.0, help="Share of students with a photo (0 to 1).")
    parser.add_argument("--keep", help="Folder for media and output, kept afterwards.")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--format", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.stage:
        stage(options)
        return

    work = Path(options.keep or tempfile.mkdtemp(prefix="bench-cards-"))
    work.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{work / 'bench-cards.sqlite3'}"
    if not database_url.startswith("sqlite:///"):
        sys.exit("DATABASE_URL must be a SQLite file for this benchmark (sqlite:////tmp/bench-cards.sqlite3).")
    database = Path(database_url.removeprefix("sqlite://"))
    if database.exists():
        sys.exit(f"{database} exists: give a fresh SQLite file (the benchmark creates and migrates it).")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "library_site.settings.test",
        "BENCH_PRIVATE_MEDIA_ROOT": str(work / "private"),
        "BENCH_MEDIA_ROOT": str(work / "media"),
        "PYTHONPATH": str(ROOT),
    }
    python = sys.executable
    script = str(Path(__file__).resolve())

    print(f"Database {database_url}; media and output in {work}", file=sys.stderr)
    load_before = f"{os.getloadavg()[0]:.2f}"
    setup = run_json([python, script, "--stage", "setup", "--students", str(options.students),
                      "--photos", str(options.photos)], env)  # fmt: skip
    png_dir, pdf_file = work / "png", work / "cards.pdf"
    png = run_timed([python, script, "--stage", "command", "--format", "png", "--out", str(png_dir)], env)
    pdf = run_timed([python, script, "--stage", "command", "--format", "pdf", "--out", str(pdf_file)], env)

    png_files = list(png_dir.glob("*.png"))
    png_bytes = sum(path.stat().st_size for path in png_files)
    png_figures = f"{len(png_files)} files, {png_bytes / 1e6:.0f} MB"
    pdf_figures = f"{setup['students'] // 10} pages, {pdf_file.stat().st_size / 1e6:.0f} MB"
    rows = [
        ("Students (with a photo)", f"{setup['students']} ({setup['with_photo']})"),
        ("Setup: migrate + create students", f"{setup['setup_seconds']:.1f} s"),
        ("Issue a card to every student", f"{setup['issue_seconds']:.1f} s"),
        ("PNG, one file per card", f"{timing(png)} · {png_figures}"),
        ("PDF, 10 cards per A4 page", f"{timing(pdf)} · {pdf_figures}"),
        ("Load average before → after", f"{load_before} → {os.getloadavg()[0]:.2f}"),
    ]
    width = max(len(label) for label, _value in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    if not options.keep:
        shutil.rmtree(work, ignore_errors=True)


def timing(result: dict) -> str:
    return f"{result['seconds']:.1f} s (CPU {result['cpu_seconds']:.1f} s, max RSS {result['max_rss_mb']:.0f} MB)"


def run_json(command: list[str], env: dict) -> dict:
    result = subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def run_timed(command: list[str], env: dict) -> dict:
    """Run ``command``; its wall time and peak memory (of that process alone)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(command)} failed")
    reported = json.loads(process.stdout.read().strip().splitlines()[-1])
    return {
        "seconds": reported["seconds"],
        "wall_seconds": seconds,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "max_rss_mb": usage.ru_maxrss / 1024,
    }


def stage(options) -> None:
    # Media go to the benchmark's folder: set before Django imports the models, whose
    # private storage reads PRIVATE_MEDIA_ROOT when the model class is built.
    from django.conf import settings

    settings.PRIVATE_MEDIA_ROOT = Path(os.environ["BENCH_PRIVATE_MEDIA_ROOT"])
    settings.MEDIA_ROOT = Path(os.environ["BENCH_MEDIA_ROOT"])
    import django

    django.setup()
    if options.stage == "setup":
        print(json.dumps(setup(students=options.students, photo_share=options.photos)))
    elif options.stage == "command":
        from io import StringIO

        from django.core.management import call_command

        started = time.perf_counter()
        call_command(
            "print_cards", "--library", LIBRARY_CODE, "--format", options.format, "--out", options.out,
            stdout=StringIO(), stderr=StringIO(),
        )  # fmt: skip
        print(json.dumps({"seconds": time.perf_counter() - started}))


def setup(*, students: int, photo_share: float) -> dict:
    import io

    from django.core.files.base import ContentFile
    from django.core.files.images import ImageFile
    from django.core.management import call_command

    from wagtail.images.models import Image as WagtailImage
    from wagtail.models import Collection

    from catalog.models import private_storage
    from lending.models import Membership, Reader, ReaderCategory
    from lending.tasks import card_print_cards, card_print_memberships
    from library_site.demo.images import draw_logo
    from library_site.libraries.models import Library, LibraryKind

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    logo = WagtailImage(title="Logo THCS Bench", collection=Collection.get_first_root_node())
    logo.file = ImageFile(io.BytesIO(draw_logo(initials="TB", palette=0)), name="logo-thcs-bench.png")
    logo.save()
    library = Library.objects.create(
        name="Thư viện Trường THCS Nguyễn Bỉnh Khiêm",
        short_name="THCS Nguyễn Bỉnh Khiêm",
        code=LIBRARY_CODE,
        kind=LibraryKind.LOWER_SECONDARY,
        district="Quận 1",
        address="1 Lê Duẩn",
        logo=logo,
    )
    storage = private_storage()
    photo_names = [storage.save(f"readers/bench-{n}.jpg", ContentFile(portrait(n))) for n in range(20)]

    rng = random.Random(2026)
    classes = [f"{grade}A{number}" for grade in range(6, 10) for number in range(1, 13)]
    with_photo = round(students * photo_share)
    readers = Reader.objects.bulk_create(
        Reader(
            id_number=f"79{n:08d}",
            full_name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
            photo=photo_names[n % len(photo_names)] if n < with_photo else "",
        )
        for n in range(students)
    )
    Membership.objects.bulk_create(
        Membership(
            reader=reader,
            library=library,
            category=ReaderCategory.STUDENT,
            class_name=classes[n * len(classes) // students],
            school_year="2026-2027",
        )
        for n, reader in enumerate(readers)
    )
    setup_seconds = time.perf_counter() - started

    started = time.perf_counter()
    cards, issued = card_print_cards(card_print_memberships(library=library))
    issue_seconds = time.perf_counter() - started
    assert issued == students == len(cards)
    return {
        "students": students,
        "with_photo": with_photo,
        "setup_seconds": setup_seconds,
        "issue_seconds": issue_seconds,
    }


def portrait(seed: int) -> bytes:
    """A 600 × 800 JPEG 'photo': a blue backdrop with a head and shoulders, varied a little."""
    import io

    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    image = Image.new("RGB", (600, 800), (70 + rng.randint(0, 40), 120 + rng.randint(0, 40), 190))
    draw = ImageDraw.Draw(image)
    skin = (225 - rng.randint(0, 40), 185 - rng.randint(0, 40), 150 - rng.randint(0, 30))
    draw.ellipse([190, 160, 410, 420], fill=skin)
    draw.ellipse([175, 120, 425, 300], fill=(30, 25, 20))
    draw.ellipse([80, 520, 520, 1000], fill=(245, 245, 245))
    noisy = Image.effect_noise((600, 800), 18).convert("RGB")
    image = Image.blend(image, noisy, 0.12).filter(ImageFilter.GaussianBlur(1.2))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
