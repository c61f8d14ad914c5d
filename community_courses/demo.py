"""Demo courses at the ward 13 community learning centre: two courses with lessons built
from the demo catalog, the city's shared satisfaction questionnaire, 60 simulated
participants (enrolments, lesson visits, completions, before and after answers spread
over September–November 2026), practice sessions at the district continuing-education
centre, and answers to the learning-needs survey.

Deterministic (a seeded random generator and fixed dates) and idempotent: pages are
found by slug, people by ID, and the simulation runs only for a course nobody has
joined yet. Every write goes through the same services as the web pages."""

import datetime
import random

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from wagtail.rich_text import RichText

from catalog.models import Record
from lending.models import Membership, Reader, ReaderCategory
from lending.services.readers import reader_account_ensure
from library_site.libraries.models import Library
from library_site.portals.models import LibraryHomePage

from .consent import ConsentPurpose, ConsentText, consent_text
from .models import (
    AgeGroup,
    CourseFormat,
    CourseIndexPage,
    CoursePage,
    CourseSchedule,
    CourseTopic,
    Enrolment,
    LearningNeed,
    LessonPage,
    LikertScale,
    PracticeSession,
    PreferredFormat,
    PreferredTime,
    QuestionKind,
    SurveyPhase,
    SurveyQuestion,
    SurveyTemplate,
)
from .services.enrolment import enrolment_create, lesson_complete, lesson_visit_record
from .services.practice import practice_registration_create
from .services.surveys import learning_need_submit, survey_response_submit

CENTRE = "tthtcd-phuong-13"
PARTNER = "gdnn-gdtx-phu-nhuan"
PARTICIPANTS = 60
TEMPLATE_NAME = "Khảo sát mức độ hài lòng của người học (trước và sau khóa học)"

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hữu", "Kim", "Quốc"]
GIVEN = ["An", "Bảo", "Cúc", "Dung", "Đức", "Hạnh", "Hùng", "Lan", "Lộc", "Mai", "Nga", "Phát", "Sang", "Thu",
         "Tín", "Tuyết", "Xuân", "Yến"]  # fmt: skip
WARDS = ["Phường 13", "Phường 13", "Phường 13", "Phường 12", "Phường 11", "Phường 14"]
COMMENTS_BEFORE = [
    "Mong được hướng dẫn chậm, cầm tay chỉ việc.",
    "Tôi chưa biết gì, hơi lo.",
    "Muốn học để tự làm thủ tục cho gia đình.",
    "Chữ trên điện thoại nhỏ quá, khó đọc.",
]
COMMENTS_AFTER = [
    "Giảng viên nhiệt tình, dễ hiểu.",
    "Nên có thêm buổi thực hành tại trung tâm.",
    "Video hướng dẫn rất hữu ích, tôi xem lại nhiều lần.",
    "Tôi đã tự chuyển khoản được cho con.",
    "Mong trung tâm mở thêm lớp tiếng Anh.",
]
WISHES = [
    "Học cách bán hàng trên mạng cho tiệm tạp hóa.",
    "Lớp tiếng Anh buổi tối cho người đi làm.",
    "Hướng dẫn dùng ứng dụng VNeID.",
    "Lớp dưỡng sinh cho người lớn tuổi.",
    "Kỹ năng phòng cháy chữa cháy trong chung cư.",
    "",
    "",
]

QUESTIONS = [
    (QuestionKind.LIKERT, LikertScale.SATISFACTION, "Anh/chị hài lòng thế nào với các khóa học của trung tâm?", ""),
    (
        QuestionKind.LIKERT,
        LikertScale.CONFIDENCE,
        "Anh/chị tự tin thế nào khi dùng điện thoại thông minh cho việc hằng ngày?",
        "",
    ),
    (QuestionKind.LIKERT, LikertScale.AGREEMENT, "Những gì học ở trung tâm giúp ích cho cuộc sống của tôi.", ""),
    (
        QuestionKind.SINGLE,
        LikertScale.SATISFACTION,
        "Anh/chị biết đến khóa học qua đâu?",
        "Loa phường, tổ dân phố\nNhóm Zalo khu phố\nCán bộ trung tâm\nNgười thân, bạn bè",
    ),
    (
        QuestionKind.MULTIPLE,
        LikertScale.SATISFACTION,
        "Anh/chị muốn học thêm chủ đề nào?",
        "Kỹ năng số\nSức khỏe\nPháp luật\nNgoại ngữ\nNghề",
    ),
    (QuestionKind.TEXT, LikertScale.SATISFACTION, "Góp ý của anh/chị để khóa học tốt hơn", ""),
]

