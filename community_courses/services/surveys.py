"""Answering the before/after satisfaction survey and the learning-needs survey.

Pairing without naming: both sheets of one participant carry the same ``pair_key``, a
keyed hash (HMAC with ``SECRET_KEY``) of the enrolment. The results pair sheets by that
key alone; an anonymous sheet stores nothing else about who answered, and the key
cannot be traced back to an enrolment without the server's secret."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from community_courses.consent import ConsentText
from community_courses.models import (
    AgeGroup,
    CourseTopic,
    Enrolment,
    LearningNeed,
    PreferredFormat,
    PreferredTime,
    QuestionKind,
    SurveyPhase,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
)
from community_courses.selectors.participation import survey_phase_open
from community_courses.services.consent import consent_record_create
from library_site.libraries.models import Library
from library_site.text import nfc

from .enrolment import ward_normalise

PAIR_KEY_SALT = "community_courses.survey_pair"
TEXT_ANSWER_MAX_LENGTH = 2000


class SurveyRefused(ValidationError):
    """The survey cannot be answered now; ``code`` says why."""


def survey_pair_key(*, enrolment: Enrolment, secret: str | None = None) -> str:
    return salted_hmac(PAIR_KEY_SALT, f"enrolment:{enrolment.pk}", secret=secret, algorithm="sha256").hexdigest()


def _pair_keys_with_fallbacks(enrolment: Enrolment) -> list[str]:
    """The key under the current secret first, then under each previous one: a sheet
    answered before a ``SECRET_KEY`` rotation is still found (and re-keyed)."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [survey_pair_key(enrolment=enrolment, secret=secret) for secret in secrets]


def survey_answers_validate(*, template: SurveyTemplate, answers: dict) -> dict:
    """The answers keyed by question id (text), each checked against its question:
    Likert 1–5, a listed choice, listed choices, or text of reasonable length. Empty
    answers are dropped; a missing required answer is an error naming the question."""
    questions: list[SurveyQuestion] = list(template.questions.all())
    cleaned: dict[str, object] = {}
    errors: dict[str, str] = {}
    for question in questions:
        key = str(question.pk)
        value = answers.get(key, answers.get(question.pk))
        if value in (None, "", []):
            if question.required:
                errors[key] = _("Please answer: %(question)s") % {"question": question.text}
            continue
        if question.kind == QuestionKind.LIKERT:
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = 0
            if not 1 <= number <= 5 or str(value).strip() not in {str(number), f"{number}.0"}:
                errors[key] = _("Choose a number from 1 to 5: %(question)s") % {"question": question.text}
                continue
            cleaned[key] = number
        elif question.kind == QuestionKind.SINGLE:
            if value not in question.choice_list:
                errors[key] = _("Choose one of the listed answers: %(question)s") % {"question": question.text}
                continue
            cleaned[key] = value
        elif question.kind == QuestionKind.MULTIPLE:
            values = [value] if isinstance(value, str) else list(value)
            if any(item not in question.choice_list for item in values):
                errors[key] = _("Choose among the listed answers: %(question)s") % {"question": question.text}
                continue
            # Stored in the template's order, once each.
            cleaned[key] = [choice for choice in question.choice_list if choice in values]
        else:
            text = nfc(str(value)).strip()
            if len(text) > TEXT_ANSWER_MAX_LENGTH:
                errors[key] = _("Keep the answer under %(count)d characters.") % {"count": TEXT_ANSWER_MAX_LENGTH}
                continue
            if text:
                cleaned[key] = text
    unknown = {str(key) for key in answers} - {str(question.pk) for question in questions}
    if unknown:
        errors["__all__"] = _("The form does not match the survey; reload the page and answer again.")
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def survey_response_submit(
    *, enrolment: Enrolment, phase: str, answers: dict, anonymous: bool, now: datetime.datetime | None = None
) -> SurveyResponse:
    """Store one answer sheet of ``enrolment`` for ``phase`` (before or after)."""
    now = now or timezone.now()
    # The lock makes a double submission wait, then find the sheet already answered.
    enrolment = Enrolment.objects.select_for_update().select_related("course").get(pk=enrolment.pk)
    is_open, reason = survey_phase_open(enrolment=enrolment, phase=phase)
    if not is_open:
        raise SurveyRefused(reason, code="closed")
    template = enrolment.course.survey_template
    cleaned = survey_answers_validate(template=template, answers=answers)
    if not cleaned:
        raise SurveyRefused(_("Answer at least one question, or skip the survey."), code="empty")
    keys = _pair_keys_with_fallbacks(enrolment)
    if phase == SurveyPhase.AFTER and len(keys) > 1:
        SurveyResponse.objects.filter(course=enrolment.course, phase=SurveyPhase.BEFORE, pair_key__in=keys[1:]).update(
            pair_key=keys[0]
        )
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                course=enrolment.course,
                template=template,
                phase=phase,
                pair_key=keys[0],
                enrolment=None if anonymous else enrolment,
                submitted_at=now,
                answers=cleaned,
            )
    except IntegrityError as exc:
        raise SurveyRefused(_("This survey has already been answered."), code="duplicate") from exc
    field = "before_answered_at" if phase == SurveyPhase.BEFORE else "after_answered_at"
    setattr(enrolment, field, now)
    enrolment.save(update_fields=[field])
    return response


def _choices_clean(values, allowed: list[str], label: str) -> list[str]:
    values = list(values or [])
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise ValidationError({label: _("Unknown choice: %(value)s") % {"value": ", ".join(map(str, unknown))}})
    return [value for value in allowed if value in values]


@transaction.atomic
def learning_need_submit(
    *,
    library: Library,
    topics: list[str],
    other_topic: str = "",
    times: list[str] | None = None,
    formats: list[str] | None = None,
    wish: str = "",
    age_group: str = "",
    ward: str = "",
    now: datetime.datetime | None = None,
    consent: ConsentText | None = None,
) -> LearningNeed:
    """Record one resident's learning needs at ``library`` (anonymous: no name asked),
    with the consent the form showed (``consent``), in one transaction."""
    topics = _choices_clean(topics, CourseTopic.values, "topics")
    other_topic = " ".join(nfc(other_topic or "").split())[:200]
    wish = nfc(wish or "").strip()
    if not topics and not other_topic and not wish:
        raise ValidationError(_("Choose at least one topic, or write what you would like to learn."))
    if len(wish) > 1000:
        raise ValidationError({"wish": _("Keep the wish under 1000 characters.")})
    need = LearningNeed.objects.create(
        library=library,
        topics=topics,
        other_topic=other_topic,
        times=_choices_clean(times, PreferredTime.values, "times"),
        formats=_choices_clean(formats, PreferredFormat.values, "formats"),
        wish=wish,
        age_group=age_group if age_group in AgeGroup.values else AgeGroup.UNKNOWN,
        ward=ward_normalise(ward),
        submitted_at=now or timezone.now(),
    )
    if consent is not None:
        consent_record_create(consent=consent, learning_need=need)
    return need
