"""Benchmark of the before/after survey results: one course with 10,000 participants who
answered before and after (10,000 pairs, 20,000 answer sheets of six questions).

    .venv/bin/python bench/survey_report.py [--pairs 10000] [--repeat 5]
    DATABASE_URL=sqlite:////tmp/bench-survey.sqlite3 .venv/bin/python bench/survey_report.py

The database must be a fresh SQLite file (created and migrated here; an existing file is
refused, so a real database is never touched); without DATABASE_URL a temporary one is
used. Settings are ``library_site.settings.test`` (DEBUG off).

Setup (timed apart): a centre with its portal, a course of five lessons, a template of
three Likert items, one single choice, one multiple choice and one free-text question,
and the enrolments and answer sheets written in bulk (the same rows the services write,
with real pair keys). Then, each ``--repeat`` times (median and slowest reported):

1. ``survey_results``: every statistic (means, distributions, paired change with its
   confidence interval, Wilcoxon signed-rank per Likert item);
2. the admin results page rendered for a signed-in superuser (request to HTML);
3. the XLSX export and 4. the CSV export (request to file).

The goal (issue #7): the results render in under 1 s.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TEXTS = ["Giảng viên nhiệt tình.", "Nên có thêm buổi thực hành.", "Video dễ hiểu.", "Chữ hơi nhỏ.", "Rất hữu ích."]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-survey-"))
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{work / 'bench-survey.sqlite3'}"
    if not database_url.startswith("sqlite:///"):
        sys.exit("DATABASE_URL must be a SQLite file for this benchmark (sqlite:////tmp/bench-survey.sqlite3).")
    database = Path(database_url.removeprefix("sqlite://"))
    if database.exists():
        sys.exit(f"{database} exists: give a fresh SQLite file (the benchmark creates and migrates it).")
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "library_site.settings.test"
    import django

    django.setup()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    course, superuser = setup(pairs=options.pairs)
    setup_seconds = time.perf_counter() - started

    from django.test import Client

    from community_courses.selectors.survey_results import survey_results

    client = Client(HTTP_ACCEPT_LANGUAGE="vi")
    client.force_login(superuser)
    url = f"/admin/courses/{course.pk}/survey/"
    measures = {
        "survey_results (statistics)": lambda: survey_results(course=course),
        "results page (request → HTML)": lambda: _ok(client.get(url)),
        "XLSX export (request → file)": lambda: _ok(client.get(url + "?format=xlsx")),
        "CSV export (request → file)": lambda: _ok(client.get(url + "?format=csv")),
    }
    results = survey_results(course=course)
    rows = [
        ("Answer pairs (sheets)", f"{results.paired_sheets:,} ({results.before_sheets + results.after_sheets:,})"),
        ("Setup: migrate + write rows", f"{setup_seconds:.1f} s"),
    ]
    for label, call in measures.items():
        call()  # warm-up: template loading, first queries
        times = []
        for _round in range(options.repeat):
            tick = time.perf_counter()
            call()
            times.append(time.perf_counter() - tick)
        rows.append((label, f"median {statistics.median(times) * 1000:.0f} ms, slowest {max(times) * 1000:.0f} ms"))
    rows.append(("Load average before → after", f"{load_before:.2f} → {os.getloadavg()[0]:.2f}"))
    width = max(len(label) for label, _value in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


def _ok(response):
    if response.status_code != 200:
        sys.exit(f"{response.status_code} from {response.request['PATH_INFO']}")
    return response


def setup(*, pairs: int):
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from community_courses.models import (
        CourseIndexPage,
        CoursePage,
        Enrolment,
        LessonPage,
        QuestionKind,
        SurveyQuestion,
        SurveyResponse,
        SurveyTemplate,
    )
    from community_courses.services.surveys import survey_pair_key
    from library_site.libraries.models import Library, LibraryKind
    from library_site.portals.services import city_landing_ensure, library_portal_provision
    from tests.factories.libraries import UserFactory

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    with transaction.atomic():
        city_landing_ensure(title="Thư viện số TP. Hồ Chí Minh")
        centre = Library.objects.create(
            name="Trung tâm học tập cộng đồng Phường Bench",
            short_name="TTHTCĐ Bench",
            code="tthtcd-bench",
            kind=LibraryKind.COMMUNITY_LEARNING_CENTRE,
            district="Quận Phú Nhuận",
            ward="Phường 13",
            address="1 Đường Bench",
        )
        home = library_portal_provision(library=centre, port=80)
        template = SurveyTemplate.objects.create(name="Khảo sát hài lòng (benchmark)")
        questions = [
            SurveyQuestion.objects.create(template=template, kind=kind, text=text, choices=choices, sort_order=order)
            for order, (kind, text, choices) in enumerate(
                [
                    (QuestionKind.LIKERT, "Mức độ hài lòng chung", ""),
                    (QuestionKind.LIKERT, "Tự tin dùng điện thoại thông minh", ""),
                    (QuestionKind.LIKERT, "Nội dung giúp ích cho cuộc sống", ""),
                    (QuestionKind.SINGLE, "Biết khóa học qua đâu?", "Loa phường\nZalo\nCán bộ\nNgười thân"),
                    (QuestionKind.MULTIPLE, "Muốn học thêm gì?", "Kỹ năng số\nSức khỏe\nPháp luật\nNgoại ngữ\nNghề"),
                    (QuestionKind.TEXT, "Góp ý", ""),
                ]
            )
        ]
        index = home.add_child(instance=CourseIndexPage(title="Khóa học", slug="khoa-hoc"))
        course = index.add_child(
            instance=CoursePage(
                title="Kỹ năng số (benchmark)", slug="ky-nang-so", topic="digital_skills", survey_template=template
            )  # fmt: skip
        )
        for number in range(1, 6):
            course.add_child(instance=LessonPage(title=f"Bài {number}", slug=f"bai-{number}"))
        now = timezone.now()
        enrolments = Enrolment.objects.bulk_create(
            [
                Enrolment(
                    course=course,
                    library=centre,
                    participant_key=f"bench:{n}",
                    enrolled_at=now,
                    completed_at=now,
                    before_answered_at=now,
                    after_answered_at=now,
                )  # fmt: skip
                for n in range(pairs)
            ],
            batch_size=2000,
        )
        if enrolments[0].pk is None:  # backends that return no ids from bulk_create
            enrolments = list(Enrolment.objects.filter(course=course).order_by("pk"))
        sheets = []
        for enrolment in enrolments:
            key = survey_pair_key(enrolment=enrolment)
            before = _answers(rng, questions, base=2.7)
            after = {
                question_id: (min(5, max(1, value + rng.choice([-1, 0, 1, 1, 2]))) if isinstance(value, int) else value)
                for question_id, value in _answers(rng, questions, base=3.6).items()
            }
            after.update(
                {
                    q: min(5, max(1, before[q] + rng.choice([-1, 0, 1, 1, 2])))
                    for q in before
                    if isinstance(before[q], int)
                }
            )
            sheets.append(
                SurveyResponse(course=course, template=template, phase="before", pair_key=key, answers=before)
            )
            sheets.append(SurveyResponse(course=course, template=template, phase="after", pair_key=key, answers=after))
        SurveyResponse.objects.bulk_create(sheets, batch_size=2000)
        superuser = UserFactory(username="bench-admin", is_superuser=True, is_staff=True)
    return CoursePage.objects.get(pk=course.pk), superuser


def _answers(rng: random.Random, questions, *, base: float) -> dict:
    answers = {}
    for question in questions:
        key = str(question.pk)
        if question.kind == "likert":
            answers[key] = max(1, min(5, round(rng.gauss(base, 0.9))))
        elif question.kind == "single":
            answers[key] = rng.choice(question.choice_list)
        elif question.kind == "multiple":
            answers[key] = rng.sample(question.choice_list, k=rng.randint(1, 3))
        elif rng.random() < 0.4:
            answers[key] = rng.choice(TEXTS)
    return answers


if __name__ == "__main__":
    main()