COURSES = [
    {
        "slug": "ky-nang-so-nguoi-cao-tuoi",
        "title": "Kỹ năng số cho người cao tuổi: dùng điện thoại thông minh an toàn",
        "summary": "Gọi video cho con cháu, chuyển khoản bằng mã QR, làm thủ tục trên Cổng dịch vụ công và "
        "nhận biết tin nhắn lừa đảo.",
        "topic": CourseTopic.DIGITAL_SKILLS,
        "audience": "Người từ 50 tuổi trở lên, mới dùng điện thoại thông minh",
        "format": CourseFormat.BLENDED,
        "schedule": CourseSchedule.SELF_PACED,
        "dates": (None, None),
        "lessons": [
            ("lam-quen-dien-thoai", "Làm quen với điện thoại thông minh", "Kỹ năng số cho người cao tuổi"),
            ("goi-video-zalo", "Gọi video và nhắn tin với người thân", None),
            ("thanh-toan-ma-qr", "Thanh toán bằng mã QR an toàn", "Thanh toán không dùng tiền mặt an toàn"),
            ("dich-vu-cong-truc-tuyen", "Nộp hồ sơ trên Cổng dịch vụ công", "Sử dụng Cổng dịch vụ công quốc gia"),
        ],
        "share": 0.75,
    },
    {
        "slug": "phong-chong-sot-xuat-huyet",
        "title": "Phòng chống sốt xuất huyết trong gia đình",
        "summary": "Diệt lăng quăng, nhận biết dấu hiệu nguy hiểm và chăm sóc người bệnh tại nhà.",
        "topic": CourseTopic.HEALTH,
        "audience": "Mọi người dân trong phường",
        "format": CourseFormat.ONLINE,
        "schedule": CourseSchedule.DATED,
        "dates": (datetime.date(2026, 9, 7), datetime.date(2026, 12, 20)),
        "lessons": [
            ("hieu-ve-benh", "Hiểu về bệnh sốt xuất huyết", "Phòng chống sốt xuất huyết tại gia đình"),
            ("diet-lang-quang", "Diệt lăng quăng quanh nhà", None),
            ("cham-soc-nguoi-benh", "Chăm sóc người bệnh và khi nào cần đi khám", "Chăm sóc sức khỏe người cao tuổi"),
        ],
        "share": 0.45,
    },
]


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _template() -> SurveyTemplate:
    template = SurveyTemplate.objects.filter(name=TEMPLATE_NAME, library__isnull=True).first()
    if template is not None:
        return template
    template = SurveyTemplate(
        name=TEMPLATE_NAME,
        intro="Trung tâm muốn biết anh/chị thấy thế nào trước và sau khóa học để phục vụ tốt hơn. "
        "Xin trả lời thật lòng; không có câu trả lời đúng hay sai.",
    )
    template.questions = [
        SurveyQuestion(kind=kind, scale=scale, text=text, choices=choices, required=index < 2, sort_order=index)
        for index, (kind, scale, text, choices) in enumerate(QUESTIONS)
    ]
    template.save()
    return template


def _publish(parent, page):
    parent.add_child(instance=page)
    page.save_revision().publish()
    return page


def _lesson_body(title: str, record: Record | None) -> list:
    body = [
        ("paragraph", RichText(f"<p>Trong bài này, anh/chị sẽ học: <b>{title.lower()}</b>.</p>")),
        ("heading", "Các bước thực hiện"),
        (
            "paragraph",
            RichText(
                "<ol><li>Xem kỹ phần hướng dẫn bên dưới.</li><li>Làm theo trên điện thoại hoặc tại nhà.</li>"
                "<li>Ghi lại câu hỏi để hỏi cán bộ trung tâm ở buổi thực hành.</li></ol>"
            ),
        ),
    ]
    if record is not None:
        body.append(("material", {"record": record, "note": "Học liệu từ thư viện số của thành phố."}))
    return body


