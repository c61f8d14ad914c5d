"""Recording consent (Decree 13/2023/NĐ-CP): the text shown, its version, when, and the
enrolment or survey answer it belongs to."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from community_courses.consent import ConsentPurpose, ConsentText
from community_courses.models import ConsentRecord, Enrolment, LearningNeed


@transaction.atomic
def consent_record_create(
    *, consent: ConsentText, enrolment: Enrolment | None = None, learning_need: LearningNeed | None = None
) -> ConsentRecord:
    """Store the consent given for ``enrolment`` (the person who joined) or for
    ``learning_need`` (an anonymous answer: no person is linked)."""
    if (enrolment is None) == (learning_need is None):
        raise ValidationError(_("A consent belongs to one enrolment or one survey answer."))
    expected = ConsentPurpose.ENROLMENT if enrolment is not None else ConsentPurpose.LEARNING_NEEDS
    if consent.purpose != expected or not consent.text.strip() or not consent.version:
        raise ValidationError(_("This consent text does not belong here."))
    # Given when the person joined or sent the answer, in the same transaction.
    given_at = enrolment.enrolled_at if enrolment is not None else learning_need.submitted_at
    return ConsentRecord.objects.create(
        given_at=given_at,
        purpose=consent.purpose,
        version=consent.version,
        language=consent.language[:10],
        text=consent.text,
        enrolment=enrolment,
        learning_need=learning_need,
        user=enrolment.user if enrolment is not None else None,
        reader=enrolment.reader if enrolment is not None else None,
    )
