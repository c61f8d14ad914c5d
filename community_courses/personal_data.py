"""One reader's part in the courses, for their Decree 13/2023/NĐ-CP data export
(``lending.services.personal_data.reader_data_export``, which this app fills in through the
``register_personal_data_section`` hook: see ``wagtail_hooks.py``)."""

from django.db import models

from community_courses.models import ConsentRecord, Enrolment, LessonCompletion, LessonVisit, SurveyResponse
from lending.models import Reader
from lending.services.personal_data import export_iso


def courses_personal_data(*, reader: Reader) -> dict:
    """The courses' sections of ``reader``'s data export (see ``lending.services.
    personal_data.PERSONAL_DATA_SECTION_HOOK``): enrolments linked to the reader or their
    account, with lesson visits and completions, named survey answers and consents."""
    person = models.Q(reader=reader)
    if reader.user_id:
        person |= models.Q(user_id=reader.user_id)
    enrolments = list(Enrolment.objects.filter(person).select_related("course", "library").order_by("enrolled_at"))
    ids = [e.pk for e in enrolments]
    return {
        "course_enrolments": [
            {
                "course": e.course.title,
                "centre": e.library.name,
                "joined_at": export_iso(e.enrolled_at),
                "joined_through": e.get_channel_display(),
                "age_group": e.get_age_group_display(),
                "ward": e.ward,
                "completed_at": export_iso(e.completed_at),
            }
            for e in enrolments
        ],
        "lesson_visits": [
            {
                "course": visit.enrolment.course.title,
                "lesson": visit.lesson.title if visit.lesson else "",
                "day": export_iso(visit.day),
                "times_opened": visit.opens,
            }
            for visit in LessonVisit.objects.filter(enrolment_id__in=ids)
            .select_related("enrolment__course", "lesson")
            .order_by("day", "pk")
        ],
        "lesson_completions": [
            {
                "course": done.enrolment.course.title,
                "lesson": done.lesson.title,
                "completed_at": export_iso(done.completed_at),
            }
            for done in LessonCompletion.objects.filter(enrolment_id__in=ids)
            .select_related("enrolment__course", "lesson")
            .order_by("completed_at")
        ],
        "survey_responses": [
            {
                "course": sheet.course.title,
                "phase": sheet.get_phase_display(),
                "submitted_at": export_iso(sheet.submitted_at),
                "answers": _survey_answers(sheet),
            }
            for sheet in SurveyResponse.objects.filter(enrolment_id__in=ids)
            .select_related("course", "template")
            .order_by("submitted_at")
        ],
        "consents": [
            {
                "purpose": record.get_purpose_display(),
                "version": record.version,
                "language": record.language,
                "text": record.text,
                "given_at": export_iso(record.given_at),
            }
            for record in ConsentRecord.objects.filter(person | models.Q(enrolment_id__in=ids))
            .distinct()
            .order_by("given_at")
        ],
        # The learning-needs survey asks no name and links no answer to a person.
        "learning_needs": [],
    }


def _survey_answers(sheet) -> list[dict]:
    questions = {str(q.pk): q.text for q in sheet.template.questions.all()}
    return [{"question": questions.get(key, key), "answer": value} for key, value in sheet.answers.items()]