def _courses(centre: Library, partner: Library | None, template: SurveyTemplate) -> list[CoursePage]:
    home = LibraryHomePage.objects.get(library=centre)
    index = CourseIndexPage.objects.child_of(home).first()
    if index is None:
        index = _publish(
            home,
            CourseIndexPage(
                title="Khóa học trực tuyến",
                slug="khoa-hoc",
                show_in_menus=True,
                intro="<p>Các khóa học miễn phí của trung tâm: học trực tuyến tại nhà, thực hành tại trung tâm "
                "giáo dục nghề nghiệp – giáo dục thường xuyên quận.</p>",
            ),
        )
    courses = []
    for spec in COURSES:
        course = CoursePage.objects.child_of(index).filter(slug=spec["slug"]).first()
        if course is None:
            course = CoursePage(
                title=spec["title"],
                slug=spec["slug"],
                summary=spec["summary"],
                topic=spec["topic"],
                audience=spec["audience"],
                format=spec["format"],
                schedule=spec["schedule"],
                starts_on=spec["dates"][0],
                ends_on=spec["dates"][1],
                survey_template=template,
                description=f"<p>{spec['summary']} Khóa học do trung tâm phối hợp với Trung tâm GDNN-GDTX "
                "quận tổ chức; học viên hoàn thành được cấp giấy chứng nhận.</p>",
            )
            if partner is not None:
                course.partners = [partner]
            _publish(index, course)
            for slug, title, record_title in spec["lessons"]:
                record = Record.objects.filter(title=record_title).order_by("pk").first() if record_title else None
                _publish(
                    course,
                    LessonPage(title=title, slug=slug, duration_minutes=20, body=_lesson_body(title, record)),
                )
        courses.append(course)
    return courses


def _people(rng: random.Random, centre: Library) -> list[Reader]:
    consent_at = _at(datetime.date(2026, 9, 1), 8)
    people = []
    for number in range(1, PARTICIPANTS + 1):
        id_number = f"HV{number:04d}"
        born = datetime.date(rng.choice([1950, 1955, 1960, 1965, 1972, 1980, 1990, 2003]), rng.randint(1, 12), 15)
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        reader, _created = Reader.objects.get_or_create(
            id_issuer=centre.code, id_number=id_number, defaults={"full_name": name, "date_of_birth": born}
        )
        Membership.objects.get_or_create(
            reader=reader,
            library=centre,
            defaults={
                "category": ReaderCategory.RESIDENT,
                "consent_given_at": consent_at,
                "consent_version": "2026-1",
                "consent_given_by": reader.full_name,
            },
        )
        reader_account_ensure(reader=reader)
        reader.refresh_from_db()
        people.append(reader)
    return people


def _likert(rng: random.Random, base: float) -> int:
    return max(1, min(5, round(rng.gauss(base, 0.8))))


def _answers(rng: random.Random, template: SurveyTemplate, *, after: bool, before: dict | None = None) -> dict:
    answers = {}
    for question in template.questions.all():
        key = str(question.pk)
        if question.kind == QuestionKind.LIKERT:
            if after and before and key in before:
                answers[key] = max(1, min(5, before[key] + rng.choice([0, 1, 1, 1, 2, 0, -1])))
            else:
                answers[key] = _likert(rng, 3.6 if after else 2.6)
        elif question.kind == QuestionKind.SINGLE and rng.random() < 0.9:
            answers[key] = rng.choice(question.choice_list)
        elif question.kind == QuestionKind.MULTIPLE and rng.random() < 0.8:
            answers[key] = rng.sample(question.choice_list, k=rng.randint(1, 3))
        elif question.kind == QuestionKind.TEXT and rng.random() < 0.5:
            answers[key] = rng.choice(COMMENTS_AFTER if after else COMMENTS_BEFORE)
    return answers


def _simulate(rng: random.Random, course: CoursePage, people: list[Reader], template: SurveyTemplate) -> int:
    """Participants join on fixed days, open lessons (some twice), most finish; most
    answer before, and most who finish answer after."""
    lessons = list(course.lessons())
    start = course.starts_on or datetime.date(2026, 9, 3)
    joined = 0
    enrol_consent = _consent(ConsentPurpose.ENROLMENT)
    for reader in people:
        if rng.random() > course_share(course):
            continue
        day = start + datetime.timedelta(days=rng.randint(0, 60))
        now = _at(day, rng.choice([8, 9, 14, 19]), rng.randint(0, 59))
        enrolment = enrolment_create(
            course=course,
            user=reader.user,
            ward=rng.choice(WARDS),
            channel="kiosk" if rng.random() < 0.3 else "web",
            now=now,
            consent=enrol_consent,
        )
        joined += 1
        before = None
        if rng.random() < 0.88:
            before = _answers(rng, template, after=False)
            survey_response_submit(
                enrolment=enrolment,
                phase=SurveyPhase.BEFORE,
                answers=before,
                anonymous=rng.random() < 0.6,
                now=now + datetime.timedelta(minutes=5),
            )
        finishes = rng.random() < 0.72
        stop = len(lessons) if finishes else rng.randint(0, len(lessons) - 1)
        for number, lesson in enumerate(lessons[:stop] if finishes else lessons[: stop + 1]):
            visit_at = now + datetime.timedelta(days=2 * number + rng.randint(0, 2), hours=1)
            lesson_visit_record(enrolment=enrolment, lesson=lesson, now=visit_at)
            if rng.random() < 0.3:
                lesson_visit_record(enrolment=enrolment, lesson=lesson, now=visit_at + datetime.timedelta(days=1))
            if number < stop:
                enrolment = lesson_complete(
                    enrolment=enrolment, lesson=lesson, now=visit_at + datetime.timedelta(minutes=25)
                )
        if enrolment.completed_at and rng.random() < 0.85:
            enrolment.course = course
            survey_response_submit(
                enrolment=enrolment,
                phase=SurveyPhase.AFTER,
                answers=_answers(rng, template, after=True, before=before),
                anonymous=rng.random() < 0.6,
                now=enrolment.completed_at + datetime.timedelta(minutes=10),
            )
    return joined


def course_share(course: CoursePage) -> float:
    return next((spec["share"] for spec in COURSES if spec["slug"] == course.slug), 0.5)


def _practice(course: CoursePage, centre: Library, partner: Library | None) -> None:
    if partner is None or PracticeSession.objects.filter(course=course).exists():
        return
    for day, capacity in ((datetime.date(2027, 6, 5), 12), (datetime.date(2027, 6, 12), 12)):
        session = PracticeSession.objects.create(
            course=course,
            library=centre,
            host=partner,
            place="Phòng máy tính tầng 2",
            starts_at=_at(day, 8),
            ends_at=_at(day, 10, 30),
            capacity=capacity,
            note="Mang theo điện thoại đã sạc pin và căn cước công dân.",
        )
        for enrolment in Enrolment.objects.filter(course=course).order_by("pk")[:5]:
            practice_registration_create(session=session, enrolment=enrolment, now=_at(datetime.date(2026, 11, 20), 9))


def _consent(purpose: str) -> ConsentText:
    """The consent text as a resident reads it on the (Vietnamese) page."""
    with translation.override(settings.LANGUAGE_CODE):
        return consent_text(purpose)


def _needs(rng: random.Random, centre: Library) -> None:
    if LearningNeed.objects.filter(library=centre).exists():
        return
    weights = {
        CourseTopic.DIGITAL_SKILLS: 0.6,
        CourseTopic.HEALTH: 0.45,
        CourseTopic.FOREIGN_LANGUAGES: 0.35,
        CourseTopic.VOCATIONAL: 0.3,
        CourseTopic.LAW: 0.2,
        CourseTopic.LIFE_SKILLS: 0.25,
        CourseTopic.CULTURE: 0.1,
    }
    needs_consent = _consent(ConsentPurpose.LEARNING_NEEDS)
    for number in range(45):
        topics = [topic for topic, weight in weights.items() if rng.random() < weight] or [CourseTopic.DIGITAL_SKILLS]
        learning_need_submit(
            library=centre,
            topics=topics,
            times=rng.sample(PreferredTime.values, k=rng.randint(1, 2)),
            formats=[rng.choice(PreferredFormat.values)],
            wish=rng.choice(WISHES),
            age_group=rng.choice([value for value in AgeGroup.values if value != AgeGroup.UNKNOWN]),
            ward=rng.choice(WARDS),
            now=_at(datetime.date(2026, 8, 1) + datetime.timedelta(days=number), 10),
            consent=needs_consent,
        )


@transaction.atomic
def load(*, stdout) -> dict:
    centre = Library.objects.filter(code=CENTRE).first()
    if centre is None or not LibraryHomePage.objects.filter(library=centre).exists():
        stdout.write("  courses: skipped (no ward 13 centre)")
        return {}
    partner = Library.objects.filter(code=PARTNER).first()
    rng = random.Random(2026)
    template = _template()
    courses = _courses(centre, partner, template)
    people = _people(rng, centre)
    for course in courses:
        if not Enrolment.objects.filter(course=course).exists():
            _simulate(rng, course, people, template)
        _practice(course, centre, partner)
    _needs(rng, centre)
    stdout.write(
        f"  courses: {len(courses)} courses, {Enrolment.objects.filter(library=centre).count()} enrolments, "
        f"{LearningNeed.objects.filter(library=centre).count()} learning-needs answers"
    )
    return {"courses": [course.pk for course in courses]}
